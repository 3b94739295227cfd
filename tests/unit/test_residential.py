"""Residential report: the cleaner of both exports, the table functions, the appendix sections
and the sample generator. Expected, erroneous and edge cases; no file is read but the samples."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import charts
from pipeline.clean import ExportFault, MissingColumnsError, match_columns
from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.ingest import read_export
from pipeline.reports.residential import appendix as res
from pipeline.reports.residential import charts as charts_residential
from pipeline.reports.residential.clean import (
    DISABLED_CHILDRENS_TEAM,
    HOMES_COLUMNS,
    PLACEMENTS_COLUMNS,
    clean_homes,
    clean_residential_placements,
)
from pipeline.reports.residential.synth import (
    HOMES_FILE,
    PLACEMENTS_FILE,
    PLANS,
    write_residential_samples,
)

AS_AT = dt.date(2021, 9, 30)
DEFINITION = PROJECT_ROOT / "reports" / "res-2021.yml"


# --------------------------------------------------------------------------- raw exports


def raw_homes(n: int = 6, **columns) -> pd.DataFrame:
    """``n`` valid homes: Kent homes in Thanet and Dover, and one in West Sussex."""
    base = {
        "ofsted_urn": [f"SCX{100001 + i}" for i in range(n)],
        "home_name": [f"Test Home {i}" for i in range(n)],
        "local_authority": ["Kent"] * (n - 1) + ["West Sussex"],
        "district": ["Thanet", "Dover"] * ((n - 1) // 2) + ["Thanet"] * ((n - 1) % 2) + [""],
        "registered_beds": ["4"] * n,
        "ofsted_rating": ["Good"] * n,
        "provider": ["Test Care Ltd"] * n,
        "provider_type": ["private"] * n,
    }
    base.update(columns)
    return pd.DataFrame(base, dtype=str)


def raw_placements(n: int = 8, **columns) -> pd.DataFrame:
    """``n`` valid Kent children, open on the snapshot date, in the first two test homes."""
    base = {
        "child_id": [f"SYNR{900000 + i}" for i in range(n)],
        "placing_authority": ["Kent"] * n,
        "home_urn": [f"SCX{100001 + i % 2}" for i in range(n)],
        "home_local_authority": ["Kent"] * n,
        "home_district": [""] * n,
        "age": [str(10 + i % 7) for i in range(n)],
        "sex": ["M", "F"] * (n // 2) + ["M"] * (n % 2),
        "ethnicity": ["White"] * n,
        "placement_start": ["2021-01-04"] * n,
        "placement_end": [""] * n,
        "weekly_cost": ["4500.00"] * n,
        "team": ["Children in Care"] * n,
        "distance_km": ["12.5"] * n,
    }
    base.update(columns)
    return pd.DataFrame(base, dtype=str)


def homes_of(raw: pd.DataFrame) -> pd.DataFrame:
    return clean_homes(raw, snapshot_date=AS_AT).clean


def placements_of(raw: pd.DataFrame) -> pd.DataFrame:
    return clean_residential_placements(raw, snapshot_date=AS_AT, salt="test").clean


def reconciles(report: dict) -> bool:
    return report["rows_in"] == report["clean"] + report["quarantined"] + report["duplicates"]


# --------------------------------------------------------------------------- cleaner: homes


def test_valid_homes_are_all_kept_with_canonical_columns_and_a_flags_column():
    result = clean_homes(raw_homes(), snapshot_date=AS_AT)
    assert len(result.clean) == 6 and result.report["quarantined"] == 0
    assert list(result.clean.columns) == ["source_row", *HOMES_COLUMNS, "flags"]
    assert result.clean["registered_beds"].dtype == "Int64"
    assert result.clean["source_row"].tolist() == list(range(2, 8))
    assert reconciles(result.report)


def test_home_headers_match_through_the_shared_matcher_with_the_homes_aliases():
    aliases = {name: spec.aliases for name, spec in HOMES_COLUMNS.items()}
    match = match_columns(["Setting URN", "URN", "Surname", "Notes"], aliases)
    assert match.mapping == {"URN": "ofsted_urn"}
    assert match.not_used == {"Setting URN": "ofsted_urn"}
    assert (match.identifiers, match.ignored) == (["Surname"], ["Notes"])


def test_home_headers_and_codes_are_read_in_their_usual_spellings():
    raw = raw_homes(
        3,
        local_authority=["Kent County Council", "KCC", "West Sussex County Council"],
        district=["Folkestone & Hythe", "shepway", ""],
        ofsted_rating=["RI", "requires improvement", "Not yet inspected"],
        provider_type=["Independent", "Charity", "LA"],
    ).rename(
        columns={
            "ofsted_urn": "URN",
            "home_name": "Home",
            "local_authority": "LA",
            "registered_beds": "Beds",
            "ofsted_rating": "Rating",
            "provider_type": "Sector",
        }
    )
    clean = homes_of(raw)
    assert clean["local_authority"].tolist() == ["Kent", "Kent", "West Sussex"]
    assert clean["district"].tolist()[:2] == ["Folkestone and Hythe"] * 2
    assert clean["ofsted_rating"].tolist()[0] == "Requires improvement to be good"
    assert clean["provider_type"].tolist() == ["private", "voluntary", "local authority"]


def test_unusable_homes_are_quarantined_with_every_reason():
    raw = raw_homes(
        4,
        ofsted_urn=["SCX100001", "12", "SCX100003", "SCX100004"],
        registered_beds=["4", "4", "0", "four"],
        home_name=["A", "B", "C", ""],
    )
    result = clean_homes(raw, snapshot_date=AS_AT)
    assert result.clean["ofsted_urn"].tolist() == ["SCX100001"]
    reasons = dict(zip(result.quarantine["source_row"], result.quarantine["reasons"], strict=True))
    assert reasons[3] == "ofsted_urn: not an Ofsted URN (SC and six digits)"
    assert "registered_beds" in reasons[4]
    assert "home_name: missing" in reasons[5] and "registered_beds" in reasons[5]
    assert reconciles(result.report)


def test_a_home_listed_twice_with_other_details_is_quarantined_but_an_exact_copy_is_a_duplicate():
    raw = raw_homes(3)
    raw = pd.concat([raw, raw.iloc[[0]], raw.iloc[[1]].assign(registered_beds="9")])
    result = clean_homes(raw.reset_index(drop=True), snapshot_date=AS_AT)
    assert result.report["duplicates"] == 1
    assert result.report["reasons"] == {
        "ofsted_urn: repeats an earlier home with different details": 1
    }
    assert len(result.clean) == 3 and reconciles(result.report)


def test_totals_and_blank_rows_are_not_homes():
    raw = pd.concat(
        [
            raw_homes(2),
            pd.DataFrame([{c: "" for c in HOMES_COLUMNS}]),
            pd.DataFrame([{"ofsted_urn": "Total", "registered_beds": "8"}]),
        ]
    ).fillna("")
    result = clean_homes(raw.reset_index(drop=True), snapshot_date=AS_AT)
    assert result.report["blank_rows_skipped"] == 1
    assert result.report["reasons"] == {"totals row": 1}
    assert reconciles(result.report)


def test_a_district_that_is_not_kents_is_flagged_and_left_blank():
    result = clean_homes(raw_homes(2, district=["Thanet", "Chichester"]), snapshot_date=AS_AT)
    assert result.clean["district"].isna().tolist() == [False, True]
    assert result.clean["flags"].tolist()[1] == "district: not a Kent district (left blank)"


def test_missing_required_home_columns_are_named_with_the_closest_header():
    raw = raw_homes().drop(columns=["registered_beds"]).assign(registered_bed="4")
    with pytest.raises(MissingColumnsError, match="registered_beds.*registered_bed"):
        clean_homes(raw, snapshot_date=AS_AT)


# --------------------------------------------------------------------------- cleaner: children


def test_child_ids_are_pseudonymised_the_same_way_with_the_same_salt():
    raw = raw_placements(3)
    first = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    again = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    other = clean_residential_placements(raw, snapshot_date=AS_AT, salt="t")
    ids = first.clean["child_id"].tolist()
    assert ids == again.clean["child_id"].tolist() != other.clean["child_id"].tolist()
    assert all(len(i) == 16 for i in ids) and not set(raw["child_id"]) & set(ids)
    assert first.report["pseudonymisation"]["salt_source"] == "configuration"


def test_identifier_columns_are_dropped_and_never_written():
    raw = raw_placements(2).assign(Forename=["Jane", "John"], Postcode=["CT9 1AA", "ME1 2BB"])
    result = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    assert result.report["identifier_columns_dropped"] == ["Forename", "Postcode"]
    written = result.clean.to_csv() + result.quarantine.to_csv()
    assert "Jane" not in written and "CT9" not in written


def test_unusable_placements_are_quarantined_with_reasons():
    raw = raw_placements(
        6,
        placement_start=["2021-01-04", "soon", "2021-05-01", "2021-01-04", "2021-01-04", ""],
        placement_end=["", "", "2021-04-01", "", "", ""],
        weekly_cost=["4500", "4500", "4500", "-10", "TBC", "4500"],
        home_urn=["SCX100001"] * 4 + [""] * 2,
        home_local_authority=["Kent"] * 4 + ["", "Medway"],
    )
    result = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    reasons = dict(zip(result.quarantine["source_row"], result.quarantine["reasons"], strict=True))
    assert reasons == {
        3: "placement_start: start date does not parse",
        4: "placement_end: before the start",
        5: "weekly_cost: negative",
        6: "weekly_cost: not a number; home_urn and home_local_authority: both blank, so where "
        "the home is is unknown",
        7: "placement_start: missing",
    }
    assert len(result.clean) == 1 and reconciles(result.report)
    assert result.quarantine["child_id"].str.len().eq(16).all()


def test_the_disabled_childrens_team_is_recognised_in_its_spellings_and_other_teams_kept():
    raw = raw_placements(
        4,
        team=["DCT", "Disabled Children and Young People's Service", "Leaving Care", "cic"],
    )
    clean = placements_of(raw)
    assert clean["team"].tolist() == [
        DISABLED_CHILDRENS_TEAM,
        DISABLED_CHILDRENS_TEAM,
        "Leaving Care",
        "Children in Care",
    ]


def test_a_date_of_birth_gives_a_missing_age_and_is_then_dropped():
    raw = raw_placements(2, age=["", "15"]).assign(DOB=["2007-10-01", "2000-01-01"])
    result = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    assert result.clean["age"].tolist() == [13, 15]
    assert "date_of_birth" not in result.clean and "date_of_birth" not in result.quarantine
    assert result.report["flags"] == {"age does not fit the date of birth": 1}


def test_plausibility_flags_keep_the_row():
    raw = raw_placements(
        3,
        child_id=["A", "A", "B"],
        sex=["M", "M", "Q"],
        distance_km=["12 km", "-4", ""],
        weekly_cost=["30000", "4500", "4500"],
    )
    result = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    assert len(result.clean) == 3
    assert result.clean["distance_km"].tolist()[0] == 12.0
    assert result.clean["sex"].tolist()[2] == "Other or not recorded"
    flags = result.report["flags"]
    assert flags["overlapping placement for the same child"] == 2
    assert flags["weekly_cost above £25,000"] == 1
    assert flags["distance_km: not a distance (left blank)"] == 1


def test_an_exact_duplicate_child_row_is_counted_not_kept_or_flagged_as_an_overlap():
    raw = raw_placements(3)
    raw = pd.concat([raw, raw.iloc[[0]]], ignore_index=True)
    result = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    assert result.report["duplicates"] == 1 and len(result.clean) == 3
    assert result.report["flags"] == {}


def test_the_placements_report_has_the_cleaning_keys_of_the_inmss_cleaner():
    report = clean_residential_placements(raw_placements(), snapshot_date=AS_AT).report
    for key in (
        "rows_in",
        "clean",
        "quarantined",
        "duplicates",
        "reasons",
        "flags",
        "identifier_columns_dropped",
        "pseudonymisation",
    ):
        assert key in report
    assert report["pseudonymisation"]["salt_source"] in ("environment", "ephemeral")


def test_missing_required_placement_columns_are_named():
    with pytest.raises(MissingColumnsError, match="team"):
        clean_residential_placements(raw_placements().drop(columns=["team"]), snapshot_date=AS_AT)


text_cells = st.one_of(
    st.sampled_from(["", " ", "Kent", "SCX100001", "DCT", "2021-01-01", "£4,500", "-1", "Total"]),
    st.text(max_size=8),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(text_cells, min_size=13, max_size=13), min_size=0, max_size=10))
def test_no_generated_placements_crash_the_cleaner_or_break_reconciliation(cells):
    raw = pd.DataFrame(cells, columns=list(PLACEMENTS_COLUMNS)[:6] + list(raw_placements(1))[6:])
    try:
        result = clean_residential_placements(raw.astype(str), snapshot_date=AS_AT, salt="s")
    except ExportFault as exc:  # nearly every row unusable: one line, then what cleaning did
        assert "would be quarantined" in str(exc) and "\n" not in str(exc)
        result = clean_residential_placements(
            raw.astype(str), snapshot_date=AS_AT, salt="s", refuse_nearly_all=False
        )
    assert reconciles(result.report)
    assert len(result.quarantine) == result.report["quarantined"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(text_cells, min_size=8, max_size=8), min_size=0, max_size=10))
def test_no_generated_homes_crash_the_cleaner_or_break_reconciliation(cells):
    raw = pd.DataFrame(cells, columns=list(HOMES_COLUMNS))
    try:
        result = clean_homes(raw.astype(str), snapshot_date=AS_AT)
    except ExportFault as exc:
        assert "would be quarantined" in str(exc) and "\n" not in str(exc)
        result = clean_homes(raw.astype(str), snapshot_date=AS_AT, refuse_nearly_all=False)
    assert reconciles(result.report)


# --------------------------------------------------------------------------- table functions


def test_placed_on_counts_a_placement_ending_on_the_day_but_not_one_starting_after():
    frame = pd.DataFrame(
        {
            "placement_start": pd.to_datetime(["2021-01-01", "2021-01-01", "2021-10-01"]),
            "placement_end": pd.to_datetime(["2021-09-30", "2021-09-29", None]),
        }
    )
    assert len(res.placed_on(frame, as_at=AS_AT)) == 1


def test_locate_takes_the_homes_export_over_the_placement_and_falls_back_to_it():
    homes = homes_of(raw_homes())
    placed = placements_of(
        raw_placements(
            3,
            home_urn=["SCX100001", "SCX999999", ""],
            home_local_authority=["Medway", "Essex", "Surrey"],
        )
    )
    located = res.locate(placed, homes)
    assert located["home_la"].tolist() == ["Kent", "Essex", "Surrey"]
    assert located["district"].tolist() == ["Thanet", None, None]
    assert located["in_homes_export"].tolist() == [True, False, False]


def test_capacity_by_district_lists_every_district_and_counts_children_in_area_only():
    homes = homes_of(raw_homes())
    placed = res.locate(
        placements_of(raw_placements(3, home_urn=["SCX100001", "SCX100006", "SCX100002"])), homes
    )
    table = res.build_capacity_by(
        homes,
        authority="Kent",
        by="district",
        order=["Dover", "Sevenoaks", "Thanet"],
        placed=placed,
    )
    assert table.index.tolist() == ["Dover", "Sevenoaks", "Thanet", "Total"]
    assert table["homes"].tolist() == [2, 0, 3, 5]
    assert table["children"].tolist() == [1, 0, 1, 2]  # the West Sussex home is not in Kent
    assert table.loc["Total", "share_of_beds_pct"] == pytest.approx(10.0)
    assert np.isnan(table.loc["Sevenoaks", "share_of_beds_pct"])


def test_capacity_of_an_authority_with_no_homes_is_zero_not_an_error():
    table = res.build_capacity_by(
        homes_of(raw_homes()), authority="Medway", by="ofsted_rating", order=["Good"]
    )
    assert table["homes"].tolist() == [0, 0]


def test_regional_comparison_counts_children_by_placing_authority_and_beds_by_home():
    homes = homes_of(raw_homes())
    placed = res.locate(
        placements_of(
            raw_placements(
                4,
                placing_authority=["Kent", "Kent", "West Sussex", "Kent County Council"],
                home_urn=["SCX100001", "SCX100006", "SCX100006", ""],
                home_local_authority=["", "", "", "Medway"],
            )
        ),
        homes,
    )
    table = res.build_regional_comparison(
        homes, placed, authorities=["Kent", "West Sussex", "Portsmouth"]
    )
    assert table.loc["Kent", ["children", "in_area", "out_of_area"]].tolist() == [3, 1, 2]
    assert table.loc["West Sussex", ["homes", "beds", "in_area"]].tolist() == [1, 4, 1]
    assert table.loc["Total", "children"] == 4
    assert np.isnan(table.loc["Portsmouth", "in_area_pct"])


def test_placement_location_groups_every_other_authority_as_elsewhere():
    placed = pd.DataFrame({"home_la": ["Kent", "Medway", "Essex", "West Sussex"]})
    table = res.build_placement_location(placed, authority="Kent", partners=["Kent", "West Sussex"])
    assert table["children"].to_dict() == {
        "Kent": 1,
        "West Sussex": 1,
        "Elsewhere": 2,
        "Total": 4,
    }


def test_bands_put_a_boundary_in_the_band_above():
    assert res.band(pd.Series([20.0, 50.0, np.nan]), res.DISTANCE_BANDS).tolist() == [
        "20-50 km",
        "50+ km",
        "Not recorded",
    ]
    months = res.months_in_placement(
        pd.DataFrame({"placement_start": pd.to_datetime(["2021-03-30", "2019-09-30"])}),
        as_at=AS_AT,
    )
    assert res.band(months, res.LENGTH_BANDS).tolist() == ["6 months to under 1 year"] + [
        "2 years or more"
    ]


def test_target_age_groups_follow_the_definition():
    groups = res.age_groups([12, 15])
    ages = pd.Series([11, 12, 15, 16], dtype="Int64")
    assert res.label_ages(ages, groups).tolist() == [
        "Under 12",
        "12 to 15 (target group)",
        "12 to 15 (target group)",
        "16 and over",
    ]


def test_cost_by_provider_type_marks_homes_outside_the_export_as_not_known():
    placed = pd.DataFrame(
        {
            "home_la": ["Kent", "Kent", "Essex"],
            "weekly_cost": [4000.0, 5000.0, 7000.0],
            "provider_type": ["private", "voluntary", None],
        }
    )
    table = res.build_cost_by_provider(placed, authority="Kent")
    assert table.index.tolist() == ["private", "voluntary", "Not known", "Total"]
    assert table.loc["Total", "avg_in_area"] == 4500.0
    assert table.loc["Not known", "avg_out_of_area"] == 7000.0


def test_profile_splits_in_area_and_out_of_area_and_keeps_every_listed_row():
    placed = pd.DataFrame({"home_la": ["Kent", "Medway"], "sex": ["M", None]})
    table = res.build_profile(placed, authority="Kent", column="sex", order=["F", "M"])
    assert table.index.tolist() == ["F", "M", "Not recorded", "Total"]
    assert table.loc["Total", ["in_area", "out_of_area", "total"]].tolist() == [1, 1, 2]


# --------------------------------------------------------------------------- the appendix


def sample_report(
    n_kent: int = 12,
    *,
    n_out: int = 6,
    authority: str = "Kent",
    dct: int = 2,
    small_west: int = 6,
) -> res.ResidentialAppendix:
    """A report over small in-memory data: ``n_kent`` Kent children in Kent, ``n_out`` in
    Essex, ``dct`` under the Disabled Children's Team, ``small_west`` West Sussex children."""
    homes = homes_of(raw_homes())
    n = n_kent + n_out + dct + small_west
    raw = raw_placements(
        n,
        placing_authority=["Kent"] * (n_kent + n_out + dct) + ["West Sussex"] * small_west,
        home_urn=["SCX100001"] * n_kent + [""] * n_out + ["SCX100002"] * dct + [""] * small_west,
        home_local_authority=["Kent"] * n_kent
        + ["Essex"] * n_out
        + ["Kent"] * dct
        + ["Hampshire"] * small_west,
        team=["Children in Care"] * (n_kent + n_out)
        + [DISABLED_CHILDRENS_TEAM] * dct
        + ["Children in Care"] * small_west,
    )
    return report_of(homes, raw, authority)


