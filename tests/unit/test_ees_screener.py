"""The EES screener checks (tests/fixtures/ees_screener.py): a small valid data file and its
metadata pass every check, and a copy broken in one way is caught by the check for it."""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fixtures import ees_screener as screener

ENGLAND = {"country_code": "E92000001", "country_name": "England"}
SOUTH_EAST = {"region_code": "E12000008", "region_name": "South East"}
KENT = {"old_la_code": "886", "new_la_code": "E10000016", "la_name": "Kent"}
SEN = [
    ("Total", "Total"),
    ("Any special educational need", "Education, health and care plan"),
    ("Any special educational need", "SEN support / SEN without an EHC plan"),
]
ETHNICITIES = ["Total", "White", "Asian / Asian British"]
GEOGRAPHY_COLUMNS = [*ENGLAND, *SOUTH_EAST, *KENT]


@dataclass
class Pair:
    """A data file and its metadata, as rows, before they are written."""

    name: str = "pupils_sen"
    header: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    meta: list[dict[str, str]] = field(default_factory=list)
    meta_header: list[str] = field(default_factory=lambda: list(screener.REQUIRED_META_COLUMNS))
    data_name: str | None = None
    meta_name: str | None = None

    def write(self, folder: Path) -> tuple[Path, Path]:
        data = folder / (self.data_name or f"{self.name}.csv")
        meta = folder / (self.meta_name or f"{self.name}.meta.csv")
        for path, header, rows in (
            (data, self.header, self.rows),
            (meta, self.meta_header, self.meta),
        ):
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(header)
                writer.writerows([row.get(c, "") for c in header] for row in rows)
        return data, meta

    # Editing the data

    def set(self, column: str, value: str, where: Callable[[dict], bool] = lambda r: True) -> None:
        for row in self.rows:
            if where(row):
                row[column] = value

    def rename(self, old: str, new: str) -> None:
        self.header = [new if c == old else c for c in self.header]
        for row in self.rows:
            row[new] = row.pop(old)
        for row in self.meta:
            for key in ("col_name", "filter_grouping_column"):
                if row[key] == old:
                    row[key] = new

    def drop(self, column: str) -> None:
        self.header.remove(column)
        for row in self.rows:
            row.pop(column)

    def add_column(self, column: str, value: str = "") -> None:
        self.header.append(column)
        self.set(column, value)

    def add_row(self, **values: str) -> None:
        row = dict(self.rows[0])
        row.update(values)
        self.rows.append(row)

    # Editing the metadata

    def meta_row(self, col_name: str) -> dict[str, str]:
        return next(r for r in self.meta if r["col_name"] == col_name)

    def add_meta(self, col_name: str, col_type: str = "Filter", **values: str) -> None:
        row = dict.fromkeys(self.meta_header, "")
        row.update(col_name=col_name, col_type=col_type, label=col_name.capitalize())
        row.update(values)
        self.meta.append(row)


def valid_pair() -> Pair:
    """National, regional and Kent rows for two academic years, by SEN status and provision
    (a filter with its group) and ethnicity."""
    geographies = [
        {"geographic_level": "National", **ENGLAND},
        {"geographic_level": "Regional", **ENGLAND, **SOUTH_EAST},
        {"geographic_level": "Local authority", **ENGLAND, **SOUTH_EAST, **KENT},
    ]
    rows = []
    for period in ("202324", "202425"):
        for geography in geographies:
            for status, provision in SEN:
                for number, ethnicity in enumerate(ETHNICITIES):
                    rows.append(
                        {
                            "time_period": period,
                            "time_identifier": "Academic year",
                            **dict.fromkeys(GEOGRAPHY_COLUMNS, ""),
                            **geography,
                            "sen_status": status,
                            "sen_provision": provision,
                            "ethnicity_major": ethnicity,
                            "pupils": ["1250", "c", "17"][number],
                            "pupils_pct": ["100.0", "low", "z"][number],
                        }
                    )
    pair = Pair(header=list(rows[0]), rows=rows)
    pair.add_meta("sen_status", label="SEN status")
    pair.add_meta("sen_provision", label="SEN provision", filter_grouping_column="sen_status")
    pair.add_meta("ethnicity_major", label="Ethnicity", filter_hint="Major ethnic group")
    pair.add_meta("pupils", "Indicator", label="Pupils", indicator_dp="0")
    pair.add_meta("pupils_pct", "Indicator", label="Share of pupils", indicator_unit="%")
    pair.meta_row("pupils_pct")["indicator_dp"] = "1"
    return pair


