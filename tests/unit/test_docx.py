"""appendix.docx (pipeline.word), the chart files, the font setting, and the gate on both."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from pathlib import Path

import matplotlib.figure
import pandas as pd
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from pipeline import charts, document, gate, publish, word
from pipeline.config import load_report_definition
from pipeline.errors import ReportDefinitionError
from pipeline.present import Column, HtmlFigure, HtmlTable, Section, fmt_pct
from tests.fixtures.documents import SAMPLE_META

ALT = "Bar chart of placements by framework status: DPS 1,094, Non-DPS 690; most are in DPS."
CREATED = dt.datetime(2025, 11, 18, tzinfo=dt.UTC)


def tiny_png(text: bytes = b"") -> bytes:
    """A 1 x 1 PNG, with a tEXt chunk when ``text`` is given."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    header = chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
    extra = chunk(b"tEXt", b"Comment\x00" + text) if text else b""
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
    return b"\x89PNG\r\n\x1a\n" + header + extra + pixels + chunk(b"IEND", b"")


def framework_table(rows: int = 2, caption: str = "Table 1: Placements by DPS status") -> HtmlTable:
    labels = ["DPS", "Non-DPS", "Lot 3", "Lot 4", "Lot 5"][:rows] + ["Total"]
    frame = pd.DataFrame(
        {
            "placements": [1094, 690, 10, 20, 30][:rows] + [1784],
            "pct": [61.3, 38.7, 1, 1, 1][:rows] + [100],
        },
        index=labels,
    )
    return HtmlTable(
        frame=frame,
        caption=caption,
        columns=[
            Column("placements", "Number of placements"),
            Column("pct", "Share of placements", fmt=fmt_pct, unit="%"),
        ],
        row_header="DPS status",
        note="Day provision only.",
        name="framework",
    )


def figure() -> HtmlFigure:
    return HtmlFigure(
        svg='<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        title="Chart 1: Most placements are in DPS schools",
        subtitle="Placements by framework status, as at 30 June 2025",
        alt=ALT,
        source="Source: Snapshot at 30 June 2025 (synthetic sample data).",
    )


def appendix_html(*parts: object, heading: str = "Schools and placements by DPS status") -> str:
    """A whole appendix page from sections built as a report builds them."""
    import nbformat

    section = Section(heading)
    section.para("As at 30 June 2025, 1,784 placements were made in 110 schools.")
    for part in parts or (framework_table(), figure()):
        section.add(part)
    cell = nbformat.v4.new_code_cell()
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": section.to_html()})]
    return document.build_html(nbformat.v4.new_notebook(cells=[cell]), SAMPLE_META)


def build(html: str | None = None, **kwargs) -> bytes:
    kwargs.setdefault("images", {figure().title: tiny_png()})
    kwargs.setdefault("properties", word.Properties(title="Data appendix", created=CREATED))
    return word.build_docx(html or appendix_html(), **kwargs)


def opened(data: bytes):
    return Document(io.BytesIO(data))


def body_blocks(doc) -> list:
    return list(doc.element.body.iterchildren())


# --------------------------------------------------------------------------- the document


def test_tables_are_word_tables_with_a_repeated_header_row_and_a_caption_above() -> None:
    doc = opened(build())
    (table,) = doc.tables
    first = table.rows[0]._tr
    assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    assert [c.text for c in table.rows[0].cells] == [
        "DPS status",
        "Number of placements",
        "Share of placements",
    ]
    assert [c.text for c in table.rows[-1].cells] == ["Total", "1,784", "100%"]
    # no merged cells: every row has one cell per column
    assert not doc.element.body.xpath(".//w:gridSpan | .//w:vMerge | .//w:hMerge")
    blocks = body_blocks(doc)
    before = blocks[blocks.index(table._tbl) - 1]
    caption = next(p for p in doc.paragraphs if p._p is before)
    assert caption.style.name == "Caption"
    assert caption.text == "Table 1: Placements by DPS status"
    assert caption.paragraph_format.keep_with_next
    assert " SEQ Table " in "".join(before.itertext())


