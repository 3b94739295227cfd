"""Turn a raw placement export into the canonical table, a quarantine and a reconciliation.

Every input row ends in exactly one place: the clean table, the quarantine (with its source row
number and every reason) or the duplicates count, so ``rows_in = clean + quarantined +
duplicates`` always holds (blank rows are not rows: they are counted apart). A value that cannot
be read is a quarantine reason, never a guess; a value that can be read but looks wrong is a
plausibility flag on a kept row.

Speed: exports reach national scale (about 640,000 EHC plans), so nothing here loops over rows
in Python. Each column is dictionary-encoded once and its parser runs on the distinct values
(a few thousand dates, a dozen need codes), whose results are taken back to the rows by code.
The two columns with a value per row (the child's id and the fee) are handled whole by Arrow
and numpy: ids are pseudonymised by a vectorised keyed hash, fees parsed by a strict pattern.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline import vocabulary as voc
from pipeline.config import Framework
from pipeline.councils import Council, load_council
from pipeline.errors import MissingColumnsError
from pipeline.ingest import InputFileError


def _import_pandera():
    """pandera, without the hypothesis it imports whenever it is installed (about 0.3 s, for
    test-data synthesis this project never asks of it), unless something already loaded it."""
    keep_out = "hypothesis" not in sys.modules
    if keep_out:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]  # import fails: skipped
    try:
        import pandera.backends.pandas.builtin_checks  # noqa: F401  (loaded on first validate)
        import pandera.pandas as pandera
    finally:
        if keep_out:
            del sys.modules["hypothesis"]
    return pandera


pa = _import_pandera()


SALT_ENV = "INMSS_PSEUDONYM_SALT"
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
#: Duplicate rows listed by source row in cleaning.json (all are counted).
DUPLICATES_LISTED = 200

#: Reasons a row is quarantined. Each is a label in quarantine.csv and a count in cleaning.json.
TOTALS_ROW = "totals row"
REPEATED_HEADER = "repeated header row"
REASONS: dict[str, str] = {
    "school_urn": "school_urn: not a six-digit URN",
    "framework_status": "framework_status: not one of {names}",
    "school_district": "school_district: not a {council} district or 'Out of area'",
    "primary_need": "primary_need: unrecognised primary need",
    "ncy": "ncy: not a national curriculum year (-2 to 14)",
    "placement_type": "placement_type: not day or residential",
    "placement_start": "placement_start: start date does not parse",
    "placement_end": "placement_end: end date does not parse",
    "end_before_start": "placement_end: before the start",
    "annual_fee": "annual_fee: fee is not a number",
    "negative_fee": "annual_fee: negative",
    "date_of_birth": "date_of_birth: date of birth does not parse",
}
#: Plausibility flags: the row is kept and listed in the data-quality annex.
FLAGS: dict[str, str] = {
    "fee": "fee above £{ceiling:,.0f}",
    "overlap": "overlapping placement for the same pupil",
    "ncy_age": "year group does not fit age",
    "age": "date of birth gives an age outside 0-30 (age left blank)",
    "school_type": "school_type: unrecognised (left blank)",
    "home_district": "home_district: unrecognised (left blank)",
    "sex": "sex: unrecognised (recorded as 'Other or not recorded')",
    "ethnicity": "ethnicity: unrecognised (recorded as 'Not known')",
}


class ReconciliationError(AssertionError):
    """Rows read do not equal rows used + quarantined + duplicates: a row was lost (a bug)."""


@dataclass(frozen=True)
class CleanReport(Mapping):
    """What cleaning did with every row of one export: the record kept as ``cleaning.json``.

    One type for every cleaner, so the two engines cannot drift apart, and the one place the
    invariant ``rows_in == clean + quarantined + duplicates`` is checked (on construction: a
    report that does not reconcile cannot exist). It reads like the JSON it is written as
    (``report["rows_in"]``), so readers of ``cleaning.json`` and of a fresh result are alike.

    >>> report = CleanReport(source="x.csv", snapshot_date="2025-06-30", rows_in=3, clean=2,
    ...                      quarantined=1, duplicates=0)
    >>> report["clean"], report.duplicate_rows
    (2, ())
    >>> CleanReport(source="x.csv", snapshot_date="2025-06-30", rows_in=3, clean=3,
    ...             quarantined=1, duplicates=0)
    Traceback (most recent call last):
    ...
    pipeline.clean.ReconciliationError: x.csv: 3 rows read but 3 used + 1 quarantined + 0 duplicates
    """

    source: str
    snapshot_date: str
    rows_in: int
    clean: int
    quarantined: int
    duplicates: int
    blank_rows_skipped: int = 0
    reasons: Mapping[str, int] = field(default_factory=dict)
    flags: Mapping[str, int] = field(default_factory=dict)
    flagged_rows: int = 0
    #: source rows of totals rows (quarantined as such)
    totals_rows: tuple[int, ...] = ()
    #: ``{"source_row": r, "same_as": f}`` for each exact duplicate (the first 200)
    duplicate_rows: tuple[Mapping[str, int], ...] = ()
    columns_matched: Mapping[str, str] = field(default_factory=dict)
    #: a second header for an already matched column -> that column
    columns_not_used: Mapping[str, str] = field(default_factory=dict)
    columns_ignored: tuple[str, ...] = ()
    identifier_columns_dropped: tuple[str, ...] = ()
    pseudonymisation: Mapping[str, str] | str = "not applicable (no child identifiers)"
    ingest: Mapping[str, object] = field(default_factory=dict)
    #: what one kind of export adds (the fee ceiling, what became of dates of birth)
    details: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rows_in != self.clean + self.quarantined + self.duplicates:
            raise ReconciliationError(
                f"{self.source}: {self.rows_in} rows read but {self.clean} used + "
                f"{self.quarantined} quarantined + {self.duplicates} duplicates"
            )

    def as_json(self) -> dict[str, object]:
        """The record as ``cleaning.json`` holds it (``details`` at the top level)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "details"}
        for name in ("totals_rows", "columns_ignored"):
            data[name] = list(data[name])
        data["identifier_columns_dropped"] = list(data["identifier_columns_dropped"])
        data["duplicate_rows"] = [dict(d) for d in self.duplicate_rows]
        return {**data, **self.details}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CleanReport:
        """Read a record written by ``as_json`` (an unknown key goes to ``details``)."""
        known = {f.name for f in fields(cls)} - {"details"}
        given = {k: v for k, v in data.items() if k in known}
        for name in ("totals_rows", "columns_ignored"):
            given[name] = tuple(given.get(name, ()))
        given["identifier_columns_dropped"] = tuple(given.get("identifier_columns_dropped", ()))
        given["duplicate_rows"] = tuple(given.get("duplicate_rows", ()))
        details = {k: v for k, v in data.items() if k not in known}
        return cls(**given, details=details)

    def __getitem__(self, key: str) -> object:
        return self.as_json()[key]

    def __iter__(self):
        return iter(self.as_json())

    def __len__(self) -> int:
        return len(self.as_json())