def screen(pair: Pair, folder: Path, **kwargs) -> list[screener.Finding]:
    return screener.screen(*pair.write(folder), **kwargs)


def test_a_valid_pair_passes_every_check(tmp_path):
    assert screen(valid_pair(), tmp_path, full=True) == []


def test_the_lookups_come_from_the_ehcp_release():
    lookups = screener.lookups()
    assert lookups.countries == {("E92000001", "England")}
    assert lookups.regions == {
        (f"E1200000{n}", name)
        for n, name in enumerate(
            [
                "North East",
                "North West",
                "Yorkshire and The Humber",
                "East Midlands",
                "West Midlands",
                "East of England",
                "London",
                "South East",
                "South West",
            ],
            start=1,
        )
    }
    assert lookups.authorities[("886", "E10000016", "Kent")] == ("E12000008", "South East")
    assert lookups.authorities[("851", "E06000044", "Portsmouth")] == ("E12000008", "South East")
    assert len(lookups.authorities) >= 152


# Every check, with a copy of the valid pair broken in the way it catches -------------------

Breaker = Callable[[Pair], None]


def _meta(name: str, /, **values: str) -> Breaker:
    return lambda p: p.meta_row(name).update(values)


def _add_geography(level: str, code: str, name: str, rows: list[tuple[str, str]]) -> Breaker:
    """Add a level's columns (blank on the existing rows) and rows at that level."""

    def breaker(p: Pair) -> None:
        for column in (code, name):
            if column not in p.header:
                p.add_column(column)
        for code_value, name_value in rows:
            p.add_row(
                geographic_level=level,
                **dict.fromkeys(GEOGRAPHY_COLUMNS[2:], ""),
                **{code: code_value, name: name_value},
                ethnicity_major=f"{level} {code_value} {name_value}",
            )

    return breaker


def _rename_everywhere(old: str, new: str) -> Breaker:
    return lambda p: p.rename(old, new)


def _characteristics(group: str, values: list[str]) -> Breaker:
    def breaker(p: Pair) -> None:
        p.rename("ethnicity_major", "characteristic")
        for row, value in zip(p.rows, values * len(p.rows), strict=False):
            row["characteristic"] = value
        p.add_column("characteristic_group", group)
        p.add_meta("characteristic_group", label="Characteristic group")
        p.meta_row("characteristic")["filter_grouping_column"] = "characteristic_group"

    return breaker


def _mixed_levels(p: Pair) -> None:
    _add_geography("School", "school_urn", "school_name", [("100001", "A School")])(p)
    _add_geography("Provider", "provider_ukprn", "provider_name", [("10000001", "A Provider")])(p)


def _geography_columns(code: str, name: str) -> Breaker:
    def breaker(p: Pair) -> None:
        p.add_column(code)
        p.add_column(name)

    return breaker


