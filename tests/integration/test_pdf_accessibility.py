"""Every sample appendix PDF passes the `pdfua` checker with no error, warning or information,
and the checks pdfua does not make (tests/fixtures/pdf_accessibility.py): its header cells
carry the scope of the HTML's ``<th scope>``, its bookmarks are the h1 and h2 headings, its
headings are in order, each chart's /Alt is its alt text, every font is embedded and maps to
Unicode. West Sussex's sample is checked in test_west_sussex.py, on the render made there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.pdf_accessibility import accessibility_problems
from tests.fixtures.samples import render_samples

APPENDICES = (
    "25-00065",
    "25-00007",
    "res-2021-kent",
    "res-2021-west-sussex",
    "res-2021-portsmouth",
)


@pytest.fixture(scope="module")
def rendered() -> dict[str, Path]:
    """Each sample appendix's folder (rendered unless an up-to-date render is there)."""
    return render_samples(APPENDICES)


@pytest.mark.parametrize("report", APPENDICES)
def test_the_appendix_pdf_passes_pdfua_and_the_checks_it_does_not_make(rendered, report):
    folder = rendered[report]
    html = (folder / "appendix.html").read_text(encoding="utf-8")
    assert accessibility_problems(folder / "appendix.pdf", html) == []