@dataclass(frozen=True)
class CleanResult:
    """The three destinations of every input row, and the record that reconciles them."""

    clean: pd.DataFrame
    quarantine: pd.DataFrame
    report: CleanReport


# --- text columns


def _arrow_text(series: pd.Series, chunked: bool = False) -> pyarrow.Array:
    """A column as an Arrow string array, missing values as ``""`` (no copy for Arrow-backed
    string columns, which is what ``read_export`` returns; ``chunked`` keeps the reader's
    chunks instead of joining them)."""
    values = series if isinstance(series.dtype, pd.StringDtype) else series.astype("string")
    array = pyarrow.array(values)
    if isinstance(array, pyarrow.ChunkedArray) and not (chunked and array.num_chunks):
        array = array.combine_chunks() if array.num_chunks else pyarrow.array([], pyarrow.string())
    if not pyarrow.types.is_large_string(array.type):
        array = array.cast(pyarrow.large_string())
    return pc.fill_null(array, "") if array.null_count else array


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


def normalise_text(value: str) -> str:
    """One space between words, none at the ends; non-breaking and zero-width spaces too.

    >>> normalise_text("\\u00a0 Alder\\u00a0 School ")
    'Alder School'
    """
    return " ".join(value.translate(_ZERO_WIDTH).split())


@dataclass
class _Coded:
    """A dictionary-encoded column: each row's code into the normalised distinct values."""

    codes: np.ndarray
    uniques: pd.Series

    def rows(self, values: np.ndarray | pd.api.extensions.ExtensionArray, rows=slice(None)):
        return values[self.codes[rows]]

    @property
    def blank(self) -> np.ndarray:
        return self.rows((self.uniques == "").to_numpy())


_ODD_SPACE = "[\t\n\r\f\v\u00a0\u2007\u202f\u200b\u200c\u200d\ufeff]|  "


def _encode(series: pd.Series) -> _Coded:
    """Dictionary-encode a column and normalise its distinct values (merging those that differ
    only in spacing, so that ``"ASD "`` and ``"ASD"`` are one value)."""
    encoded = pc.dictionary_encode(_arrow_text(series, chunked=True))
    if isinstance(encoded, pyarrow.ChunkedArray):  # one dictionary shared by every chunk
        encoded = encoded.unify_dictionaries()
        indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
        encoded = pyarrow.DictionaryArray.from_arrays(
            pyarrow.array(indices), encoded.chunks[0].dictionary
        )
    dictionary = pc.utf8_trim_whitespace(encoded.dictionary)
    distinct = dictionary.to_numpy(zero_copy_only=False)
    odd = np.flatnonzero(pc.match_substring_regex(dictionary, _ODD_SPACE).to_numpy(False))
    if len(odd):
        distinct = distinct.copy()
        distinct[odd] = [normalise_text(v) for v in distinct[odd]]
    merged, uniques = pd.factorize(distinct)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    if len(uniques) < len(distinct):  # values that differed only in spacing became one
        codes = merged.astype(np.int32)[codes]
    return _Coded(codes, pd.Series(np.asarray(uniques, dtype=object), dtype=str))


def _empty_coded(n: int) -> _Coded:
    return _Coded(np.zeros(n, dtype=np.int32), pd.Series([""], dtype=str))


