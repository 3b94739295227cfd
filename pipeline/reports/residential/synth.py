"""Seeded generator of the synthetic residential sample exports in data/raw/residential/.

Two files as at 30 September 2021, calibrated to seed 004 (Kent) and plainly illustrative for
the partner authorities: ``homes_2021_09_30.csv`` (one row per registered children's home in
Kent, West Sussex and Portsmouth) and ``placements_2021_09_30.csv`` (one row per child in a
residential children's home, placed by one of the three). No real child, home or provider:
homes have fictional names and Ofsted URNs with the prefix ``SCX`` (real ones start ``SC``),
children have ids ``SYNR`` and six digits.

Kent's published figures are imposed, not sampled, so they hold for any seed: 75 homes with
336 beds in Kent; 42 Kent children in Kent homes and 33 elsewhere, not counting children under
the Disabled Children's Team (who are in the export, so the report has some to exclude).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.councils import load_council
from pipeline.reports.residential import clean as clean_residential
from pipeline.reports.residential.clean import (
    DISABLED_CHILDRENS_TEAM,
    OFSTED_RATINGS,
    PROVIDER_TYPES,
)
from pipeline.samples import ETHNICITIES, ETHNICITY_P, NAME_ENDINGS, NAME_STEMS
from pipeline.samples import choose as _choose
from pipeline.samples import exact_counts as _exact_counts

#: The seed-004 samples are of Kent's homes (the partnership's host).
KENT_DISTRICTS = load_council("kent").districts

DEFAULT_SEED = 20210930
SNAPSHOT = np.datetime64("2021-09-30", "D")
#: Placements that ended in the half year before the snapshot are in the export too.
EXPORT_FROM = np.datetime64("2021-04-01", "D")
HOMES_FILE = "homes_2021_09_30.csv"
PLACEMENTS_FILE = "placements_2021_09_30.csv"

#: The samples' headers: the canonical columns the cleaner declares (no date of birth).
HOMES_COLUMNS: tuple[str, ...] = tuple(clean_residential.HOMES_COLUMNS)
PLACEMENTS_COLUMNS: tuple[str, ...] = tuple(
    c for c in clean_residential.PLACEMENTS_COLUMNS if c != "date_of_birth"
)


@dataclass(frozen=True)
class Plan:
    """What one authority's part of the sample holds (children exclude the Disabled Children's
    Team unless named ``dct_``; ``ended`` placements closed before the snapshot date)."""

    authority: str
    homes: int
    beds: int
    in_area: int
    out_of_area: int
    dct_in_area: int
    dct_out_of_area: int
    ended: int
    #: where out-of-area children are: local authority -> weight (partners have URNs)
    elsewhere: dict[str, float]
    illustrative: bool


#: Kent: seed 004, Aims and Objectives. The partners' numbers are invented (illustrative).
PLANS: tuple[Plan, ...] = (
    Plan(
        "Kent",
        homes=75,
        beds=336,
        in_area=42,
        out_of_area=33,
        dct_in_area=6,
        dct_out_of_area=4,
        ended=7,
        elsewhere={
            "West Sussex": 3,
            "Portsmouth": 1,
            "Medway": 7,
            "East Sussex": 6,
            "Essex": 4,
            "Surrey": 3,
            "Lincolnshire": 2,
            "Norfolk": 2,
            "Shropshire": 2,
            "Derbyshire": 2,
            "Hampshire": 1,
        },
        illustrative=False,
    ),
    Plan(
        "West Sussex",
        homes=44,
        beds=178,
        in_area=28,
        out_of_area=24,
        dct_in_area=3,
        dct_out_of_area=2,
        ended=4,
        elsewhere={
            "Kent": 2,
            "Portsmouth": 1,
            "East Sussex": 5,
            "Surrey": 5,
            "Hampshire": 5,
            "Brighton and Hove": 3,
            "Wiltshire": 2,
            "Dorset": 1,
        },
        illustrative=True,
    ),
    Plan(
        "Portsmouth",
        homes=13,
        beds=47,
        in_area=9,
        out_of_area=16,
        dct_in_area=2,
        dct_out_of_area=1,
        ended=2,
        elsewhere={
            "Hampshire": 8,
            "West Sussex": 2,
            "Kent": 1,
            "Isle of Wight": 2,
            "Southampton": 2,
            "Dorset": 1,
        },
        illustrative=True,
    ),
)
PARTNERS = tuple(p.authority for p in PLANS)

#: Kent's homes by district (east Kent's coast holds the most), 75 in all.
KENT_HOMES_BY_DISTRICT: dict[str, int] = dict(
    zip(KENT_DISTRICTS, (6, 8, 4, 7, 7, 4, 6, 4, 8, 14, 4, 3), strict=True)
)
RATING_WEIGHTS = np.array([19, 59, 14, 3, 5], dtype=float)  # OFSTED_RATINGS order
PROVIDER_TYPE_WEIGHTS = np.array([84, 8, 8], dtype=float)  # PROVIDER_TYPES order
BED_SIZES = np.arange(1, 13)
BED_WEIGHTS = np.array([6, 14, 17, 20, 14, 12, 5, 5, 3, 2, 1, 1], dtype=float)
#: Ages of children in residential care (8 to 17), most in their teens.
AGES = np.arange(8, 18)
AGE_WEIGHTS = np.array([1, 1, 3, 5, 8, 12, 16, 20, 19, 15], dtype=float)
#: Mean weekly cost by provider type, and for homes outside the homes export.
WEEKLY_COST = {"private": 4_700.0, "voluntary": 4_400.0, "local authority": 3_700.0, "": 5_000.0}
DCT_COST_FACTOR = 1.3
HOME_KINDS = ("House", "Lodge", "Cottage", "View", "Place", "Farm")
PRIVATE_SUFFIXES = ("Care Ltd", "Children's Services Ltd", "Care Partnership Ltd", "Care Group")
COUNCIL_NAMES = {
    "Kent": "Kent County Council",
    "West Sussex": "West Sussex County Council",
    "Portsmouth": "Portsmouth City Council",
}


def _fit_total(rng: np.random.Generator, sizes: np.ndarray, total: int) -> np.ndarray:
    """Move single beds between random homes until the sizes add up to ``total`` (1-12 each)."""
    sizes = sizes.copy()
    while sizes.sum() != total:
        step = 1 if sizes.sum() < total else -1
        room = np.flatnonzero((sizes + step >= 1) & (sizes + step <= BED_SIZES[-1]))
        sizes[rng.choice(room)] += step
    return sizes


def _homes(rng: np.random.Generator) -> pd.DataFrame:
    """Every registered home of the three partners, with beds, rating and provider."""
    names = [f"{s}{e}" for s in NAME_STEMS for e in NAME_ENDINGS]
    total = sum(p.homes for p in PLANS)
    picked = rng.choice(len(names), size=total, replace=False)
    kinds = rng.integers(0, len(HOME_KINDS), size=total)
    urns = rng.choice(900_000, size=total, replace=False) + 100_000
    private = [f"{NAME_STEMS[i]} {PRIVATE_SUFFIXES[i % 4]}" for i in range(len(NAME_STEMS))]
    voluntary = [f"{s} Trust" for s in NAME_STEMS[::-1]]
    private_weights = rng.lognormal(0.0, 1.0, len(private))
    frames = []
    start = 0
    for plan in PLANS:
        n = plan.homes
        rows = pd.DataFrame(index=range(n))
        if plan.authority == "Kent":
            rows["district"] = [d for d, k in KENT_HOMES_BY_DISTRICT.items() for _ in range(k)]
        else:
            rows["district"] = ""
        rows["local_authority"] = plan.authority
        sizes = BED_SIZES[_choose(rng, BED_WEIGHTS, n)]
        rows["registered_beds"] = _fit_total(rng, sizes, plan.beds)
        ratings = np.repeat(OFSTED_RATINGS, _exact_counts(RATING_WEIGHTS, n))
        rows["ofsted_rating"] = rng.permutation(ratings)
        types = np.repeat(PROVIDER_TYPES, _exact_counts(PROVIDER_TYPE_WEIGHTS, n))
        rows["provider_type"] = rng.permutation(types)
        providers = []
        for kind in rows["provider_type"]:
            if kind == "private":
                providers.append(private[_choose(rng, private_weights, 1)[0]])
            elif kind == "voluntary":
                providers.append(voluntary[rng.integers(0, 6)])
            else:
                providers.append(COUNCIL_NAMES[plan.authority])
        rows["provider"] = providers
        part = slice(start, start + n)
        rows["ofsted_urn"] = [f"SCX{u:06d}" for u in urns[part]]
        rows["home_name"] = [
            f"{names[p]} {HOME_KINDS[k]}" for p, k in zip(picked[part], kinds[part], strict=True)
        ]
        start += n
        frames.append(rows)
    homes = pd.concat(frames, ignore_index=True)
    return homes.sample(frac=1.0, random_state=rng).reset_index(drop=True)


def _pick_homes(
    rng: np.random.Generator, homes: pd.DataFrame, authority: str, n: int, free: np.ndarray
) -> np.ndarray:
    """``n`` homes in ``authority`` (by free beds, never over capacity); ``free`` is updated."""
    chosen = []
    for _ in range(n):
        where = np.flatnonzero((homes["local_authority"] == authority).to_numpy() & (free > 0))
        pick = where[_choose(rng, free[where].astype(float), 1)[0]]
        free[pick] -= 1
        chosen.append(pick)
    return np.array(chosen, dtype=np.int64)


def _children(
    rng: np.random.Generator, plan: Plan, homes: pd.DataFrame, free: np.ndarray
) -> pd.DataFrame:
    """One authority's placements: live ones (in area, elsewhere; DCT and not) and leavers."""
    groups = [
        ("in", False, plan.in_area),
        ("out", False, plan.out_of_area),
        ("in", True, plan.dct_in_area),
        ("out", True, plan.dct_out_of_area),
        ("ended", False, plan.ended),
    ]
    places = list(plan.elsewhere)
    weights = np.array([plan.elsewhere[p] for p in places], dtype=float)
    rows = []
    for where, dct, n in groups:
        if where == "out":
            counts = _exact_counts(weights, n)
            destinations = [p for p, k in zip(places, counts, strict=True) for _ in range(k)]
        elif where == "in":
            destinations = [plan.authority] * n
        else:  # leavers: anywhere the authority places
            destinations = [
                plan.authority if rng.random() < 0.55 else places[_choose(rng, weights, 1)[0]]
                for _ in range(n)
            ]
        for destination in destinations:
            rows.append({"where": where, "dct": dct, "home_local_authority": destination})
    frame = pd.DataFrame(rows)
    n = len(frame)
    frame["placing_authority"] = plan.authority
    in_data = frame["home_local_authority"].isin(PARTNERS).to_numpy()
    index = np.full(n, -1)
    for authority in PARTNERS:
        # leavers' beds are free again by the snapshot date, so they take none
        here = in_data & (frame["home_local_authority"] == authority).to_numpy()
        live = here & (frame["where"] != "ended").to_numpy()
        index[live] = _pick_homes(rng, homes, authority, int(live.sum()), free)
        ended = here & ~live
        pool = np.flatnonzero((homes["local_authority"] == authority).to_numpy())
        index[ended] = rng.choice(pool, size=int(ended.sum()))
    known = index >= 0
    frame["home_urn"] = np.where(known, homes["ofsted_urn"].to_numpy()[index], "")
    frame["home_district"] = np.where(known, homes["district"].to_numpy()[index], "")
    provider_type = np.where(known, homes["provider_type"].to_numpy()[index], "")

    frame["age"] = AGES[_choose(rng, AGE_WEIGHTS, n)]
    sexes = np.repeat(np.array(["M", "F"]), _exact_counts(np.array([70.0, 30.0]), n))
    frame["sex"] = rng.permutation(sexes)
    frame["ethnicity"] = np.array(ETHNICITIES)[_choose(rng, ETHNICITY_P, n)]
    # Time in the current home: median about ten months, up to six years.
    days = np.clip(rng.lognormal(np.log(300), 0.9, n), 7, 6 * 365).astype(np.int64)
    ended = (frame["where"] == "ended").to_numpy()
    end = SNAPSHOT - rng.integers(1, (SNAPSHOT - EXPORT_FROM).astype(np.int64), n)
    frame["placement_end"] = np.where(ended, end.astype(str), "")
    frame["placement_start"] = np.where(ended, end - days, SNAPSHOT - days).astype(str)
    mean = np.array([WEEKLY_COST[t] for t in provider_type])
    cost = mean * rng.lognormal(0.0, 0.16, n) * np.where(frame["dct"], DCT_COST_FACTOR, 1.0)
    frame["weekly_cost"] = [f"{c:.2f}" for c in np.round(cost, 2)]
    adolescent = (frame["age"] >= 13).to_numpy() & (rng.random(n) < 0.55)
    frame["team"] = np.where(
        frame["dct"],
        DISABLED_CHILDRENS_TEAM,
        np.where(adolescent, "Adolescent Service", "Children in Care"),
    )
    # Distance from the child's home address: near for homes in area, far elsewhere; not
    # every address is recorded.
    near = frame["home_local_authority"].eq(plan.authority).to_numpy()
    km = np.where(near, rng.uniform(1, 60, n), rng.uniform(35, 260, n))
    recorded = rng.random(n) > 0.08
    frame["distance_km"] = [f"{d:.1f}" if r else "" for d, r in zip(km, recorded, strict=True)]
    return frame


