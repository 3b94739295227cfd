"""The residential children's homes sufficiency appendix (seed 004): tables and sections.

The table functions are pure (clean homes and placements in, a new DataFrame out). The
``ResidentialAppendix`` is an ``appendix.Appendix``: it shares that class's helpers for
captions, charts, sources, disclosure-aware figures and published tables (the same tidy CSVs,
workbook, figures and publication gate), and ``pipeline.sections`` for the reconciliation of
rows and the disclosure sentence. Counts of children are suppressed with
``pipeline.disclosure``; homes and beds are not children and are shown as they are.

"In area" for an authority means a home whose local authority is that authority: the homes
export's, found by the home's Ofsted URN, else the one the placements export gives.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import disclosure, io, sections, tables, vocabulary
from pipeline.charts import masked
from pipeline.config import (
    Geography,
    ReportDefinition,
    load_report_definition,
    resolve_path,
)
from pipeline.councils import load_council
from pipeline.kernel import ReportKernel
from pipeline.present import (
    SUPPRESSED,
    Column,
    HtmlTable,
    Section,
    fmt_count,
    fmt_date,
    fmt_gbp,
    fmt_pct,
    join_words,
    round_half_up,
    sentence_case,
)
from pipeline.reports.residential import charts as charts_residential
from pipeline.reports.residential.clean import OFSTED_RATINGS, PROVIDER_TYPES
from pipeline.vocabulary import NOT_RECORDED, normalise_label

TOTAL = tables.TOTAL
IN_AREA, OUT_OF_AREA = "in_area", "out_of_area"
#: The total row of a profile table holds the headline figures (the regional comparison's
#: columns): children in area, out of area and in all.
PROFILE_HEADLINE = {
    (TOTAL, IN_AREA): IN_AREA,
    (TOTAL, OUT_OF_AREA): OUT_OF_AREA,
    (TOTAL, "total"): "children",
}
NOT_KNOWN = "Not known"
#: Distance bands (km from the child's family home): only bands are ever published.
DISTANCE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("0-20 km", 0.0, 20.0),
    ("20-50 km", 20.0, 50.0),
    ("50+ km", 50.0, math.inf),
)
#: Time in the current home on the snapshot date, in months (lower bound inclusive).
LENGTH_BANDS: tuple[tuple[str, int, float], ...] = (
    ("Under 6 months", 0, 6),
    ("6 months to under 1 year", 6, 12),
    ("1 year to under 2 years", 12, 24),
    ("2 years or more", 24, math.inf),
)
#: Age bands of the DfE's statistics on children looked after, for the equality profile.
CLA_AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 1", 0, 0),
    ("1 to 4", 1, 4),
    ("5 to 9", 5, 9),
    ("10 to 15", 10, 15),
    ("16 and over", 16, 25),
)
SEX_LABELS = {"F": "Female", "M": "Male"}
#: DfE main ethnic groups in the vocabulary's order (its aliases map onto these).
ETHNIC_GROUPS: tuple[str, ...] = tuple(dict.fromkeys(vocabulary.ETHNIC_GROUPS.values()))


def key_of(text: str) -> str:
    """Figure-id form of a name: ``West Sussex`` -> ``west_sussex``.

    >>> key_of("West Sussex"), key_of("Requires improvement to be good")
    ('west_sussex', 'requires_improvement_to_be_good')
    """
    return "_".join(normalise_label(text).split()) or "none"


# --------------------------------------------------------------------------- table functions


def _is(values: pd.Series, name: str) -> np.ndarray:
    """Row mask: ``values`` (an authority column) equal to ``name``; missing is not equal."""
    return values.astype(object).eq(name).to_numpy()


def _or_not_recorded(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), NOT_RECORDED)


def placed_on(placements: pd.DataFrame, *, as_at: dt.date) -> pd.DataFrame:
    """Placements open on ``as_at``: started on or before it and not ended before it.

    >>> frame = pd.DataFrame({"placement_start": pd.to_datetime(["2021-01-01", "2021-10-01",
    ...                                                          "2020-01-01"]),
    ...                       "placement_end": pd.to_datetime([None, None, "2021-06-30"])})
    >>> len(placed_on(frame, as_at=dt.date(2021, 9, 30)))
    1
    """
    day = pd.Timestamp(as_at)
    start = pd.to_datetime(placements["placement_start"])
    end = pd.to_datetime(placements["placement_end"])
    live = (start <= day) & (end.isna() | (end >= day))
    return placements.loc[live.to_numpy()].reset_index(drop=True)


def in_teams(placements: pd.DataFrame, teams: Sequence[str]) -> pd.Series:
    """True where the placement's team is one of ``teams`` (spelling and case aside).

    >>> in_teams(pd.DataFrame({"team": ["Disabled Children's Team", "CIC"]}),
    ...          ["disabled childrens team"]).tolist()
    [True, False]
    """
    wanted = {normalise_label(t) for t in teams}
    labels = placements["team"].astype(object).fillna("").map(normalise_label)
    return labels.isin(wanted)


def locate(placements: pd.DataFrame, homes: pd.DataFrame) -> pd.DataFrame:
    """Each placement with where its home is, from the homes export where its URN is there.

    Adds ``home_la`` (the homes export's local authority, else the placement's own
    ``home_local_authority``), ``district`` (the home's, else the placement's
    ``home_district``), ``ofsted_rating``, ``provider_type`` and ``in_homes_export``.

    >>> homes = pd.DataFrame({"ofsted_urn": ["SCX1"], "local_authority": ["Kent"],
    ...                       "district": ["Thanet"], "ofsted_rating": ["Good"],
    ...                       "provider_type": ["private"]})
    >>> placed = pd.DataFrame({"home_urn": ["SCX1", None], "home_local_authority": [None,
    ...                        "Medway"], "home_district": [None, None]})
    >>> located = locate(placed, homes)
    >>> located["home_la"].tolist(), located["in_homes_export"].tolist()
    (['Kent', 'Medway'], [True, False])
    """
    register = homes.drop_duplicates("ofsted_urn").set_index("ofsted_urn")
    urn = placements["home_urn"].astype(object)
    known = urn.isin(register.index).to_numpy()

    def from_register(column: str, fallback: pd.Series | None = None) -> pd.Series:
        found = urn.map(register[column].astype(object)).where(known, None)
        if fallback is not None:
            found = found.where(known, fallback.astype(object))
        return found.astype(object).where(pd.notna(found), None)

    return placements.assign(
        home_la=from_register("local_authority", placements["home_local_authority"]),
        district=from_register("district", placements["home_district"]),
        ofsted_rating=from_register("ofsted_rating"),
        provider_type=from_register("provider_type"),
        in_homes_export=known,
    )


def _split(placed: pd.DataFrame, authority: str) -> pd.DataFrame:
    """``placed`` with the in-area split in the column the shared profile functions split by.

    ``tables.build_profile_by`` and ``tables.build_cost_by`` split their counts by the
    ``framework_status`` column; here the split is whether the home is in the authority.
    """
    inside = _is(placed["home_la"], authority)
    return placed.assign(framework_status=np.where(inside, IN_AREA, OUT_OF_AREA))


def build_profile(
    placed: pd.DataFrame, *, authority: str, column: str, order: Sequence[str]
) -> pd.DataFrame:
    """Children by any characteristic, in area and out of area, with shares of all children.

    >>> placed = pd.DataFrame({"home_la": ["Kent", "Kent", "Essex"], "sex": ["M", "F", "M"]})
    >>> t = build_profile(placed, authority="Kent", column="sex", order=["F", "M"])
    >>> t.loc["M"].tolist()
    [1.0, 1.0, 2.0, 66.66666666666666]
    """
    table = tables.build_profile_by(
        _split(placed, authority), column=column, categories=[IN_AREA, OUT_OF_AREA], order=order
    )
    return table.astype(float)


def band(values: pd.Series, bands: Sequence[tuple[str, float, float]]) -> pd.Series:
    """Label each value with its band (``low <= value < high``); missing is ``Not recorded``.

    >>> band(pd.Series([0, 19.9, 20, 75, None]), DISTANCE_BANDS).tolist()
    ['0-20 km', '0-20 km', '20-50 km', '50+ km', 'Not recorded']
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    labels = pd.Series(NOT_RECORDED, index=values.index, dtype=object)
    for name, low, high in bands:
        labels[(numbers >= low) & (numbers < high)] = name
    return labels


