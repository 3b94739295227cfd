"""Seeded generator of the synthetic sample exports in data/raw/ (no real pupil data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.samples import (
    ETHNICITIES,
    ETHNICITY_P,
    NAME_ENDINGS,
    NAME_STEMS,
)
from pipeline.samples import choose as _choose
from pipeline.samples import exact_counts as _exact_counts
from pipeline.vocabulary import CANONICAL_COLUMNS

DEFAULT_SEED = 20250630

COLUMNS: tuple[str, ...] = tuple(CANONICAL_COLUMNS)

DPS, NON_DPS = "DPS", "Non-DPS"
OUT_OF_AREA = "Out of area"
OUTSIDE_KENT = "Outside Kent"

# Kent's 12 districts and the districts each one borders, so that a child's home is usually
# the school's district or next door (children are placed as near home as a place allows).
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "Ashford": ("Canterbury", "Folkestone and Hythe", "Maidstone", "Swale", "Tunbridge Wells"),
    "Canterbury": ("Swale", "Thanet", "Dover", "Ashford", "Folkestone and Hythe"),
    "Dartford": ("Gravesham", "Sevenoaks"),
    "Dover": ("Canterbury", "Thanet", "Folkestone and Hythe"),
    "Folkestone and Hythe": ("Ashford", "Dover", "Canterbury"),
    "Gravesham": ("Dartford", "Sevenoaks", "Tonbridge and Malling"),
    "Maidstone": ("Tonbridge and Malling", "Swale", "Ashford", "Tunbridge Wells"),
    "Sevenoaks": ("Dartford", "Gravesham", "Tonbridge and Malling", "Tunbridge Wells"),
    "Swale": ("Canterbury", "Maidstone", "Ashford"),
    "Thanet": ("Canterbury", "Dover"),
    "Tonbridge and Malling": ("Maidstone", "Sevenoaks", "Tunbridge Wells", "Gravesham"),
    "Tunbridge Wells": ("Tonbridge and Malling", "Sevenoaks", "Maidstone", "Ashford"),
}
KENT_DISTRICTS: tuple[str, ...] = tuple(NEIGHBOURS)
# Relative number of independent special schools per district (roughly population-shaped).
DISTRICT_WEIGHTS = np.array([7, 8, 4, 6, 5, 4, 9, 6, 7, 8, 6, 6], dtype=float)
# Districts given no DPS school in the 30 June 2025 extract (published figure s25.districts_...).
NO_DPS_2025 = ("Dartford", "Folkestone and Hythe", "Sevenoaks", "Tonbridge and Malling")
DPS_2025 = tuple(d for d in KENT_DISTRICTS if d not in NO_DPS_2025)

# Real local authorities where out-of-area schools stand: weight, and the Kent districts whose
# children are most often placed there (empty = a distant specialist school, any district).
OUT_OF_AREA_LAS: dict[str, tuple[float, tuple[str, ...]]] = {
    "Medway": (12, ("Gravesham", "Swale", "Maidstone", "Tonbridge and Malling")),
    "East Sussex": (10, ("Tunbridge Wells", "Ashford", "Folkestone and Hythe")),
    "Surrey": (8, ("Sevenoaks", "Tonbridge and Malling", "Tunbridge Wells")),
    "Essex": (7, ("Dartford", "Gravesham")),
    "Bexley": (6, ("Dartford", "Sevenoaks", "Gravesham")),
    "Bromley": (6, ("Sevenoaks", "Dartford")),
    "West Sussex": (6, ("Tunbridge Wells", "Sevenoaks")),
    "Greenwich": (3, ("Dartford", "Gravesham")),
    "Lewisham": (2, ("Dartford", "Sevenoaks")),
    "Croydon": (2, ("Sevenoaks",)),
    "Thurrock": (3, ("Dartford", "Gravesham")),
    "Southend-on-Sea": (2, ("Dartford", "Gravesham", "Swale")),
    "Brighton and Hove": (3, ("Tunbridge Wells", "Sevenoaks")),
    "Hampshire": (4, ()),
    "Hertfordshire": (3, ()),
    "Buckinghamshire": (2, ()),
    "Suffolk": (2, ()),
    "Oxfordshire": (1, ()),
    "Wiltshire": (1, ()),
    "Somerset": (1, ()),
    "Devon": (1, ()),
}

NEEDS: tuple[str, ...] = (
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
)
# Relative cost of provision by primary need (complex and sensory needs cost more).
NEED_FEE_FACTOR = np.array([1.0, 0.95, 1.0, 0.85, 1.25, 1.45, 0.8, 1.1, 1.15, 1.4, 1.2, 1.0])
# Schools specialise, so a school's pupils share a need profile rather than the county mix.
SPECIALISMS: dict[str, tuple[float, np.ndarray]] = {
    "asd": (0.42, np.array([78, 8, 8, 2, 1, 0, 1, 0, 0, 0, 0, 2], dtype=float)),
    "semh": (0.32, np.array([15, 75, 3, 3, 0, 0, 2, 0, 0, 0, 0, 2], dtype=float)),
    "slcn": (0.08, np.array([25, 0, 60, 5, 0, 0, 5, 3, 0, 0, 0, 2], dtype=float)),
    "complex": (0.06, np.array([20, 0, 0, 5, 30, 20, 0, 5, 5, 5, 10, 0], dtype=float)),
    "mixed": (0.12, np.array([35, 25, 12, 10, 0, 0, 6, 3, 2, 0, 4, 3], dtype=float)),
}
RESIDENTIAL_NEEDS = np.array([40, 20, 5, 0, 15, 10, 0, 0, 0, 5, 5, 0], dtype=float)


# Year-group mix (NCY 0..14, reception = 0) of the two dated snapshots. Their exact counts are
# fixed by largest remainder so that the published peaks and phase shares hold by construction.
NCY_2025 = np.array([0.3, 0.8, 1.6, 2.6, 3.6, 4.6, 5.8, 8.2, 10.0, 13.0, 13.4, 10.6, 6.6, 5.6, 3.3])
NCY_JAN_2024 = np.array(
    [0.3, 0.6, 1.0, 1.6, 2.2, 3.2, 4.5, 11.5, 13.5, 16.0, 18.0, 16.0, 5.5, 3.8, 2.3]
)
# Children leaving at the end of a summer term are mostly finishing Year 11 or post-16.
NCY_LEAVERS = np.array([0.2, 0.5, 1, 1.5, 2, 3, 8, 4, 4, 5, 6, 30, 6, 8, 20.8])

# Published need counts (shares of 1839 and of 1784 round to the published percentages with
# the remainder spread over the smaller needs; "" is a need left blank in the export).
NEED_COUNTS_JAN_2024 = {
    "ASD": 828,
    "SEMH": 607,
    "SLCN": 202,
    "MLD": 60,
    "SLD": 35,
    "PMLD": 10,
    "SPLD": 30,
    "HI": 15,
    "VI": 6,
    "MSI": 3,
    "PD": 25,
    "OTH": 18,
}
NEED_COUNTS_2025_DAY = {
    "ASD": 928,
    "SEMH": 535,
    "SLCN": 214,
    "MLD": 30,
    "SLD": 18,
    "PMLD": 6,
    "SPLD": 14,
    "HI": 8,
    "VI": 4,
    "MSI": 2,
    "PD": 12,
    "OTH": 5,
    "": 8,
}

NAME_KINDS = (
    "House School",
    "School",
    "College",
    "Lodge School",
    "Grange School",
    "Academy",
    "Manor School",
    "Park School",
    "Court School",
    "Learning Centre",
)

EARLIEST_START = np.datetime64("2012-09-01", "D")
NO_LIMIT = np.datetime64("1900-01-01", "D")
NAT = np.datetime64("NaT", "D")
DAY_FEE_RANGE = (25_000.0, 140_000.0)
RESIDENTIAL_FEE_RANGE = (120_000.0, 300_000.0)


def _day(text: str) -> np.datetime64:
    return np.datetime64(text, "D")


FY_START, FY_END = _day("2024-04-01"), _day("2025-03-31")
SUMMER_END_2024, SUMMER_END_2025 = _day("2024-07-19"), _day("2025-07-18")


def _sep1(years: np.ndarray) -> np.ndarray:
    """1 September of each year."""
    years = np.asarray(years, dtype=np.int64)
    return ((years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 8).astype(
        "datetime64[D]"
    )


def _academic_year(days: np.ndarray) -> np.ndarray:
    """Calendar year in which the academic year containing each date began."""
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return year - (month < 9)


def _uniform_dates(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniformly random date in each inclusive interval ``low``..``high``."""
    span = (high - low).astype(np.int64) + 1
    return low + (rng.random(len(span)) * span).astype(np.int64)


