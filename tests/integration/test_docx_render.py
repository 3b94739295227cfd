"""appendix.docx and the chart files of rendered samples, read as Word and LibreOffice read them.

Renders 25-00065, 25-00007 and the residential fan-out (skipped when already up to date),
then checks the Word document against the published tables and chart files, and converts it
to PDF with LibreOffice (``soffice``, which must be installed: .ci/run installs
libreoffice-writer-nogui) to check what a reader sees on its pages.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from pipeline import TABLES_MIMETYPE, gate, publish, render
from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.errors import PublicationRefused
from pipeline.present import round_half_up
from tests.fixtures.samples import SAMPLE_DEFINITIONS, render_samples

pytestmark = pytest.mark.render

REPORTS = ("25-00065", "25-00007", "res-2021-kent", "res-2021-portsmouth")


@pytest.fixture(scope="module")
def rendered() -> dict[str, Path]:
    return render_samples(REPORTS)


def docx_of(folder: Path):
    return Document(str(folder / "appendix.docx"))


def caption_before(doc, table) -> str:
    previous = table._tbl.getprevious()
    assert previous is not None and previous.tag == qn("w:p")
    style = previous.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    assert style is not None and style.get(qn("w:val")) == "Caption"
    return "".join(t.text or "" for t in previous.iter(qn("w:t")))


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_table_has_a_caption_and_a_repeated_header_row(rendered, report) -> None:
    doc = docx_of(rendered[report])
    page = (rendered[report] / "appendix.html").read_text()
    assert len(doc.tables) == page.count("<table") > 0
    for number, table in enumerate(doc.tables, start=1):
        assert caption_before(doc, table).startswith(f"Table {number}: ")
        rows = table.rows
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in rows[1:])
        assert all(len(r.cells) == len(rows[0].cells) for r in rows)


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_headings_are_word_heading_styles_as_the_html_has_them(rendered, report) -> None:
    doc = docx_of(rendered[report])
    page = (rendered[report] / "appendix.html").read_text()
    styles = Counter(p.style.name for p in doc.paragraphs if p.style.name.startswith("Heading"))
    assert styles["Heading 1"] == 1
    assert styles["Heading 2"] == len(re.findall(r"<h2[ >]", page)) > 3
    for paragraph in doc.paragraphs:
        if paragraph.style.name.startswith("Heading"):
            assert paragraph.text.strip()


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_chart_is_an_image_with_its_alt_text_and_is_published_beside_it(
    rendered, report
) -> None:
    folder = rendered[report]
    doc = docx_of(folder)
    pictures = doc.element.body.xpath(".//wp:docPr")
    charts = sorted(folder.glob("charts/chart-*.png"))
    assert (
        len(pictures)
        == len(charts)
        == (folder / "appendix.html").read_text().count('<figure class="chart"')
    )
    assert pictures, "every sample appendix has charts"
    for picture in pictures:
        alt = picture.get("descr") or ""
        assert gate._alt_problem(alt) is None, alt
        name = picture.get("name").lower().replace(" ", "-")  # Chart 3 -> chart-3
        words = (folder / "charts" / f"{name}.txt").read_text()
        assert f"Alt text: {alt}" in words
        title = f"<title>{html.escape(alt, quote=False)}</title>"
        assert title in (folder / "charts" / f"{name}.svg").read_text()
        # the image in the document is the published PNG
        blip = picture.getparent().xpath(".//a:blip")[0]
        image = doc.part.related_parts[blip.get(qn("r:embed"))].blob
        assert image == (folder / "charts" / f"{name}.png").read_bytes()


def _payloads(folder: Path, report: str) -> dict[str, dict]:
    definition = load_report_definition(PROJECT_ROOT / "reports" / SAMPLE_DEFINITIONS[report])
    notebook = nbformat.read(folder / "internal" / definition.type.notebook.name, as_version=4)
    return {p["caption"]: p for p in render.collect_output(notebook, TABLES_MIMETYPE)}


def _shown(text: str) -> tuple[str, float | None, int]:
    """A cell as printed: ('c'|'x'|'', value, decimals shown)."""
    text = text.strip()
    if text in ("[c]", "[x]"):
        return text[1], None, 0
    number = text.replace("£", "").replace(",", "").rstrip("%").removesuffix("m")
    decimals = len(number.partition(".")[2])
    return "", float(number), decimals


def _same(shown: str, published: str) -> bool:
    """The printed cell is the published value, each rounded to the places it shows (both
    are rounded from the same unrounded figure: 68.46 prints as 68% and is published 68.5)."""
    if shown.strip() == "<1%":  # a share with children, under half a per cent
        return published not in ("c", "x", "z") and 0 < float(published) < 0.5
    symbol, value, decimals = _shown(shown)
    if symbol or published in ("c", "x", "z"):
        return symbol == published
    places = len(published.partition(".")[2])
    if places <= decimals:
        return round_half_up(float(published), decimals) == value
    return abs(float(published) - value) <= 0.5 * 10**-decimals + 0.5 * 10**-places + 1e-9


def indicators_of(payload: dict) -> set[str]:
    return {name for name, *_ in payload["indicators"]}


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_the_numbers_in_the_docx_tables_are_the_published_csv_values(rendered, report) -> None:
    folder = rendered[report]
    payloads = _payloads(folder, report)
    doc = docx_of(folder)
    compared = 0
    for table in doc.tables:
        payload = payloads[caption_before(doc, table)]
        # the published tidy file's cells in the table's own rows (the EES file relabels them
        # in time and place and harmonises names: publish.tidy_csv)
        with open(folder / "tables" / f"{payload['name']}.csv", newline="") as handle:
            published = sorted(
                v
                for r in csv.DictReader(handle)
                for k, v in r.items()
                if k in indicators_of(payload)
            )
        printed, _ = publish.tidy_csv(payload, publish.Geography(), standard=False)
        records = list(csv.DictReader(io.StringIO(printed)))
        kept = sorted(v for r in records for k, v in r.items() if k in indicators_of(payload))
        assert set(published) <= set(kept), payload["name"]
        numeric_columns = [
            i
            for i, cell in enumerate(table.rows[1].cells)
            if cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
        ]
        body = [[cell.text for cell in row.cells] for row in table.rows[1:]]
        row_filter = payload["filters"][0][0]
        split = payload["split_label"] is not None or len(records) != len(body)
        for index, row in enumerate(body):
            cells = [row[i] for i in numeric_columns]
            if not split:
                record = records[index]
                assert record[row_filter] == row[0]
                values = [record[name] for name in payload["tidy"]["columns"] if name in
                          {i[0] for i in payload["indicators"]}]  # fmt: skip
                assert len(values) == len(cells), (payload["name"], row)
                for shown, published in zip(cells, values, strict=True):
                    assert _same(shown, published), (payload["name"], row[0], shown, published)
                    compared += 1
            else:  # one CSV row per category: every printed figure is one of that row's
                values = [
                    r[name]
                    for r in records
                    if r[row_filter] == row[0]
                    for name, *_ in payload["indicators"]
                ]
                for shown in cells:
                    assert any(_same(shown, v) for v in values), (payload["name"], row[0], shown)
                    compared += 1
    assert compared > 50


def test_two_renders_give_the_same_docx_and_chart_bytes(rendered) -> None:
    folder = rendered["25-00007"]

    def digests() -> dict[str, str]:
        names = [
            "appendix.docx",
            *sorted(str(p.relative_to(folder)) for p in folder.glob("charts/*")),
        ]
        return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names}

    render.render_report(PROJECT_ROOT / "reports" / "25-00007.yml", force=True)
    before = digests()
    render.render_report(PROJECT_ROOT / "reports" / "25-00007.yml", force=True)
    assert digests() == before
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, digest in before.items():
        assert manifest["published_sha256"][name] == digest
        assert name in manifest["published"]


def test_the_gate_refuses_the_rendered_docx_with_a_pseudonym_or_a_commit(rendered) -> None:
    from pipeline import io as interim_io

    folder = rendered["25-00065"]
    definition = load_report_definition(PROJECT_ROOT / "reports" / "25-00065.yml")
    interim = render.interim_dir(definition)
    clean = interim_io.read_clean(interim / "snapshot_2025_06_30")
    pseudonym = str(clean["pupil_id"].iloc[0])
    commit = json.loads((folder / "manifest.json").read_text())["git"]["commit"] or "8765059d0"
    original = (folder / "appendix.docx").read_bytes()
    render.run_gate(definition, {"appendix.docx": original}, interim)  # as published: passes
    for text, check in ((f"Placement of {pseudonym}", "identifier"),
                        (f"Made at commit {commit[:9]}", "reviewer-material")):  # fmt: skip
        doc = Document(io.BytesIO(original))
        doc.tables[0].cell(1, 0).text = text
        buffer = io.BytesIO()
        doc.save(buffer)
        with pytest.raises(PublicationRefused) as refused:
            render.run_gate(definition, {"appendix.docx": buffer.getvalue()}, interim)
        assert check in str(refused.value)
        assert pseudonym not in str(refused.value)


# --------------------------------------------------------------------------- LibreOffice


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe, "LibreOffice (soffice) is needed to read the Word document as a reader does"
    return exe


@pytest.fixture(scope="module")
def as_printed(rendered, tmp_path_factory) -> dict[str, Path]:
    """Each sample's appendix.docx converted to PDF by LibreOffice."""
    out = tmp_path_factory.mktemp("docx-pdf")
    pdfs = {}
    for report, folder in rendered.items():
        target = out / report
        target.mkdir()
        subprocess.run(
            [_soffice(), f"-env:UserInstallation=file://{out}/profile", "--headless",
             "--convert-to", "pdf", "--outdir", str(target), str(folder / "appendix.docx")],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        pdfs[report] = target / "appendix.pdf"
    return pdfs


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, float, str]]:
    """(page, page width, xMin, xMax, yMin, page height, word) for every word of the PDF."""
    result = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    words, page, width, height = [], 0, 0.0, 0.0
    for line in result.stdout.splitlines():
        opened = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line)
        if opened:
            page, width, height = page + 1, float(opened.group(1)), float(opened.group(2))
            continue
        word = re.search(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line
        )
        if word:
            x0, y0, x1 = float(word.group(1)), float(word.group(2)), float(word.group(3))
            words.append((page, width, x0, x1, y0, height, word.group(4)))
    return words


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_in_libreoffice_no_text_runs_off_the_page(as_printed, report) -> None:
    words = _words(as_printed[report])
    assert words
    margin = 56.7 * 0.8  # the document's margins are 2 cm (56.7 pt); allow a little
    outside = [w for w in words if w[2] < margin or w[3] > w[1] - margin]
    assert not outside, outside[:5]


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_in_libreoffice_no_caption_or_heading_ends_a_page(as_printed, report) -> None:
    """A caption or heading is never the last thing on a page: what it names follows it."""
    doc = docx_of(PROJECT_ROOT / "reports" / report)
    headings = {
        p.text.strip()
        for p in doc.paragraphs
        if p.style.name.startswith("Heading") or p.style.name == "Caption"
    }
    words = _words(as_printed[report])
    pages = max(w[0] for w in words)
    for page in range(1, pages):
        lines: dict[float, list[str]] = {}
        for w in words:
            if w[0] == page and w[4] < w[5] - 56.7:  # above the footer
                lines.setdefault(round(w[4]), []).append(w[6])
        ordered = [" ".join(lines[y]) for y in sorted(lines)]
        ends = {" ".join(ordered[-n:]) for n in (1, 2, 3) if len(ordered) >= n}
        assert not ends & headings, (page, ends & headings)
    text = subprocess.run(
        ["pdftotext", str(as_printed[report]), "-"], check=True, capture_output=True, text=True
    ).stdout
    for number in range(1, len(doc.tables) + 1):
        assert f"Table {number}: " in text