def months_in_placement(placed: pd.DataFrame, *, as_at: dt.date) -> pd.Series:
    """Whole months from each placement's start to ``as_at``.

    >>> frame = pd.DataFrame({"placement_start": pd.to_datetime(["2021-04-01", "2021-03-30"])})
    >>> months_in_placement(frame, as_at=dt.date(2021, 9, 30)).tolist()
    [5, 6]
    """
    start = pd.to_datetime(placed["placement_start"])
    day = pd.Timestamp(as_at)
    months = (day.year - start.dt.year) * 12 + (day.month - start.dt.month)
    return (months - (start.dt.day > day.day).astype(int)).astype(int)


def age_groups(target: Sequence[int]) -> tuple[tuple[str, int, int], ...]:
    """Under, inside and over the target age range, as (label, lowest, highest) ages.

    >>> [name for name, _, _ in age_groups([10, 16])]
    ['Under 10', '10 to 16 (target group)', '17 and over']
    """
    low, high = target
    return (
        (f"Under {low}", 0, low - 1),
        (f"{low} to {high} (target group)", low, high),
        (f"{high + 1} and over", high + 1, 99),
    )


def label_ages(age: pd.Series, groups: Sequence[tuple[str, int, int]]) -> pd.Series:
    """Label ages with inclusive (label, lowest, highest) groups; missing is ``Not recorded``.

    >>> label_ages(pd.Series([9, 10, None], dtype="Int64"), age_groups([10, 16])).tolist()
    ['Under 10', '10 to 16 (target group)', 'Not recorded']
    """
    return band(age.astype("Float64"), [(name, lo, hi + 1) for name, lo, hi in groups])


