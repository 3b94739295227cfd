"""The cleaning engine itself (``pipeline.clean_engine.clean_table``), on a tiny declared
export that is neither INMSS's nor residential's: what the two report types rely on is the
engine's, so it is checked here apart from them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipeline import clean_engine
from pipeline.clean import _money, parse_money
from pipeline.clean_engine import (
    TOTALS_ROW,
    CleanReport,
    Export,
    MissingColumnsError,
    ReconciliationError,
    Spec,
    clean_table,
)
from pipeline.vocabulary import label_lookup

SNAPSHOT = dt.date(2025, 6, 30)
COLOURS = label_lookup({"red": "red", "r": "red", "blue": "blue"})


def _colours(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    found = np.array([COLOURS.get(v.lower()) for v in text], dtype=object)
    return found, np.array([f is None and v != "" for f, v in zip(found, text, strict=True)])


def _totals(columns) -> dict[str, np.ndarray]:
    return {TOTALS_ROW: columns.text("code") == "Total"}


def _big(columns, kept) -> dict[str, np.ndarray]:
    return {"amount above 100": columns.values("amount", kept) > 100}


def _export(**changes) -> Export:
    columns = {
        "code": Spec(True, aliases=("Ref",)),
        "amount": Spec(
            True,
            lambda text: parse_money(text),
            bad="amount: not a number",
            dtype="float64",
        ),
        "colour": Spec(
            False,
            _colours,
            flag="colour: unrecognised (left blank)",
            dtype="category",
        ),
    }
    hooks = {
        "special": _totals,
        "reasons": lambda c: {"amount: negative": c.values("amount") < 0},
        "flags": _big,
    }
    return Export(columns, key="code", **{**hooks, **changes})


def _raw(rows: list[list[str]], headers=("Ref", "amount", "colour")) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(headers), dtype="string")
    frame.index = pd.RangeIndex(2, len(rows) + 2, name="source_row")
    return frame


ROWS = [
    ["A1", "£10.00", "red"],  # clean
    ["A2", "ten", "blue"],  # quarantined: unreadable amount
    ["A3", "250", "green"],  # kept, flagged twice: unknown colour, amount above 100
    ["A1", "£10.00", "red"],  # exact duplicate of the first row
    ["", "", ""],  # blank row
    ["A4", "-5", " R "],  # quarantined: negative
    ["Total", "255", ""],  # totals row: that reason only
    ["", "3", "red"],  # quarantined: code missing
]


def run(rows=ROWS, export=None, **kwargs):
    return clean_table(
        _raw(rows), export or _export(), snapshot_date=SNAPSHOT, source="t.csv", **kwargs
    )


def test_every_row_ends_in_exactly_one_place():
    report = run().report
    assert (report.rows_in, report.clean, report.quarantined, report.duplicates) == (7, 2, 4, 1)
    assert report.rows_in == report.clean + report.quarantined + report.duplicates
    assert report.blank_rows_skipped == 1
    assert report.duplicate_rows == ({"source_row": 5, "same_as": 2},)
    assert report.totals_rows == (8,)


def test_an_unreadable_value_is_quarantined_with_its_reason():
    result = run()
    quarantine = result.quarantine.set_index("source_row")
    assert quarantine.loc[3, "reasons"] == "amount: not a number"
    assert quarantine.loc[3, "amount"] == "ten"  # the value as read, never a guess
    assert quarantine.loc[7, "reasons"] == "amount: negative"
    assert quarantine.loc[9, "reasons"] == "code: missing"
    assert quarantine.loc[8, "reasons"] == TOTALS_ROW  # no other reason for a totals row
    assert result.report.reasons == {
        "code: missing": 1,
        "amount: not a number": 1,
        "amount: negative": 1,
        TOTALS_ROW: 1,
    }


def test_a_flag_keeps_the_row_and_is_listed():
    result = run()
    clean = result.clean.set_index("source_row")
    assert clean.index.tolist() == [2, 4]
    assert clean.loc[4, "flags"] == "colour: unrecognised (left blank); amount above 100"
    assert pd.isna(clean.loc[4, "colour"]) and clean.loc[2, "colour"] == "red"
    assert clean.loc[2, "flags"] == ""
    assert result.report.flags == {"colour: unrecognised (left blank)": 1, "amount above 100": 1}
    assert result.report.flagged_rows == 1
    assert str(clean["colour"].dtype) == "category" and clean["amount"].tolist() == [10.0, 250.0]


def test_table_flags_can_be_listed_first():
    clean = run(export=_export(table_flags_first=True)).clean.set_index("source_row")
    assert clean.loc[4, "flags"] == "amount above 100; colour: unrecognised (left blank)"


def test_missing_reasons_come_first_when_declared_so():
    rows = [["", "ten", "red"], ["B1", "1", "red"]]
    default = run(rows).quarantine["reasons"].tolist()
    first = run(rows, export=_export(missing_first=True)).quarantine["reasons"].tolist()
    assert default == first == ["code: missing; amount: not a number"]
    both = [["", "", "red"], ["B1", "1", "red"]]
    assert run(both).quarantine["reasons"].tolist() == ["code: missing; amount: missing"]


def test_a_missing_required_column_is_refused():
    with pytest.raises(MissingColumnsError, match="required columns missing: amount") as info:
        clean_table(
            _raw([["A1", "red"]], headers=("Ref", "colour")),
            _export(),
            snapshot_date=SNAPSHOT,
            source="t.csv",
        )
    assert info.value.missing == ["amount"]
    assert _export().missing(["Ref", "colour"]) == ["amount"]


def test_a_pseudonym_column_is_hashed_and_a_blank_one_left_blank():
    export = _export()
    columns = {**export.columns, "code": Spec(True, aliases=("Ref",), pseudonym="keyed hash")}
    result = run(export=Export(columns, key="code", special=_totals), salt="s")
    assert result.clean["code"].str.len().tolist() == [16, 16, 16]  # A4: no negative check
    assert "A1" not in set(result.clean["code"])
    assert result.report.pseudonymisation == {
        "method": "keyed hash",
        "salt_source": "configuration",
    }
    quarantine = result.quarantine.set_index("source_row")
    assert quarantine.loc[9, "code"] == ""  # blank id: no pseudonym
    assert quarantine.loc[8, "code"] == ""  # a totals row names no one
    again = run(export=Export(columns, key="code", special=_totals), salt="s")
    assert again.clean["code"].tolist() == result.clean["code"].tolist()


def test_whole_columns_and_threads_give_the_same_result(monkeypatch):
    whole = _export()
    columns = {
        **whole.columns,
        "amount": Spec(True, _money, bad="amount: not a number", dtype="float64", whole=True),
    }
    rows = ROWS * 30
    one = run(rows)
    two = run(rows, export=Export(columns, key="code", **_hooks(whole)))
    monkeypatch.setattr(clean_engine, "PARALLEL_ROWS", 1)
    three = run(rows, export=Export(columns, key="code", **_hooks(whole)))
    for other in (two, three):
        pd.testing.assert_frame_equal(one.clean, other.clean)
        assert one.quarantine.astype(str).equals(other.quarantine.astype(str))
        assert one.report == other.report
    assert one.report.duplicates == 7 * 29 + 1


def _hooks(export: Export) -> dict:
    return {"special": export.special, "reasons": export.reasons, "flags": export.flags}


def test_derived_columns_join_the_clean_table_and_the_quarantine():
    def derive(columns):
        return {"double": columns.values("amount") * 2}

    result = run(export=_export(derive=derive))
    assert result.clean["double"].tolist() == [20.0, 500.0]
    assert result.quarantine.columns[-1] == "double"


def test_a_report_that_does_not_reconcile_cannot_exist():
    with pytest.raises(ReconciliationError):
        CleanReport(
            source="x", snapshot_date="2025-06-30", rows_in=2, clean=1, quarantined=0, duplicates=0
        )
