"""A third report type registered from the test suite renders end to end (clean, kernel,
gate, publish, verify) without any edit to the core."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from pipeline import reports
from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.errors import PublicationRefused, ReportDefinitionError
from pipeline.render import render_report
from pipeline.verify import verify_report
from tests.fixtures import tiny_report
from tests.fixtures.pdf_accessibility import accessibility_problems

#: 23 children in three groups; group C has 3, so it (and one complement) must be hidden.
ROWS = {f"T{n:03d}": "A" if n < 12 else "B" if n < 20 else "C" for n in range(23)}
ROWS["T900"] = " "  # a blank group: quarantined


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.setenv(reports.PLUGINS_ENV, "tests.fixtures.tiny_report")
    notebook = tiny_report.write_notebook(tmp_path / "tiny.ipynb")
    reports.register(dataclasses.replace(tiny_report.REPORT_TYPE, notebook=notebook), replace=True)
    yield tiny_report.write_definition(tmp_path, ROWS)
    for folder in ("reports", "data/interim"):
        shutil.rmtree(PROJECT_ROOT / folder / "tiny-tallies-test", ignore_errors=True)


def test_a_plugin_type_renders_through_clean_gate_publish_and_verify(tiny):
    result = render_report(tiny, force=True)
    published = {p.name for p in result.files}
    assert {"appendix.html", "appendix.pdf", "tables.xlsx", "figures.json"} <= published
    figures = json.loads((result.out_dir / "figures.json").read_text())["figures"]
    assert figures["tiny.children.total"]["value"] == 23
    note = (result.out_dir / "internal" / "qa-note.md").read_text()
    assert "| Tallies at 30 June 2025 | 24 | 23 | 1 | 0 | 0 |" in note  # 1 blank group quarantined
    tidy = (result.out_dir / "tables" / "children_by_group.csv").read_text()
    assert ",C,c" in tidy and ",B,c" in tidy  # the 3 and its smaller complement are hidden
    html = (result.out_dir / "appendix.html").read_text()
    assert "Table 1: Children by group" in html and "There are 23 children." in html
    assert verify_report(result.out_dir).ok
    # the audit's unsuppressed copy of each table never reaches the internal record
    internal = (result.out_dir / "internal" / "tiny.ipynb").read_text()
    assert "children_by_group" in internal and "unsuppressed" not in internal
    audit = json.loads((result.out_dir / "internal" / "disclosure-audit.json").read_text())
    assert audit["findings"] == 0 and audit["hidden_cells"] == 2
    # a type's own page is as accessible a PDF as the built-in types' (pdfua and the rest)
    assert accessibility_problems(result.out_dir / "appendix.pdf", html) == []


def test_the_gate_searches_the_plugin_s_declared_identifier_column(tiny):
    from pipeline import gate, io
    from pipeline.render import gate_forbidden_values

    render_report(tiny, force=True)  # leaves the clean data in the interim folder
    interim = PROJECT_ROOT / "data" / "interim" / "tiny-tallies-test"
    pseudonym = io.read_clean(interim / "tallies")["child_id"].iloc[0]
    forbidden = gate_forbidden_values(load_report_definition(tiny), interim)
    assert pseudonym in forbidden  # found through the type's declared identifiers
    page = f"<html lang='en'><head><title>t</title></head><p>{pseudonym}</p></html>"
    with pytest.raises(PublicationRefused, match="identifier"):
        gate.enforce({"appendix.html": page.encode()}, forbidden=forbidden, threshold=5)


def test_a_declared_identifier_the_cleaner_did_not_write_stops_the_render(tiny):
    from pipeline.errors import RenderError

    kind = dataclasses.replace(tiny_report.REPORT_TYPE.kinds[0], identifiers=("child_ref",))
    current = reports.get(tiny_report.NAME)
    reports.register(dataclasses.replace(current, kinds=(kind,)), replace=True)
    with pytest.raises(RenderError, match="no column 'child_ref'"):
        render_report(tiny, force=True)


def test_a_definition_naming_an_unregistered_type_names_the_known_ones(tmp_path):
    path = tmp_path / "d.yml"
    path.write_text(
        (PROJECT_ROOT / "reports" / "25-00007.yml").read_text() + "report_type: nonesuch\n"
    )
    with pytest.raises(ReportDefinitionError, match="nonesuch.*known: .*inmss.*residential"):
        load_report_definition(path)


def test_an_input_kind_of_another_type_is_refused(tiny, tmp_path):
    text = tiny.read_text().replace("kind: tallies", "kind: placements")
    path = tmp_path / "wrong.yml"
    path.write_text(text)
    with pytest.raises(ReportDefinitionError, match="'placements' is not an input kind"):
        load_report_definition(path)
