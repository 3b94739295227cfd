"""The cleaning engine: an export's declared columns in; a clean table, a quarantine and a
reconciliation out.

An ``Export`` declares a kind of export: one ``Spec`` a canonical column (required or not,
header aliases, a parser of distinct values, the quarantine reason or flag for a value it
cannot read, the clean column's type, pseudonym or dropped) and small hooks for the checks
that look across columns (rows that are not records, reasons, flags, derived columns, the
schema check). ``clean_table`` cleans any such export: it matches the headers, reads every
column once, finds blank rows and duplicates, quarantines with every reason, flags kept rows
and reconciles, so every input row ends in exactly one place: the clean table, the quarantine
or the duplicates count (``CleanReport`` refuses to exist otherwise). INMSS placements are
declared in ``pipeline.clean``, a report type's exports in its own package.

Speed: nothing here loops over rows in Python. A column is dictionary-encoded once and parsed
on its distinct values, whose results are taken back to the rows by code; a ``whole`` column
(a value per row: an id, a fee) is handled by Arrow and numpy; ids are pseudonymised by a
vectorised keyed hash (SipHash-2-4); columns are read on several threads for a large export.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from pipeline import vocabulary as voc
from pipeline.errors import ExportFault, MissingColumnsError

SALT_ENV = "INMSS_PSEUDONYM_SALT"
#: Duplicate rows listed by source row in cleaning.json (all are counted).
DUPLICATES_LISTED = 200
#: The reason a totals row is quarantined with (it gets no other).
TOTALS_ROW = "totals row"


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
    ...             quarantined=1, duplicates=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pipeline.clean_engine.ReconciliationError: x.csv: 3 rows read but 3 used + 1 quarantined + ...
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
    #: every header of the export: ``{"header", "column" (None: not used), "how"}``
    column_decisions: tuple[Mapping[str, str | None], ...] = ()
    #: what the author should look at although the file was cleaned (a high quarantine share)
    warnings: tuple[str, ...] = ()
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
        data["column_decisions"] = [dict(d) for d in self.column_decisions]
        data["warnings"] = list(self.warnings)
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
        given["column_decisions"] = tuple(given.get("column_decisions", ()))
        given["warnings"] = tuple(given.get("warnings", ()))
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


def _tidy(dictionary: pyarrow.Array) -> np.ndarray:
    """Distinct values trimmed, and those with odd or repeated spaces made plain (the usual
    tidying of a column's text)."""
    dictionary = pc.utf8_trim_whitespace(dictionary)
    distinct = dictionary.to_numpy(zero_copy_only=False)
    odd = np.flatnonzero(pc.match_substring_regex(dictionary, _ODD_SPACE).to_numpy(False))
    if len(odd):
        distinct = distinct.copy()
        distinct[odd] = [normalise_text(v) for v in distinct[odd]]
    return distinct


Tidy = Callable[[pyarrow.Array], np.ndarray]


def _encode(series: pd.Series, tidy: Tidy | None = None) -> _Coded:
    """Dictionary-encode a column and normalise its distinct values (merging those that differ
    only in spacing, so that ``"ASD "`` and ``"ASD"`` are one value); ``tidy`` (default
    ``_tidy``) is how a distinct value is normalised."""
    encoded = pc.dictionary_encode(_arrow_text(series, chunked=True))
    if isinstance(encoded, pyarrow.ChunkedArray):  # one dictionary shared by every chunk
        encoded = encoded.unify_dictionaries()
        indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
        encoded = pyarrow.DictionaryArray.from_arrays(
            pyarrow.array(indices), encoded.chunks[0].dictionary
        )
    distinct = (tidy or _tidy)(encoded.dictionary)
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
    """How the headers of an export map onto the canonical columns.

    ``decisions`` holds one entry per header, in the export's order: the header, the column
    it was taken as (``None`` when it was not used) and how that was decided, so no header
    is ever mapped, or set aside, without saying why."""

    mapping: dict[str, str]  # source header -> canonical column
    identifiers: list[str]  # direct identifier headers, dropped
    ignored: list[str]  # headers the cleaner does not use
    not_used: dict[str, str]  # a second header for an already matched column -> that column
    decisions: list[dict[str, str | None]] = field(default_factory=list)


#: How sure a header match is, best first: named in ``columns:``, a known spelling, the same
#: words as a known spelling (synonyms made one, in any order), those words with a qualifier.
CONFIGURED, KNOWN, SAME_WORDS, QUALIFIED = range(4)


def _word_index(aliases: Mapping[str, Sequence[str]]) -> dict[frozenset, dict[str, tuple]]:
    """The words of every accepted header -> {column: (position, spelling)}; a set of words
    that two columns share is ambiguous, so never matched on words alone."""
    index: dict[frozenset, dict[str, tuple]] = {}
    for name, names in aliases.items():
        for position, alias in enumerate((name, *names)):
            words = voc.header_words(alias)
            if words:
                index.setdefault(words, {}).setdefault(name, (position, alias))
    return index


def match_columns(
    columns: Iterable[object],
    aliases: Mapping[str, Sequence[str]] | None = None,
    configured: Mapping[str, str | None] | None = None,
    duplicates: Mapping[str, str] | None = None,
) -> ColumnMatch:
    """Map source headers to canonical names through an alias table (by default
    ``vocabulary.HEADER_ALIASES``; the residential cleaner passes its own).

    A header is matched, most sure first, by ``configured`` (a report's ``columns:``
    mapping, header -> column, ``None`` to set a header aside), by a known spelling (the
    column's name or an alias, after ``normalise_header``), by a direct identifier's name
    (dropped), by the same words as a known spelling (``vocabulary.header_words``: order,
    synonyms and filler words do not matter) when they name one column only, or by those
    words with a qualifier (``SEN``, ``Child``). When two headers name one column the surer
    match wins, then the alias earlier in the table, then the header further left; the
    other is reported as not used. ``duplicates`` maps a repeated header's unique name
    (``Start Date (column 14)``) to the header as written. Every decision is in
    ``decisions``.

    >>> match = match_columns(["Child ID", "Surname", "Annual Fee", "Cost", "Notes"])
    >>> match.mapping
    {'Child ID': 'pupil_id', 'Annual Fee': 'annual_fee'}
    >>> match.identifiers, match.not_used, match.ignored
    (['Surname'], {'Cost': 'annual_fee'}, ['Notes'])
    >>> match_columns(["Estab URN", "Residential/Day"]).mapping
    {'Estab URN': 'school_urn', 'Residential/Day': 'placement_type'}
    >>> match_columns(["Estab URN"]).decisions[0]["how"]
    "the same words as 'school_urn' (order, case, punctuation and synonyms aside)"
    """
    if aliases is None:
        aliases = voc.HEADER_ALIASES
    headers = [str(c) for c in columns]
    duplicates = duplicates or {}
    # every accepted spelling: canonical names first, then each alias in table order
    known = {voc.normalise_header(name): (name, 0, name) for name in aliases}
    for name, names in aliases.items():
        for position, alias in enumerate(names, start=1):
            known.setdefault(voc.normalise_header(alias), (name, position, alias))
    chosen = _configured(configured or {}, headers, duplicates, aliases)
    words = _word_index(aliases)
    candidates: dict[str, list[tuple[int, int, int, str, str]]] = {}
    decisions: dict[str, tuple[str | None, str]] = {}
    match = ColumnMatch({}, [], [], {})
    for order, header in enumerate(headers):
        written = duplicates.get(header, header)
        key = voc.normalise_header(written)
        if header in chosen:
            name = chosen[header]
            if name is None:
                match.ignored.append(header)
                decisions[header] = (None, "set aside by columns: in the configuration")
                continue
            found = (CONFIGURED, 0, "named in columns: in the configuration")
        elif key in known:
            name, position, alias = known[key]
            found = (KNOWN, position, "its own name" if position == 0 else f"known as '{alias}'")
        elif voc.identifier_header(written):
            match.identifiers.append(header)
            decisions[header] = (None, "identifies a child: dropped, never read")
            continue
        else:
            found, name = _by_words(voc.header_words(written), words)
            if name is None:
                match.ignored.append(header)
                decisions[header] = (None, found)
                continue
        candidates.setdefault(name, []).append((found[0], found[1], order, header, found[2]))
    for name, found in candidates.items():
        best = min(found)
        match.mapping[best[3]] = name
        decisions[best[3]] = (name, best[4])
        for other in found:
            if other is not best:
                match.not_used[other[3]] = name
                decisions[other[3]] = (None, f"another header for {name}: '{best[3]}' is used")
    order = {h: i for i, h in enumerate(headers)}
    match.mapping = dict(sorted(match.mapping.items(), key=lambda kv: order[kv[0]]))
    match.decisions = [
        {"header": h, "column": decisions[h][0], "how": decisions[h][1]} for h in headers
    ]
    return match


def _by_words(
    words: frozenset, index: dict[frozenset, dict[str, tuple]]
) -> tuple[tuple[int, int, str] | str, str | None]:
    """A header's match on its words: ``((tier, position, how), column)``, or ``(why not,
    None)``."""
    tier, hit = SAME_WORDS, index.get(words, {}) if words else {}
    plain = words - voc.HEADER_QUALIFIERS
    if not hit and plain and plain != words:
        tier, hit = QUALIFIED, index.get(plain, {})
    if len(hit) > 1:
        return f"its words fit {' and '.join(sorted(hit))}: not used (choose with columns:)", None
    if not hit:
        return "not a column this export needs", None
    ((name, (position, alias)),) = hit.items()
    if tier == SAME_WORDS:
        how = f"the same words as '{alias}' (order, case, punctuation and synonyms aside)"
    else:
        extra = ", ".join(sorted(words & voc.HEADER_QUALIFIERS))
        how = f"the words of '{alias}' with the qualifier {extra}"
    return (tier, position, how), name


def _configured(
    configured: Mapping[str, str | None],
    headers: list[str],
    duplicates: Mapping[str, str],
    aliases: Mapping[str, Sequence[str]],
) -> dict[str, str | None]:
    """A ``columns:`` mapping checked against the export: header (as the export has it) ->
    column. A header the file lacks or a column the export does not have is an error."""
    by_key: dict[str, list[str]] = {}
    for header in headers:
        by_key.setdefault(voc.normalise_header(duplicates.get(header, header)), []).append(header)
    chosen: dict[str, str | None] = {}
    for given, name in configured.items():
        if name is not None and name not in aliases:
            raise ExportFault(
                f"columns: '{given}' is mapped to '{name}', which is not a column of this kind "
                f"of export (its columns: {', '.join(aliases)})",
                "map it to one of those columns",
            )
        found = by_key.get(voc.normalise_header(given))
        if not found:
            close = difflib.get_close_matches(str(given), headers, n=1, cutoff=0.5)
            raise ExportFault(
                f"columns: names the header '{given}', which this file does not have"
                + (f" (the closest is '{close[0]}')" if close else ""),
                "write the header exactly as the export's header row has it",
            )
        chosen[found[0]] = name
    return chosen


def suggest_headers(
    match: ColumnMatch, aliases: Mapping[str, Sequence[str]], missing: Sequence[str]
) -> dict[str, str | None]:
    """For each missing column, the unused header most like its name or one of its aliases,
    each header suggested for one column at most (the closest pairs are taken first).

    A pair's likeness is the better of the spellings' character likeness and the share of
    words they have in common (synonyms made one); below one half nothing is suggested.

    >>> match = match_columns(["Estab URN (DfE)", "Estab Dist Council"])
    >>> suggest_headers(match, voc.HEADER_ALIASES, ["school_urn", "school_district"])
    {'school_urn': 'Estab URN (DfE)', 'school_district': 'Estab Dist Council'}
    """
    spare = list(match.ignored)
    scored = []
    for column_order, name in enumerate(missing):
        names = [name, *aliases.get(name, ())]
        for header_order, header in enumerate(spare):
            key, words = voc.normalise_header(header), voc.header_words(header)
            score = 0.0
            for spelling in names:
                theirs = voc.header_words(spelling)
                shared = len(words & theirs) / len(words | theirs) if words | theirs else 0.0
                ratio = difflib.SequenceMatcher(None, voc.normalise_header(spelling), key).ratio()
                score = max(score, shared, ratio)
            if score >= 0.5:
                scored.append((-score, column_order, header_order, name, header))
    closest: dict[str, str | None] = dict.fromkeys(missing)
    taken: set[str] = set()
    for _, _, _, name, header in sorted(scored):
        if closest[name] is None and header not in taken:
            closest[name] = header
            taken.add(header)
    return closest


def yaml_text(value: str) -> str:
    """A string as YAML writes it in a flow mapping: double-quoted, escaped as JSON is.

    >>> print(yaml_text('Estab "URN"'))
    "Estab \\"URN\\""
    """
    return json.dumps(value, ensure_ascii=False)


def columns_yaml(pairs: Mapping[str, str]) -> str:
    """The ``columns:`` line that maps headers (keys) onto columns (values).

    >>> columns_yaml({"Estab URN": "school_urn"})
    'columns: {"Estab URN": school_urn}'
    """
    return "columns: {" + ", ".join(f"{yaml_text(h)}: {c}" for h, c in pairs.items()) + "}"


def missing_columns_error(
    headers: Sequence, match: ColumnMatch, missing: list[str], aliases: Mapping
) -> MissingColumnsError:
    """The error for required columns that are missing: each with the closest unused header
    (one header for one column at most) and the ``columns:`` line that would map them."""
    closest = suggest_headers(match, aliases, missing)
    parts = [
        f"{name} (closest header found: '{closest[name]}')" if closest[name] else name
        for name in missing
    ]
    pairs = {closest[n] or f"<its header in the file, for {n}>": n for n in missing}
    return MissingColumnsError(
        "required columns missing: " + "; ".join(parts),
        missing=missing,
        closest=closest,
        yaml=columns_yaml(pairs),
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


# --- the engine: declared columns in; a clean table, a quarantine and a reconciliation out


@dataclass(frozen=True)
class Spec:
    """One canonical column of an export, declared: how it is found, read and judged.

    ``parse`` reads the column's distinct values (tidied text, a ``pandas.Series``) and returns
    their values and a mask of those that cannot be read (non-blank); ``None`` keeps the text
    (blank is missing). A ``whole`` column (distinct on most rows: an id, a fee) is not
    dictionary-encoded: its parser gets every row's trimmed text as one Arrow array.

    ``bad`` names the quarantine reason for a value that does not parse; ``flag`` instead keeps
    the row, leaves the value blank (or ``fallback``) and flags it. A ``required`` column
    must be in the export, and a blank value quarantines the row (``<name>: missing``) unless
    ``blank_ok`` (blank is an answer: "not recorded"). ``pseudonym`` replaces the column by its
    keyed hash (the text says how, in ``cleaning.json``); ``dropped`` reads the column for
    checks only (a date of birth). ``dtype`` is the clean column's: ``category`` builds a
    categorical from the distinct values without a string per row.
    """

    required: bool = False
    parse: Callable[[object], tuple[object, object]] | None = None
    bad: str | None = None
    flag: str | None = None
    fallback: str | None = None
    aliases: tuple[str, ...] = ()
    dtype: str = "string"
    whole: bool = False
    pseudonym: str | None = None
    dropped: bool = False
    blank_ok: bool = False
    #: accepted spellings (as ``normalise_label`` writes them) -> the value each is read as,
    #: for a column of categories: what an error names as the closest accepted values
    accepted: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Export:
    """A kind of export, declared: its columns and the checks that look across them.

    ``key`` names a row (a child's id, a home's URN): only rows whose key is blank can be
    blank rows, and only rows whose key repeats can be duplicates. The hooks, all optional:

    * ``special(columns) -> {label: mask}``: rows that are not records (totals, repeated
      headers); each gets only that reason;
    * ``reasons(columns) -> {label: mask}``: quarantine reasons across columns;
    * ``flags(columns, kept) -> {label: mask of kept}``: plausibility flags on kept rows;
    * ``derive(columns) -> {name: values of every row}``: columns made from others (an age);
      a name not declared is added to the clean table and the quarantine;
    * ``finish(clean) -> clean``: the clean table's schema check.

    ``tidy`` normalises a distinct text value (default ``_tidy``). Labels are joined in the
    order each kind of export has always written them: ``missing_first`` lists every
    ``<name>: missing`` before the other reasons, ``table_flags_first`` the cross-column flags
    before the columns' own.
    """

    columns: Mapping[str, Spec]
    key: str
    special: Callable[[Columns], dict[str, np.ndarray]] | None = None
    reasons: Callable[[Columns], dict[str, np.ndarray]] | None = None
    flags: Callable[[Columns, np.ndarray], dict[str, np.ndarray]] | None = None
    derive: Callable[[Columns], dict[str, object]] | None = None
    finish: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    tidy: Tidy | None = None
    missing_first: bool = False
    table_flags_first: bool = False

    @property
    def aliases(self) -> dict[str, tuple[str, ...]]:
        return {name: spec.aliases for name, spec in self.columns.items()}

    def missing(
        self, headers: Iterable[object], configured: Mapping[str, str | None] | None = None
    ) -> list[str]:
        """The required columns that ``headers`` lack."""
        found = set(match_columns(list(headers), self.aliases, configured).mapping.values())
        return [n for n, s in self.columns.items() if s.required and n not in found]


@dataclass
class _Read:
    """One column as the engine read it."""

    coded: _Coded | None  # dictionary-encoded text, or None for a whole column
    plain: pyarrow.Array | None  # a whole column's trimmed text
    values: object  # coded: each distinct value's; whole: each row's
    bad_values: np.ndarray  # coded: which distinct values cannot be read
    bad: np.ndarray  # rows whose value cannot be read
    blank: np.ndarray
    hashed: np.ndarray | None  # a pseudonym column's keyed hash of each row
    repeats: np.ndarray | None = None  # the key column: rows whose value repeats
    #: rows whose code and description name different values (a ``bad`` column's)
    conflict: np.ndarray | None = None


def _read_column(
    series: pd.Series | None,
    n: int,
    spec: Spec,
    key: bytes | None,
    tidy: Tidy | None,
    is_key: bool = False,
    values: Mapping[str, str] | None = None,
) -> _Read:
    """Read and parse one column (an absent optional column is blank); for the export's key,
    also which rows repeat a value (on the column's own thread). ``values`` are the report's
    own spellings of the column's values (``normalise_label`` of a spelling -> the value)."""
    read = _parse_read(series, n, spec, key, tidy, values)
    if is_key:
        names = read.hashed if read.hashed is not None else read.coded.codes
        read.repeats = pd.Series(names).duplicated(keep=False).to_numpy()
    return read


def _parse_read(
    series: pd.Series | None,
    n: int,
    spec: Spec,
    key: bytes | None,
    tidy: Tidy | None,
    values_map: Mapping[str, str] | None = None,
) -> _Read:
    """A column's text (whole, or dictionary-encoded), its parsed values and its pseudonyms."""
    if spec.whole:
        text = (
            _plain_text(series)
            if series is not None
            else pyarrow.array([""] * n, pyarrow.large_string())
        )
        hashed = siphash24(text, key) if spec.pseudonym else None
        values, bad = spec.parse(text) if spec.parse else (None, np.zeros(n, dtype=bool))
        blank = pc.equal(text, "").to_numpy(zero_copy_only=False)
        return _Read(None, text, values, np.zeros(0, bool), np.asarray(bad, bool), blank, hashed)
    coded = _encode(series, tidy) if series is not None else _empty_coded(n)
    conflict_values = None
    if spec.parse is None:  # text as written: nothing it cannot read
        values = np.array([u or None for u in coded.uniques.tolist()], dtype=object)
        bad_values, bad = np.zeros(len(coded.uniques), dtype=bool), np.zeros(n, dtype=bool)
    else:
        uniques = coded.uniques
        if values_map:
            uniques = pd.Series(
                [values_map.get(voc.normalise_label(u), u) if u else u for u in uniques],
                dtype=str,
            )
        values, bad_values = spec.parse(uniques)
        if isinstance(values, pd.Series):
            values = values.to_numpy()
        bad_values = np.asarray(bad_values, dtype=bool)
        conflict_values = _code_and_description(spec, uniques, values, bad_values)
        bad = coded.rows(bad_values)
    hashed = None
    if spec.pseudonym:
        distinct = _trimmed(pyarrow.array(coded.uniques.tolist(), pyarrow.large_string()))
        hashed = coded.rows(siphash24(distinct, key))
    read = _Read(coded, None, values, bad_values, bad, coded.blank, hashed)
    if conflict_values is not None:
        read.conflict = coded.rows(conflict_values)
    return read


_CODE_AND_DESCRIPTION = re.compile(r"(.+?)\s+[-\u2013\u2014:|]\s+(.+)")


def _code_and_description(
    spec: Spec, uniques: pd.Series, values: object, bad_values: np.ndarray
) -> np.ndarray | None:
    """Read the unreadable distinct values written as ``CODE - Description``: when both
    halves parse to one value, that value (``values`` and ``bad_values`` are updated in
    place); when they parse to two, a conflict (for a ``bad`` column: its own reason, so no
    longer ``bad``). Returns the distinct values in conflict, or None if there are none."""
    if not bad_values.any() or spec.whole:
        return None
    halves = [
        (i, m.group(1), m.group(2))
        for i in np.flatnonzero(bad_values).tolist()
        if (m := _CODE_AND_DESCRIPTION.fullmatch(uniques.iloc[i]))
    ]
    if not halves:
        return None
    left_values, left_bad = spec.parse(pd.Series([h[1] for h in halves], dtype=str))
    right_values, right_bad = spec.parse(pd.Series([h[2] for h in halves], dtype=str))
    left_values, right_values = list(left_values), list(right_values)
    conflict = np.zeros(len(bad_values), dtype=bool)
    for k, (i, _, _) in enumerate(halves):
        if left_bad[k] or right_bad[k] or pd.isna(left_values[k]) or pd.isna(right_values[k]):
            continue
        if left_values[k] == right_values[k]:
            values[i] = left_values[k]
            bad_values[i] = False
        elif spec.bad:
            conflict[i] = True
            bad_values[i] = False
    return conflict if conflict.any() else None


@dataclass
class Columns:
    """What the engine has read of an export, as the declarations' checks see it."""

    raw: pd.DataFrame
    match: ColumnMatch
    export: Export
    read: dict[str, _Read]
    source_row: np.ndarray
    #: rows whose key repeats (a superset of the duplicates)
    repeats: np.ndarray
    #: rows that are neither blank nor duplicates (set before ``special`` and ``reasons``)
    counted: np.ndarray | None = None
    #: what a declaration's hooks share (worked out once)
    memo: dict = field(default_factory=dict)

    def values(self, name: str, rows=slice(None)):
        """Each row's parsed value of a column."""
        read = self.read[name]
        if read.coded is None:
            return read.values[rows]
        return read.coded.rows(read.values, rows)

    def text(self, name: str, rows=slice(None)) -> np.ndarray:
        """Each row's tidied text of a column (``""`` when blank)."""
        read = self.read[name]
        if read.coded is None:
            return read.plain.to_numpy(zero_copy_only=False)[rows]
        return read.coded.rows(np.asarray(read.coded.uniques, dtype=object), rows)

    def blank(self, name: str) -> np.ndarray:
        return self.read[name].blank

    def header(self, name: str) -> str:
        """The export's header of a matched column."""
        return next(h for h, c in self.match.mapping.items() if c == name)

    def frames(self, rows=None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Values and text of every declared column for ``rows`` (default all), as frames
        indexed by row position: for checks written with pandas on small exports."""
        rows = np.arange(len(self.source_row)) if rows is None else rows
        values = pd.DataFrame(
            {name: pd.Series(self.values(name, rows), index=rows) for name in self.read}
        )
        text = pd.DataFrame(
            {name: pd.Series(self.text(name, rows), index=rows) for name in self.read}
        )
        return values, text

    def _shown(self, name: str) -> object:
        """A coded column's distinct values as the clean table shows them (with the fallback
        for values that cannot be read)."""
        read, spec = self.read[name], self.export.columns[name]
        if spec.fallback is None or not read.bad_values.any():
            return read.values
        shown = np.asarray(read.values, dtype=object).copy()
        shown[read.bad_values] = spec.fallback
        return shown

    def clean_column(self, name: str, rows: np.ndarray, derived: object = None) -> object:
        """The clean table's column ``name`` for ``rows``."""
        read, spec = self.read[name], self.export.columns[name]
        if spec.pseudonym:
            return pd.arrays.ArrowStringArray(_hex16(read.hashed[rows]))
        if derived is not None:
            column = derived[rows]
        elif read.coded is None:
            column = read.values[rows]
        elif spec.dtype == "category":
            return _categorical(self._shown(name), read.coded.codes[rows])
        else:
            column = read.coded.rows(self._shown(name), rows)
        if str(getattr(column, "dtype", "")) == spec.dtype:
            return column
        return pd.Series(column).astype(spec.dtype).array

    def quarantine_column(self, name: str, rows: np.ndarray, unnamed: np.ndarray) -> object:
        """The quarantine's column ``name`` for ``rows``: the text as read, or the pseudonym
        (none for rows in ``unnamed``: a blank id, a totals or header row)."""
        read, spec = self.read[name], self.export.columns[name]
        if spec.pseudonym:
            return pd.arrays.ArrowStringArray(
                pc.if_else(
                    pyarrow.array(unnamed[rows]),
                    pyarrow.scalar("", pyarrow.large_string()),
                    _hex16(read.hashed[rows]),
                )
            )
        if read.coded is None:
            return pd.arrays.ArrowStringArray(read.plain.take(pyarrow.array(rows, pyarrow.int64())))
        return _strings(read.coded.uniques.tolist(), read.coded.codes[rows])


def conflict_reason(name: str) -> str:
    """The quarantine reason of a value whose code and description name different values."""
    return f"{name}: code and description name different values"


def _ordered_reasons(export: Export, columns: Columns) -> dict[str, np.ndarray]:
    """Each column's reasons (missing, unreadable), then those across columns."""
    missing, unreadable = [], []
    for name, spec in export.columns.items():
        if spec.required and not spec.blank_ok:
            missing.append((f"{name}: missing", columns.blank(name)))
        if spec.bad:
            (unreadable if export.missing_first else missing).append(
                (spec.bad, columns.read[name].bad)
            )
        if columns.read[name].conflict is not None:
            (unreadable if export.missing_first else missing).append(
                (conflict_reason(name), columns.read[name].conflict)
            )
    reasons = dict(missing + unreadable)
    if export.reasons:
        reasons.update(export.reasons(columns))
    return reasons


def _check_duplicated(raw: pd.DataFrame, match: ColumnMatch, duplicated: Mapping) -> None:
    """A header given twice for a used column: refused when the two hold different values,
    else the second is recorded as a repeat (the first is used)."""
    used = {header: name for header, name in match.mapping.items()}
    for decision in match.decisions:
        header = decision["header"]
        written = duplicated.get(header)
        if written is None:
            continue
        first = next((h for h in raw.columns if h == written or duplicated.get(h) == written), None)
        if first is None or first == header:
            continue
        name = used.get(first) or used.get(header)
        if name is None:
            continue
        a = _plain_text(raw[first]).to_numpy(zero_copy_only=False)
        b = _plain_text(raw[header]).to_numpy(zero_copy_only=False)
        differ = np.flatnonzero(a != b)
        column_of = {h: i + 1 for i, h in enumerate(raw.columns)}
        where = f"columns {column_of[first]} and {column_of[header]}"
        if len(differ):
            rows = raw.index.to_numpy()[differ] if raw.index.name == "source_row" else differ + 2
            raise ExportFault(
                f"the header '{written}' is given twice ({where}) and the two differ on "
                f"{len(differ)} rows (first on row {int(rows[0])}), so which is {name} cannot "
                "be told",
                "delete or rename the one that is not wanted in the export",
            )
        decision["how"] = (
            f"a second '{written}' header ({where}), with the same values: the first is used"
        )
        decision["column"] = None


def _value_maps(
    values: Mapping[str, Mapping[str, str]], specs: Mapping[str, Spec], present: set[str]
) -> dict[str, dict[str, str]]:
    """A report's ``values:`` mapping, checked: column -> {normalised spelling: value}."""
    maps: dict[str, dict[str, str]] = {}
    for name, spellings in values.items():
        spec = specs.get(name)
        if spec is None:
            raise ExportFault(
                f"values: names '{name}', which is not a column of this kind of export "
                f"(its columns: {', '.join(specs)})",
                "give values under one of those column names",
            )
        if spec.whole or spec.pseudonym:
            raise ExportFault(
                f"values: cannot be given for {name} (each row's value is read as written)",
                f"remove values: {name}",
            )
        if spec.parse is not None and spellings:
            targets = pd.Series([str(v) for v in spellings.values()], dtype=str)
            _, bad = spec.parse(targets)
            wrong = [t for t, b in zip(targets, np.asarray(bad, dtype=bool), strict=True) if b]
            if wrong:
                accepted = sorted(set(spec.accepted.values()))
                raise ExportFault(
                    f"values: {name} maps to '{wrong[0]}', which is not a value of {name}"
                    + (f" (its values: {', '.join(accepted)})" if accepted else ""),
                    "map each spelling to one of those values",
                )
        maps[name] = {voc.normalise_label(str(k)): str(v) for k, v in spellings.items()}
    return maps


def _damaged_rows(raw: pd.DataFrame, source_row: np.ndarray) -> dict[str, np.ndarray]:
    """Rows in which the reader found damaged bytes (a NUL byte), one reason per column."""
    damaged = raw.attrs.get("ingest", {}).get("damaged_cells", [])
    masks: dict[str, np.ndarray] = {}
    position = {int(r): i for i, r in enumerate(source_row)} if damaged else {}
    for cell in damaged:
        label = f"damaged bytes (a NUL byte) in column '{cell['column']}'"
        mask = masks.setdefault(label, np.zeros(len(source_row), dtype=bool))
        if int(cell["source_row"]) in position:
            mask[position[int(cell["source_row"])]] = True
    return masks


def _check_quarantine(
    columns: Columns,
    reasons: Mapping[str, np.ndarray],
    special: set[str],
    quarantined: np.ndarray,
    warning_share: float,
    refuse: bool = True,
) -> list[str]:
    """Refuse an export that nearly every row of would be quarantined for one reason, or
    every row of (``ExportFault``: the column, the values not recognised, the closest
    accepted ones); return the warning for a share above ``warning_share``."""
    records = columns.counted.copy()
    for label in special:  # totals and repeated header rows are not records
        if label in reasons and not label.startswith("damaged"):
            records &= ~reasons[label]
    total = int(records.sum())
    held = int((quarantined & records).sum())
    if not total or not held:
        return []
    counts = {label: int((mask & records).sum()) for label, mask in reasons.items()}
    top = max(counts, key=lambda label: (counts[label], label))
    if refuse and (counts[top] >= NEARLY_ALL * total or held == total):
        raise _nearly_all_error(columns, top, counts[top], held, total, records)
    if held > warning_share * total:
        return [
            f"{held} of {total} rows ({held / total:.0%}) are quarantined, more than the "
            f"{warning_share:.0%} this report warns at; the commonest reason: {top} "
            f"({counts[top]} rows)"
        ]
    return []


def _reason_column(columns: Columns, reason: str) -> str | None:
    for name, spec in columns.export.columns.items():
        if reason in (spec.bad, f"{name}: missing", conflict_reason(name)):
            return name
    return None


def _nearly_all_error(
    columns: Columns, reason: str, count: int, held: int, total: int, records: np.ndarray
) -> ExportFault:
    """The whole-file fault for an export whose rows are nearly all quarantined."""
    share = f"{held} of {total} rows would be quarantined"
    name = _reason_column(columns, reason)
    if name is None:
        return ExportFault(
            f"{share}, {count} of them as '{reason}'; the export may not be what it seems",
            "check that the file is the placements export the report expects",
        )
    header = columns.header(name) if name in columns.match.mapping.values() else None
    spec, read = columns.export.columns[name], columns.read[name]
    what = f"{share}, {count} as '{reason}' (column '{header or name}')"
    if reason == f"{name}: missing":
        return ExportFault(
            f"{what}: the column is blank on every one of them",
            "check that the right column holds "
            f"{name} (map another with columns:) or fill it in the export",
            yaml=columns_yaml({"<the header that holds it>": name}),
        )
    mask = read.conflict if reason == conflict_reason(name) else read.bad
    text = pd.Series(columns.text(name)[mask & records])
    seen = text.value_counts(sort=False)
    seen = seen.iloc[np.lexsort((seen.index.to_numpy(), -seen.to_numpy()))].head(5)
    lookup = dict(spec.accepted)
    keys = list(lookup)
    shown, pairs = [], {}
    for value, rows in seen.items():
        close = difflib.get_close_matches(voc.normalise_label(value), keys, n=1, cutoff=0.6)
        if not close and keys:  # a code and its description: the half that is closest
            halves = _CODE_AND_DESCRIPTION.fullmatch(value)
            for half in halves.groups() if halves else ():
                close = close or difflib.get_close_matches(
                    voc.normalise_label(half), keys, n=1, cutoff=0.6
                )
        guess = lookup[close[0]] if close else None
        shown.append(
            f"'{value}' ({rows} rows" + (f", closest accepted: {guess})" if guess else ")")
        )
        pairs[value] = guess
    accepted = sorted(set(lookup.values()))
    problem = f"{what}: values not recognised: {', '.join(shown)}"
    if accepted and not all(pairs.values()):
        problem += f"; accepted values: {', '.join(accepted)}"
    if not keys:
        return ExportFault(problem, f"correct the {name} values in the export")
    mapping = ", ".join(
        f"{yaml_text(v)}: {g or '<one of the accepted values>'}" for v, g in pairs.items()
    )
    return ExportFault(
        problem,
        f"correct the {name} values in the export, or say what each one means",
        yaml=f"values: {{{name}: {{{mapping}}}}}",
    )


#: A file is refused when one reason would quarantine at least this share of its rows (or
#: every row is quarantined): a column misread, not a few bad rows.
NEARLY_ALL = 0.9
#: The share of rows quarantined above which the report warns, unless a report sets another.
WARNING_SHARE = 0.2


def clean_table(
    raw: pd.DataFrame,
    export: Export,
    *,
    snapshot_date: dt.date,
    source: str,
    salt: str | None = None,
    columns: Mapping[str, str | None] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    warning_share: float | None = None,
    refuse_nearly_all: bool = True,
) -> CleanResult:
    """Clean any export declared by ``export`` into a clean table, a quarantine and a report.

    Every input row ends in exactly one place: the clean table, the quarantine (its source
    row, every reason and its values as read) or the duplicates count; blank rows are counted
    apart. Each column is read once (dictionary-encoded, parsed on its distinct values; a
    ``whole`` column by Arrow and numpy), on several threads for a large export, so no check
    runs a Python loop over rows.

    Parameters
    ----------
    raw : pandas.DataFrame
        As ``ingest.read_export`` returns it: every cell text, indexed by ``source_row`` (any
        other index is numbered from 2, as if row 1 were the header).
    export : Export
        The declared columns and the checks across them.
    salt : str, optional
        Pseudonymisation salt; defaults to the environment, else a random one.
    columns : mapping, optional
        A report's own headers: header -> column (``None`` sets a header aside).
    values : mapping, optional
        A report's own spellings: column -> {spelling: the value it means}.
    warning_share : float, optional
        Warn (in the report's ``warnings``) when more than this share of the rows is
        quarantined (default ``WARNING_SHARE``).
    refuse_nearly_all : bool
        Refuse an export nearly every row of would be quarantined for one reason (share
        ``NEARLY_ALL``), or every row of; only a test of the reconciliation on arbitrary
        input turns this off.

    Raises
    ------
    MissingColumnsError
        When a required column is absent (with the closest headers and the ``columns:`` line).
    ExportFault
        When nearly every row would be quarantined for one reason, a header repeats with other
        values, or ``columns``/``values`` do not fit the export.
    """
    duplicated = dict(raw.attrs.get("ingest", {}).get("duplicate_headers", {}))
    if not raw.columns.is_unique:  # read_export never does this; a hand-made frame might
        again = raw.columns.duplicated()
        renamed = [
            f"{c} (column {i + 1})" if again[i] else str(c) for i, c in enumerate(raw.columns)
        ]
        duplicated.update(
            {r: str(c) for r, c, a in zip(renamed, raw.columns, again, strict=True) if a}
        )
        raw = raw.set_axis(renamed, axis=1)
    specs = export.columns
    match = match_columns(raw.columns, export.aliases, columns, duplicated)
    present = set(match.mapping.values())
    missing = [name for name, spec in specs.items() if spec.required and name not in present]
    if missing:
        raise missing_columns_error(raw.columns, match, missing, export.aliases)
    _check_duplicated(raw, match, duplicated)
    value_maps = _value_maps(values or {}, specs, present)
    n = len(raw)
    if raw.index.name == "source_row" and pd.api.types.is_integer_dtype(raw.index):
        source_row = raw.index.to_numpy(dtype=np.int64)
    else:
        source_row = np.arange(2, n + 2, dtype=np.int64)  # row 1 is the header
    column = {canonical: raw[header] for header, canonical in match.mapping.items()}

    # Each column is read and parsed on its own (on several threads for a large export).
    pseudonymised = [spec.pseudonym for spec in specs.values() if spec.pseudonym]
    salt_value, salt_source = resolve_salt(salt) if pseudonymised else (None, None)
    key = salt_key(salt_value) if pseudonymised else None
    tasks = {
        name: functools.partial(
            _read_column,
            column.get(name),
            n,
            spec,
            key,
            export.tidy,
            name == export.key,
            value_maps.get(name),
        )
        for name, spec in specs.items()
    }
    read = _run_all(tasks, parallel=n >= PARALLEL_ROWS)
    named = read[export.key]
    repeats = named.repeats
    columns = Columns(raw, match, export, read, source_row, repeats)

    # Blank rows (every cell empty, recognised or not) and duplicates (identical normalised
    # rows, found among rows whose key repeats).
    blank = _blank_rows(raw, named.blank)
    duplicate, duplicate_of = _duplicates(
        repeats & ~blank,
        {name: r.coded for name, r in read.items() if r.coded is not None},
        {name: r.plain for name, r in read.items() if r.coded is None},
    )
    counted = ~blank & ~duplicate
    columns.counted = counted

    # Rows that are not records, or whose bytes are damaged, get only that reason; the
    # others every reason found.
    special = {
        label: np.asarray(mask, dtype=bool) & counted
        for label, mask in {
            **(export.special(columns) if export.special else {}),
            **_damaged_rows(raw, source_row),
        }.items()
    }
    not_special = ~np.logical_or.reduce([np.zeros(n, dtype=bool), *special.values()])
    reasons = {
        label: np.asarray(mask, dtype=bool) & counted & not_special
        for label, mask in _ordered_reasons(export, columns).items()
    }
    reasons.update(special)
    quarantined = np.logical_or.reduce([np.zeros(n, dtype=bool), *reasons.values()])
    warnings = _check_quarantine(
        columns,
        reasons,
        set(special),
        quarantined,
        WARNING_SHARE if warning_share is None else warning_share,
        refuse_nearly_all,
    )
    kept = np.flatnonzero(counted & ~quarantined)
    held = np.flatnonzero(quarantined)

    # The clean table (its columns built on several threads for a large export) and its flags.
    derived = export.derive(columns) if export.derive else {}
    derived = {k: v.array if isinstance(v, pd.Series) else v for k, v in derived.items()}
    outputs: dict[str, Callable[[], object]] = {
        name: functools.partial(columns.clean_column, name, kept, derived.get(name))
        for name, spec in specs.items()
        if not spec.dropped
    }
    for name, values in derived.items():
        if name not in specs:
            outputs[name] = functools.partial(values.__getitem__, kept)
    built = _run_all(outputs, parallel=len(kept) >= PARALLEL_ROWS)
    clean = pd.DataFrame({"source_row": source_row[kept], **built}, copy=False)
    own = {spec.flag: read[name].bad[kept] for name, spec in specs.items() if spec.flag}
    across = export.flags(columns, kept) if export.flags else {}
    flag_masks = {
        label: np.asarray(mask, dtype=bool)
        for label, mask in (
            {**across, **own} if export.table_flags_first else {**own, **across}
        ).items()
    }
    clean["flags"] = _joined(flag_masks, np.arange(len(kept)))
    if export.finish:
        clean = export.finish(clean)

    # The quarantine: source row, reasons, the values as read (pseudonyms for ids).
    unnamed = ~not_special
    for name, spec in specs.items():
        if spec.pseudonym:
            unnamed = unnamed | read[name].blank
    quarantine = pd.DataFrame({"source_row": source_row[held], "reasons": _joined(reasons, held)})
    for name, spec in specs.items():
        if not spec.dropped:
            quarantine[name] = columns.quarantine_column(name, held, unnamed)
    for name, values in derived.items():
        if name not in specs:
            quarantine[name] = values[held]

    totals = special.get(TOTALS_ROW, np.zeros(n, dtype=bool))
    report = CleanReport(
        source=source,
        snapshot_date=snapshot_date.isoformat(),
        rows_in=int(counted.sum() + duplicate.sum()),
        clean=len(clean),
        quarantined=len(held),
        duplicates=int(duplicate.sum()),
        blank_rows_skipped=int(blank.sum()),
        reasons={k: int(v.sum()) for k, v in reasons.items() if v.any()},
        flags={k: int(v.sum()) for k, v in flag_masks.items() if v.any()},
        flagged_rows=int(clean["flags"].ne("").sum()),
        totals_rows=tuple(sorted(int(r) for r in source_row[totals])),
        duplicate_rows=tuple(
            {"source_row": int(source_row[r]), "same_as": int(source_row[f])}
            for r, f in duplicate_of[:DUPLICATES_LISTED]
        ),
        columns_matched=match.mapping,
        columns_not_used=match.not_used,
        columns_ignored=tuple(match.ignored),
        identifier_columns_dropped=tuple(match.identifiers),
        column_decisions=tuple(match.decisions),
        warnings=tuple(warnings),
        pseudonymisation={"method": pseudonymised[0], "salt_source": salt_source}
        if pseudonymised
        else "not applicable (no child identifiers)",
        ingest=dict(raw.attrs.get("ingest", {})),
    )
    return CleanResult(clean=clean, quarantine=quarantine, report=report)
