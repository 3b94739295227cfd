"""Each command imports what it uses and no more (checked in fresh processes; no timings)."""

import json
import subprocess
import sys

from pipeline import bench_startup
from pipeline.config import PROJECT_ROOT


def loaded_by(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}; {bench_startup._LOADED}"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_command_line_loads_no_data_library():
    assert loaded_by(bench_startup.ENTRY_POINTS["command line (--help)"]) <= {"pydantic"}


def test_clean_loads_no_plotting_pdf_workbook_or_hypothesis_code():
    loaded = loaded_by(bench_startup.ENTRY_POINTS["clean"])
    assert {"pandas", "pandera"} <= loaded  # it does load what it uses
    assert not loaded & {"matplotlib", "weasyprint", "gptables", "openpyxl", "hypothesis"}


def test_a_render_kernel_loads_no_pdf_workbook_or_hypothesis_code():
    for report_type in ("inmss", "residential"):
        loaded = loaded_by(bench_startup.ENTRY_POINTS[f"render kernel, {report_type}"])
        assert "matplotlib" in loaded  # its charts
        assert not loaded & {"weasyprint", "gptables", "hypothesis"}, report_type


def test_the_startup_bench_writes_every_figure_and_a_verdict(tmp_path):
    out = tmp_path / "startup.json"
    code = bench_startup.main(
        ["--sizes", "300", "--repeats", "1", "--data", str(tmp_path), "--out", str(out)]
    )
    assert code == 0
    results = json.loads(out.read_text())
    assert set(results["entry_points"]) == set(bench_startup.ENTRY_POINTS)
    entry = results["whole_process"]["300"]
    assert entry["rows"] == 300 and entry["clean_seconds"] > 0 and entry["reference_seconds"] > 0
    assert (tmp_path / "clean_300" / "clean.parquet").exists()  # the clean really ran
    assert set(results["target"]) == {"rows", "ratio", "target", "met"}