@dataclass
class _Universe:
    """Schools and pupils shared by every extract, so that files tell one consistent story."""

    schools: pd.DataFrame
    id_pool: np.ndarray
    pupil_id: list[str] = field(default_factory=list)
    dob: list[np.datetime64] = field(default_factory=list)
    sex: list[str] = field(default_factory=list)
    ethnicity: list[str] = field(default_factory=list)
    home: list[str] = field(default_factory=list)
    fee_factor: list[float] = field(default_factory=list)
    need: list[str] = field(default_factory=list)
    # (school, birth cohort) -> {pupil: placement start} for placements still open at the last
    # extract; later extracts pick their continuing pupils from here.
    open_placements: dict[tuple[int, int], dict[int, int]] = field(default_factory=dict)


@dataclass
class _Rows:
    """One extract under construction: parallel arrays, one element per placement."""

    school: np.ndarray
    status: np.ndarray
    ptype: np.ndarray
    ncy: np.ndarray
    start_lo: np.ndarray  # earliest start the row's role allows
    start_hi: np.ndarray  # latest start the row's role allows
    past: np.ndarray  # True: started before the extract window (drawn back from start_hi)
    end: np.ndarray
    extract_date: np.datetime64
    start: np.ndarray | None = None
    cohort: np.ndarray | None = None
    pupil: np.ndarray | None = None
    need: np.ndarray | None = None
    pence: np.ndarray | None = None


