"""The cleaner: canonical columns, quarantine with reasons, duplicates, reconciliation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean import (
    CLEAN_SCHEMA,
    MissingColumnsError,
    clean_snapshot,
    parse_dates,
    parse_money,
    parse_ncy,
)
from pipeline.config import Framework, FrameworkCategory
from tests.conftest import raw_rows

DAY = dt.date(2025, 6, 30)


def run(raw: pd.DataFrame, **kwargs):
    kwargs.setdefault("framework", Framework())
    return clean_snapshot(raw, snapshot_date=DAY, salt="s", **kwargs)


def test_valid_rows_are_all_clean_and_match_the_schema():
    result = run(raw_rows(6))
    assert len(result.clean) == 6
    assert result.report["quarantined"] == 0
    CLEAN_SCHEMA.validate(result.clean)


def test_pupil_ids_are_pseudonymised_and_dates_of_birth_dropped():
    raw = raw_rows(3)
    result = run(raw)
    assert not set(raw["pupil_id"]) & set(result.clean["pupil_id"])
    assert "date_of_birth" not in result.clean
    assert result.clean["age"].notna().all()


def test_same_salt_gives_same_pseudonym_and_different_salt_does_not():
    a = clean_snapshot(raw_rows(2), framework=Framework(), snapshot_date=DAY, salt="one")
    b = clean_snapshot(raw_rows(2), framework=Framework(), snapshot_date=DAY, salt="one")
    c = clean_snapshot(raw_rows(2), framework=Framework(), snapshot_date=DAY, salt="two")
    assert a.clean["pupil_id"].tolist() == b.clean["pupil_id"].tolist()
    assert a.clean["pupil_id"].tolist() != c.clean["pupil_id"].tolist()


def test_identifier_columns_never_reach_clean_or_quarantine():
    raw = raw_rows(3)
    raw["Surname"] = ["Smith", "Jones", "Brown"]
    raw["UPN"] = ["A123", "B456", "C789"]
    raw.loc[0, "annual_fee"] = "lots"
    result = run(raw)
    text = result.clean.to_csv() + result.quarantine.to_csv()
    for planted in ("Smith", "Jones", "Brown", "A123", "SYN00000"):
        assert planted not in text
    assert sorted(result.report["identifier_columns_dropped"]) == ["Surname", "UPN"]


def test_bad_rows_are_quarantined_with_every_reason_and_source_row():
    raw = raw_rows(4)
    raw.loc[1, "annual_fee"] = "n/a"
    raw.loc[1, "placement_start"] = "sometime"
    raw.loc[2, "placement_end"] = "2020-01-01"  # before the start
    raw.loc[3, "framework_status"] = "Maybe"
    result = run(raw)
    q = result.quarantine.set_index("source_row")
    assert set(q.index) == {3, 4, 5}
    assert "annual_fee: fee is not a number" in q.loc[3, "reasons"]
    assert "placement_start: start date does not parse" in q.loc[3, "reasons"]
    assert "placement_end: before the start" in q.loc[4, "reasons"]
    assert "framework_status" in q.loc[5, "reasons"]
    assert result.report["clean"] == 1


def test_negative_fee_and_missing_required_value_are_quarantined():
    raw = raw_rows(3)
    raw.loc[0, "annual_fee"] = "-10"
    raw.loc[1, "school_urn"] = ""
    result = run(raw)
    assert result.report["reasons"] == {"annual_fee: negative": 1, "school_urn: missing": 1}


def test_identical_rows_are_counted_once_and_reconcile():
    raw = pd.concat([raw_rows(3), raw_rows(3).iloc[[0]]], ignore_index=True)
    result = run(raw)
    r = result.report
    assert r["duplicates"] == 1
    assert r["rows_in"] == 4 == r["clean"] + r["quarantined"] + r["duplicates"]


def test_blank_rows_are_skipped_not_counted():
    raw = pd.concat([raw_rows(2), pd.DataFrame([{c: "" for c in raw_rows(1)}])])
    result = run(raw)
    assert result.report["rows_in"] == 2
    assert result.report["blank_rows_skipped"] == 1


def test_missing_required_columns_are_named_with_closest_header():
    raw = raw_rows(2).rename(columns={"annual_fee": "Annual Fees Agreed"}).drop(columns="ncy")
    with pytest.raises(MissingColumnsError) as err:
        run(raw)
    message = str(err.value)
    assert "ncy" in message and "annual_fee" in message
    assert "Annual Fees Agreed" in message


def test_header_aliases_and_spelled_out_codes_are_accepted():
    raw = raw_rows(2).rename(
        columns={"pupil_id": "Child ID", "school_urn": "Provision URN", "ncy": "NCY"}
    )
    raw["primary_need"] = ["Autistic spectrum disorder", "Social, emotional and mental health"]
    raw["framework_status"] = ["On DPS", "Spot"]
    raw["NCY"] = ["Year 10", "R"]
    raw["placement_type"] = ["Day", "52-week residential"]
    raw["annual_fee"] = ["£54,460.00", "54460"]
    raw["date_of_birth"] = ["2009-01-01", "2020-01-01"]
    result = run(raw)
    clean = result.clean
    assert clean["primary_need"].tolist() == ["ASD", "SEMH"]
    assert clean["framework_status"].tolist() == ["DPS", "Non-DPS"]
    assert clean["ncy"].tolist() == [10, 0]
    assert clean["placement_type"].tolist() == ["day", "residential"]
    assert clean["annual_fee"].tolist() == [54460.0, 54460.0]


def test_blank_primary_need_becomes_not_recorded():
    raw = raw_rows(2)
    raw.loc[0, "primary_need"] = ""
    assert run(raw).clean["primary_need"].tolist()[0] == "Not recorded"


def test_framework_categories_come_from_configuration():
    lots = Framework(
        label="Framework lot",
        categories=[
            FrameworkCategory(name="Lot 1", contracted=True, aliases=["L1"]),
            FrameworkCategory(name="Lot 2", contracted=True),
            FrameworkCategory(name="Off-framework", aliases=["spot"]),
        ],
    )
    raw = raw_rows(3)
    raw["framework_status"] = ["L1", "lot 2", "Spot"]
    result = run(raw, framework=lots)
    assert result.clean["framework_status"].tolist() == ["Lot 1", "Lot 2", "Off-framework"]
    raw["framework_status"] = ["DPS", "Lot 1", "Lot 1"]
    assert run(raw, framework=lots).report["quarantined"] == 1


def test_plausibility_flags_are_kept_not_quarantined():
    raw = raw_rows(3)
    raw.loc[0, "annual_fee"] = "900000"
    raw.loc[1, "pupil_id"] = raw.loc[2, "pupil_id"]  # same pupil, overlapping open placements
    raw.loc[2, "school_urn"] = "990009"
    result = run(raw, fee_ceiling=350_000)
    assert len(result.clean) == 3
    flags = result.report["flags"]
    assert flags["fee above £350,000"] == 1
    assert flags["overlapping placement for the same pupil"] == 2


def test_year_group_that_does_not_fit_age_is_flagged():
    raw = raw_rows(1)
    raw.loc[0, "ncy"] = "2"  # a fifteen-year-old in Year 2
    raw.loc[0, "date_of_birth"] = "2010-01-01"
    assert "year group does not fit age" in run(raw).clean.loc[0, "flags"]


def test_date_parser_accepts_british_iso_spelled_and_excel_serial():
    values, bad = parse_dates(pd.Series(["2025-06-30", "30/06/2025", "30 June 2025", "45838"]))
    assert values.dt.date.astype(str).tolist() == ["2025-06-30"] * 4
    assert not bad.any()


def test_money_and_ncy_parsers_reject_what_they_cannot_read():
    assert parse_money(pd.Series(["abc"]))[1].tolist() == [True]
    assert parse_ncy(pd.Series(["Year 15", "Y-3", "N2"]))[0].tolist()[2] == -1
    assert parse_ncy(pd.Series(["Year 15"]))[1].tolist() == [True]


text_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(text_cells, min_size=17, max_size=17), min_size=0, max_size=12))
def test_no_generated_input_crashes_the_cleaner_or_breaks_reconciliation(cells):
    columns = list(raw_rows(1).columns)
    raw = pd.DataFrame(cells, columns=columns, dtype=str)
    result = run(raw)
    r = result.report
    assert r["rows_in"] == r["clean"] + r["quarantined"] + r["duplicates"]
    assert len(result.quarantine) == r["quarantined"]