BROKEN: list[tuple[str, str, Breaker]] = [
    # Check filenames
    ("check_filename_spaces", "FAIL", lambda p: setattr(p, "name", "pupils sen")),
    ("check_filename_special", "FAIL", lambda p: setattr(p, "name", "pupils+sen")),
    ("check_filenames_match", "FAIL", lambda p: setattr(p, "meta_name", "pupils_sen_meta.csv")),
    # Precheck columns
    ("check_col_dupes", "FAIL", lambda p: p.header.append("pupils")),
    ("precheck_col_req_meta", "FAIL", lambda p: p.meta_header.remove("filter_hint")),
    ("precheck_col_invalid_meta", "FAIL", lambda p: p.meta_header.append("notes")),
    ("precheck_col_req_data", "FAIL", lambda p: p.drop("country_name")),
    (
        "precheck_col_to_rows",
        "FAIL",
        lambda p: [p.add_meta(f"extra_{n}", "Indicator", indicator_dp="0") for n in range(6)],
    ),
    ("check_empty_rows", "FAIL", lambda p: p.rows.append({})),
    ("check_empty_cols", "FAIL", lambda p: p.add_column("region_label")),
    # Precheck cross-file
    ("precheck_cross_meta_to_data", "FAIL", lambda p: p.add_meta("sen_secondary_need")),
    (
        "precheck_cross_data_to_meta",
        "WARNING",
        lambda p: (p.add_column("notes"), p.set("notes", "new", lambda r: r["pupils"] == "c")),
    ),
    # Check columns
    ("check_col_names_spaces", "FAIL", _rename_everywhere("pupils_pct", "pupils pct")),
    ("check_col_snake_case", "WARNING", _rename_everywhere("pupils_pct", "pupilsPct")),
    ("check_col_var_start", "WARNING", _rename_everywhere("pupils_pct", "_pupils_pct")),
    ("check_col_ind_smushed", "FAIL", _rename_everywhere("pupils", "pupils_female")),
    (
        "check_col_var_characteristic",
        "WARNING",
        _rename_everywhere("ethnicity_major", "characteristic"),
    ),
    # Precheck meta
    ("precheck_meta_col_type", "FAIL", _meta("sen_status", col_type="filter")),
    ("precheck_meta_ob_unit", "FAIL", lambda p: p.add_meta("la_name")),
    ("precheck_meta_col_name", "FAIL", _meta("pupils", col_name="")),
    # Check meta
    ("check_meta_dupe_label", "FAIL", _meta("pupils_pct", label="Pupils")),
    ("check_meta_fil_grp", "FAIL", _meta("pupils", filter_grouping_column="sen_status")),
    (
        "check_meta_fil_grp_dupe",
        "FAIL",
        _meta("ethnicity_major", filter_grouping_column="sen_status"),
    ),
    (
        "check_meta_fil_grp_is_fil",
        "WARNING",
        lambda p: p.meta.remove(p.meta_row("sen_status")),
    ),
    ("check_meta_fil_grp_match", "FAIL", _meta("sen_provision", filter_grouping_column="sen_type")),
    (
        "check_meta_fil_grp_stripped",
        "FAIL",
        lambda p: p.set(
            "sen_status",
            "Any special educational need.",
            lambda r: r["sen_provision"] == "Education, health and care plan",
        ),
    ),
    ("check_meta_label", "FAIL", _meta("pupils", label=" ")),
    ("check_meta_filter_hint", "FAIL", _meta("pupils", filter_hint="Pupils on roll")),
    ("check_meta_geog_catch", "FAIL", _rename_everywhere("ethnicity_major", "region")),
    ("check_meta_indicator_dp", "FAIL", _meta("sen_status", indicator_dp="0")),
    ("check_meta_col_name_spaces", "FAIL", _rename_everywhere("pupils_pct", "pupils pct")),
    (
        "check_meta_col_name_dupe",
        "FAIL",
        lambda p: p.add_meta("pupils", "Indicator", label="Pupils again", indicator_dp="0"),
    ),
    ("check_meta_ind_dp_set", "WARNING", _meta("pupils", indicator_dp="")),
    ("check_meta_ind_dp_values", "FAIL", _meta("pupils", indicator_dp="1.5")),
    ("check_meta_ind_unit", "FAIL", _meta("sen_status", indicator_unit="%")),
    ("check_meta_ind_unit_validation", "FAIL", _meta("pupils", indicator_unit="rank")),
    ("check_meta_indicator_grouping", "FAIL", _meta("sen_status", indicator_grouping="Counts")),
    # Check general
    ("check_general_null", "FAIL", lambda p: p.set("pupils", "NA", lambda r: r["pupils"] == "c")),
    (
        "check_general_null",
        "WARNING",
        lambda p: p.set("pupils", "..", lambda r: r["pupils"] == "c"),
    ),
    # Precheck filters
    (
        "precheck_filter_not_singular",
        "FAIL",
        lambda p: (p.add_column("cohort", "Total"), p.add_meta("cohort")),
    ),
    # Precheck time
    (
        "precheck_time_period_num",
        "FAIL",
        lambda p: p.set("time_period", "2023/24", lambda r: r["time_period"] == "202324"),
    ),
    ("precheck_time_id_valid", "FAIL", lambda p: p.set("time_identifier", "Academic Year")),
    (
        "precheck_time_id_mix",
        "FAIL",
        lambda p: p.set(
            "time_identifier", "Financial year", lambda r: r["time_period"] == "202425"
        ),
    ),
    # Precheck geography
    (
        "precheck_geog_level",
        "FAIL",
        lambda p: p.set(
            "geographic_level", "Country", lambda r: r["geographic_level"] == "National"
        ),
    ),
    (
        "precheck_geog_level_present",
        "FAIL",
        lambda p: (p.drop("region_code"), p.drop("region_name")),
    ),
    # Check time
    ("check_time_period", "FAIL", lambda p: p.set("time_identifier", "Calendar year")),
    (
        "check_time_period_six",
        "FAIL",
        lambda p: p.set("time_period", "202325", lambda r: r["time_period"] == "202324"),
    ),
    # Check filters
    (
        "check_filter_defaults",
        "WARNING",
        lambda p: p.set("ethnicity_major", "All pupils", lambda r: r["ethnicity_major"] == "Total"),
    ),
    (
        "check_filter_group_level",
        "FAIL",
        lambda p: (
            p.meta_row("sen_provision").update(filter_grouping_column=""),
            p.meta_row("sen_status").update(filter_grouping_column="sen_provision"),
        ),
    ),
    (
        "check_filter_whitespace",
        "FAIL",
        lambda p: p.set("ethnicity_major", "White ", lambda r: r["ethnicity_major"] == "White"),
    ),
    (
        "check_filter_ob_total",
        "FAIL",
        lambda p: p.set("region_name", "All", lambda r: r["geographic_level"] == "Regional"),
    ),
    ("check_filter_blanks", "FAIL", lambda p: p.rows[1].update(ethnicity_major="")),
    # Check general
    ("check_general_dupes", "FAIL", lambda p: p.add_row(pupils="1251")),
    # Check geography
    ("check_geog_country_combos", "FAIL", lambda p: p.set("country_name", "ENGLAND")),
    (
        "check_geog_region_combos",
        "FAIL",
        lambda p: p.set("region_name", "South-East", lambda r: r["region_code"] == "E12000008"),
    ),
    (
        "check_geog_la_combos",
        "FAIL",
        lambda p: p.set("new_la_code", "E10000017", lambda r: r["la_name"] == "Kent"),
    ),
    ("check_geog_ward_combos", "WARNING", _geography_columns("ward_code", "ward_name")),
    ("check_geog_pcon_combos", "WARNING", _geography_columns("pcon_code", "pcon_name")),
    ("check_geog_lad_combos", "WARNING", _geography_columns("lad_code", "lad_name")),
    (
        "check_geog_lep_combos",
        "WARNING",
        _geography_columns(
            "local_enterprise_partnership_code", "local_enterprise_partnership_name"
        ),
    ),
    ("check_geog_lsip_combos", "WARNING", _geography_columns("lsip_code", "lsip_name")),
    (
        "check_geog_eda_combos",
        "WARNING",
        _geography_columns("english_devolved_area_code", "english_devolved_area_name"),
    ),
    (
        "check_geog_level_completed",
        "FAIL",
        lambda p: p.set("old_la_code", "", lambda r: r["pupils"] == "c" and r["la_name"]),
    ),
    (
        "check_geog_ignored_rows",
        "WARNING",
        _add_geography("School", "school_urn", "school_name", [("100001", "A School")]),
    ),
    ("check_geog_ignored_rows", "FAIL", _mixed_levels),
    (
        "check_geog_other_dupes",
        "FAIL",
        _add_geography("MAT", "trust_id", "trust_name", [("1", "A Trust"), ("2", "A Trust")]),
    ),
    ("check_geog_la_col_present", "FAIL", lambda p: p.drop("old_la_code")),
    ("check_geog_region_col_present", "FAIL", lambda p: p.drop("region_name")),
    (
        "check_geog_region_for_la",
        "WARNING",
        lambda p: p.set("region_code", "", lambda r: r["geographic_level"] == "Local authority"),
    ),
    (
        "check_geog_region_for_lad",
        "WARNING",
        _add_geography(
            "Local authority district", "lad_code", "lad_name", [("E07000105", "Ashford")]
        ),
    ),
    (
        "check_geog_na",
        "FAIL",
        _add_geography(
            "Opportunity area", "opportunity_area_code", "opportunity_area_name", [("x", "Unknown")]
        ),
    ),
    (
        "check_geog_na_code",
        "FAIL",
        _add_geography(
            "Opportunity area",
            "opportunity_area_code",
            "opportunity_area_name",
            [("E99", "Not available")],
        ),
    ),
    (
        "check_geog_other_code_dupes",
        "FAIL",
        _add_geography("MAT", "trust_id", "trust_name", [("1", "A Trust"), ("1", "B Trust")]),
    ),
    (
        "check_geog_overcompleted_cols",
        "FAIL",
        lambda p: (
            p.set("region_code", "E12000008", lambda r: r["geographic_level"] == "National")
            or p.set("region_name", "South East", lambda r: r["geographic_level"] == "National")
        ),
    ),
    (
        "check_geog_la_region",
        "FAIL",
        lambda p: (
            p.set("region_code", "E12000007", lambda r: r["la_name"] == "Kent")
            or p.set("region_name", "London", lambda r: r["la_name"] == "Kent")
        ),
    ),
    # Check indicators
    ("check_ind_invalid_entry", "FAIL", lambda p: p.rows[0].update(pupils="")),
    ("check_ind_obsolete_symbols", "WARNING", lambda p: p.rows[0].update(pupils="~")),
    ("check_ind_values", "FAIL", lambda p: p.rows[0].update(pupils="about 1,250")),
    # Check harmonised
    (
        "check_harmonised_variables",
        "FAIL",
        _rename_everywhere("sen_provision", "sen_provision_type"),
    ),
    ("check_harmonised_variables", "FAIL", _rename_everywhere("ethnicity_major", "ethnicity")),
    (
        "check_harmonised_eth_vals",
        "WARNING",
        lambda p: p.set(
            "ethnicity_major", "Asian", lambda r: r["ethnicity_major"].startswith("Asian")
        ),
    ),
    ("check_harmonised_eth_char_grp", "FAIL", _characteristics("Ethnic group", ETHNICITIES)),
    (
        "check_harmonised_eth_char_vals",
        "WARNING",
        _characteristics("Ethnicity Major", ["Total", "Asian"]),
    ),
    # Check API
    ("check_api_char_col_name", "WARNING", _rename_everywhere("pupils_pct", "share_" + "x" * 45)),
    ("check_api_char_col_label", "WARNING", _meta("pupils", label="P" * 101)),
    (
        "check_api_char_loc_code",
        "WARNING",
        lambda p: p.set("new_la_code", "E" * 31, lambda r: r["la_name"] == "Kent"),
    ),
    (
        "check_data_dict_fil_item",
        "WARNING",
        lambda p: p.set(
            "sen_provision", "EHC plan", lambda r: r["sen_provision"].startswith("Edu")
        ),
    ),
    (
        "check_api_char_filter_items",
        "WARNING",
        lambda p: p.set("ethnicity_major", "W" * 121, lambda r: r["ethnicity_major"] == "White"),
    ),
]


