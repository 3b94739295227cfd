"""Every number a member reads in the words of an appendix comes from the data, as a figure.

The whole-report audit (``pipeline.audit``) checks the tables and figures.json as an attacker
would; these tests check that the sentences, headings, captions, notes and chart descriptions
print no number that is not a figure in figures.json or a value of a published table, so that
what the audit checks is what the words say (and reviewers can trace each one). Years, dates,
table and chart numbers, year groups, section references of the committee papers and the
method's own constants (days in a year, distance bands, the suppression threshold, rounding)
are not data and are set aside by pattern first.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT, load_report_definition
from tests.fixtures.samples import render_samples

pytestmark = pytest.mark.render

REPORTS = ("25-00065", "25-00007", "res-2021-kent", "res-2021-portsmouth", "west-sussex-2025")

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
#: Numbers that are not data: set aside before the rest are traced.
NOT_DATA = [
    rf"\b\d{{1,2}} (?:{MONTHS}) (?:19|20)\d\d\b",  # a date
    r"\b(?:19|20)\d\d(?:[-/]\d\d(?:\d\d)?)?\b",  # a year, a financial or academic year
    r"\b(?:Table|Chart|Lot|Decision|Page|page)s? [\d/A-Z-]+(?:,? (?:and|to) \d+)*",
    r"\bYears? -?\d+(?:(?:,| and| to) -?\d+)*",  # year groups
    r"\(?[Rr]-Year \d+\)?|\bYears \d+-\d+",  # phase spans
    r"§\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?",  # a section (or sections) of a committee paper
    r"\b\d+(?:-\d+)? km\b|\b\d+ km to under \d+ km\b",  # distance bands
    r"/ 365\b",  # days in a year, in the spend formula
    r"under 0\.5%",  # what "<1%" means
    r"sum to 100%|add up to 100%",  # rounding notes
    r"(?<![\d,])\b\d{1,2} to \d{1,2}\b(?!,\d)(?= \(|,| year)",  # an age band
    r"\b[A-Z]{1,3}\d{6,}\b|\bE\d{8}\b",  # codes
]


@pytest.fixture(scope="module")
def rendered() -> dict[str, Path]:
    return render_samples(REPORTS)


def prose(page: str) -> list[str]:
    """The words of the page outside its tables: text, headings, notes, captions, alt text."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    alts = [html.unescape(a) for a in re.findall(r'\balt="([^"]*)"', page)]
    page = re.sub(r"<table\b.*?</table>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    return [line for line in (" ".join(t.split()) for t in text.split("\n")) if line] + alts


def numbers(text: str) -> list[str]:
    for pattern in NOT_DATA:
        text = re.sub(pattern, " ", text)
    return re.findall(r"£?\d+(?:,\d{3})*(?:\.\d+)?(?:m|k|%)?", text)


def _value(number: str) -> float:
    return float(number.strip("£mk%").replace(",", ""))


def traced_values(folder: Path, threshold: int) -> set[float]:
    """Every value figures.json and the tidy tables publish, as they may be printed."""
    found: set[float] = {float(threshold)}
    data = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    values = [f.get("value") for f in data.get("figures", data).values()]
    for path in (folder / "tables").glob("*.csv"):
        if path.name.endswith(".meta.csv"):
            continue
        with path.open(encoding="utf-8") as f:
            for row in csv.reader(f):
                values.extend(row)
    for value in values:
        if isinstance(value, list):
            values.extend(value)
            continue
        try:
            number = float(str(value).replace(",", ""))
        except ValueError:
            continue
        for scaled in (number, number / 1e6, number / 1e3, abs(number)):
            found.update({round(scaled, 2), round(scaled, 1), float(round(scaled))})
    return found


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_number_in_the_words_is_a_published_figure(rendered, report):
    folder = rendered[report]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    definition = load_report_definition(PROJECT_ROOT / manifest["definition_path"])
    known = traced_values(folder, definition.parameters.suppression_threshold)
    untraced = {}
    for line in prose((folder / "appendix.html").read_text(encoding="utf-8")):
        for number in numbers(line):
            if _value(number) not in known:
                untraced.setdefault(number, line[:160])
    assert not untraced, f"{report}: numbers in the words that are no figure: {untraced}"


def test_the_check_finds_a_typed_number():
    """The check itself: a number written into a sentence, not bound from a figure, is found;
    the patterns of what is not data leave it alone."""
    line = "On 30 June 2025 (Table 3, Year 9 and 10, §6.5-6.6) there were 17 pupils in 2024-25."
    assert numbers(line) == ["17"]
    assert numbers("placements went from 1,839 to 2,069, and 10 to 15 (72%)") == [
        "1,839",
        "2,069",
        "72%",
    ]
