"""Councils are configuration: one file each, validated, and nothing else says which."""

import pytest
import yaml

from pipeline.config import PROJECT_ROOT, Geography, load_report_definition
from pipeline.councils import known_councils, load_council
from pipeline.errors import ReportDefinitionError


def test_every_council_file_is_valid_and_districts_do_not_repeat():
    for name in known_councils():
        council = load_council(name)
        assert len(set(council.districts)) == len(council.districts), name
        assert council.outside == f"Outside {council.name}"


def test_west_sussex_has_its_own_codes_region_and_seven_districts():
    council = load_council("west-sussex")
    assert (council.old_la_code, council.new_la_code) == ("938", "E10000032")
    assert (council.region_name, council.region_code) == ("South East", "E12000008")
    assert council.districts == (
        "Adur", "Arun", "Chichester", "Crawley", "Horsham", "Mid Sussex", "Worthing",
    )  # fmt: skip


def test_a_council_is_found_by_its_name_as_well_as_its_slug():
    assert load_council("West Sussex") == load_council("west-sussex")


def test_an_authoritys_codes_come_from_its_council_file_or_are_none():
    geography = Geography.of_authority("West Sussex")
    assert geography is not None
    assert (geography.la_name, geography.new_la_code, geography.region_code) == (
        "West Sussex", "E10000032", "E12000008",
    )  # fmt: skip
    assert Geography.of_authority("Narnia") is None


def test_an_unknown_council_names_the_known_ones():
    with pytest.raises(ReportDefinitionError, match="not known .*kent.*west-sussex"):
        load_council("Narnia")


def test_a_council_file_with_a_wrong_code_names_the_key(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(
        "name: X\nfull_name: X Council\nold_la_code: '12'\nnew_la_code: E10000001\n"
        "region_name: South East\nregion_code: E12000008\n"
    )
    with pytest.raises(ReportDefinitionError, match="old_la_code"):
        load_council(str(path))


def _definition(tmp_path, **changes):
    data = yaml.safe_load((PROJECT_ROOT / "reports" / "25-00065.yml").read_text())
    data.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del data[key]
    path = tmp_path / "d.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_definition_must_name_its_council(tmp_path):
    with pytest.raises(ReportDefinitionError, match="missing key 'council'"):
        load_report_definition(_definition(tmp_path, council=None))


def test_the_tidy_geography_comes_from_the_council_unless_given(tmp_path):
    definition = load_report_definition(_definition(tmp_path, council="west-sussex"))
    assert definition.geography.la_name == "West Sussex"
    assert definition.geography.new_la_code == "E10000032"
    assert definition.authority.full_name == "West Sussex County Council"


def test_a_district_fan_out_of_a_unitary_council_is_refused(tmp_path):
    path = _definition(tmp_path, council="portsmouth", fan_out={"column": "school_district"})
    with pytest.raises(ReportDefinitionError, match="no districts"):
        load_report_definition(path)


def test_district_sections_of_a_unitary_council_are_refused(tmp_path):
    with pytest.raises(ReportDefinitionError, match="sections.districts: Portsmouth has no"):
        load_report_definition(_definition(tmp_path, council="portsmouth"))