def report_of(homes: pd.DataFrame, raw: pd.DataFrame, authority: str) -> res.ResidentialAppendix:
    result = clean_residential_placements(raw, snapshot_date=AS_AT, salt="s")
    definition = load_report_definition(
        DEFINITION, {"filters": {"placing_authority": authority}, "fan_out": None}
    )
    cleaning = {
        "homes_2021_09_30": clean_homes(raw_homes(), snapshot_date=AS_AT).report,
        "placements_2021_09_30": result.report,
    }
    published = {"res21.share_of_kent_beds_pct": {"value": 12, "source": "004 Aims and Objectives"}}
    return res.ResidentialAppendix(
        definition, homes, result.clean, cleaning, authority=authority, published=published
    )


def test_a_figure_the_regional_comparison_hides_is_hidden_in_every_table_that_holds_it():
    # West Sussex has 2 children in its own homes. The comparison hides them, and Kent's 12
    # children in Kent as their complement in the column (with the column total shown, Kent's
    # 12 would give the 2 away); every Kent table holding that 12 must hide it as well.
    placed = {("Kent", "Kent"): 12, ("Kent", "Essex"): 6}
    placed |= {("West Sussex", "West Sussex"): 2, ("West Sussex", "Hampshire"): 7}
    raw = raw_placements(
        sum(placed.values()),
        placing_authority=[who for (who, _), n in placed.items() for _ in range(n)],
        home_urn=["SCX100001"] * 12 + [""] * 15,
        home_local_authority=[where for (_, where), n in placed.items() for _ in range(n)],
        team=["Children in Care"] * 27,
    )
    report = report_of(homes_of(raw_homes()), raw, "Kent")
    assert report.regional_mask.loc["Kent", "in_area"]
    assert report.regional_mask.loc["West Sussex", "in_area"]
    html = report.where_placed().to_html() + report.capacity().to_html()
    html += report.equality_profile().to_html()
    assert report.regional.loc["Kent", "in_area"] == 12
    for payload in report.published:
        if payload["name"] == "regional_comparison":
            continue
        columns = payload["tidy"]["columns"]
        for row in payload["tidy"]["rows"]:
            cells = dict(zip(columns, row, strict=True))
            inside = cells.get("home_location") in ("Kent", "In Kent")
            total_of_kent_homes = cells.get("district") == "Total" or (
                cells.get("ofsted_rating") == "Total"
            )
            if inside or total_of_kent_homes:
                assert cells.get("children") != 12, (payload["name"], cells)


