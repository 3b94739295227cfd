"""The command line gives one clear error line, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import yaml

from pipeline.config import PROJECT_ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=PROJECT_ROOT
    )


def test_unknown_key_in_report_definition_is_one_error_line(tmp_path):
    data = yaml.safe_load((PROJECT_ROOT / "reports" / "25-00065.yml").read_text())
    data["colour"] = "blue"
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(data))
    result = run("render", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "unknown key 'colour'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_input_file_is_named(tmp_path):
    data = yaml.safe_load((PROJECT_ROOT / "reports" / "25-00065.yml").read_text())
    data["inputs"]["fy_2024_25"]["path"] = "data/raw/missing.csv"
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(data))
    result = run("render", str(path))
    assert result.returncode == 2
    assert "missing.csv" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_clean_command_writes_the_three_files(tmp_path):
    result = run(
        "clean",
        "--council",
        "kent",
        "data/raw/snapshot_2025_06_30.csv",
        "--out",
        str(tmp_path),
        "--snapshot-date",
        "2025-06-30",
    )
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tmp_path.iterdir()} >= {
        "clean.parquet",
        "quarantine.csv",
        "cleaning.json",
    }
    assert "1816 rows read" in result.stdout


def test_clean_command_without_a_council_says_how_to_name_one(tmp_path):
    result = run("clean", "data/raw/snapshot_2025_06_30.csv", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "no council is given" in result.stderr
    assert "--council NAME" in result.stderr and "west-sussex" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "clean.parquet").exists()


def test_clean_command_names_missing_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Child ID,Provision URN\n1,990001\n")
    result = run("clean", "--council", "kent", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "required columns missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_clean_tells_a_residential_placements_export_from_its_headers(tmp_path):
    result = run(
        "clean",
        "data/raw/residential/placements_2021_09_30.csv",
        "--out",
        str(tmp_path),
        "--snapshot-date",
        "2021-09-30",
    )
    assert result.returncode == 0, result.stderr
    assert "(residential_placements): 185 rows read" in result.stdout
    assert (tmp_path / "clean.parquet").exists()


def test_clean_refuses_headers_that_fit_two_kinds_and_says_how_to_choose(tmp_path):
    homes = (PROJECT_ROOT / "data" / "raw" / "residential" / "homes_2021_09_30.csv").read_text()
    placements = (PROJECT_ROOT / "data" / "raw" / "snapshot_2025_06_30.csv").read_text()
    header = homes.splitlines()[0] + "," + placements.splitlines()[0]
    both = tmp_path / "both.csv"
    both.write_text(header + "\n" + ",".join(["x"] * header.count(",")) + ",x\n")
    result = run("clean", str(both), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "more than one kind of export (placements, homes)" in result.stderr
    assert "--kind (placements or homes)" in result.stderr
    assert "Traceback" not in result.stderr


def test_clean_with_an_unknown_kind_lists_the_kinds(tmp_path):
    result = run(
        "clean", "data/raw/snapshot_2025_06_30.csv", "--kind", "beds", "--out", str(tmp_path)
    )
    assert result.returncode == 2
    assert "use one of: placements, homes, residential_placements" in result.stderr
