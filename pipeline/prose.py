"""The words of an appendix: every number a member reads traced to a figure or a table.

The disclosure audit (``pipeline.audit``) reads the published tables and figures.json as an
attacker would; what it checks is only what the appendix prints if the sentences, headings,
captions, notes and chart descriptions print no number of their own. So before anything is
published the render reads the words of the appendix (its HTML outside the tables, with each
chart's alt text) and refuses a number that is no figure and no value of a published table,
a number that is the value of a figure disclosure control hides, and the suppression symbol
``[c]`` standing in for a number ("had [c] children placed"): the words say why there is no
figure, they do not print the table's symbol.

Numbers that are not data (years, dates, table and chart numbers, year groups, sections of
the committee papers, the method's own constants) are set aside first by the patterns of
``NOT_DATA``; a report type adds its own as ``NOT_DATA_IN_WORDS`` in the module of its audit
model, beside ``FIGURES_OUTSIDE_TABLES``. This module knows nothing of the suppression rules:
it is told which figures are hidden and what their values are.

>>> page = "<p>There were 17 pupils in 2024-25.</p><table><tr><td>17</td></tr></table>"
>>> [f.number for f in check_words(page, figures={}, tables=[])]
['17']
>>> check_words(page, figures={"a": {"value": 17, "unit": "count"}}, tables=[])
[]
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pipeline.figures import UNIT_PLACES, rounded

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"

#: Numbers in the words that are not data, set aside before the rest are traced: each a
#: regular expression, and why.
NOT_DATA: tuple[str, ...] = (
    rf"\b\d{{1,2}} (?:{MONTHS}) (?:19|20)\d\d\b",  # a date
    r"\b(?:19|20)\d\d(?:[-/]\d\d(?:\d\d)?)?\b",  # a year, a financial or academic year
    r"\b(?:Table|Chart|Lot|Decision|Page|page)s? [\d/A-Z-]+(?:,? (?:and|to) \d+)*",
    r"\(?[Rr]-Year \d+\)?|\bYears \d+-\d+|\bPost-16\b",  # phases (before year groups)
    r"\bYears? -?\d+(?:(?:,| and| to) -?\d+)*",  # year groups
    r"§\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?",  # a section (or sections) of a committee paper
    r"\b\d+(?:-\d+)? km\b|\b\d+ km to under \d+ km\b",  # distance bands
    r"/ 365\b",  # days in a year, in the spend formula
    r"under 0\.5%",  # what "<1%" means
    r"sum to 100%|add up to 100%",  # rounding notes
    r"(?<![\d,])\b\d{1,2} to \d{1,2}\b(?!,\d)(?= \(|,| year)",  # an age band
    r"\b[A-Z]{1,3}\d{6,}\b|\bE\d{8}\b",  # codes
)

#: The suppression symbol as the words may print it: explaining what it means in the tables,
#: never standing in for a number.
SUPPRESSED = "[c]"
SYMBOL_EXPLAINED: tuple[str, ...] = (
    r"\[c\] in the (?:tables?|appendix|chart|spreadsheet)",  # "([c] in the table)"
    r"(?:shown|marked|printed|appear|appears) as \[c\]",  # "counts under 5 are shown as [c]"
    r"^\[c\]:",  # the disclosure note's legend
    r"\[c\] (?:means|marks|stands for)",
    r"suppressed \(\[c\]\)",  # "the share ... is suppressed ([c]) to protect ..."
)

#: A number as the words print it: an optional £, thousands separators, decimals, and a
#: unit after it (millions, thousands, per cent).
NUMBER = re.compile(r"£?\d+(?:,\d{3})*(?:\.\d+)?(?:m|k|%)?")

#: How much of a sentence a finding quotes.
EXCERPT = 100

FindingKind = Literal["untraced", "hidden", "symbol"]


@dataclass(frozen=True)
class Finding:
    """A number (or the symbol) in the words that the render refuses to publish.

    Parameters
    ----------
    kind : {"untraced", "hidden", "symbol"}
        A number that is no figure and no table value; the value of a hidden figure; the
        suppression symbol standing in for a number.
    sentence : str
        The sentence it is in, shortened to about ``EXCERPT`` characters around it.
    number : str
        The number as printed (``[c]`` for the symbol).
    figure : str, optional
        For ``hidden``, the id of the hidden figure it equals.
    """

    kind: FindingKind
    sentence: str
    number: str
    figure: str | None = None

    def message(self, report: str) -> str:
        """One line naming the report, the sentence, the number and the fix."""
        where = f"words of {report}: {self.number} in \u201c{self.sentence}\u201d"
        if self.kind == "hidden":
            return (
                f"{where} is the value of figure {self.figure}, which disclosure control "
                "hides (print it only where it is shown, or say why there is no figure)"
            )
        if self.kind == "symbol":
            return (
                f"words of {report}: \u201c{self.sentence}\u201d prints {SUPPRESSED} in place "
                "of a number (say in words why there is no figure, or leave it to the table)"
            )
        return (
            f"{where} is no figure and no value of a published table (register it as a "
            "figure, or print it in a table)"
        )


def words(page: str) -> list[str]:
    """The words of an HTML page outside its tables: its text, headings, notes and captions
    line by line (whitespace collapsed), then the alt text of each image.

    >>> words('<h2>Table 1</h2><table><tr><td>12</td></tr></table><img alt="12 &amp; 3">')
    ['Table 1', '12 & 3']
    """
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    alts = [html.unescape(alt) for alt in re.findall(r'\balt="([^"]*)"', page)]
    page = re.sub(r"<table\b.*?</table>", " ", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    lines = (" ".join(part.split()) for part in text.split("\n"))
    return [line for line in lines if line] + alts


def numbers(text: str, not_data: Sequence[str] = NOT_DATA) -> list[str]:
    """The numbers of ``text`` that could be data: what is left once ``not_data`` is set aside.

    >>> numbers("On 30 June 2025 (Table 3, Year 9 and 10, §6.5-6.6) there were 17 pupils.")
    ['17']
    """
    for pattern in not_data:
        text = re.sub(pattern, " ", text)
    return NUMBER.findall(text)


#: A printed number: its scale (``m`` millions, ``k`` thousands, ``""`` as it is) and value.
Printed = tuple[str, float]


def _printed(number: str) -> Printed:
    """A number as the words print it, as ``(scale, value)``: ``£46.9m`` is ``("m", 46.9)``."""
    scale = number[-1] if number[-1] in "mk" else ""
    return scale, float(number.strip("£mk%").replace(",", ""))


def _as_printed(number: float) -> set[Printed]:
    """The forms a value may be printed in: to 0, 1 or 2 places and without its sign (a fall
    of 12); in millions or thousands (``£1.2m`` for 1,234,567), or itself with ``m`` or ``k``
    (a figure already in £ millions)."""
    out: set[Printed] = set()
    for scale, divisor in (("", 1.0), ("m", 1e6), ("k", 1e3)):
        for value in {number, abs(number), number / divisor, abs(number) / divisor}:
            out.update((scale, v) for v in (round(value, 2), round(value, 1), float(round(value))))
    return out


def _numeric(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def traced_values(
    figures: Mapping[str, Mapping[str, object]],
    tables: Iterable[str],
    constants: Iterable[float] = (),
) -> set[Printed]:
    """Every value the figures and the published tables give, as the words may print it.

    ``figures`` are as figures.json publishes them (a hidden figure has no value); ``tables``
    are the tidy CSVs' texts (every cell counts, the filters' values too); ``constants`` are
    the method's own numbers (the suppression threshold).

    >>> known = traced_values({"a": {"value": 1234567}}, ["x\\n12\\n"], [5])
    >>> [_printed(n) in known for n in ("1,234,567", "£1.2m", "£1,234.6k", "12", "5", "1", "0")]
    [True, True, True, True, True, False, False]
    """
    values: list[object] = [float(c) for c in constants]
    for figure in figures.values():
        value = figure.get("value")
        values.extend(value if isinstance(value, list) else [value])
    for text in tables:
        for row in csv.reader(io.StringIO(text)):
            values.extend(row)
    found: set[Printed] = set()
    for value in values:
        number = _numeric(value)
        if number is not None:
            found |= _as_printed(number)
    return found


def hidden_values(
    hidden: Mapping[str, Mapping[str, object]],
) -> dict[Printed, str]:
    """The form each hidden figure would print in (its unit's rounding), to the figure's id.

    ``hidden`` maps a hidden figure's id to its true ``value`` and ``unit``, which the render
    is given for this check only and never publishes.

    >>> hidden_values({"s25.need.HI": {"value": 3, "unit": "count"},
    ...                "s25.cost": {"value": 55186.49, "unit": "gbp_rounded"}})
    {('', 55186.0): 's25.cost', ('', 3.0): 's25.need.HI'}
    """
    out: dict[Printed, str] = {}
    for figure_id, figure in sorted(hidden.items()):
        value, unit = figure.get("value"), figure.get("unit")
        if unit not in UNIT_PLACES or UNIT_PLACES[unit] is None:
            continue
        number = _numeric(value)
        if number is None:
            continue
        scale = "m" if "millions" in str(unit) else "k" if "thousands" in str(unit) else ""
        out.setdefault((scale, float(rounded(number, str(unit)))), figure_id)
    return out


def _excerpt(line: str, found: str) -> str:
    """The sentence of ``line`` holding ``found``, shortened to about ``EXCERPT`` characters
    around it."""
    alone = re.compile(rf"(?<![\d.,]){re.escape(found)}(?![\d]|[.,]\d)")
    sentences = re.split(r"(?<=[.;!?])\s+", line)
    sentence = next((s for s in sentences if alone.search(s)), line)
    if len(sentence) <= EXCERPT:
        return sentence
    match = alone.search(sentence)
    at = match.start() if match else 0
    start = max(0, min(at - EXCERPT // 2, len(sentence) - EXCERPT))
    text = sentence[start : start + EXCERPT]
    return f"{'…' if start else ''}{text.strip()}{'…' if start + EXCERPT < len(sentence) else ''}"


def _stands_in(line: str) -> bool:
    """Whether ``line`` prints the suppression symbol other than to explain it."""
    rest = line
    for pattern in SYMBOL_EXPLAINED:
        rest = re.sub(pattern, " ", rest)
    return SUPPRESSED in rest


def check_words(
    page: str,
    *,
    figures: Mapping[str, Mapping[str, object]],
    tables: Iterable[str],
    hidden: Mapping[str, Mapping[str, object]] | None = None,
    constants: Iterable[float] = (),
    not_data: Sequence[str] = (),
) -> list[Finding]:
    """Every number in the words of ``page`` that the render must refuse, once per number.

    Parameters
    ----------
    page : str
        The appendix's HTML.
    figures : mapping
        The figures as figures.json publishes them (id -> ``value``, ``unit``, ...).
    tables : iterable of str
        The published tidy CSVs' texts.
    hidden : mapping, optional
        Each hidden figure's id -> its true ``value`` and ``unit`` (never published).
    constants : iterable of float
        The method's own numbers the words may print (the suppression threshold).
    not_data : sequence of str
        The report type's own patterns of numbers that are not data, added to ``NOT_DATA``.

    Returns
    -------
    list of Finding
        In the order the words print them; empty when every number traces.

    Examples
    --------
    >>> hidden = {"s25.need.HI": {"value": 3, "unit": "count"}}
    >>> [f.kind for f in check_words("<p>3 had HI.</p>", figures={}, tables=[], hidden=hidden)]
    ['hidden']
    >>> [f.kind for f in check_words("<p>HI: [c].</p>", figures={}, tables=[])]
    ['symbol']
    """
    patterns = (*NOT_DATA, *not_data)
    known = traced_values(figures, tables, constants)
    shown = traced_values(figures, [], constants)
    secret = hidden_values(hidden or {})
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def add(finding: Finding) -> None:
        # a number once (where it is first printed); the symbol once per sentence
        key = (finding.kind, finding.sentence if finding.kind == "symbol" else finding.number)
        if key not in seen:
            seen.add(key)
            findings.append(finding)

    for line in words(page):
        if SUPPRESSED in line and _stands_in(line):
            add(Finding("symbol", _excerpt(line, SUPPRESSED), SUPPRESSED))
        for number in numbers(line, patterns):
            value = _printed(number)
            if value in secret and value not in shown:
                add(Finding("hidden", _excerpt(line, number), number, secret[value]))
            elif value not in known:
                add(Finding("untraced", _excerpt(line, number), number))
    return findings


def count_numbers(page: str, not_data: Sequence[str] = ()) -> int:
    """How many numbers the words of ``page`` print once non-data is set aside (for the
    reviewers' record of the check)."""
    patterns = (*NOT_DATA, *not_data)
    return sum(len(numbers(line, patterns)) for line in words(page))
