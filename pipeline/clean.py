"""The value parsers every export declaration uses, and the configuration of
``python -m pipeline clean``.

The engine is ``pipeline.clean_engine`` (``clean_table``: declared columns in; a clean table, a
quarantine and a reconciliation out; its names are importable from here too). A report type
declares its exports on it with these parsers (dates, money, year groups, URNs, categories),
ages (``age_on``) and overlapping placements (``overlapping_pupils``): INMSS placements in
``pipeline/reports/inmss/clean.py``, residential homes and placements in
``pipeline/reports/residential/clean.py``. A value that cannot be read is a quarantine reason,
never a guess.

Speed: exports reach national scale (about 640,000 EHC plans), so the parsers never loop over
rows in Python: each runs on a column's distinct values (a few thousand dates, a dozen need
codes), whose results the engine takes back to the rows by code; fees, a value per row, are
parsed by a strict pattern with Arrow and numpy.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline import vocabulary as voc
from pipeline.clean_engine import (  # noqa: F401  (the engine's names, as pipeline.clean gave them)
    DUPLICATES_LISTED,
    PARALLEL_ROWS,
    SALT_ENV,
    TOTALS_ROW,
    CleanReport,
    CleanResult,
    ColumnMatch,
    Columns,
    Export,
    ReconciliationError,
    Spec,
    _buffers,
    _encode,
    _on_distinct,
    _plain_text,
    _run_all,
    clean_table,
    join_labels,
    match_columns,
    normalise_text,
    pseudonymise,
    resolve_salt,
    salt_key,
    siphash24,
)
from pipeline.config import Framework
from pipeline.councils import load_council
from pipeline.errors import ExportFault, MissingColumnsError  # noqa: F401  (raised here)
from pipeline.ingest import InputFileError

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%B-%Y",
)
#: Dates outside this range are typing errors (a year of 0024 or 2924), not placements.
EARLIEST_DATE, LATEST_DATE = pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")
#: Ages the clean table can hold; a date of birth giving any other age is flagged, age blank.
AGE_RANGE = (0, 30)

# --- parsers of distinct values: normalised text in, (values, unusable non-blank mask) out

_TIME_OF_DAY = r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
_SERIAL = re.compile(r"[1-9]\d{4}(\.\d+)?")
#: "1st", "2nd", "23rd", "30th" before a month's name: British, and unambiguous
_ORDINAL = r"\b(\d{1,2})(?:st|nd|rd|th)\s*(?:of\s+)?(?=[A-Za-z])"
_ODD_DATE = r":|sept|\d(?:st|nd|rd|th)\b"


def _dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """ISO, British and spelled-out dates (a time of day is dropped) and Excel serials."""
    text = pd.Series(text.to_numpy(dtype=object), dtype=object)
    # a time of day ("2024-09-01 00:00:00", from Excel), "Sept" or an ordinal ("1st
    # September 2024") is rare: rewrite only those
    odd = text.str.contains(_ODD_DATE, case=False, regex=True).to_numpy(dtype=bool)
    if odd.any():
        text = text.copy()
        text[odd] = (
            text[odd]
            .str.replace(_TIME_OF_DAY, r"\1", regex=True)
            .str.replace(r"\bSept\b", "Sep", regex=True, case=False)
            .str.replace(_ORDINAL, r"\1 ", regex=True, case=False)
        )
    parsed = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    todo = (text != "").to_numpy().copy()
    for fmt in DATE_FORMATS:
        index = np.flatnonzero(todo)
        if not len(index):
            break
        found = pd.to_datetime(text.iloc[index], format=fmt, errors="coerce")
        ok = (found >= EARLIEST_DATE) & (found <= LATEST_DATE)
        parsed[index[ok.to_numpy()]] = found[ok].to_numpy().astype("datetime64[ns]")
        todo[index[ok.to_numpy()]] = False
    serial = np.flatnonzero(todo & text.map(lambda v: bool(_SERIAL.fullmatch(v))).to_numpy())
    if len(serial):
        days = np.floor(text.iloc[serial].astype(float).to_numpy()).astype("timedelta64[D]")
        parsed[serial] = (np.datetime64(EXCEL_EPOCH.date(), "D") + days).astype("datetime64[ns]")
        todo[serial] = False
    return parsed, todo


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO, British and spelled-out dates and Excel serial numbers.

    >>> values, bad = parse_dates(pd.Series(["2025-06-30", "30/06/2025", "45838", "soon", ""]))
    >>> [str(v.date()) if not pd.isna(v) else None for v in values]
    ['2025-06-30', '2025-06-30', '2025-06-30', None, None]
    >>> bad.tolist()
    [False, False, False, True, False]
    """
    return _on_distinct(series, _dates)


