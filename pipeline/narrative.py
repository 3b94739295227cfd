"""The author's own paragraphs with every number taken from the report's figures.

A report definition may name a narrative, ``narrative: reports/<id>.narrative.md``: the
paragraphs of the committee report that carry figures, written by the author in Markdown, with
a placeholder wherever a number goes::

    As of {{ s25.as_at }}, KCC had placed {{ s25.placements.total }} pupils in
    {{ s25.schools.total }} INMSS services.

A placeholder names a figure id of the report (the ids of ``figures.json``); the figure's unit
decides how it prints, the way the appendix prints it (``1,784``, ``61%``, ``£54,460``,
``£46.9m``, ``30 June 2025``), with the formatters of ``pipeline.present``. An optional format
after a bar changes that (``{{ projection.static_total_gbp_m | gbp_m0 }}``,
``{{ s25.schools.dps | words }}``); ``FORMATS`` lists them. A format may round more coarsely
than the appendix, never more finely: a narrative never prints more than ``figures.json``
publishes.

``fill`` returns the filled Markdown and every placeholder with its value (for the reviewers'
note), or raises ``NarrativeError`` listing every problem, one line each naming the file, the
line, the id and the fix: an id no figure has (with the closest ids, and the report of the
same batch that has it, if one does), a figure disclosure control hides, a figure with no value
(``[x]``), an unknown format, and a number typed by hand rather than taken from a figure (the
paragraph's own text is read with its placeholders taken out; paragraph and section numbers,
years, dates and the other numbers of ``prose.NOT_DATA`` and ``NOT_DATA_IN_NARRATIVE`` are no
figures). ``preview`` shows an analyst the filled text in a notebook, with every problem
listed and each placeholder that has one marked where it stands.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pipeline import prose
from pipeline.errors import UserError
from pipeline.figures import SUPPRESSED_REASON, UNIT_PLACES
from pipeline.present import (
    NOT_AVAILABLE,
    fmt_count,
    fmt_date,
    fmt_gbp,
    fmt_number,
    fmt_pct,
    fmt_share,
    join_words,
    round_half_up,
)

#: Numbers a narrative may type by hand besides ``prose.NOT_DATA`` (years, dates, tables,
#: year groups): the committee report's own paragraph and section numbers, and list numbers.
NOT_DATA_IN_NARRATIVE: tuple[str, ...] = (
    r"^\s*(?:#+\s*)?\d+(?:\.\d+)*[.)]?(?=\s)",  # "4.1 Robust ...", "## 6. Financial", "1. "
    r"\b[Ss]ections? \d+(?:\.\d+)*(?:(?:,| and| to) \d+(?:\.\d+)*)*",  # "Section 4.2"
    r"\b[Pp]aragraphs? \d+(?:\.\d+)*(?:(?:,| and| to) \d+(?:\.\d+)*)*",
    r"\b(?:[Pp]ost|[Pp]re)[- ]1[69]\b",  # a phase: "specialist post 16 providers"
)

#: ``{{ figure.id }}`` or ``{{ figure.id | format }}``, on one line.
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
#: A note the author keeps for themselves: left out of everything published.
AUTHOR_NOTE = re.compile(r"<!--.*?-->", re.DOTALL)

#: Money units: how many pounds one unit of the figure is, and the pounds its printed
#: precision stands for (a figure in £m to one decimal is printed to the nearest £100,000).
_MONEY = {
    "gbp": (1, 1),
    "gbp_rounded": (1, 1),
    "gbp_thousands_2dp": (1_000, 10),
    "gbp_millions_0dp": (1_000_000, 1_000_000),
    "gbp_millions_1dp": (1_000_000, 100_000),
    "gbp_millions_2dp": (1_000_000, 10_000),
}
_PERCENT = {"percent": 0, "percent_rounded": 0, "percent_1dp": 1}
_WHOLE = ("count", "years")
_LISTS = ("ncy_list", "district_list")

#: Format -> what it prints, for the README and the error that lists them.
FORMATS = {
    "number": "the number alone, without £ or % (1,784; 61; 46.9)",
    "words": "a whole number, or how many items a list has, in words (twenty-two)",
    "count": "how many items a list has, as a number (4)",
    "pct": "a percentage to a whole number (61%)",
    "pct1": "a percentage to one decimal place (60.9%)",
    "gbp": "pounds to the pound (£54,460)",
    "gbp_m0": "£ millions to the million (£876m)",
    "gbp_m1": "£ millions to one decimal place (£46.9m)",
    "gbp_m2": "£ millions to two decimal places (£46.76m)",
    "month": "a date's month (April)",
    "month_year": "a date's month and year (November 2024)",
    "year": "a date's year (2024)",
    "fy": "the financial year a date falls in (2025/26)",
}
_MONEY_FORMATS = {"gbp": (0, 1), "gbp_m0": (0, 1_000_000), "gbp_m1": (1, 100_000),
                  "gbp_m2": (2, 10_000)}  # fmt: skip


def _ncy(value: object) -> str:
    # as tables.ncy_label prints a year group (this stage does not import the tables)
    return {-2: "N1", -1: "N2", 0: "Reception"}.get(int(value), f"Year {int(value)}")


def _formats_for(unit: str) -> list[str]:
    """The formats a figure of ``unit`` can take."""
    if unit in _WHOLE:
        return ["number", "words"]
    if unit in _PERCENT:
        return ["number", "pct"] + (["pct1"] if _PERCENT[unit] else [])
    if unit in _MONEY:
        finest = _MONEY[unit][1]
        return ["number", *[f for f, (_, q) in _MONEY_FORMATS.items() if q >= finest]]
    if unit in _LISTS:
        return ["count", "words"]
    if unit == "date":
        return ["month", "month_year", "year", "fy"]
    return []


# --------------------------------------------------------------------------- numbers as text

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()  # fmt: skip
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def in_words(n: int) -> str:
    """A whole number in words, as British committee papers write it.

    >>> in_words(22), in_words(110), in_words(1094), in_words(1784)
    ('twenty-two', 'one hundred and ten', 'one thousand and ninety-four', \
'one thousand, seven hundred and eighty-four')
    >>> in_words(0), in_words(-3), in_words(2_000_005)
    ('zero', 'minus three', 'two million and five')
    """
    if n < 0:
        return f"minus {in_words(-n)}"
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {in_words(rest)}" if rest else "")
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            high, rest = divmod(n, size)
            head = f"{in_words(high)} {name}"
            if not rest:
                return head
            return head + (f" and {in_words(rest)}" if rest < 100 else f", {in_words(rest)}")
    raise AssertionError(n)  # pragma: no cover - every n >= 1000 is caught above


def _financial_year(day: dt.date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def printed(figure: Mapping, fmt: str | None = None) -> str:
    """A figure of ``figures.json`` as a sentence prints it: by its unit, or by ``fmt``.

    The value is rounded here as the appendix rounds it (from the unrounded figure, so that
    a coarser format never rounds twice, and a share under half a per cent of children reads
    ``<1%`` as in the tables); ``fmt`` must be one of ``_formats_for(unit)`` (``fill`` checks
    that first).

    >>> printed({"value": 1784, "unit": "count"}), printed({"value": 61, "unit": "percent_rounded"})
    ('1,784', '61%')
    >>> printed({"value": 0.4, "unit": "percent_rounded"}), printed({"value": 46.749,
    ...     "unit": "gbp_millions_2dp"}, "gbp_m1")
    ('<1%', '£46.7m')
    >>> printed({"value": 46.9, "unit": "gbp_millions_1dp"}), printed({"value": 876.4,
    ...     "unit": "gbp_millions_0dp"}), printed({"value": 46.76, "unit": "gbp_millions_2dp"},
    ...     "gbp_m1")
    ('£46.9m', '£876m', '£46.8m')
    >>> printed({"value": [9, 10], "unit": "ncy_list"}), printed({"value": "2024-04-01",
    ...     "unit": "date"}, "month"), printed({"value": "2025-06-30", "unit": "date"}, "fy")
    ('Year 9 and Year 10', 'April', '2025/26')
    >>> printed({"value": ["Dartford", "Sevenoaks"], "unit": "district_list"}, "words")
    'two'
    """
    value, unit = figure["value"], figure["unit"]
    if unit == "date":
        day = dt.date.fromisoformat(str(value))
        return {
            None: lambda: fmt_date(day),
            "month": lambda: f"{day:%B}",
            "month_year": lambda: f"{day:%B %Y}",
            "year": lambda: str(day.year),
            "fy": lambda: _financial_year(day),
        }[fmt]()
    if unit in _LISTS:
        if fmt == "count":
            return fmt_count(len(value))
        if fmt == "words":
            return in_words(len(value))
        return join_words([_ncy(v) for v in value] if unit == "ncy_list" else value)
    if unit == "ncy":
        return _ncy(value)
    places = UNIT_PLACES.get(unit) or 0
    if fmt == "number":
        return fmt_number(value, places)
    if fmt == "words":
        return in_words(int(round_half_up(float(value))))
    if unit in _WHOLE:
        return fmt_count(value)
    if unit in _PERCENT:
        places = {"pct": 0, "pct1": 1}.get(fmt or "", _PERCENT[unit])
        # a group with children never reads 0%: <1%, as the appendix's tables print it
        return fmt_share(value) if places == 0 else fmt_pct(value, places)
    if unit in _MONEY:
        scale = _MONEY[unit][0]
        if fmt is None:
            if scale == 1:
                return fmt_gbp(value)
            suffix = "m" if scale == 1_000_000 else "k"
            return f"£{fmt_number(value, places)}{suffix}"
        pounds = Decimal(repr(float(value))) * scale
        digits, _ = _MONEY_FORMATS[fmt]
        if fmt == "gbp":
            return fmt_gbp(float(pounds))
        return f"£{fmt_number(float(pounds / 1_000_000), digits)}m"
    return str(value)


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a narrative, at a line of its file."""

    file: str
    line: int
    figure_id: str
    message: str
    unknown: bool = False  # the id names no figure of the report

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class NarrativeError(UserError):
    """A narrative that cannot be filled; one ``error:`` line per problem.

    ``report_id``, ``figure_ids`` (the report's printable ones) and ``prefixes`` (its inputs')
    let a batch say, of an id unknown to one report, which other report of the batch has it
    (``with_batch``).
    """

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        report_id: str = "",
        figure_ids: Collection[str] = (),
        prefixes: Collection[str] = (),
    ) -> None:
        self.problems = list(problems)
        self.report_id = report_id
        self.figure_ids = frozenset(figure_ids)
        self.prefixes = frozenset(prefixes)
        # each problem is its own line; the command line prints "error: " before the first
        super().__init__("\nerror: ".join(str(p) for p in self.problems))

    def __reduce__(self):  # a batch worker hands the error back across processes
        return (_rebuild, (self.problems, self.report_id, self.figure_ids, self.prefixes))

    def with_batch(self, batch: Sequence[Batchmate]) -> NarrativeError:
        """The same error, each unknown id also said to be (or not) another report's."""
        problems = [
            Problem(
                p.file,
                p.line,
                p.figure_id,
                _unknown(p.figure_id, self.figure_ids, self.report_id, batch, self.prefixes),
                unknown=True,
            )
            if p.unknown
            else p
            for p in self.problems
        ]
        return NarrativeError(
            problems, report_id=self.report_id, figure_ids=self.figure_ids, prefixes=self.prefixes
        )