def test_headline_figures_use_the_published_ids_and_leave_excluded_teams_out():
    report = sample_report()
    report.summary()
    figures = report.figures.as_dict()
    assert figures["res21.homes_in_kent"]["value"] == 5
    assert figures["res21.beds_in_kent"]["value"] == 20
    assert figures["res21.children_placed_in_kent"]["value"] == 12
    assert figures["res21.children_placed_outside_kent"]["value"] == 6
    assert figures["res21.share_of_kent_beds_pct"]["value"] == pytest.approx(60.0)
    assert report.excluded == 2
    assert list(report.key_figures()) == [
        "res21.homes_in_kent",
        "res21.beds_in_kent",
        "res21.children_placed_in_kent",
        "res21.share_of_kent_beds_pct",
        "res21.children_placed_outside_kent",
    ]


def test_a_small_count_hides_its_complement_and_neither_is_given_a_value():
    report = sample_report(n_out=2)
    html = report.summary().to_html()
    # 12 in Kent + 2 outside = 14: with the total shown, showing 12 would give the 2 away
    assert "had [c] children placed in homes in Kent and [c] in homes elsewhere" in html
    for hidden in ("res21.children_placed_in_kent", "res21.children_placed_outside_kent"):
        # listed as suppressed, so that a narrative naming it is told why it cannot print
        figure = report.figures[hidden]
        assert figure["value"] is None and figure["suppressed"] is True
    assert "res21.homes_in_kent" in report.figures  # homes are not children