@pytest.mark.parametrize(
    ("check", "result", "breaker"),
    BROKEN,
    ids=[f"{check}-{result}-{n}" for n, (check, result, _) in enumerate(BROKEN)],
)
def test_a_broken_copy_is_caught_by_its_check(tmp_path, check, result, breaker):
    pair = copy.deepcopy(valid_pair())
    breaker(pair)
    found = screen(pair, tmp_path, full=True)
    assert any(f.check == check and f.result == result for f in found), found


def test_the_filter_item_limit_is_enforced(tmp_path, monkeypatch):
    monkeypatch.setattr(screener, "FILTER_ITEM_LIMIT", 2)
    found = screen(valid_pair(), tmp_path, full=True)
    assert [f.check for f in found] == ["check_filter_item_limit"]
    assert found[0].result == screener.WARNING


def test_every_check_has_a_broken_copy():
    tested = {check for check, *_ in BROKEN} | {"check_filter_item_limit"}
    assert set(screener.CHECK_NAMES) == tested


def test_filter_default_names_the_default_of_a_filter_without_total(tmp_path):
    pair = valid_pair()
    pair.set("sen_provision", "All provision", lambda r: r["sen_provision"] == "Total")
    defaults = [f for f in screen(pair, tmp_path, full=True) if f.check == "check_filter_defaults"]
    assert "sen_provision" in defaults[0].message
    pair.meta_header.append("filter_default")
    for row in pair.meta:
        row["filter_default"] = ""
    pair.meta_row("sen_provision")["filter_default"] = "All provision"
    assert "check_filter_defaults" not in {f.check for f in screen(pair, tmp_path, full=True)}