def _rebuild(problems, report_id, figure_ids, prefixes) -> NarrativeError:
    return NarrativeError(problems, report_id=report_id, figure_ids=figure_ids, prefixes=prefixes)


@dataclass(frozen=True)
class Batchmate:
    """Another report of the same batch: its id, its figure ids and its inputs' prefixes."""

    report_id: str
    figure_ids: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()


def closest(figure_id: str, known: Collection[str], n: int = 3) -> list[str]:
    """The ids nearest ``figure_id``: the same words in another order first, then by spelling.

    >>> closest("s25.dps.schools", ["s25.schools.dps", "s25.schools.non_dps", "s24.schools"])
    ['s25.schools.dps', 's24.schools', 's25.schools.non_dps']
    """
    words = sorted(figure_id.split("."))
    same_words = sorted(k for k in known if sorted(k.split(".")) == words)
    spelled = difflib.get_close_matches(figure_id, list(known), n=n, cutoff=0.6)
    return list(dict.fromkeys(same_words + spelled))[:n]


def _unknown(
    figure_id: str,
    known: Collection[str],
    report_id: str,
    batch: Sequence[Batchmate],
    own_prefixes: Collection[str],
) -> str:
    message = f"{{{{ {figure_id} }}}} names no figure of report {report_id}"
    holders = [b.report_id for b in batch if figure_id in b.figure_ids]
    prefix = figure_id.partition(".")[0]
    inputs_of = [b.report_id for b in batch if prefix in b.prefixes]
    if holders:
        message += (
            f"; it is a figure of report {join_words(holders)} in this batch, not of "
            f"{report_id} (a narrative takes only its own report's figures: move the sentence "
            f"to that report's narrative, or give {report_id} the input and section it needs)"
        )
    elif inputs_of and prefix not in own_prefixes:
        message += (
            f"; figures starting {prefix}. come from an input of report {join_words(inputs_of)} "
            f"in this batch, which {report_id} does not have (add that input and its section "
            f"to {report_id}'s definition, or move the sentence)"
        )
    near = closest(figure_id, known)
    if near:
        message += f"; did you mean {join_words(near, 'or')}?"
    elif not holders:
        message += "; no id is close (figures.json of a render of the report lists every id)"
    return message


