"""The cleaning benchmark's judgement of its targets and its generated export (no timings)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline import bench
from pipeline.config import Framework
from pipeline.ingest import read_export
from pipeline.reports.inmss.clean import clean_snapshot
from tests.conftest import KENT


def figures(reference: float, floor: float, pipeline: float, peak: float = 700.0) -> dict:
    return {
        "reference": {"seconds": reference, "peak_mb": 500.0},
        "floor": {"seconds": floor, "peak_mb": 600.0},
        "pipeline": {"seconds": pipeline, "peak_mb": peak},
    }


def test_targets_are_judged_on_the_largest_export_and_growth_on_both_ends():
    targets = bench.check_targets(
        {
            "65000": figures(0.03, 0.08, 0.13),
            "650000": figures(0.25, 0.60, 1.05, peak=1600.0),
        }
    )
    assert targets["time_vs_reference"] == {
        "rows": 650000,
        "ratio": 4.2,
        "target": 2.0,
        "met": False,
        "floor_ratio": 2.4,
    }
    assert targets["time_vs_floor"] == {"rows": 650000, "ratio": 1.75, "target": 2.0, "met": True}
    assert targets["peak_memory_mb"]["met"] is False
    assert targets["peak_memory_mb"]["value"] == 1600.0
    # 2.0 µs a row at 65,000 and 1.62 at 650,000: fixed costs make the cost per row fall
    assert targets["linear_growth"]["microseconds_per_row"] == {"65000": 2.0, "650000": 1.62}
    assert targets["linear_growth"]["met"] is True


def test_a_pipeline_slower_than_twice_its_floor_or_growing_faster_than_its_rows_fails():
    targets = bench.check_targets(
        {"1000": figures(0.01, 0.02, 0.03), "10000": figures(0.1, 0.2, 0.5)}
    )
    assert targets["time_vs_floor"]["met"] is False
    assert targets["time_vs_reference"]["met"] is False
    assert targets["linear_growth"]["per_row_growth"] == pytest.approx(5 / 3, abs=0.01)
    assert targets["linear_growth"]["met"] is False


def test_the_generated_export_is_messy_but_cleans_with_the_expected_share_quarantined(tmp_path):
    path = bench.write_csv(tmp_path / "export.csv", 3000, seed=7)
    raw = read_export(path)
    assert len(raw) == 3000
    assert raw["Annual Fee"].str.startswith("£").mean() > 0.99
    result = clean_snapshot(
        raw, framework=Framework(), council=KENT, snapshot_date=bench.SNAPSHOT, salt="bench"
    )
    report = result.report
    assert report["rows_in"] == 3000 == report["clean"] + report["quarantined"]
    # the unusable rows are the rare fees of "n/a" (1 in 1,000), nothing else
    assert set(report["reasons"]) <= {"annual_fee: fee is not a number"}
    assert report["quarantined"] < 15
    assert {"Forename", "Surname"} <= set(report["identifier_columns_dropped"])
    assert report["flags"].get("overlapping placement for the same pupil", 0) > 0
    assert report["snapshot_date"] == dt.date(2025, 6, 30).isoformat()