def _build_schools(rng: np.random.Generator) -> pd.DataFrame:
    """The fixed universe of 140 fictional schools, with their role in each extract.

    ``group`` says which extracts a school appears in (core: all; L: left before 2025; N: new
    in 2024/25; P: period and FY only; J: January 2024 only; F: FY only; R: residential
    places only in 2025). ``dps_role`` says how its DPS status moves: ``cont`` on the DPS
    throughout, ``left`` on it in 2023/24 then off, ``join`` joined for 2025/26.
    """
    spec: list[tuple[str, str, int, int]] = [
        # group, dps_role, out-of-area schools, Kent schools
        ("core", "cont", 4, 16),
        ("core", "join", 0, 1),
        ("core", "left", 0, 3),
        ("core", "none", 38, 38),
        ("L", "left", 1, 2),
        ("L", "none", 5, 4),
        ("N", "join", 0, 1),
        ("N", "none", 4, 5),
        ("P", "none", 1, 1),
        ("J", "none", 4, 4),
        ("F", "none", 3, 0),
        ("R", "none", 5, 0),
    ]
    # Fixed districts where the published geography needs them: continuing DPS schools cover
    # the eight districts that have a DPS school in 2025, leavers sit where none remains.
    fixed: dict[tuple[str, str], list[str]] = {
        ("core", "cont"): [d for d in DPS_2025 for _ in range(2)],
        ("core", "join"): ["Canterbury"],
        ("core", "left"): ["Dartford", "Sevenoaks", "Maidstone"],
        ("L", "left"): ["Tonbridge and Malling", "Folkestone and Hythe"],
        ("N", "join"): ["Ashford"],
    }
    las = list(OUT_OF_AREA_LAS)
    la_weights = np.array([OUT_OF_AREA_LAS[la][0] for la in las])
    rows = []
    for group, role, n_ooa, n_kent in spec:
        kent = fixed.get((group, role))
        if kent is None:
            kent = []
            if (group, role) == ("core", "none"):
                # Non-DPS schools must exist in the districts without a DPS school.
                kent = [d for d in NO_DPS_2025 for _ in range(2)]
            picks = _choose(rng, DISTRICT_WEIGHTS, n_kent - len(kent))
            kent = kent + [KENT_DISTRICTS[i] for i in picks]
        for district in kent:
            rows.append((group, role, district, "Kent"))
        for i in _choose(rng, la_weights, n_ooa):
            rows.append((group, role, OUT_OF_AREA, las[i]))
    schools = pd.DataFrame(rows, columns=["group", "dps_role", "district", "la"])
    n = len(schools)

    # URNs 990001-999999 are kept for fictional schools, so a sample URN is never mistaken for
    # a real school's; shuffled so that the groups above do not show in URN order.
    schools["urn"] = rng.permutation(np.sort(rng.choice(9999, size=n, replace=False)) + 990001)
    names = [f"{s}{e}" for s in NAME_STEMS for e in NAME_ENDINGS]
    picks = rng.choice(len(names), size=n, replace=False)
    kinds = _choose(rng, np.array([3, 4, 2, 1, 1, 1, 1, 1, 1, 1.0]), n)
    schools["name"] = [f"{names[p]} {NAME_KINDS[k]}" for p, k in zip(picks, kinds, strict=True)]
    schools["type"] = np.where(
        rng.random(n) < 0.12, "non_maintained_special", "independent_special"
    )
    # Size: DPS providers are the large schools (about 15-85 Kent pupils each, capped so no
    # one school dominates); most others take a handful of Kent pupils.
    big = schools["dps_role"].ne("none").to_numpy()
    schools["weight"] = np.where(
        big,
        np.clip(rng.lognormal(np.log(42), 0.35, n), 20, 70),
        rng.lognormal(np.log(5), 0.9, n),
    )
    schools["fee_level"] = rng.lognormal(0.0, 0.15, n)
    spec_p = np.array([p for p, _ in SPECIALISMS.values()])
    schools["specialism"] = _choose(rng, spec_p, n)
    # Three non-DPS schools in every extract also have boarding places in 2025.
    core_none = np.flatnonzero((schools["group"] == "core") & (schools["dps_role"] == "none"))
    schools["boarding"] = False
    schools.loc[rng.choice(core_none, size=3, replace=False), "boarding"] = True
    schools.loc[schools["group"] == "R", "boarding"] = True
    return schools


