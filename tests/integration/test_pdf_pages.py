"""The printed appendix, page by page, as a member turning its pages sees it.

Renders the samples (skipped when up to date), then measures every page of each PDF from its
pixels (``pdftoppm``, which .ci/run installs with poppler-utils): no page before the last is
left mostly blank, as when a chart too tall for the rest of a page moves to the next. From the
layout the PDF was printed from (``document.lay_out``), no table that breaks over pages leaves
fewer than three of its rows under the header or opens a page with fewer than four.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline import document, render
from tests.fixtures.samples import render_samples

pytestmark = pytest.mark.render

REPORTS = ("25-00065", "25-00007", "res-2021-kent", "res-2021-portsmouth", "west-sussex-2025")
#: A4 with the stylesheet's page margins (22 mm top, 20 mm bottom), at the raster resolution.
DPI = 40
PAGE_MM, TOP_MM, BOTTOM_MM = 297, 22, 20
#: The least share of its text area a page other than the last may fill.
LEAST_FILL = 0.6


@pytest.fixture(scope="module")
def rendered() -> dict[str, Path]:
    return render_samples(REPORTS)


def page_fills(pdf: Path, out: Path) -> list[float]:
    """The share of each page's text area above its lowest ink (running header and footer are
    in the margins, outside it)."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(out / "p")], check=True
    )
    px = DPI / 25.4
    top, bottom = round(TOP_MM * px) + 1, round((PAGE_MM - BOTTOM_MM) * px) - 1
    fills = []
    for image in sorted(out.glob("p-*.png")):
        pixels = np.asarray(Image.open(image).convert("L"))[top:bottom]
        inked = np.flatnonzero((pixels < 200).any(axis=1))
        fills.append(0.0 if not len(inked) else (inked[-1] + 1) / (bottom - top))
    return fills


def test_the_page_measure_sees_a_half_empty_page(tmp_path):
    """The measure itself: a page whose text stops halfway is measured at about half."""
    html = (
        "<html lang='en'><head><title>t</title><style>@page { size: A4; margin: 22mm 18mm 20mm }"
        "p { margin: 0; height: 120mm; background: black }</style></head>"
        "<body><p></p><p style='break-before: page; height: 250mm'></p><p></p></body></html>"
    )
    pdf = tmp_path / "half.pdf"
    pdf.write_bytes(document.build_pdf(html))
    fills = page_fills(pdf, tmp_path / "pages")
    assert len(fills) == 3
    assert 0.45 < fills[0] < 0.5 and fills[1] > 0.95


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_no_page_before_the_last_is_left_mostly_blank(rendered, report, tmp_path):
    fills = page_fills(rendered[report] / "appendix.pdf", tmp_path)
    thin = {n: f"{fill:.0%}" for n, fill in enumerate(fills[:-1], start=1) if fill < LEAST_FILL}
    assert not thin, f"{report}: pages filled under {LEAST_FILL:.0%} of their height: {thin}"


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_the_last_page_holds_more_than_the_closing_note(rendered, report, tmp_path):
    """The closing note ('Made from synthetic sample data...') stays with what is above it."""
    pdf = rendered[report] / "appendix.pdf"
    pages = len(page_fills(pdf, tmp_path))
    text = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    body = lines[1:-1]  # the running header and the footer are the first and last lines
    assert [line for line in body if not line.startswith(render.SYNTHETIC_NOTE[:20])], (
        f"{report}: the last page holds only {body}"
    )


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


@pytest.mark.parametrize("report", ["25-00065", "25-00007", "west-sussex-2025"])
def test_a_table_that_breaks_keeps_rows_on_both_sides(rendered, report):
    laid_out = document.lay_out((rendered[report] / "appendix.html").read_text(encoding="utf-8"))
    pieces: dict[object, list[int]] = {}  # each table body: its rows on each page it is on
    for page in laid_out.pages:
        for box in _boxes(page._page_box):
            if type(box).__name__ == "TableRowGroupBox" and box.element_tag == "tbody":
                rows = [c for c in box.children if type(c).__name__ == "TableRowBox"]
                pieces.setdefault(box.element, []).append(len(rows))
    assert len(pieces) >= 10  # the tables were found
    for element, rows in pieces.items():
        if len(rows) > 1:  # the table breaks over pages
            name = " ".join("".join(element.itertext()).split())[:50]  # its first rows
            assert rows[0] >= 3, f"{report}: {name!r} leaves {rows[0]} rows before its break"
            assert rows[-1] >= 4, f"{report}: {name!r} opens a page with {rows[-1]} rows"


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_a_page_more_than_a_quarter_empty_is_one_a_whole_block_could_not_fill(rendered, report):
    """No page before the last is more than a quarter empty (``document.GAP_FILL``) unless the
    next page opens with a chart or a table kept whole that is taller than the gap, which the
    page fitting could neither draw smaller nor move, nor let break."""
    laid_out = document.lay_out((rendered[report] / "appendix.html").read_text(encoding="utf-8"))
    fills = document.page_fills(laid_out)
    charts = document._chart_boxes(laid_out)
    unexplained = {}
    for fill in fills[:-1]:
        if fill.filled >= document.GAP_FILL:
            continue
        page = laid_out.pages[fill.page]._page_box  # the next page (pages count from 1)
        if fill.next_opens_with_chart is not None:
            block = charts[fill.next_opens_with_chart][0].margin_height()
        elif fill.next_opens_with_table:
            block = max(
                box.margin_height()
                for box in _boxes(page)
                if getattr(box, "element", None) is not None
                and box.element.get("aria-labelledby") == fill.next_opens_with_table
            )
        else:
            block = 0.0
        if block <= fill.free_px:
            unexplained[fill.page] = f"{fill.filled:.0%}"
    assert not unexplained, f"{report}: pages more than a quarter empty: {unexplained}"
