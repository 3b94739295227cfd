"""Project promises that are checkable from the files themselves."""

from __future__ import annotations

import re
import tomllib

import yaml

from pipeline.config import PROJECT_ROOT
from pipeline.reports.inmss.synth import write_samples


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    listed = set()
    for item in env["dependencies"]:
        if isinstance(item, dict):
            listed |= {_name(r) for r in item["pip"] if not r.startswith("-e")}
        else:
            listed.add(_name(item))
    listed -= {"python", "pip"}
    assert listed == wanted, (
        f"only in environment.yml: {sorted(listed - wanted)}; "
        f"only in pyproject.toml: {sorted(wanted - listed)}"
    )


def test_synthetic_samples_regenerate_byte_for_byte(tmp_path):
    written = write_samples(tmp_path)
    assert written
    for path in written:
        committed = PROJECT_ROOT / "data" / "raw" / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs from data/raw"


def test_sample_data_is_labelled_synthetic():
    readme = (PROJECT_ROOT / "data" / "raw" / "README.md").read_text().lower()
    assert "synthetic" in readme
    for path in (PROJECT_ROOT / "reports").glob("*.yml"):
        definition = yaml.safe_load(path.read_text())
        kinds = {i.get("kind") for i in definition["inputs"].values()}
        if kinds == {"ehcp_statistics"}:
            # only the DfE's published statistics (no child's record): they are not synthetic,
            # and saying so would be false
            assert definition["synthetic_data"] is False, path.name
            continue
        assert definition["synthetic_data"] is True, path.name


def test_makefile_has_the_targets_the_readme_promises():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for target in (
        "help",
        "setup",
        "report",
        "reports",
        "test",
        "lint",
        "lab",
        "bench",
        "verify",
        "clean",
    ):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_committed_notebooks_carry_no_outputs():
    import nbformat

    for path in (PROJECT_ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].metadata.get("tags") == ["parameters"], path.name
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert "def " not in cell.source and "read_" not in cell.source, path.name
            if "nbval-check-output" not in cell.metadata.get("tags", []):
                assert not cell.outputs, f"{path.name} has committed outputs"