def test_small_counts_never_reach_a_published_table():
    report = sample_report(n_out=2, small_west=2)
    html = "".join(
        part.to_html()
        for part in (
            report.summary(),
            report.capacity(),
            report.where_placed(),
            report.cohort(),
            report.equality_profile(),
            report.regional_comparison(),
        )
    )
    assert "[c]" in html
    counted = 0
    for payload in report.published:
        columns = payload["tidy"]["columns"]
        names = {name for name, _, unit, _ in payload["indicators"] if unit == ""}
        for row in payload["tidy"]["rows"]:
            for column, value in zip(columns, row, strict=True):
                if column not in names or column in ("homes", "registered_beds"):
                    continue
                if isinstance(value, int | float):
                    counted += 1
                    assert not 0 < value < 5, (payload["name"], column, value)
    assert counted


def test_a_member_authority_is_the_one_its_filter_names_and_partners_are_illustrative():
    report = sample_report(authority="West Sussex")
    html = report.summary().to_html()
    assert "The West Sussex figures are illustrative" in html
    assert report.figures["res21.children_placed_outside_west_sussex"]["value"] == 6
    assert "res21.children_placed_in_west_sussex" in report.figures
    table = report.regional_comparison().to_html()
    assert "West Sussex (illustrative)" in table and "Kent (illustrative)" not in table