def test_numbers_are_right_aligned_and_the_table_note_follows_the_table() -> None:
    doc = opened(build())
    (table,) = doc.tables
    assert table.rows[1].cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert table.rows[1].cells[0].paragraphs[0].alignment is None
    notes = [p.text for p in doc.paragraphs if p.style.name == word.NOTE_STYLE]
    assert "Day provision only." in notes


def test_a_short_table_is_kept_on_one_page_and_a_long_one_keeps_its_total_row() -> None:
    (table,) = opened(build()).tables
    kept = [row.cells[0].paragraphs[0].paragraph_format.keep_with_next for row in table.rows]
    assert kept == [True, True, True, True]  # the last row goes with the note under it
    long = framework_table(rows=5)
    long.frame = pd.concat([long.frame.iloc[:-1]] * 3 + [long.frame.iloc[-1:]])
    long.frame.index = [f"Row {i}" for i in range(len(long.frame) - 1)] + ["Total"]
    (table,) = opened(build(appendix_html(long))).tables
    kept = [row.cells[0].paragraphs[0].paragraph_format.keep_with_next for row in table.rows]
    # header + 3 rows before a break, 3 rows (the total among them) after it, note after all
    assert kept[:3] == [True, True, True] and kept[-4:] == [False, True, True, True]
    assert not any(kept[3:-3])
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_headings_use_word_heading_styles_at_the_html_levels() -> None:
    doc = opened(build())
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Head")]
    assert headings == [
        ("Heading 1", SAMPLE_META.title),
        ("Heading 2", "Schools and placements by DPS status"),
    ]
    assert all(doc.styles[f"Heading {n}"].paragraph_format.keep_with_next for n in (1, 2))


def test_the_title_block_is_text_not_a_layout_table() -> None:
    doc = opened(build())
    texts = [p.text for p in doc.paragraphs]
    assert SAMPLE_META.subtitle in texts
    assert "Decision number: 25/00065" in texts
    assert len(doc.tables) == 1


def test_the_chart_is_its_png_with_its_alt_text_caption_subtitle_and_source() -> None:
    doc = opened(build())
    (picture,) = doc.element.body.xpath(".//wp:docPr")
    assert picture.get("descr") == ALT
    assert picture.get("name") == "Chart 1"
    (blip,) = doc.element.body.xpath(".//a:blip")
    part = doc.part.related_parts[blip.get(qn("r:embed"))]
    assert part.blob == tiny_png()
    texts = [(p.style.name, p.text) for p in doc.paragraphs]
    assert ("Caption", "Chart 1: Most placements are in DPS schools") in texts
    assert any("Placements by framework status" in t for _, t in texts)
    assert (word.NOTE_STYLE, "Source: Snapshot at 30 June 2025 (synthetic sample data).") in texts


def test_a_chart_without_a_png_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="Chart 1: Most placements"):
        build(images={})


def test_page_numbers_in_the_footer_and_no_running_header() -> None:
    data = build()
    doc = opened(data)
    footer = doc.sections[0].footer
    assert not footer.is_linked_to_previous
    assert "PAGE" in "".join(footer._element.itertext())
    assert "NUMPAGES" in "".join(footer._element.itertext())
    assert doc.sections[0].header.is_linked_to_previous  # no header of its own
    assert not [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if "header" in n]


def test_every_page_footer_carries_the_marking_before_its_number() -> None:
    # a page printed from the Word document alone still says which decision it belongs to
    # and how it is classified, as every PDF page does
    marked = word.Properties(
        title="Data appendix", created=CREATED, marking="Decision 25/00065 | Unrestricted"
    )
    doc = opened(build(properties=marked))
    text = "".join(doc.sections[0].footer._element.itertext())
    assert text.startswith("Decision 25/00065 | Unrestricted | Page ")
    assert all(s.footer.is_linked_to_previous for s in doc.sections[1:])


