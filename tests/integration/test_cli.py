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


# --- an author's own headers and spellings (issue 19)


def _own_export(tmp_path):
    """A placements export whose URN and need headers, and two need spellings, no table knows."""
    text = (PROJECT_ROOT / "data" / "raw" / "snapshot_2025_06_30.csv").read_text()
    lines = text.splitlines()
    lines[0] = lines[0].replace("school_urn", "DfE No").replace("primary_need", "Main Difficulty")
    body = "\n".join(lines[:41]) + "\n"
    body = body.replace(",ASD,", ",Autism (diagnosed),")
    path = tmp_path / "own.csv"
    path.write_text(body)
    return path


def test_clean_names_the_yaml_line_to_add_and_the_config_with_it_cleans(tmp_path):
    export = _own_export(tmp_path)
    common = ["--council", "kent", "--snapshot-date", "2025-06-30"]
    result = run("clean", str(export), "--out", str(tmp_path / "a"), *common)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "to a YAML file passed with --config FILE" in result.stderr
    line = result.stderr.split("add the line  ")[1].split("  to a YAML")[0]
    assert line.startswith("columns: {") and "school_urn" in line and "primary_need" in line
    # the author fills in the headers the message could not guess, and adds the spelling
    config = yaml.safe_load(line)
    config["columns"] = {"DfE No": "school_urn", "Main Difficulty": "primary_need"}
    path = tmp_path / "clean.yml"
    path.write_text(yaml.safe_dump(config))
    result = run("clean", str(export), "--out", str(tmp_path / "b"), "--config", str(path), *common)
    assert result.returncode == 0, result.stderr  # cleaned, but more than a fifth held back
    assert "23 quarantined" in result.stdout and "23 primary_need: unrecognised" in result.stdout
    assert result.stderr.startswith("warning:") and "23 of 40 rows (57%)" in result.stderr
    config["values"] = {"primary_need": {"Autism (diagnosed)": "ASD"}}
    path.write_text(yaml.safe_dump(config))
    result = run("clean", str(export), "--out", str(tmp_path / "c"), "--config", str(path), *common)
    assert result.returncode == 0, result.stderr
    assert "40 rows read, 40 clean" in result.stdout
    assert "'DfE No' -> school_urn: named in columns: in the configuration" in result.stdout


def test_a_report_definition_takes_columns_and_values_and_its_error_names_the_input(tmp_path):
    from pipeline import io
    from pipeline.config import load_report_definition
    from pipeline.ingest import InputFileError

    export = _own_export(tmp_path)
    data = yaml.safe_load((PROJECT_ROOT / "reports" / "25-00065.yml").read_text())
    name = "snapshot_2025_06_30"
    data["inputs"][name]["path"] = str(export)
    path = tmp_path / "report.yml"
    path.write_text(yaml.safe_dump(data))
    try:
        io.clean_inputs(load_report_definition(path), tmp_path / "interim")
    except InputFileError as exc:
        message = str(exc)
    assert f"under inputs.{name} in the report definition" in message
    assert "columns: {" in message and "\n" not in message
    data["inputs"][name]["columns"] = {"DfE No": "school_urn", "Main Difficulty": "primary_need"}
    data["inputs"][name]["values"] = {"primary_need": {"Autism (diagnosed)": "ASD"}}
    path.write_text(yaml.safe_dump(data))
    counts = io.clean_inputs(load_report_definition(path), tmp_path / "interim")
    counts = counts.loc[data["inputs"][name]["label"]]
    assert counts["clean"] == 40 and counts["quarantined"] == 0
    report = io.read_cleaning_report(tmp_path / "interim" / name)
    taken = {d["header"]: d["column"] for d in report.column_decisions}
    assert taken["DfE No"] == "school_urn" and taken["Main Difficulty"] == "primary_need"


def test_a_value_mapped_to_something_that_is_not_a_value_is_an_error(tmp_path):
    export = _own_export(tmp_path)
    path = tmp_path / "clean.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "columns": {"DfE No": "school_urn", "Main Difficulty": "primary_need"},
                "values": {"primary_need": {"Autism (diagnosed)": "Autistic-ish"}},
            }
        )
    )
    result = run(
        "clean", str(export), "--out", str(tmp_path / "x"), "--config", str(path),
        "--council", "kent",
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "maps to 'Autistic-ish', which is not a value of primary_need" in result.stderr
    assert "ASD, DS, HI" in result.stderr
