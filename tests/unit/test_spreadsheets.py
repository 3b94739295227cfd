"""The workbook and its OpenDocument copy: the Analysis Function's accessibility checks
(tests/fixtures/spreadsheets.py), number formats, units, sources, document properties, and
tables.ods saying what tables.xlsx says, byte for byte the same on every render."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline import compare, publish, render
from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.gate import check_publication
from pipeline.present import Column, HtmlTable, fmt_gbp, fmt_number, fmt_pct, fmt_share
from tests.fixtures.spreadsheets import accessibility_problems

DEFINITION = load_report_definition(PROJECT_ROOT / "reports" / "25-00065.yml")


def payloads() -> list[dict]:
    """Two small tables as the appendix hands them over: counts, a share printed "<1%", money,
    £m, a suppressed cell and a cell with no figure, notes that end with their source."""
    frame = pd.DataFrame(
        {
            "placements": [1094, 690, 4, 1788],
            "pct": [61.2, 38.6, 0.2, 100.0],
            "fee": [54460.4, 58656.0, float("nan"), float("nan")],
            "spend_m": [46.94, 36.31, 0.2, 83.45],
        },
        index=["DPS", "Non-DPS", "Other", "Total"],
    )
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    mask.loc["Other", ["placements", "spend_m"]] = True
    first = HtmlTable(
        frame,
        caption="Table 1: Placements by DPS status, as at 30 June 2025",
        columns=[
            Column("placements", "Placements"),
            Column("pct", "% of placements", fmt_share, unit="%", dp=1),
            Column("fee", "Average annual cost", fmt_gbp, unit="£"),
            Column("spend_m", "Spend", lambda v: fmt_number(v, 1), unit="£m", dp=1),
        ],
        row_header="DPS status",
        mask=mask,
        name="framework_status",
        note="Day provision only. Source: Snapshot at 30 June 2025 (synthetic sample data).",
    )
    years = pd.DataFrame({"change": [6.8, -2.0]}, index=["2023-24", "2024-25"])
    second = HtmlTable(
        years,
        caption="Table 2: Change in average cost",
        columns=[Column("change", "Change", fmt_pct, unit="%", dp=1)],
        row_header="Financial year",
        total_row=None,
        name="cost_change",
    )
    return [
        publish.table_payload(
            first,
            row_filter="framework_status",
            time_period="2025",
            time_identifier="June",
            source="Source: Snapshot at 30 June 2025 (synthetic sample data).",
        ),
        publish.table_payload(
            second,
            row_filter="year",
            time_period="202425",
            time_identifier="Financial year",
            source="",
        ),
    ]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render.table_files(DEFINITION, payloads())


def sheet(data: bytes, name: str):
    return openpyxl.load_workbook(io.BytesIO(data))[name]


def resave(data: bytes, change) -> bytes:
    """The workbook with one change made in openpyxl, for the checks to catch."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_workbook_passes_every_accessibility_check(files):
    assert accessibility_problems(files["tables.xlsx"]) == []


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda b: b["Table_1"].merge_cells("A1:B1"), "merged cells"),
        (lambda b: setattr(b["Table_1"], "freeze_panes", "B6"), "frozen or split panes"),
        (lambda b: setattr(b["Table_1"].row_dimensions[7], "hidden", True), "hides rows"),
        (lambda b: setattr(b["Table_2"].column_dimensions["B"], "hidden", True), "columns"),
        (lambda b: setattr(b["Table_1"].auto_filter, "ref", "A5:E9"), "filter buttons"),
        (lambda b: b["Table_1"].sheet_view.selection[0].__setattr__("activeCell", "C7"), "C7"),
        (lambda b: b.create_sheet("Table_3"), "is blank"),
        (lambda b: setattr(b, "active", 3), "does not open on its cover"),
        (lambda b: b.move_sheet("Notes", offset=2), "not cover, contents and notes"),
        (lambda b: b["Table_1"].insert_rows(2), "row 2 above the table is blank"),
        (lambda b: b["Table_2"].cell(1, 3, "aside"), "C1 is outside the table"),
        (lambda b: b["Contents"]["A4"].__setattr__("value", "click here"), "reads 'click here'"),
        (lambda b: b["Contents"]["A5"].__setattr__("value", "https://example.org"), "reads 'h"),
        (lambda b: b["Table_1"].cell(6, 2).__setattr__("number_format", "General"), "format"),
        (lambda b: b["Table_1"].cell(5, 3).__setattr__("value", "% of placements (%)"), "twice"),
        (lambda b: b["Table_1"].cell(2, 1).__setattr__("value", "Source: again."), "2 source"),
        (lambda b: setattr(b["Table_1"].column_dimensions["D"], "width", 4), "column D is 4"),
        (lambda b: setattr(b.properties, "language", None), "language"),
        (lambda b: setattr(b.properties, "title", None), "no title"),
    ],
)
def test_each_check_catches_what_it_checks(files, change, found):
    problems = accessibility_problems(resave(files["tables.xlsx"], change))
    assert any(found in p for p in problems), problems