def _buffers(array: pyarrow.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (n + 1, int64) and UTF-8 bytes of a ``large_string`` array, as numpy views
    (no copy): row ``i`` is ``data[offsets[i]:offsets[i + 1]]``."""
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    data = np.frombuffer(array.buffers()[2] or b"\0", dtype=np.uint8)
    return offsets, data


# A value that may need trimming starts or ends with one of these bytes: ASCII control and
# space, or any byte of a multi-byte character (a non-breaking space is C2 A0).
_EDGE_BYTE = np.zeros(256, dtype=bool)
_EDGE_BYTE[: ord(" ") + 1] = True
_EDGE_BYTE[0x80:] = True


def _trimmed(array: pyarrow.Array) -> pyarrow.Array:
    """Values without surrounding (Unicode) white space; the array itself when no value can
    have any, which one look at each value's first and last byte decides."""
    offsets, data = _buffers(array)
    filled = offsets[1:] > offsets[:-1]
    edges = np.concatenate([offsets[:-1][filled], offsets[1:][filled] - 1])
    return pc.utf8_trim_whitespace(array) if _EDGE_BYTE[data[edges]].any() else array


def _plain_text(series: pd.Series) -> pyarrow.Array:
    """A column with a distinct value on most rows (ids, fees), trimmed but not encoded."""
    return _trimmed(_arrow_text(series))


def _on_distinct(
    series: pd.Series, parse: Callable[[pd.Series], tuple[object, np.ndarray]]
) -> tuple[pd.Series, pd.Series]:
    """Run a parser of distinct normalised values over a whole column."""
    coded = _encode(series)
    values, bad = parse(coded.uniques)
    return (
        pd.Series(coded.rows(values), index=series.index),
        pd.Series(coded.rows(np.asarray(bad, dtype=bool)), index=series.index),
    )


# --- parsers of distinct values: normalised text in, (values, unusable non-blank mask) out

_TIME_OF_DAY = r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
_SERIAL = re.compile(r"[1-9]\d{4}(\.\d+)?")


def _dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """ISO, British and spelled-out dates (a time of day is dropped) and Excel serials."""
    text = pd.Series(text.to_numpy(dtype=object), dtype=object)
    # a time of day ("2024-09-01 00:00:00", from Excel) or "Sept" is rare: rewrite only those
    odd = text.str.contains(":|sept", case=False, regex=True).to_numpy(dtype=bool)
    if odd.any():
        text = text.copy()
        text[odd] = (
            text[odd]
            .str.replace(_TIME_OF_DAY, r"\1", regex=True)
            .str.replace(r"\bSept\b", "Sep", regex=True, case=False)
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


def framework_lookup(framework: Framework) -> dict[str, str]:
    """Accepted spellings of each framework category, from configuration."""
    lookup: dict[str, str] = {}
    for category in framework.categories:
        for label in (category.name, *category.aliases):
            lookup[voc.normalise_label(label)] = category.name
    return lookup


# --- pseudonymisation: SipHash-2-4, vectorised


def _rotl(x: np.ndarray, b: int, spare: np.ndarray) -> None:
    """Rotate left in place (``spare`` is scratch space of the same shape)."""
    np.right_shift(x, np.uint64(64 - b), out=spare)
    np.left_shift(x, np.uint64(b), out=x)
    np.bitwise_or(x, spare, out=x)


def _sipround(v0: np.ndarray, v1: np.ndarray, v2: np.ndarray, v3: np.ndarray, spare) -> None:
    """One SipRound, in place on the four state arrays."""
    v0 += v1
    _rotl(v1, 13, spare)
    v1 ^= v0
    _rotl(v0, 32, spare)
    v2 += v3
    _rotl(v3, 16, spare)
    v3 ^= v2
    v0 += v3
    _rotl(v3, 21, spare)
    v3 ^= v0
    v2 += v1
    _rotl(v1, 17, spare)
    v1 ^= v2
    _rotl(v2, 32, spare)


def siphash24(messages: pyarrow.Array, key: bytes) -> np.ndarray:
    """SipHash-2-4 (Aumasson and Bernstein, 2012) of each UTF-8 string, as uint64.

    SipHash is a keyed pseudo-random function: without the 16-byte key the values cannot be
    recomputed from a list of candidate ids, which is what a salted pseudonym needs. Computed
    for all rows at once with numpy (rows grouped by their number of 8-byte blocks).

    >>> hex(int(siphash24(pyarrow.array([bytes(range(15)).decode()]), bytes(range(16)))[0]))
    '0xa129ca6149be45e5'
    """
    if len(key) != 16:
        raise ValueError("a SipHash key is 16 bytes")
    array = messages.cast(pyarrow.large_string()) if len(messages) else messages
    n = len(array)
    out = np.zeros(n, dtype=np.uint64)
    if n == 0:
        return out
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    data = np.frombuffer(array.buffers()[2] or b"\0", dtype=np.uint8)
    lengths = np.diff(offsets)
    blocks = lengths // 8 + 1
    k0 = np.uint64(int.from_bytes(key[:8], "little"))
    k1 = np.uint64(int.from_bytes(key[8:], "little"))
    counts = np.unique(blocks).tolist()  # ids are usually all one length: one count
    # Slices of SIPHASH_ROWS rows keep the state arrays in the processor's cache.
    for first in range(0, n, SIPHASH_ROWS):
        part = slice(first, min(n, first + SIPHASH_ROWS))
        for count in counts:
            if len(counts) == 1:
                rows = np.arange(part.start, part.stop)
            else:
                rows = np.flatnonzero(blocks[part] == count) + first
            if len(rows):
                out[rows] = _siphash_block(data, offsets[rows], lengths[rows], count, k0, k1)
    return out


SIPHASH_ROWS = 16_384


def _siphash_block(
    data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, count: int, k0, k1
) -> np.ndarray:
    """SipHash-2-4 of messages that all have ``count`` 8-byte blocks (the last one padded with
    zeros and ending in the length byte, as the algorithm specifies)."""
    width = 8 * count
    column = np.arange(width)
    position = np.minimum(starts[:, None] + column, len(data) - 1)
    matrix = np.where(column < lengths[:, None], data[position], 0).astype(np.uint8)
    matrix[:, -1] = (lengths & 0xFF).astype(np.uint8)
    words = matrix.view("<u8").astype(np.uint64)
    m = len(starts)
    v0 = np.full(m, k0 ^ np.uint64(0x736F6D6570736575))
    v1 = np.full(m, k1 ^ np.uint64(0x646F72616E646F6D))
    v2 = np.full(m, k0 ^ np.uint64(0x6C7967656E657261))
    v3 = np.full(m, k1 ^ np.uint64(0x7465646279746573))
    spare = np.empty(m, dtype=np.uint64)
    for j in range(count):
        word = np.ascontiguousarray(words[:, j])
        v3 ^= word
        _sipround(v0, v1, v2, v3, spare)
        _sipround(v0, v1, v2, v3, spare)
        v0 ^= word
    v2 ^= np.uint64(0xFF)
    for _ in range(4):
        _sipround(v0, v1, v2, v3, spare)
    return v0 ^ v1 ^ v2 ^ v3


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex16(values: np.ndarray) -> pyarrow.Array:
    """uint64 values as 16 lower-case hex digits each (an Arrow string array, no Python loop)."""
    raw = values.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.stack([_HEX[raw >> 4], _HEX[raw & 15]], axis=-1).reshape(-1)
    offsets = np.arange(0, 16 * len(values) + 1, 16, dtype=np.int64)
    return pyarrow.LargeStringArray.from_buffers(
        len(values), pyarrow.py_buffer(offsets), pyarrow.py_buffer(digits.copy())
    )


def salt_key(salt: str) -> bytes:
    """The 16-byte SipHash key of a salt: the first half of SHA-256 of its UTF-8 text."""
    return hashlib.sha256(salt.encode("utf-8")).digest()[:16]


def pseudonymise(ids: pd.Series, salt: str) -> pd.Series:
    """Replace child identifiers with a keyed hash: 16 hex digits of SipHash-2-4 of the trimmed
    id, keyed by the salt (so the same salt gives the same pseudonym in every snapshot).

    >>> pseudonymise(pd.Series(["A1", " A1 "]), salt="s").str.len().tolist()
    [16, 16]
    >>> len(set(pseudonymise(pd.Series(["A1", " A1 "]), salt="s")))
    1
    """
    hashed = _hex16(siphash24(_plain_text(ids), salt_key(salt)))
    return pd.Series(pd.arrays.ArrowStringArray(hashed), index=ids.index)


def resolve_salt(salt: str | None = None) -> tuple[str, str]:
    """Salt from the caller, else the environment, else a fresh random one (not linkable)."""
    if salt:
        return salt, "configuration"
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV], "environment"
    return secrets.token_hex(16), "ephemeral"


# --- whole-table steps


def join_labels(masks: pd.DataFrame) -> pd.Series:
    """For each row, the names of the columns that are True, joined by ``; `` (vectorised).

    >>> join_labels(pd.DataFrame({"a": [True, False], "b": [True, False]})).tolist()
    ['a; b', '']
    """
    text = pd.Series("", index=masks.index, dtype="string")
    for name in masks.columns:
        text = text + pd.Series(np.where(masks[name].to_numpy(bool), f"{name}; ", ""), masks.index)
    return text.str.removesuffix("; ")


@dataclass
class ColumnMatch:
    """How the headers of an export map onto the canonical columns."""

    mapping: dict[str, str]  # source header -> canonical column
    identifiers: list[str]  # direct identifier headers, dropped
    ignored: list[str]  # headers the cleaner does not use
    not_used: dict[str, str]  # a second header for an already matched column -> that column


def match_columns(
    columns: Iterable[object], aliases: Mapping[str, Sequence[str]] | None = None
) -> ColumnMatch:
    """Map source headers to canonical names through an alias table (by default
    ``vocabulary.HEADER_ALIASES``; the residential cleaner passes its own).

    When two headers name one column, the canonical name wins, then the alias earlier in the
    table; the other is reported as not used, so the choice is declared, not guessed.

    >>> match = match_columns(["Child ID", "Surname", "Annual Fee", "Cost", "Notes"])
    >>> match.mapping
    {'Child ID': 'pupil_id', 'Annual Fee': 'annual_fee'}
    >>> match.identifiers, match.not_used, match.ignored
    (['Surname'], {'Cost': 'annual_fee'}, ['Notes'])
    """
    if aliases is None:
        aliases = voc.HEADER_ALIASES
    # rank of every accepted header: canonical names first, then each alias in table order
    rank = {voc.normalise_header(name): (name, 0) for name in aliases}
    for name, names in aliases.items():
        for position, alias in enumerate(names, start=1):
            rank.setdefault(voc.normalise_header(alias), (name, position))
    identifiers = set(voc.DIRECT_IDENTIFIERS)
    candidates: dict[str, list[tuple[int, str]]] = {}
    match = ColumnMatch({}, [], [], {})
    for column in map(str, columns):
        key = voc.normalise_header(column)
        if key in rank:
            name, position = rank[key]
            candidates.setdefault(name, []).append((position, column))
        elif key in identifiers:
            match.identifiers.append(column)
        else:
            match.ignored.append(column)
    for name, found in candidates.items():
        best = min(found)[1]
        match.mapping[best] = name
        match.not_used.update({header: name for _, header in found if header != best})
    order = {str(c): i for i, c in enumerate(columns)}
    match.mapping = dict(sorted(match.mapping.items(), key=lambda kv: order[kv[0]]))
    return match


def missing_columns(columns: Iterable[object]) -> list[str]:
    """The required columns of a placement export that ``columns`` (its headers) lack.

    >>> missing_columns(["Child ID", "Provision URN"])[:2]
    ['school_name', 'framework_status']
    """
    present = set(match_columns(list(columns)).mapping.values())
    return [c for c in voc.REQUIRED_COLUMNS if c not in present]


def closest_headers(columns: Iterable[object], missing: list[str]) -> dict[str, str | None]:
    """For each missing column, the unmatched header most like its name or one of its aliases."""
    match = match_columns(columns)
    spare = {voc.normalise_header(c): c for c in match.ignored}
    closest: dict[str, str | None] = {}
    for name in missing:
        names = [name, *(voc.normalise_header(a) for a in voc.HEADER_ALIASES.get(name, ()))]
        scored = [
            (difflib.SequenceMatcher(None, n, key).ratio(), header)
            for key, header in spare.items()
            for n in names
        ]
        best = max(scored, default=(0.0, None))
        closest[name] = best[1] if best[0] >= 0.5 else None
    return closest


def missing_columns_message(columns: Iterable[object], missing: list[str]) -> str:
    """Name the missing required columns and, for each, the closest header that was found."""
    closest = closest_headers(columns, missing)
    parts = [
        f"{name} (closest header found: '{closest[name]}')" if closest[name] else name
        for name in missing
    ]
    return "required columns missing: " + "; ".join(parts)


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


@functools.cache
def clean_schema(districts: tuple[str, ...], outside: str) -> pa.DataFrameSchema:
    """The clean table's schema for a council: its districts, ``Out of area`` for schools and
    ``outside`` (``Outside Kent``) for homes."""
    return pa.DataFrameSchema(
        {
            "source_row": pa.Column(int, pa.Check.ge(1)),
            "pupil_id": pa.Column("string", pa.Check.str_length(16, 16)),
            "school_urn": pa.Column("Int64", pa.Check.in_range(100000, 999999)),
            "school_name": pa.Column("category", pa.Check.str_length(min_value=1)),
            "school_type": pa.Column(
                "category",
                pa.Check.isin(["non_maintained_special", "independent_special"]),
                nullable=True,
            ),
            "framework_status": pa.Column("category"),
            "school_district": pa.Column("category", pa.Check.isin([*districts, voc.OUT_OF_AREA])),
            "school_la": pa.Column("category", nullable=True),
            "primary_need": pa.Column("category", pa.Check.isin(list(voc.PRIMARY_NEEDS))),
            "ncy": pa.Column("Int64", pa.Check.in_range(-2, 14)),
            "placement_type": pa.Column("category", pa.Check.isin(["day", "residential"])),
            "placement_start": pa.Column("datetime64[ns]"),
            "placement_end": pa.Column("datetime64[ns]", nullable=True),
            "annual_fee": pa.Column(float, pa.Check.ge(0)),
            "home_district": pa.Column(
                "category",
                pa.Check.isin([*districts, outside]),
                nullable=True,
            ),
            "sex": pa.Column("category", nullable=True),
            "ethnicity": pa.Column("category", nullable=True),
            "age": pa.Column("Int64", pa.Check.in_range(*AGE_RANGE), nullable=True),
            "flags": pa.Column("string"),
        },
        strict=True,
        ordered=True,
    )


def _strings(values: Iterable[str | None], codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """Take distinct string values (None = missing) back to rows, all inside Arrow."""
    distinct = pyarrow.array(list(values), pyarrow.large_string())
    return pd.arrays.ArrowStringArray(distinct.take(pyarrow.array(codes)))


def _categorical(values: Iterable[str | None], codes: np.ndarray) -> pd.Categorical:
    """Rows coded into distinct values (None = missing) as a categorical column, without
    building a string per row. Its categories are the values the rows use, in sorted order,
    so that the column does not depend on the order of the export's rows."""
    inverse, categories = pd.factorize(pd.Series(list(values), dtype=object), sort=True)
    row_codes = inverse.astype(np.int32)[codes] if len(codes) else np.zeros(0, dtype=np.int32)
    used = np.bincount(row_codes[row_codes >= 0], minlength=len(categories)) > 0
    if not used.all():
        renumber = np.where(used, np.cumsum(used) - 1, -1).astype(np.int32)
        row_codes = np.where(row_codes >= 0, renumber[row_codes], -1).astype(np.int32)
        categories = categories[used]
    return pd.Categorical.from_codes(
        row_codes,
        dtype=pd.CategoricalDtype(pd.Index(np.asarray(categories, dtype=object), dtype="str")),
    )


def _joined(masks: dict[str, np.ndarray], rows: np.ndarray) -> pd.arrays.ArrowStringArray:
    """For the given rows, the labels whose mask is True there, joined by ``; ``.

    Each row's set of labels is coded as a bit pattern; the text is built once per distinct
    pattern (a handful) and taken back to the rows.
    """
    labels = list(masks)
    width = np.uint8 if len(labels) <= 8 else np.uint32 if len(labels) <= 32 else np.uint64
    pattern = np.zeros(len(rows), dtype=width)
    for bit, label in enumerate(labels):
        hit = masks[label][rows]
        if hit.any():
            pattern[hit] |= width(1 << bit)
    if width is np.uint8:  # the usual case (the flags): a table of 256 instead of a sort
        distinct = np.flatnonzero(np.bincount(pattern, minlength=256))
        lookup = np.zeros(256, dtype=np.int32)
        lookup[distinct] = np.arange(len(distinct), dtype=np.int32)
        codes = lookup[pattern]
    else:
        distinct, codes = np.unique(pattern, return_inverse=True)
    texts = [
        "; ".join(label for bit, label in enumerate(labels) if p >> bit & 1)
        for p in distinct.tolist()
    ]
    return _strings(texts, codes.reshape(-1).astype(np.int32))


# First letters of the labels "_label_like" looks for ("Total", "Grand total", "Sub-total"...).
_LABEL_START = np.zeros(256, dtype=bool)
_LABEL_START[np.frombuffer(b"gGoOsStT", dtype=np.uint8)] = True


def _label_like(pupil_text: pyarrow.Array, header: str) -> np.ndarray:
    """Rows whose child id reads as a label: "Total", "Grand total", or the id's header.

    Only ids that start with a label's first letter, or are as long as the header, can be one;
    the patterns run on those few.

    >>> _label_like(pyarrow.array(["A1", "Grand Total", "child id", "T2"], pyarrow.large_string()),
    ...             "Child ID").tolist()
    [False, True, True, False]
    """
    found = np.zeros(len(pupil_text), dtype=bool)
    if not len(pupil_text):
        return found
    offsets, data = _buffers(pupil_text)
    header = normalise_text(header).lower()
    lengths = np.diff(offsets)
    first = data[np.minimum(offsets[:-1], len(data) - 1)]
    maybe = np.flatnonzero(
        (_LABEL_START[first] & (lengths > 0)) | (lengths == len(header.encode("utf-8")))
    )
    if len(maybe):
        lowered = pc.utf8_lower(pupil_text.take(pyarrow.array(maybe)))
        found[maybe] = pc.or_(
            pc.match_substring_regex(lowered, r"^(grand |sub |overall )?(sub)?totals?\b"),
            pc.equal(lowered, header),
        ).to_numpy(zero_copy_only=False)
    return found


def _special_rows(
    raw: pd.DataFrame,
    candidates: np.ndarray,
    match: ColumnMatch,
    fees: np.ndarray,
    counted: np.ndarray,
) -> dict[int, str]:
    """Totals rows and repeated header rows among the candidates (rows with no child id, or an
    id that reads like a label). Few rows, so plain Python is fine here."""
    special: dict[int, str] = {}
    if not len(candidates):
        return special
    total_label = re.compile(voc.TOTAL_ROW_PATTERN)
    headers = [voc.normalise_label(str(c)) for c in raw.columns]
    position = {str(c): i for i, c in enumerate(raw.columns)}
    naming = [
        position[source]
        for source, canonical in match.mapping.items()
        if canonical in ("pupil_id", "school_urn", "school_name")
    ]
    total_fee = float(np.nansum(np.where(counted, fees, np.nan)))
    rows = raw.iloc[candidates].itertuples(index=False, name=None)
    for row, cells in zip(candidates.tolist(), rows, strict=True):
        texts = [normalise_text(v) if isinstance(v, str) else "" for v in cells]
        filled = [(i, v) for i, v in enumerate(texts) if v]
        if not filled:
            continue
        same_as_header = sum(voc.normalise_label(v) == headers[i] for i, v in filled)
        if same_as_header >= 3 or same_as_header == len(filled) > 1:
            special[row] = REPEATED_HEADER
        elif total_label.fullmatch(voc.normalise_label(filled[0][1])):
            special[row] = TOTALS_ROW
        elif not any(texts[i] for i in naming) and all(
            re.fullmatch(r"[£\d,.() -]+", v) for _, v in filled
        ):
            # no names, only numbers, and the fee is the sum of every other row's fee
            fee = fees[row]
            if not np.isnan(fee) and abs(fee - (total_fee - fee)) <= 1.0:
                special[row] = TOTALS_ROW
    return special


def _blank_rows(raw: pd.DataFrame, pupil_blank: np.ndarray) -> np.ndarray:
    """Rows with every cell empty, recognised columns or not (only rows with no id can be)."""
    blank = np.zeros(len(raw), dtype=bool)
    no_id = np.flatnonzero(pupil_blank)
    if len(no_id):
        part = raw.iloc[no_id]
        empty = np.ones(len(no_id), dtype=bool)
        for position in range(part.shape[1]):
            trimmed = _plain_text(part.iloc[:, position])
            empty &= pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
        blank[no_id[empty]] = True
    return blank


def _duplicates(
    candidates: np.ndarray, coded: dict[str, _Coded], plain: dict[str, pyarrow.Array]
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Rows identical (after normalising spaces) to an earlier row, and (row, first) pairs.

    Only ``candidates`` (rows whose child id repeats) are compared: a row with a unique id
    cannot be a copy of another.
    """
    duplicate = np.zeros(len(candidates), dtype=bool)
    if not candidates.any():
        return duplicate, []
    at = np.flatnonzero(candidates)
    keys = []
    for text in plain.values():
        taken = pc.dictionary_encode(text.take(pyarrow.array(at)))
        keys.append(taken.indices.to_numpy(zero_copy_only=False).astype(np.int64))
    # A copy shares every value with its original, so first keep only the rows whose plain
    # values (id and fee) repeat together: one key per row, cheap to count.
    pair = np.zeros(len(at), dtype=np.int64)
    for key in keys:  # numbered afresh after each column, so the key never overflows
        pair = np.unique(pair * (int(key.max(initial=0)) + 1) + key, return_inverse=True)[1]
        pair = pair.reshape(-1)
    shared = np.bincount(pair)[pair] > 1
    if not shared.any():
        return duplicate, []
    at = at[shared]
    keys = [key[shared] for key in keys] + [c.codes[at].astype(np.int64) for c in coded.values()]
    # identical rows have identical keys; np.unique numbers them and finds each one's first
    _, first, group = np.unique(
        np.column_stack(keys), axis=0, return_index=True, return_inverse=True
    )
    first = at[first[group.reshape(-1)]]
    repeat = first != at
    duplicate[at[repeat]] = True
    return duplicate, list(zip(at[repeat].tolist(), first[repeat].tolist(), strict=True))


#: Rows from which independent columns are cleaned on several threads (Arrow and numpy release
#: the interpreter lock while they work); below it one thread is as quick and simpler.
PARALLEL_ROWS = 50_000


def _run_all(tasks: dict[str, Callable[[], object]], parallel: bool) -> dict[str, object]:
    """Run independent tasks, on a few threads when ``parallel``; results keyed as the tasks."""
    if not parallel:
        return {name: task() for name, task in tasks.items()}
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        futures = {name: pool.submit(task) for name, task in tasks.items()}
        return {name: future.result() for name, future in futures.items()}


def _parsers(
    framework: Framework, council: Council
) -> dict[str, Callable[[pd.Series], tuple] | None]:
    """The parser of each dictionary-encoded column (None: free text, kept as written)."""
    lookups = {
        "school_type": voc.label_lookup(voc.SCHOOL_TYPES),
        "framework_status": framework_lookup(framework),
        "school_district": voc.label_lookup(voc.district_aliases(council)),
        "primary_need": voc.label_lookup(voc.NEED_ALIASES, *voc.PRIMARY_NEEDS),
        "placement_type": voc.label_lookup(voc.PLACEMENT_TYPES),
        "home_district": voc.label_lookup(voc.home_district_aliases(council)),
        "sex": voc.label_lookup(voc.SEX_CODES),
        "ethnicity": voc.label_lookup(voc.ETHNIC_GROUPS),
    }
    parsers: dict[str, Callable[[pd.Series], tuple] | None] = {
        "school_urn": _urns,
        "school_name": None,
        "school_la": None,
        "ncy": _ncys,
        "placement_start": _dates,
        "placement_end": _dates,
        "date_of_birth": _dates,
    }
    for name, lookup in lookups.items():
        parsers[name] = functools.partial(_categories, lookup=lookup)
    return parsers


def _parse_column(
    series: pd.Series | None, n: int, parser: Callable[[pd.Series], tuple] | None
) -> tuple[_Coded, object, np.ndarray]:
    """Encode one column (absent optional columns are blank) and parse its distinct values:
    the coded column, each distinct value's result and the unusable mask of the rows."""
    coded = _encode(series) if series is not None else _empty_coded(n)
    if parser is None:
        return coded, None, np.zeros(n, dtype=bool)
    distinct, unusable = parser(coded.uniques)
    return coded, distinct, coded.rows(np.asarray(unusable, dtype=bool))


def clean_snapshot(
    raw: pd.DataFrame,
    *,
    framework: Framework,
    council: Council,
    snapshot_date: dt.date,
    fee_ceiling: float = 350_000,
    salt: str | None = None,
    source: str = "export",
) -> CleanResult:
    """Clean a raw export (a frame of text) into canonical placements.

    Parameters
    ----------
    raw : pandas.DataFrame
        As returned by ``ingest.read_export``: every cell a string, indexed by ``source_row``
        (any other index is numbered from 2, as if row 1 were the header).
    framework : Framework
        The report's framework categories and their accepted spellings.
    council : Council
        The council whose districts the school and home districts must be.
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
        Clean table (canonical columns, ``clean_schema``), quarantine (source row, every
        reason, the row's recognised values with the child's id pseudonymised and the date of
        birth replaced by the age) and a report of counts.

    Raises
    ------
    MissingColumnsError
        When required columns are absent.
    """
    if not raw.columns.is_unique:  # read_export never does this; a hand-made frame might
        raw = raw.set_axis([f"{c} ({i + 1})" for i, c in enumerate(raw.columns)], axis=1)
    match = match_columns(raw.columns)
    present = set(match.mapping.values())
    missing = [c for c in voc.REQUIRED_COLUMNS if c not in present]
    if missing:
        closest = closest_headers(raw.columns, missing)
        raise MissingColumnsError(
            missing_columns_message(raw.columns, missing), missing=missing, closest=closest
        )
    n = len(raw)
    if raw.index.name == "source_row" and pd.api.types.is_integer_dtype(raw.index):
        source_row = raw.index.to_numpy(dtype=np.int64)
    else:
        source_row = np.arange(2, n + 2, dtype=np.int64)  # row 1 is the header
    column = {canonical: raw[header] for header, canonical in match.mapping.items()}

    # Each column is read and parsed on its own (on several threads for a large export): the
    # id and the fee are distinct on most rows and stay whole, the rest is dictionary-encoded.
    salt_value, salt_source = resolve_salt(salt)
    key = salt_key(salt_value)

    pupil_header = next(h for h, c in match.mapping.items() if c == "pupil_id")

    def pupils() -> tuple[pyarrow.Array, np.ndarray, np.ndarray, np.ndarray]:
        text = _plain_text(column["pupil_id"])
        hashed = siphash24(text, key)
        repeats = pd.Series(hashed).duplicated(keep=False).to_numpy()
        return text, hashed, repeats, _label_like(text, pupil_header)

    def fees() -> tuple[pyarrow.Array, np.ndarray, np.ndarray]:
        text = _plain_text(column["annual_fee"])
        return (text, *_money(text))

    parsers = _parsers(framework, council)
    tasks: dict[str, Callable[[], object]] = {"pupil_id": pupils, "annual_fee": fees}
    for name, parser in parsers.items():
        tasks[name] = functools.partial(_parse_column, column.get(name), n, parser)
    done = _run_all(tasks, parallel=n >= PARALLEL_ROWS)
    pupil_text, pupil_hash, id_repeats, label_like = done.pop("pupil_id")
    fee_text, fee, fee_bad = done.pop("annual_fee")
    coded = {name: result[0] for name, result in done.items()}
    values = {name: result[1] for name, result in done.items()}
    bad = {name: result[2] for name, result in done.items()}
    bad["annual_fee"] = fee_bad
    pupil_blank = pc.equal(pupil_text, "").to_numpy(zero_copy_only=False)
    fee_blank = pc.equal(fee_text, "").to_numpy(zero_copy_only=False)

    # Blank rows: every cell empty, recognised or not (a blank row has no child id).
    blank = _blank_rows(raw, pupil_blank)

    # Duplicates: identical (normalised) rows, found among rows whose child id repeats.
    duplicate, duplicate_of = _duplicates(
        id_repeats & ~blank, coded, {"pupil_id": pupil_text, "annual_fee": fee_text}
    )
    counted = ~blank & ~duplicate

    # Totals rows and repeated headers: only rows with no id, or an id that reads as a label.
    special = _special_rows(
        raw, np.flatnonzero(counted & (pupil_blank | label_like)), match, fee, counted
    )
    special_mask = np.zeros(n, dtype=bool)
    special_mask[list(special)] = True

    # Quarantine reasons (a totals or header row gets only that reason).
    reasons: dict[str, np.ndarray] = {}
    for name in voc.REQUIRED_COLUMNS:
        if name != "primary_need":  # blank means "not recorded", a valid answer
            is_blank = (
                pupil_blank
                if name == "pupil_id"
                else fee_blank
                if name == "annual_fee"
                else coded[name].blank
            )
            reasons[f"{name}: missing"] = is_blank
    for name, label in REASONS.items():
        if name in bad:  # the rest (end before start, negative fee) are set just below
            reasons[label.format(names=", ".join(framework.names), council=council.name)] = bad[
                name
            ]
    start = coded["placement_start"].rows(values["placement_start"])
    end = coded["placement_end"].rows(values["placement_end"])
    reasons[REASONS["end_before_start"]] = end < start
    reasons[REASONS["negative_fee"]] = fee < 0
    for label in reasons:
        reasons[label] = reasons[label] & counted & ~special_mask
    for kind in (TOTALS_ROW, REPEATED_HEADER):
        reasons[kind] = np.zeros(n, dtype=bool)
        reasons[kind][[r for r, k in special.items() if k == kind]] = True
    quarantined = np.zeros(n, dtype=bool)
    for mask in reasons.values():
        quarantined |= mask
    kept = np.flatnonzero(counted & ~quarantined)
    held = np.flatnonzero(quarantined)

    # Ages (on distinct dates of birth) and the clean table.
    dob = coded["date_of_birth"]
    dob_values = pd.Series(values["date_of_birth"])
    age_distinct = age_on(dob_values, snapshot_date)
    plausible = age_distinct.between(*AGE_RANGE).fillna(False).to_numpy(bool)
    expected = expected_ncy(dob_values, snapshot_date).to_numpy(dtype="float64", na_value=np.nan)
    age = dob.rows(age_distinct.where(plausible).array)

    def strings(name: str, rows: np.ndarray, fallback: str | None = None):
        distinct = values[name]
        if fallback is not None:
            known = [
                v if v is not None or u == "" else fallback
                for v, u in zip(distinct, coded[name].uniques, strict=True)
            ]
            distinct = np.array(known, dtype=object)
        return _categorical(distinct, coded[name].codes[rows])

    def text(name: str, rows: np.ndarray, blank_as_missing: bool = False, as_category=True):
        uniques = coded[name].uniques.tolist()
        if blank_as_missing:
            uniques = [u or None for u in uniques]
        build = _categorical if as_category else _strings
        return build(uniques, coded[name].codes[rows])

    values["primary_need"] = np.where(
        coded["primary_need"].uniques == "", voc.NOT_RECORDED, values["primary_need"]
    )
    fallback = {"sex": "Other or not recorded", "ethnicity": "Not known"}
    outputs: dict[str, Callable[[], object]] = {
        "pupil_id": lambda: pd.arrays.ArrowStringArray(_hex16(pupil_hash[kept])),
        "school_name": lambda: text("school_name", kept),
        "school_la": lambda: text("school_la", kept, blank_as_missing=True),
    }
    for name in (
        "school_type",
        "framework_status",
        "school_district",
        "primary_need",
        "placement_type",
        "home_district",
        "sex",
        "ethnicity",
    ):
        outputs[name] = functools.partial(strings, name, kept, fallback.get(name))
    built = _run_all(outputs, parallel=len(kept) >= PARALLEL_ROWS)
    clean = pd.DataFrame(
        {
            "source_row": source_row[kept],
            "pupil_id": built["pupil_id"],
            "school_urn": coded["school_urn"].rows(values["school_urn"], kept),
            "school_name": built["school_name"],
            "school_type": built["school_type"],
            "framework_status": built["framework_status"],
            "school_district": built["school_district"],
            "school_la": built["school_la"],
            "primary_need": built["primary_need"],
            "ncy": coded["ncy"].rows(values["ncy"], kept),
            "placement_type": built["placement_type"],
            "placement_start": start[kept],
            "placement_end": end[kept],
            "annual_fee": fee[kept],
            "home_district": built["home_district"],
            "sex": built["sex"],
            "ethnicity": built["ethnicity"],
            "age": age[kept],
        },
        copy=False,  # every column is already a new array
    )

    # Plausibility flags on kept rows.
    dob_known = ~dob.blank[kept]
    ncy_gap = np.abs(
        clean["ncy"].to_numpy(dtype="float64", na_value=np.nan) - dob.rows(expected, kept)
    )
    flag_masks = {
        FLAGS["fee"].format(ceiling=fee_ceiling): clean["annual_fee"].to_numpy() > fee_ceiling,
        FLAGS["overlap"]: _overlaps(
            pupil_hash[kept], start[kept], end[kept], maybe=id_repeats[kept]
        ),
        FLAGS["ncy_age"]: (ncy_gap > 1) & dob.rows(plausible, kept),
        FLAGS["age"]: dob_known & ~dob.rows(plausible, kept),
    }
    for name in ("school_type", "home_district", "sex", "ethnicity"):
        flag_masks[FLAGS[name]] = bad[name][kept]
    everyone = np.arange(len(kept))
    clean["flags"] = _joined(flag_masks, everyone)
    schema = clean_schema(tuple(council.districts), council.outside)
    clean = schema.validate(clean, inplace=True)  # a new table: no copy needed

    # Quarantine: source row, reasons, recognised values (id pseudonymised, age not birth date).
    quarantine = pd.DataFrame(
        {
            "source_row": source_row[held],
            "reasons": _joined(reasons, held),
            "pupil_id": pd.arrays.ArrowStringArray(
                pc.if_else(  # no pseudonym for a blank id or a totals or header row
                    pyarrow.array((pupil_blank | special_mask)[held]),
                    pyarrow.scalar("", pyarrow.large_string()),
                    _hex16(pupil_hash[held]),
                )
            ),
        }
    )
    for name in voc.CANONICAL_COLUMNS:
        if name == "pupil_id" or name == "date_of_birth":
            continue
        if name == "annual_fee":
            quarantine[name] = pd.arrays.ArrowStringArray(
                fee_text.take(pyarrow.array(held, pyarrow.int64()))
            )
        else:
            quarantine[name] = text(name, held, as_category=False)
    quarantine["age"] = pd.array(age[held], dtype="Int64")

    reason_counts = {k: int(v.sum()) for k, v in reasons.items() if v.any()}
    flag_counts = {k: int(v.sum()) for k, v in flag_masks.items() if v.any()}
    report = CleanReport(
        source=source,
        snapshot_date=snapshot_date.isoformat(),
        rows_in=int(counted.sum() + duplicate.sum()),
        clean=len(clean),
        quarantined=len(held),
        duplicates=int(duplicate.sum()),
        blank_rows_skipped=int(blank.sum()),
        reasons=reason_counts,
        flags=flag_counts,
        flagged_rows=int(clean["flags"].ne("").sum()),
        totals_rows=tuple(
            sorted(int(source_row[r]) for r, k in special.items() if k == TOTALS_ROW)
        ),
        duplicate_rows=tuple(
            {"source_row": int(source_row[r]), "same_as": int(source_row[f])}
            for r, f in duplicate_of[:DUPLICATES_LISTED]
        ),
        columns_matched=match.mapping,
        columns_not_used=match.not_used,
        columns_ignored=tuple(match.ignored),
        identifier_columns_dropped=tuple(match.identifiers),
        pseudonymisation={
            "method": "SipHash-2-4(key=SHA-256(salt)[:16], trimmed id), 16 hex digits",
            "salt_source": salt_source,
        },
        ingest=dict(raw.attrs.get("ingest", {})),
        details={
            "fee_ceiling_gbp": fee_ceiling,
            "date_of_birth": "used for age and year-group checks, then dropped"
            if "date_of_birth" in present
            else "not in the export",
        },
    )
    return CleanResult(clean=clean, quarantine=quarantine, report=report)


# --- configuration of the clean command


class CleanConfig(BaseModel):
    """Optional settings of ``python -m pipeline clean --config FILE`` (YAML)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    framework: Framework = Field(default_factory=Framework)
    fee_ceiling_gbp: float = Field(default=350_000, gt=0)
    salt_env: str | None = None
    snapshot_date: dt.date | None = None
    council: str | None = None

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
        "use only the keys council, framework, fee_ceiling_gbp, salt_env and snapshot_date "
        "(framework as in a report definition)"
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
