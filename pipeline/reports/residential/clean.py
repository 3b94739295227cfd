"""Clean the two exports of the residential children's homes report: homes and placements.

The rules are those of ``pipeline.clean`` for INMSS placements: headers are matched through a
declared alias table (``HOMES_COLUMNS``, ``PLACEMENTS_COLUMNS``), direct identifiers are
dropped, child ids pseudonymised, and every input row ends in exactly one place (the clean
table, the quarantine with its source row and every reason, or the duplicates count), so
``rows_in = clean + quarantined + duplicates``. A value that cannot be read is a quarantine
reason, never a guess; a value that can be read but looks wrong is a flag on a kept row.

Dates, money, categories, pseudonyms, ages from dates of birth, overlap checks and flag labels
come from ``pipeline.clean``; only what INMSS exports do not have is read here (whole numbers,
distances, Ofsted URNs, authority names). The columns are declared (``Spec``) and the checks
across columns are small hooks; the engine ``pipeline.clean_engine.clean_table`` does the rest, the
same engine that cleans INMSS placements.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline import vocabulary as voc
from pipeline.clean import (
    age_on,
    overlapping_pupils,
    parse_category,
    parse_dates,
    parse_money,
)
from pipeline.clean_engine import (
    TOTALS_ROW,
    CleanResult,
    Columns,
    Export,
    Spec,
    clean_table,
)
from pipeline.councils import load_council

Parser = Callable[[pd.Series], tuple[pd.Series, pd.Series]]

DISABLED_CHILDRENS_TEAM = "Disabled Children's Team"
NOT_YET_INSPECTED = "Not yet inspected"
#: Ofsted's overall effectiveness grades of a children's home, best first.
OFSTED_RATINGS: tuple[str, ...] = (
    "Outstanding",
    "Good",
    "Requires improvement to be good",
    "Inadequate",
    NOT_YET_INSPECTED,
)
PROVIDER_TYPES: tuple[str, ...] = ("private", "voluntary", "local authority")
#: Weekly costs above this are kept but flagged for checking.
WEEKLY_COST_CEILING = 25_000.0
AGE_LIMITS = (0, 25)
BEDS_LIMITS = (1, 100)

RATING_ALIASES: dict[str, str] = {
    "outstanding": "Outstanding",
    "1": "Outstanding",
    "good": "Good",
    "2": "Good",
    "requires improvement to be good": "Requires improvement to be good",
    "requires improvement": "Requires improvement to be good",
    "ri": "Requires improvement to be good",
    "3": "Requires improvement to be good",
    "inadequate": "Inadequate",
    "4": "Inadequate",
    "not yet inspected": NOT_YET_INSPECTED,
    "not inspected": NOT_YET_INSPECTED,
    "awaiting first inspection": NOT_YET_INSPECTED,
    "new registration": NOT_YET_INSPECTED,
}
PROVIDER_TYPE_ALIASES: dict[str, str] = {
    "private": "private",
    "private sector": "private",
    "independent": "private",
    "for profit": "private",
    "voluntary": "voluntary",
    "voluntary sector": "voluntary",
    "charity": "voluntary",
    "third sector": "voluntary",
    "not for profit": "voluntary",
    "local authority": "local authority",
    "la": "local authority",
    "council": "local authority",
    "in house": "local authority",
}
TEAM_ALIASES: dict[str, str] = {
    "disabled childrens team": DISABLED_CHILDRENS_TEAM,
    "disabled childrens teams": DISABLED_CHILDRENS_TEAM,
    "disabled children team": DISABLED_CHILDRENS_TEAM,
    "dct": DISABLED_CHILDRENS_TEAM,
    "disabled children young peoples service": DISABLED_CHILDRENS_TEAM,
    "dcyps": DISABLED_CHILDRENS_TEAM,
    "children in care": "Children in Care",
    "children in care team": "Children in Care",
    "cic": "Children in Care",
    "looked after children": "Children in Care",
    "adolescent service": "Adolescent Service",
    "adolescent team": "Adolescent Service",
    "adolescents": "Adolescent Service",
}
#: Spellings of the partner authorities that a generic rule (dropping "County Council" and the
#: like) does not reach.
AUTHORITY_ALIASES: dict[str, str] = {"kcc": "Kent", "wscc": "West Sussex"}
#: The host of the regional procurement (seed 004), whose districts homes and homes' areas are
#: checked against. Still fixed for this type: a definition's own council should choose it.
HOST = load_council("kent")
HOST_DISTRICTS = voc.district_aliases(HOST)
_COUNCIL_SUFFIX = re.compile(
    r"\s+(county|city|borough|district|metropolitan borough)?\s*council$", re.IGNORECASE
)
_TOTALS = re.compile(r"(grand |sub |overall )?(sub)?totals?\b.*", re.IGNORECASE)


# --- value parsers: text in, (values, unusable non-blank mask) out


def _strip(series: pd.Series) -> pd.Series:
    """Text with non-breaking spaces made plain, runs of spaces collapsed and ends trimmed."""
    text = series.astype("string").fillna("").str.replace("\u00a0", " ", regex=False)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def parse_text(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Free text kept as written (spacing tidied); blank is missing. Never unusable."""
    text = _strip(series)
    return text.mask(text == ""), pd.Series(False, index=series.index)