_MONEY = (
    r"^(GBP|£)?[ \x{00A0}]*[-(]?[ \x{00A0}]*(GBP|£)?[ \x{00A0}]*(\d+|\d{1,3}(,\d{3})+)(\.\d+)?"
    r"[ \x{00A0}]*\)?[ \x{00A0}]*(GBP)?$"
)
# Bytes that a fee matching _MONEY may hold besides its digits and point: "£" and the
# non-breaking space are two bytes each in UTF-8 (C2 A3, C2 A0). A 256-entry table marks them.
_MONEY_NOISE = np.zeros(256, dtype=bool)
_MONEY_NOISE[np.frombuffer(b",() GBP-\xc2\xa3\xa0", dtype=np.uint8)] = True
_MONEY_SIGN = np.zeros(256, dtype=bool)
_MONEY_SIGN[np.frombuffer(b"()-", dtype=np.uint8)] = True


def _money(text: pyarrow.Array) -> tuple[np.ndarray, np.ndarray]:
    """Fees as float64: a strict pattern first (thousands groups of three, one sign, a pound
    sign or GBP), then the noise bytes are removed with numpy and Arrow casts the digits of
    the fees that matched (the others are null, so the cast never sees them)."""
    n = len(text)
    if n == 0:
        return np.full(0, np.nan), np.zeros(0, dtype=bool)
    offsets, data = _buffers(text)
    data = data[offsets[0] : offsets[-1]]
    relative = offsets - offsets[0]
    lengths = np.diff(relative)
    ok = pc.match_substring_regex(text, _MONEY).to_numpy(zero_copy_only=False)
    negative = np.zeros(n, dtype=bool)
    if _MONEY_SIGN[data].any():  # signs are rare: one look at the bytes finds if any
        opened, closed, minus = (
            pc.match_substring(text, c).to_numpy(zero_copy_only=False) for c in "()-"
        )
        ok &= (opened == closed) & ~(opened & minus)  # (1,000) is accounting for -1,000
        negative = opened | minus
    # noise bytes in each value, then before each value's start (the appended zero gives an
    # empty last value a place to start; an empty value's count is set to zero)
    noise = _MONEY_NOISE[data]
    dropped = np.add.reduceat(np.append(noise, False).view(np.uint8), relative[:-1], dtype=np.int64)
    dropped[lengths == 0] = 0
    before = np.concatenate([[0], np.cumsum(dropped)])
    digits = pyarrow.LargeStringArray.from_buffers(
        n,
        pyarrow.py_buffer(relative - before),
        pyarrow.py_buffer(data[~noise]),
        null_bitmap=pyarrow.py_buffer(np.packbits(ok, bitorder="little")),
    )
    values = pc.cast(digits, pyarrow.float64()).to_numpy(zero_copy_only=False)
    if negative.any():
        values = np.where(negative, -values, values)
    return values, ~ok & (lengths > 0)