def test_a_share_the_paper_rounded_another_way_is_explained():
    report = sample_report()
    report.summary()
    report.figures.add("res21.share_of_kent_beds_pct", 12.5, "percent_rounded", "share")
    sentence = report._printed_differently("res21.share_of_kent_beds_pct", 1)
    assert "The committee report rounds this share down to 12%" in sentence
    assert "004" not in sentence
    report.figures.add("res21.share_of_kent_beds_pct", 12.4, "percent_rounded", "share")
    assert report._printed_differently("res21.share_of_kent_beds_pct", 1) == ""


def test_definitions_state_the_exclusions_and_not_the_reconciliation():
    report = sample_report(dct=6)
    report.summary()
    section = report.data_quality().to_html()
    assert "Not counted: 0 placements of Kent children that were not open" in section
    assert "and 6 children under the Disabled Children&#x27;s Team" in section
    assert report.figures["res21.children_excluded_kent"]["value"] == 6
    # rows read, used and quarantined are for reviewers: the QA note, not the definitions
    assert "Rows read" not in section and "quarantined" not in section
    assert not any(k.startswith("quality.placements") for k in report.figures.as_dict())


def test_a_small_number_of_excluded_children_is_hidden_with_its_complement():
    report = sample_report(dct=2)
    html = report.summary().to_html() + report.data_quality().to_html()
    # no number at all, rather than a table's [c] in a sentence: 0 not open would give the 2
    # away, so neither is said, and the sentence says why
    assert "not counting children under the Disabled" in html
    assert "Not counted: placements of Kent children" in html
    assert "their numbers are not shown, to protect confidentiality" in html
    assert "[c] children under" not in html and "Not counted: [c]" not in html
    assert "res21.children_excluded_kent" not in report.figures
    assert "quality.tables_with_suppression" in report.figures
    # the definitions name every rule the suppression follows
    assert "worked out from its row or column total or from another table" in html
    assert "would be seen to hold fewer than 5 children together" in html


