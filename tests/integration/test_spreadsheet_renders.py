"""Every sample report's workbook passes the Analysis Function's spreadsheet checks, and its
OpenDocument copy says the same and is published like every other file (manifest, gate,
verify)."""

from __future__ import annotations

import hashlib
import io
import json

import openpyxl
import pytest

from pipeline import publish
from tests.fixtures.samples import render_samples
from tests.fixtures.spreadsheets import accessibility_problems

#: The report folders of the samples (res-2021 fans out over three authorities).
FOLDERS = (
    "25-00065",
    "25-00007",
    "res-2021-kent",
    "res-2021-west-sussex",
    "res-2021-portsmouth",
)


@pytest.fixture(scope="module")
def rendered() -> dict[str, object]:
    """The sample reports, rendered unless their render is up to date."""
    return render_samples(FOLDERS)


@pytest.mark.parametrize("report", FOLDERS)
def test_every_sample_workbook_passes_the_accessibility_checks(rendered, report):
    data = (rendered[report] / "tables.xlsx").read_bytes()
    assert accessibility_problems(data) == []


@pytest.mark.parametrize("report", FOLDERS)
def test_every_sample_ods_holds_what_its_workbook_holds(rendered, report):
    folder = rendered[report]
    sheets = publish.read_ods((folder / "tables.ods").read_bytes())
    book = openpyxl.load_workbook(folder / "tables.xlsx")
    assert list(sheets) == book.sheetnames
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    for name in book.sheetnames:
        rows = [list(row) for row in book[name].iter_rows(values_only=True)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        for row in rows:
            while row and row[-1] is None:
                row.pop()
        assert sheets[name] == rows, f"{report}: sheet {name}"


@pytest.mark.parametrize("report", FOLDERS)
def test_the_ods_is_published_like_the_xlsx(rendered, report):
    folder = rendered[report]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"tables.xlsx", "tables.ods"} <= set(manifest["published"])
    digest = hashlib.sha256((folder / "tables.ods").read_bytes()).hexdigest()
    assert manifest["published_sha256"]["tables.ods"] == digest


def test_no_sample_workbook_claims_another_report_type_s_scope(rendered):
    # the residential workbook once said "Children placed in independent and non-maintained
    # special schools" above every table
    for report in ("res-2021-kent", "res-2021-portsmouth"):
        book = openpyxl.load_workbook(io.BytesIO((rendered[report] / "tables.xlsx").read_bytes()))
        text = " ".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v
        )
        assert "special schools" not in text, report
