"""Committee tables: one pure function per table, clean placements in, a new DataFrame out.

Functions here never read files, never mutate their input and never look at global
configuration: everything they depend on is a keyword argument. Values are unrounded; display
formatting (£, %, separators) happens in ``pipeline.present``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from pipeline.naming import snake_case
from pipeline.present import join_words
from pipeline.vocabulary import NOT_RECORDED, OUT_OF_AREA, PRIMARY_NEEDS

TOTAL = "Total"

PHASES: tuple[tuple[str, int, int], ...] = (
    ("Early years (N1-N2)", -2, -1),
    ("Primary (R-Year 6)", 0, 6),
    ("Secondary (Years 7-11)", 7, 11),
    ("Post-16 (Years 12-14)", 12, 14),
)


#: The cost-by-need table's rows: the three commonest primary needs on their own, the rest in
#: broad groups after the SEND Code of Practice's areas of need (key, label, needs). Declared,
#: not chosen from the data: split into 14 needs by framework status, most averages would be
#: over too few placements to print, so grouped they tell a member something.
NEED_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ASD", "Autistic spectrum disorder (ASD)", ("ASD",)),
    ("SEMH", "Social, emotional and mental health (SEMH)", ("SEMH",)),
    ("SLCN", "Speech, language and communication needs (SLCN)", ("SLCN",)),
    ("learning", "Learning difficulties (MLD, SLD, PMLD, SPLD)", ("MLD", "SLD", "PMLD", "SPLD")),
    ("sensory_physical", "Sensory or physical needs (HI, VI, MSI, PD)", ("HI", "VI", "MSI", "PD")),
    ("other", "Other needs or not recorded (OTH, DS, not recorded)", ("OTH", "DS", "Not recorded")),
)


def need_group_of(need: pd.Series) -> pd.Series:
    """The ``NEED_GROUPS`` label of each primary need code.

    >>> need_group_of(pd.Series(["ASD", "SLD", "Not recorded"])).str.split(" ").str[0].tolist()
    ['Autistic', 'Learning', 'Other']
    """
    lookup = {code: label for _, label, codes in NEED_GROUPS for code in codes}
    return need.map(lookup).astype(object)


def select_day_provision(placements: pd.DataFrame) -> pd.DataFrame:
    """Keep day placements only (residential placements are excluded from day tables).

    >>> frame = pd.DataFrame({"placement_type": ["day", "residential", "day"]})
    >>> len(select_day_provision(frame))
    2
    """
    return placements.loc[placements["placement_type"] == "day"].copy()


def _pct(part: pd.Series | float, whole: pd.Series | float) -> pd.Series | float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return part / whole * 100


def prorate_fees(placements: pd.DataFrame, *, start: dt.date, end: dt.date) -> pd.Series:
    """Each placement's annual fee pro-rated to the days it runs inside ``start``..``end``.

    Both ends are inclusive and a year counts as 365 days, so a placement running the whole
    financial year costs exactly its annual fee. A blank end date means ongoing.

    >>> frame = pd.DataFrame({
    ...     "annual_fee": [36500.0, 36500.0],
    ...     "placement_start": pd.to_datetime(["2024-01-01", "2024-09-01"]),
    ...     "placement_end": pd.to_datetime([None, "2024-09-10"]),
    ... })
    >>> prorate_fees(frame, start=dt.date(2024, 4, 1), end=dt.date(2025, 3, 31)).tolist()
    [36500.0, 1000.0]
    """
    period_start = pd.Timestamp(start)
    period_end = pd.Timestamp(end)
    first = placements["placement_start"].clip(lower=period_start)
    last = placements["placement_end"].fillna(period_end).clip(upper=period_end)
    days = ((last - first).dt.days + 1).clip(lower=0)
    return placements["annual_fee"] * days / 365


def build_framework_summary(
    placements: pd.DataFrame,
    *,
    categories: Sequence[str],
    spend_start: dt.date | None = None,
    spend_end: dt.date | None = None,
) -> pd.DataFrame:
    """Schools, placements, costs and (optionally) spend by framework status, with a total row.

    Parameters
    ----------
    placements : pandas.DataFrame
        Clean placements.
    categories : sequence of str
        Framework categories in display order (e.g. ``["DPS", "Non-DPS"]``).
    spend_start, spend_end : datetime.date, optional
        When given, fees are pro-rated to this period (``spend_gbp``) and the average gross
        cost per placement is that spend divided by placements.

    Returns
    -------
    pandas.DataFrame
        Indexed by category then ``Total``; columns ``schools``, ``schools_pct``,
        ``out_of_area_schools``, ``out_of_area_pct``, ``placements``, ``placements_pct``,
        ``avg_annual_fee`` and, with a period, ``spend_gbp``, ``spend_pct``,
        ``avg_cost_per_placement``. A school with placements under two statuses counts once
        in each of its rows but once in the total.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "framework_status": ["DPS", "DPS", "Non-DPS"],
    ...     "school_urn": [1, 1, 2],
    ...     "school_district": ["Thanet", "Thanet", "Out of area"],
    ...     "annual_fee": [50000.0, 60000.0, 70000.0],
    ... })
    >>> table = build_framework_summary(frame, categories=["DPS", "Non-DPS"])
    >>> table[["schools", "placements", "avg_annual_fee"]].to_dict("index")["DPS"]
    {'schools': 1, 'placements': 2, 'avg_annual_fee': 55000.0}
    """
    # only the columns the table needs: at national scale copying whole rows dominates
    needed = ["framework_status", "school_urn", "school_district", "annual_fee"]
    if spend_start is not None and spend_end is not None:
        needed += ["placement_start", "placement_end"]
    placements = placements[needed]
    status = placements["framework_status"]
    ooa = placements["school_district"] == OUT_OF_AREA
    rows = {}
    for name in [*categories, TOTAL]:
        mask = status.notna() if name == TOTAL else status == name
        part = placements.loc[mask]
        rows[name] = {
            "schools": part["school_urn"].nunique(),
            "out_of_area_schools": part.loc[ooa[mask], "school_urn"].nunique(),
            "placements": len(part),
            "avg_annual_fee": part["annual_fee"].mean() if len(part) else np.nan,
        }
        if spend_start is not None and spend_end is not None:
            rows[name]["spend_gbp"] = prorate_fees(part, start=spend_start, end=spend_end).sum()
    table = pd.DataFrame.from_dict(rows, orient="index")
    shares = {
        "schools": "schools_pct",
        "out_of_area_schools": "out_of_area_pct",
        "placements": "placements_pct",
    }
    for column, share in shares.items():
        table[share] = _pct(table[column], table.loc[TOTAL, column])
    if "spend_gbp" in table:
        table["spend_pct"] = _pct(table["spend_gbp"], table.loc[TOTAL, "spend_gbp"])
        table["avg_cost_per_placement"] = table["spend_gbp"] / table["placements"]
    order = [
        "schools",
        "schools_pct",
        "out_of_area_schools",
        "out_of_area_pct",
        "placements",
        "placements_pct",
        "spend_gbp",
        "spend_pct",
        "avg_cost_per_placement",
        "avg_annual_fee",
    ]
    table = table[[c for c in order if c in table]]
    table.index.name = "framework_status"
    return table


def build_need_profile(placements: pd.DataFrame, *, categories: Sequence[str]) -> pd.DataFrame:
    """Placements by primary need and framework status, with each need's share of all.

    Rows are needs in descending order of placements (``Not recorded`` last), then ``Total``.

    >>> frame = pd.DataFrame({"primary_need": ["ASD", "ASD", "SEMH"],
    ...                       "framework_status": ["DPS", "Non-DPS", "DPS"]})
    >>> build_need_profile(frame, categories=["DPS", "Non-DPS"])["pct"].round(1).tolist()
    [66.7, 33.3, 100.0]
    """
    counts = pd.crosstab(placements["primary_need"], placements["framework_status"])
    counts = counts.reindex(columns=list(categories), fill_value=0)
    counts["total"] = counts.sum(axis=1)
    recorded = counts.drop(index=NOT_RECORDED, errors="ignore")
    order = recorded.sort_values("total", ascending=False, kind="stable").index.tolist()
    if NOT_RECORDED in counts.index:
        order.append(NOT_RECORDED)
    table = counts.loc[order]
    table.loc[TOTAL] = table.sum()
    table["pct"] = _pct(table["total"], table.loc[TOTAL, "total"])
    table.insert(
        0,
        "need_name",
        [PRIMARY_NEEDS.get(code, code) for code in table.index[:-1]] + ["All primary needs"],
    )
    table.index.name = "primary_need"
    table.columns.name = None
    return table


def build_ncy_profile(placements: pd.DataFrame, *, categories: Sequence[str]) -> pd.DataFrame:
    """Placements by national curriculum year and framework status (every year -2..14 shown).

    >>> frame = pd.DataFrame({"ncy": [9, 10, 10], "framework_status": ["DPS", "DPS", "Non-DPS"]})
    >>> build_ncy_profile(frame, categories=["DPS", "Non-DPS"]).loc[10, "total"]
    np.int64(2)
    """
    counts = pd.crosstab(placements["ncy"].astype(int), placements["framework_status"])
    counts = counts.reindex(index=range(-2, 15), columns=list(categories), fill_value=0)
    counts["total"] = counts.sum(axis=1)
    counts.index.name = "ncy"
    counts.columns.name = None
    return counts


def peak_year_groups(ncy_profile: pd.DataFrame, *, n: int = 2, column: str = "total") -> list[int]:
    """The ``n`` year groups with the most placements, in year order (ties broken by year).

    >>> profile = pd.DataFrame({"total": [5, 9, 7, 1]}, index=[8, 9, 10, 11])
    >>> peak_year_groups(profile, n=2)
    [9, 10]
    """
    counts = ncy_profile[column]
    ranked = counts.loc[counts > 0].sort_values(ascending=False, kind="stable")
    return sorted(int(v) for v in ranked.index[:n])


def ncy_label(ncy: int) -> str:
    """Display label of a national curriculum year.

    >>> [ncy_label(v) for v in (-2, -1, 0, 10)]
    ['N1', 'N2', 'Reception', 'Year 10']
    """
    return {-2: "N1", -1: "N2", 0: "Reception"}.get(int(ncy), f"Year {int(ncy)}")


def ncy_words(years: Sequence[int]) -> str:
    """Year groups in words, as a sentence names them.

    >>> ncy_words([10, 9]), ncy_words([11]), ncy_words([0, 1])
    ('Years 9 and 10', 'Year 11', 'Reception and Year 1')
    """
    years = sorted(int(y) for y in years)
    if years and all(y >= 1 for y in years):
        noun = "Year" if len(years) == 1 else "Years"
        return f"{noun} {join_words([str(y) for y in years])}"
    return join_words([ncy_label(y) for y in years])


def build_phase_profile(placements: pd.DataFrame, *, categories: Sequence[str]) -> pd.DataFrame:
    """Placements by school phase and framework status, with each phase's share of all.

    >>> frame = pd.DataFrame({"ncy": [3, 9, 10, 12], "framework_status": ["DPS"] * 4})
    >>> build_phase_profile(frame, categories=["DPS"])["pct"].tolist()
    [0.0, 25.0, 50.0, 25.0, 100.0]
    """
    ncy = build_ncy_profile(placements, categories=categories)
    rows = {name: ncy.loc[low:high].sum() for name, low, high in PHASES}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.loc[TOTAL] = table.sum()
    table["pct"] = _pct(table["total"], table.loc[TOTAL, "total"])
    table.index.name = "phase"
    return table


def build_district_summary(
    placements: pd.DataFrame,
    *,
    categories: Sequence[str],
    contracted: Sequence[str],
    districts: Sequence[str],
) -> pd.DataFrame:
    """Schools and placements by school district and framework status.

    Every one of the council's ``districts`` appears, with zeros where there is no school,
    then ``Out of area`` and ``Total``. ``contracted_schools`` counts schools under any
    contracted category.

    >>> frame = pd.DataFrame({"school_district": ["Thanet", "Dover"], "school_urn": [1, 2],
    ...                       "framework_status": ["DPS", "Non-DPS"]})
    >>> table = build_district_summary(frame, categories=["DPS", "Non-DPS"], contracted=["DPS"],
    ...                                districts=["Dover", "Thanet"])
    >>> int(table.loc["Dover", "contracted_schools"]), int(table.loc["Thanet", "schools"])
    (0, 1)
    """
    index = [*districts, OUT_OF_AREA]
    district = placements["school_district"]
    schools = (
        placements.groupby(["school_district", "framework_status"])["school_urn"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(index=index, columns=list(categories), fill_value=0)
    )
    table = pd.DataFrame(index=index)
    for name in categories:
        table[f"schools_{name}"] = schools[name]
    table["schools"] = (
        placements.groupby("school_district")["school_urn"].nunique().reindex(index, fill_value=0)
    )
    is_contracted = placements["framework_status"].isin(list(contracted))
    table["contracted_schools"] = (
        placements.loc[is_contracted]
        .groupby("school_district")["school_urn"]
        .nunique()
        .reindex(index, fill_value=0)
    )
    placed = pd.crosstab(district, placements["framework_status"]).reindex(
        index=index, columns=list(categories), fill_value=0
    )
    for name in categories:
        table[f"placements_{name}"] = placed[name]
    table["placements"] = placed.sum(axis=1)
    table.loc[TOTAL] = table.sum()
    table.loc[TOTAL, "schools"] = placements["school_urn"].nunique()
    table.loc[TOTAL, "contracted_schools"] = placements.loc[is_contracted, "school_urn"].nunique()
    for name in categories:
        table.loc[TOTAL, f"schools_{name}"] = placements.loc[
            placements["framework_status"] == name, "school_urn"
        ].nunique()
    table.index.name = "school_district"
    return table.astype(int)


def districts_without_contracted_school(district_summary: pd.DataFrame) -> list[str]:
    """The council's districts (not ``Out of area``) with no contracted school, in order.

    >>> table = pd.DataFrame({"contracted_schools": [0, 2, 0, 5]},
    ...                      index=["Dartford", "Dover", "Out of area", "Total"])
    >>> districts_without_contracted_school(table)
    ['Dartford']
    """
    inside = district_summary.drop(index=[OUT_OF_AREA, TOTAL], errors="ignore")
    return inside.index[inside["contracted_schools"] == 0].tolist()


def build_cost_change(
    earlier: pd.DataFrame, later: pd.DataFrame, *, column: str = "avg_annual_fee"
) -> pd.DataFrame:
    """Change in average annual cost between two framework summaries, by category.

    >>> a = pd.DataFrame({"avg_annual_fee": [50000.0]}, index=["DPS"])
    >>> b = pd.DataFrame({"avg_annual_fee": [53500.0]}, index=["DPS"])
    >>> build_cost_change(a, b).loc["DPS", "change_pct"]
    np.float64(7.000000000000001)
    """
    index = [i for i in later.index if i in earlier.index]
    table = pd.DataFrame(
        {"earlier": earlier.loc[index, column], "later": later.loc[index, column]}, index=index
    )
    table["change_gbp"] = table["later"] - table["earlier"]
    table["change_pct"] = _pct(table["change_gbp"], table["earlier"])
    table.index.name = "framework_status"
    return table.dropna(how="all")


def build_spend_history(spend: pd.DataFrame) -> pd.DataFrame:
    """Annual spend by financial year, years without a published figure kept as gaps.

    >>> raw = pd.DataFrame({"financial_year": ["2019/20", "2020/21"], "spend_gbp": ["10", ""]})
    >>> build_spend_history(raw)["spend_gbp_m"].tolist()
    [1e-05, nan]
    """
    table = spend.copy()
    table["spend_gbp"] = pd.to_numeric(table["spend_gbp"].replace("", np.nan), errors="coerce")
    table["spend_gbp_m"] = table["spend_gbp"] / 1e6
    for column in ("basis", "source"):
        if column not in table:
            table[column] = ""
    table = table.sort_values("financial_year", kind="stable").reset_index(drop=True)
    return table[["financial_year", "spend_gbp", "spend_gbp_m", "basis", "source"]]


def build_headline(placements: pd.DataFrame) -> dict[str, int]:
    """Distinct pupils, distinct schools and placements of an extract.

    >>> build_headline(pd.DataFrame({"pupil_id": ["a", "a"], "school_urn": [1, 2]}))
    {'pupils': 1, 'schools': 2, 'placements': 2}
    """
    return {
        "pupils": int(placements["pupil_id"].nunique()),
        "schools": int(placements["school_urn"].nunique()),
        "placements": int(len(placements)),
    }


AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 5", 0, 4),
    ("5 to 10", 5, 10),
    ("11 to 15", 11, 15),
    ("16 to 18", 16, 18),
    ("19 to 25", 19, 25),
)


def age_band(age: pd.Series) -> pd.Series:
    """Age bands for the equality profile; a missing age is ``Not recorded``.

    >>> age_band(pd.Series([4, 11, 19, None], dtype="Int64")).tolist()
    ['Under 5', '11 to 15', '19 to 25', 'Not recorded']
    """
    labels = pd.Series(NOT_RECORDED, index=age.index, dtype=object)
    for name, low, high in AGE_BANDS:
        labels[(age >= low).fillna(False) & (age <= high).fillna(False)] = name
    return labels


def build_profile_by(
    placements: pd.DataFrame,
    *,
    column: str,
    categories: Sequence[str],
    order: Sequence[str] | None = None,
    missing: str = NOT_RECORDED,
) -> pd.DataFrame:
    """Placements by any characteristic and framework status, with shares of all placements.

    Rows follow ``order`` when given (values not in it come after, ``missing`` last), then
    ``Total``. Missing values count as ``missing``: the characteristic's own "not recorded"
    category where it has one, so that one category does not appear under two names.

    >>> frame = pd.DataFrame({"sex": ["F", "M", "M", None],
    ...                       "framework_status": ["DPS", "DPS", "Non-DPS", "DPS"]})
    >>> table = build_profile_by(frame, column="sex", categories=["DPS", "Non-DPS"],
    ...                          order=["F", "M"])
    >>> table["total"].tolist(), table.index.tolist()
    ([1, 2, 1, 4], ['F', 'M', 'Not recorded', 'Total'])
    >>> build_profile_by(frame, column="sex", categories=["DPS"], order=["F", "M", "Other"],
    ...                  missing="Other").index.tolist()
    ['F', 'M', 'Other', 'Total']
    """
    values = placements[column].astype(object).where(placements[column].notna(), missing)
    counts = pd.crosstab(values, placements["framework_status"])
    counts = counts.reindex(columns=list(categories), fill_value=0)
    known = list(order or [])
    rest = sorted(v for v in counts.index if v not in known and v != missing)
    rows = [v for v in known if v != missing] + rest  # every listed value, even if 0
    if missing in counts.index or missing in known:
        rows.append(missing)
    table = counts.reindex(rows, fill_value=0)
    table["total"] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum()
    table["pct"] = _pct(table["total"], table.loc[TOTAL, "total"])
    table.index.name = column
    table.columns.name = None
    return table


def other_district_column(council_name: str) -> str:
    """The travel table's column of schools in another of the council's districts.

    >>> other_district_column("West Sussex")
    'other_west_sussex_district'
    """
    return f"other_{snake_case(council_name)}_district"


def build_travel_summary(
    placements: pd.DataFrame, *, districts: Sequence[str], council_name: str
) -> pd.DataFrame:
    """Where children from each home district go to school (where home district is known).

    Columns: placements, ``same_district``, ``other_<council>_district``, ``out_of_area`` and
    the share placed outside the home district. Every one of the council's ``districts`` is a
    row; children living outside the council's area (``Outside <council>``) are a row of their
    own when there are any.

    >>> frame = pd.DataFrame({"home_district": ["Dover", "Dover", "Thanet"],
    ...                       "school_district": ["Dover", "Out of area", "Dover"]})
    >>> t = build_travel_summary(frame, districts=["Dover", "Thanet"], council_name="Kent")
    >>> t.loc["Dover", ["same_district", "out_of_area"]].tolist(), t.loc["Total", "placements"]
    ([1, 1], np.int64(3))
    """
    other = other_district_column(council_name)
    known = placements.loc[placements["home_district"].notna()]
    home = known["home_district"].astype(str)
    school = known["school_district"].astype(str)
    same = home == school
    out = school == OUT_OF_AREA
    frame = pd.DataFrame(
        {
            "home": home,
            "same_district": same.astype(int),
            other: (~same & ~out).astype(int),
            "out_of_area": (out & ~same).astype(int),
        }
    )
    order = [*districts, f"Outside {council_name}"]
    table = frame.groupby("home")[["same_district", other, "out_of_area"]].sum()
    table = table.reindex([d for d in order if d in table.index or d in districts], fill_value=0)
    table.insert(0, "placements", table.sum(axis=1))
    table.loc[TOTAL] = table.sum()
    table["outside_home_pct"] = _pct(
        table["placements"] - table["same_district"], table["placements"]
    )
    table.index.name = "home_district"
    return table


def build_cost_by(
    placements: pd.DataFrame, *, by: str, categories: Sequence[str], order: Sequence[str]
) -> pd.DataFrame:
    """Average annual fee and placements by a grouping (need, phase) and framework status.

    Columns ``avg_<category>``, ``n_<category>``, ``avg_total`` and ``n_total``; rows in
    ``order`` (absent groups dropped) then ``Total``.

    >>> frame = pd.DataFrame({"primary_need": ["ASD", "ASD", "SEMH"], "annual_fee": [1.0, 3.0, 5.0],
    ...                       "framework_status": ["DPS", "Non-DPS", "DPS"]})
    >>> t = build_cost_by(frame, by="primary_need", categories=["DPS", "Non-DPS"],
    ...                   order=["ASD", "SEMH"])
    >>> t.loc["ASD", ["avg_total", "n_total"]].tolist()
    [2.0, 2.0]
    """
    groups = placements[by]
    rows = [g for g in order if (groups == g).any()]
    table = pd.DataFrame(index=[*rows, TOTAL])
    for name in [*categories, "total"]:
        part = (
            placements
            if name == "total"
            else placements.loc[placements["framework_status"] == name]
        )
        grouped = part.groupby(by)["annual_fee"]
        table[f"avg_{name}"] = grouped.mean().reindex(rows).tolist() + [
            part["annual_fee"].mean() if len(part) else np.nan
        ]
        table[f"n_{name}"] = grouped.size().reindex(rows, fill_value=0).tolist() + [len(part)]
    table.index.name = by
    return table


def phase_of(ncy: pd.Series) -> pd.Series:
    """School phase label of each national curriculum year.

    >>> phase_of(pd.Series([0, 9, 13])).tolist()
    ['Primary (R-Year 6)', 'Secondary (Years 7-11)', 'Post-16 (Years 12-14)']
    """
    labels = pd.Series("", index=ncy.index, dtype=object)
    for name, low, high in PHASES:
        labels[ncy.between(low, high)] = name
    return labels


def build_trend(
    extracts: Sequence[tuple[str, pd.DataFrame]],
    *,
    contracted: Sequence[str],
    needs: Sequence[str] = ("ASD", "SEMH", "SLCN"),
) -> pd.DataFrame:
    """Headline measures of a sequence of extracts, in the order given.

    >>> a = pd.DataFrame({"pupil_id": ["x", "y"], "school_urn": [1, 2],
    ...                   "framework_status": ["DPS", "Non-DPS"], "primary_need": ["ASD", "SEMH"]})
    >>> build_trend([("Jan", a)], contracted=["DPS"]).loc["Jan", "contracted_pct"]
    np.float64(50.0)
    """
    rows = {}
    for label, frame in extracts:
        row = {
            "placements": len(frame),
            "pupils": frame["pupil_id"].nunique(),
            "schools": frame["school_urn"].nunique(),
            "contracted_pct": _pct(
                frame["framework_status"].isin(list(contracted)).sum(), len(frame)
            ),
        }
        for need in needs:
            row[f"need_pct_{need}"] = _pct((frame["primary_need"] == need).sum(), len(frame))
        rows[label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "extract"
    return table


def annuity_factor(uplift_pct: float, years: int, trajectory: Sequence[float] = (1.0,)) -> float:
    """Sum over contract years of (placement multiplier x cost uplift), year 1 at today's cost.

    >>> round(annuity_factor(2, 8), 4)
    8.583
    """
    total = 0.0
    for year in range(years):
        share = trajectory[min(year, len(trajectory) - 1)]
        total += share * (1 + uplift_pct / 100) ** year
    return total


def build_projection(
    *,
    placements: float,
    average_cost: float,
    uplift_pct: float,
    years: int,
    trajectory: Sequence[float] = (1.0,),
    first_year: int = 2026,
) -> pd.DataFrame:
    """Contract value by contract year: placements x average cost x uplift^(year - 1).

    ``trajectory`` gives each year's placements as a multiple of today's (the last value
    repeats), so ``(1.0,)`` is the static scenario.

    >>> t = build_projection(placements=100, average_cost=1000, uplift_pct=10, years=2)
    >>> t["value_gbp"].tolist(), t["cumulative_gbp"].tolist()[-1]
    ([100000.0, 110000.0], 210000.0)
    """
    rows = []
    for year in range(years):
        share = trajectory[min(year, len(trajectory) - 1)]
        cost = average_cost * (1 + uplift_pct / 100) ** year
        count = placements * share
        rows.append(
            {
                "contract_year": year + 1,
                "period": f"{first_year + year}-{(first_year + year + 1) % 100:02d}",
                "placements": count,
                "average_cost": cost,
                "value_gbp": count * cost,
            }
        )
    table = pd.DataFrame(rows).set_index("contract_year")
    table["cumulative_gbp"] = table["value_gbp"].cumsum()
    return table


def solve_rate(target: float, value_at: Callable[[float], float], low: float, high: float) -> float:
    """The rate in ``[low, high]`` at which a monotonic ``value_at`` meets ``target`` (bisection).

    >>> round(solve_rate(9.0, lambda r: r * r, 0, 10), 6)
    3.0
    """
    f_low = value_at(low) - target
    for _ in range(200):
        mid = (low + high) / 2
        f_mid = value_at(mid) - target
        if (f_mid > 0) == (f_low > 0):
            low, f_low = mid, f_mid
        else:
            high = mid
    return (low + high) / 2


def build_cost_gaps(
    summary: pd.DataFrame,
    *,
    categories: Sequence[str],
    base: str,
    hidden: Sequence[str] = (),
) -> pd.DataFrame:
    """How much more (or less) a placement in each other category costs than one in ``base``,
    and what that difference is worth across the category's placements in a year.

    ``summary`` is ``build_framework_summary`` output (``placements``, ``avg_annual_fee`` by
    category). A category is left out when it is ``base``, when its average or the base's is
    in ``hidden`` (suppressed), or when either has no placements (no average to compare).

    >>> s = pd.DataFrame({"placements": [10, 4, 6], "avg_annual_fee": [50e3, 60e3, np.nan]},
    ...                  index=["DPS", "Non-DPS", "Lot 3"])
    >>> build_cost_gaps(s, categories=["DPS", "Non-DPS", "Lot 3"], base="DPS").to_dict("index")
    {'Non-DPS': {'gap': 10000.0, 'worth': 40000.0}}
    """
    rows = {}
    if base not in hidden:
        for cat in categories:
            if cat == base or cat in hidden:
                continue
            gap = summary.loc[cat, "avg_annual_fee"] - summary.loc[base, "avg_annual_fee"]
            if pd.isna(gap):
                continue
            rows[cat] = {"gap": gap, "worth": gap * summary.loc[cat, "placements"]}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["gap", "worth"])


def explain_projection_gap(
    published: float,
    *,
    total: float,
    base: float,
    cost: float,
    uplift_pct: float,
    years: int,
    trajectory: Sequence[float],
    tolerance: float = 0.005,
) -> dict[str, float | bool | None]:
    """What, alone, would turn the stated assumptions of a contract value projection into a
    published total: another starting count, another average cost, or (for a falling
    trajectory) another annual fall in placements.

    Returns ``difference`` (projection minus published), ``reproduced`` (within
    ``tolerance`` of it), and, when not reproduced, ``implied_placements``, ``implied_cost``
    and ``implied_fall_pct`` (None for a flat trajectory).

    >>> gap = explain_projection_gap(110.0, total=100.0, base=10, cost=10.0, uplift_pct=0,
    ...                              years=1, trajectory=[1.0])
    >>> gap["reproduced"], gap["implied_placements"], gap["implied_cost"], gap["implied_fall_pct"]
    (False, 11.0, 11.0, None)
    """
    difference = total - published
    found: dict[str, float | bool | None] = {
        "difference": difference,
        "reproduced": abs(difference) / published < tolerance,
        "implied_placements": None,
        "implied_cost": None,
        "implied_fall_pct": None,
    }
    if found["reproduced"]:
        return found
    factor = annuity_factor(uplift_pct, years, trajectory)
    found["implied_placements"] = published / (cost * factor)
    found["implied_cost"] = published / (base * factor)
    if len(set(trajectory)) > 1 or trajectory[0] != 1.0:

        def total_at(rate: float) -> float:
            path = [(1 - rate / 100) ** y for y in range(years)]
            return base * cost * annuity_factor(uplift_pct, years, path)

        found["implied_fall_pct"] = solve_rate(published, total_at, -50.0, 60.0)
    return found


# --------------------------------------------------------------------------- national context


def _inmss(frame: pd.DataFrame) -> pd.Series:
    """Independent plus non-maintained special school plans: no figure if either has none."""
    return frame["independent"] + frame["non_maintained"]


def build_context_trend(
    caseload: pd.DataFrame, *, code: str, region_code: str, england_code: str = "E92000001"
) -> pd.DataFrame:
    """An area's EHC plans and INMSS plans in each January of the release, with the share of
    its plans in INMSS beside its region's and England's.

    ``caseload`` is ``ehcp_statistics.read_caseload`` output. A year the release has no row
    for the area (an authority formed later) is a row of NaN, never zeros.

    >>> c = pd.DataFrame({"year": ["2023/24", "2024/25"] * 3,
    ...     "code": ["A", "A", "R", "R", "E", "E"],
    ...     "ehc_plans": [100, 200, 1000, 1000, 9000, 10000],
    ...     "independent": [8, 15, 50, 60, 400, 450], "non_maintained": [2, 5, 10, 10, 50, 50]})
    >>> t = build_context_trend(c, code="A", region_code="R", england_code="E")
    >>> t.loc["2024/25", ["inmss", "inmss_pct", "england_pct"]].tolist()
    [20.0, 10.0, 5.0]
    """
    years = sorted(caseload["year"].unique())

    def area(area_code: str) -> pd.DataFrame:
        rows = caseload.loc[caseload["code"] == area_code].set_index("year")
        return rows.reindex(years)

    own = area(code)
    table = pd.DataFrame(index=pd.Index(years, name="year"))
    table["ehc_plans"] = own["ehc_plans"].astype(float)
    table["independent"] = own["independent"].astype(float)
    table["non_maintained"] = own["non_maintained"].astype(float)
    table["inmss"] = _inmss(table)
    table["inmss_pct"] = _pct(table["inmss"], table["ehc_plans"])
    for column, other in (("region_pct", region_code), ("england_pct", england_code)):
        rows = area(other)
        table[column] = _pct(_inmss(rows).astype(float), rows["ehc_plans"].astype(float))
    return table


def build_context_comparison(
    caseload: pd.DataFrame,
    *,
    year: str,
    code: str,
    comparators: Sequence[str],
    region_code: str,
    england_code: str = "E92000001",
) -> pd.DataFrame:
    """One year's EHC plans, INMSS plans and INMSS share of the council, its comparators
    (highest share first), its region and England; indexed by area name.

    >>> c = pd.DataFrame({"year": ["2024/25"] * 4, "code": ["A", "B", "R", "E"],
    ...     "name": ["A", "B", "Region", "England"], "level": ["la", "la", "regional", "national"],
    ...     "ehc_plans": [100, 50, 1000, 9000], "independent": [8, 9, 50, 400],
    ...     "non_maintained": [2, 1, 10, 50]})
    >>> t = build_context_comparison(c, year="2024/25", code="A", comparators=["B"],
    ...                              region_code="R", england_code="E")
    >>> t["inmss_pct"].tolist()
    [10.0, 20.0, 6.0, 5.0]
    """
    rows = caseload.loc[caseload["year"] == year].set_index("code")
    others = rows.loc[[c for c in comparators if c in rows.index and c != code]]
    others = others.assign(_share=_pct(_inmss(others), others["ehc_plans"]))
    others = others.sort_values(["_share", "name"], ascending=[False, True], na_position="last")
    order = [code, *others.index, region_code, england_code]
    chosen = rows.loc[order]
    table = pd.DataFrame(
        {
            "code": chosen.index,
            "level": chosen["level"].to_numpy(),
            "ehc_plans": chosen["ehc_plans"].astype(float).to_numpy(),
            "inmss": _inmss(chosen).astype(float).to_numpy(),
        },
        index=pd.Index(chosen["name"].to_numpy(), name="area"),
    )
    table["inmss_pct"] = _pct(table["inmss"], table["ehc_plans"])
    return table


def rank_inmss_share(
    caseload: pd.DataFrame, *, year: str, excluded: Sequence[str] = ()
) -> pd.Series:
    """Each local authority's rank by the share of its EHC plans in INMSS in ``year`` (1 =
    highest; ties share the higher rank), among those with a figure and not ``excluded``.

    >>> c = pd.DataFrame({"year": ["2024/25"] * 3, "level": ["la"] * 3, "code": ["A", "B", "C"],
    ...     "ehc_plans": [100, 100, 100], "independent": [5, 9, float("nan")],
    ...     "non_maintained": [0, 1, 1]})
    >>> rank_inmss_share(c, year="2024/25").to_dict()
    {'B': 1, 'A': 2}
    """
    rows = caseload.loc[(caseload["year"] == year) & (caseload["level"] == "la")]
    rows = rows.loc[~rows["code"].isin(list(excluded))]
    share = _pct(_inmss(rows), rows["ehc_plans"]).set_axis(rows["code"].to_numpy()).dropna()
    return share.rank(ascending=False, method="min").astype(int).sort_values(kind="stable")


def build_need_mix(
    needs: pd.DataFrame, *, code: str, needs_order: Sequence[str], england_code: str = "E92000001"
) -> pd.DataFrame:
    """Children in INMSS by primary need: the area's and England's counts and shares, in
    ``needs_order`` with a ``Total`` row (``needs`` is ``ehcp_statistics.read_inmss_needs``
    output; its ``Total`` is the plans of the two placement rows).

    >>> n = pd.DataFrame({"code": ["A", "A", "A", "E", "E", "E"],
    ...     "need": ["ASD", "SEMH", "Total"] * 2, "plans": [6, 4, 10, 60, 40, 100]})
    >>> build_need_mix(n, code="A", needs_order=["ASD", "SEMH"], england_code="E")["pct"].tolist()
    [60.0, 40.0, 100.0]
    """
    order = [*needs_order, TOTAL]

    def of(area_code: str) -> pd.Series:
        rows = needs.loc[needs["code"] == area_code].set_index("need")["plans"]
        return rows.reindex(order).astype(float)

    table = pd.DataFrame({"plans": of(code), "england": of(england_code)})
    table.index.name = "primary_need"
    table["pct"] = _pct(table["plans"], table.loc[TOTAL, "plans"])
    table["england_pct"] = _pct(table["england"], table.loc[TOTAL, "england"])
    return table