def test_an_authority_with_no_children_renders_every_section():
    report = sample_report(authority="Portsmouth")
    for section in (
        report.summary(),
        report.capacity(),
        report.where_placed(),
        report.cohort(),
        report.equality_profile(),
        report.regional_comparison(),
        report.data_quality(),
    ):
        assert section.to_html()


def test_load_refuses_filters_other_than_the_placing_authority(tmp_path):
    with pytest.raises(ValueError, match="only be filtered by placing_authority"):
        res.load(DEFINITION, tmp_path, {"filters": {"sex": "F"}})


def test_load_refuses_a_definition_that_is_not_residential(tmp_path):
    with pytest.raises(ValueError, match="not a residential report"):
        res.load(PROJECT_ROOT / "reports" / "25-00065.yml", tmp_path)


# --------------------------------------------------------------------------- charts


def test_beds_chart_names_the_district_with_the_most_beds_and_gives_every_number():
    table = pd.DataFrame({"homes": [2, 5], "beds": [6.0, 20.0]}, index=["Dover", "Thanet"])
    chart = charts_residential.plot_beds_by_district(
        table, authority="Kent", as_at="30 September 2021", source="Source: test."
    )
    assert chart.title == "Thanet has the most children's home beds in Kent, 77% of them"
    assert "Dover 6 beds in 2 homes; Thanet 20 beds in 5 homes" in chart.alt
    assert charts.to_svg(chart).startswith("<?xml")


