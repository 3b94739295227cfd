"""Committee table functions: expected, erroneous and edge cases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline import tables
from tests.conftest import KENT

CATS = ["DPS", "Non-DPS"]
FY = {"spend_start": dt.date(2024, 4, 1), "spend_end": dt.date(2025, 3, 31)}


def placements(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "pupil_id": [f"p{i}" for i in range(n)],
        "school_urn": [990001 + i for i in range(n)],
        "framework_status": ["DPS"] * n,
        "school_district": ["Thanet"] * n,
        "primary_need": ["ASD"] * n,
        "ncy": [9] * n,
        "placement_type": ["day"] * n,
        "annual_fee": [50_000.0] * n,
        "placement_start": pd.to_datetime(["2023-09-01"] * n),
        "placement_end": pd.to_datetime([None] * n),
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_framework_summary_counts_distinct_schools_and_all_placements():
    frame = placements(
        school_urn=[1, 1, 2, 3],
        framework_status=["DPS", "DPS", "DPS", "Non-DPS"],
        annual_fee=[40_000.0, 60_000.0, 50_000.0, 70_000.0],
    )
    table = tables.build_framework_summary(frame, categories=CATS)
    assert table.loc["DPS", "schools"] == 2
    assert table.loc["DPS", "placements"] == 3
    assert table.loc["DPS", "avg_annual_fee"] == 50_000
    assert table.loc["Total", "schools"] == 3
    assert table.loc["DPS", "placements_pct"] == pytest.approx(75)
    assert table.loc["Total", "schools_pct"] == 100


def test_school_with_two_statuses_counts_in_each_row_once_in_total():
    frame = placements(school_urn=[1, 1], framework_status=["DPS", "Non-DPS"])
    table = tables.build_framework_summary(frame, categories=CATS)
    assert table.loc["DPS", "schools"] == table.loc["Non-DPS", "schools"] == 1
    assert table.loc["Total", "schools"] == 1


def test_out_of_area_schools_are_counted_by_status():
    frame = placements(
        school_urn=[1, 2, 3],
        framework_status=["DPS", "Non-DPS", "Non-DPS"],
        school_district=["Out of area", "Out of area", "Dover"],
    )
    table = tables.build_framework_summary(frame, categories=CATS)
    assert table["out_of_area_schools"].tolist() == [1, 1, 2]
    assert table.loc["DPS", "out_of_area_pct"] == 50


def test_category_with_no_placements_shows_zero_not_error():
    table = tables.build_framework_summary(placements(ncy=[9]), categories=[*CATS, "Lot 3"])
    assert table.loc["Lot 3", "placements"] == 0
    assert pd.isna(table.loc["Lot 3", "avg_annual_fee"])


def test_full_year_placement_costs_its_annual_fee_and_part_year_is_pro_rated():
    frame = placements(
        annual_fee=[36_500.0, 36_500.0, 36_500.0],
        placement_start=pd.to_datetime(["2020-01-01", "2024-04-01", "2025-06-01"]),
        placement_end=pd.to_datetime([None, "2024-04-10", None]),
    )
    spend = tables.prorate_fees(frame, start=FY["spend_start"], end=FY["spend_end"])
    assert spend.tolist() == [36_500.0, 1_000.0, 0.0]


def test_spend_columns_appear_only_with_a_period():
    frame = placements(annual_fee=[36_500.0, 73_000.0], framework_status=["DPS", "Non-DPS"])
    plain = tables.build_framework_summary(frame, categories=CATS)
    assert "spend_gbp" not in plain
    table = tables.build_framework_summary(frame, categories=CATS, **FY)
    assert table.loc["Total", "spend_gbp"] == pytest.approx(109_500)
    assert table.loc["DPS", "spend_pct"] == pytest.approx(100 / 3)
    assert table.loc["Non-DPS", "avg_cost_per_placement"] == pytest.approx(73_000)


def test_summary_does_not_mutate_its_input():
    frame = placements(ncy=[9, 10])
    before = frame.copy()
    tables.build_framework_summary(frame, categories=CATS, **FY)
    pd.testing.assert_frame_equal(frame, before)


def test_day_provision_excludes_residential():
    frame = placements(placement_type=["day", "residential", "day"])
    assert len(tables.select_day_provision(frame)) == 2


def test_need_profile_orders_by_size_and_puts_not_recorded_last():
    frame = placements(primary_need=["Not recorded", "SEMH", "ASD", "ASD", "SEMH", "ASD"])
    profile = tables.build_need_profile(frame, categories=CATS)
    assert profile.index.tolist() == ["ASD", "SEMH", "Not recorded", "Total"]
    assert profile.loc["ASD", "pct"] == 50
    assert profile.loc["Total", "total"] == 6


def test_ncy_profile_covers_every_year_and_peaks_are_named_in_order():
    frame = placements(ncy=[10, 10, 9, 9, 9, 3])
    ncy = tables.build_ncy_profile(frame, categories=CATS)
    assert ncy.index.tolist() == list(range(-2, 15))
    assert ncy.loc[9, "DPS"] == 3
    assert tables.peak_year_groups(ncy, n=2) == [9, 10]
    assert tables.peak_year_groups(ncy, n=1) == [9]


def test_phase_profile_shares_sum_to_one_hundred():
    frame = placements(ncy=[0, 6, 7, 11, 12, 14, -1])
    phases = tables.build_phase_profile(frame, categories=CATS)
    assert phases.loc["Secondary (Years 7-11)", "total"] == 2
    assert phases.loc["Early years (N1-N2)", "total"] == 1
    assert phases.drop(index="Total")["pct"].sum() == pytest.approx(100)


def test_districts_without_a_contracted_school_ignore_out_of_area():
    frame = placements(
        school_urn=[1, 2, 3],
        school_district=["Dover", "Thanet", "Out of area"],
        framework_status=["DPS", "Non-DPS", "Non-DPS"],
    )
    table = tables.build_district_summary(
        frame, categories=CATS, contracted=["DPS"], districts=KENT.districts
    )
    lacking = tables.districts_without_contracted_school(table)
    assert "Dover" not in lacking and "Thanet" in lacking and "Out of area" not in lacking
    assert len(lacking) == 11
    assert table.loc["Total", "schools"] == 3
    assert table.loc["Total", "placements"] == 3


def test_cost_change_is_relative_to_the_earlier_average():
    earlier = pd.DataFrame({"avg_annual_fee": [50_000.0, 52_000.0]}, index=CATS)
    later = pd.DataFrame({"avg_annual_fee": [53_500.0, 52_000.0]}, index=CATS)
    change = tables.build_cost_change(earlier, later)
    assert change.loc["DPS", "change_pct"] == pytest.approx(7)
    assert change.loc["Non-DPS", "change_gbp"] == 0


def test_spend_history_keeps_unpublished_years_as_gaps():
    raw = pd.DataFrame(
        {
            "financial_year": ["2021/22", "2020/21"],
            "spend_gbp": ["", "49244606"],
            "basis": ["not published", "gross"],
            "source": ["", "21/00049"],
        }
    )
    history = tables.build_spend_history(raw)
    assert history["financial_year"].tolist() == ["2020/21", "2021/22"]
    assert pd.isna(history.loc[1, "spend_gbp"])
    assert history.loc[0, "spend_gbp_m"] == pytest.approx(49.244606)


def _profile(totals: dict[str, int], hidden: set[str]):
    from pipeline.present import Column, HtmlTable

    frame = pd.DataFrame({"total": pd.Series(totals, dtype=float)})
    frame.loc[tables.TOTAL] = frame["total"].sum()
    frame["pct"] = frame["total"] / frame.loc[tables.TOTAL, "total"] * 100
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    mask.loc[list(hidden)] = True
    columns = [Column("total", "Children"), Column("pct", "Share")]
    return HtmlTable(frame, caption="c", columns=columns, row_header="Ethnic group", mask=mask)


@pytest.mark.parametrize(
    ("hidden", "expected"),
    [
        (set(), "the largest ethnic group is White (80%)"),
        ({"Asian"}, "the largest ethnic group is White (80%)"),
        # with White hidden, Mixed (the largest shown) is not the largest: nothing is named
        ({"White", "Asian"}, None),
    ],
)
def test_the_largest_group_is_named_only_when_its_row_is_shown(hidden, expected):
    from types import SimpleNamespace

    from pipeline.reports.inmss.appendix import Appendix

    table = _profile({"White": 40, "Mixed": 8, "Asian": 2}, hidden)
    stub = SimpleNamespace(_text=lambda t, row, column: f"{t.frame.loc[row, column]:.0f}%")
    assert Appendix._largest_group(stub, table, "Ethnic group") == expected


def test_need_groups_cover_every_primary_need_once():
    from pipeline.vocabulary import PRIMARY_NEEDS

    codes = [code for _, _, group in tables.NEED_GROUPS for code in group]
    assert sorted(codes) == sorted(PRIMARY_NEEDS)
    grouped = tables.need_group_of(pd.Series(list(PRIMARY_NEEDS)))
    assert grouped.notna().all()
    assert grouped.nunique() == len(tables.NEED_GROUPS)