def parse_whole(series: pd.Series, *, low: int, high: int) -> tuple[pd.Series, pd.Series]:
    """Whole numbers from ``low`` to ``high`` (an Excel ``.0`` tail is tolerated).

    >>> values, bad = parse_whole(pd.Series(["4", "4.0", "4.5", "x", "", "0"]), low=1, high=9)
    >>> values.tolist(), bad.tolist()
    ([4, 4, <NA>, <NA>, <NA>, <NA>], [False, False, True, True, False, True])
    """
    text = _strip(series)
    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce").astype("Float64")
    ok = (numbers.notna() & (numbers == numbers.round()) & numbers.between(low, high)).fillna(False)
    values = numbers.where(ok).round().astype("Int64")
    return values, (~ok & (text != "")).astype(bool)


def parse_distance(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Distances in kilometres, ``12.5`` or ``12.5 km``; negative or non-numbers are unusable.

    >>> values, bad = parse_distance(pd.Series(["12.5", "40 km", "-3", "far", ""]))
    >>> values.tolist()[:2], bad.tolist()
    ([12.5, 40.0], [False, False, True, True, False])
    """
    text = _strip(series).str.replace(r"\s*(km|kms|kilometres)$", "", regex=True, case=False)
    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce").astype("float64")
    ok = pd.Series(numbers >= 0, index=series.index)
    return numbers.where(ok), (~ok & (text != "")).astype(bool)


_OFSTED_URN = re.compile(r"SCX?\d{6}|\d{7}")


def parse_ofsted_urn(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ofsted unique reference numbers of children's homes: ``SC`` and six digits (``SCX`` for
    the fictional homes of the sample data) or seven digits; case and spaces do not matter.

    >>> values, bad = parse_ofsted_urn(pd.Series(["sc123456", "SC 123456", "2512345", "12"]))
    >>> values.tolist(), bad.tolist()
    (['SC123456', 'SC123456', '2512345', <NA>], [False, False, False, True])
    """
    text = _strip(series).str.upper().str.replace(" ", "", regex=False)
    ok = text.str.fullmatch(_OFSTED_URN.pattern).fillna(False).astype(bool)
    return text.where(ok).mask(text == ""), (~ok & (text != "")).astype(bool)


def authority_name(text: str) -> str:
    """A local authority's short name: ``Kent County Council`` -> ``Kent``, ``WSCC`` ->
    ``West Sussex``; a name not known is kept as written.

    >>> authority_name("Kent County Council"), authority_name("wscc"), authority_name("Medway")
    ('Kent', 'West Sussex', 'Medway')
    """
    key = voc.normalise_label(text)
    if key in AUTHORITY_ALIASES:
        return AUTHORITY_ALIASES[key]
    return _COUNCIL_SUFFIX.sub("", text.strip(), count=1) or text.strip()


def parse_authority(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Local authority names, shortened by ``authority_name``. Never unusable."""
    text, bad = parse_text(series)
    return text.map(authority_name, na_action="ignore").astype("string"), bad


def parse_known(
    series: pd.Series, *, lookup: dict[str, str], keep_unknown: bool = False
) -> tuple[pd.Series, pd.Series]:
    """A category through ``lookup``; unknown labels are unusable, or kept as written."""
    values, bad = parse_category(series, lookup)
    if keep_unknown:
        text, _ = parse_text(series)
        return values.fillna(text).astype("string"), pd.Series(False, index=series.index)
    return values, bad.astype(bool)


# --- column declarations


def _category(mapping: dict[str, str], *canonical: str, keep_unknown: bool = False) -> Parser:
    lookup = voc.label_lookup(mapping, *canonical)
    return functools.partial(parse_known, lookup=lookup, keep_unknown=keep_unknown)


def _accepted(parser: Parser) -> dict[str, str]:
    """The spellings a ``_category`` parser accepts (for the closest values an error names)."""
    return dict(parser.keywords.get("lookup", {})) if isinstance(parser, functools.partial) else {}


def _with_accepted(specs: dict[str, Spec]) -> dict[str, Spec]:
    return {name: replace(spec, accepted=_accepted(spec.parse)) for name, spec in specs.items()}


_DATE = "datetime64[ns]"

HOMES_COLUMNS: dict[str, Spec] = _with_accepted(
    {
        "ofsted_urn": Spec(
            True,
            parse_ofsted_urn,
            bad="ofsted_urn: not an Ofsted URN (SC and six digits)",
            aliases=("URN", "Ofsted URN", "Setting URN", "Home URN", "Reference"),
        ),
        "home_name": Spec(True, aliases=("Home", "Name of Home", "Setting Name", "Home Name")),
        "local_authority": Spec(
            True,
            parse_authority,
            aliases=("LA", "Local Authority", "Authority", "Local Authority Name", "Home LA"),
        ),
        "district": Spec(
            False,
            _category(HOST_DISTRICTS),
            flag=f"district: not a {HOST.name} district (left blank)",
            aliases=("District", "District Council", "Home District", "Location"),
        ),
        "registered_beds": Spec(
            True,
            functools.partial(parse_whole, low=BEDS_LIMITS[0], high=BEDS_LIMITS[1]),
            bad=f"registered_beds: not a whole number of beds ({BEDS_LIMITS[0]} or more)",
            aliases=("Beds", "Registered Places", "Places", "Capacity", "Number of Beds"),
            dtype="Int64",
        ),
        "ofsted_rating": Spec(
            False,
            _category(RATING_ALIASES, *OFSTED_RATINGS),
            flag="ofsted_rating: unrecognised (left blank)",
            aliases=("Rating", "Ofsted Grade", "Overall Effectiveness", "Latest Rating"),
        ),
        "provider": Spec(False, aliases=("Provider Name", "Organisation", "Operator")),
        "provider_type": Spec(
            False,
            _category(PROVIDER_TYPE_ALIASES, *PROVIDER_TYPES),
            flag="provider_type: unrecognised (left blank)",
            aliases=("Sector", "Ownership", "Provider Sector", "Type of Provider"),
        ),
    }
)

PLACEMENTS_COLUMNS: dict[str, Spec] = _with_accepted(
    {
        "child_id": Spec(
            True,
            pseudonym="pipeline.clean.pseudonymise: keyed hash of the trimmed id, 16 hex digits",
            aliases=("Child ID", "Person ID", "Client ID", "Mosaic ID", "Case ID", "Pupil ID"),
        ),
        "placing_authority": Spec(
            True,
            parse_authority,
            aliases=("Placing LA", "Responsible Authority", "Responsible LA", "Authority"),
        ),
        "home_urn": Spec(
            False,
            parse_ofsted_urn,
            bad="home_urn: not an Ofsted URN (SC and six digits)",
            aliases=("URN", "Ofsted URN", "Placement URN", "Provision URN"),
        ),
        "home_local_authority": Spec(
            False,
            parse_authority,
            aliases=("Home LA", "Placement LA", "Location LA", "Placement Authority"),
        ),
        "home_district": Spec(
            False,
            _category(HOST_DISTRICTS),
            flag=f"home_district: not a {HOST.name} district (left blank)",
            aliases=("Placement District", "Home District Name"),
        ),
        "age": Spec(
            False,
            functools.partial(parse_whole, low=AGE_LIMITS[0], high=AGE_LIMITS[1]),
            bad=f"age: not a whole number of years from {AGE_LIMITS[0]} to {AGE_LIMITS[1]}",
            aliases=("Age at Snapshot", "Age (years)", "Current Age"),
            dtype="Int64",
        ),
        "date_of_birth": Spec(
            False,
            parse_dates,
            bad="date_of_birth: does not parse",
            aliases=("DOB", "Birth Date"),
            dropped=True,
        ),
        "sex": Spec(
            False,
            _category(voc.SEX_CODES),
            flag="sex: unrecognised (recorded as 'Other or not recorded')",
            fallback="Other or not recorded",
            aliases=("Gender", "Legal Sex"),
        ),
        "ethnicity": Spec(
            False,
            _category(voc.ETHNIC_GROUPS),
            flag="ethnicity: unrecognised (recorded as 'Not known')",
            fallback="Not known",
            aliases=("Ethnic Group", "Ethnic Origin", "Ethnicity Main Group"),
        ),
        "placement_start": Spec(
            True,
            parse_dates,
            bad="placement_start: start date does not parse",
            aliases=("Start Date", "Placement Start Date", "Date Placed", "Start"),
            dtype=_DATE,
        ),
        "placement_end": Spec(
            False,
            parse_dates,
            bad="placement_end: end date does not parse",
            aliases=("End Date", "Placement End Date", "Date Left", "End"),
            dtype=_DATE,
        ),
        "weekly_cost": Spec(
            True,
            parse_money,
            bad="weekly_cost: not a number",
            aliases=("Weekly Cost GBP", "Cost per Week", "Weekly Fee", "Weekly Rate", "Cost"),
            dtype="float64",
        ),
        "team": Spec(
            True,
            _category(TEAM_ALIASES, keep_unknown=True),
            aliases=("Allocated Team", "Responsible Team", "Service", "Team Name"),
        ),
        "distance_km": Spec(
            False,
            parse_distance,
            flag="distance_km: not a distance (left blank)",
            aliases=("Distance", "Distance (km)", "Distance from Home", "Distance from Home km"),
            dtype="float64",
        ),
    }
)


# --- how the engine reads these exports


def _tidy(dictionary) -> np.ndarray:
    """A distinct value with its spacing tidied as ``_strip`` tidies it (one space between
    words, none at the ends; any white space, a non-breaking space too)."""
    return np.array([" ".join(v.split()) for v in dictionary.to_pylist()], dtype=object)


RowChecks = Callable[[pd.DataFrame, pd.DataFrame], dict[str, pd.Series]]


def _on_frames(checks: RowChecks) -> Callable[[Columns], dict[str, np.ndarray]]:
    """A check written on the export's values and text as frames, for ``Export.reasons``."""

    def run(columns: Columns) -> dict[str, np.ndarray]:
        values, text = columns.frames()
        return {label: np.asarray(mask, dtype=bool) for label, mask in checks(values, text).items()}

    return run


def _on_kept_frames(checks: RowChecks) -> Callable[[Columns, np.ndarray], dict[str, np.ndarray]]:
    """A check of the kept rows written on frames, for ``Export.flags``."""

    def run(columns: Columns, kept: np.ndarray) -> dict[str, np.ndarray]:
        values, text = columns.frames(kept)
        return {
            label: np.asarray(pd.Series(mask).reindex(values.index, fill_value=False), dtype=bool)
            for label, mask in checks(values, text).items()
        }

    return run


def _totals(columns: Columns) -> dict[str, np.ndarray]:
    """Rows whose key reads as a totals label ("Total", "Grand total", "Sub-total")."""
    coded = columns.read[columns.export.key].coded
    label = coded.uniques.str.fullmatch(_TOTALS.pattern, case=False).fillna(False)
    return {TOTALS_ROW: coded.rows(label.to_numpy(dtype=bool))}


def _export(specs: dict[str, Spec], key: str, **hooks) -> Export:
    return Export(
        specs,
        key=key,
        special=_totals,
        tidy=_tidy,
        **hooks,
    )


# --- the two exports


def _home_reasons(values: pd.DataFrame, text: pd.DataFrame) -> dict[str, pd.Series]:
    # Two rows for one home that are not exact duplicates: which is right cannot be told.
    urn = values["ofsted_urn"]
    repeated = urn.notna() & urn.duplicated(keep="first")
    return {"ofsted_urn: repeats an earlier home with different details": repeated}


def clean_homes(
    raw: pd.DataFrame,
    *,
    snapshot_date: dt.date,
    source: str = "homes export",
    **mappings,
) -> CleanResult:
    """Clean a homes export: one row per registered children's home.

    A home is quarantined when its URN, name, local authority or registered beds are missing
    or unreadable, or its URN repeats an earlier home's with different details. Homes and beds
    are not children, so nothing here is pseudonymised.

    >>> raw = pd.DataFrame({"URN": ["SCX000001", "SCX000002", "Total"],
    ...                     "Home": ["Alder House", "Birch Lodge", ""],
    ...                     "LA": ["Kent County Council", "Kent", ""],
    ...                     "Beds": ["4", "0", "4"]})
    >>> result = clean_homes(raw, snapshot_date=dt.date(2021, 9, 30))
    >>> result.clean["local_authority"].tolist(), sorted(result.report["reasons"])
    (['Kent'], ['registered_beds: not a whole number of beds (1 or more)', 'totals row'])
    """
    export = _export(HOMES_COLUMNS, "ofsted_urn", reasons=_on_frames(_home_reasons))
    return clean_table(raw, export, snapshot_date=snapshot_date, source=source, **mappings)


def _placement_reasons(values: pd.DataFrame, text: pd.DataFrame) -> dict[str, pd.Series]:
    start, end = values["placement_start"], values["placement_end"]
    return {
        "placement_end: before the start": (end < start).fillna(False),
        "weekly_cost: negative": (values["weekly_cost"] < 0).fillna(False),
        "home_urn and home_local_authority: both blank, so where the home is is unknown": (
            (text["home_urn"] == "") & (text["home_local_authority"] == "")
        ),
    }


def _placement_flags(
    values: pd.DataFrame, text: pd.DataFrame, snapshot_date: dt.date
) -> dict[str, pd.Series]:
    age_from_dob = age_on(pd.to_datetime(values["date_of_birth"]), snapshot_date)
    both = values["age"].notna() & age_from_dob.notna()
    gap = (values["age"].astype("Float64") - age_from_dob.astype("Float64")).abs()
    overlap = overlapping_pupils(
        pd.DataFrame(
            {
                "pupil_id": text["child_id"],
                "placement_start": pd.to_datetime(values["placement_start"]),
                "placement_end": pd.to_datetime(values["placement_end"]),
            }
        ).dropna(subset=["placement_start"])
    ).reindex(values.index, fill_value=False)
    return {
        f"weekly_cost above £{WEEKLY_COST_CEILING:,.0f}": (
            values["weekly_cost"] > WEEKLY_COST_CEILING
        ).fillna(False),
        "age does not fit the date of birth": (both & (gap > 1)).fillna(False),
        "placement starts after the snapshot date": (
            pd.to_datetime(values["placement_start"]) > pd.Timestamp(snapshot_date)
        ).fillna(False),
        "overlapping placement for the same child": overlap.astype(bool),
    }


def _age_from_birth(values: pd.DataFrame, snapshot_date: dt.date) -> pd.DataFrame:
    """Fill a blank age from the date of birth (an age outside the limits stays blank)."""
    derived = age_on(pd.to_datetime(values["date_of_birth"]), snapshot_date)
    derived = derived.where(derived.between(*AGE_LIMITS))
    return values.assign(age=values["age"].astype("Int64").fillna(derived))


def clean_residential_placements(
    raw: pd.DataFrame,
    *,
    snapshot_date: dt.date,
    source: str = "placements export",
    salt: str | None = None,
    **mappings,
) -> CleanResult:
    """Clean a residential placements export: one row per child placed in a children's home.

    Child ids are pseudonymised (``pipeline.clean.pseudonymise``, salt from
    ``pipeline.clean.resolve_salt``); a date of birth, if the export has one, gives the age
    when the age is blank and is then dropped. A row is quarantined when a required value
    (id, placing authority, start, weekly cost, team) is missing or unreadable, the end
    precedes the start, the cost is negative, or neither the home's URN nor its local
    authority is given.

    >>> raw = pd.DataFrame({"Child ID": ["A1", "A2"], "Placing LA": ["Kent", "Kent"],
    ...                     "Home LA": ["Kent", "Medway"], "Start Date": ["01/04/2021", "soon"],
    ...                     "Weekly Cost": ["£4,500.00", "4000"], "Team": ["DCT", "CIC"],
    ...                     "Surname": ["Smith", "Jones"]})
    >>> result = clean_residential_placements(raw, snapshot_date=dt.date(2021, 9, 30), salt="s")
    >>> result.clean["team"].tolist(), result.report["identifier_columns_dropped"]
    (["Disabled Children's Team"], ['Surname'])
    >>> result.report["reasons"]
    {'placement_start: start date does not parse': 1}
    """
    export = _export(
        PLACEMENTS_COLUMNS,
        "child_id",
        reasons=_on_frames(_placement_reasons),
        flags=_on_kept_frames(functools.partial(_placement_flags, snapshot_date=snapshot_date)),
        derive=lambda columns: {"age": _age_from_birth(columns.frames()[0], snapshot_date)["age"]},
    )
    result = clean_table(
        raw, export, snapshot_date=snapshot_date, source=source, salt=salt, **mappings
    )
    if "date_of_birth" in result.report.columns_matched.values():
        used = {"date_of_birth": "used for age where age was blank, then dropped"}
        result = replace(result, report=replace(result.report, details=used))
    return result


def clean_homes_input(raw: pd.DataFrame, *, definition, extract) -> CleanResult:
    """Clean a report's homes export (``kind: homes``) as at its date."""
    from pipeline.io import snapshot_date_of

    return clean_homes(
        raw,
        snapshot_date=snapshot_date_of(extract),
        source=extract.path.name,
        **extract_mappings(extract),
    )


def clean_placements_input(raw: pd.DataFrame, *, definition, extract) -> CleanResult:
    """Clean a report's residential placements export (``kind: residential_placements``)."""
    from pipeline.io import snapshot_date_of

    return clean_residential_placements(
        raw,
        snapshot_date=snapshot_date_of(extract),
        source=extract.path.name,
        **extract_mappings(extract),
    )


def extract_mappings(extract) -> dict:
    """A report input's own headers, spellings and warning share, as ``clean_table`` takes
    them."""
    return {
        "columns": extract.columns,
        "values": extract.values,
        "warning_share": extract.quarantine_warning_share,
    }


def _missing(columns, specs: dict[str, Spec], configured=None) -> list[str]:
    return Export(specs, key="").missing(columns, configured)


def missing_homes_columns(columns, configured=None) -> list[str]:
    """The required columns of a homes export that ``columns`` (its headers) lack."""
    return _missing(columns, HOMES_COLUMNS, configured)


def missing_placements_columns(columns, configured=None) -> list[str]:
    """The required columns of a residential placements export that ``columns`` lack."""
    return _missing(columns, PLACEMENTS_COLUMNS, configured)


def clean_homes_export(
    raw: pd.DataFrame,
    *,
    snapshot_date: dt.date,
    source: str,
    columns=None,
    values=None,
    warning_share=None,
    **_,
) -> CleanResult:
    """``python -m pipeline clean --kind homes``: the keywords other kinds use are ignored."""
    return clean_homes(
        raw,
        snapshot_date=snapshot_date,
        source=source,
        columns=columns,
        values=values,
        warning_share=warning_share,
    )


def clean_placements_export(
    raw: pd.DataFrame,
    *,
    snapshot_date: dt.date,
    source: str,
    salt: str | None = None,
    columns=None,
    values=None,
    warning_share=None,
    **_,
) -> CleanResult:
    """``python -m pipeline clean --kind residential_placements``."""
    return clean_residential_placements(
        raw,
        snapshot_date=snapshot_date,
        source=source,
        salt=salt,
        columns=columns,
        values=values,
        warning_share=warning_share,
    )