def test_regional_chart_leaves_suppressed_counts_undrawn_and_says_so():
    table = pd.DataFrame(
        {"children": [14.0, 6.0], "in_area": [np.nan, 6.0], "out_of_area": [np.nan, 0.0]},
        index=["Kent", "West Sussex"],
    )
    chart = charts_residential.plot_regional_comparison(
        table,
        labels=["Kent", "West Sussex (illustrative)"],
        as_at="30 September 2021",
        source="Source: test.",
    )
    assert "not drawn" in chart.note
    assert "Kent: in own area suppressed and outside own area suppressed" in chart.alt
    assert chart.title.startswith("West Sussex (illustrative) placed the largest share")


@pytest.mark.parametrize(
    ("own", "title"),
    [
        ("Kent", "Kent placed the largest share of its children in its own area (56%)"),
        (
            "Portsmouth",
            "Portsmouth placed the smallest share of its children in its own area (36%)",
        ),
        (
            "West Sussex",
            "West Sussex placed 50% of its children in its own area, against 56% in Kent",
        ),
    ],
)
def test_the_regional_chart_says_where_the_reports_own_authority_stands(own, title):
    table = pd.DataFrame(
        {"children": [100.0, 50.0, 10.0], "in_area": [56.0, 18.0, 5.0]},
        index=["Kent", "Portsmouth", "West Sussex"],
    )
    table["out_of_area"] = table["children"] - table["in_area"]
    chart = charts_residential.plot_regional_comparison(
        table, labels=list(table.index), as_at="30 September 2021", source="Source: test.", own=own
    )
    assert chart.title == title
    assert title in chart.alt


