"""The cleaner: canonical columns, quarantine with reasons, duplicates, reconciliation."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import clean_engine
from pipeline.__main__ import main
from pipeline.clean import (
    SALT_ENV,
    MissingColumnsError,
    load_clean_config,
    parse_dates,
    parse_money,
    parse_ncy,
    parse_urn,
    pseudonymise,
    siphash24,
)
from pipeline.config import Framework, FrameworkCategory
from pipeline.ingest import InputFileError
from pipeline.reports.inmss import clean as inmss_clean
from pipeline.reports.inmss.clean import clean_schema, clean_snapshot
from tests.conftest import KENT, raw_rows

DAY = dt.date(2025, 6, 30)


def run(raw: pd.DataFrame, **kwargs):
    kwargs.setdefault("framework", Framework())
    kwargs.setdefault("council", KENT)
    return clean_snapshot(raw, snapshot_date=DAY, salt="s", **kwargs)


def test_valid_rows_are_all_clean_and_match_the_schema():
    result = run(raw_rows(6))
    assert len(result.clean) == 6
    assert result.report["quarantined"] == 0
    clean_schema(KENT.districts, KENT.outside).validate(result.clean)


def test_pupil_ids_are_pseudonymised_and_dates_of_birth_dropped():
    raw = raw_rows(3)
    result = run(raw)
    assert not set(raw["pupil_id"]) & set(result.clean["pupil_id"])
    assert "date_of_birth" not in result.clean
    assert result.clean["age"].notna().all()


def test_same_salt_gives_same_pseudonym_and_different_salt_does_not():
    a = clean_snapshot(
        raw_rows(2), framework=Framework(), council=KENT, snapshot_date=DAY, salt="one"
    )
    b = clean_snapshot(
        raw_rows(2), framework=Framework(), council=KENT, snapshot_date=DAY, salt="one"
    )
    c = clean_snapshot(
        raw_rows(2), framework=Framework(), council=KENT, snapshot_date=DAY, salt="two"
    )
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
    raw = raw_rows(2).rename(columns={"annual_fee": "Annual Fees Negotiated"})
    with pytest.raises(MissingColumnsError) as err:
        run(raw.drop(columns="ncy"))
    message = str(err.value)
    assert "ncy" in message and "annual_fee" in message
    assert "Annual Fees Negotiated" in message


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
    try:
        result = run(raw)
    except clean_engine.ExportFault as exc:  # nearly every row unusable: one line, then
        assert "would be quarantined" in str(exc) and "\n" not in str(exc)
        result = run(raw, refuse_nearly_all=False)  # what cleaning would have done
    r = result.report
    assert r["rows_in"] == r["clean"] + r["quarantined"] + r["duplicates"]
    assert len(result.quarantine) == r["quarantined"]


# --- values as real exports write them


def test_fees_must_group_thousands_by_three_and_accounting_brackets_are_negative():
    values, bad = parse_money(
        pd.Series(["£54,460.00", "GBP 1,000", "(1,250.50)", "54,46", "1.2e5", "£-10", "inf"])
    )
    assert values.tolist()[:3] == [54460.0, 1000.0, -1250.5]
    assert bad.tolist() == [False, False, False, True, True, False, True]
    assert values.tolist()[5] == -10.0


def test_year_groups_in_every_usual_spelling():
    values, bad = parse_ncy(pd.Series(["YR", "Year R", "NCY 10", "10.0", "Nursery 2", "Yr 7"]))
    assert values.tolist() == [0, 0, 10, 10, -1, 7]
    assert not bad.any()


def test_dates_reject_two_digit_years_and_impossible_ones():
    values, bad = parse_dates(
        pd.Series(["01/09/24", "31/02/2024", "01/01/0024", "2024-09-01T08:30:00", "1 Sept 2024"])
    )
    assert bad.tolist() == [True, True, True, False, False]
    assert values.dt.date.astype(str).tolist()[3:] == ["2024-09-01", "2024-09-01"]


def test_urns_with_a_leading_zero_or_five_digits_are_unusable():
    assert parse_urn(pd.Series(["991250", "991250.0", "012345", "12345"]))[1].tolist() == [
        False,
        False,
        True,
        True,
    ]


# --- pseudonyms


def test_siphash_matches_the_reference_test_vectors():
    key = bytes(range(16))
    messages = pyarrow.array(["", bytes(range(15)).decode(), bytes(range(8)).decode()])
    assert [hex(int(v)) for v in siphash24(messages, key)] == [
        "0x726fdb47dd0e0e31",  # SipHash paper, appendix A / reference vectors.h
        "0xa129ca6149be45e5",
        "0x93f5f5799a932462",
    ]


def test_siphash_agrees_with_pandas_own_siphash_on_many_ids():
    hashing = pytest.importorskip("pandas._libs.hashing")
    ids = np.array([f"CH{i}" * (i % 5) for i in range(500)], dtype=object)
    key = "0123456789abcdef"
    expected = hashing.hash_object_array(ids, key, "utf8")
    ours = siphash24(pyarrow.array(list(ids)), key.encode())
    assert (ours == expected).all()


def test_the_same_child_gets_the_same_pseudonym_however_the_id_is_spaced():
    ids = pd.Series(["CH1", " CH1", "CH1\u00a0", "CH2"])
    pseudonyms = pseudonymise(ids, salt="s").tolist()
    assert pseudonyms[0] == pseudonyms[1] == pseudonyms[2] != pseudonyms[3]


def test_salt_comes_from_the_environment_when_not_configured(monkeypatch):
    monkeypatch.setenv(SALT_ENV, "from-env")
    a = clean_snapshot(raw_rows(2), framework=Framework(), council=KENT, snapshot_date=DAY)
    b = clean_snapshot(
        raw_rows(2), framework=Framework(), council=KENT, snapshot_date=DAY, salt="from-env"
    )
    assert a.report["pseudonymisation"]["salt_source"] == "environment"
    assert a.clean["pupil_id"].tolist() == b.clean["pupil_id"].tolist()
    monkeypatch.delenv(SALT_ENV)
    c = clean_snapshot(raw_rows(2), framework=Framework(), council=KENT, snapshot_date=DAY)
    assert c.report["pseudonymisation"]["salt_source"] == "ephemeral"


# --- rows the cleaner must not guess about


def test_rows_identical_but_for_spacing_are_duplicates_and_listed():
    raw = pd.concat([raw_rows(3), raw_rows(3).iloc[[1]]], ignore_index=True)
    raw.loc[3, "school_name"] = "  Test  School 1 "
    result = run(raw)
    assert result.report["duplicates"] == 1
    assert result.report["duplicate_rows"] == [{"source_row": 5, "same_as": 3}]


def test_a_row_differing_from_another_in_one_value_is_not_its_duplicate():
    base = raw_rows(2)
    copies = pd.concat([base.iloc[[0]]] * 4, ignore_index=True)
    copies.loc[1, "primary_need"] = "SEMH"  # same child and fee, another need
    copies.loc[2, "annual_fee"] = "60000"  # same child and need, another fee
    # row 3 is an exact copy of row 0 (the first of the frame)
    result = run(pd.concat([base, copies], ignore_index=True))
    assert result.report["duplicates"] == 2
    assert result.report["duplicate_rows"] == [
        {"source_row": 4, "same_as": 2},
        {"source_row": 7, "same_as": 2},
    ]


def test_totals_rows_and_repeated_headers_are_quarantined_as_such():
    raw = raw_rows(3)
    total = {c: "" for c in raw.columns} | {"pupil_id": "Grand total", "annual_fee": "153000"}
    header = {c: c for c in raw.columns}
    sums = {c: "" for c in raw.columns} | {"annual_fee": "153000.00"}  # 50000+51000+52000
    raw = pd.concat([raw, pd.DataFrame([header, total])], ignore_index=True)
    result = run(raw)
    assert result.report["reasons"] == {"repeated header row": 1, "totals row": 1}
    assert result.report["totals_rows"] == [6]
    raw = pd.concat([raw_rows(3), pd.DataFrame([sums])], ignore_index=True)
    assert run(raw).report["reasons"] == {"totals row": 1}


def test_a_row_with_values_only_in_unrecognised_columns_is_not_blank():
    raw = raw_rows(2)
    raw["Notes"] = ["", ""]
    raw = pd.concat([raw, pd.DataFrame([{c: "" for c in raw.columns} | {"Notes": "see above"}])])
    result = run(raw.reset_index(drop=True))
    assert result.report["blank_rows_skipped"] == 0
    assert result.report["quarantined"] == 1
    assert "see above" not in result.quarantine.to_csv()  # unrecognised columns are not copied


def test_unrecognised_optional_values_are_kept_blank_and_flagged():
    raw = raw_rows(3)
    raw.loc[0, "home_district"] = "Narnia"
    raw.loc[1, "school_type"] = "Free school"
    result = run(raw)
    assert len(result.clean) == 3
    assert pd.isna(result.clean.loc[0, "home_district"])
    assert pd.isna(result.clean.loc[1, "school_type"])
    assert result.report["flags"] == {
        "school_type: unrecognised (left blank)": 1,
        "home_district: unrecognised (left blank)": 1,
    }


def test_an_impossible_date_of_birth_is_flagged_and_gives_no_age():
    raw = raw_rows(2)
    raw.loc[0, "date_of_birth"] = "1950-01-01"
    result = run(raw)
    assert pd.isna(result.clean.loc[0, "age"])
    assert "age outside 0-30" in result.clean.loc[0, "flags"]
    assert "year group" not in result.clean.loc[0, "flags"]


def test_quarantine_holds_the_age_not_the_date_of_birth():
    raw = raw_rows(2)
    raw.loc[0, "annual_fee"] = "lots"
    quarantine = run(raw).quarantine
    assert "date_of_birth" not in quarantine and quarantine.loc[0, "age"] == 12
    assert raw.loc[0, "date_of_birth"] not in quarantine.to_csv()


def test_missing_columns_error_names_each_and_its_closest_header():
    raw = raw_rows(1).rename(columns={"placement_start": "Placement Strt Date"})
    with pytest.raises(MissingColumnsError) as err:
        run(raw)
    assert err.value.missing == ["placement_start"]
    assert err.value.closest == {"placement_start": "Placement Strt Date"}


def test_when_two_headers_name_one_column_the_declared_order_decides():
    raw = raw_rows(2).rename(columns={"annual_fee": "Cost"})
    raw["Annual Fee"] = ["1.00", "2.00"]
    result = run(raw)
    assert result.clean["annual_fee"].tolist() == [1.0, 2.0]
    assert result.report["columns_not_used"] == {"Cost": "annual_fee"}


def test_large_exports_clean_the_same_on_several_threads(monkeypatch):
    raw = pd.concat([raw_rows(40)] * 3, ignore_index=True)
    raw.loc[5, "annual_fee"] = "n/a"
    one = run(raw)
    monkeypatch.setattr(clean_engine, "PARALLEL_ROWS", 1)
    many = run(raw)
    pd.testing.assert_frame_equal(one.clean, many.clean)
    pd.testing.assert_frame_equal(one.quarantine, many.quarantine)
    assert one.report == many.report


# --- configuration and the command line


def test_clean_configuration_is_validated_and_names_unknown_keys(tmp_path):
    path = tmp_path / "clean.yml"
    path.write_text("fee_ceiling_gbp: 200000\nsnapshot_date: 2025-06-30\nsalt_env: MY_SALT\n")
    config = load_clean_config(path)
    assert (config.fee_ceiling_gbp, config.salt_env) == (200000, "MY_SALT")
    path.write_text("fee_cieling_gbp: 1\n")
    with pytest.raises(InputFileError, match="unknown key 'fee_cieling_gbp'"):
        load_clean_config(path)
    path.write_text("fee_ceiling_gbp: -5\nsalt_env: 'not a name'\n")
    with pytest.raises(InputFileError, match="fee_ceiling_gbp.*salt_env"):
        load_clean_config(path)
    path.write_text("framework:\n  categories:\n    - name: Lot 1\n    - name: Lot 2\n")
    assert load_clean_config(path).framework.names == ["Lot 1", "Lot 2"]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["clean", "--council", "kent", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write_raw(path, raw: pd.DataFrame):
    raw.to_csv(path, index=False)
    return str(path)


def test_the_clean_command_writes_three_files_and_a_summary(tmp_path, capsys):
    raw = raw_rows(5)
    raw.loc[0, "annual_fee"] = "n/a"
    source = write_raw(tmp_path / "in.csv", raw)
    code, out, err = cli(
        capsys, source, "--out", str(tmp_path / "out"), "--snapshot-date", "2025-06-30"
    )
    assert code == 0 and err == ""
    assert "5 rows read, 4 clean, 1 quarantined, 0 duplicates" in out
    assert "1 annual_fee: fee is not a number" in out
    report = json.loads((tmp_path / "out" / "cleaning.json").read_text())
    assert report["rows_in"] == report["clean"] + report["quarantined"] + report["duplicates"]
    quarantine = pd.read_csv(tmp_path / "out" / "quarantine.csv")
    assert quarantine["source_row"].tolist() == [2]


def test_the_clean_command_uses_the_configuration(tmp_path, capsys, monkeypatch):
    config = tmp_path / "clean.yml"
    config.write_text("fee_ceiling_gbp: 50500\nsalt_env: TEST_SALT\nsnapshot_date: 2025-06-30\n")
    source = write_raw(tmp_path / "in.csv", raw_rows(3))
    code, _, err = cli(capsys, source, "--out", str(tmp_path / "o"), "--config", str(config))
    assert code == 2 and err.startswith("error:") and "TEST_SALT" in err
    monkeypatch.setenv("TEST_SALT", "pepper")
    code, out, err = cli(capsys, source, "--out", str(tmp_path / "o"), "--config", str(config))
    assert code == 0, err
    assert "2 fee above £50,500" in out and "salt from TEST_SALT" in out
    assert "snapshot date 2025-06-30 (the configuration)" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["missing.csv"], "does not exist"),
        (["{raw}", "--snapshot-date", "30/06/2025"], "YYYY-MM-DD"),
        (["{raw}", "--config", "{bad_config}"], "unknown key 'colour'"),
        (["{raw}", "--sheet", "Placements"], "no sheets"),
    ],
)
def test_the_clean_command_fails_with_one_error_line(tmp_path, capsys, args, fragment):
    names = {
        "raw": write_raw(tmp_path / "in.csv", raw_rows(2)),
        "bad_config": str(tmp_path / "bad.yml"),
    }
    (tmp_path / "bad.yml").write_text("colour: blue\n")
    args = [a.format(**names) for a in args]
    code, out, err = cli(capsys, *args, "--out", str(tmp_path / "o"))
    assert code == 2 and out == ""
    assert err.startswith("error:") and fragment in err and err.count("\n") == 1


def test_an_internal_error_is_one_line_unless_debugging(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(inmss_clean, "clean_snapshot", broken)
    source = write_raw(tmp_path / "in.csv", raw_rows(2))
    code, _, err = cli(capsys, source, "--out", str(tmp_path / "o"))
    assert code == 2 and "internal error" in err and "--debug" in err
    assert "Traceback" not in err
    with pytest.raises(KeyError):
        main(["--debug", "clean", "--council", "kent", source, "--out", str(tmp_path / "o")])


def test_an_output_folder_that_cannot_be_written_is_a_clear_error(tmp_path, capsys):
    source = write_raw(tmp_path / "in.csv", raw_rows(2))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = cli(capsys, source, "--out", str(blocker))
    assert code == 2 and "cannot be written" in err
