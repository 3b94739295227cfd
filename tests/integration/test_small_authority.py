"""A small authority, where most cells hold 1 to 4 children: the whole appendix renders, the
attacker's audit (run inside the render) finds nothing, and no published count is 1 to 4.

The export is generated (``tests/fixtures/small_authority.py``: West Sussex's districts and
framework, a few dozen placements). A render the audit refuses fails here with the refusal,
one line per recoverable cell: that is a leak the suppression let through to the gate.
"""

from __future__ import annotations

import json

import pytest

from pipeline.errors import PublicationRefused
from pipeline.render import render_report
from tests.fixtures.pdf_accessibility import accessibility_problems
from tests.fixtures.published import count_cells
from tests.fixtures.small_authority import REPORT_ID, remove_outputs, write_small_authority

THRESHOLD = 5

CASES = [
    pytest.param(1, 72, id="seed1-72"),
    pytest.param(4, 60, id="seed4-60"),
    # refused until the audit's rules stopped reading a [c] mean as "has a child" (#13)
    pytest.param(2, 72, id="seed2-72"),
]


def report_id(seed: int, placements: int) -> str:
    """One id per case, so that every case's files stay until the module ends."""
    return f"{REPORT_ID}-{seed}-{placements}"


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """Render each case once (cached by case); remove the outputs afterwards."""
    done: dict[tuple[int, int], tuple[object, str | None]] = {}

    def render(seed: int, placements: int):
        if (seed, placements) not in done:
            folder = tmp_path_factory.mktemp(f"small-authority-{seed}")
            path = write_small_authority(
                folder, seed=seed, placements=placements, report_id=report_id(seed, placements)
            )
            try:
                done[(seed, placements)] = (render_report(path, force=True), None)
            except PublicationRefused as refused:
                done[(seed, placements)] = (None, str(refused))
        return done[(seed, placements)]

    try:
        yield render
    finally:
        for seed, placements in done:
            remove_outputs(report_id(seed, placements))


@pytest.fixture
def rendered(renders, request):
    seed, placements = request.param
    result, refusal = renders(seed, placements)
    if refusal is not None:
        pytest.fail(f"small authority (seed {seed}, {placements} placements): {refusal}")
    return result


def _audit_record(result) -> dict:
    return json.loads((result.out_dir / "internal" / "disclosure-audit.json").read_text())


@pytest.mark.parametrize(
    "rendered", [pytest.param(c.values, id=c.id, marks=c.marks) for c in CASES], indirect=True
)
def test_small_authority_renders_and_its_audit_finds_nothing_recoverable(rendered):
    record = _audit_record(rendered)
    assert record["report"].startswith(REPORT_ID)
    assert record["findings"] == 0, record
    assert record["hidden_cells"] > 0, record
    assert record["tables_audited"] >= 10, record
    # no hidden count is pinned to one value (the audit would have refused, but say so)
    assert record["narrowest_count_range"] is None or record["narrowest_count_range"] > 0


@pytest.mark.parametrize(
    "rendered", [pytest.param(c.values, id=c.id, marks=c.marks) for c in CASES], indirect=True
)
def test_small_authority_tidy_tables_hold_no_count_from_1_to_4(rendered):
    # schools are not children; a council's rank among councils is not a count
    cells = list(
        count_cells(
            rendered.out_dir / "tables", lambda column: "school" not in column and column != "rank"
        )
    )
    assert len(cells) > 50
    small = [cell for cell in cells if 0 < cell[2] < THRESHOLD]
    assert small == [], small


@pytest.mark.parametrize(
    "rendered", [pytest.param(c.values, id=c.id, marks=c.marks) for c in CASES], indirect=True
)
def test_small_authority_pdf_passes_pdfua_and_the_checks_it_does_not_make(rendered):
    html = (rendered.out_dir / "appendix.html").read_text(encoding="utf-8")
    assert accessibility_problems(rendered.out_dir / "appendix.pdf", html) == []