# --------------------------------------------------------------------------- filling


@dataclass(frozen=True)
class Placeholder:
    """One placeholder of a narrative, as filled: where, which figure, how, and the text."""

    line: int
    figure_id: str
    format: str | None
    text: str
    label: str = ""


@dataclass
class Filled:
    """A filled narrative: its Markdown, every placeholder, and (``strict=False``) the
    problems that left a placeholder unfilled."""

    markdown: str
    placeholders: list[Placeholder] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def _repr_markdown_(self) -> str:
        if not self.problems:
            return self.markdown
        listed = "\n".join(f"- line {p.line}: {p.message}" for p in self.problems)
        count = len(self.problems)
        return (
            f"**This narrative has {count} problem{'s' if count != 1 else ''}** (a placeholder "
            f"with one is marked in the text below; a render refuses it until they are fixed):\n\n"
            f"{listed}\n\n---\n\n{self.markdown}"
        )


def fill(
    text: str,
    figures: Mapping[str, Mapping],
    *,
    source: str = "narrative",
    report_id: str = "",
    threshold: int = 5,
    batch: Sequence[Batchmate] = (),
    prefixes: Collection[str] = (),
    strict: bool = True,
) -> Filled:
    """Fill every placeholder of ``text`` from ``figures`` (``figures.json``'s figures).

    Parameters
    ----------
    text : str
        The narrative's Markdown.
    figures : mapping
        Figure id -> ``{"value", "unit", "label"}`` (the registry's, unrounded: each prints
        rounded as the appendix prints it); a figure disclosure control hides has
        ``"suppressed": true``.
    source : str
        The narrative file, as the errors name it.
    report_id : str
        The report, as the errors name it.
    threshold : int
        The report's suppression threshold, as the error for a hidden figure says it.
    batch : sequence of Batchmate
        The other reports rendered with this one, so an unknown id found in one is named.
    prefixes : collection of str
        This report's inputs' figure prefixes (``s25``).
    strict : bool
        Raise ``NarrativeError`` on any problem (a render); else mark each problem in the
        text and list it (``preview``).

    >>> figures = {"s25.schools.dps": {"value": 22, "unit": "count", "label": "Schools, DPS"},
    ...            "s25.need.HI.dps": {"value": None, "unit": "count", "suppressed": True}}
    >>> fill("There are {{ s25.schools.dps }} ({{ s25.schools.dps|words }}).", figures).markdown
    'There are 22 (twenty-two).\\n'
    >>> fill("{{ s25.dps.schools }}", figures, source="n.md", report_id="r")
    Traceback (most recent call last):
    ...
    pipeline.narrative.NarrativeError: n.md:1: {{ s25.dps.schools }} names no figure of report r; \
did you mean s25.schools.dps?
    """
    problems: list[Problem] = []
    placeholders: list[Placeholder] = []
    lines_out = []
    # notes between <!-- and --> are the author's own: never published, nor filled (each is
    # kept as its line breaks, so every line keeps its number for the errors)
    text = AUTHOR_NOTE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for number, line in enumerate(text.splitlines(keepends=True), start=1):

        def replace(match: re.Match, number: int = number) -> str:
            inside = match.group(1)
            figure_id, bar, fmt = (part.strip() for part in inside.partition("|"))
            fmt_or_none = fmt or None
            problem = _check(
                figure_id, bar, fmt_or_none, figures, report_id, threshold, batch, prefixes
            )
            if problem:
                unknown = bool(figure_id) and figure_id not in figures
                problems.append(Problem(source, number, figure_id, problem, unknown))
                return f"**[{figure_id}: see problem]**"
            figure = figures[figure_id]
            shown = printed(figure, fmt_or_none)
            placeholders.append(
                Placeholder(number, figure_id, fmt_or_none, shown, str(figure.get("label", "")))
            )
            return shown

        filled = PLACEHOLDER.sub(replace, line)
        problems.extend(
            Problem(source, number, "", _typed_by_hand(typed))
            for typed in prose.numbers(
                PLACEHOLDER.sub(" ", line), (*prose.NOT_DATA, *NOT_DATA_IN_NARRATIVE)
            )
        )
        for stray in ("{{", "}}"):
            if stray in filled:
                problems.append(
                    Problem(
                        source,
                        number,
                        "",
                        f"'{stray}' without its other half on the same line: a placeholder is "
                        "{{ figure.id }} on one line",
                    )
                )
                break
        lines_out.append(filled)
    if problems and strict:
        raise NarrativeError(
            problems, report_id=report_id, figure_ids=printable(figures), prefixes=prefixes
        )
    markdown = re.sub(r"\n{3,}", "\n\n", "".join(lines_out)).strip("\n") + "\n"
    return Filled(markdown, placeholders, problems)


