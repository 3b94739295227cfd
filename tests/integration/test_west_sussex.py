"""Any council from configuration: West Sussex's sample renders with its own name, codes and
committee in every published file, and no Kent word in any of them; its PDF is as accessible
as the other samples' (test_pdf_accessibility.py)."""

from __future__ import annotations

import csv
import io as stdio
import re
import subprocess
import zipfile

import pytest

from pipeline import gate
from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.councils import load_council
from pipeline.render import render_report
from tests.fixtures.pdf_accessibility import accessibility_problems

DEFINITION = PROJECT_ROOT / "reports" / "west-sussex-2025.yml"
WEST_SUSSEX = load_council("west-sussex")


@pytest.fixture(scope="module")
def rendered():
    result = render_report(DEFINITION, force=True)
    files = {path.relative_to(result.out_dir).as_posix(): path for path in result.files}
    assert "appendix.pdf" in files and any(name.startswith("tables/") for name in files)
    return files


def published_text(path) -> str:
    """A published file as a reader sees its words: PDF and workbook text included."""
    if path.suffix == ".pdf":
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    if path.suffix in (".xlsx", ".docx", ".ods"):
        with zipfile.ZipFile(path) as book:
            parts = [n for n in book.namelist() if n.endswith((".xml", ".rels"))]
            return " ".join(book.read(n).decode("utf-8") for n in parts)
    if path.suffix == ".png":  # an image's words are in its text chunks
        return " ".join(text for _, text in gate._png_text(path.read_bytes()))
    return path.read_text(encoding="utf-8")


#: Kent as a West Sussex author would write it: one of the South East councils the national
#: context compares West Sussex with, a row of its comparison table (a whole cell, a PDF line,
#: a CSV field), never in a sentence, caption, code or committee name.
_KENT_AS_A_COMPARATOR = re.compile(r">Kent<|^Kent$|(?<=,)Kent(?=,)", re.MULTILINE)


def test_no_published_file_names_kent(rendered):
    for name, path in rendered.items():
        text = _KENT_AS_A_COMPARATOR.sub("", published_text(path))
        assert not re.search(r"\bKent\b|\bKCC\b", text, re.IGNORECASE), name


def test_every_tidy_file_carries_west_sussex_codes(rendered):
    tidy = [p for n, p in rendered.items() if n.endswith(".csv") and not n.endswith(".meta.csv")]
    assert len(tidy) >= 10
    for path in tidy:
        rows = list(csv.DictReader(stdio.StringIO(path.read_text(encoding="utf-8"))))
        assert rows, path.name
        if path.name == "context_comparison.csv":
            # its rows are areas, each in its own codes: West Sussex's first, then the others
            areas = [(r["la_name"] or r["region_name"] or r["country_name"]) for r in rows]
            assert areas[0] == "West Sussex" and areas[-1] == "England", areas
            codes = [r["new_la_code"] or r["region_code"] for r in rows[:-1]]
            assert len(set(codes)) == len(codes), codes
            rows = rows[:1]
        for row in rows:
            assert (row["la_name"], row["old_la_code"], row["new_la_code"]) == (
                "West Sussex",
                WEST_SUSSEX.old_la_code,
                WEST_SUSSEX.new_la_code,
            ), path.name


def test_the_appendix_names_west_sussex_its_committee_and_districts(rendered):
    text = published_text(rendered["appendix.pdf"])
    flat = " ".join(text.split())
    assert WEST_SUSSEX.committee in flat
    assert f"of the {len(WEST_SUSSEX.districts)} West Sussex districts" in flat.replace(
        f"All {len(WEST_SUSSEX.districts)}", f"of the {len(WEST_SUSSEX.districts)}"
    )
    district_csv = rendered["tables/school_district_s25.csv"].read_text(encoding="utf-8")
    for district in WEST_SUSSEX.districts:
        assert f",{district}," in district_csv


def test_its_framework_is_lot_1_lot_2_and_off_framework(rendered):
    definition = load_report_definition(DEFINITION)
    assert definition.framework.names == ["Lot 1", "Lot 2", "Off-framework"]
    snapshot = rendered["tables/framework_status_snapshot.csv"].read_text(encoding="utf-8")
    for name in definition.framework.names:
        assert f",{name}," in snapshot


def test_the_year_group_peaks_name_each_category_once_grouped_by_its_peaks(rendered):
    """The sentence says which years peak in each framework category, read from the year-group
    table, naming categories that share their peaks together (no 'Year 9 and Year 10 in Lot 1
    schools and Year 9 and Year 10 in ...')."""
    with open(rendered["tables/year_group_s25.csv"], encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["placements"].isdigit()]
    by_category: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        if row["year_group"].startswith("Year ") and row["framework_status"] != "Total":
            year = int(row["year_group"].split()[1])
            by_category.setdefault(row["framework_status"], []).append(
                (int(row["placements"]), year)
            )
    peaks: dict[tuple[int, ...], list[str]] = {}
    for category, counts in by_category.items():
        top = tuple(sorted(y for _, y in sorted(counts, key=lambda c: (-c[0], c[1]))[:2]))
        peaks.setdefault(top, []).append(category)
    html = rendered["appendix.html"].read_text(encoding="utf-8")
    sentence = re.search(r"by framework status the peaks are ([^.<]*)", html).group(1)
    assert "Year 9 and Year 10" not in sentence
    for years, categories in peaks.items():
        named = f"Years {years[0]} and {years[1]} in "
        assert sentence.count(named) == 1, (sentence, years, categories)
        for category in categories:
            assert sentence.count(f"{category}") == 1, (sentence, category)


def test_what_members_read_names_no_tool_or_version(rendered):
    """The documents end by saying the data are synthetic, not which program made them."""
    from pipeline import __version__

    for name in ("appendix.pdf", "appendix.html"):
        text = published_text(rendered[name])
        if name.endswith(".html"):
            text = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script).*?</\1>", "", text, flags=re.S))
        assert "Made from synthetic sample data" in text, name
        assert "inmss-appendix" not in text and f" {__version__}" not in text, name


def test_its_appendix_pdf_passes_pdfua_and_the_checks_it_does_not_make(rendered):
    html = rendered["appendix.html"].read_text(encoding="utf-8")
    assert accessibility_problems(rendered["appendix.pdf"], html) == []