def test_numbers_are_numbers_in_the_table_s_own_formats(files):
    table = sheet(files["tables.xlsx"], "Table_1")
    header = next(r for r in range(1, 10) if table.cell(r, 1).value == "DPS status")
    cells = {table.cell(header, c).value: table.cell(header + 1, c) for c in range(1, 6)}
    assert (cells["Placements"].value, cells["Placements"].number_format) == (1094, "#,##0")
    share = cells["% of placements"]
    assert share.value == pytest.approx(0.612) and share.number_format.endswith(";0%")
    assert publish.format_number(0.002, share.number_format) == "<1%"  # as the table prints
    fee = cells["Average annual cost"]
    assert (fee.value, fee.number_format) == (54460, "£#,##0")
    assert cells["Spend (£m)"].number_format == "#,##0.0"
    change = sheet(files["tables.xlsx"], "Table_2")
    values = [(c.value, c.number_format) for row in change.iter_rows() for c in row]
    assert (0.068, "0%") in values and (-0.02, "0%") in values


def test_one_source_line_per_sheet_taken_from_the_note_or_else_the_council(files):
    first = [c.value for c in sheet(files["tables.xlsx"], "Table_1")["A"] if c.value]
    assert first[1] == "Day provision only."  # the note without its source sentence
    assert [v for v in first if "Source" in str(v)] == [
        "Source: Snapshot at 30 June 2025 (synthetic sample data)."
    ]
    second = [c.value for c in sheet(files["tables.xlsx"], "Table_2")["A"] if c.value]
    assert [v for v in second if "Source" in str(v)] == ["Source: Kent County Council."]


def test_titles_refer_to_the_notes_that_apply(files):
    book = openpyxl.load_workbook(io.BytesIO(files["tables.xlsx"]))
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[1]}
    first = book["Table_1"]["A1"].value
    refs = [int(n) for n in first.split("[note ")[1:] for n in [n.rstrip("]")]]
    assert sorted(notes[n][:3] for n in refs) == ["[c]", "[x]"]
    assert "[note" not in book["Table_2"]["A1"].value  # nothing hidden, nothing missing


def test_document_properties_name_the_title_subject_council_and_language(files):
    properties = openpyxl.load_workbook(io.BytesIO(files["tables.xlsx"])).properties
    assert properties.title == DEFINITION.title
    assert properties.subject == "Every table of the data appendix to Decision 25/00065"
    assert properties.creator == "Kent County Council"
    assert properties.language == "en-GB"
    with zipfile.ZipFile(io.BytesIO(files["tables.xlsx"])) as archive:
        assert b"<Company>Kent County Council</Company>" in archive.read("docProps/app.xml")