def _members(
    uni: _Universe, groups: tuple[str, ...], dps_roles: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a file's schools, split into DPS and non-DPS by the file's DPS roles."""
    s = uni.schools
    inside = s["group"].isin(groups)
    dps = np.flatnonzero(inside & s["dps_role"].isin(dps_roles))
    non = np.flatnonzero(inside & ~s["dps_role"].isin(dps_roles))
    return dps, non


def _allocate(rng: np.random.Generator, uni: _Universe, schools: np.ndarray, n: int) -> np.ndarray:
    """Spread ``n`` placements over ``schools`` by size, at least one each (so all appear)."""
    w = uni.schools["weight"].to_numpy()[schools]
    counts = 1 + rng.multinomial(n - len(schools), w / w.sum())
    return np.repeat(schools, counts)


def _new_rows(
    school: np.ndarray, status: np.ndarray, ptype: np.ndarray, extract_date: str
) -> _Rows:
    n = len(school)
    return _Rows(
        school=school,
        status=status,
        ptype=ptype,
        ncy=np.zeros(n, dtype=np.int64),
        start_lo=np.full(n, NO_LIMIT),
        start_hi=np.full(n, _day(extract_date)),
        past=np.ones(n, dtype=bool),
        end=np.full(n, NAT),
        extract_date=_day(extract_date),
    )


def _set_cohort(rows: _Rows, *, bump_infants: bool) -> None:
    """Birth cohort of each row from its NCY in the academic year of min(end, extract date).

    With ``bump_infants`` a reception child whose role needs a start before they began school
    is moved up a year instead (only in extracts with no published year-group figure).
    """
    ref = np.where(np.isnat(rows.end), rows.extract_date, np.minimum(rows.end, rows.extract_date))
    year = _academic_year(ref)
    if bump_infants:
        too_young = _sep1(year - rows.ncy) > rows.start_hi
        rows.ncy = np.where(too_young, rows.ncy + 1, rows.ncy)
    rows.cohort = year - rows.ncy - 5
    assert (_sep1(rows.cohort + 5) <= rows.start_hi).all(), "a child placed before school age"


def _home_districts(rng: np.random.Generator, district: np.ndarray, la: np.ndarray) -> list[str]:
    """Home district of new pupils: mostly the school's own district or a neighbour."""
    u, v = rng.random(len(district)), rng.random(len(district))
    homes = []
    for d, a, x, y in zip(district, la, u, v, strict=True):
        if d != OUT_OF_AREA:
            near = (d,) if x < 0.6 else NEIGHBOURS[d] if x < 0.9 else KENT_DISTRICTS
        else:
            near = OUT_OF_AREA_LAS[a][1] if x < 0.85 else KENT_DISTRICTS
            near = near or KENT_DISTRICTS
        homes.append(OUTSIDE_KENT if x > 0.96 else near[int(y * len(near))])
    return homes


def _attach_pupils(rng: np.random.Generator, uni: _Universe, rows: _Rows) -> None:
    """Give each row a pupil: a continuing one from an earlier extract when one fits, else new.

    A pupil continues when an earlier extract left them open at the same school, in the same
    birth cohort (so they age one year per academic year) and with a start date this row's
    role allows; the row then keeps that start date. One row per pupil within an extract.
    """
    n = len(rows.school)
    s = uni.schools
    # Attributes for new pupils are drawn for every row (and used only where needed) so the
    # random stream does not depend on how many pupils happen to continue.
    lo_dob = _sep1(rows.cohort)
    dob = _uniform_dates(rng, lo_dob, _sep1(rows.cohort + 1) - 1)
    sex = np.array(["M", "F", ""])[_choose(rng, np.array([70.0, 29.0, 1.0]), n)]
    eth = np.array(ETHNICITIES)[_choose(rng, ETHNICITY_P, n)]
    # Most fees follow the school's rate; a few children need an enhanced (1:1) package.
    factor = rng.lognormal(0.0, 0.18, n) * np.where(rng.random(n) < 0.05, 1.7, 1.0)
    homes = _home_districts(
        rng, s["district"].to_numpy()[rows.school], s["la"].to_numpy()[rows.school]
    )
    lo = rows.start_lo.astype(np.int64)
    hi = rows.start_hi.astype(np.int64)
    pupil = np.empty(n, dtype=np.int64)
    prior = np.full(n, NAT)
    taken: set[int] = set()
    for i in rng.permutation(n):
        found = -1
        for p, started in uni.open_placements.get((rows.school[i], rows.cohort[i]), {}).items():
            if p not in taken and lo[i] <= started <= hi[i]:
                found, prior[i] = p, np.datetime64(started, "D")
                break
        if found < 0:
            found = len(uni.pupil_id)
            uni.pupil_id.append(f"SYN{uni.id_pool[found]:07d}")
            uni.dob.append(dob[i])
            uni.sex.append(sex[i])
            uni.ethnicity.append(eth[i])
            uni.home.append(homes[i])
            uni.fee_factor.append(factor[i])
            uni.need.append("")
        taken.add(found)
        pupil[i] = found
    rows.pupil = pupil
    rows.start = np.where(np.isnat(prior), rows.start, prior)


def _draw_starts(rng: np.random.Generator, rows: _Rows, *, sept_share: float = 0.55) -> None:
    """Start dates for every row (continuing pupils later keep their earlier start instead).

    Rows that began before the window run back from ``start_hi`` by a roughly exponential
    tenure (mean a little over two years); rows that start inside the window are spread over
    it. Either way many starts fall in the first week of September, as real placements do.
    """
    n = len(rows.school)
    earliest = np.maximum(_sep1(rows.cohort + 5), EARLIEST_START)
    low = np.maximum(rows.start_lo, earliest)
    high = rows.start_hi
    back = high - rng.exponential(800.0, n).astype(np.int64)
    inside = _uniform_dates(rng, low, high)
    start = np.where(rows.past, back, inside)
    term = _sep1(_academic_year(np.where(rows.past, start, high))) + rng.integers(1, 5, n)
    snap = (rng.random(n) < sept_share) & (term >= low) & (term <= high)
    start = np.where(snap, term, start)
    too_early = start < low
    start[too_early] = _uniform_dates(rng, low[too_early], high[too_early])
    rows.start = start


def _assign_needs(
    rng: np.random.Generator,
    uni: _Universe,
    rows: _Rows,
    mask: np.ndarray,
    targets: dict[str, int] | None,
    residential: bool = False,
) -> None:
    """Primary need of the rows in ``mask``: a continuing pupil keeps theirs, a new one gets
    one from the school's specialism; then, with ``targets``, exact published counts are
    restored by recoding as few rows as possible, new pupils first."""
    idx = np.flatnonzero(mask)
    profiles = np.stack([p for _, p in SPECIALISMS.values()])
    probs = profiles[uni.schools["specialism"].to_numpy()[rows.school[idx]]]
    if residential:
        probs = np.broadcast_to(RESIDENTIAL_NEEDS, probs.shape)
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    drawn = np.array(NEEDS)[np.minimum((rng.random(len(idx))[:, None] > cum).sum(1), 11)]
    known = np.array([uni.need[p] for p in rows.pupil[idx]], dtype=object)
    fresh = known == ""
    need = np.where(fresh, drawn, known).astype(object)
    if targets is not None:
        counts = {code: int((need == code).sum()) for code in set(need) | set(targets)}
        released = []
        for code in sorted(counts):
            surplus = counts[code] - targets.get(code, 0)
            if surplus > 0:
                hits = np.flatnonzero(need == code)
                order = hits[np.lexsort((rng.random(len(hits)), ~fresh[hits]))]
                released.extend(order[:surplus])
        wanted = [c for c in targets for _ in range(max(targets[c] - counts[c], 0))]
        need[rng.permutation(np.array(released, dtype=np.int64))] = wanted
    if rows.need is None:
        rows.need = np.full(len(rows.school), "", dtype=object)
    rows.need[idx] = need
    for p, code in zip(rows.pupil[idx], need, strict=True):
        uni.need[p] = code


def _squeeze(x: np.ndarray, low: float, high: float, knee: float = 0.1) -> np.ndarray:
    """Soft clip into the open interval (low, high).

    Values within ``knee`` of a bound are compressed smoothly towards it instead of being cut,
    so the sample has no pile of identical fees at the limits.
    """
    a, b = low * (1 + knee), high * (1 - knee)
    x = np.where(x < a, a - (a - low) * -np.expm1(-(a - x) / (a - low)), x)
    return np.where(x > b, b + (high - b) * -np.expm1(-(x - b) / (high - b)), x)


def _fit_fees(
    raw: np.ndarray,
    target_gbp: float,
    *,
    days: np.ndarray | None = None,
    bounds: tuple[float, float] = DAY_FEE_RANGE,
) -> np.ndarray:
    """Scale raw fees (in £) so their total, or pro-rated total, hits ``target_gbp``.

    Fees are squeezed into ``bounds`` and rescaled until both hold, then rounded to pence. For a
    plain total (``days`` is None) the last pennies go on the median-fee row, so the mean is
    exact; for a pro-rated total the rounding error is a few pounds, far inside the margin.
    """
    weight = np.ones(len(raw)) if days is None else days / 365
    scale = target_gbp / (raw * weight).sum()
    for _ in range(60):
        scale *= target_gbp / (_squeeze(raw * scale, *bounds) * weight).sum()
    pence = np.rint(_squeeze(raw * scale, *bounds) * 100).astype(np.int64)
    if days is None:
        pence[np.argsort(pence, kind="stable")[len(pence) // 2]] += (
            round(target_gbp * 100) - pence.sum()
        )
    return pence


def _raw_fees(uni: _Universe, rows: _Rows) -> np.ndarray:
    """Unscaled fee of each row: school rate x need factor x the child's package factor."""
    need_idx = np.array([NEEDS.index(c) if c else 0 for c in rows.need])
    return (
        uni.schools["fee_level"].to_numpy()[rows.school]
        * NEED_FEE_FACTOR[need_idx]
        * np.array(uni.fee_factor)[rows.pupil]
    )


def _fy_days(rows: _Rows) -> np.ndarray:
    """Days each placement runs inside financial year 2024/25, both ends inclusive."""
    first = np.maximum(rows.start, FY_START)
    last = np.minimum(np.where(np.isnat(rows.end), FY_END, rows.end), FY_END)
    return np.maximum((last - first).astype(np.int64) + 1, 0)


def _finish(uni: _Universe, rows: _Rows) -> pd.DataFrame:
    """Canonical table of an extract, sorted by pupil id, and record its open placements."""
    s = uni.schools.iloc[rows.school]

    def iso(days: np.ndarray) -> np.ndarray:
        text = np.datetime_as_string(days, unit="D")
        return np.where(np.isnat(days), "", text)

    fees = [f"{p // 100}.{p % 100:02d}" for p in rows.pence]
    table = pd.DataFrame(
        {
            "pupil_id": [uni.pupil_id[p] for p in rows.pupil],
            "school_urn": s["urn"].to_numpy(),
            "school_name": s["name"].to_numpy(),
            "school_type": s["type"].to_numpy(),
            "framework_status": rows.status,
            "school_district": s["district"].to_numpy(),
            "school_la": s["la"].to_numpy(),
            "primary_need": rows.need,
            "ncy": rows.ncy,
            "placement_type": rows.ptype,
            "placement_start": iso(rows.start),
            "placement_end": iso(rows.end),
            "annual_fee": fees,
            "home_district": [uni.home[p] for p in rows.pupil],
            "sex": [uni.sex[p] for p in rows.pupil],
            "ethnicity": [uni.ethnicity[p] for p in rows.pupil],
            "date_of_birth": iso(np.array([uni.dob[p] for p in rows.pupil], dtype="M8[D]")),
        },
        columns=list(COLUMNS),
    )
    assert table["pupil_id"].is_unique
    for i in range(len(rows.school)):
        key = (int(rows.school[i]), int(rows.cohort[i]))
        open_here = uni.open_placements.setdefault(key, {})
        if np.isnat(rows.end[i]):
            open_here.setdefault(int(rows.pupil[i]), int(rows.start[i].astype(np.int64)))
        else:
            open_here.pop(int(rows.pupil[i]), None)
    return table.sort_values("pupil_id", kind="stable").reset_index(drop=True)


def _day_rows(
    rng: np.random.Generator,
    uni: _Universe,
    dps: tuple[np.ndarray, int],
    non_dps: tuple[np.ndarray, int],
    extract_date: str,
) -> _Rows:
    """Day placements of an extract: ``n`` DPS rows allocated among the DPS member schools,
    then the non-DPS rows among theirs (each given as ``(schools, n)``)."""
    (dps_schools, n_dps), (non_schools, n_non) = dps, non_dps
    school = np.concatenate(
        [_allocate(rng, uni, dps_schools, n_dps), _allocate(rng, uni, non_schools, n_non)]
    )
    status = np.array([DPS] * n_dps + [NON_DPS] * n_non)
    return _new_rows(school, status, np.full(len(school), "day"), extract_date)


def _snapshot_jan_2024(rng: np.random.Generator, uni: _Universe) -> pd.DataFrame:
    """Census of 18 January 2024: 1,839 pupils, one row each, at 120 schools."""
    dps, non = _members(uni, ("core", "L", "J"), ("cont", "left"))
    n_dps, n_non = 1000, 839  # DPS split is not published; about the share seen in 2024/25
    rows = _day_rows(rng, uni, (dps, n_dps), (non, n_non), "2024-01-18")
    rows.ncy = rng.permutation(
        np.repeat(np.arange(15), _exact_counts(NCY_JAN_2024, len(rows.school)))
    )
    _set_cohort(rows, bump_infants=False)
    _draw_starts(rng, rows)
    _attach_pupils(rng, uni, rows)
    _assign_needs(rng, uni, rows, np.ones(len(rows.school), bool), NEED_COUNTS_JAN_2024)
    raw = _raw_fees(uni, rows)
    pence = np.empty(len(rows.school), dtype=np.int64)
    for name, mean in ((DPS, 47_850.0), (NON_DPS, 50_400.0)):
        part = rows.status == name
        pence[part] = _fit_fees(raw[part], mean * part.sum())
    rows.pence = pence
    return _finish(uni, rows)


def _leavers_and_starters(
    rng: np.random.Generator,
    rows: _Rows,
    *,
    window: tuple[str, str],
    shares: tuple[float, float, float],
    summer_end: np.datetime64,
) -> None:
    """Give rows a role: continuing, leaver, starter, or both, with matching dates and NCYs.

    ``shares`` are the leaver, starter and starter-and-leaver fractions. Leavers mostly go at
    the end of the summer term and are mostly Year 11 or post-16; continuing Year 11 and
    Year 14 pupils often carry a planned end of the next summer term.
    """
    first, last = _day(window[0]), _day(window[1])
    n = len(rows.school)
    role = _choose(rng, np.array([1 - sum(shares), *shares]), n)
    leaver, starter, both = role == 1, role == 2, role == 3
    rows.ncy = _choose(rng, NCY_2025, n)
    rows.ncy[leaver] = _choose(rng, NCY_LEAVERS, int(leaver.sum()))
    end_in = _uniform_dates(rng, np.full(n, first), np.full(n, last - 1))
    rows.end[leaver] = np.where(rng.random(n) < 0.6, summer_end, end_in)[leaver]
    planned = ~leaver & ~starter & ~both & np.isin(rows.ncy, (11, 14)) & (rng.random(n) < 0.4)
    rows.end[planned] = SUMMER_END_2025
    rows.start_hi[leaver | ~(starter | both)] = first - 1
    rows.start_lo[starter] = first + 1
    rows.start_hi[starter] = last
    rows.past = ~(starter | both)
    # Short placements inside the window: fixed dates, so the row cannot continue a pupil.
    b_end = _uniform_dates(rng, np.full(n, first + 40), np.full(n, last - 1))
    b_start = np.maximum(b_end - rng.integers(20, 150, n), first + 1)
    rows.start_lo[both] = rows.start_hi[both] = b_start[both]
    rows.end[both] = b_end[both]


def _period_2024(rng: np.random.Generator, uni: _Universe) -> pd.DataFrame:
    """Every placement attended between 1 April and 30 November 2024: 2,069 at 124 schools."""
    dps, non = _members(uni, ("core", "L", "N", "P"), ("cont", "left"))
    n_dps, n_non = 1159, 910
    rows = _day_rows(rng, uni, (dps, n_dps), (non, n_non), "2024-11-30")
    _leavers_and_starters(
        rng,
        rows,
        window=("2024-04-01", "2024-11-30"),
        shares=(0.12, 0.12, 0.02),
        summer_end=SUMMER_END_2024,
    )
    _set_cohort(rows, bump_infants=True)
    _draw_starts(rng, rows)
    _attach_pupils(rng, uni, rows)
    _assign_needs(rng, uni, rows, np.ones(len(rows.school), bool), None)
    raw, days = _raw_fees(uni, rows), _fy_days(rows)
    pence = np.empty(len(rows.school), dtype=np.int64)
    # Mid-points of the intervals in which every published spend figure (£m, £k per
    # placement, DPS share) rounds to its published value.
    for name, spend in ((DPS, 46_757_400.0), (NON_DPS, 39_992_500.0)):
        part = rows.status == name
        pence[part] = _fit_fees(raw[part], spend, days=days[part])
    rows.pence = pence
    return _finish(uni, rows)


def _fy_2024_25(rng: np.random.Generator, uni: _Universe) -> pd.DataFrame:
    """Placements funded in 2024/25: 920 DPS (all but two for the whole year) and 770 others."""
    dps, non = _members(uni, ("core", "L", "N", "P", "F"), ("cont",))
    n_dps, n_non = 920, 770
    rows = _day_rows(rng, uni, (dps, n_dps), (non, n_non), "2025-03-31")
    _leavers_and_starters(
        rng,
        rows,
        window=("2024-04-01", "2025-03-31"),
        shares=(0.07, 0.09, 0.02),
        summer_end=SUMMER_END_2024,
    )
    # The published DPS spend (£46.9m) is 920 x the mean fee: DPS placements ran all year,
    # bar one late April starter and one March leaver.
    is_dps = rows.status == DPS
    rows.end[is_dps] = np.where(rows.end[is_dps] == SUMMER_END_2025, SUMMER_END_2025, NAT)
    rows.start_lo[is_dps], rows.start_hi[is_dps] = NO_LIMIT, FY_START
    rows.past[is_dps] = True
    rows.start_lo[0] = rows.start_hi[0] = _day("2024-04-15")
    rows.past[0] = False
    rows.end[1] = _day("2025-03-14")
    _set_cohort(rows, bump_infants=True)
    _draw_starts(rng, rows)
    _attach_pupils(rng, uni, rows)
    _assign_needs(rng, uni, rows, np.ones(len(rows.school), bool), None)
    raw = _raw_fees(uni, rows)
    pence = np.empty(len(rows.school), dtype=np.int64)
    for name, mean in ((DPS, 50_977), (NON_DPS, 51_956)):
        part = rows.status == name
        pence[part] = _fit_fees(raw[part], float(mean * part.sum()))
    rows.pence = pence
    return _finish(uni, rows)


def _snapshot_2025(rng: np.random.Generator, uni: _Universe) -> pd.DataFrame:
    """Known and agreed placements for 2025/26 at 30 June 2025: 1,784 day and some residential."""
    dps, non = _members(uni, ("core", "N"), ("cont", "join"))
    n_dps, n_non, n_res = 1094, 690, 32
    boarding = np.flatnonzero(uni.schools["boarding"].to_numpy())
    school = np.concatenate(
        [
            _allocate(rng, uni, dps, n_dps),
            _allocate(rng, uni, non, n_non),
            _allocate(rng, uni, boarding, n_res),
        ]
    )
    day = np.arange(len(school)) < n_dps + n_non
    status = np.array([DPS] * n_dps + [NON_DPS] * (n_non + n_res))
    rows = _new_rows(school, status, np.where(day, "day", "residential"), "2025-06-30")
    counts = _exact_counts(NCY_2025, n_dps), _exact_counts(NCY_2025, n_non)
    rows.ncy = np.concatenate(
        [
            rng.permutation(np.repeat(np.arange(15), counts[0])),
            rng.permutation(np.repeat(np.arange(15), counts[1])),
            rng.choice(np.arange(5, 15), size=n_res),
        ]
    )
    n = len(school)
    # Agreed future starters (September 2025), planned summer leavers, a few already ended.
    future = rng.random(n) < 0.08
    rows.start_lo[future], rows.start_hi[future] = _day("2025-07-01"), _day("2025-09-30")
    rows.past = ~future
    planned = ~future & np.isin(rows.ncy, (11, 14)) & (rng.random(n) < 0.5)
    rows.end[planned] = SUMMER_END_2025
    ended = ~future & ~planned & (rng.random(n) < 0.025)
    n_ended = int(ended.sum())
    rows.end[ended] = _uniform_dates(
        rng, np.full(n_ended, _day("2025-04-01")), np.full(n_ended, _day("2025-06-27"))
    )
    # A placement that has already ended began at least a month before it ended.
    rows.start_hi[ended] = rows.end[ended] - 30
    _set_cohort(rows, bump_infants=False)
    _draw_starts(rng, rows)
    _attach_pupils(rng, uni, rows)
    _assign_needs(rng, uni, rows, day, NEED_COUNTS_2025_DAY)
    _assign_needs(rng, uni, rows, ~day, None, residential=True)
    raw = _raw_fees(uni, rows)
    pence = np.empty(n, dtype=np.int64)
    for name, mean in ((DPS, 54_460), (NON_DPS, 58_656)):
        part = day & (rows.status == name)
        pence[part] = _fit_fees(raw[part], float(mean * part.sum()))
    pence[~day] = _fit_fees(raw[~day], 185_000.0 * n_res, bounds=RESIDENTIAL_FEE_RANGE)
    rows.pence = pence
    return _finish(uni, rows)


def _spend_history() -> pd.DataFrame:
    """Published annual spend; years with no published figure stay blank (gaps in the chart)."""
    gross = ("gross spend on NMISS placements", "Decision 21/00049, Financial Implications")
    blank = ("not published", "")
    rows = [
        ("2017/18", "27911115", *gross),
        ("2018/19", "34167515", *gross),
        ("2019/20", "39772645", *gross),
        ("2020/21", "49244606", *gross),
        ("2021/22", "", *blank),
        ("2022/23", "", *blank),
        ("2023/24", "", *blank),
        (
            "2024/25",
            "88800000",
            "net spend before income, excluding specialist post-16 providers",
            "Decision 25/00065 §6.1",
        ),
    ]
    return pd.DataFrame(rows, columns=["financial_year", "spend_gbp", "basis", "source"])


def write_samples(raw_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the five sample files into raw_dir (byte-for-byte identical on every run) and
    return their paths.

    Parameters
    ----------
    raw_dir : pathlib.Path
        Directory to write into; created if missing. Existing sample files are overwritten.
    seed : int, default DEFAULT_SEED
        Seed of the single ``numpy.random.Generator`` behind every random choice.

    Returns
    -------
    list of pathlib.Path
        ``snapshot_2024_01.csv``, ``period_2024_04_to_11.csv``, ``fy_2024_25.csv``,
        ``snapshot_2025_06_30.csv`` and ``spend_history.csv``, in that order.

    Notes
    -----
    The extracts share one universe of fictional schools and pupils and are generated in
    date order, so a child can reappear a year older in a later file. Each is calibrated to
    the published figures in ``data/published/published-figures.yml`` (see
    ``data/raw/README.md``). With another seed the published counts, means and shares still
    hold, since they are imposed rather than sampled.
    """
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    schools = _build_schools(rng)
    # Distinct 7-digit ids, drawn up front so a pupil's id never depends on later choices.
    uni = _Universe(schools=schools, id_pool=rng.choice(9_000_000, 12_000, replace=False) + 10**6)
    tables = {
        "snapshot_2024_01.csv": _snapshot_jan_2024(rng, uni),
        "period_2024_04_to_11.csv": _period_2024(rng, uni),
        "fy_2024_25.csv": _fy_2024_25(rng, uni),
        "snapshot_2025_06_30.csv": _snapshot_2025(rng, uni),
        "spend_history.csv": _spend_history(),
    }
    paths = []
    for name, table in tables.items():
        path = raw_dir / name
        table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        paths.append(path)
    return paths
