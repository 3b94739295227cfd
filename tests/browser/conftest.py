"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and the pages to open.

The tests need a real browser. Without one they fail with a message saying what to install:
they never skip, so a CI run without Chromium cannot pass unnoticed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipeline.config import PROJECT_ROOT
from pipeline.document import build_html
from tests.fixtures.documents import SAMPLE_META

#: Debian's Chromium (apt-get install chromium); INMSS_CHROMIUM points elsewhere if needed.
CHROMIUM = Path(os.environ.get("INMSS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The sample reports whose appendices are opened; plus a small page built here.
REPORTS = ("25-00065", "25-00007")
PAGES = ("sample", *REPORTS)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is needed: apt-get install chromium (looked for {CHROMIUM}; "
            "set INMSS_CHROMIUM to use another build)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "playwright is needed: pip install -e '.[dev]' (the Python package only; "
            "the browser is Debian's: apt-get install chromium)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:  # playwright raises its own Error with the browser's log
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: INMSS_SCREENSHOT_DIR if set (to keep them), else a tmp dir."""
    kept = os.environ.get("INMSS_SCREENSHOT_DIR")
    folder = Path(kept) if kept else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session", params=PAGES)
def appendix_page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An appendix HTML file on disk, as published, built with the current templates."""
    folder = tmp_path_factory.mktemp(f"page-{request.param}")
    path = folder / f"appendix-{request.param}.html"
    if request.param == "sample":
        path.write_text(build_html(sample_notebook(), SAMPLE_META), encoding="utf-8")
    else:
        path.write_text(report_html(request.param), encoding="utf-8")
    return path


def report_html(report_id: str) -> str:
    """The report's appendix HTML rendered with the current template.

    Rebuilt from the executed appendix notebook kept in ``reports/<id>/internal/`` when a
    render has left one (fast, and picks up template changes); otherwise the report is
    rendered, as on a fresh clone in CI (about 15 s a report).
    """
    from pipeline import render
    from pipeline.config import load_report_definition

    definition_path = PROJECT_ROOT / "reports" / f"{report_id}.yml"
    notebook = load_report_definition(definition_path).type.notebook
    executed = PROJECT_ROOT / "reports" / report_id / "internal" / notebook.name
    if not executed.exists():
        render.render_report(definition_path)
    nb = _finished_notebook(executed)
    meta = render.document_meta(load_report_definition(definition_path))
    return build_html(nb, meta)


def _finished_notebook(path: Path, wait: float = 120.0) -> nbformat.NotebookNode:
    """The executed notebook, once it has been written in full.

    While another render is running the file may be half written; and a notebook executed
    by papermill's own loop is rewritten after every cell, with ``end_time`` set only at
    the end (the renderer's own runner writes the notebook once, when it has finished).
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            nb = nbformat.read(path, as_version=4)
            papermill = nb.metadata.get("papermill", {})
            if not ("start_time" in papermill and not papermill.get("end_time")):
                return nb
        except Exception:  # half-written JSON
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{path} is not a finished papermill run; render the report again")
        time.sleep(1)


# ------------------------------------------------------------------ a small page built here

CHART_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="576pt" height="324pt" viewBox="0 0 576 324">'
    '<rect width="576" height="324" fill="#ffffff"/>'
    '<rect x="40" y="60" width="200" height="240" fill="#12436d"/>'
    '<rect x="240" y="120" width="200" height="180" fill="#f46a25"/>'
    "</svg>"
)


def _wide_table() -> str:
    header = "".join(
        f'<th scope="col" class="num">Placements in financial year 20{y}-{y + 1}</th>'
        for y in range(18, 26)
    )
    rows = "".join(
        f'<tr><th scope="row">{name}</th>'
        + "".join(f'<td class="num">{1_000 + 37 * i + y:,}</td>' for y in range(8))
        + "</tr>"
        for i, name in enumerate(("Ashford", "Folkestone and Hythe", "Tonbridge and Malling"))
    )
    return (
        '<div class="table-wrap"><table class="data-table">'
        "<caption>Table 2: Placements by district and financial year, 2018-19 to 2025-26"
        "</caption>"
        f'<thead><tr><th scope="col">School district</th>{header}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        '<p class="table-note">Source: synthetic sample data.</p></div>'
    )


def sample_notebook() -> nbformat.NotebookNode:
    """A notebook as the appendix notebook leaves it: markdown, a table, charts, a wide table."""
    import base64

    uri = "data:image/svg+xml;base64," + base64.b64encode(CHART_SVG.encode()).decode()
    table = (
        '<div class="table-wrap"><table class="data-table">'
        "<caption>Table 1: Placements by framework status, as at 30 June 2025</caption>"
        '<thead><tr><th scope="col">Status</th><th scope="col" class="num">Schools</th>'
        '<th scope="col" class="num">Placements</th></tr></thead><tbody>'
        '<tr><th scope="row">DPS</th><td class="num">22</td><td class="num">1,094</td></tr>'
        '<tr><th scope="row">Non-DPS</th><td class="num">88</td><td class="num">690</td></tr>'
        '<tr class="total"><th scope="row">Total</th><td class="num">110</td>'
        '<td class="num">1,784</td></tr></tbody></table></div>'
        '<p class="table-note">Source: synthetic sample data.</p>'
    )
    figure = (
        '<figure class="chart"><figcaption><span class="chart-title">Chart 1: Most placements '
        'are in DPS schools</span><span class="chart-subtitle">Placements by framework status'
        f'</span></figcaption><img src="{uri}" alt="Bar chart: 1,094 placements in DPS schools '
        'and 690 in non-DPS schools, so most placements are in DPS schools.">'
        '<p class="chart-source">Source: synthetic sample data.</p></figure>'
    )

    def html(text: str) -> nbformat.NotebookNode:
        return new_output("display_data", data={"text/html": text, "text/plain": "repr"})

    svg_alt = "Bar chart: placements fell from 240 to 180, so placements are falling."
    return new_notebook(
        cells=[
            new_code_cell("report_definition = 'x'", metadata={"tags": ["parameters"]}),
            new_markdown_cell(
                "## Key figures\n\nAs at 30 June 2025 there were **1,784** placements. "
                "See the [statistics](https://www.gov.uk/government/statistics)."
            ),
            new_code_cell("report.framework()", outputs=[html(table), html(figure)]),
            new_markdown_cell("### Placements by district"),
            new_code_cell("report.districts()", outputs=[html(_wide_table())]),
            new_markdown_cell("## Trend"),
            new_code_cell(
                "report.trend()",
                outputs=[
                    new_output(
                        "display_data",
                        data={"image/svg+xml": CHART_SVG},
                        metadata={"pipeline": {"alt": svg_alt}},
                    )
                ],
            ),
        ]
    )
