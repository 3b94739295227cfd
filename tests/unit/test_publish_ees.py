"""The published tidy files in the EES form: each row's own time and area, harmonised names
and values, part-year months, filter defaults and units (``publish.tidy_csv``); and the form
the disclosure audit reads, the table as printed (``standard=False``)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest

from pipeline import publish
from pipeline.present import Column, HtmlTable
from tests.fixtures.ees_screener import failures, screen

KENT = publish.Geography(
    la_name="Kent",
    new_la_code="E10000016",
    old_la_code="886",
    region_code="E12000008",
    region_name="South East",
)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _table(
    frame: pd.DataFrame, name: str, row_header: str, *columns: Column, total: bool = True
) -> HtmlTable:
    """A published table of ``frame``: its name as caption, a Total row only if ``total``."""
    return HtmlTable(
        frame,
        caption=name,
        columns=list(columns),
        row_header=row_header,
        total_row="Total" if total else None,
        name=name,
    )


def _payload(table: HtmlTable, row_filter: str, **extra) -> dict:
    return publish.table_payload(
        table,
        row_filter=row_filter,
        time_period=extra.pop("time_period", "2025"),
        time_identifier=extra.pop("time_identifier", "June"),
        source="",
        **extra,
    )


def _screened(tmp_path, data: str, meta: str) -> list[str]:
    (tmp_path / "t.csv").write_text(data, encoding="utf-8")
    (tmp_path / "t.meta.csv").write_text(meta, encoding="utf-8")
    found = screen(tmp_path / "t.csv", tmp_path / "t.meta.csv", full=True)
    return [f"{f.check}: {f.message}" for f in failures(found)]


def test_years_in_rows_become_each_row_s_time_period(tmp_path):
    frame = pd.DataFrame({"spend_gbp": [27911115.0, 34167515.0]}, index=["2017-18", "2018-19"])
    table = _table(
        frame, "spend", "Financial year", Column("spend_gbp", "Spend", unit="£"), total=False
    )
    times = publish.financial_years("financial_year", frame.index)
    payload = _payload(table, "financial_year", row_time=times, time_period="")
    data, meta = publish.tidy_csv(payload, KENT)
    rows = _rows(data)
    assert [(r["time_period"], r["time_identifier"]) for r in rows] == [
        ("201718", "Financial year"),
        ("201819", "Financial year"),
    ]
    assert "financial_year" not in rows[0]  # the year is the row's time, not a filter
    assert _screened(tmp_path, data, meta) == []
    # the audit reads the table as printed: one row per printed year, keyed by it
    printed, _ = publish.tidy_csv(payload, KENT, standard=False)
    assert [r["financial_year"] for r in _rows(printed)] == ["2017-18", "2018-19"]


def test_areas_in_rows_carry_their_own_codes_and_a_total_that_is_no_area_is_left_out(tmp_path):
    frame = pd.DataFrame(
        {"children": [75.0, 52.0, 127.0]}, index=["Kent", "West Sussex (illustrative)", "Total"]
    )
    table = _table(frame, "partners", "Authority", Column("children", "Children"))
    areas = {
        "Kent": {"la_name": "Kent", "new_la_code": "E10000016", "old_la_code": "886",
                 "region_code": "E12000008", "region_name": "South East"},
        "West Sussex (illustrative)": {
            "la_name": "West Sussex", "new_la_code": "E10000032", "old_la_code": "938",
            "region_code": "E12000008", "region_name": "South East"},
    }  # fmt: skip
    payload = _payload(table, "authority", row_geography={"column": "authority", "areas": areas})
    data, meta = publish.tidy_csv(payload, KENT)
    rows = _rows(data)
    assert [(r["la_name"], r["new_la_code"], r["children"]) for r in rows] == [
        ("Kent", "E10000016", "75"),
        ("West Sussex", "E10000032", "52"),
    ]
    assert _screened(tmp_path, data, meta) == []
    printed, _ = publish.tidy_csv(payload, KENT, standard=False)
    printed_rows = [r["authority"] for r in _rows(printed)]
    assert printed_rows == ["Kent", "West Sussex (illustrative)", "Total"]


def test_a_region_and_england_row_are_at_their_own_level():
    frame = pd.DataFrame({"plans": [20635.0, 110014.0, 638745.0]}, index=["Kent", "SE", "England"])
    table = _table(frame, "areas", "Area", Column("plans", "EHC plans"), total=False)
    areas = {
        "Kent": KENT.__dict__,
        "SE": {"region_code": "E12000008", "region_name": "South East"},
        "England": {},
    }
    payload = _payload(table, "area", row_geography={"column": "area", "areas": areas})
    rows = _rows(publish.tidy_csv(payload, KENT)[0])
    assert [r["geographic_level"] for r in rows] == ["Local authority", "Regional", "National"]
    assert (rows[2]["region_code"], rows[2]["la_name"]) == ("", "")


def test_harmonised_names_and_values_and_a_default_for_a_filter_without_a_total(tmp_path):
    frame = pd.DataFrame(
        {"placements": [928.0, 120.0, 1048.0]}, index=["ASD", "Not recorded", "Total"]
    )
    table = _table(frame, "need", "Primary need", Column("placements", "Placements"))
    data, meta = publish.tidy_csv(_payload(table, "primary_need"), KENT)
    rows = _rows(data)
    assert [r["sen_primary_need"] for r in rows] == [
        "Autistic spectrum disorder",
        "Unknown",
        "Total",
    ]
    assert _rows(meta)[0]["filter_default"] == "Total"
    assert _screened(tmp_path, data, meta) == []
    ethnic = _table(
        pd.DataFrame({"placements": [50.0, 60.0]}, index=["Asian or Asian British", "Mixed"]),
        "ethnicity",
        "Ethnicity",
        Column("placements", "Placements"),
        total=False,
    )
    data, meta = publish.tidy_csv(_payload(ethnic, "ethnicity"), KENT)
    assert [r["ethnicity_major"] for r in _rows(data)] == [
        "Asian / Asian British",
        "Mixed / Multiple ethnic groups",
    ]
    # no Total: the first item is the filter's default, which EES then shows first
    assert _rows(meta)[0]["filter_default"] == "Asian / Asian British"
    assert _screened(tmp_path, data, meta) == []


def test_a_part_year_period_says_its_months_and_a_rank_has_no_unit(tmp_path):
    frame = pd.DataFrame(
        {"placements": [1159.0, 2069.0], "rank": [2.0, 27.0]}, index=["DPS", "Total"]
    )
    table = _table(
        frame,
        "period",
        "Status",
        Column("placements", "Placements"),
        Column("rank", "Rank", unit="rank"),
        total=False,
    )
    months = publish.months_covered(dt.date(2024, 4, 1), dt.date(2024, 11, 30))
    payload = _payload(
        table, "status", months=months, time_period="202425", time_identifier="Financial year"
    )
    data, meta = publish.tidy_csv(payload, KENT)
    labels = {m["col_name"]: m for m in _rows(meta)}
    assert labels["placements"]["label"] == "Placements (April to November 2024)"
    assert labels["rank"]["indicator_unit"] == ""
    assert _screened(tmp_path, data, meta) == []


def test_a_pupil_s_phase_is_not_published_as_the_school_phase_the_standards_name():
    table = _table(
        pd.DataFrame({"placements": [5.0, 7.0]}, index=["Primary (R-Year 6)", "Total"]),
        "phase",
        "Phase",
        Column("placements", "Placements"),
    )
    data, _ = publish.tidy_csv(_payload(table, "phase"), KENT)
    assert "year_group_band" in _rows(data)[0] and "education_phase" not in data


def test_a_financial_year_label_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a financial year"):
        publish.financial_year_period("2017")
