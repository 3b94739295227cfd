"""Report definitions are validated on load; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import PROJECT_ROOT, ReportDefinitionError, load_report_definition

SAMPLE = PROJECT_ROOT / "reports" / "25-00065.yml"


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "r.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def sample() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "reports").glob("*.yml")))
def test_every_committed_report_definition_loads(path):
    definition = load_report_definition(path)
    assert definition.id == path.stem
    for extract in definition.inputs.values():
        assert extract.resolved_path().exists(), extract.path


def test_unknown_key_is_an_error_naming_the_key(tmp_path):
    data = sample()
    data["parameters"]["peak_year_group"] = 2
    with pytest.raises(ReportDefinitionError, match="unknown key 'parameters.peak_year_group'"):
        load_report_definition(write(tmp_path, data))


def test_wrong_type_is_an_error_naming_the_key(tmp_path):
    data = sample()
    data["meeting_date"] = "next Tuesday"
    with pytest.raises(ReportDefinitionError, match="meeting_date"):
        load_report_definition(write(tmp_path, data))


def test_missing_key_is_named(tmp_path):
    data = sample()
    del data["decision_number"]
    with pytest.raises(ReportDefinitionError, match="missing key 'decision_number'"):
        load_report_definition(write(tmp_path, data))


def test_section_naming_an_unknown_input_is_an_error(tmp_path):
    data = sample()
    data["sections"]["need_profile"] = "snapshot_1999"
    with pytest.raises(ReportDefinitionError, match="sections.need_profile names input"):
        load_report_definition(write(tmp_path, data))


def test_framework_categories_are_configuration(tmp_path):
    data = sample()
    data["framework"] = {
        "label": "Framework lot",
        "categories": [
            {"name": "Lot 1", "contracted": True},
            {"name": "Lot 2", "contracted": True},
            {"name": "Off-framework"},
        ],
    }
    definition = load_report_definition(write(tmp_path, data))
    assert definition.framework.names == ["Lot 1", "Lot 2", "Off-framework"]
    assert definition.framework.contracted == ["Lot 1", "Lot 2"]
    assert definition.framework.key("Off-framework") == "off_framework"


def test_missing_file_and_bad_yaml_are_clear(tmp_path):
    with pytest.raises(ReportDefinitionError, match="not found"):
        load_report_definition(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(ReportDefinitionError, match="not valid YAML"):
        load_report_definition(bad)
