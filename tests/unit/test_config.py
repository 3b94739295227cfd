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
    del data["title"]
    with pytest.raises(ReportDefinitionError, match="missing key 'title'"):
        load_report_definition(write(tmp_path, data))


def test_front_page_details_are_optional_but_the_appendix_needs_a_date(tmp_path):
    # an EqIA has no decision number and names no committee or meeting: left out, never
    # made up; the appendix is then dated by its render date
    data = sample()
    for key in ("decision_number", "committee", "meeting_date"):
        del data[key]
    data["parameters"].pop("render_date", None)
    with pytest.raises(ReportDefinitionError, match="the appendix needs a date"):
        load_report_definition(write(tmp_path, data))
    data["parameters"]["render_date"] = "2021-09-30"
    definition = load_report_definition(write(tmp_path, data))
    assert definition.decision_number is None and definition.committee is None
    assert definition.dated.isoformat() == "2021-09-30"


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


RESIDENTIAL = PROJECT_ROOT / "reports" / "res-2021.yml"


def test_each_placing_authority_member_carries_its_own_codes_and_others_keep_the_report_s():
    from pipeline.config import expand_fan_out

    members = {v["id"]: v for v in expand_fan_out(load_report_definition(RESIDENTIAL))}
    assert members["res-2021-portsmouth"]["geography"] == {
        "la_name": "Portsmouth",
        "new_la_code": "E06000044",
        "old_la_code": "851",
        "region_code": "E12000008",
        "region_name": "South East",
    }
    assert members["res-2021-west-sussex"]["geography"]["new_la_code"] == "E10000032"
    member = load_report_definition(RESIDENTIAL, members["res-2021-portsmouth"])
    assert member.geography.la_name == "Portsmouth"
    districts = expand_fan_out(load_report_definition(PROJECT_ROOT / "reports/districts-2025.yml"))
    assert all("geography" not in v for v in districts)  # districts of Kent stay Kent's


def test_an_authority_without_codes_is_refused_at_load_unless_the_definition_gives_them(tmp_path):
    data = yaml.safe_load(RESIDENTIAL.read_text(encoding="utf-8"))
    data["residential"]["partners"] = ["West Sussex", "Brighton and Hove"]
    data["fan_out"]["values"] = ["Kent", "Brighton and Hove"]
    for extract in data["inputs"].values():
        extract["path"] = str(PROJECT_ROOT / extract["path"])
    with pytest.raises(ReportDefinitionError) as caught:
        load_report_definition(write(tmp_path, data))
    message = str(caught.value)
    assert "r.yml" in message and "Brighton and Hove" in message
    assert "fan_out.geographies" in message
    codes = {"la_name": "Brighton and Hove", "new_la_code": "E06000043", "old_la_code": "846"}
    data["fan_out"]["geographies"] = {"Brighton and Hove": codes}
    definition = load_report_definition(write(tmp_path, data))
    assert definition.fan_out.geographies["Brighton and Hove"].old_la_code == "846"