def test_a4_portrait_and_a_wide_table_on_a_landscape_page() -> None:
    frame = pd.DataFrame(
        {f"c{i}": [123456789, 987654321] for i in range(14)}, index=["Some row label", "Total"]
    )
    wide = HtmlTable(
        frame=frame,
        caption="Table 1: A very wide table",
        columns=[Column(f"c{i}", f"Placements column {i}") for i in range(14)],
        row_header="Label",
    )
    doc = opened(build(appendix_html(wide, figure())))
    first, landscape, back = doc.sections
    assert (round(first.page_width.cm, 1), round(first.page_height.cm, 1)) == (21.0, 29.7)
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert landscape.page_width > landscape.page_height
    assert back.orientation == WD_ORIENT.PORTRAIT  # the chart after it is on a portrait page
    (table,) = doc.tables
    text_width = landscape.page_width - landscape.left_margin - landscape.right_margin
    assert sum(column.width for column in table.columns) <= text_width


def test_a_table_that_fits_when_wrapped_stays_on_a_portrait_page() -> None:
    frame = pd.DataFrame(
        {"basis": ["gross spend on placements in independent and non-maintained schools"] * 2},
        index=["2017/18", "Total"],
    )
    text = HtmlTable(
        frame=frame,
        caption="Table 1: Spend",
        columns=[Column("basis", "Basis", fmt=str, numeric=False, unit="text")] * 4,
        row_header="Financial year",
    )
    doc = opened(build(appendix_html(text, figure())))
    assert len(doc.sections) == 1
    section = doc.sections[0]
    (table,) = doc.tables
    text_width = section.page_width - section.left_margin - section.right_margin
    assert sum(column.width for column in table.columns) <= text_width


def test_two_builds_are_byte_identical_and_dated_from_the_report() -> None:
    first, second = build(), build()
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert {info.date_time for info in archive.infolist()} == {(2025, 11, 18, 0, 0, 0)}
    core = opened(first).core_properties
    assert core.created == core.modified == CREATED
    assert core.title == "Data appendix"
    assert core.comments == ""  # python-docx's "generated by python-docx" is gone
    assert core.language == "en-GB"


def test_the_body_font_is_the_setting_and_word_is_told_arial_for_liberation_sans() -> None:
    def fonts(data: bytes) -> set[str]:
        styles = opened(data).styles.element
        return {
            value
            for element in styles.iter(qn("w:rFonts"))
            for key, value in element.attrib.items()
            if key == qn("w:ascii")
        }

    assert fonts(build(font="Liberation Sans")) == {"Arial"}
    assert fonts(build(font="Verdana")) == {"Verdana"}
    styles = opened(build()).styles.element
    assert not [e for e in styles.iter(qn("w:rFonts")) if e.get(qn("w:asciiTheme"))]


def test_a_councils_reference_document_gives_its_styles_and_not_its_text(tmp_path: Path) -> None:
    reference = Document()
    reference.styles["Normal"].font.name = "Georgia"
    reference.add_paragraph("Template text that must not appear.")
    reference.sections[0].header.paragraphs[0].text = "COUNCIL HEADER"
    path = tmp_path / "council.docx"
    reference.save(str(path))
    doc = opened(build(template=path))
    assert doc.styles["Normal"].font.name == "Georgia"
    texts = [p.text for p in doc.paragraphs]
    assert "Template text that must not appear." not in texts
    assert doc.sections[0].header.is_linked_to_previous
    assert (
        len(doc.tables) == 1 and doc.tables[0].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    )


# --------------------------------------------------------------------------- the setting


