"""Shared fixtures: small clean placement frames built in code, never read from real data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.config import Framework
from pipeline.councils import load_council
from pipeline.reports.inmss.clean import clean_snapshot

#: The council of the sample data (its districts are the sample exports' districts).
KENT = load_council("kent")


def raw_rows(n: int = 6) -> pd.DataFrame:
    """A canonical-form raw export of ``n`` valid rows (every cell text)."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "pupil_id": f"SYN{i:05d}",
                "school_urn": str(990001 + i % 3),
                "school_name": f"Test School {i % 3}",
                "school_type": "independent_special",
                "framework_status": "DPS" if i % 3 else "Non-DPS",
                "school_district": ["Ashford", "Thanet", "Out of area"][i % 3],
                "school_la": "Kent" if i % 3 != 2 else "Medway",
                "primary_need": ["ASD", "SEMH", "SLCN"][i % 3],
                "ncy": str(7 + i % 5),
                "placement_type": "day",
                "placement_start": "2024-09-01",
                "placement_end": "",
                "annual_fee": f"{50000 + 1000 * i:.2f}",
                "home_district": "Ashford",
                "sex": "M",
                "ethnicity": "White",
                "date_of_birth": f"{2024 - (7 + i % 5) - 5}-12-01",
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def framework() -> Framework:
    return Framework()


@pytest.fixture
def clean_frame(framework: Framework) -> pd.DataFrame:
    result = clean_snapshot(
        raw_rows(12),
        framework=framework,
        council=KENT,
        snapshot_date=dt.date(2025, 6, 30),
        salt="test",
    )
    return result.clean