def _typed_by_hand(number: str) -> str:
    return (
        f"{number} is typed by hand, so nothing ties it to the data: write it as a placeholder "
        "({{ figure.id }}, ids in figures.json), or in words if it is no figure"
    )


def printable(figures: Mapping[str, Mapping]) -> frozenset[str]:
    """The ids a narrative can print: not hidden, and with a value (the ids it is pointed to
    when it names one that does not exist)."""
    return frozenset(
        k for k, v in figures.items() if not v.get("suppressed") and v.get("value") is not None
    )


def _check(
    figure_id: str,
    bar: str,
    fmt: str | None,
    figures: Mapping[str, Mapping],
    report_id: str,
    threshold: int,
    batch: Sequence[Batchmate],
    prefixes: Collection[str],
) -> str | None:
    """What is wrong with one placeholder, or None."""
    shown = f"{{{{ {figure_id}{f' | {fmt}' if fmt else ''} }}}}"
    if not figure_id:
        return "an empty placeholder {{ }}: put a figure id between the braces"
    if bar and not fmt:
        return f"{shown} has a bar but no format after it: remove the bar or name a format"
    if figure_id not in figures:
        return _unknown(figure_id, printable(figures), report_id, batch, prefixes)
    figure = figures[figure_id]
    if figure.get("suppressed"):
        why = SUPPRESSED_REASON.format(threshold=threshold)
        return (
            f"{shown} cannot be printed: {why}; say it without that figure (a total or a "
            "wider group the appendix shows)"
        )
    if figure.get("value") is None:
        return (
            f"{shown} has no value ({NOT_AVAILABLE} in the appendix: there is no figure for it, "
            "such as an average over no children); say it without that figure"
        )
    if fmt is None:
        return None
    allowed = _formats_for(figure["unit"])
    if fmt in allowed:
        return None
    if fmt in FORMATS:
        unit = figure["unit"]
        finer = (unit in _MONEY and fmt in _MONEY_FORMATS) or (unit in _PERCENT and fmt == "pct1")
        why = (
            "it would print the figure more precisely than the appendix does"
            if finer
            else f"it does not apply to a figure in {unit}"
        )
        return f"{shown}: format '{fmt}' cannot be used here, as {why}; use {_choices(allowed)}"
    near = difflib.get_close_matches(fmt, list(FORMATS), n=1, cutoff=0.5)
    hint = f" (did you mean {near[0]}?)" if near else ""
    takes = _choices(allowed)
    return f"{shown}: '{fmt}' is not a format{hint}; a {figure['unit']} figure takes {takes}"


