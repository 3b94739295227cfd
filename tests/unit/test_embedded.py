"""Provenance embedded in the published documents (issue #16): written reproducibly, read
back, searched by the publication gate, and compared by verify's reader of each format."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import docx
import pikepdf
import pytest

from pipeline import compare, embedded, publish
from pipeline.document import build_pdf, post_process_pdf
from pipeline.gate import check_publication
from tests.unit.test_gate import EXPORT, GOOD_XLSX_ROWS, PSEUDONYM, page, xlsx

WHEN = dt.datetime(2025, 2, 10, tzinfo=dt.UTC)
RECORD = {
    "report": "25-00007",
    "definition_path": "reports/25-00007.yml",
    "definition_sha256": "a" * 64,
    "render_date": "2025-02-10",
    "source_date_epoch": "1739145600",
    "git": {"commit": "c" * 40, "dirty": False},
    "inputs": {"snapshot": {"path": "data/raw/snapshot.csv", "sha256": "b" * 64, "rows": 9}},
}
FIGURES = {"report": "25-00007", "figures": {"p.placements": {"value": 1784, "unit": "count"}}}


def record_bytes(**changes) -> bytes:
    return embedded.dumps({**RECORD, **changes})


@pytest.fixture(scope="module")
def plain_pdf() -> bytes:
    return build_pdf(page())


def carrying_pdf(pdf: bytes, manifest: bytes | None = None) -> bytes:
    return post_process_pdf(
        pdf,
        manifest=manifest or record_bytes(),
        figures=embedded.dumps(FIGURES),
        xmp=embedded.xmp_properties(RECORD),
        when=WHEN,
    )


def word_document(text: str = "As at 30 June 2025, 1,784 placements were made.") -> bytes:
    document = docx.Document()
    document.core_properties.title = "Data appendix"
    document.add_heading("Placements", level=1)
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return publish.normalise_ooxml(buffer.getvalue(), when=WHEN)


def carrying_ooxml(data: bytes, manifest: bytes | None = None) -> bytes:
    combined = embedded.embed_in_ooxml(data, manifest or record_bytes(), embedded.dumps(FIGURES))
    return publish.normalise_ooxml(combined, when=WHEN)


# ------------------------------------------------------------------ written and read back


def test_the_pdf_carries_the_record_as_associated_files_and_xmp(plain_pdf: bytes) -> None:
    pdf = carrying_pdf(plain_pdf)
    carried = embedded.read(pdf, "appendix.pdf")
    assert carried.manifest == RECORD and carried.figures == FIGURES
    with pikepdf.open(io.BytesIO(pdf)) as document:
        associated = {str(spec.F): spec.AFRelationship for spec in document.Root.AF}
        assert associated == {"manifest.json": pikepdf.Name.Data, "figures.json": pikepdf.Name.Data}
        meta = document.open_metadata()
        ns = f"{{{embedded.NAMESPACE}}}"
        assert meta[f"{ns}ReportId"] == "25-00007"
        assert meta[f"{ns}CodeCommit"] == "c" * 40
        assert meta[f"{ns}InputSHA256"] == "snapshot=" + "b" * 64
        assert meta[f"{ns}DefinitionSHA256"] == "a" * 64
        assert meta[f"{ns}RenderDate"] == "2025-02-10"
        # WeasyPrint's title, language and PDF/UA identification survive the pass
        assert meta["dc:title"] == "Data appendix"
        assert document.Root.MarkInfo.Marked
        assert str(document.Root.Lang) == "en-GB"


def test_embedding_is_reproducible_byte_for_byte(plain_pdf: bytes) -> None:
    assert carrying_pdf(plain_pdf) == carrying_pdf(plain_pdf)
    assert carrying_ooxml(word_document()) == carrying_ooxml(word_document())
    # and it depends on the record: another commit gives another file
    other = record_bytes(git={"commit": "d" * 40, "dirty": False})
    assert carrying_pdf(plain_pdf, other) != carrying_pdf(plain_pdf)


@pytest.mark.parametrize("name", ["appendix.docx", "tables.xlsx"])
def test_docx_and_xlsx_carry_the_record_in_a_custom_xml_part(name: str) -> None:
    data = word_document() if name.endswith(".docx") else xlsx(GOOD_XLSX_ROWS)
    carried = carrying_ooxml(data)
    assert embedded.read(carried, name).manifest == RECORD
    archive = zipfile.ZipFile(io.BytesIO(carried))
    record_parts = [p for p in archive.namelist() if p.startswith("customXml/item")]
    main = (
        "word/_rels/document.xml.rels" if name.endswith(".docx") else "xl/_rels/workbook.xml.rels"
    )
    assert "relationships/customXml" in archive.read(main).decode()
    assert "customXmlProperties+xml" in archive.read("[Content_Types].xml").decode()
    assert record_parts, "a custom XML part"
    # the reader's own programs still open it, and show no record in the properties
    if name.endswith(".docx"):
        opened = docx.Document(io.BytesIO(carried))
        assert opened.paragraphs[-1].text.startswith("As at 30 June 2025")
        assert "docProps/custom.xml" not in archive.namelist()
    else:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(carried))
        assert book.active["B3"].value == 589


def test_a_document_without_a_record_says_so(plain_pdf: bytes) -> None:
    with pytest.raises(embedded.NoProvenance, match="no embedded manifest.json"):
        embedded.read(plain_pdf, "appendix.pdf")
    with pytest.raises(embedded.NoProvenance, match="no custom XML part"):
        embedded.read(word_document(), "appendix.docx")  # python-docx's own bibliography part


# ------------------------------------------------------------------ the gate reads them


@pytest.fixture(scope="module")
def forbidden() -> set[str]:
    from pipeline.gate import forbidden_values

    return forbidden_values([EXPORT], [PSEUDONYM])


def test_the_gate_passes_the_provenance_record(plain_pdf: bytes, forbidden: set[str]) -> None:
    # hashes, a commit and input file names are reviewers' material, allowed in the record
    files = {
        "appendix.pdf": carrying_pdf(plain_pdf),
        "appendix.docx": carrying_ooxml(word_document()),
        "tables.xlsx": carrying_ooxml(xlsx(GOOD_XLSX_ROWS)),
    }
    problems = check_publication(
        files, forbidden=forbidden, reviewer_terms=["snapshot.csv"], max_table_rows=50
    )
    assert problems == []


@pytest.mark.parametrize("name", ["appendix.pdf", "appendix.docx", "tables.xlsx"])
def test_an_identifier_in_the_embedded_record_is_refused(
    name: str, plain_pdf: bytes, forbidden: set[str]
) -> None:
    manifest = record_bytes(command=f"rendered for {PSEUDONYM}")
    if name.endswith(".pdf"):
        data = carrying_pdf(plain_pdf, manifest)
    elif name.endswith(".docx"):
        data = carrying_ooxml(word_document(), manifest)
    else:
        data = carrying_ooxml(xlsx(GOOD_XLSX_ROWS), manifest)
    problems = check_publication({name: data}, forbidden=forbidden, max_table_rows=50)
    found = [p for p in problems if p.check == "identifier"]
    assert found, [str(p) for p in problems]
    where = "embedded file manifest.json" if name.endswith(".pdf") else "custom XML part"
    assert where in found[0].detail
    assert PSEUDONYM not in str(problems)


def test_any_other_embedded_file_is_refused(plain_pdf: bytes, forbidden: set[str]) -> None:
    pdf = carrying_pdf(plain_pdf)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.attachments["placements.csv"] = pikepdf.AttachedFileSpec(
            document, b"child,school\n", filename="placements.csv"
        )
        out = io.BytesIO()
        document.save(out)
    problems = check_publication({"appendix.pdf": out.getvalue()}, forbidden=forbidden)
    assert [p.check for p in problems] == ["external-reference"]
    assert "placements.csv" in problems[0].detail


def test_an_identifier_in_the_xmp_metadata_is_refused(
    plain_pdf: bytes, forbidden: set[str]
) -> None:
    pdf = carrying_pdf(plain_pdf)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        with document.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = ["Jane Smith"]
        out = io.BytesIO()
        document.save(out)
    problems = check_publication({"appendix.pdf": out.getvalue()}, forbidden=forbidden)
    assert any(p.check == "identifier" and "XMP" in p.detail for p in problems), problems


# ------------------------------------------------------------------ where two files differ


def test_where_a_pdf_differs_page_then_document_information(plain_pdf: bytes) -> None:
    edited = build_pdf(page().replace("1,784 placements", "1,785 placements"))
    where = compare.where_differs("appendix.pdf", edited, plain_pdf)
    assert where.startswith("page 1:") and "1,785" in where and "1,784" in where
    with pikepdf.open(io.BytesIO(plain_pdf)) as document:
        document.docinfo["/Title"] = "Another title"
        out = io.BytesIO()
        document.save(out)
    where = compare.where_differs("appendix.pdf", out.getvalue(), plain_pdf)
    assert where.startswith("the document information's /Title:"), where
    assert "'Another title' where a fresh render has 'Data appendix'" in where
    changed = carrying_pdf(plain_pdf, record_bytes(render_date="2025-03-01"))
    where = compare.where_differs("appendix.pdf", changed, carrying_pdf(plain_pdf))
    assert "the embedded file manifest.json: render_date" in where, where


def test_where_html_differs_names_the_paragraph_and_section() -> None:
    edited = page().replace("1,784 placements", "1,785 placements").encode()
    where = compare.where_differs("appendix.html", edited, page().encode())
    assert where.startswith("a paragraph under 'Placements':"), where
    assert "1,785" in where
    moved = page().replace("<p>As at", "<p class='x'>As at").encode()
    assert "markup differs" in compare.where_differs("appendix.html", moved, page().encode())


def test_where_docx_and_xlsx_differ() -> None:
    where = compare.where_differs(
        "appendix.docx", word_document("1,785 placements."), word_document("1,784 placements.")
    )
    assert where == "paragraph 2: '1,785 placements.' where a fresh render has '1,784 placements.'"
    rows = [list(r) for r in GOOD_XLSX_ROWS]
    rows[2][1] = 590
    where = compare.where_differs("tables.xlsx", xlsx(rows), xlsx(GOOD_XLSX_ROWS))
    assert where == "sheet 'Table_1', cell B3: '590' where a fresh render has '589'"


def test_where_json_and_unknown_files_differ() -> None:
    old = json.dumps(FIGURES).encode()
    new = json.dumps({**FIGURES, "figures": {"p.placements": {"value": 1785, "unit": "count"}}})
    new = new.encode()
    assert compare.where_differs("figures.json", new, old).startswith(
        "figures.p.placements.value: '1785'"
    )
    assert compare.where_differs("narrative.rtf", b"a", b"b") == "the bytes differ"
    assert "cannot be read" in compare.where_differs("appendix.docx", b"not a zip", b"x")