def test_both_styles_of_gss_ethnicity_pass():
    assert ("Asian/Asian British", "Indian") in screener.ETHNICITY_PAIRS
    assert ("Asian / Asian British", "Indian") in screener.ETHNICITY_PAIRS
    assert ("White", "Roma") in screener.ETHNICITY_PAIRS


def test_screening_stops_after_the_first_stage_that_fails(tmp_path):
    pair = valid_pair()
    pair.name = "pupils sen"  # a filename failure
    pair.rows[0]["pupils"] = ""  # and an indicator failure, stages later
    for name in ("first", "all"):
        (tmp_path / name).mkdir()
    first = screen(pair, tmp_path / "first")
    assert {f.stage for f in first} == {"Check filenames"}
    everything = {f.check for f in screen(pair, tmp_path / "all", full=True)}
    assert {"check_filename_spaces", "check_ind_invalid_entry"} <= everything


def test_warnings_do_not_stop_the_screening(tmp_path):
    pair = valid_pair()
    pair.meta_row("pupils")["indicator_dp"] = ""  # a WARNING in Check meta
    pair.rows[0]["pupils"] = ""  # a FAIL in Check indicators
    found = screen(pair, tmp_path)
    assert [f.check for f in screener.warnings(found)] == ["check_meta_ind_dp_set"]
    assert [f.check for f in screener.failures(found)] == ["check_ind_invalid_entry"]
