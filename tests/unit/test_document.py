"""Tests for pipeline.document: notebook -> self-contained HTML -> A4 PDF."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipeline.document import DocumentMeta, build_html, build_pdf
from pipeline.present import fmt_date
from tests.fixtures.documents import SAMPLE_META

META = SAMPLE_META

TABLE_HTML = (
    '<div class="table-wrap"><table class="data-table">'
    "<caption>Table 1: Placements by framework status</caption>"
    '<thead><tr><th scope="col">Status</th><th scope="col" class="num">Schools</th>'
    '<th scope="col" class="num">Placements</th></tr></thead>'
    '<tbody><tr><th scope="row">DPS</th><td class="num">22</td><td class="num">1,094</td></tr>'
    '<tr><th scope="row">Non-DPS</th><td class="num">88</td><td class="num">690</td></tr>'
    "</tbody></table></div>"
    '<p class="table-note">Source: synthetic sample data.</p>'
)

# A tiny valid SVG chart and a 1x1 PNG, as a kernel would put them in outputs.
SVG = (
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
    '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="120pt" height="60pt" viewBox="0 0 120 60">'
    '<rect id="bar_1" x="10" y="10" width="80" height="40" fill="#12436d"/></svg>\n'
)
PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
FIGURE_HTML = (
    '<figure class="chart"><img src="data:image/svg+xml;base64,'
    + base64.b64encode(SVG.encode()).decode()
    + '" alt="Bar chart of placements"><figcaption>Figure 1: Placements</figcaption></figure>'
)


def html_output(html: str, **kwargs) -> nbformat.NotebookNode:
    """A display_data output as IPython.display.HTML makes it (with a text/plain twin)."""
    return new_output(
        "display_data",
        data={"text/html": html, "text/plain": "PLAIN_TWIN_OF_HTML"},
        **kwargs,
    )


def sample_notebook() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_code_cell("SECRET_PARAMETER = 1", metadata={"tags": ["parameters"]}),
            new_markdown_cell("## Summary\n\nPlacements rose by **7%** over the year."),
            new_code_cell(
                "SECRET_SOURCE = load()\nprint('x')",
                execution_count=3,
                outputs=[
                    new_output("stream", name="stdout", text="STDOUT_TEXT\n"),
                    new_output("stream", name="stderr", text="STDERR_TEXT\n"),
                    html_output(TABLE_HTML),
                    new_output(
                        "execute_result",
                        data={"text/plain": "PLAIN_TEXT_REPR"},
                        execution_count=3,
                    ),
                ],
            ),
            new_markdown_cell("## Spend over time"),
            new_code_cell("show(fig)", outputs=[html_output(FIGURE_HTML)]),
        ]
    )


@pytest.fixture(scope="module")
def html() -> str:
    return build_html(sample_notebook(), META)


@pytest.fixture(scope="module")
def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


# ------------------------------------------------------------------ self-contained HTML


def test_no_script_and_no_external_urls(html: str, soup: BeautifulSoup) -> None:
    assert "<script" not in html.lower()
    assert soup.find("link") is None
    assert "@import" not in html
    for tag in soup.find_all(True):
        for attr in ("src", "href", "srcset", "xlink:href"):
            value = tag.get(attr)
            if value is not None:
                assert not re.match(r"\s*(https?:)?//", value, re.I), (tag.name, attr, value)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?://""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*https?:", html, re.I)
    # the one image is embedded, and so is the stylesheet
    assert [img["src"][:26] for img in soup.find_all("img")] == ["data:image/svg+xml;base64,"]
    assert "border-collapse" in soup.find("head").find("style").get_text()


def test_html5_document_with_language_and_title(html: str, soup: BeautifulSoup) -> None:
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert soup.find("html")["lang"] == "en-GB"
    assert soup.find("title").get_text() == META.title


def test_language_is_taken_from_meta() -> None:
    meta = dataclasses.replace(META, language="cy-GB")
    out = BeautifulSoup(build_html(new_notebook(), meta), "html.parser")
    assert out.find("html")["lang"] == "cy-GB"


def test_title_block(soup: BeautifulSoup) -> None:
    block = soup.find("header", class_="title-block")
    assert block is not None
    assert [h1.get_text() for h1 in soup.find_all("h1")] == [META.title]
    assert block.find(class_="subtitle").get_text() == META.subtitle
    pairs = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in block.find_all("dt")
    }
    assert pairs == {
        "Decision number": "25/00065",
        "Committee": "Children's, Young People and Education Cabinet Committee",
        "Meeting date": "18 November 2025",
        "Classification": "Unrestricted",
    }
    assert block.find("time")["datetime"] == "2025-11-18"


def test_title_block_leaves_out_what_the_definition_does_not_state() -> None:
    meta = dataclasses.replace(META, decision_number=None, committee=None, meeting_date=None)
    out = build_html(new_notebook(), meta)
    block = BeautifulSoup(out, "html.parser").find("header", class_="title-block")
    assert [dt.get_text(strip=True) for dt in block.find_all("dt")] == ["Classification"]
    assert "Decision" not in block.get_text() and "None" not in out


def test_generated_note_is_shown(soup: BeautifulSoup) -> None:
    note = soup.find(class_="generated-note")
    assert note is not None and note.get_text() == META.generated_note


def test_title_block_text_is_escaped() -> None:
    meta = dataclasses.replace(META, title="Costs <b>& more</b>")
    out = build_html(new_notebook(), meta)
    assert "<b>&amp; more</b>" not in out
    assert BeautifulSoup(out, "html.parser").find("h1").get_text() == "Costs <b>& more</b>"


# ------------------------------------------------------------------ what is (not) shown


def test_code_plain_text_streams_and_prompts_never_appear(html: str) -> None:
    for hidden in (
        "SECRET_PARAMETER",
        "SECRET_SOURCE",
        "load()",
        "STDOUT_TEXT",
        "STDERR_TEXT",
        "PLAIN_TEXT_REPR",
        "PLAIN_TWIN_OF_HTML",
    ):
        assert hidden not in html, hidden
    assert not re.search(r"In\s*(&nbsp;|\s)*\[", html)
    assert "Out[" not in html
    assert "<pre" not in html


def test_markdown_cells_are_rendered(soup: BeautifulSoup) -> None:
    assert [h2.get_text(strip=True) for h2 in soup.find_all("h2")] == [
        "Summary",
        "Spend over time",
    ]
    assert soup.find("strong").get_text() == "7%"
    assert "¶" not in soup.get_text()  # no anchor links on headings


def test_table_output_keeps_caption_and_header_scope(soup: BeautifulSoup) -> None:
    table = soup.find("table", class_="data-table")
    assert table is not None
    assert table.parent.get("class") == ["table-wrap"]
    assert table.find("caption").get_text() == "Table 1: Placements by framework status"
    assert [th.get("scope") for th in table.find("thead").find_all("th")] == ["col"] * 3
    assert [th.get("scope") for th in table.find("tbody").find_all("th")] == ["row"] * 2
    assert table.find("td", class_="num").get_text() == "22"
    assert soup.find("p", class_="table-note").get_text() == "Source: synthetic sample data."


def test_figure_output_is_kept(soup: BeautifulSoup) -> None:
    figure = soup.find("figure", class_="chart")
    assert figure is not None
    assert figure.find("img")["alt"] == "Bar chart of placements"
    assert figure.find("figcaption").get_text() == "Figure 1: Placements"


def test_error_output_raises_value_error_naming_the_cell() -> None:
    nb = sample_notebook()
    nb.cells.append(
        new_code_cell(
            "1/0",
            outputs=[
                new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=["Traceback..."],
                )
            ],
        )
    )
    with pytest.raises(ValueError, match=r"cell 5\b.*ZeroDivisionError"):
        build_html(nb, META)


def test_error_output_in_removed_cell_still_raises() -> None:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "boom()",
                metadata={"tags": ["remove-cell"]},
                outputs=[new_output("error", ename="KeyError", evalue="'x'", traceback=[])],
            )
        ]
    )
    with pytest.raises(ValueError, match="cell 0"):
        build_html(nb, META)


def test_remove_cell_tag_drops_the_whole_cell() -> None:
    nb = new_notebook(
        cells=[
            new_markdown_cell("## Kept section"),
            new_markdown_cell("## DROPPED_MARKDOWN", metadata={"tags": ["remove-cell"]}),
            new_code_cell(
                "x",
                metadata={"tags": ["remove-cell", "other"]},
                outputs=[html_output("<p>DROPPED_OUTPUT</p>")],
            ),
            new_code_cell("y", outputs=[html_output("<p>KEPT_OUTPUT</p>")]),
        ]
    )
    out = build_html(nb, META)
    assert "Kept section" in out and "KEPT_OUTPUT" in out
    assert "DROPPED_MARKDOWN" not in out
    assert "DROPPED_OUTPUT" not in out


def test_output_marked_hidden_is_dropped() -> None:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "x",
                outputs=[
                    html_output("<p>HIDDEN_OUTPUT</p>", metadata={"pipeline": {"hidden": True}}),
                    html_output("<p>SHOWN_OUTPUT</p>", metadata={"pipeline": {"hidden": False}}),
                ],
            )
        ]
    )
    out = build_html(nb, META)
    assert "HIDDEN_OUTPUT" not in out
    assert "SHOWN_OUTPUT" in out


def test_mimetype_priority_and_rendering() -> None:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "x",
                outputs=[
                    # html wins over everything else
                    new_output(
                        "display_data",
                        data={
                            "text/html": "<p>HTML_WINS</p>",
                            "text/markdown": "MARKDOWN_LOSES",
                            "image/png": PNG_B64,
                        },
                    ),
                    # markdown is rendered, and wins over images
                    new_output(
                        "execute_result",
                        data={"text/markdown": "Rendered **MD_BOLD**", "image/svg+xml": SVG},
                        execution_count=1,
                    ),
                    # svg is inlined (no XML prolog), and wins over png
                    new_output("display_data", data={"image/svg+xml": SVG, "image/png": PNG_B64}),
                    # png becomes a data URI image (line breaks in the base64 removed)
                    new_output(
                        "display_data", data={"image/png": PNG_B64[:40] + "\n" + PNG_B64[40:]}
                    ),
                ],
            )
        ]
    )
    out = build_html(nb, META)
    page = BeautifulSoup(out, "html.parser")
    assert "HTML_WINS" in out and "MARKDOWN_LOSES" not in out
    assert page.find("strong").get_text() == "MD_BOLD"
    svgs = page.find_all("svg")
    assert len(svgs) == 1
    assert svgs[0].find("rect")["id"] == "bar_1"
    assert "<?xml" not in out and "<!DOCTYPE svg" not in out
    assert [img["src"] for img in page.find_all("img")] == [f"data:image/png;base64,{PNG_B64}"]


def test_output_with_only_plain_text_leaves_no_trace() -> None:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "df",
                outputs=[
                    new_output(
                        "execute_result", data={"text/plain": "ONLY_PLAIN"}, execution_count=1
                    )
                ],
            )
        ]
    )
    out = BeautifulSoup(build_html(nb, META), "html.parser")
    assert "ONLY_PLAIN" not in str(out)
    assert out.find(class_="cell-output") is None


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ("<p>hi</p><script>alert(1)</script>", "script"),
        ('<img src="https://example.org/x.png" alt="x">', "outside the file"),
        ('<img src="chart.png" alt="x">', "outside the file"),
        ('<div style="background: url(https://example.org/x.png)">x</div>', "outside the file"),
        ('<p onclick="steal()">x</p>', "script"),
        ('<link rel="stylesheet" href="https://example.org/x.css">', "link"),
        ('<iframe src="data:text/html,hi"></iframe>', "iframe"),
    ],
)
def test_output_that_would_break_self_containment_raises(fragment: str, message: str) -> None:
    nb = new_notebook(cells=[new_code_cell("x", outputs=[html_output(fragment)])])
    with pytest.raises(ValueError, match=message) as info:
        build_html(nb, META)
    assert "cell 0" in str(info.value)


def test_markdown_image_from_the_web_raises() -> None:
    nb = new_notebook(cells=[new_markdown_cell("![logo](https://example.org/logo.png)")])
    with pytest.raises(ValueError, match="outside the file"):
        build_html(nb, META)


def test_notebook_level_one_headings_are_moved_down() -> None:
    nb = new_notebook(cells=[new_markdown_cell("# Big heading\n\n## Smaller")])
    out = BeautifulSoup(build_html(nb, META), "html.parser")
    assert [h.get_text() for h in out.find_all("h1")] == [META.title]
    assert out.find("main").find("h2").get_text(strip=True) == "Big heading"
    assert out.find("main").find("h3").get_text(strip=True) == "Smaller"


def test_build_html_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, html: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert build_html(sample_notebook(), META) == html


def test_input_notebook_is_not_modified() -> None:
    nb = sample_notebook()
    before = nbformat.writes(nb)
    build_html(nb, META)
    assert nbformat.writes(nb) == before


def test_format_date() -> None:
    assert fmt_date(datetime.date(2025, 11, 18)) == "18 November 2025"
    assert fmt_date(datetime.date(2026, 3, 1)) == "1 March 2026"


@pytest.mark.parametrize(
    "change",
    [{"title": " "}, {"decision_number": ""}, {"meeting_date": "2025-11-18"}, {"language": "x"}],
)
def test_document_meta_rejects_bad_values(change: dict) -> None:
    fields = {
        "title": "T",
        "decision_number": "25/00065",
        "committee": "C",
        "meeting_date": datetime.date(2025, 11, 18),
        "classification": "Unrestricted",
        **change,
    }
    with pytest.raises(ValueError):
        DocumentMeta(**fields)


# ------------------------------------------------------------------ PDF

A4_WIDTH_PT = 595.28
RIGHT_MARGIN_PT = 18 / 25.4 * 72


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} not found: the PDF checks need poppler-utils (apt-get install poppler-utils)"
        )
    return path


def wide_table_notebook() -> nbformat.NotebookNode:
    header = "".join(
        f'<th scope="col" class="num">Column heading number {i}</th>' for i in range(1, 9)
    )
    rows = "".join(
        f'<tr><th scope="row">Row label for provider {r} with a long name</th>'
        + "".join(f'<td class="num">£{r * 1_000_003 + c:,}</td>' for c in range(8))
        + "</tr>"
        for r in range(3)
    )
    wide = (
        '<div class="table-wrap"><table class="data-table"><caption>Table 2: Wide</caption>'
        f'<thead><tr><th scope="col">Provider</th>{header}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
    long_rows = "".join(
        f'<tr><th scope="row">Provider {r}</th><td class="num">{r}</td></tr>' for r in range(80)
    )
    long = (
        '<table class="data-table"><caption>Table 3: Long</caption>'
        '<thead><tr><th scope="col">Provider</th><th scope="col" class="num">LONGHEAD</th></tr>'
        f"</thead><tbody>{long_rows}</tbody></table>"
    )
    nb = sample_notebook()
    nb.cells.append(new_code_cell("wide", outputs=[html_output(wide)]))
    nb.cells.append(new_code_cell("long", outputs=[html_output(long)]))
    return nb


@pytest.fixture(scope="module")
def pdf_html() -> str:
    return build_html(wide_table_notebook(), META)


@pytest.fixture(scope="module")
def pdf_file(pdf_html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "appendix.pdf"
    path.write_bytes(build_pdf(pdf_html))
    return path


def pdf_text(path: Path, *args: str) -> str:
    result = subprocess.run(
        [poppler("pdftotext"), *args, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def test_build_pdf_returns_pdf_bytes(pdf_file: Path) -> None:
    data = pdf_file.read_bytes()
    assert isinstance(data, bytes)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_build_pdf_is_reproducible(pdf_file: Path, pdf_html: str) -> None:
    assert build_pdf(pdf_html) == pdf_file.read_bytes()


def test_build_pdf_leaves_source_date_epoch_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    small = build_html(new_notebook(), META)
    build_pdf(small)
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_pdf_text_has_footer_header_and_title_block(pdf_file: Path) -> None:
    text = pdf_text(pdf_file)
    pages = text.split("\f")[:-1]  # pdftotext ends every page with a form feed
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Decision 25/00065" in page
        assert "Unrestricted" in page
    # running title on the pages after the first (page 1 has the title block itself)
    assert all("data appendix" in page for page in pages[1:])
    assert "18 November 2025" in pages[0]
    assert "Children's, Young People and Education Cabinet Committee" in pages[0]


def test_pdf_long_table_repeats_its_header_row(pdf_file: Path) -> None:
    pages = pdf_text(pdf_file).split("\f")[:-1]
    with_long_table = [page for page in pages if re.search(r"Provider \d+\b", page)]
    assert len(with_long_table) >= 2
    assert all("LONGHEAD" in page for page in with_long_table)


def test_pdf_wide_table_stays_inside_the_right_margin(pdf_file: Path) -> None:
    bbox = pdf_text(pdf_file, "-bbox")
    x_max = [
        float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', bbox)
    ]
    assert x_max, "no words found in the PDF"
    assert max(x_max) <= A4_WIDTH_PT - RIGHT_MARGIN_PT + 1.0
    assert "Column" in bbox and "£2,000,013" in bbox


def test_pdf_metadata_title_language_and_tagging(pdf_file: Path) -> None:
    info = subprocess.run(
        [poppler("pdfinfo"), str(pdf_file)], check=True, capture_output=True, text=True
    ).stdout
    assert re.search(rf"^Title:\s+{re.escape(META.title)}$", info, re.M)
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.M)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    meta = subprocess.run(
        [poppler("pdfinfo"), "-meta", str(pdf_file)], check=True, capture_output=True, text=True
    ).stdout
    assert 'pdfuaid:part="1"' in meta


# ------------------------------------------------------------------ accessibility of the HTML


def test_table_wrapper_is_a_named_region_the_keyboard_can_scroll(soup: BeautifulSoup) -> None:
    wrap = soup.find("div", class_="table-wrap")
    assert wrap["tabindex"] == "0" and wrap["role"] == "region"
    caption = soup.find(id=wrap["aria-labelledby"])
    assert caption.name == "caption"
    assert caption.get_text() == "Table 1: Placements by framework status"


def test_table_wrapper_without_caption_is_still_named() -> None:
    bare = '<div class="table-wrap"><table><tr><th scope="col">x</th></tr></table></div>'
    nb = new_notebook(cells=[new_code_cell("x", outputs=[html_output(bare)])])
    wrap = BeautifulSoup(build_html(nb, META), "html.parser").find("div", class_="table-wrap")
    assert wrap["aria-label"] == "Table 1" and wrap["tabindex"] == "0"


def test_inline_svg_is_named_by_the_alt_text_in_its_metadata() -> None:
    alt = 'Bar chart: placements rose by 7% to 1,784 "as at" June'
    output = new_output(
        "display_data", data={"image/svg+xml": SVG}, metadata={"pipeline": {"alt": alt}}
    )
    nb = new_notebook(cells=[new_code_cell("x", outputs=[output])])
    svg = BeautifulSoup(build_html(nb, META), "html.parser").find("svg")
    assert svg["role"] == "img" and svg["aria-label"] == alt


def test_appendix_passes_the_publication_gate(html: str, pdf_file: Path) -> None:
    from pipeline.gate import check_publication

    files = {"appendix.html": html.encode(), "appendix.pdf": pdf_file.read_bytes()}
    assert check_publication(files) == []


# ------------------------------------------------------------------ accessibility of the PDF


def pdf_objects(data: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated beside it."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end() : end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_string(token: bytes) -> str:
    """A PDF string object, literal ``(...)`` or hex ``<FEFF...>``, as text."""
    if token.startswith(b"<"):
        raw = bytes.fromhex(token[1:-1].decode())
        return raw.decode("utf-16-be")[1:] if raw[:2] == b"\xfe\xff" else raw.decode("latin-1")
    body = token[1:-1]
    body = re.sub(rb"\\([\\()])", rb"\1", body)
    return body.decode("latin-1")


_PDF_STRING = rb"(\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f]+>)"


def pdf_bookmarks(data: bytes) -> list[str]:
    """Titles of the outline (bookmark) items: dictionaries with /Title and /Parent."""
    body = pdf_objects(data)
    titles = []
    for match in re.finditer(rb"<<\s*/Title\s*" + _PDF_STRING + rb"([^>]*)>>", body):
        if b"/Parent" in match.group(2) or b"/Dest" in match.group(2):
            titles.append(pdf_string(match.group(1)))
    return titles


def test_pdf_has_a_bookmark_for_the_title_and_each_section(pdf_file: Path) -> None:
    assert pdf_bookmarks(pdf_file.read_bytes()) == [META.title, "Summary", "Spend over time"]


#: A /Figure structure element and its /Alt (its /A attributes come in between).
_FIGURE_ALT = re.compile(rb"/S\s*/Figure(?:(?!/S\s*/).){0,400}?/Alt\s*" + _PDF_STRING, re.S)


def test_pdf_figures_carry_their_alt_text_and_the_catalogue_its_language(pdf_file: Path) -> None:
    body = pdf_objects(pdf_file.read_bytes())
    alts = [pdf_string(m.group(1)) for m in re.finditer(_FIGURE_ALT, body)]
    assert alts == ["Bar chart of placements"]
    assert re.search(rb"/Lang\s*\(en-GB\)", body)
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true", body)
    assert re.search(rb"/DisplayDocTitle\s+true", body)


def test_pdf_charts_are_vector_not_pictures(pdf_file: Path) -> None:
    listing = subprocess.run(
        [poppler("pdfimages"), "-list", str(pdf_file)], check=True, capture_output=True, text=True
    ).stdout
    assert listing.strip().splitlines()[2:] == []  # header lines only: no raster image


def test_pdf_text_is_selectable_in_reading_order(pdf_file: Path) -> None:
    text = " ".join(pdf_text(pdf_file).split())
    order = [
        META.title,
        "Decision number 25/00065",
        "Summary",
        "Placements rose by 7% over the year.",
        "Table 1: Placements by framework status",
        "Spend over time",
        "Figure 1: Placements",
        "Table 2: Wide",
        "Table 3: Long",
    ]
    positions = [text.find(part) for part in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))


def test_pdf_caps_the_height_of_a_tall_chart(tmp_path: Path) -> None:
    tall = SVG.replace('width="120pt" height="60pt" viewBox="0 0 120 60"',
                       'width="400pt" height="500pt" viewBox="0 0 400 500"')  # fmt: skip
    uri = "data:image/svg+xml;base64," + base64.b64encode(tall.encode()).decode()
    figure = (
        '<figure class="chart"><figcaption>TALLCAPTION</figcaption>'
        f'<img src="{uri}" alt="A tall bar chart of placements by year">'
        '<p class="chart-source">TALLSOURCE</p></figure>'
    )
    nb = new_notebook(cells=[new_code_cell("x", outputs=[html_output(figure)])])
    path = tmp_path / "tall.pdf"
    path.write_bytes(build_pdf(build_html(nb, META)))
    words = {
        m.group(3): (float(m.group(1)), float(m.group(2)))
        for m in re.finditer(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(\w+)</word>',
            pdf_text(path, "-bbox"),
        )
    }
    # uncapped, this chart prints about 180 mm tall (and still fits on one page)
    chart_height_mm = (words["TALLSOURCE"][0] - words["TALLCAPTION"][1]) * 25.4 / 72
    assert 100 <= chart_height_mm <= 105 + 10  # the chart, plus the gaps around it


def _gap_then_chart_then_table(rows: int, lines: int) -> str:
    """An appendix whose first page is filled to about 60%, then a chart too tall for the rest
    of it and a table kept whole (``short``) too tall for the gap."""
    tall = SVG.replace('width="120pt" height="60pt" viewBox="0 0 120 60"',
                       'width="400pt" height="300pt" viewBox="0 0 400 300"')  # fmt: skip
    uri = "data:image/svg+xml;base64," + base64.b64encode(tall.encode()).decode()
    filler = "".join(f"<p>Paragraph {n} of words to fill the page.</p>" for n in range(15))
    figure = (
        '<figure class="chart"><figcaption>GAPCHART</figcaption>'
        f'<img src="{uri}" alt="A bar chart"></figure>'
    )
    label = "<br>".join(["row"] * lines)  # rows of ``lines`` lines each
    body = "".join(f"<tr><th scope='row'>{label}</th><td>{n}</td></tr>" for n in range(rows))
    table = (
        '<div class="table-wrap short" aria-labelledby="cap-t"><table>'
        '<caption id="cap-t">GAPTABLE</caption><thead><tr><th scope="col">Row</th>'
        f'<th scope="col">Value</th></tr></thead><tbody>{body}</tbody></table></div>'
    )
    cells = [new_code_cell("x", outputs=[html_output(f"<div>{filler}{figure}{table}</div>")])]
    return build_html(new_notebook(cells=cells), META)


@pytest.mark.parametrize(("rows", "lines", "moved"), [(20, 1, True), (5, 6, False)])
def test_a_chart_too_tall_for_a_gap_moves_after_a_table_that_can_break_into_it(rows, lines, moved):
    from pipeline import document

    html = _gap_then_chart_then_table(rows, lines)
    first = document._lay_out(html)
    fill = document.page_fills(first)[0]
    assert fill.filled < document.GAP_FILL and fill.next_opens_with_chart == 0  # the gap
    refitted = document.fill_gaps(html, first)
    if not moved:  # too few rows to break (three kept each side): nothing to gain
        assert refitted is None
        return
    soup = BeautifulSoup(refitted, "html.parser")
    wrap = soup.find("div", attrs={"aria-labelledby": "cap-t"})
    assert "short" not in wrap["class"]  # it may break now
    assert wrap.find_next_sibling("figure") is not None  # the chart follows the table
    laid_out = document.lay_out(html)
    assert document.page_fills(laid_out)[0].filled > document.GAP_FILL