def write_definition(tmp_path: Path, **extra: str) -> Path:
    text = (Path(__file__).resolve().parents[2] / "reports" / "25-00007.yml").read_text()
    text += "".join(f"\n{key}: {value}" for key, value in extra.items()) + "\n"
    path = tmp_path / "report.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("templates/missing.docx", "does not exist"),
        ("{here}/council.dotx", "is not a .docx file"),
        ("{here}/broken.docx", "is not a Word document"),
    ],
)
def test_docx_template_problems_name_the_definition_the_problem_and_the_fix(
    tmp_path: Path, value: str, problem: str
) -> None:
    (tmp_path / "council.dotx").write_bytes(b"PK")
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    path = write_definition(tmp_path, docx_template=value.format(here=tmp_path))
    with pytest.raises(ReportDefinitionError) as caught:
        load_report_definition(path)
    message = str(caught.value)
    assert str(path) in message and "docx_template" in message and problem in message
    assert "or remove docx_template" in message


def test_a_good_docx_template_is_accepted(tmp_path: Path) -> None:
    Document().save(str(tmp_path / "council.docx"))
    definition = load_report_definition(
        write_definition(tmp_path, docx_template=str(tmp_path / "council.docx"))
    )
    assert definition.docx_template_path() == tmp_path / "council.docx"


# --------------------------------------------------------------------------- chart files


def a_chart() -> charts.Chart:
    figure_ = matplotlib.figure.Figure(figsize=(4, 2))
    figure_.add_subplot().bar(["DPS", "Non-DPS"], [1094, 690])
    return charts.Chart(figure_, "Most are in DPS schools", "Placements", ALT, "Source: x.")


def test_each_chart_is_published_as_png_svg_and_its_words() -> None:
    chart = a_chart()
    shown = HtmlFigure(charts.to_svg(chart), "Chart 2: Most are in DPS schools", "Placements",
                       ALT, "Source: x.", note="Rounded.")  # fmt: skip
    files = publish.chart_files([charts.payload(shown, chart)])
    assert sorted(files) == ["charts/chart-2.png", "charts/chart-2.svg", "charts/chart-2.txt"]
    assert files["charts/chart-2.png"].startswith(b"\x89PNG")
    assert f"<title>{ALT}</title>" in files["charts/chart-2.svg"].decode()
    words = files["charts/chart-2.txt"].decode()
    assert words.startswith("Chart 2: Most are in DPS schools\nPlacements\n")
    assert f"Alt text: {ALT}" in words and "Source: x. Rounded." in words
    again = publish.chart_files([charts.payload(shown, chart)])
    assert again == files  # same chart, same bytes
    assert not gate.check_publication(files)


# --------------------------------------------------------------------------- the gate

PSEUDONYM = "8970fc03c4ded293"
COMMIT = "8765059d0cbd7a8e1c2f5b4a3e6d7c8b9a0f1e2d"


def with_paragraph(data: bytes, text: str) -> bytes:
    doc = opened(data)
    doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_the_gate_passes_the_docx_it_is_given() -> None:
    assert gate.check_publication({"appendix.docx": build()}, forbidden={PSEUDONYM}) == []


@pytest.mark.parametrize(
    ("text", "check"),
    [
        (f"Pupil {PSEUDONYM} moved school.", "identifier"),
        (f"Rendered from commit {COMMIT[:9]}.", "reviewer-material"),
        (f"Input SHA-256 {COMMIT}", "reviewer-material"),
        ("Run python -m pipeline render reports/25-00065.yml", "reviewer-material"),
        ("Made from snapshot_2025_06_30.csv", "reviewer-material"),
    ],
)
def test_the_gate_refuses_a_docx_carrying_identifiers_or_reviewer_material(
    text: str, check: str
) -> None:
    problems = gate.check_publication(
        {"appendix.docx": with_paragraph(build(), text)},
        forbidden={PSEUDONYM},
        reviewer_terms=["snapshot_2025_06_30.csv"],
    )
    assert check in {p.check for p in problems}, problems
    assert all(PSEUDONYM not in str(p) for p in problems)


