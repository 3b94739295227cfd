"""Turn a raw placement export into the canonical table, a quarantine and a reconciliation.

Every input row ends in exactly one place: the clean table, the quarantine (with its source row
number and every reason) or the duplicates count, so ``rows_in = clean + quarantined +
duplicates`` always holds. Values are parsed column by column with vectorised parsers; a value
that cannot be parsed is a quarantine reason, never a guess.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline import vocabulary as voc
from pipeline.config import Framework

SALT_ENV = "INMSS_PSEUDONYM_SALT"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")

OUTPUT_COLUMNS: tuple[str, ...] = (
    "source_row",
    "pupil_id",
    "school_urn",
    "school_name",
    "school_type",
    "framework_status",
    "school_district",
    "school_la",
    "primary_need",
    "ncy",
    "placement_type",
    "placement_start",
    "placement_end",
    "annual_fee",
    "home_district",
    "sex",
    "ethnicity",
    "age",
    "flags",
)


class MissingColumnsError(ValueError):
    """Required columns are absent; the message names them and the closest headers found."""


@dataclass
class CleanResult:
    """The three destinations of every input row, and the counts that reconcile them."""

    clean: pd.DataFrame
    quarantine: pd.DataFrame
    report: dict = field(default_factory=dict)


# --- column parsers: Series of text in, (parsed Series, mask of unusable non-blank values) out


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.replace("\u00a0", " ", regex=False).str.strip().fillna("")


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO, British and spelled-out dates and Excel serial numbers.

    >>> values, bad = parse_dates(pd.Series(["2025-06-30", "30/06/2025", "45838", "soon", ""]))
    >>> [str(v.date()) if not pd.isna(v) else None for v in values]
    ['2025-06-30', '2025-06-30', '2025-06-30', None, None]
    >>> bad.tolist()
    [False, False, False, True, False]
    """
    text = _text(series)
    # exports from Excel often carry a midnight time part
    text = text.str.replace(r"[ T]00:00(:00)?(\.0+)?$", "", regex=True)
    parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & (text != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    todo = parsed.isna() & text.str.fullmatch(r"\d{5}(\.\d+)?")
    if todo.any():
        serial = pd.to_numeric(text[todo], errors="coerce")
        parsed[todo] = EXCEL_EPOCH + pd.to_timedelta(serial.round(), unit="D")
    bad = parsed.isna() & (text != "")
    return parsed, bad


def parse_money(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse fees written as ``£54,460.00``, ``54460`` or ``54,460``.

    >>> values, bad = parse_money(pd.Series(["£54,460.00", "54460.5", "n/a", ""]))
    >>> values.tolist()[:2], bad.tolist()
    ([54460.0, 54460.5], [False, False, True, False])
    """
    text = _text(series).str.replace(r"[£,\s]|GBP", "", regex=True)
    values = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
    bad = values.isna() & (text != "")
    return values, bad


def parse_ncy(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse national curriculum years: ``R``, ``Reception``, ``Year 10``, ``Y10``, ``N1``.

    >>> values, bad = parse_ncy(pd.Series(["R", "Year 10", "y9", "N1", "15", "x"]))
    >>> values.tolist()[:4], bad.tolist()
    ([0, 10, 9, -2], [False, False, False, False, True, True])
    """
    text = _text(series).str.upper()
    text = text.str.replace(r"^(NCY|YEAR|YR|Y)\s*", "", regex=True)
    mapped = text.replace({"R": "0", "RECEPTION": "0", "N1": "-2", "N2": "-1"})
    values = pd.to_numeric(mapped.where(mapped != ""), errors="coerce")
    whole = values.notna() & (values == values.round()) & values.between(-2, 14)
    result = values.where(whole).astype("Int64")
    bad = result.isna() & (text != "")
    return result, bad


def parse_category(series: pd.Series, lookup: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map labels to canonical codes through a lookup keyed by ``normalise_label``."""
    text = _text(series)
    keys = text.map(voc.normalise_label, na_action="ignore")
    values = keys.map(lookup).astype("string")
    bad = values.isna() & (text != "")
    return values, bad


def parse_urn(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse six-digit school URNs (an Excel ``.0`` tail is tolerated)."""
    text = _text(series).str.replace(r"\.0+$", "", regex=True)
    ok = text.str.fullmatch(r"\d{6}")
    values = pd.to_numeric(text.where(ok), errors="coerce").astype("Int64")
    bad = values.isna() & (text != "")
    return values, bad


def framework_lookup(framework: Framework) -> dict[str, str]:
    """Accepted spellings of each framework category, from configuration."""
    lookup: dict[str, str] = {}
    for category in framework.categories:
        for label in (category.name, *category.aliases):
            lookup[voc.normalise_label(label)] = category.name
    return lookup


# --- whole-table steps


def join_labels(masks: pd.DataFrame) -> pd.Series:
    """For each row, the names of the columns that are True, joined by ``; `` (vectorised).

    >>> join_labels(pd.DataFrame({"a": [True, False], "b": [True, False]})).tolist()
    ['a; b', '']
    """
    text = pd.Series("", index=masks.index, dtype="string")
    for name in masks.columns:
        text = text + masks[name].map({True: f"{name}; ", False: ""}).astype("string")
    return text.str.removesuffix("; ")


def match_columns(columns: Iterable[object]) -> tuple[dict[str, str], list[str]]:
    """Map source headers to canonical names; return the mapping and dropped identifier headers."""
    lookup = voc.header_lookup()
    identifiers = set(voc.DIRECT_IDENTIFIERS)
    mapping: dict[str, str] = {}
    dropped: list[str] = []
    for column in columns:
        key = voc.normalise_header(column)
        if key in lookup and lookup[key] not in mapping.values():
            mapping[str(column)] = lookup[key]
        elif key in identifiers:
            dropped.append(str(column))
    return mapping, dropped


def missing_columns_message(columns: Iterable[object], missing: list[str]) -> str:
    """Name the missing required columns and, for each, the closest header that was found."""
    found = [str(c) for c in columns]
    normalised = {voc.normalise_header(c): c for c in found}
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, list(normalised), n=1, cutoff=0.5)
        hint = f" (closest header found: '{normalised[close[0]]}')" if close else ""
        parts.append(f"{name}{hint}")
    return "required columns missing: " + "; ".join(parts)


def pseudonymise(ids: pd.Series, salt: str) -> pd.Series:
    """Replace child identifiers with a salted SHA-256 (first 16 hex digits).

    >>> pseudonymise(pd.Series(["A1"]), salt="s").str.len().tolist()
    [16]
    """
    salted = (salt + "|" + ids.astype(str)).tolist()
    return pd.Series(
        [hashlib.sha256(v.encode("utf-8")).hexdigest()[:16] for v in salted],
        index=ids.index,
        dtype="string",
    )


def resolve_salt(salt: str | None = None) -> tuple[str, str]:
    """Salt from the caller, else the environment, else a fresh random one (not linkable)."""
    if salt:
        return salt, "configuration"
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV], "environment"
    return secrets.token_hex(16), "ephemeral"


def age_on(dob: pd.Series, on: dt.date) -> pd.Series:
    """Whole years of age on a date."""
    day = pd.Timestamp(on)
    had_birthday = (dob.dt.month < day.month) | (
        (dob.dt.month == day.month) & (dob.dt.day <= day.day)
    )
    return (day.year - dob.dt.year - (~had_birthday).astype(int)).astype("Int64")


def expected_ncy(dob: pd.Series, on: dt.date) -> pd.Series:
    """NCY a child born on ``dob`` is in during the academic year containing ``on``."""
    day = pd.Timestamp(on)
    academic_start = day.year if day.month >= 9 else day.year - 1
    aug31 = pd.Timestamp(academic_start, 8, 31)
    return age_on(dob, aug31.date()) - 4


def overlapping_pupils(frame: pd.DataFrame) -> pd.Series:
    """True for placements whose pupil has another placement overlapping it in time."""
    far = pd.Timestamp("2262-01-01")
    data = pd.DataFrame(
        {
            "pupil": frame["pupil_id"],
            "start": frame["placement_start"],
            "end": frame["placement_end"].fillna(far),
        }
    ).sort_values(["pupil", "start"])
    prev_end = data.groupby("pupil")["end"].cummax().groupby(data["pupil"]).shift()
    overlaps_prev = data["start"] <= prev_end
    next_overlaps = overlaps_prev.groupby(data["pupil"]).shift(-1, fill_value=False)
    flagged = overlaps_prev | next_overlaps.astype(bool)
    return flagged.reindex(frame.index).fillna(False).astype(bool)


CLEAN_SCHEMA = pa.DataFrameSchema(
    {
        "source_row": pa.Column(int, pa.Check.ge(1)),
        "pupil_id": pa.Column("string", pa.Check.str_length(16, 16)),
        "school_urn": pa.Column("Int64", pa.Check.in_range(100000, 999999)),
        "school_name": pa.Column("string", pa.Check.str_length(min_value=1)),
        "school_type": pa.Column(
            "string",
            pa.Check.isin(["non_maintained_special", "independent_special"]),
            nullable=True,
        ),
        "framework_status": pa.Column("string"),
        "school_district": pa.Column(
            "string", pa.Check.isin([*voc.KENT_DISTRICTS, voc.OUT_OF_AREA])
        ),
        "school_la": pa.Column("string", nullable=True),
        "primary_need": pa.Column("string", pa.Check.isin(list(voc.PRIMARY_NEEDS))),
        "ncy": pa.Column("Int64", pa.Check.in_range(-2, 14)),
        "placement_type": pa.Column("string", pa.Check.isin(["day", "residential"])),
        "placement_start": pa.Column("datetime64[ns]"),
        "placement_end": pa.Column("datetime64[ns]", nullable=True),
        "annual_fee": pa.Column(float, pa.Check.ge(0)),
        "home_district": pa.Column(
            "string",
            pa.Check.isin([*voc.KENT_DISTRICTS, voc.OUTSIDE_KENT]),
            nullable=True,
        ),
        "sex": pa.Column("string", nullable=True),
        "ethnicity": pa.Column("string", nullable=True),
        "age": pa.Column("Int64", pa.Check.in_range(0, 30), nullable=True),
        "flags": pa.Column("string"),
    },
    strict=True,
    ordered=True,
)


def clean_snapshot(
    raw: pd.DataFrame,
    *,
    framework: Framework,
    snapshot_date: dt.date,
    fee_ceiling: float = 350_000,
    salt: str | None = None,
    source: str = "export",
) -> CleanResult:
    """Clean a raw export (a frame of text) into canonical placements.

    Parameters
    ----------
    raw : pandas.DataFrame
        As returned by ``ingest.read_export``: every cell a string.
    framework : Framework
        The report's framework categories and their accepted spellings.
    snapshot_date : datetime.date
        Date ages are measured on and NCYs checked against.
    fee_ceiling : float
        Fees above this are kept but flagged as implausible.
    salt : str, optional
        Pseudonymisation salt; defaults to the environment, else a random one.
    source : str
        Name of the file, for messages.

    Returns
    -------
    CleanResult
        Clean table (canonical columns, ``CLEAN_SCHEMA``), quarantine and a report of counts.

    Raises
    ------
    MissingColumnsError
        When required columns are absent.
    """
    mapping, dropped_identifiers = match_columns(raw.columns)
    missing = [c for c in voc.REQUIRED_COLUMNS if c not in mapping.values()]
    if missing:
        raise MissingColumnsError(missing_columns_message(raw.columns, missing))

    frame = raw[list(mapping)].rename(columns=mapping)
    frame = frame.apply(_text)
    frame.insert(0, "source_row", np.arange(2, len(frame) + 2))  # row 1 is the header
    blank = (frame.drop(columns="source_row") == "").all(axis=1)
    rows_in = int((~blank).sum())
    frame = frame[~blank]

    value_cols = [c for c in frame.columns if c != "source_row"]
    duplicated = frame.duplicated(subset=value_cols, keep="first")
    duplicates = int(duplicated.sum())
    frame = frame[~duplicated]
    for optional in voc.CANONICAL_COLUMNS:
        if optional not in frame:
            frame[optional] = ""

    parsed = pd.DataFrame(index=frame.index)
    problems: dict[str, pd.Series] = {}

    def take(column: str, values: pd.Series, bad: pd.Series, what: str) -> None:
        parsed[column] = values
        problems[f"{column}: {what}"] = bad

    take("school_urn", *parse_urn(frame["school_urn"]), "not a six-digit URN")
    take(
        "school_type",
        *parse_category(frame["school_type"], voc.label_lookup(voc.SCHOOL_TYPES)),
        "unrecognised school type",
    )
    take(
        "framework_status",
        *parse_category(frame["framework_status"], framework_lookup(framework)),
        f"not one of {', '.join(framework.names)}",
    )
    take(
        "school_district",
        *parse_category(frame["school_district"], voc.label_lookup(voc.DISTRICT_ALIASES)),
        "not a Kent district or 'Out of area'",
    )
    need_lookup = voc.label_lookup(voc.NEED_ALIASES, *voc.PRIMARY_NEEDS)
    need, need_bad = parse_category(frame["primary_need"], need_lookup)
    take(
        "primary_need",
        need.fillna(voc.NOT_RECORDED).where(~need_bad),
        need_bad,
        "unrecognised primary need",
    )
    take("ncy", *parse_ncy(frame["ncy"]), "not a national curriculum year (-2 to 14)")
    take(
        "placement_type",
        *parse_category(frame["placement_type"], voc.label_lookup(voc.PLACEMENT_TYPES)),
        "not day or residential",
    )
    take("placement_start", *parse_dates(frame["placement_start"]), "start date does not parse")
    take("placement_end", *parse_dates(frame["placement_end"]), "end date does not parse")
    take("annual_fee", *parse_money(frame["annual_fee"]), "fee is not a number")
    take(
        "home_district",
        *parse_category(frame["home_district"], voc.label_lookup(voc.HOME_DISTRICT_ALIASES)),
        "unrecognised home district",
    )
    take("date_of_birth", *parse_dates(frame["date_of_birth"]), "date of birth does not parse")
    sex, _ = parse_category(frame["sex"], voc.label_lookup(voc.SEX_CODES))
    parsed["sex"] = sex.where(frame["sex"] == "", sex.fillna("Other or not recorded"))
    ethnicity, _ = parse_category(frame["ethnicity"], voc.label_lookup(voc.ETHNIC_GROUPS))
    parsed["ethnicity"] = ethnicity.where(frame["ethnicity"] == "", ethnicity.fillna("Not known"))
    parsed["school_name"] = frame["school_name"].astype("string")
    parsed["school_la"] = frame["school_la"].astype("string").replace("", pd.NA)
    parsed["pupil_id"] = frame["pupil_id"].astype("string")

    for column in voc.REQUIRED_COLUMNS:
        if column == "primary_need":  # blank means "not recorded", a valid answer
            continue
        problems[f"{column}: missing"] = frame[column] == ""
    problems["placement_end: before the start"] = (
        parsed["placement_end"] < parsed["placement_start"]
    ).fillna(False)
    problems["annual_fee: negative"] = (parsed["annual_fee"] < 0).fillna(False)

    reasons = pd.DataFrame(problems, index=frame.index).astype(bool)
    joined = join_labels(reasons)
    has_problem = reasons.any(axis=1)

    quarantine = frame.loc[has_problem].drop(columns=["pupil_id", "date_of_birth"])
    quarantine.insert(1, "reasons", joined[has_problem])

    good = parsed.loc[~has_problem].copy()
    good.insert(0, "source_row", frame.loc[~has_problem, "source_row"].astype(int))
    salt_value, salt_source = resolve_salt(salt)
    good["pupil_id"] = pseudonymise(good["pupil_id"], salt_value)
    good["age"] = age_on(good["date_of_birth"], snapshot_date)

    flags = {
        f"fee above £{fee_ceiling:,.0f}": good["annual_fee"] > fee_ceiling,
        "overlapping placement for the same pupil": overlapping_pupils(good),
        "year group does not fit age": (
            (good["ncy"] - expected_ncy(good["date_of_birth"], snapshot_date)).abs() > 1
        ).fillna(False),
    }
    flag_frame = pd.DataFrame(flags, index=good.index).astype(bool)
    good["flags"] = join_labels(flag_frame)
    good = good.drop(columns="date_of_birth")
    good["placement_start"] = good["placement_start"].astype("datetime64[ns]")
    good["placement_end"] = good["placement_end"].astype("datetime64[ns]")
    clean = CLEAN_SCHEMA.validate(good[list(OUTPUT_COLUMNS)].reset_index(drop=True))

    report = {
        "source": source,
        "snapshot_date": snapshot_date.isoformat(),
        "rows_in": rows_in,
        "clean": len(clean),
        "quarantined": int(has_problem.sum()),
        "duplicates": duplicates,
        "blank_rows_skipped": int(blank.sum()),
        "reasons": {k: int(v) for k, v in reasons.sum().items() if v},
        "flags": {k: int(v) for k, v in flag_frame.sum().items() if v},
        "columns_matched": mapping,
        "identifier_columns_dropped": dropped_identifiers,
        "pseudonymisation": {"method": "sha256(salt|id)[:16]", "salt_source": salt_source},
    }
    if report["rows_in"] != report["clean"] + report["quarantined"] + report["duplicates"]:
        raise AssertionError("reconciliation failed: a row was lost in cleaning")
    return CleanResult(clean=clean, quarantine=quarantine.reset_index(drop=True), report=report)
