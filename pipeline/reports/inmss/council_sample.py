"""Seeded generator of a synthetic INMSS placement snapshot for any council (no real data).

The Kent samples (``synth.write_samples``) are calibrated to Kent's published figures. This
module writes one snapshot export of the same canonical layout for any two-tier council loaded
with ``pipeline.councils.load_council``: schools stand in the council's districts or out of
area, children's homes are its districts or ``Outside <council>``, and the framework
categories are the report's (by default ``Lot 1`` / ``Lot 2`` / ``Off-framework``). It proves
that nothing in the pipeline needs Kent: the West Sussex sample in
``data/raw/west-sussex/snapshot_2025_06_30.csv`` is written by ``write_west_sussex_sample``.

Everything is invented: pupils (``SYN`` + seven digits, made-up dates of birth, sex and
ethnicity), schools (names built from word lists, URNs in 990001-999999, a range kept for
fictional schools) and fees. Only the place names (districts, neighbouring local authorities)
and the size of the West Sussex sample are real.

Size of the West Sussex sample: 919 placements, the number of EHC plans of children and young
people for whom West Sussex is responsible who attended an independent special school (670) or
a non-maintained special school (249) in January 2025 (Department for Education, "Education,
health and care plans, England 2025", file ``caseload.csv``, time period 202425, local
authority West Sussex, E10000032, breakdown "All EHC plans", columns ``special_independent``
and ``special_non_maintained``). Contains public sector information licensed under the Open
Government Licence v3.0. The number is written here as a constant: the generator reads no
file. The synthetic export has 919 usable placements (day and residential) plus, as real
exports do, two rows the cleaner must quarantine (a mistyped URN, a blank fee) and one exact
duplicate row: 922 data rows in all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Framework, FrameworkCategory
from pipeline.councils import Council, load_council
from pipeline.reports.inmss.synth import (
    COLUMNS,
    DAY_FEE_RANGE,
    ETHNICITIES,
    ETHNICITY_P,
    NAME_ENDINGS,
    NAME_KINDS,
    NAME_STEMS,
    NCY_2025,
    NEED_FEE_FACTOR,
    NEEDS,
    OUT_OF_AREA,
    RESIDENTIAL_FEE_RANGE,
    RESIDENTIAL_NEEDS,
    SPECIALISMS,
    _choose,
    _day,
    _draw_starts,
    _exact_counts,
    _fit_fees,
    _new_rows,
    _sep1,
    _set_cohort,
    _uniform_dates,
)
from pipeline.reports.inmss.synth import write_samples as write_kent_samples

#: The framework categories from September 2026: two contracted lots and spot purchases.
LOTS: tuple[str, ...] = ("Lot 1", "Lot 2", "Off-framework")

#: Local authorities with many independent special schools, where a council's out-of-area
#: schools stand when no list of its own is given (weight, home districts nearby: none).
DISTANT_LAS: dict[str, tuple[float, tuple[str, ...]]] = {
    la: (1.0, ())
    for la in (
        "Hampshire",
        "Surrey",
        "Kent",
        "Essex",
        "Hertfordshire",
        "Devon",
        "Somerset",
        "Wiltshire",
        "Oxfordshire",
        "Buckinghamshire",
        "Lancashire",
        "North Yorkshire",
    )
}

# --- West Sussex

#: EHC plans of West Sussex children in independent (670) and non-maintained (249) special
#: schools, January 2025. Source: DfE, "Education, health and care plans, England 2025",
#: caseload.csv (time_period 202425, la_name West Sussex, breakdown "All EHC plans", columns
#: special_independent + special_non_maintained); Open Government Licence v3.0.
WEST_SUSSEX_INDEPENDENT_SPECIAL_JAN_2025 = 670
WEST_SUSSEX_NON_MAINTAINED_SPECIAL_JAN_2025 = 249
WEST_SUSSEX_PLACEMENTS = (
    WEST_SUSSEX_INDEPENDENT_SPECIAL_JAN_2025 + WEST_SUSSEX_NON_MAINTAINED_SPECIAL_JAN_2025
)
WEST_SUSSEX_SEED = 9_382_025  # DfE code 938, year 2025
WEST_SUSSEX_AS_AT = dt.date(2025, 6, 30)
WEST_SUSSEX_FILE = Path("west-sussex") / "snapshot_2025_06_30.csv"
#: Relative number of children and schools per district (roughly population-shaped).
WEST_SUSSEX_DISTRICT_WEIGHTS: dict[str, float] = {
    "Adur": 6,
    "Arun": 16,
    "Chichester": 12,
    "Crawley": 12,
    "Horsham": 15,
    "Mid Sussex": 15,
    "Worthing": 11,
}
#: Where West Sussex's out-of-area schools stand (real neighbours and a few distant
#: specialist schools): weight, and the districts whose children are most often placed there.
WEST_SUSSEX_SCHOOL_LAS: dict[str, tuple[float, tuple[str, ...]]] = {
    "East Sussex": (10, ("Mid Sussex", "Crawley", "Adur")),
    "Hampshire": (10, ("Chichester", "Arun")),
    "Surrey": (9, ("Crawley", "Horsham", "Mid Sussex")),
    "Brighton and Hove": (8, ("Adur", "Worthing", "Mid Sussex")),
    "Kent": (3, ("Crawley", "Mid Sussex")),
    "Wiltshire": (1, ()),
    "Dorset": (1, ()),
    "Oxfordshire": (1, ()),
    "Somerset": (1, ()),
}
#: Shares of day placements under Lot 1, Lot 2 and Off-framework (illustrative).
WEST_SUSSEX_FRAMEWORK_SHARES = (0.44, 0.22, 0.34)
#: Mean annual fee of a day placement under each category (illustrative: spot costs more).
WEST_SUSSEX_AVERAGE_FEES = (57_380.0, 61_940.0, 68_215.0)

# --- shape of any council's sample

#: Mean day placements per school: contracted providers are the large schools.
PUPILS_PER_CONTRACTED_SCHOOL, PUPILS_PER_OTHER_SCHOOL = 24, 7
RESIDENTIAL_PER_SCHOOL = 8
MEAN_RESIDENTIAL_FEE = 185_000.0
#: Home district of a child at a school in the council's area: the school's district, any
#: district (by weight), or outside the council.
HOME_NEAR_SCHOOL, HOME_OUTSIDE = 0.55, 0.04
#: Share of children at an out-of-area school who live in the districts nearest it.
HOME_NEAR_OUT_OF_AREA = 0.8
FUTURE_STARTERS = 0.08
NOT_RECORDED_NEED = 0.004


def as_framework(framework: Framework | Sequence[str]) -> Framework:
    """The framework a sample is written for; a list of names has every category but the
    last contracted (``Lot 1``, ``Lot 2`` contracted; ``Off-framework`` spot purchases).

    >>> as_framework(LOTS).contracted
    ['Lot 1', 'Lot 2']
    """
    if isinstance(framework, Framework):
        return framework
    names = list(framework)
    return Framework(
        label="Framework status",
        categories=[
            FrameworkCategory(name=name, contracted=i < len(names) - 1)
            for i, name in enumerate(names)
        ],
    )


def _draw_each(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One index per row of ``probs`` (rows need not be normalised)."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def _summer_term_end(as_at: dt.date) -> np.datetime64:
    """18 July closing the academic year of ``as_at`` (the next one if that has passed)."""
    year = as_at.year + (as_at.month >= 9)
    end = dt.date(year, 7, 18) if dt.date(year, 7, 18) > as_at else dt.date(year + 1, 7, 18)
    return _day(end.isoformat())


def _schools(
    rng: np.random.Generator,
    council: Council,
    framework: Framework,
    day_counts: np.ndarray,
    n_residential: int,
    *,
    district_weights: np.ndarray,
    school_las: Mapping[str, tuple[float, tuple[str, ...]]],
    out_of_area_share: float,
) -> pd.DataFrame:
    """The sample's fictional schools: status, district, local authority, size and fees.

    Each category's schools number about its placements over a typical school size; boarding
    schools (residential places only) are spot purchases under the last non-contracted
    category. Every district gets at least one school, so each has a row worth reading.
    """
    contracted = np.array([c.contracted for c in framework.categories])
    size = np.where(contracted, PUPILS_PER_CONTRACTED_SCHOOL, PUPILS_PER_OTHER_SCHOOL)
    per_category = np.where(day_counts > 0, np.ceil(day_counts / size), 0).astype(np.int64)
    spot = int(np.flatnonzero(~contracted)[-1]) if (~contracted).any() else len(contracted) - 1
    n_boarding = int(np.ceil(n_residential / RESIDENTIAL_PER_SCHOOL))
    status = np.concatenate([np.repeat(np.arange(len(size)), per_category), [spot] * n_boarding])
    boarding = np.arange(len(status)) >= per_category.sum()
    n = len(status)

    districts = np.array(council.districts)
    in_area = rng.random(n) >= out_of_area_share
    # Every district has a school: the first in-area schools (in random order) take one each.
    inside = rng.permutation(np.flatnonzero(in_area))
    district = np.full(n, OUT_OF_AREA, dtype=object)
    district[inside] = districts[_choose(rng, district_weights, len(inside))]
    cover = inside[: len(districts)]
    district[cover] = rng.permutation(districts)[: len(cover)]
    las = list(school_las)
    la_weights = np.array([school_las[la][0] for la in las], dtype=float)
    la = np.where(in_area, council.name, np.array(las)[_choose(rng, la_weights, n)])

    urn = rng.choice(9999, size=n, replace=False) + 990001
    stems, endings = np.array(NAME_STEMS), np.array(NAME_ENDINGS)
    names = np.char.add(np.repeat(stems, len(endings)), np.tile(endings, len(stems)))
    kinds = np.array(NAME_KINDS)[_choose(rng, np.array([3, 4, 2, 1, 1, 1, 1, 1, 1, 1.0]), n)]
    name = np.char.add(np.char.add(names[rng.choice(len(names), n, replace=False)], " "), kinds)
    weight = np.where(
        contracted[status] & ~boarding,
        np.clip(rng.lognormal(np.log(PUPILS_PER_CONTRACTED_SCHOOL), 0.4, n), 8, 60),
        rng.lognormal(np.log(PUPILS_PER_OTHER_SCHOOL), 0.8, n),
    )
    spec_p = np.array([p for p, _ in SPECIALISMS.values()])
    return pd.DataFrame(
        {
            "status": status,
            "boarding": boarding,
            "district": district,
            "la": la,
            "urn": urn,
            "name": name,
            "weight": weight,
            "fee_level": rng.lognormal(0.0, 0.15, n),
            "specialism": _choose(rng, spec_p, n),
        }
    )


def _allocate(
    rng: np.random.Generator, weight: np.ndarray, members: np.ndarray, n: int
) -> np.ndarray:
    """Spread ``n`` placements over ``members`` by weight, at least one each."""
    if len(members) == 0:
        return members
    w = weight[members]
    return np.repeat(members, 1 + rng.multinomial(n - len(members), w / w.sum()))


def _school_types(
    rng: np.random.Generator, school: np.ndarray, n_schools: int, share: float
) -> np.ndarray:
    """GIAS type of each school: non-maintained special schools (in random order) until they
    hold about ``share`` of the placements, independent special schools after."""
    order = rng.permutation(n_schools)
    held = np.bincount(school, minlength=n_schools)[order]
    before = np.cumsum(held) - held
    types = np.full(n_schools, "independent_special", dtype=object)
    types[order[before < share * len(school) - held / 2]] = "non_maintained_special"
    return types


def _home_probabilities(
    council: Council,
    schools: pd.DataFrame,
    district_weights: np.ndarray,
    school_las: Mapping[str, tuple[float, tuple[str, ...]]],
) -> np.ndarray:
    """For each school, the chance of a child's home in each district (and, last, outside)."""
    districts = list(council.districts)
    w = district_weights / district_weights.sum()
    n = len(schools)
    own = np.zeros((n, len(districts)))
    near = np.zeros((n, len(districts)))
    for i, (district, la) in enumerate(zip(schools["district"], schools["la"], strict=True)):
        if district != OUT_OF_AREA:
            own[i, districts.index(district)] = 1.0
        for d in school_las.get(la, (0, ()))[1]:
            near[i, districts.index(d)] = 1.0
    near_n = near.sum(axis=1, keepdims=True)
    near = np.divide(near, near_n, out=np.zeros_like(near), where=near_n > 0)
    inside = (schools["district"] != OUT_OF_AREA).to_numpy()[:, None]
    has_near = near_n > 0
    local = np.where(inside, HOME_NEAR_SCHOOL, np.where(has_near, HOME_NEAR_OUT_OF_AREA, 0.0))
    spread = 1 - HOME_OUTSIDE - local
    probs = local * np.where(inside, own, near) + spread * w
    return np.hstack([probs, np.full((n, 1), HOME_OUTSIDE)])


