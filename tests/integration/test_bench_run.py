"""``make bench`` end to end at a tiny size: every task runs in its own process and the figures
file holds each one and the judged targets (the timings themselves are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from pipeline.config import PROJECT_ROOT


def test_the_bench_writes_every_task_and_target(tmp_path):
    out = tmp_path / "clean.json"
    command = [sys.executable, "-m", "pipeline.bench", "--sizes", "400", "--xlsx-size", "120"]
    command += ["--repeats", "1", "--data", str(tmp_path), "--out", str(out)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    csv = results["csv"]["400"]
    assert set(csv) == {"file_mb", "reference", "floor", "pipeline"}
    assert csv["reference"]["rows"] == csv["floor"]["rows"] == csv["pipeline"]["rows"] == 400
    assert csv["pipeline"]["clean"] + csv["pipeline"]["quarantined"] <= 400
    assert results["xlsx"]["120"]["pipeline"]["rows"] == 120
    assert set(results["targets"]) == {
        "time_vs_reference",
        "time_vs_floor",
        "peak_memory_mb",
        "linear_growth",
    }
    assert "time_vs_floor:" in done.stdout and "floor s" in done.stdout


def test_the_render_bench_plain_script_builds_the_same_appendix_without_notebooks(tmp_path):
    """The render bench's reference (clean, sections, HTML, PDF, tables in one process) runs on
    the sample it times; it once fell out of step with the package and crashed ``make bench``."""
    command = [sys.executable, "-m", "pipeline.bench_render", "--plain-into", str(tmp_path)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert set(timings) == {"clean", "execute", "html", "pdf", "xlsx_csv", "total"}
    assert (tmp_path / "appendix.pdf").read_bytes().startswith(b"%PDF-")
    html = (tmp_path / "appendix.html").read_text(encoding="utf-8")
    data = sorted(p.stem for p in (tmp_path / "tables").glob("*.csv") if ".meta" not in p.name)
    assert len(data) >= 10 and (tmp_path / "tables.xlsx").stat().st_size > 0
    assert all((tmp_path / "tables" / f"{stem}.meta.csv").exists() for stem in data)
    assert html.count("<table") >= len(data)  # every published table is in the page