def test_the_workbook_is_byte_identical_on_every_render(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1763424000")
    first = render.table_files(DEFINITION, payloads())
    again = render.table_files(DEFINITION, payloads())
    assert first["tables.xlsx"] == again["tables.xlsx"]
    assert first["tables.ods"] == again["tables.ods"]


# ----------------------------------------------------------------------- the OpenDocument copy


def test_the_ods_holds_every_sheet_heading_note_and_number_of_the_xlsx(files):
    # read back with pandas' own ODS reader (odfpy), not the project's
    ods = pd.read_excel(io.BytesIO(files["tables.ods"]), sheet_name=None, header=None)
    book = openpyxl.load_workbook(io.BytesIO(files["tables.xlsx"]))
    assert list(ods) == book.sheetnames == ["Cover", "Contents", "Notes", "Table_1", "Table_2"]
    for name in book.sheetnames:
        expected = [
            [v for v in row]
            for row in book[name].iter_rows(values_only=True)
            if any(v is not None for v in row)
        ]
        got = [
            [None if pd.isna(v) else v for v in row]
            for row in ods[name].itertuples(index=False)
            if not all(pd.isna(v) for v in row)
        ]
        width = max(len(r) for r in expected)
        got = [row[:width] + [None] * (width - len(row)) for row in got]
        expected = [list(row) + [None] * (width - len(row)) for row in expected]
        assert len(got) == len(expected), name
        for got_row, expected_row in zip(got, expected, strict=True):
            for value, wanted in zip(got_row, expected_row, strict=True):
                assert value == (pytest.approx(wanted) if _number(wanted) else wanted), name
    notes = [str(v) for v in ods["Notes"].to_numpy().ravel()]
    assert any(text.startswith("[c]: suppressed") for text in notes)
    assert "DPS status" in [str(v) for v in ods["Table_1"].to_numpy().ravel()]


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_the_project_s_ods_reader_reads_the_same_cells(files):
    sheets = publish.read_ods(files["tables.ods"])
    book = openpyxl.load_workbook(io.BytesIO(files["tables.xlsx"]))
    for name in book.sheetnames:
        rows = [list(r) for r in book[name].iter_rows(values_only=True)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        for row in rows:
            while row and row[-1] is None:
                row.pop()
        assert sheets[name] == rows, name


def test_the_ods_keeps_formats_links_tables_and_properties(files):
    with zipfile.ZipFile(io.BytesIO(files["tables.ods"])) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == publish.ODS_MIMETYPE.encode()
        content = archive.read("content.xml").decode()
        styles = archive.read("styles.xml").decode()
        meta = archive.read("meta.xml").decode()
    assert f"<dc:title>{DEFINITION.title}</dc:title>" in meta
    assert "<dc:language>en-GB</dc:language>" in meta
    assert "<dc:creator>Kent County Council</dc:creator>" in meta
    assert '<text:a xlink:href="#Table_1.A1" xlink:type="simple">Table_1</text:a>' in content
    assert 'table:name="table_1_framework_status"' in content
    assert 'table:contains-header="true"' in content
    assert 'table:display-filter-buttons="true"' not in content
    assert 'office:value-type="percentage" office:value="0.612"' in content
    assert 'office:value-type="currency" office:value="54460"' in content
    assert 'office:currency="GBP"' in content
    assert "<number:text>&lt;1%</number:text>" in styles  # the share printed as the table does
    assert "<number:currency-symbol" in styles and ">£</number:currency-symbol>" in styles


def test_the_ods_is_the_same_bytes_whatever_the_clock_says(files, monkeypatch):
    import time

    import odf.opendocument

    again = render.table_files(DEFINITION, payloads())["tables.ods"]
    later = time.localtime(time.time() + 86400 * 400)
    monkeypatch.setattr(odf.opendocument.time, "localtime", lambda *a: later)
    assert render.table_files(DEFINITION, payloads())["tables.ods"] == again


def test_the_ods_is_the_same_bytes_whatever_odfpy_did_before_in_the_process(files):
    # odfpy keeps one namespace dict for every element it makes: a document read or written
    # earlier in the process (pandas' reader is odfpy too) once added declarations
    from odf.element import Element

    first = files["tables.ods"]
    pd.read_excel(io.BytesIO(first), sheet_name=None, header=None)
    Element.namespaces["urn:example:elsewhere"] = "elsewhere"
    try:
        assert render.table_files(DEFINITION, payloads())["tables.ods"] == first
    finally:
        Element.namespaces.pop("urn:example:elsewhere", None)


def _with_content(ods: bytes, old: bytes, new: bytes) -> bytes:
    """The ODS with the first ``old`` of its content.xml replaced by ``new``."""
    rezipped = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ods)) as source, zipfile.ZipFile(rezipped, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "content.xml":
                data = data.replace(old, new, 1)
            target.writestr(info, data)
    return rezipped.getvalue()


def test_the_gate_reads_the_ods_and_refuses_an_identifier_in_it(files):
    assert check_publication({"tables.ods": files["tables.ods"]}) == []
    rezipped = _with_content(
        files["tables.ods"], b"Day provision only.", b"Day provision: Jane Smith."
    )
    problems = check_publication({"tables.ods": rezipped}, forbidden={"Jane Smith"})
    assert [p.check for p in problems] == ["identifier"], problems
    assert "sheet 'Table_1'" in problems[0].detail  # found in the XML, not in zipped bytes


def test_verify_names_the_sheet_and_cell_where_an_ods_differs(files):
    sheets = publish.read_ods(files["tables.ods"])
    changed = _with_content(files["tables.ods"], b'office:value="1094"', b'office:value="1095"')
    where = compare.where_differs("tables.ods", files["tables.ods"], changed)
    row = next(n for n, r in enumerate(sheets["Table_1"], 1) if r and r[0] == "DPS")
    assert where == f"sheet 'Table_1', cell B{row}: '1094' where a fresh render has '1095'"