def _add_faults(rng: np.random.Generator, table: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Two rows the cleaner must quarantine and one exact duplicate, as real exports have.

    A placement recorded with a URN that lost a digit, one with its fee left blank (both
    children with ids of their own), and one placement exported twice.
    """
    picks = rng.choice(len(table), size=3, replace=False)
    bad_urn, blank_fee, repeated = (table.iloc[[i]].copy() for i in picks)
    bad_urn["pupil_id"], blank_fee["pupil_id"] = ids
    bad_urn["school_urn"] = bad_urn["school_urn"].str[:5]
    blank_fee["annual_fee"] = ""
    together = pd.concat([table, bad_urn, blank_fee, repeated], ignore_index=True)
    return together.sort_values("pupil_id", kind="stable").reset_index(drop=True)


def build_council_sample(
    council: Council | str,
    *,
    as_at: dt.date,
    placements: int,
    seed: int,
    framework: Framework | Sequence[str] = LOTS,
    framework_shares: Sequence[float] | None = None,
    average_fees: Sequence[float] | None = None,
    district_weights: Mapping[str, float] | None = None,
    school_las: Mapping[str, tuple[float, tuple[str, ...]]] | None = None,
    out_of_area_share: float = 0.45,
    residential_share: float = 0.04,
    non_maintained_share: float = 0.12,
    faults: bool = True,
) -> pd.DataFrame:
    """A synthetic placement snapshot of ``council`` as text, in the canonical layout.

    Parameters
    ----------
    council : Council or str
        The council (or its slug for ``load_council``); it must have districts.
    as_at : datetime.date
        Date of the snapshot: placements are ongoing, agreed to start within three months,
        or planned to end at the close of the summer term.
    placements : int
        Usable placements (day and residential): the rows the cleaner keeps.
    seed : int
        Seed of the one ``numpy.random.Generator`` behind every choice.
    framework : Framework or sequence of str, default ``LOTS``
        The categories written in ``framework_status``; a list of names has every category
        but the last contracted.
    framework_shares : sequence of float, optional
        Relative number of day placements under each category (default equal).
    average_fees : sequence of float, optional
        Exact mean annual fee of the day placements under each category (default £55,000
        rising 5% a category).
    district_weights : mapping of str to float, optional
        Relative size of each district, for schools and homes (default equal).
    school_las : mapping, optional
        ``{local authority: (weight, districts nearest it)}`` where out-of-area schools stand
        (default ``DISTANT_LAS`` less the council itself).
    out_of_area_share : float
        Share of schools outside the council's area.
    residential_share : float
        Share of placements that are residential (boarding), all at spot-purchased schools.
    non_maintained_share : float
        About this share of placements is at non-maintained special schools.
    faults : bool
        Add two rows to quarantine and one exact duplicate (see ``_add_faults``).

    Returns
    -------
    pandas.DataFrame
        Every cell a string, columns ``synth.COLUMNS``, sorted by ``pupil_id``.

    Examples
    --------
    >>> table = build_council_sample("west-sussex", as_at=dt.date(2025, 6, 30), placements=60,
    ...                              seed=1, faults=False)
    >>> len(table), sorted(table["framework_status"].unique())
    (60, ['Lot 1', 'Lot 2', 'Off-framework'])
    """
    council = load_council(council) if isinstance(council, str) else council
    if not council.districts:
        raise ValueError(
            f"{council.name} is a unitary authority: the canonical layout has no district "
            "for its own schools (school_district is one of a council's districts or "
            "'Out of area'), so there is no snapshot of it to write"
        )
    framework = as_framework(framework)
    k = len(framework.categories)
    shares = np.ones(k) if framework_shares is None else np.asarray(framework_shares, float)
    fees = 55_000.0 * 1.05 ** np.arange(k) if average_fees is None else np.asarray(average_fees)
    if len(shares) != k or len(fees) != k:
        raise ValueError(f"framework_shares and average_fees need one value per category ({k})")
    weights = np.array(
        [1.0 if district_weights is None else district_weights[d] for d in council.districts]
    )
    if school_las is None:
        school_las = {la: v for la, v in DISTANT_LAS.items() if la != council.name}
    rng = np.random.default_rng(seed)

    n_res = int(round(placements * residential_share))
    day_counts = _exact_counts(shares, placements - n_res)
    schools = _schools(
        rng,
        council,
        framework,
        day_counts,
        n_res,
        district_weights=weights,
        school_las=school_las,
        out_of_area_share=out_of_area_share,
    )
    w, status_of = schools["weight"].to_numpy(), schools["status"].to_numpy()
    day_schools = ~schools["boarding"].to_numpy()
    school = np.concatenate(
        [
            *(
                _allocate(rng, w, np.flatnonzero(day_schools & (status_of == c)), day_counts[c])
                for c in range(k)
            ),
            _allocate(rng, w, np.flatnonzero(~day_schools), n_res),
        ]
    )
    n = len(school)
    day = ~schools["boarding"].to_numpy()[school]
    status = np.array(framework.names)[status_of[school]]
    rows = _new_rows(school, status, np.where(day, "day", "residential"), as_at.isoformat())
    rows.ncy = np.concatenate(
        [
            rng.permutation(np.repeat(np.arange(15), _exact_counts(NCY_2025, n - n_res))),
            rng.choice(np.arange(5, 15), size=n_res),
        ]
    )
    # Agreed starters within three months; Year 11 and Year 14 pupils often leave in July.
    future = rng.random(n) < FUTURE_STARTERS
    as_at_day = _day(as_at.isoformat())
    rows.start_lo[future], rows.start_hi[future] = as_at_day + 1, as_at_day + 92
    rows.past = ~future
    planned = ~future & np.isin(rows.ncy, (11, 14)) & (rng.random(n) < 0.5)
    rows.end[planned] = _summer_term_end(as_at)
    _set_cohort(rows, bump_infants=False)
    _draw_starts(rng, rows)
    dob = _uniform_dates(rng, _sep1(rows.cohort), _sep1(rows.cohort + 1) - 1)

    profiles = np.stack([p for _, p in SPECIALISMS.values()])
    need_p = np.where(
        day[:, None], profiles[schools["specialism"].to_numpy()[school]], RESIDENTIAL_NEEDS
    )
    need_idx = _draw_each(rng, need_p)
    need = np.where(rng.random(n) < NOT_RECORDED_NEED, "", np.array(NEEDS)[need_idx])
    homes = np.array([*council.districts, council.outside])
    home_p = _home_probabilities(council, schools, weights, school_las)
    home = homes[_draw_each(rng, home_p[school])]
    sex = np.array(["M", "F", ""])[_choose(rng, np.array([70.0, 29.0, 1.0]), n)]
    ethnicity = np.array(ETHNICITIES)[_choose(rng, ETHNICITY_P, n)]

    # Fee: school rate x need x the child's package (a few need an enhanced 1:1 package).
    factor = rng.lognormal(0.0, 0.18, n) * np.where(rng.random(n) < 0.05, 1.7, 1.0)
    need_factor = np.where(need == "", 1.0, NEED_FEE_FACTOR[need_idx])
    raw = schools["fee_level"].to_numpy()[school] * need_factor * factor
    pence = np.empty(n, dtype=np.int64)
    for c, name in enumerate(framework.names):
        part = day & (status == name)
        if part.any():
            pence[part] = _fit_fees(raw[part], fees[c] * part.sum(), bounds=DAY_FEE_RANGE)
    if n_res:
        pence[~day] = _fit_fees(
            raw[~day], MEAN_RESIDENTIAL_FEE * n_res, bounds=RESIDENTIAL_FEE_RANGE
        )

    ids = rng.choice(9_000_000, size=n + 2, replace=False) + 10**6
    pupil_id = np.char.add("SYN", ids.astype(str))
    s = schools.iloc[school]
    types = _school_types(rng, school, len(schools), non_maintained_share)

    def iso(days: np.ndarray) -> np.ndarray:
        return np.where(np.isnat(days), "", np.datetime_as_string(days, unit="D"))

    table = pd.DataFrame(
        {
            "pupil_id": pupil_id[:n],
            "school_urn": s["urn"].astype(str).to_numpy(),
            "school_name": s["name"].to_numpy(),
            "school_type": types[school],
            "framework_status": status,
            "school_district": s["district"].to_numpy(),
            "school_la": s["la"].to_numpy(),
            "primary_need": need,
            "ncy": rows.ncy.astype(str),
            "placement_type": rows.ptype,
            "placement_start": iso(rows.start),
            "placement_end": iso(rows.end),
            "annual_fee": np.char.add(
                np.char.add((pence // 100).astype(str), "."),
                np.char.zfill((pence % 100).astype(str), 2),
            ),
            "home_district": home,
            "sex": sex,
            "ethnicity": ethnicity,
            "date_of_birth": iso(dob),
        },
        columns=list(COLUMNS),
    ).astype(str)
    table = table.sort_values("pupil_id", kind="stable").reset_index(drop=True)
    return _add_faults(rng, table, list(pupil_id[n:])) if faults else table


def write_council_sample(council: Council | str, path: str | Path, **options) -> Path:
    """Write ``build_council_sample(council, **options)`` to ``path`` as CSV and return it.

    The file is the same byte for byte on every run and machine for the same options (one
    seeded stream, no clock, UTF-8, ``\\n`` line endings), like the Kent samples.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = build_council_sample(council, **options)
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


#: The options of the West Sussex sample (``write_council_sample(..., **WEST_SUSSEX)``).
WEST_SUSSEX: dict[str, object] = {
    "as_at": WEST_SUSSEX_AS_AT,
    "placements": WEST_SUSSEX_PLACEMENTS,
    "seed": WEST_SUSSEX_SEED,
    "framework": LOTS,
    "framework_shares": WEST_SUSSEX_FRAMEWORK_SHARES,
    "average_fees": WEST_SUSSEX_AVERAGE_FEES,
    "district_weights": WEST_SUSSEX_DISTRICT_WEIGHTS,
    "school_las": WEST_SUSSEX_SCHOOL_LAS,
    "out_of_area_share": 0.45,
    "residential_share": 0.04,
    "non_maintained_share": (WEST_SUSSEX_NON_MAINTAINED_SPECIAL_JAN_2025 / WEST_SUSSEX_PLACEMENTS),
}


def write_west_sussex_sample(raw_dir: Path, seed: int | None = None) -> Path:
    """Write ``west-sussex/snapshot_2025_06_30.csv`` under ``raw_dir`` and return its path."""
    options = dict(WEST_SUSSEX) | ({} if seed is None else {"seed": seed})
    return write_council_sample("west-sussex", Path(raw_dir) / WEST_SUSSEX_FILE, **options)


def write_samples(raw_dir: Path, seed: int | None = None) -> list[Path]:
    """Every INMSS sample: Kent's five files (``synth.write_samples``, unchanged) in
    ``raw_dir`` and West Sussex's snapshot in ``raw_dir/west-sussex/``.

    With ``seed``, both generators use it; without, each uses its own default seed, so the
    committed files are rewritten byte for byte.
    """
    kent = write_kent_samples(raw_dir) if seed is None else write_kent_samples(raw_dir, seed)
    return [*kent, write_west_sussex_sample(raw_dir, seed)]
