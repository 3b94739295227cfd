"""Speed and memory of the cleaning stage at national scale: ``python -m pipeline.bench``.

The bench generates a synthetic national-scale export (about 640,000 EHC plans nationally, so
650,000 placement rows) with the messiness of a real one: system headers instead of canonical
names, fees written ``£54,460.00``, British start dates, year groups ``Year 10`` / ``R``,
spelled-out needs and identifier columns that must be dropped. It then times, each in a fresh
child process so that peak memory (the child's ``ru_maxrss``) belongs to that one task:

* the reference: ``pd.read_csv(engine="pyarrow")`` of the same file plus one groupby;
* the pipeline: ``read_export`` + ``clean_snapshot`` + ``build_framework_summary``, on CSV at
  65,000, 200,000 and 650,000 rows (to show cost growing linearly) and on XLSX at 65,000.

Figures go to ``bench/results/clean.json`` (git-ignored) and a summary table is printed. Tests
never assert timings; this module is only run by ``make bench``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results" / "clean.json"
SNAPSHOT = dt.date(2025, 6, 30)
CSV_SIZES: tuple[int, ...] = (65_000, 200_000, 650_000)
XLSX_SIZE = 65_000
SEED = 20250630
#: The targets of issue #3, checked against the measured figures.
TIME_RATIO_TARGET = 2.0
PEAK_MEMORY_TARGET_MB = 1536.0

# Column shapes follow pipeline.synth (canonical codes) but are spelled as exports spell them.
HEADERS: dict[str, str] = {
    "pupil_id": "Child ID",
    "forename": "Forename",
    "surname": "Surname",
    "school_urn": "Provision URN",
    "school_name": "Provision Name",
    "school_type": "Establishment Type",
    "framework_status": "DPS Status",
    "school_district": "District",
    "school_la": "Local Authority",
    "primary_need": "Primary Need",
    "ncy": "NCY",
    "placement_type": "Day/Residential",
    "placement_start": "Start Date",
    "placement_end": "End Date",
    "annual_fee": "Annual Fee",
    "home_district": "Home District",
    "sex": "Gender",
    "ethnicity": "Ethnicity",
    "date_of_birth": "DOB",
}
DISTRICTS = np.array(
    [
        "Ashford",
        "Canterbury",
        "Dartford",
        "Dover",
        "Folkestone and Hythe",
        "Gravesham",
        "Maidstone",
        "Sevenoaks",
        "Swale",
        "Thanet",
        "Tonbridge and Malling",
        "Tunbridge Wells",
        "Out of area",
    ]
)
LAS = np.array(["Medway", "East Sussex", "Surrey", "Essex", "Bexley", "Bromley", "Hampshire"])
NEEDS = np.array(
    [
        "ASD",
        "SEMH",
        "SLCN",
        "MLD",
        "SLD",
        "PMLD",
        "SPLD",
        "HI",
        "VI",
        "MSI",
        "PD",
        "OTH",
        "Autistic spectrum disorder",
        "Social, emotional and mental health",
        "",
    ]
)
NEED_P = np.array([38, 26, 9, 3, 2, 1, 1, 1, 0.5, 0.2, 1, 1, 9, 7, 0.3])
ETHNICITIES = np.array(
    [
        "White",
        "Mixed",
        "Asian or Asian British",
        "Black or Black British",
        "Any other ethnic group",
        "Not known",
    ]
)
ETHNICITY_P = np.array([80.0, 6.0, 3.0, 4.0, 1.5, 5.5])
FORENAMES = np.array(["Alex", "Sam", "Jordan", "Charlie", "Riley", "Morgan", "Jamie", "Casey"])
SURNAMES = np.array(["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Khan"])


def _pick(rng: np.random.Generator, values: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
    return values[rng.choice(len(values), size=n, p=p / p.sum())]


def _pad(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(values.astype(np.int64).astype(str), width)


def _british(days: np.ndarray) -> np.ndarray:
    """dd/mm/yyyy text of datetime64[D] values ("" for NaT)."""
    iso = np.datetime_as_string(days, unit="D")
    out = np.strings.add(
        np.strings.add(np.strings.slice(iso, 8, 10), "/"),
        np.strings.add(np.strings.add(np.strings.slice(iso, 5, 7), "/"), np.strings.slice(iso, 0, 4)),
    )
    return np.where(np.isnat(days), "", out)


def _pounds(pence: np.ndarray) -> np.ndarray:
    """``£54,460.00`` text of amounts in pence."""
    pounds, pennies = pence // 100, pence % 100
    thousands, units = pounds // 1000, pounds % 1000
    whole = np.where(
        thousands > 0,
        np.strings.add(np.strings.add(thousands.astype(str), ","), _pad(units, 3)),
        units.astype(str),
    )
    return np.strings.add(np.strings.add(np.strings.add("£", whole), "."), _pad(pennies, 2))


def generate_columns(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Columns of a synthetic national-scale export of ``n`` placement rows (text, vectorised).

    About 2% of pupils have a second placement, a few rows carry plausibility problems (fees
    above the ceiling) and a few are unusable (a fee of ``n/a``), as in real exports.
    """
    rng = np.random.default_rng(seed)
    n_schools = max(20, n // 300)
    urns = rng.choice(np.arange(100_000, 999_999), size=n_schools, replace=False)
    school_district = rng.integers(0, len(DISTRICTS), n_schools)
    school_la = np.where(
        DISTRICTS[school_district] == "Out of area",
        LAS[rng.integers(0, len(LAS), n_schools)],
        "Kent",
    )
    school = rng.integers(0, n_schools, n)
    pupils = rng.choice(9_000_000, size=n, replace=False) + 1_000_000
    repeat = rng.random(n) < 0.02
    pupils[repeat] = pupils[rng.integers(0, n, int(repeat.sum()))]
    dob = np.datetime64("2004-09-01") + rng.integers(0, 18 * 365, n).astype("timedelta64[D]")
    start = np.datetime64("2013-09-01") + rng.integers(0, 12 * 365, n).astype("timedelta64[D]")
    ended = rng.random(n) < 0.15
    end = np.where(
        ended, start + rng.integers(30, 900, n).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    ncy = np.clip((SNAPSHOT.year - 1 - dob.astype("datetime64[Y]").astype(int) - 1970) - 5, 0, 14)
    pence = (rng.lognormal(np.log(55_000), 0.35, n) * 100).astype(np.int64)
    residential = rng.random(n) < 0.05
    pence[residential] *= 3
    fee = _pounds(pence)
    fee[rng.random(n) < 0.001] = "n/a"
    ncy_text = np.where(ncy == 0, "R", np.strings.add("Year ", ncy.astype(str)))
    return {
        "pupil_id": np.strings.add("CH", pupils.astype(str)),
        "forename": FORENAMES[rng.integers(0, len(FORENAMES), n)],
        "surname": SURNAMES[rng.integers(0, len(SURNAMES), n)],
        "school_urn": urns[school].astype(str),
        "school_name": np.strings.add("Synthetic School ", urns[school].astype(str)),
        "school_type": np.where(urns[school] % 8 == 0, "Non-maintained special school", "10"),
        "framework_status": np.where(urns[school] % 5 < 3, "DPS", "Non-DPS"),
        "school_district": DISTRICTS[school_district][school],
        "school_la": school_la[school],
        "primary_need": _pick(rng, NEEDS, NEED_P, n),
        "ncy": ncy_text,
        "placement_type": np.where(residential, "52-week residential", "Day"),
        "placement_start": _british(start),
        "placement_end": _british(end),
        "annual_fee": fee,
        "home_district": DISTRICTS[:12][rng.integers(0, 12, n)],
        "sex": np.array(["M", "F"])[(rng.random(n) < 0.3).astype(int)],
        "ethnicity": _pick(rng, ETHNICITIES, ETHNICITY_P, n),
        "date_of_birth": np.datetime_as_string(dob, unit="D"),
    }


def write_csv(path: Path, n: int, seed: int = SEED) -> Path:
    """Write the synthetic export as Excel writes CSV: UTF-8, CRLF, quotes only where needed."""
    columns = generate_columns(n, seed)
    frame = pd.DataFrame({HEADERS[k]: v for k, v in columns.items()})
    frame.to_csv(path, index=False, lineterminator="\r\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, n: int, seed: int = SEED) -> Path:
    """Write the synthetic export as XLSX the way a spreadsheet holds it: title rows above the
    header, dates as date cells, URNs and fees as numbers."""
    from openpyxl import Workbook

    columns = generate_columns(n, seed)
    frame = pd.DataFrame(columns)
    for name in ("placement_start", "placement_end"):
        frame[name] = pd.to_datetime(frame[name], format="%d/%m/%Y")
    frame["date_of_birth"] = pd.to_datetime(frame["date_of_birth"])
    frame["school_urn"] = frame["school_urn"].astype(int)
    fee = pd.to_numeric(frame["annual_fee"].str.replace(r"[£,]", "", regex=True), errors="coerce")
    frame["annual_fee"] = fee.astype(object).where(fee.notna(), "n/a")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Placements")
    sheet.append(["Kent County Council: INMSS placements"])
    sheet.append([f"Snapshot as at {SNAPSHOT:%d %B %Y}"])
    sheet.append([])
    sheet.append([HEADERS[k] for k in columns])
    for row in frame.itertuples(index=False):
        sheet.append([None if v is pd.NaT or v == "" else v for v in row])
    book.save(path)
    return path
