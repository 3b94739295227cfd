"""Reproducible, cached, atomic and batchable renders, and verification from the manifest."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys

import pytest

from pipeline import render
from pipeline.config import PROJECT_ROOT, expand_fan_out, load_report_definition
from pipeline.verify import VerifyError, verify_report

REPORT = PROJECT_ROOT / "reports" / "25-00007.yml"
OUT = PROJECT_ROOT / "reports" / "25-00007"


def digests(folder) -> dict[str, str]:
    names = ["appendix.html", "appendix.pdf", "tables.xlsx", "tables.ods", "figures.json"]
    names += sorted(str(p.relative_to(folder)) for p in folder.glob("tables/*.csv"))
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names}


@pytest.fixture(scope="module")
def first_render():
    result = render.render_report(REPORT, force=True)
    return result, digests(OUT)


def test_two_renders_are_byte_identical(first_render):
    _, before = first_render
    render.render_report(REPORT, force=True)
    assert digests(OUT) == before


def test_unchanged_render_is_skipped_and_force_renders(first_render):
    again = render.render_report(REPORT)
    assert again.skipped
    assert render.render_report(REPORT, force=True).skipped is False


def test_manifest_records_inputs_parameters_code_and_timings(first_render):
    manifest = json.loads((OUT / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"period_2024_04_to_11", "snapshot_2024_01", "ehcp_2025"}
    for record in manifest["inputs"].values():
        path = PROJECT_ROOT / record["path"]
        if path.is_dir():  # the DfE release: each CSV's (or gzipped CSV's) name and hash
            files = sorted([*path.glob("*.csv"), *path.glob("*.csv.gz")])
            assert {f.name for f in files} == {"caseload.csv.gz", "sen_needs_all_plans.csv"}
            lines = "".join(
                f"{f.name}\0{hashlib.sha256(f.read_bytes()).hexdigest()}\n" for f in files
            )
            assert record["sha256"] == hashlib.sha256(lines.encode()).hexdigest()
        else:
            assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert record["rows"] > 1000
    assert manifest["definition"]["parameters"]["suppression_threshold"] == 5
    assert len(manifest["git"]["commit"] or "") in (0, 40)
    assert {"pandas", "weasyprint", "papermill"} <= set(manifest["environment"]["packages"])
    assert {"execute", "html", "pdf", "checks"} <= set(manifest["timings_seconds"])
    html = (OUT / "appendix.html").read_text()
    note = (OUT / "internal" / "qa-note.md").read_text()
    for record in manifest["inputs"].values():
        assert record["sha256"] in note, "the QA note gives every input's hash"
        assert record["sha256"] not in html, "members are not given hashes"
    assert "python -m pipeline render reports/25-00007.yml" in note
    assert "python -m pipeline" not in html


def test_verify_passes_then_catches_a_changed_figure(first_render, tmp_path):
    assert verify_report(OUT).ok
    copy = tmp_path / "25-00007"
    shutil.copytree(OUT, copy)
    figures = json.loads((copy / "figures.json").read_text())
    figures["figures"]["p24.placements.dps"]["value"] += 1
    (copy / "figures.json").write_text(json.dumps(figures))
    result = verify_report(copy)
    # the figure, and the published file that holds it, where it differs
    assert [d.item for d in result.differences] == ["p24.placements.dps", "figures.json"]
    assert result.differences[1].where.startswith("figures.p24.placements.dps.value: ")


def test_verify_refuses_when_an_input_changed(first_render, tmp_path):
    copy = tmp_path / "25-00007"
    shutil.copytree(OUT, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["inputs"]["snapshot_2024_01"]["sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VerifyError, match="has changed since the render"):
        verify_report(copy)


def test_failed_render_leaves_previous_outputs_intact(first_render, monkeypatch):
    before = digests(OUT)

    def broken(html):
        raise RuntimeError("PDF engine failed")

    import pipeline.document

    monkeypatch.setattr(pipeline.document, "build_pdf", broken)
    with pytest.raises(RuntimeError, match="PDF engine failed"):
        render.render_report(REPORT, force=True)
    assert digests(OUT) == before
    assert not list(OUT.glob(".staging-*"))


def test_fan_out_gives_one_report_per_district():
    definition = load_report_definition(PROJECT_ROOT / "reports" / "districts-2025.yml")
    variants = expand_fan_out(definition)
    assert len(variants) == 12
    assert variants[0]["filters"] == {"school_district": "Ashford"}
    assert len({v["id"] for v in variants}) == 12


def render_district(district: str, tmp_path) -> render.RenderResult:
    """One member of the district fan-out, rendered afresh into ``tmp_path``."""
    definitions = PROJECT_ROOT / "reports" / "districts-2025.yml"
    variants = expand_fan_out(load_report_definition(definitions))
    member = next(v for v in variants if v["filters"] == {"school_district": district})
    return render.render_report(
        definitions, variant=member, force=True, out_dir=tmp_path / "out", interim=tmp_path
    )


def test_every_district_member_renders_and_passes_its_checks():
    # small districts are where disclosure control has least room: each member must find
    # complements for every hidden cell (a refusal here once stopped Dover's render)
    results, failures = render.render_all(
        [PROJECT_ROOT / "reports" / "districts-2025.yml"], jobs=2, progress=False
    )
    assert failures == []
    assert len(results) == 12


def test_a_district_with_no_dps_placements_says_so_and_shows_no_average_for_dps(tmp_path):
    """Dartford has no DPS school: there is no DPS average, so no cost gap to state, and the
    cost tables show [x] (nothing to show), not [c] (something hidden), for DPS."""
    result = render_district("Dartford", tmp_path)
    html = (result.out_dir / "appendix.html").read_text(encoding="utf-8")
    figures = json.loads((result.out_dir / "figures.json").read_text())["figures"]
    assert "DPS: no placements." in html
    assert "difference is worth" not in html and "on average less per year" not in html
    assert not any(".avg_annual_cost.gap" in figure_id for figure_id in figures)
    for table in ("average_cost_by_need", "average_cost_by_phase"):
        path = next((result.out_dir / "tables").glob(f"{table}_*[!a].csv"))  # not .meta.csv
        with path.open(newline="", encoding="utf-8") as handle:
            dps = {row["avg_annual_cost_dps"] for row in csv.DictReader(handle)}
        assert dps == {"x"}, path.name


def test_batch_goes_past_a_failing_report_and_names_it(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        REPORT.read_text().replace("data/raw/snapshot_2024_01.csv", "data/raw/nowhere.csv")
    )
    results, failures = render.render_all([str(bad), str(REPORT)], jobs=2, progress=False)
    assert [r.report_id for r in results] == ["25-00007"]
    assert len(failures) == 1 and "nowhere.csv" in failures[0][1]


def test_cli_batch_prints_a_summary_of_failures(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        REPORT.read_text().replace("data/raw/snapshot_2024_01.csv", "data/raw/nowhere.csv")
    )
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "render", str(bad), str(REPORT)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 2
    assert "1 of 2 reports failed" in result.stderr
    assert "25-00007" in result.stdout
    assert "Traceback" not in result.stderr


def test_year_group_peaks_are_named_only_where_the_table_shows_them(tmp_path):
    """Dover's year-group table hides most of its DPS / non-DPS split: a peak whose count is
    hidden is not named (naming it would say something about the hidden count)."""
    result = render_district("Dover", tmp_path)
    html = (result.out_dir / "appendix.html").read_text(encoding="utf-8")
    path = next((result.out_dir / "tables").glob("year_group_*[!a].csv"))
    with path.open(newline="", encoding="utf-8") as handle:
        cells = {
            (r["year_group"], r["framework_status"]): r["placements"]
            for r in csv.DictReader(handle)
        }
    sentence = re.search(r"have the highest placement volumes overall([^.]*)\.", html)
    assert sentence, "the overall peaks (shown in the table) are named"
    year = r"(?:Year \d+|Reception|N\d)"
    clauses = re.findall(rf"({year}(?:(?:, | and ){year})*) in ([\w-]+) schools", sentence.group(1))
    for years, status in clauses:
        for year_label in re.findall(year, years):
            assert cells[(year_label, status)] != "c", (year_label, status)
    hidden_somewhere = {s for (y, s), v in cells.items() if v == "c"}
    assert hidden_somewhere, "Dover's table hides cells, so the test means something"
    assert "in Non-DPS schools" not in sentence.group(1)