def test_the_gate_reads_docx_table_cells_and_document_properties() -> None:
    doc = opened(build())
    doc.tables[0].cell(1, 1).text = PSEUDONYM
    doc.core_properties.subject = f"commit {COMMIT[:8]}"
    buffer = io.BytesIO()
    doc.save(buffer)
    problems = gate.check_publication({"appendix.docx": buffer.getvalue()}, forbidden={PSEUDONYM})
    assert {"identifier", "reviewer-material"} <= {p.check for p in problems}
    assert any("docProps/core.xml" in p.detail for p in problems)


def test_the_gate_refuses_a_docx_without_header_rows_alt_text_or_title() -> None:
    doc = opened(build())
    for element in doc.element.body.xpath(".//w:tblHeader"):
        element.getparent().remove(element)
    for picture in doc.element.body.xpath(".//wp:docPr"):
        picture.set("descr", "chart")
    doc.core_properties.title = ""
    buffer = io.BytesIO()
    doc.save(buffer)
    checks = {p.check for p in gate.check_publication({"appendix.docx": buffer.getvalue()})}
    assert {"table-headers", "alt-text", "document"} <= checks


def test_the_gate_refuses_a_docx_that_loads_from_outside() -> None:
    data = build()
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in archive.infolist():
            content = archive.read(info.filename)
            if info.filename == "word/_rels/document.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/attachedTemplate" '
                    b'Target="file:///C:/council/normal.dotm" TargetMode="External"/>'
                    b"</Relationships>",
                )
            target.writestr(info, content)
    problems = gate.check_publication({"appendix.docx": out.getvalue()})
    assert "external-reference" in {p.check for p in problems}


def test_the_gate_refuses_chart_words_svg_and_png_with_reviewer_material_or_identifiers() -> None:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><title>{ALT} {PSEUDONYM}</title></svg>'
    files = {
        "charts/chart-1.txt": f"Chart 1\nAlt text: {ALT} commit {COMMIT[:7]}\n".encode(),
        "charts/chart-1.svg": svg.encode(),
        "charts/chart-2.svg": f'<svg xmlns="http://www.w3.org/2000/svg"><text>{COMMIT}</text></svg>'.encode(),
        "charts/chart-1.png": tiny_png(f"made by papermill for {PSEUDONYM}".encode()),
    }
    problems = gate.check_publication(files, forbidden={PSEUDONYM})
    found = {(p.file, p.check) for p in problems}
    assert ("charts/chart-1.txt", "reviewer-material") in found
    assert ("charts/chart-1.svg", "identifier") in found
    assert ("charts/chart-2.svg", "reviewer-material") in found
    assert ("charts/chart-1.png", "identifier") in found
    assert ("charts/chart-1.png", "reviewer-material") in found
    assert gate.check_publication({"charts/chart-1.png": tiny_png()}) == []


def test_the_docx_table_cells_hold_the_displayed_figures() -> None:
    (table,) = opened(build()).tables
    shown = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert shown == [["DPS", "1,094", "61%"], ["Non-DPS", "690", "39%"], ["Total", "1,784", "100%"]]


def test_inline_markup_keeps_its_bold_and_links_keep_their_address() -> None:
    html = appendix_html().replace(
        "<p>As at 30 June 2025",
        '<p><strong>Note:</strong> see <a href="https://www.kent.gov.uk/x">the paper</a>. As at',
    )
    doc = opened(build(html))
    paragraph = next(p for p in doc.paragraphs if p.text.startswith("Note:"))
    assert paragraph.runs[0].bold and paragraph.runs[0].text == "Note:"
    assert "the paper (https://www.kent.gov.uk/x)" in paragraph.text
    assert not re.search(r"\s{2,}", paragraph.text)


def test_png_text_chunks_are_read() -> None:
    assert gate._png_text(tiny_png(b"hello")) == [("Comment", "hello")]
    with pytest.raises(gate._Unreadable):
        gate._png_text(b"GIF89a")
