"""An INMSS placement export, declared for the cleaning engine, and ``clean_snapshot``.

``placement_export`` declares the canonical columns of ``vocabulary.CANONICAL_COLUMNS``
(``../shared/SNAPSHOT_SPEC.md``) on the engine (``pipeline.clean_engine.clean_table``), read
against a report's framework and council: each column's parser, quarantine reason or
plausibility flag, with totals and repeated header rows, ages and year groups from dates of
birth and overlapping placements as hooks. ``clean_snapshot`` cleans one export with it and
checks the clean table against ``clean_schema`` (pandera). The value parsers are the core's
(``pipeline.clean``). A value that cannot be read is a quarantine reason, never a guess; a
value that can be read but looks wrong is a plausibility flag on a kept row.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from pipeline import vocabulary as voc
from pipeline.clean import (
    AGE_RANGE,
    _categories,
    _dates,
    _money,
    _ncys,
    _overlaps,
    _urns,
    age_on,
)
from pipeline.clean_engine import (
    TOTALS_ROW,
    CleanResult,
    ColumnMatch,
    Columns,
    Export,
    Spec,
    _buffers,
    clean_table,
    match_columns,
    normalise_text,
)
from pipeline.config import Framework
from pipeline.councils import Council


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


#: Reasons a row is quarantined. Each is a label in quarantine.csv and a count in cleaning.json.
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


def framework_lookup(framework: Framework) -> dict[str, str]:
    """Accepted spellings of each framework category, from configuration."""
    lookup: dict[str, str] = {}
    for category in framework.categories:
        for label in (category.name, *category.aliases):
            lookup[voc.normalise_label(label)] = category.name
    return lookup


def missing_columns(
    columns: Iterable[object], configured: Mapping[str, str | None] | None = None
) -> list[str]:
    """The required columns of a placement export that ``columns`` (its headers) lack
    (``configured``: a ``columns:`` mapping of the report's own headers).

    >>> missing_columns(["Child ID", "Provision URN"])[:2]
    ['school_name', 'framework_status']
    """
    present = set(match_columns(list(columns), None, configured).mapping.values())
    return [c for c in voc.REQUIRED_COLUMNS if c not in present]


def expected_ncy(dob: pd.Series, on: dt.date) -> pd.Series:
    """NCY a child born on ``dob`` is in during the academic year containing ``on``."""
    day = pd.Timestamp(on)
    academic_start = day.year if day.month >= 9 else day.year - 1
    aug31 = pd.Timestamp(academic_start, 8, 31)
    return age_on(dob, aug31.date()) - 4


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


# --- INMSS placement exports, declared

_DATE = "datetime64[ns]"
PSEUDONYM_METHOD = "SipHash-2-4(key=SHA-256(salt)[:16], trimmed id), 16 hex digits"


def _needs(text: pd.Series, lookup: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Primary needs; a blank need is recorded as not recorded (a valid answer)."""
    values, bad = _categories(text, lookup)
    return np.where(text == "", voc.NOT_RECORDED, values), bad


def _placement_reasons(columns: Columns) -> dict[str, np.ndarray]:
    return {
        REASONS["end_before_start"]: columns.values("placement_end")
        < columns.values("placement_start"),
        REASONS["negative_fee"]: columns.values("annual_fee") < 0,
    }


def _placement_special(columns: Columns) -> dict[str, np.ndarray]:
    """Totals rows and repeated headers: only rows with no id, or an id that reads as a label."""
    pupil = columns.read["pupil_id"]
    label_like = _label_like(pupil.plain, columns.header("pupil_id"))
    candidates = np.flatnonzero(columns.counted & (pupil.blank | label_like))
    special = _special_rows(
        columns.raw, candidates, columns.match, columns.values("annual_fee"), columns.counted
    )
    masks = {}
    for kind in (TOTALS_ROW, REPEATED_HEADER):
        masks[kind] = np.zeros(len(columns.source_row), dtype=bool)
        masks[kind][[r for r, k in special.items() if k == kind]] = True
    return masks


def _ages(columns: Columns, snapshot_date: dt.date) -> tuple[object, np.ndarray, np.ndarray]:
    """On the distinct dates of birth: each row's age (blank when implausible), and which
    distinct dates give a plausible age and the year group expected of it."""
    if "ages" not in columns.memo:
        dob = pd.Series(columns.read["date_of_birth"].values)
        age = age_on(dob, snapshot_date)
        plausible = age.between(*AGE_RANGE).fillna(False).to_numpy(bool)
        expected = expected_ncy(dob, snapshot_date).to_numpy(dtype="float64", na_value=np.nan)
        rows = columns.read["date_of_birth"].coded.rows(age.where(plausible).array)
        columns.memo["ages"] = rows, plausible, expected
    return columns.memo["ages"]


def _placement_flags(
    columns: Columns, kept: np.ndarray, snapshot_date: dt.date, fee_ceiling: float
) -> dict[str, np.ndarray]:
    _, plausible, expected = _ages(columns, snapshot_date)
    dob = columns.read["date_of_birth"].coded
    ncy = pd.array(columns.values("ncy", kept)).to_numpy(dtype="float64", na_value=np.nan)
    ncy_gap = np.abs(ncy - dob.rows(expected, kept))
    pupils = columns.read["pupil_id"].hashed[kept]
    return {
        FLAGS["fee"].format(ceiling=fee_ceiling): columns.values("annual_fee", kept) > fee_ceiling,
        FLAGS["overlap"]: _overlaps(
            pupils,
            columns.values("placement_start", kept),
            columns.values("placement_end", kept),
            maybe=columns.repeats[kept],
        ),
        FLAGS["ncy_age"]: (ncy_gap > 1) & dob.rows(plausible, kept),
        FLAGS["age"]: ~dob.blank[kept] & ~dob.rows(plausible, kept),
    }


def placement_export(
    framework: Framework, council: Council, snapshot_date: dt.date, fee_ceiling: float
) -> Export:
    """The declaration of an INMSS placement export: the canonical columns of
    ``vocabulary.CANONICAL_COLUMNS`` (required as declared there, headers from
    ``HEADER_ALIASES``), read against a report's framework and council."""

    def category(lookup: dict[str, str], **spec) -> Spec:
        return Spec(
            parse=functools.partial(_categories, lookup=lookup),
            dtype="category",
            accepted=lookup,
            **spec,
        )

    needs = voc.label_lookup(voc.NEED_ALIASES, *voc.PRIMARY_NEEDS)

    reason = {
        name: label.format(names=", ".join(framework.names), council=council.name)
        for name, label in REASONS.items()
    }
    declared: dict[str, Spec] = {
        "pupil_id": Spec(whole=True, pseudonym=PSEUDONYM_METHOD),
        "school_urn": Spec(parse=_urns, bad=reason["school_urn"], dtype="Int64"),
        "school_name": Spec(dtype="category"),
        "school_type": category(voc.label_lookup(voc.SCHOOL_TYPES), flag=FLAGS["school_type"]),
        "framework_status": category(framework_lookup(framework), bad=reason["framework_status"]),
        "school_district": category(
            voc.label_lookup(voc.district_aliases(council)), bad=reason["school_district"]
        ),
        "school_la": Spec(dtype="category"),
        "primary_need": Spec(
            parse=functools.partial(_needs, lookup=needs),
            bad=reason["primary_need"],
            dtype="category",
            blank_ok=True,
            accepted=needs,
        ),
        "ncy": Spec(parse=_ncys, bad=reason["ncy"], dtype="Int64"),
        "placement_type": category(
            voc.label_lookup(voc.PLACEMENT_TYPES), bad=reason["placement_type"]
        ),
        "placement_start": Spec(parse=_dates, bad=reason["placement_start"], dtype=_DATE),
        "placement_end": Spec(
            parse=_dates,
            bad=reason["placement_end"],
            dtype=_DATE,
        ),
        "annual_fee": Spec(
            parse=_money,
            bad=reason["annual_fee"],
            dtype="float64",
            whole=True,
        ),
        "home_district": category(
            voc.label_lookup(voc.home_district_aliases(council)), flag=FLAGS["home_district"]
        ),
        "sex": category(
            voc.label_lookup(voc.SEX_CODES), flag=FLAGS["sex"], fallback="Other or not recorded"
        ),
        "ethnicity": category(
            voc.label_lookup(voc.ETHNIC_GROUPS), flag=FLAGS["ethnicity"], fallback="Not known"
        ),
        "date_of_birth": Spec(parse=_dates, bad=reason["date_of_birth"], dropped=True),
    }
    specs = {
        name: replace(
            declared[name],
            required=required,
            aliases=tuple(voc.HEADER_ALIASES.get(name, ())),
        )
        for name, required in voc.CANONICAL_COLUMNS.items()
    }
    schema = clean_schema(tuple(council.districts), council.outside)
    return Export(
        specs,
        key="pupil_id",
        special=_placement_special,
        reasons=_placement_reasons,
        flags=functools.partial(
            _placement_flags, snapshot_date=snapshot_date, fee_ceiling=fee_ceiling
        ),
        derive=lambda columns: {"age": _ages(columns, snapshot_date)[0]},
        finish=lambda clean: schema.validate(clean, inplace=True),  # a new table: no copy
        missing_first=True,
        table_flags_first=True,
    )


def clean_snapshot(
    raw: pd.DataFrame,
    *,
    framework: Framework,
    council: Council,
    snapshot_date: dt.date,
    fee_ceiling: float = 350_000,
    salt: str | None = None,
    source: str = "export",
    columns: Mapping[str, str | None] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    warning_share: float | None = None,
    refuse_nearly_all: bool = True,
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
    columns, values, warning_share, refuse_nearly_all
        A report's own headers and spellings, the quarantined share it warns above, and
        whether a file nearly all quarantined is refused (``clean_engine.clean_table``).

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
    ExportFault
        When nearly every row would be quarantined for one reason, or the mappings do not fit.
    """
    export = placement_export(framework, council, snapshot_date, fee_ceiling)
    result = clean_table(
        raw,
        export,
        snapshot_date=snapshot_date,
        source=source,
        salt=salt,
        columns=columns,
        values=values,
        warning_share=warning_share,
        refuse_nearly_all=refuse_nearly_all,
    )
    details = {
        "fee_ceiling_gbp": fee_ceiling,
        "date_of_birth": "used for age and year-group checks, then dropped"
        if "date_of_birth" in result.report.columns_matched.values()
        else "not in the export",
    }
    return replace(result, report=replace(result.report, details=details))