def parse_money(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse fees written as ``£54,460.00``, ``54460``, ``54,460``, ``(1,000)`` or ``GBP 10``.

    Commas must group thousands (``54,46`` is not a fee), so a value is never misread.

    >>> values, bad = parse_money(pd.Series(["£54,460.00", "54460.5", "n/a", "", "5,44,60"]))
    >>> values.tolist()[:2], bad.tolist()
    ([54460.0, 54460.5], [False, False, True, False, True])
    """
    values, bad = _money(_plain_text(series))
    return pd.Series(values, index=series.index), pd.Series(bad, index=series.index)


_NCY = re.compile(r"(?:(?:NCY|NC|YEAR|YR|Y) ?)?(-?\d{1,2})(?:\.0+)?")


def _ncy_value(text: str) -> int | None:
    upper = text.upper()
    if upper in voc.NCY_WORDS:
        return voc.NCY_WORDS[upper]
    match = _NCY.fullmatch(upper)
    if match and -2 <= int(match.group(1)) <= 14:
        return int(match.group(1))
    return None


def _ncys(text: pd.Series) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    found = [_ncy_value(v) for v in text]
    values = pd.array(found, dtype="Int64")
    return values, np.array([f is None and v != "" for f, v in zip(found, text, strict=True)])


def parse_ncy(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse national curriculum years: ``R``, ``Reception``, ``Year 10``, ``Y10``, ``N1``.

    >>> values, bad = parse_ncy(pd.Series(["R", "Year 10", "y9", "N1", "15", "x", "YR"]))
    >>> values.tolist()[:4], bad.tolist()
    ([0, 10, 9, -2], [False, False, False, False, True, True, False])
    """
    return _on_distinct(series, _ncys)


def _categories(text: pd.Series, lookup: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    found = [lookup.get(voc.normalise_label(v)) if v else None for v in text]
    values = np.array(found, dtype=object)
    return values, np.array([f is None and v != "" for f, v in zip(found, text, strict=True)])


def parse_category(series: pd.Series, lookup: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map labels to canonical codes through a lookup keyed by ``normalise_label``.

    >>> lookup = voc.label_lookup(voc.NEED_ALIASES, *voc.PRIMARY_NEEDS)
    >>> values, bad = parse_category(pd.Series(["Autism", "semh ", "Maybe"]), lookup)
    >>> values.tolist(), bad.tolist()
    (['ASD', 'SEMH', <NA>], [False, False, True])
    """
    values, bad = _on_distinct(series, lambda text: _categories(text, lookup))
    return values.astype("string"), bad


_URN = re.compile(r"([1-9]\d{5})(?:\.0+)?")


def _urns(text: pd.Series) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    found = [int(m.group(1)) if (m := _URN.fullmatch(v)) else None for v in text]
    values = pd.array(found, dtype="Int64")
    return values, np.array([f is None and v != "" for f, v in zip(found, text, strict=True)])


def parse_urn(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse six-digit school URNs (an Excel ``.0`` tail is tolerated; no leading zero).

    >>> parse_urn(pd.Series(["991250", "991250.0", "12345", "012345"]))[1].tolist()
    [False, False, True, True]
    """
    return _on_distinct(series, _urns)


def age_on(dob: pd.Series, on: dt.date) -> pd.Series:
    """Whole years of age on a date."""
    day = pd.Timestamp(on)
    had_birthday = (dob.dt.month < day.month) | (
        (dob.dt.month == day.month) & (dob.dt.day <= day.day)
    )
    return (day.year - dob.dt.year - (~had_birthday).astype(int)).astype("Int64")


def overlapping_pupils(frame: pd.DataFrame) -> pd.Series:
    """True for placements whose pupil has another placement overlapping it in time."""
    flagged = _overlaps(
        frame["pupil_id"].to_numpy(),
        frame["placement_start"].to_numpy("datetime64[ns]"),
        frame["placement_end"].to_numpy("datetime64[ns]"),
    )
    return pd.Series(flagged, index=frame.index)


def _overlaps(
    pupil: np.ndarray, start: np.ndarray, end: np.ndarray, maybe: np.ndarray | None = None
) -> np.ndarray:
    """Overlap mask; only pupils with more than one placement are sorted, so the cost follows
    them, not the table. ``maybe`` (optional) marks the only rows whose pupil can repeat. An
    open end runs to the end of time."""
    repeated = np.zeros(len(pupil), dtype=bool)
    look = np.flatnonzero(maybe) if maybe is not None else np.arange(len(pupil))
    repeated[look] = pd.Series(pupil[look]).duplicated(keep=False).to_numpy()
    flagged = np.zeros(len(pupil), dtype=bool)
    if repeated.any():
        far = np.datetime64("2262-01-01", "ns")
        data = pd.DataFrame(
            {
                "pupil": pupil[repeated],
                "start": start[repeated],
                "end": np.where(np.isnat(end[repeated]), far, end[repeated]),
                "at": np.flatnonzero(repeated),
            }
        ).sort_values(["pupil", "start"], kind="stable")
        prev_end = data.groupby("pupil")["end"].cummax().groupby(data["pupil"]).shift()
        overlaps_prev = (data["start"] <= prev_end).fillna(False).astype(bool)
        next_overlaps = overlaps_prev.groupby(data["pupil"]).shift(-1, fill_value=False)
        hit = (overlaps_prev | next_overlaps.astype(bool)).to_numpy()
        flagged[data["at"].to_numpy()[hit]] = True
    return flagged


# --- configuration of the clean command


class CleanConfig(BaseModel):
    """Optional settings of ``python -m pipeline clean --config FILE`` (YAML)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    framework: Framework = Field(default_factory=Framework)
    fee_ceiling_gbp: float = Field(default=350_000, gt=0)
    salt_env: str | None = None
    snapshot_date: dt.date | None = None
    council: str | None = None
    columns: dict[str, str | None] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    quarantine_warning_share: float | None = Field(default=None, gt=0, le=1)

    @field_validator("council")
    @classmethod
    def _is_a_known_council(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                load_council(value)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("salt_env")
    @classmethod
    def _is_a_variable_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be the name of an environment variable, e.g. INMSS_SALT")
        return value


def load_clean_config(path: str | Path) -> CleanConfig:
    """Read and validate a clean configuration file.

    Raises
    ------
    InputFileError
        When the file is missing or not YAML, or a key is unknown or has a wrong value (the
        message names the key).
    """
    path = Path(path)
    fix = (
        "use only the keys council, framework, fee_ceiling_gbp, salt_env, snapshot_date, "
        "columns, values and quarantine_warning_share (framework, columns and values as in a "
        "report definition's input)"
    )
    if not path.is_file():
        raise InputFileError(path, "the configuration file does not exist", "check the path")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"not valid YAML ({exc})", fix) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputFileError(path, f"expected a mapping of keys, found {type(data).__name__}", fix)
    try:
        return CleanConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for item in exc.errors():
            key = ".".join(str(p) for p in item["loc"]) or "(top level)"
            if item["type"] == "extra_forbidden":
                problems.append(f"unknown key '{key}'")
            else:
                problems.append(f"key '{key}': {item['msg']}")
        raise InputFileError(path, "; ".join(problems), fix) from None