def build_capacity_by(
    homes: pd.DataFrame,
    *,
    authority: str,
    by: str,
    order: Sequence[str],
    placed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Homes and registered beds in ``authority`` by ``by`` (district, Ofsted rating); with
    ``placed``, also the children placed in those homes and their share of the beds.

    Rows are ``order`` (every one, even if empty), any other value, ``Not recorded``, then
    ``Total``.

    >>> homes = pd.DataFrame({"local_authority": ["Kent", "Kent", "Essex"],
    ...                       "district": ["Thanet", "Dover", None],
    ...                       "registered_beds": [4, 6, 3]})
    >>> placed = pd.DataFrame({"home_la": ["Kent"], "district": ["Thanet"]})
    >>> t = build_capacity_by(homes, authority="Kent", by="district", order=["Dover", "Thanet"],
    ...                       placed=placed)
    >>> t.loc["Total", ["homes", "beds", "children", "share_of_beds_pct"]].tolist()
    [2.0, 10.0, 1.0, 10.0]
    """
    local = homes.loc[_is(homes["local_authority"], authority)]
    groups = _or_not_recorded(local[by])
    columns = {
        "homes": groups.value_counts(),
        "beds": local["registered_beds"].astype(float).groupby(groups).sum(),
    }
    if placed is not None:
        inside = placed.loc[_is(placed["home_la"], authority)]
        columns["children"] = _or_not_recorded(inside[by]).value_counts()
    values = {v for column in columns.values() for v in column.index}
    rest = sorted(v for v in values if v not in order and v != NOT_RECORDED)
    rows = [*order, *rest] + ([NOT_RECORDED] if NOT_RECORDED in values else [])
    table = pd.DataFrame({k: c.reindex(rows, fill_value=0) for k, c in columns.items()})
    table = table.astype(float)
    table.loc[TOTAL] = table.sum()
    if placed is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            table["share_of_beds_pct"] = table["children"] / table["beds"] * 100
    table.index.name = by
    return table


def build_regional_comparison(
    homes: pd.DataFrame, placed: pd.DataFrame, *, authorities: Sequence[str]
) -> pd.DataFrame:
    """Homes and beds in each authority, and where each authority's children are placed.

    Columns: ``homes``, ``beds`` (in the authority), ``children`` (placed by it),
    ``in_area``, ``out_of_area``, ``in_area_pct`` (of its children) and
    ``share_of_beds_pct`` (its children in its own homes over its beds); then ``Total``.

    >>> homes = pd.DataFrame({"local_authority": ["Kent", "Medway"], "registered_beds": [8, 4]})
    >>> placed = pd.DataFrame({"placing_authority": ["Kent", "Kent", "Medway"],
    ...                        "home_la": ["Kent", "Essex", "Kent"]})
    >>> t = build_regional_comparison(homes, placed, authorities=["Kent", "Medway"])
    >>> t.loc["Kent", ["children", "in_area", "out_of_area", "share_of_beds_pct"]].tolist()
    [2.0, 1.0, 1.0, 12.5]
    """
    rows = {}
    for authority in authorities:
        own = placed.loc[_is(placed["placing_authority"], authority)]
        local = homes.loc[_is(homes["local_authority"], authority)]
        inside = int(_is(own["home_la"], authority).sum())
        rows[authority] = {
            "homes": len(local),
            "beds": float(local["registered_beds"].astype(float).sum()),
            "children": len(own),
            "in_area": inside,
            "out_of_area": len(own) - inside,
        }
    table = pd.DataFrame.from_dict(rows, orient="index").astype(float)
    table.loc[TOTAL] = table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["in_area_pct"] = table["in_area"] / table["children"] * 100
        table["share_of_beds_pct"] = table["in_area"] / table["beds"] * 100
    table.index.name = "placing_authority"
    return table


def build_placement_location(
    placed: pd.DataFrame, *, authority: str, partners: Sequence[str]
) -> pd.DataFrame:
    """Where an authority's children are placed: in its area, in each partner's, elsewhere.

    >>> placed = pd.DataFrame({"home_la": ["Kent", "Kent", "Portsmouth", "Essex"]})
    >>> t = build_placement_location(placed, authority="Kent", partners=["Portsmouth"])
    >>> t["children"].tolist(), t.index.tolist()
    ([2.0, 1.0, 1.0, 4.0], ['Kent', 'Portsmouth', 'Elsewhere', 'Total'])
    """
    where = placed["home_la"].astype(object)
    rows = [authority, *[p for p in partners if p != authority]]
    counts = {name: float(where.eq(name).sum()) for name in rows}
    counts["Elsewhere"] = float((~where.isin(rows)).sum())
    table = pd.DataFrame({"children": pd.Series(counts)})
    table.loc[TOTAL] = table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct"] = table["children"] / table.loc[TOTAL, "children"] * 100
    table.index.name = "home_location"
    return table


def build_cost_by_provider(placed: pd.DataFrame, *, authority: str) -> pd.DataFrame:
    """Mean weekly cost and children by provider type, in area and out of area.

    Provider type comes from the homes export; a home not in it is ``Not known``. Columns
    ``avg_in_area``, ``n_in_area``, ``avg_out_of_area``, ``n_out_of_area``, ``avg_total``,
    ``n_total``; rows are the provider types present, then ``Total``.

    >>> placed = pd.DataFrame({"home_la": ["Kent", "Kent", "Essex"], "weekly_cost": [4e3, 5e3,
    ...                        6e3], "provider_type": ["private", "private", None]})
    >>> t = build_cost_by_provider(placed, authority="Kent")
    >>> t.loc["private", ["avg_in_area", "n_total"]].tolist(), t.index.tolist()
    ([4500.0, 2.0], ['private', 'Not known', 'Total'])
    """
    frame = _split(placed, authority).assign(
        provider_type=lambda f: f["provider_type"].astype(object).fillna(NOT_KNOWN),
        # build_cost_by averages the column it knows as annual_fee; here it is a weekly cost
        annual_fee=lambda f: f["weekly_cost"].astype(float),
    )
    table = tables.build_cost_by(
        frame,
        by="provider_type",
        categories=[IN_AREA, OUT_OF_AREA],
        order=[*PROVIDER_TYPES, NOT_KNOWN],
    )
    return table.astype(float)


# --------------------------------------------------------------------------- the appendix


def _pct_1dp(value: object) -> str:
    """Shares of beds to one decimal place: the seed's 12% is 12.5% unrounded."""
    return fmt_pct(value, 1)


def _mostly_hidden(hidden: np.ndarray) -> bool:
    """Whether more than half of a split table's cells (``hidden``: True where suppression
    hides one) would be hidden: the rule by which a residential table is published unsplit,
    since a table that is mostly [c] tells a member nothing.

    >>> _mostly_hidden(np.array([True, True, False])), _mostly_hidden(np.array([True, False]))
    (True, False)
    """
    return bool(hidden.size and hidden.mean() > 0.5)


def _label(value: object) -> str:
    return sentence_case(str(value))


class ResidentialAppendix(ReportKernel):
    """Tables, figures and narrative of one residential report (one authority of a region).

    Parameters
    ----------
    definition : ReportDefinition
        A report of ``report_type: residential``.
    homes, placements : pandas.DataFrame
        The clean homes and placements of every partner (not filtered).
    cleaning : dict
        The cleaning report of each input, by input name.
    authority : str
        The authority this appendix is about (a fan-out member's ``placing_authority``).
    published : dict, optional
        Published figures by id, to say where the paper printed a figure differently.
    """

    SECTIONS = (
        "summary",
        "capacity",
        "where_placed",
        "cohort",
        "equality_profile",
        "regional_comparison",
        "data_quality",
    )

    def __init__(
        self,
        definition: ReportDefinition,
        homes: pd.DataFrame,
        placements: pd.DataFrame,
        cleaning: dict[str, dict],
        *,
        authority: str,
        provenance: dict | None = None,
        published: dict[str, dict] | None = None,
    ) -> None:
        settings = getattr(definition, "residential", None)
        if settings is None:
            raise ValueError(f"{definition.id}: not a residential report (no residential: block)")
        super().__init__(definition, cleaning, provenance)
        self.placements = {settings.homes: homes, settings.placements: placements}
        self.settings = settings
        self.authority = authority
        self.homes = homes
        self.published_figures = published or {}
        extract = definition.inputs[settings.placements]
        self.as_at = extract.as_at or extract.period_end

    # --- helpers

    @property
    def key(self) -> str:
        return key_of(self.authority)

    @property
    def prefix(self) -> str:
        return self.settings.figure_prefix

    @property
    def authorities(self) -> list[str]:
        names = [self.settings.authority, *self.settings.partners]
        return list(dict.fromkeys([*names, self.authority]))

    @property
    def outside(self) -> str:
        return f"Outside {self.authority}"

    @property
    def inside(self) -> str:
        return f"In {self.authority}"

    def _illustrative(self, name: str) -> bool:
        return name in self.settings.illustrative_authorities

    def _region_label(self, name: object) -> str:
        text = str(name)
        return f"{text} (illustrative)" if self._illustrative(text) else text

    def _as_at(self) -> str:
        return fmt_date(self.as_at)

    def _on(self) -> str:
        """``On 30 September 2021``, to open a sentence."""
        return f"On {self._as_at()}"

    def _both_sources(self) -> str:
        return f"{self._source(self.settings.placements)} {self._source(self.settings.homes)}"

    def _headline_cells(
        self, table: pd.DataFrame, cells: dict[tuple[object, str], str]
    ) -> dict[str, pd.DataFrame]:
        """Cells of ``table`` holding a headline figure (``cells``: cell -> column of the
        regional comparison), as ``suppress`` takes them: hidden where the regional comparison
        hides that figure for this authority, else shown (and so no use as a complement)."""
        hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
        shown = hidden.copy()
        for cell, column in cells.items():
            if cell[0] in table.index and cell[1] in table.columns:
                (hidden if self._headline_hidden(column) else shown).loc[cell] = True
        return {"hidden_elsewhere": hidden, "shown_elsewhere": shown}

    def _profile_mask(self, table: pd.DataFrame) -> pd.DataFrame:
        """A profile's totals are the headline's children in area, out of area and in all."""
        return disclosure.suppress(
            table,
            counts=[IN_AREA, OUT_OF_AREA, "total"],
            derived={"pct": "total"},
            threshold=self.threshold,
            **self._headline_cells(table, PROFILE_HEADLINE),
        )

    def _profile_form(self, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
        """A profile as published, its mask, and whether it is split by where the home is.

        Declared for every profile: it is split into children in and outside the area only
        when at most half of the split's cells of children would be hidden; else it gives
        each group's children and share alone (a table that is mostly [c] tells a member
        nothing). The rule reads only which cells suppression hides, so it is the same for
        every render of the same data."""
        mask = self._profile_mask(table)
        if not _mostly_hidden(mask.drop(index=TOTAL)[[IN_AREA, OUT_OF_AREA, "total"]].to_numpy()):
            return table, mask, True
        alone = table[["total", "pct"]]
        mask = disclosure.suppress(
            alone,
            counts=["total"],
            derived={"pct": "total"},
            threshold=self.threshold,
            total_col=None,  # one column of counts: the Total row is its only total
            **self._headline_cells(alone, PROFILE_HEADLINE),
        )
        return alone, mask, False

    def _profile(
        self,
        values: pd.Series,
        order: Sequence[str],
        *,
        caption: str,
        header: str,
        name: str,
        row_filter: str,
        note: str,
        what: str,
        labels=str,
    ) -> HtmlTable:
        """Children by one characteristic (``values``, one per child), in and out of area,
        with shares: suppressed, its shares recorded as figures, published as a tidy table."""
        table = build_profile(
            self.placed.assign(value=values.to_numpy()),
            authority=self.authority,
            column="value",
            order=order,
        )
        table, mask, by_home = self._profile_form(table)
        columns = [
            Column("total", "All children", indicator="children"),
            Column(
                "pct", "Share of children", fmt_pct, unit="%", dp=1, indicator="share_of_children"
            ),
        ]
        split = None
        if by_home:
            columns = [
                Column(IN_AREA, f"Children placed in {self.authority}"),
                Column(OUT_OF_AREA, f"Children placed outside {self.authority}"),
                *columns,
            ]
            parts = {
                self.inside: {"children": IN_AREA},
                self.outside: {"children": OUT_OF_AREA},
                "Total": {"children": "total", "share_of_children": "pct"},
            }
            split = ("home_location", "Where the home is", parts)
        else:
            note += (
                "Not split by where the home is: most of the split table's cells would be "
                "hidden to protect small numbers of children. "
            )
        html_table = self._table(
            HtmlTable(
                table,
                caption=self._caption(f"{self.authority} children by {caption}, {self._as_at()}"),
                columns=columns,
                row_header=header,
                row_labels=lambda v: labels(v) or str(v),
                note=note + self._source(self.settings.placements),
                mask=mask,
                name=f"{name}_{self.key}",
                split=split,
            ),
            extract=self.settings.placements,
            row_filter=row_filter,
        )
        for row in table.index.drop(TOTAL):
            self._put(
                f"{self.prefix}.{self.key}.{what}.{key_of(str(row))}.pct",
                table,
                row,
                "pct",
                "percent_rounded",
                f"Share of children, {header.lower()} {row}",
                html_table.mask,
            )
        return html_table

    # --- the data every section draws on

    @cached_property
    def exported(self) -> pd.DataFrame:
        """This authority's rows of the placements export (every team, open or ended)."""
        frame = self.placements[self.settings.placements]
        return frame.loc[_is(frame["placing_authority"], self.authority)].reset_index(drop=True)

    @cached_property
    def everyone(self) -> pd.DataFrame:
        """Every partner's children placed on the snapshot date, located, excluded teams out."""
        frame = placed_on(self.placements[self.settings.placements], as_at=self.as_at)
        frame = frame.loc[~in_teams(frame, self.settings.excluded_teams).to_numpy()]
        return locate(frame.reset_index(drop=True), self.homes)

    @cached_property
    def placed(self) -> pd.DataFrame:
        """This authority's children placed on the snapshot date, excluded teams out."""
        own = _is(self.everyone["placing_authority"], self.authority)
        return self.everyone.loc[own].reset_index(drop=True)

    @cached_property
    def excluded(self) -> int:
        """This authority's children placed on the snapshot date under an excluded team."""
        live = placed_on(self.exported, as_at=self.as_at)
        return int(in_teams(live, self.settings.excluded_teams).sum())

    @cached_property
    def not_open(self) -> int:
        """This authority's rows of the export not open on the snapshot date."""
        return len(self.exported) - len(placed_on(self.exported, as_at=self.as_at))

    @cached_property
    def left_out(self) -> dict[str, str]:
        """The children not counted, as printed: ``excluded`` (teams) and ``not_open``.

        Both are counts of children, so both are hidden when either is from 1 to the
        threshold: with the children counted shown, one would give the other away.
        """
        counts = {"excluded": self.excluded, "not_open": self.not_open}
        small = any(0 < n < self.threshold for n in counts.values())
        return {k: SUPPRESSED if small else fmt_count(n) for k, n in counts.items()}

    def _left_out_words(self, key: str, noun: str) -> str:
        """``12 children`` in a sentence, or ``children`` when the number is suppressed: a
        table's ``[c]`` reads as a misprint in running prose, and the sentence says that
        numbers left unsaid are suppressed."""
        shown = self.left_out[key]
        return noun if shown == SUPPRESSED else f"{shown} {noun}"

    @cached_property
    def regional(self) -> pd.DataFrame:
        return build_regional_comparison(self.homes, self.everyone, authorities=self.authorities)

    @cached_property
    def regional_mask(self) -> pd.DataFrame:
        """Children are suppressed across the whole comparison, so every member hides the
        same cells; homes and beds are not children."""
        mask = disclosure.suppress(
            self.regional,
            counts=[IN_AREA, OUT_OF_AREA, "children"],
            derived={"in_area_pct": IN_AREA, "share_of_beds_pct": IN_AREA},
            threshold=self.threshold,
            total_col="children",
        )
        small = disclosure.small_base_mask(
            self.regional, base="children", columns=["in_area_pct"], threshold=self.threshold
        )
        return mask | small

    def _headline_hidden(self, column: str) -> bool:
        return bool(self.regional_mask.loc[self.authority, column])

    def _headline(self, column: str) -> float:
        return float(self.regional.loc[self.authority, column])

    def _headline_text(self, column: str) -> str:
        if self._headline_hidden(column):
            return SUPPRESSED
        value = self._headline(column)
        if column == "share_of_beds_pct":
            return _pct_1dp(value)
        return fmt_pct(value) if column.endswith("pct") else fmt_count(value)

    # --- sections

    def summary(self) -> Section:
        """Key figures of the authority, from the same tables as the sections."""
        section = Section("Key figures")
        if self.definition.synthetic_data:
            section.para(
                "This appendix is made from synthetic sample data: it contains no real child, "
                "home or provider data."
            )
        if self._illustrative(self.authority):
            section.para(
                f"The {self.authority} figures are illustrative: the sample data for the "
                "partner authorities is invented to show the report and is not calibrated to "
                "any published figure."
            )
        self._record_headline()
        teams = join_words(self.settings.excluded_teams)
        items = [
            f"Within {self.authority} there are {fmt_count(self._headline('homes'))} registered "
            f"children's homes with {fmt_count(self._headline('beds'))} beds.",
            f"{self._on()}, {self.authority} had "
            f"{self._headline_text(IN_AREA)} children placed in homes in {self.authority} and "
            f"{self._headline_text(OUT_OF_AREA)} in homes elsewhere, not counting "
            f"{self._left_out_words('excluded', 'children')} under the {teams}.",
            f"{self.authority}'s children placed in {self.authority} account for "
            f"{self._headline_text('share_of_beds_pct')} of the beds in {self.authority}.",
        ]
        return section.bullets(items)

    def _record_headline(self) -> None:
        """The seed's headline figures for this authority (published ids for Kent)."""
        p, k = self.prefix, self.key
        frame, mask = self.regional, self.regional_mask
        who = self.authority
        self._put(f"{p}.homes_in_{k}", frame, who, "homes", "count", f"Homes in {who}")
        self._put(f"{p}.beds_in_{k}", frame, who, "beds", "count", f"Registered beds in {who}")
        self._put(
            f"{p}.children_placed_in_{k}",
            frame,
            who,
            IN_AREA,
            "count",
            f"Children placed in {who}, excluded teams not counted",
            mask,
        )
        self._put(
            f"{p}.children_placed_outside_{k}",
            frame,
            who,
            OUT_OF_AREA,
            "count",
            f"Children placed outside {who}, excluded teams not counted",
            mask,
        )
        self._put(
            f"{p}.share_of_{k}_beds_pct",
            frame,
            who,
            "share_of_beds_pct",
            "percent_1dp",  # printed to one place (12.5%), so published so
            f"Children placed in {who} as a share of its registered beds",
            mask,
        )
        if self.left_out["excluded"] != SUPPRESSED:
            self.figures.add(
                f"{p}.children_excluded_{k}",
                self.excluded,
                "count",
                f"Children under {join_words(self.settings.excluded_teams)}, not counted",
            )

    def _printed_differently(self, figure_id: str, places: int) -> str:
        """A sentence when the paper printed this figure rounded another way, else ''."""
        item = self.published_figures.get(figure_id)
        if item is None or figure_id not in self.figures:
            return ""
        value = self.figures[figure_id]["value"]
        printed = item["value"]
        if value is None or round_half_up(value) == printed:
            return ""
        how = " down" if math.floor(value) == printed else ""
        return (
            f" The committee report rounds this share{how} to {printed}%; this appendix "
            "gives it to one decimal place."
        )

    def capacity(self) -> Section:
        """Homes and beds by district and by Ofsted rating; the authority's share of beds."""
        section = Section(f"Homes and beds in {self.authority}")
        homes_name = self.settings.homes
        local = self.homes.loc[_is(self.homes["local_authority"], self.authority)]
        has_districts = bool(local["district"].notna().any())
        share = self._headline_text("share_of_beds_pct")
        text = (
            f"{self._on()}, {fmt_count(self._headline('homes'))} registered "
            f"children's homes in {self.authority} had {fmt_count(self._headline('beds'))} "
            f"beds. {self.authority} had {self._headline_text(IN_AREA)} children placed in "
            f"them, {share} of the beds; the other beds are used by other authorities' "
            "children or are empty."
        )
        self._record_headline()
        text += self._printed_differently(f"{self.prefix}.share_of_{self.key}_beds_pct", 1)
        section.para(text)
        if has_districts:
            district = build_capacity_by(
                self.homes,
                authority=self.authority,
                by="district",
                order=list(load_council(self.authority).districts),
                placed=self.placed,
            )
            table = self._capacity_table(district, "district", "District", "district")
            chart = charts_residential.plot_beds_by_district(
                district.drop(index=TOTAL),
                authority=self.authority,
                as_at=self._as_at(),
                source=self._source(homes_name),
            )
            section.add(self._figure(chart)).add(table)
        elif load_council(self.authority).districts:
            # a unitary authority has no districts: nothing is missing, so nothing is said
            section.para(
                f"The homes data do not record districts for homes in {self.authority}, "
                "so capacity is shown for the authority as a whole."
            )
        rating = build_capacity_by(
            self.homes,
            authority=self.authority,
            by="ofsted_rating",
            order=list(OFSTED_RATINGS),
            placed=self.placed,
        )
        rating_table = self._capacity_table(
            rating, "ofsted_rating", "Ofsted rating", "Ofsted rating"
        )
        good = self.figures.add(
            f"{self.prefix}.{self.key}.homes_good_or_outstanding",
            rating.loc[["Outstanding", "Good"], "homes"].sum(),
            "count",
            f"Homes in {self.authority} rated Good or Outstanding at their latest inspection",
        )
        good_pct = self.figures.add(
            f"{self.prefix}.{self.key}.homes_good_or_outstanding_pct",
            good / rating.loc[TOTAL, "homes"] * 100 if good else 0,
            "percent_rounded",
            f"Share of homes in {self.authority} rated Good or Outstanding",
        )
        section.para(
            f"{fmt_count(good)} of the {fmt_count(rating.loc[TOTAL, 'homes'])} homes "
            f"({fmt_pct(good_pct)}) were rated Good or Outstanding at their latest Ofsted "
            "inspection."
        )
        return section.add(rating_table)

    def _capacity_table(self, table: pd.DataFrame, by: str, header: str, words: str) -> HtmlTable:
        """Homes and beds (shown as they are) and children placed (suppressed) by ``by``."""
        mask = disclosure.suppress(
            table,
            counts=["children"],
            derived={"share_of_beds_pct": "children"},
            threshold=self.threshold,
            total_col=None,
            # the total is the headline's children placed in the authority's own homes
            **self._headline_cells(table, {(TOTAL, "children"): IN_AREA}),
        )
        for row in table.index:
            for column, unit in (("homes", "count"), ("beds", "count")):
                self._put(
                    f"{self.prefix}.{self.key}.{by}.{key_of(str(row))}.{column}",
                    table,
                    row,
                    column,
                    unit,
                    f"{_label(column)} in {self.authority}, {words} {row}",
                )
        return self._table(
            HtmlTable(
                table,
                caption=self._caption(
                    f"Homes, registered beds and {self.authority} children placed, by "
                    f"{words}, {self._as_at()}"
                ),
                columns=[
                    Column("homes", "Homes"),
                    Column("beds", "Registered beds", indicator="registered_beds"),
                    Column("children", f"{self.authority} children placed"),
                    Column("share_of_beds_pct", "Share of beds", _pct_1dp, unit="%", dp=1),
                ],
                row_header=header,
                row_labels=_label,
                note=(
                    "Homes registered with Ofsted in the authority and their registered beds "
                    "(homes and beds are not children, so they are not suppressed). Children "
                    f"placed: {self.authority} children in those homes on the snapshot date, "
                    f"not counting children under the {join_words(self.settings.excluded_teams)}. "
                    + self._both_sources()
                ),
                mask=mask,
                name=f"capacity_by_{by}_{self.key}",
            ),
            extract=self.settings.homes,
            row_filter=by,
        )

    def where_placed(self) -> Section:
        """Where children are placed, how far from home, for how long and at what cost."""
        section = Section(f"Where {self.authority} children are placed")
        location = build_placement_location(
            self.placed, authority=self.authority, partners=self.authorities
        )
        # the authority's own row is the headline's children in area, the total its children,
        # and the other rows add up to the headline's children out of area (where it is shown)
        others = [r for r in location.index if r not in (self.authority, TOTAL)]
        mask = disclosure.suppress(
            location,
            counts=["children"],
            derived={"pct": "children"},
            threshold=self.threshold,
            total_col=None,
            row_groups=[others] if not self._headline_hidden(OUT_OF_AREA) else [],
            **self._headline_cells(
                location, {(self.authority, "children"): IN_AREA, (TOTAL, "children"): "children"}
            ),
        )
        where = self._table(
            HtmlTable(
                location,
                caption=self._caption(
                    f"{self.authority} children by where the home is, {self._as_at()}"
                ),
                columns=[
                    Column("children", "Children"),
                    Column("pct", "Share of children", fmt_pct, unit="%", dp=1),
                ],
                row_header="Home in",
                row_labels=lambda v: "Other local authorities" if v == "Elsewhere" else str(v),
                note=(
                    "The local authority where the children's home is. "
                    + self._source(self.settings.placements)
                ),
                mask=mask,
                name=f"placement_location_{self.key}",
            ),
            extract=self.settings.placements,
            row_filter="home_location",
        )
        section.para(
            f"{self._on()}, {self._headline_text(IN_AREA)} of "
            f"{self.authority}'s {self._headline_text('children')} children in residential "
            f"homes ({self._headline_text('in_area_pct')}) lived in a home in "
            f"{self.authority} and {self._headline_text(OUT_OF_AREA)} in a home outside it."
        )
        section.add(where)

        distance = self._profile(
            band(self.placed["distance_km"], DISTANCE_BANDS),
            [b for b, _, _ in DISTANCE_BANDS],
            caption="distance from home",
            header="Distance",
            name="distance_from_home",
            row_filter="distance_band",
            what="distance",
            note="Straight-line distance from the child's family home to the children's home, "
            "in bands only: 0-20 km is under 20 km, 20-50 km is 20 km to under 50 km. "
            "Not recorded: no distance is recorded for the child. ",
        )
        if len(self.placed) and not distance.mask.loc["0-20 km", "pct"]:
            section.para(
                f"{self._text(distance, '0-20 km', 'pct')} of {self.authority}'s children lived "
                "within 20 km of home."
            )
        section.add(distance)
        length = self._profile(
            band(months_in_placement(self.placed, as_at=self.as_at), LENGTH_BANDS),
            [b for b, _, _ in LENGTH_BANDS],
            caption="time in their current home",
            header="Time in the home",
            name="length_of_placement",
            row_filter="length_of_placement",
            what="length",
            note="From the placement start date to the snapshot date. ",
        )
        section.add(length)
        return section.add(self._cost_table())

    def _cost_form(self, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
        """The cost table as published, its mask, and whether it is split by where the home is.

        As for the profiles (``_profile_form``): split into homes in and outside the area only
        when at most half of the split's means would be hidden; else each provider type's mean
        over all its children, beside their number. The children of each provider type in and
        outside the area are not printed, but a reader can work them out (from the headline
        counts and the [x] of empty cells), so they are suppressed as if published and each
        mean travels with its count."""
        names = (IN_AREA, OUT_OF_AREA, "total")
        grid = pd.DataFrame({name: table[f"n_{name}"] for name in names}, index=table.index)
        mask = disclosure.suppress_means(
            table,
            categories=[IN_AREA, OUT_OF_AREA],
            threshold=self.threshold,
            **self._headline_cells(grid, PROFILE_HEADLINE),
        )
        body = table.drop(index=TOTAL)
        means = [f"avg_{name}" for name in names]
        with_children = body[[f"n_{name}" for name in names]].to_numpy() > 0
        if not _mostly_hidden(mask.loc[body.index, means].to_numpy()[with_children]):
            return table, mask, True
        alone = table[["avg_total", "n_total"]]
        mask = disclosure.suppress_means(
            alone,
            categories=[],
            threshold=self.threshold,
            **self._headline_cells(grid[["total"]], PROFILE_HEADLINE),
        )
        return alone, mask, False

    def _cost_table(self) -> HtmlTable:
        table, mask, by_home = self._cost_form(
            build_cost_by_provider(self.placed, authority=self.authority)
        )
        names = (IN_AREA, OUT_OF_AREA, "total") if by_home else ("total",)
        for row in table.index:
            for name in names:
                self._put(
                    f"{self.prefix}.{self.key}.weekly_cost.{key_of(str(row))}.{name}",
                    table,
                    row,
                    f"avg_{name}",
                    "gbp_rounded",
                    f"Mean weekly cost, {row}, {name.replace('_', ' ')}",
                    mask,
                )
        split = [
            Column(
                f"avg_{IN_AREA}",
                f"In {self.authority}",
                fmt_gbp,
                unit="£",
                indicator="mean_weekly_cost_in_area",
            ),
            Column(
                f"avg_{OUT_OF_AREA}",
                f"Outside {self.authority}",
                fmt_gbp,
                unit="£",
                indicator="mean_weekly_cost_out_of_area",
            ),
        ]
        unsplit = (
            ""
            if by_home
            else (
                "Not split by where the home is: most of the split table's means would be "
                "hidden to protect small numbers of children. "
            )
        )
        return self._table(
            HtmlTable(
                table,
                caption=self._caption(
                    f"Mean weekly cost of {self.authority} children's placements by provider "
                    f"type, {self._as_at()}"
                ),
                columns=[
                    *(split if by_home else []),
                    Column(
                        "avg_total",
                        "All placements",
                        fmt_gbp,
                        unit="£",
                        indicator="mean_weekly_cost_all",
                    ),
                    Column("n_total", "Children", indicator="children"),
                ],
                row_header="Provider type",
                row_labels=_label,
                note=(
                    "Mean agreed weekly cost. Provider type is from the list of children's homes; "
                    "'Not known' where the home is not on it. " + unsplit + "Means over fewer "
                    f"than {self.threshold} children are suppressed, as are means that would let "
                    "a suppressed figure be worked out. " + self._both_sources()
                ),
                mask=mask,
                name=f"weekly_cost_by_provider_type_{self.key}",
            ),
            extract=self.settings.placements,
            row_filter="provider_type",
        )

    def cohort(self) -> Section:
        """Age of the cohort against the target group, and its sex."""
        low, high = self.settings.target_age
        groups = age_groups(self.settings.target_age)
        section = Section("Age and sex against the target group")
        table = self._profile(
            label_ages(self.placed["age"], groups),
            [g for g, _, _ in groups],
            caption="age against the target group",
            header="Age",
            name="age_against_target",
            row_filter="age_group",
            what="target_age",
            note=f"Age in years on the snapshot date. The procurement targets children aged "
            f"{low} to {high}. ",
        )
        target = groups[1][0]
        if table.hidden(target, "pct"):  # say why there is no figure, not "[c] of ..."
            words = (
                f"The share of {self.authority}'s children aged {low} to {high}, the group "
                f"the procurement targets, is suppressed ({SUPPRESSED}) to protect the "
                "small counts around it."
            )
        else:
            words = (
                f"{self._text(table, target, 'pct')} of {self.authority}'s children in "
                f"residential homes were aged {low} to {high}, the group the procurement "
                "targets."
            )
        # the sex table itself is in the equality profile; this is its male share
        sex = build_profile(self.placed, authority=self.authority, column="sex", order=["M"])
        if len(self.placed) and not self._profile_mask(sex).loc["M", "pct"]:
            words += (
                f" {fmt_pct(sex.loc['M', 'pct'])} were male (the equality profile below has "
                "the full table)."
            )
        section.para(sentence_case(words))
        return section.add(table)

    def equality_profile(self) -> Section:
        """Age band, sex and ethnic group of the cohort, against the protected characteristics."""
        section = Section("Equality profile")
        teams = join_words(self.settings.excluded_teams)
        section.para(
            "The Equality Impact Assessment form asks about ten protected characteristics. "
            "The placement records can describe three of them: age, sex and race (ethnic "
            "group). Disability is recorded only through the team: the "
            f"{self._left_out_words('excluded', 'children')}"
            f" under the {teams} are not in these tables, as they are not in the "
            "headline counts. They cannot speak to gender identity, religion and belief, "
            "sexual orientation, pregnancy and maternity, marriage and civil partnership, or "
            "carer's responsibilities, which they do not record."
        )
        specs = [
            (
                label_ages(self.placed["age"], CLA_AGE_BANDS),
                "Age band",
                [b for b, _, _ in CLA_AGE_BANDS],
                "age",
            ),
            (self.placed["sex"], "Sex", ["F", "M", "Other or not recorded"], "sex"),
            (self.placed["ethnicity"], "Ethnic group", ETHNIC_GROUPS, "ethnicity"),
        ]
        facts = []
        for values, header, order, key in specs:
            table = self._profile(
                values,
                order,
                caption=header.lower(),
                header=header,
                name=f"equality_{key}",
                row_filter=key if key != "age" else "age_band",
                what=f"equality.{key}",
                labels=SEX_LABELS.get if key == "sex" else str,
                note="Age bands as in the DfE's statistics on children looked after. "
                if key == "age"
                else "",
            )
            section.add(table)
            if fact := self._largest_group(table, header):
                facts.append(fact)
        if facts:
            section.parts.insert(1, f"<p>{sentence_case(join_words(facts))}.</p>")
        return section

    def _partner_areas(self) -> dict:
        """The ``row_geography`` of the comparison: each partner's row in its own authority's
        codes (from its council file; a partner with none is named without codes). The
        partners' total is no area, so it is left out of the EES file (the table prints it)."""
        areas = {}
        for authority in self.authorities:
            geography = Geography.of_authority(authority)
            areas[self._region_label(authority)] = (
                geography.model_dump() if geography else {"la_name": authority}
            )
        return {"column": "placing_authority", "areas": areas}

    def regional_comparison(self) -> Section:
        """Homes, beds and placements across the partner authorities (aggregates, suppressed)."""
        table, mask = self.regional, self.regional_mask
        for who in table.index:
            k = key_of(str(who))
            for column in table.columns:
                # as the table prints it: the share of beds to one decimal place (12.5%)
                unit = (
                    "percent_1dp"
                    if column == "share_of_beds_pct"
                    else "percent_rounded"
                    if column.endswith("pct")
                    else "count"
                )
                self._put(
                    f"{self.prefix}.region.{k}.{column}",
                    table,
                    who,
                    column,
                    unit,
                    f"{_label(column.replace('_', ' '))}, {who}",
                    mask,
                )
        illustrative = [a for a in self.authorities if self._illustrative(a)]
        note = (
            "Homes and beds: registered children's homes in each authority (not suppressed). "
            "Children: each authority's children in residential homes on the snapshot date, not "
            f"counting children under the {join_words(self.settings.excluded_teams)}; in area = in "
            "a home in the authority. Share of beds: children in area over the authority's beds. "
        )
        if illustrative:
            note += f"Figures for {join_words(illustrative)} are illustrative sample data. "
        html_table = self._table(
            HtmlTable(
                table,
                caption=self._caption(
                    f"Homes, beds and children placed, by partner authority, {self._as_at()}"
                ),
                columns=[
                    Column("homes", "Homes"),
                    Column("beds", "Registered beds", indicator="registered_beds"),
                    Column("children", "Children placed"),
                    Column(IN_AREA, "In own area", indicator="children_in_own_area"),
                    Column(OUT_OF_AREA, "Outside own area", indicator="children_outside_own_area"),
                    Column("in_area_pct", "Share in own area", fmt_pct, unit="%", dp=1),
                    Column("share_of_beds_pct", "Share of own beds", _pct_1dp, unit="%", dp=1),
                ],
                row_header="Authority",
                row_labels=self._region_label,
                note=note + self._both_sources(),
                mask=mask,
                name="regional_comparison",
            ),
            extract=self.settings.placements,
            row_filter="placing_authority",
            row_geography=self._partner_areas(),
        )
        partners = self.figures.add(
            f"{self.prefix}.region.authorities",
            len(self.authorities),
            "count",
            "Authorities buying together",
        )
        section = Section("Regional comparison")
        section.para(
            f"The procurement is regional: {join_words(self.authorities)} buy together. "
            f"Across the {fmt_count(partners)} authorities there are "
            f"{fmt_count(table.loc[TOTAL, 'homes'])} homes with "
            f"{fmt_count(table.loc[TOTAL, 'beds'])} beds, and "
            f"{self._text(html_table, TOTAL, 'children')} of their children were in "
            f"residential homes, {self._text(html_table, TOTAL, 'in_area_pct')} of them "
            "in their own authority's area."
        )
        chart = charts_residential.plot_regional_comparison(
            masked(table.drop(index=TOTAL), mask.drop(index=TOTAL), [IN_AREA, OUT_OF_AREA]),
            labels=[self._region_label(a) for a in table.drop(index=TOTAL).index],
            as_at=self._as_at(),
            source=self._both_sources(),
            own=self.authority,
        )
        return section.add(self._figure(chart)).add(html_table)

    def data_quality(self) -> Section:
        """Who is not counted, the definitions behind the figures, and disclosure control."""
        section = Section("Definitions")
        teams = join_words(self.settings.excluded_teams)
        hidden = SUPPRESSED in self.left_out.values()
        section.para(
            f"Not counted: {self._left_out_words('not_open', 'placements')} of "
            f"{self.authority} children that were not open on {self._as_at()} (ended before it "
            f"or starting after it), and {self._left_out_words('excluded', 'children')} under "
            f"the {teams}"
            + (" (their numbers are not shown, to protect confidentiality)." if hidden else ".")
        )
        disclosure_text = sections.suppression_summary(
            self,
            derived="averages and shares",
            not_children="Homes and beds are not children and their counts are not suppressed.",
            empty="an average over no children, a share of no beds",
        )
        section.bullets(
            [
                f"Children placed: children in a residential children's home on {self._as_at()}"
                " (placed on or before that date and not moved on before it), one row per "
                f"child, not counting children under the {teams}.",
                f"In {self.authority}: the home is in {self.authority}, by its local authority "
                "in the list of children's homes (found by its Ofsted URN), else by the local "
                "authority the placement record gives.",
                f"Share of beds: children placed in {self.authority} over the registered beds "
                f"of homes in {self.authority}. Other authorities' children use these homes "
                "too, so this is the authority's share, not the homes' occupancy.",
                "Distance: from the child's family home to the children's home, published in "
                "bands only.",
                "Weekly cost: mean agreed weekly cost of the placements.",
                "Percentages are rounded half up; components may not sum to 100%.",
                disclosure_text,
            ]
        )
        return section

    def key_figures(self) -> dict[str, object]:
        """The seed's headline figures for this authority, for nbval to pin down."""
        p, k = self.prefix, self.key
        wanted = [
            f"{p}.homes_in_{k}",
            f"{p}.beds_in_{k}",
            f"{p}.children_placed_in_{k}",
            f"{p}.share_of_{k}_beds_pct",
            f"{p}.children_placed_outside_{k}",
        ]
        figures = self.figures.as_dict()
        return {f: figures[f]["value"] for f in wanted if f in figures}


def read_published(path: Path | None) -> dict[str, dict]:
    """Published figures by id (empty when there is no file)."""
    if path is None or not path.exists():
        return {}
    return {item["id"]: item for item in io.read_yaml(path).get("figures", [])}


def load(
    report_definition: str | Path,
    interim_dir: str | Path,
    variant: dict | None = None,
    provenance: dict | None = None,
) -> ResidentialAppendix:
    """Load a residential report's definition and its clean homes and placements.

    ``variant`` holds the overrides of one fan-out member; its ``placing_authority`` filter
    names the authority the appendix is about (default: the definition's ``authority``). The
    data are not filtered: the regional comparison needs every partner's children.
    """
    definition = load_report_definition(report_definition, variant)
    if definition.report_type != "residential":
        raise ValueError(
            f"{report_definition}: not a residential report (report_type is "
            f"{definition.report_type})"
        )
    settings = definition.residential
    unknown = sorted(set(definition.filters) - {"placing_authority"})
    if unknown:
        raise ValueError(
            f"{report_definition}: a residential report can only be filtered by "
            f"placing_authority, not {', '.join(unknown)}"
        )
    interim = resolve_path(interim_dir)
    frames, cleaning = {}, {}
    for name in (settings.homes, settings.placements):
        frames[name] = io.read_clean(interim / name)
        cleaning[name] = io.read_cleaning_report(interim / name)
    return ResidentialAppendix(
        definition,
        frames[settings.homes],
        frames[settings.placements],
        cleaning,
        authority=definition.filters.get("placing_authority", settings.authority),
        provenance=provenance or {},
        published=read_published(definition.published_figures_path()),
    )
