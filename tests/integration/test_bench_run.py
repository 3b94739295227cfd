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