def _placements(rng: np.random.Generator, homes: pd.DataFrame) -> pd.DataFrame:
    """Every authority's placements, shuffled, with ids, one duplicate row and one unusable."""
    free = homes["registered_beds"].to_numpy().copy()
    frame = pd.concat([_children(rng, p, homes, free) for p in PLANS], ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=rng).reset_index(drop=True)
    frame["child_id"] = [f"SYNR{i:06d}" for i in rng.choice(900_000, len(frame), False) + 100_000]
    # A real export's wrinkles, so the reconciliation has something to show: one team written
    # the service's other way, one row exported twice, one cost not yet agreed.
    dct = np.flatnonzero((frame["team"] == DISABLED_CHILDRENS_TEAM).to_numpy())
    frame.loc[dct[0], "team"] = "Disabled Children and Young People's Service"
    kent_in = (frame["placing_authority"] == "Kent") & frame["where"].eq("in") & ~frame["dct"]
    twice = frame.loc[[np.flatnonzero(kent_in.to_numpy())[0]]]
    west = (frame["placing_authority"] == "West Sussex") & frame["where"].eq("in")
    unusable = frame.loc[[np.flatnonzero(west.to_numpy())[-1]]].copy()
    unusable["child_id"] = "SYNR000001"
    unusable["weekly_cost"] = "TBC"
    at = int(twice.index[0]) + 1
    frame = pd.concat([frame.iloc[:at], twice, frame.iloc[at:], unusable], ignore_index=True)
    return frame.loc[:, list(PLACEMENTS_COLUMNS)]


def write_residential_samples(raw_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the homes and placements samples into ``raw_dir`` (byte for byte the same on
    every run) and return their paths.

    Parameters
    ----------
    raw_dir : pathlib.Path
        Folder to write into (``data/raw/residential``); created if missing.
    seed : int, default DEFAULT_SEED
        Seed of the one ``numpy.random.Generator`` behind every random choice. Kent's
        published counts hold for any seed.
    """
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    homes = _homes(rng)
    placements = _placements(rng, homes)
    paths = []
    for name, table in (
        (HOMES_FILE, homes.loc[:, list(HOMES_COLUMNS)]),
        (PLACEMENTS_FILE, placements),
    ):
        path = raw_dir / name
        table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        paths.append(path)
    return paths