# --------------------------------------------------------------------------- sample generator


def test_residential_samples_regenerate_byte_for_byte(tmp_path):
    written = write_residential_samples(tmp_path)
    assert [p.name for p in written] == [HOMES_FILE, PLACEMENTS_FILE]
    for path in written:
        committed = PROJECT_ROOT / "data" / "raw" / "residential" / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs"


@pytest.mark.parametrize("seed", [1, 20210930])
def test_kents_published_figures_hold_for_any_seed(tmp_path, seed):
    homes_path, placements_path = write_residential_samples(tmp_path, seed=seed)
    homes = clean_homes(read_export(homes_path), snapshot_date=AS_AT).clean
    cleaned = clean_residential_placements(read_export(placements_path), snapshot_date=AS_AT)
    placed = res.placed_on(cleaned.clean, as_at=AS_AT)
    dct = res.in_teams(placed, [DISABLED_CHILDRENS_TEAM])
    assert dct.sum() > 0  # some children for the report to exclude
    table = res.build_regional_comparison(
        homes, res.locate(placed.loc[~dct], homes), authorities=[p.authority for p in PLANS]
    )
    assert table.loc["Kent", ["homes", "beds", "in_area", "out_of_area"]].tolist() == [
        75,
        336,
        42,
        33,
    ]
    assert table.loc["Kent", "share_of_beds_pct"] == 12.5


def test_sample_homes_and_children_are_fictional():
    for name in (HOMES_FILE, PLACEMENTS_FILE):
        text = (PROJECT_ROOT / "data" / "raw" / "residential" / name).read_text()
        assert "SCX" in text
    homes = pd.read_csv(PROJECT_ROOT / "data" / "raw" / "residential" / HOMES_FILE, dtype=str)
    assert homes["ofsted_urn"].str.fullmatch(r"SCX\d{6}").all()
    children = pd.read_csv(
        PROJECT_ROOT / "data" / "raw" / "residential" / PLACEMENTS_FILE, dtype=str
    )
    assert children["child_id"].str.fullmatch(r"SYNR\d{6}").all()


def test_the_regional_chart_names_its_own_authority_plainly_and_a_partner_as_labelled():
    # a partner appendix's own authority is illustrative: its front page says so, and its
    # chart title names it plainly; the partner it is set against keeps its label
    table = pd.DataFrame(
        {"children": [100.0, 50.0, 10.0], "in_area": [20.0, 30.0, 5.0]},
        index=["Kent", "Portsmouth", "West Sussex"],
    )
    table["out_of_area"] = table["children"] - table["in_area"]
    chart = charts_residential.plot_regional_comparison(
        table,
        labels=["Kent", "Portsmouth (illustrative)", "West Sussex (illustrative)"],
        as_at="30 September 2021",
        source="Source: test.",
        own="West Sussex",
    )
    assert chart.title == (
        "West Sussex placed 50% of its children in its own area, against 60% in "
        "Portsmouth (illustrative)"
    )