def _choices(allowed: Sequence[str]) -> str:
    if not allowed:
        return "no format (leave the bar out)"
    return f"no format or {join_words(allowed, 'or')}"


def fill_file(path: Path, figures: Mapping[str, Mapping], **kwargs) -> Filled:
    """``fill`` a narrative file (UTF-8), its errors naming the file as given."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NarrativeError(
            [Problem(str(path), 1, "", "the narrative is not UTF-8 text: save it as UTF-8")]
        ) from None
    return fill(text, figures, source=kwargs.pop("source", str(path)), **kwargs)


def qa_rows(filled: Filled) -> list[list[object]]:
    """The placeholders as the reviewers' note lists them: line, figure id, format, printed."""
    return [
        [p.line, f"`{p.figure_id}`", p.format or "", p.text, p.label] for p in filled.placeholders
    ]


def preview(report, path: str | Path | None = None) -> Filled | str:
    """The report's narrative filled with its current figures, for a notebook cell.

    ``report`` is the report object of the notebook (a ``ReportKernel``); ``path`` a
    narrative to try instead of the definition's ``narrative:``. Problems are marked in the
    text and listed above it, rather than raised, so an analyst sees them all at once.
    """
    from pipeline.config import resolve_path

    definition = report.definition
    chosen = path or definition.narrative
    if chosen is None:
        return (
            "This report has no narrative: add `narrative: reports/<id>.narrative.md` to its "
            "definition, or pass a narrative file to this call."
        )
    return fill_file(
        resolve_path(chosen),
        report.figures.as_dict(),
        source=str(chosen),
        report_id=definition.id,
        threshold=definition.parameters.suppression_threshold,
        prefixes=input_prefixes(definition),
        strict=False,
    )


def input_prefixes(definition) -> frozenset[str]:
    """The figure prefixes of a definition's inputs (``s25``, ``fy2425``)."""
    return frozenset(e.figure_prefix or name for name, e in definition.inputs.items())
