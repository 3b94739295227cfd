"""The committee appendix: sections that the appendix notebook shows, one call per cell.

Each section computes its tables with ``pipeline.tables``, applies disclosure control with
``pipeline.disclosure``, binds every number it prints into its sentences from those tables,
records the figures it shows in a ``FigureRegistry`` and returns a ``present.Section`` (HTML).
A section whose input the report definition does not name returns ``None`` and shows nothing.

Suppressed cells never leave this module as numbers: they print as ``[c]``, are not recorded
as figures, are not drawn in charts and are handed to the renderer already replaced by the
symbol.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import (
    charts,
    disclosure,
    io,
    publish,
    sections,
    tables,
)
from pipeline.config import Extract, ReportDefinition, load_report_definition, resolve_path
from pipeline.ehcp_statistics import Release, read_release
from pipeline.ingest import read_spend_history
from pipeline.kernel import ReportKernel
from pipeline.present import (
    Column,
    HtmlFigure,
    HtmlTable,
    Section,
    fmt_count,
    fmt_date,
    fmt_financial_year,
    fmt_gbp,
    fmt_move,
    fmt_number,
    fmt_pct,
    fmt_share,
    join_words,
    mid_sentence,
    sentence_case,
    snake_case,
    with_article,
)
from pipeline.reports.inmss.context import NationalContext
from pipeline.vocabulary import ETHNIC_GROUP_ORDER, NOT_RECORDED, PRIMARY_NEEDS

#: The category a blank value of an equality characteristic belongs to (its own "not
#: recorded" answer), so the profile never shows one category under two names.
MISSING_AS = {"sex": "Other or not recorded", "ethnicity": "Not known"}


def proper_names(council) -> frozenset[str]:
    """Words a label may start with that are names (the council's and its districts'), so
    keep their capital inside a sentence."""
    return frozenset({council.name.split()[0], *(d.split()[0] for d in council.districts)})


def _period_words(extract: Extract) -> str:
    if extract.period_start and extract.period_end:
        return f"{fmt_date(extract.period_start)} to {fmt_date(extract.period_end)}"
    if extract.as_at:
        return f"as at {fmt_date(extract.as_at)}"
    return extract.label


def _phase_key(phase: str) -> str:
    return phase.split(" ")[0].lower().replace("-", "")


def _count_and_share(column: str, label: str) -> dict[str, tuple[str, str, str]]:
    """A count column and its share column, as both framework tables record them."""
    return {
        column: (f"{{p}}.{column}.{{k}}", "count", label),
        f"{column}_pct": (
            f"{{p}}.{column}_pct.{{k}}",
            "percent_rounded",
            f"Share of {label.lower()}",
        ),
    }


#: Figures of the framework tables: column -> (figure id pattern, unit, label).
SNAPSHOT_FIGURES: dict[str, tuple[str, str, str]] = {
    **_count_and_share("schools", "Schools"),
    **_count_and_share("placements", "Placements"),
    "avg_annual_fee": ("{p}.avg_annual_cost.{k}", "gbp_rounded", "Average annual cost per pupil"),
}
PERIOD_FIGURES: dict[str, tuple[str, str, str]] = {
    **_count_and_share("schools", "Schools"),
    "out_of_area_schools": ("{p}.out_of_area_schools.{k}", "count", "Out-of-area schools"),
    "out_of_area_pct": (
        "{p}.out_of_area_pct.{k}",
        "percent_rounded",
        "Share of out-of-area schools",
    ),
    **_count_and_share("placements", "Placements"),
    "spend_m": ("{p}.forecast_spend_gbp_m.{k}", "gbp_millions_2dp", "Gross forecast spend {fy}"),
    "spend_pct": ("{p}.spend_pct.{k}", "percent_rounded", "Share of spend"),
    "avg_k": (
        "{p}.avg_gross_cost_gbp_k.{k}",
        "gbp_thousands_2dp",
        "Average gross cost per pupil {fy}",
    ),
}
FUNDED_FIGURES: dict[str, tuple[str, str, str]] = {
    "placements": ("{p}.placements.{k}", "count", "Placements funded"),
    "spend_gbp": ("{p}.spend.{k}_gbp_m", "gbp_millions_1dp", "Spend"),
    "avg_annual_fee": ("{p}.avg_cost.{k}", "gbp_rounded", "Average annual cost"),
}


#: The average cost tables: (column, header, order of rows, figure-id key).
COST_GROUPS = (
    ("need_group", "Primary need", [label for _, label, _ in tables.NEED_GROUPS], "need"),
    ("phase", "Phase", [p for p, _, _ in tables.PHASES], "phase"),
)


def _one_input(method: Callable[..., Section]) -> Callable[[Appendix], Section | None]:
    """Decorate a section built from one extract: it is left out (None) when the report
    definition names no extract for it (``sections.<method name>``); otherwise the method is
    given the extract's name, its definition and its figure-id prefix."""

    @functools.wraps(method)
    def section(self: Appendix) -> Section | None:
        name = getattr(self.definition.sections, method.__name__)
        if name is None:
            return None
        return method(self, name, self.definition.inputs[name], self._prefix(name))

    return section


class Appendix(NationalContext, ReportKernel):
    """Tables, figures and narrative of one report, computed from its clean inputs."""

    SECTIONS = (
        "summary",
        "framework_snapshot",
        "framework_period",
        "spend_history",
        "demand_profile",
        "need_profile",
        "year_groups",
        "districts",
        "cost_comparison",
        "travel",
        "cost_breakdown",
        "projection",
        "equality_profile",
        "trend",
        "national_context",
        "data_quality",
    )

    def __init__(
        self,
        definition: ReportDefinition,
        placements: dict[str, pd.DataFrame],
        cleaning: dict[str, dict],
        spend: pd.DataFrame | None = None,
        provenance: dict | None = None,
        release: Release | None = None,
    ) -> None:
        super().__init__(definition, cleaning, provenance)
        self.placements = placements
        self.spend = spend
        self.release = release
        self.council = definition.authority
        self._names = proper_names(self.council)

    # --- helpers

    @property
    def framework(self):
        return self.definition.framework

    @property
    def categories(self) -> list[str]:
        return self.framework.names

    @property
    def _status(self) -> str:
        """The framework label inside a sentence or caption (``DPS status``, ``framework
        status``); tables head their rows with it as written."""
        return mid_sentence(self.framework.label, self._names)

    def _key(self, name: str) -> str:
        return self.framework.key(name)

    def _data(self, extract_name: str, *, day_only: bool = False) -> pd.DataFrame:
        frame = self.placements[extract_name]
        if day_only and self.definition.parameters.day_provision_only:
            return tables.select_day_provision(frame)
        return frame

    def _total_row(self, frame: pd.DataFrame) -> dict[str, bool]:
        """The suppression of the total row of the tables by framework status of ``frame``.

        The need, phase, year, equality and district tables and the counts beneath the
        average costs break the same children down, so they share one total row: the
        placements of each status and of all. It is suppressed once
        (``disclosure.margin_mask``) and every such table takes it as it is, so no table
        shows a total another hides (nor works one out with it).
        """
        counts = frame["framework_status"].value_counts()
        margin = {cat: int(counts.get(cat, 0)) for cat in self.categories}
        margin["total"] = len(frame)
        cache = self.__dict__.setdefault("_total_row_cache", {})
        key = tuple(margin.items())
        if key not in cache:
            cache[key] = disclosure.margin_mask(margin, threshold=self.threshold)
        return cache[key]

    def _profile_mask(
        self, frame: pd.DataFrame, table: pd.DataFrame, *, shares: bool = True, **options
    ) -> pd.DataFrame:
        """The mask of a table of ``frame``'s placements by framework status (and
        ``total``), ending in the total row every such table shares (``_total_row``);
        ``shares``: its ``pct`` column is hidden with the row's total."""
        return disclosure.suppress(
            table,
            counts=[*self.categories, "total"],
            derived={"pct": "total"} if shares else None,
            threshold=self.threshold,
            total_row_mask=self._total_row(frame),
            **options,
        )

    def _section_data(self, extract_name: str) -> pd.DataFrame:
        """Day provision when the extract is the one the day-provision table is built from."""
        day_only = extract_name == self.definition.sections.framework_snapshot
        return self._data(extract_name, day_only=day_only)

    def _put_rows(
        self,
        prefix: str,
        table: pd.DataFrame,
        spec: dict[str, tuple[str, str, str]],
        mask: pd.DataFrame | None = None,
        *,
        skip_total: tuple[str, ...] = (),
        scale: dict[str, float] | None = None,
        fy: str = "",
    ) -> None:
        """Record every row of a by-category table: ``spec`` maps a column to its figure-id
        pattern (``{p}`` prefix, ``{k}`` category key), unit and label (``{fy}``: the
        financial year)."""
        for cat in table.index:
            k = self._key(cat)
            for column, (pattern, unit, label) in spec.items():
                if cat == tables.TOTAL and column in skip_total:
                    continue
                self._put(
                    pattern.format(p=prefix, k=k),
                    table,
                    cat,
                    column,
                    unit,
                    f"{label.format(fy=fy)}, {cat}",
                    mask,
                    scale=(scale or {}).get(column, 1.0),
                )

    def _by_status_table(
        self,
        frame: pd.DataFrame,
        *,
        what: str,
        extract: str,
        row_header: str,
        row_filter: str,
        name: str,
        note: str,
        mask: pd.DataFrame,
        lead: Sequence[Column] = (),
        share: bool = True,
        row_labels: Callable[[object], str] = str,
    ) -> HtmlTable:
        """A "Placements by <what> and <framework>" table: ``lead`` columns, placements under
        each framework category, all placements and (with ``share``) each row's share,
        published with the framework status as a filter of the tidy file."""
        columns = [*lead, *[Column(c, f"{c} placements") for c in self.categories]]
        columns.append(Column("total", "All placements"))
        split = {c: {"placements": c} for c in self.categories}
        split["Total"] = {"placements": "total"}
        if share:
            columns.append(Column("pct", "Share of placements", fmt_share, unit="%", dp=1))
            split["Total"]["share_of_placements"] = "pct"
        period = _period_words(self.definition.inputs[extract])
        return self._table(
            HtmlTable(
                frame,
                caption=self._caption(f"Placements by {what} and {self._status}, {period}"),
                columns=columns,
                row_header=row_header,
                row_labels=row_labels,
                note=note,
                mask=mask,
                name=name,
                split=("framework_status", self.framework.label, split),
            ),
            extract=extract,
            row_filter=row_filter,
        )

    # --- cached tables (shared by the summary and the sections)

    @cached_property
    def snapshot_summary(self) -> pd.DataFrame | None:
        name = self.definition.sections.framework_snapshot
        if name is None:
            return None
        return tables.build_framework_summary(
            self._data(name, day_only=True), categories=self.categories
        )

    @cached_property
    def _snapshot_base_mask(self) -> pd.DataFrame | None:
        table = self.snapshot_summary
        if table is None:
            return None
        name = self.definition.sections.framework_snapshot
        shared = self._total_row(self._data(name, day_only=True))
        return self._framework_mask(table, money=["avg_annual_fee"], shared=shared)

    @cached_property
    def snapshot_mask(self) -> pd.DataFrame | None:
        """The snapshot's mask; an average the cost tables hide for the same extract (their
        total row: the same groups of placements) is hidden here too."""
        mask = self._snapshot_base_mask
        if mask is None:
            return None
        mask = mask.copy()
        name = self.definition.sections.cost_breakdown
        if name is not None and name == self.definition.sections.framework_snapshot:
            hidden = self._cost_tables(name)["total_hidden"]
            for cat in self.categories:
                if cat in mask.index:
                    mask.loc[cat, "avg_annual_fee"] |= bool(hidden[cat])
        return mask

    def _cost_tables(self, name: str) -> dict:
        """The average cost tables by need and by phase of extract ``name`` with their masks.

        A mean travels with its count (``disclosure.suppress_means``): the counts are those of
        the need (phase) table, so a mean is hidden wherever that table hides its count. The
        total rows of both tables, and the snapshot's averages by framework status when built
        from the same extract, are the same groups, so a mean hidden in one is hidden in all
        (repeated until no table hides more).
        """
        cache = self.__dict__.setdefault("_cost_table_cache", {})
        if name in cache:
            return cache[name]
        frame = self._section_data(name).assign(
            phase=lambda f: tables.phase_of(f["ncy"].astype(int)),
            need_group=lambda f: tables.need_group_of(f["primary_need"]),
        )
        cats = [*self.categories, "total"]
        built = {}
        for column, header, order, key in COST_GROUPS:
            table = tables.build_cost_by(frame, by=column, categories=self.categories, order=order)
            # The placements columns are the groups' counts by framework status: the phase
            # table's again (same cells hidden in both), or the need groups' sums of the need
            # table's rows, which that table is suppressed knowing (``_need_groups``).
            profile = tables.build_profile_by(
                frame, column=column, categories=self.categories, order=order
            )
            profile_mask = self._profile_mask(frame, profile)
            count_mask = profile_mask[cats].reindex(table.index, fill_value=True)
            built[key] = (column, header, table, count_mask)
        total_hidden = pd.Series(False, index=cats)
        same_extract = name == self.definition.sections.framework_snapshot
        if same_extract and self.snapshot_summary is not None:
            base = self._snapshot_base_mask
            for cat in self.categories:
                if cat in base.index:
                    total_hidden[cat] = bool(base.loc[cat, "avg_annual_fee"])
        while True:
            masks = {}
            for key, (_, _, table, count_mask) in built.items():
                elsewhere = pd.DataFrame(False, index=table.index, columns=cats)
                elsewhere.loc[tables.TOTAL] = total_hidden.to_numpy()
                masks[key] = disclosure.suppress_means(
                    table,
                    categories=self.categories,
                    threshold=self.threshold,
                    count_mask=count_mask,
                    means_hidden_elsewhere=elsewhere,
                )
            now = total_hidden.copy()
            for mask in masks.values():
                for cat in cats:
                    now[cat] |= bool(mask.loc[tables.TOTAL, f"avg_{cat}"])
            if now.equals(total_hidden):
                break
            total_hidden = now
        result = {
            "groups": {
                key: (column, header, table, masks[key])
                for key, (column, header, table, _) in built.items()
            },
            "total_hidden": total_hidden,
        }
        cache[name] = result
        return result

    @cached_property
    def period_summary(self) -> pd.DataFrame | None:
        name = self.definition.sections.framework_period
        if name is None:
            return None
        fy = self.definition.parameters.financial_year
        return tables.build_framework_summary(
            self._data(name), categories=self.categories, spend_start=fy.start, spend_end=fy.end
        )

    @cached_property
    def period_mask(self) -> pd.DataFrame | None:
        table = self.period_summary
        if table is None:
            return None
        return self._framework_mask(
            table, money=["spend_gbp", "spend_pct", "avg_cost_per_placement"]
        )

    def _framework_mask(
        self, table: pd.DataFrame, *, money: list[str], shared: dict[str, bool] | None = None
    ) -> pd.DataFrame:
        """Placements (children) are suppressed; schools are not children and stay visible.

        ``shared``: the suppression of the same placements as the total row of the other
        tables of the extract (``_total_row``), taken as it is."""
        elsewhere = {}
        if shared is not None:
            hidden = pd.DataFrame(False, index=table.index, columns=["placements"])
            for cat, is_hidden in shared.items():
                row = tables.TOTAL if cat == "total" else cat
                if row in hidden.index:
                    hidden.loc[row, "placements"] = is_hidden
            elsewhere = {"hidden_elsewhere": hidden, "shown_elsewhere": ~hidden}
        mask = disclosure.suppress(
            table,
            counts=["placements"],
            derived={"placements_pct": "placements", **{m: "placements" for m in money}},
            threshold=self.threshold,
            total_col=None,
            floors={"placements": "schools"} if "schools" in table.columns else None,
            **elsewhere,
        )
        small = disclosure.small_base_mask(
            table, base="placements", columns=money, threshold=self.threshold
        )
        return mask | small

    # --- sections

    @_one_input
    def framework_snapshot(self, name: str, extract: Extract, prefix: str) -> Section:
        """Schools, placements and average annual cost by framework status (day provision)."""
        table = self.snapshot_summary.copy()
        mask = self.snapshot_mask
        self._put_rows(prefix, table, SNAPSHOT_FIGURES, mask)
        day_only = self.definition.parameters.day_provision_only
        residential = len(self.placements[name]) - len(self._data(name, day_only=True))
        scope = "day provision" if day_only else "all placements"
        scope_note = ""
        if day_only and residential:
            scope_note = (
                f"Day provision only: {fmt_count(residential)} residential placements in the "
                "extract are excluded. "
            )
        elif day_only:
            scope_note = "Day provision only (the extract holds no residential placements). "
        html_table = self._table(
            HtmlTable(
                table,
                caption=self._caption(
                    f"Schools and placements by {self._status}, {scope}, {_period_words(extract)}"
                ),
                columns=[
                    Column("schools", "Number of schools"),
                    Column("schools_pct", "Percentage of schools", fmt_pct, unit="%", dp=1),
                    Column("placements", "Number of placements"),
                    Column("placements_pct", "Percentage of placements", fmt_pct, unit="%", dp=1),
                    Column("avg_annual_fee", "Average annual cost per pupil", fmt_gbp, unit="£"),
                ],
                row_header=self.framework.label,
                note=scope_note
                + "Average annual cost is the mean agreed annual fee. "
                + self._source(name),
                mask=mask,
                name="framework_status_snapshot",
            ),
            extract=name,
            row_filter="framework_status",
        )
        section = Section(f"Schools and placements by {self._status}")
        total = table.loc[tables.TOTAL]
        section.para(
            f"{sentence_case(_period_words(extract))}, "
            f"{self._text(html_table, tables.TOTAL, 'placements')} {scope} placements were made "
            f"in {fmt_count(total['schools'])} schools."
        )
        for cat in self.categories:
            t = html_table
            if table.loc[cat, "placements"] == 0:
                section.para(f"{cat}: no placements.")
                continue
            schools = (
                f"{cat}: {fmt_count(table.loc[cat, 'schools'])} schools "
                f"({self._text(t, cat, 'schools_pct')} of schools)"
            )
            # a hidden figure is said to be hidden, never printed as the table's [c]
            if t.hidden(cat, "placements"):
                section.para(
                    f"{schools}; their placements and the average annual cost per pupil are "
                    "suppressed to protect confidentiality."
                )
                continue
            placements = (
                f"{schools} hold {self._text(t, cat, 'placements')} placements "
                f"({self._text(t, cat, 'placements_pct')} of placements)"
            )
            if t.hidden(cat, "avg_annual_fee"):
                section.para(
                    f"{placements}; the average annual cost per pupil is suppressed to protect "
                    "confidentiality."
                )
                continue
            section.para(
                f"{placements}, at an average annual cost of "
                f"{self._text(t, cat, 'avg_annual_fee')} per pupil."
            )
        contracted = self.framework.contracted
        if contracted:
            base = contracted[0]
            hidden = [c for c in self.categories if mask.loc[c, "avg_annual_fee"]]
            gaps = tables.build_cost_gaps(
                table,
                categories=[c for c in self.categories if c not in contracted[1:]],
                base=base,
                hidden=hidden,
            )
            for cat, gap, worth in gaps.itertuples():
                gap_id = f"{prefix}.avg_annual_cost.gap"
                if len(self.categories) > 2:
                    gap_id += f"_{self._key(cat)}"
                self.figures.add(
                    gap_id,
                    gap,
                    "gbp_rounded",
                    f"Average annual cost difference, {cat} minus {base}",
                )
                more = "more" if gap >= 0 else "less"
                self.figures.add(
                    f"{prefix}.avg_annual_cost.gap_worth_{self._key(cat)}_gbp_m",
                    worth / 1e6,
                    "gbp_millions_1dp",
                    f"Cost gap across {cat} placements, per year",
                )
                # a difference of two averages across hundreds of placements is an estimate:
                # to £0.1m, and only as good as the assumption that the needs are alike
                section.para(
                    f"{sentence_case(with_article(cat))} placement costs on average "
                    f"{fmt_gbp(abs(gap))} {more} per year than {with_article(base)} placement. "
                    "Assuming a similar profile of needs, across the "
                    f"{self._text(html_table, cat, 'placements')} {cat} placements that "
                    f"difference is worth about £{fmt_number(abs(worth) / 1e6, 1)}m a year."
                )
        return section.add(html_table)

    @_one_input
    def framework_period(self, name: str, extract: Extract, prefix: str) -> Section:
        """The period table of seed 002 §3.3: schools, out-of-area schools, spend and cost."""
        fy = self.definition.parameters.financial_year
        table = self.period_summary.assign(
            spend_m=lambda t: t["spend_gbp"] / 1e6,
            avg_k=lambda t: t["avg_cost_per_placement"] / 1e3,
        )
        mask = self.period_mask.copy()
        mask["spend_m"] = mask["spend_gbp"]
        mask["avg_k"] = mask["avg_cost_per_placement"]
        self._put_rows(prefix, table, PERIOD_FIGURES, mask, fy=fy.label)
        html_table = self._table(
            HtmlTable(
                table,
                caption=self._caption(
                    f"Schools, placements and forecast spend by {self._status}, "
                    f"{_period_words(extract)}"
                ),
                columns=[
                    Column("schools", "No. of schools"),
                    Column("schools_pct", "% of schools", fmt_pct, unit="%", dp=1),
                    Column("out_of_area_schools", "No. out of area"),
                    Column("out_of_area_pct", "% out of area", fmt_pct, unit="%", dp=1),
                    Column("placements", "No. of placements"),
                    Column("placements_pct", "% of placements", fmt_pct, unit="%", dp=1),
                    Column(
                        "spend_m",
                        f"Total gross forecast spend {fy.label} (£m)",
                        fmt_number,
                        unit="£m",
                        dp=2,
                    ),
                    Column("spend_pct", "% of spend", fmt_pct, unit="%", dp=1),
                    Column(
                        "avg_k",
                        f"Average gross cost per pupil {fy.label} (£k)",
                        fmt_number,
                        unit="£",
                        dp=2,
                        indicator="avg_gross_cost_gbp_k",
                    ),
                ],
                row_header=self.framework.label,
                note=(
                    f"Placements are all children who attended an independent placement "
                    f"{_period_words(extract)}, including those who started and left during the "
                    f"period. Forecast spend pro-rates each placement's annual fee to the days "
                    f"it runs between {fmt_date(fy.start)} and {fmt_date(fy.end)}; average gross "
                    f"cost is forecast spend divided by placements. 'Out of area' schools are "
                    f"outside {self.council.name}. " + self._source(name)
                ),
                mask=mask,
                name="framework_status_period",
            ),
            extract=name,
            row_filter="framework_status",
        )
        section = Section(f"Framework use, {_period_words(extract)}")
        for cat in self.framework.contracted[:1]:
            t = html_table
            section.para(
                f"Based on all independent placements {_period_words(extract)}, "
                f"{self._text(t, cat, 'schools_pct')} of schools used were {cat} schools, and "
                f"{self._text(t, cat, 'placements_pct')} of placements were made at {cat} "
                f"schools, accounting for {self._text(t, cat, 'spend_pct')} of forecast spend "
                f"in {fy.label}."
            )
        costs = [f"£{self._text(html_table, c, 'avg_k')}k at {c} schools" for c in self.categories]
        section.para(f"The average gross cost per pupil in {fy.label} is {join_words(costs)}.")
        return section.add(html_table)

    def _need_table(
        self, name: str, frame: pd.DataFrame, table_name: str | None = None
    ) -> tuple[HtmlTable, pd.DataFrame]:
        prefix = self._prefix(name)
        profile = tables.build_need_profile(frame, categories=self.categories)
        counts = [*self.categories, "total"]
        mask = self._profile_mask(frame, profile, row_groups=self._need_groups(name))
        for code in profile.index:
            if code == tables.TOTAL:
                continue
            self._put(
                f"{prefix}.need_pct.{code}",
                profile,
                code,
                "pct",
                "percent_rounded",
                f"Share of placements, primary need {code}",
                mask,
            )
            for cat in counts:
                self._put(
                    f"{prefix}.need.{code}.{self._key(cat)}",
                    profile,
                    code,
                    cat,
                    "count",
                    f"Placements, primary need {code}, {cat}",
                    mask,
                )
        html_table = self._by_status_table(
            profile,
            what="primary need",
            extract=name,
            row_header="Code",
            row_filter="primary_need",
            name=table_name or f"primary_need_{self._prefix(name)}",
            note="Primary need as recorded in the child's EHC plan (DfE SEN codes). "
            + self._source(name),
            mask=mask,
            lead=[Column("need_name", "Primary need", str, numeric=False, unit="text")],
        )
        return html_table, profile

    def _need_table_ref(self, name: str) -> str:
        """The table of extract ``name`` by every primary need, as a sentence names it
        ("Table 3"), or "the primary-need table" when none is published (yet)."""
        shown = self._published.get(f"primary_need_{self._prefix(name)}")
        if shown is None:
            return "the primary-need table"
        return shown["caption"].partition(":")[0].strip()

    def _need_groups(self, name: str) -> list[tuple[str, ...]]:
        """The need groups whose placements by framework status the cost table of extract
        ``name`` prints (none when it has no cost table): the need table hides its cells
        knowing those sums."""
        if self.definition.sections.cost_breakdown != name:
            return []
        return [codes for _, _, codes in tables.NEED_GROUPS if len(codes) > 1]

    def _need_chart(self, name: str, html_table: HtmlTable, profile: pd.DataFrame) -> HtmlFigure:
        hidden = html_table.mask["pct"]
        shown = profile.loc[~hidden]
        chart = charts.plot_need_profile(
            shown,
            extract_label=_period_words(self.definition.inputs[name]),
            source=self._source(name),
        )
        note = None
        if hidden.any():
            not_drawn = self.figures.add(
                f"quality.{self._prefix(name)}.needs_not_drawn",
                int(hidden.sum()),
                "count",
                "Primary needs with suppressed figures, not drawn in the chart",
            )
            note = (
                f"{fmt_count(not_drawn)} needs with suppressed figures ([c] in the "
                "table) are not drawn."
            )
        return self._figure(chart, note)

    def _top_needs_sentence(self, html_table: HtmlTable, profile: pd.DataFrame, n: int = 3) -> str:
        top = profile.drop(index=tables.TOTAL)
        top = top.loc[~html_table.mask.loc[top.index, "pct"]].head(n)
        parts = [
            f"{PRIMARY_NEEDS.get(code, code)} ({code}, {self._text(html_table, code, 'pct')})"
            for code in top.index
        ]
        return f"The most common primary needs are {join_words(parts)}."

    def need_profile(self) -> Section | None:
        """Placements by primary need, with a chart."""
        name = self.definition.sections.need_profile
        if name is None:
            return None
        html_table, profile = self._need_table(name, self._section_data(name))
        section = Section("Primary need")
        section.para(self._top_needs_sentence(html_table, profile))
        return section.add(self._need_chart(name, html_table, profile)).add(html_table)

    def _phase_table(self, name: str, frame: pd.DataFrame) -> tuple[HtmlTable, pd.DataFrame]:
        prefix = self._prefix(name)
        phases = tables.build_phase_profile(frame, categories=self.categories)
        mask = self._profile_mask(frame, phases)
        for phase in phases.index:
            if phase != tables.TOTAL:
                self._put(
                    f"{prefix}.phase_pct.{_phase_key(phase)}",
                    phases,
                    phase,
                    "pct",
                    "percent_rounded",
                    f"Share of placements, {phase}",
                    mask,
                )
        table = self._by_status_table(
            phases,
            what="phase",
            extract=name,
            row_header="Phase",
            row_filter="phase",
            name=f"phase_{prefix}",
            note="Phase from national curriculum year. " + self._source(name),
            mask=mask,
        )
        return table, phases

    def _ncy_table(self, name: str, frame: pd.DataFrame) -> tuple[HtmlTable, pd.DataFrame]:
        prefix = self._prefix(name)
        ncy = tables.build_ncy_profile(frame, categories=self.categories)
        shown = ncy.loc[ncy["total"] > 0].copy()
        shown.loc[tables.TOTAL] = shown.sum()
        counts = [*self.categories, "total"]
        # the phase table publishes sums of these rows, so each phase is a line too
        phases = [range(low, high + 1) for _, low, high in tables.PHASES]
        mask = self._profile_mask(frame, shown, shares=False, row_groups=phases)
        for year in shown.index:
            if year == tables.TOTAL:
                continue
            for cat in counts:
                self._put(
                    f"{prefix}.ncy.{year}.{self._key(cat)}",
                    shown,
                    year,
                    cat,
                    "count",
                    f"Placements, {tables.ncy_label(year)}, {cat}",
                    mask,
                )
        table = self._by_status_table(
            shown,
            what="national curriculum year",
            extract=name,
            row_header="Year group",
            row_filter="year_group",
            name=f"year_group_{prefix}",
            note="Year groups with no placements are not shown. " + self._source(name),
            mask=mask,
            share=False,
            row_labels=lambda v: "Total" if v == tables.TOTAL else tables.ncy_label(v),
        )
        return table, ncy

    @_one_input
    def year_groups(self, name: str, extract: Extract, prefix: str) -> Section:
        """Placements by phase and national curriculum year, by framework status."""
        frame = self._section_data(name)
        ncy = tables.build_ncy_profile(frame, categories=self.categories)
        n = self.definition.parameters.peak_year_groups
        peaks = tables.peak_year_groups(ncy, n=n)
        self.figures.add(
            f"{prefix}.peak_year_groups",
            peaks,
            "ncy_list",
            f"The {n} year groups with the most placements",
        )
        by_cat = {}
        for cat in self.categories:
            by_cat[cat] = tables.peak_year_groups(ncy, n=n, column=cat)
            self.figures.add(
                f"{prefix}.peak_year_groups.{self._key(cat)}",
                by_cat[cat],
                "ncy_list",
                f"The {n} year groups with the most placements, {cat}",
            )
        phase_table, phases = self._phase_table(name, frame)
        ncy_table, _ = self._ncy_table(name, frame)
        largest = phases.drop(index=tables.TOTAL)["total"].idxmax()
        section = Section("Phase and year group")
        peak_words = tables.ncy_words(peaks)

        def shown(years: list[int], column: str) -> bool:
            # a peak is named only where the table shows it: naming a year whose count is
            # hidden would tell the reader about that hidden count
            return all(not ncy_table.hidden(y, column) for y in years)

        # the categories that share peaks are named together, once
        alike: dict[tuple[int, ...], list[str]] = {}
        for cat, years in by_cat.items():
            if years and shown(years, cat):
                alike.setdefault(tuple(years), []).append(cat)
        if list(alike) == [tuple(peaks)] and len(alike[tuple(peaks)]) > 1:
            per_cat = [f"the same in {join_words(alike[tuple(peaks)])} schools"]
        else:
            per_cat = [
                f"{tables.ncy_words(years)} in {join_words(cats)} schools"
                for years, cats in alike.items()
            ]
        words = (
            f"{largest.split(' (')[0]} education accounts for the most placements "
            f"({self._text(phase_table, largest, 'pct')})."
        )
        if peaks and shown(peaks, "total"):
            words += (
                f" {peak_words} {'has' if len(peaks) == 1 else 'have'} the highest "
                "placement volumes overall"
            )
            if per_cat:
                # each item has its own "and": a comma before the last keeps them apart
                listed = (
                    per_cat[0]
                    if len(per_cat) == 1
                    else (f"{', '.join(per_cat[:-1])}, and {per_cat[-1]}")
                )
                words += f"; by {self._status} the peaks are {listed}"
            words += "."
        section.para(words)
        chart_data = ncy.copy()
        hidden = ncy_table.mask.drop(index=tables.TOTAL)
        for cat in self.categories:
            chart_data.loc[hidden.index, cat] = (
                chart_data.loc[hidden.index, cat].astype(float).where(~hidden[cat], np.nan)
            )
        chart = charts.plot_year_groups(
            chart_data,
            categories=self.categories,
            peaks=peaks,
            extract_label=_period_words(extract),
            source=self._source(name),
        )
        section.add(self._figure(chart))
        return section.add(phase_table).add(ncy_table)

    @_one_input
    def districts(self, name: str, extract: Extract, prefix: str) -> Section:
        """Schools and placements by school district; districts lacking a contracted school."""
        frame = self._section_data(name)
        contracted = self.framework.contracted
        table = tables.build_district_summary(
            frame,
            categories=self.categories,
            contracted=contracted,
            districts=self.council.districts,
        )
        placement_columns = [f"placements_{c}" for c in self.categories] + ["placements"]
        shared = self._total_row(frame)
        mask = disclosure.suppress(
            table,
            counts=placement_columns,
            threshold=self.threshold,
            total_col="placements",
            floors={
                "placements": "schools",
                **{f"placements_{c}": f"schools_{c}" for c in self.categories},
            },
            total_row_mask={
                (f"placements_{c}" if c != "total" else "placements"): hidden
                for c, hidden in shared.items()
            },
        )
        lacking = tables.districts_without_contracted_school(table)
        label = "_".join(self._key(c) for c in contracted) or "contracted"
        self.figures.add(
            f"{prefix}.districts_without_{label}_school",
            lacking,
            "district_list",
            f"{self.council.name} districts with no contracted school",
        )
        # With one contracted category, "contracted schools" is that category's schools
        # column again: it is shown (and recorded) only when it adds something.
        repeats = len(contracted) == 1
        shown_columns = [c for c in table.columns if not (repeats and c == "contracted_schools")]
        for district in table.index:
            key = snake_case(district)
            for column in shown_columns:
                self._put(
                    f"{prefix}.district.{key}.{column.lower().replace('-', '_')}",
                    table,
                    district,
                    column,
                    "count",
                    f"{column.replace('_', ' ').capitalize()}, {district}",
                    mask,
                )
        # a district lacks a contracted school when it has none under any contracted category
        contracted_words = join_words(contracted, "or") if contracted else "contracted"
        section = Section("Schools by district")
        if lacking:
            section.para(
                f"There are no {contracted_words} schools in {join_words(lacking)} "
                f"({fmt_count(len(lacking))} of {self.council.name}'s "
                f"{fmt_count(len(self.council.districts))} districts). Pupils needing INMSS "
                f"provision there may need to travel to a {contracted_words} school in another "
                "district or attend a school outside the framework."
            )
        else:
            section.para(
                f"Every {self.council.name} district has at least one {contracted_words} school."
            )
        chart = charts.plot_districts(
            table,
            categories=self.categories,
            contracted=contracted,
            extract_label=_period_words(extract),
            source=self._source(name),
            council_name=self.council.name,
        )
        section.add(self._figure(chart))
        columns = [Column(f"schools_{c}", f"{c} schools") for c in self.categories]
        columns.append(Column("schools", "All schools"))
        columns += [Column(f"placements_{c}", f"{c} placements") for c in self.categories]
        columns.append(Column("placements", "All placements"))
        split = {
            c: {"schools": f"schools_{c}", "placements": f"placements_{c}"} for c in self.categories
        }
        split["Total"] = {"schools": "schools", "placements": "placements"}
        contracted_note = ""
        if not repeats:
            split["Total"]["contracted_schools"] = "contracted_schools"
            columns.append(Column("contracted_schools", "Contracted schools"))
            contracted_note = (
                "Contracted schools hold at least one placement under "
                f"{join_words(contracted, 'or') if contracted else 'a contract'}. "
            )
        section.add(
            self._table(
                HtmlTable(
                    table,
                    caption=self._caption(
                        f"Schools and placements by school district and "
                        f"{self._status}, {_period_words(extract)}"
                    ),
                    columns=columns,
                    row_header="School district",
                    note="District is where the school stands; 'Out of area' is outside "
                    f"{self.council.name}. " + contracted_note + self._source(name),
                    mask=mask,
                    name=f"school_district_{prefix}",
                    split=("framework_status", self.framework.label, split),
                ),
                extract=name,
                row_filter="school_district",
            )
        )
        return section

    def cost_comparison(self) -> Section | None:
        """Placements, spend and average cost in an earlier extract against a later one."""
        pair = self.definition.sections.cost_comparison
        if pair is None:
            return None
        earlier_name, later_name = pair
        earlier_extract = self.definition.inputs[earlier_name]
        later_extract = self.definition.inputs[later_name]
        start = earlier_extract.period_start or self.definition.parameters.financial_year.start
        end = earlier_extract.period_end or self.definition.parameters.financial_year.end
        earlier = tables.build_framework_summary(
            self._data(earlier_name), categories=self.categories, spend_start=start, spend_end=end
        )
        earlier_mask = self._framework_mask(earlier, money=["spend_gbp", "avg_annual_fee"])
        if later_name == self.definition.sections.framework_snapshot:
            later, later_mask = self.snapshot_summary, self.snapshot_mask
        else:
            later = tables.build_framework_summary(
                self._data(later_name), categories=self.categories
            )
            later_mask = self._framework_mask(later, money=["avg_annual_fee"])
        # with its total row, so that "920 of the 1,690 placements" and the spend the
        # categories add up to are in the table a member reads them beside
        change = tables.build_cost_change(earlier, later)
        shown = change.join(earlier[["placements", "spend_gbp"]])
        shown["spend_m"] = shown["spend_gbp"] / 1e6
        mask = pd.DataFrame(False, index=shown.index, columns=shown.columns)
        mask["placements"] = earlier_mask.loc[shown.index, "placements"]
        mask["spend_m"] = mask["spend_gbp"] = earlier_mask.loc[shown.index, "spend_gbp"]
        mask["earlier"] = earlier_mask.loc[shown.index, "avg_annual_fee"]
        mask["later"] = later_mask.loc[shown.index, "avg_annual_fee"]
        mask["change_gbp"] = mask["change_pct"] = mask["earlier"] | mask["later"]
        self._put_rows(
            self._prefix(earlier_name),
            earlier,
            FUNDED_FIGURES,
            earlier_mask,
            skip_total=("avg_annual_fee",),
            scale={"spend_gbp": 1e6},
        )
        for cat in change.index.drop(tables.TOTAL, errors="ignore"):
            self._put(
                f"change.avg_cost.{self._key(cat)}_pct",
                shown,
                cat,
                "change_pct",
                "percent_rounded",
                f"Change in average annual cost, {cat}",
                mask,
            )
        table = self._table(
            HtmlTable(
                shown,
                caption=self._caption(
                    f"Average annual cost by {self._status}: {earlier_extract.label} "
                    f"against {later_extract.label}"
                ),
                columns=[
                    Column("placements", f"Placements, {earlier_extract.label}"),
                    Column(
                        "spend_m",
                        f"Spend, {earlier_extract.label} (£m)",
                        lambda v: fmt_number(v, 1),
                        unit="£m",
                        dp=1,
                    ),
                    Column(
                        "earlier",
                        f"Average annual cost, {earlier_extract.label}",
                        fmt_gbp,
                        unit="£",
                        indicator="avg_annual_cost_earlier",
                    ),
                    Column(
                        "later",
                        f"Average annual cost, {later_extract.label}",
                        fmt_gbp,
                        unit="£",
                        indicator="avg_annual_cost_later",
                    ),
                    Column("change_pct", "Change", fmt_pct, unit="%", dp=1),
                ],
                row_header=self.framework.label,
                note=(
                    "Average annual cost is the mean agreed annual fee. Spend pro-rates each "
                    f"annual fee to the days the placement ran between {fmt_date(start)} and "
                    f"{fmt_date(end)}. " + self._source(earlier_name, later_name)
                ),
                mask=mask,
                name="average_cost_change",
            ),
            extract=earlier_name,
            row_filter="framework_status",
        )
        section = Section("Change in average cost")
        for cat in self.framework.contracted[:1]:
            section.para(
                f"In {mid_sentence(earlier_extract.label, self._names)}, "
                f"{self._text(table, cat, 'placements')} of the "
                f"{self._text(table, tables.TOTAL, 'placements')} placements funded were "
                f"made through the {cat}, with £{self._text(table, cat, 'spend_m')}m spent on "
                f"{cat} providers."
                + (
                    " This spend adds up the agreed fees of the placements funded, for the days "
                    "each ran; the finance figures under Spend over time are counted on a "
                    "different basis, so the two differ."
                    if self.definition.sections.spend_history
                    else ""
                )
            )
        moves = []
        for c in change.index.drop(tables.TOTAL, errors="ignore"):
            if mask.loc[c, "change_pct"]:
                continue
            verb = "rose" if change.loc[c, "change_gbp"] >= 0 else "fell"
            # "rose by 7% for DPS ... and by 13% for Non-DPS": the verb once when it repeats
            said = moves and moves[-1][0] == verb
            moves.append(
                (
                    verb,
                    f"{'' if said else verb + ' '}by {fmt_pct(abs(change.loc[c, 'change_pct']))} "
                    f"for {c} placements (from {fmt_gbp(change.loc[c, 'earlier'])} to "
                    f"{fmt_gbp(change.loc[c, 'later'])})",
                )
            )
        moves = [words for _, words in moves]
        if moves:
            section.para(
                f"Between {mid_sentence(earlier_extract.label, self._names)} and the "
                f"{mid_sentence(later_extract.label, self._names)}, the average annual cost "
                f"{join_words(moves)}."
            )
        return section.add(table)

    @_one_input
    def demand_profile(self, name: str, extract: Extract, prefix: str) -> Section:
        """Headline demand of a snapshot: pupils, schools, needs, phase and peak year."""
        frame = self._data(name)
        headline = tables.build_headline(frame)
        for key in ("pupils", "schools", "placements"):
            self.figures.add(f"{prefix}.{key}", headline[key], "count", key.capitalize())
        need_table, profile = self._need_table(name, frame)
        phase_table, phases = self._phase_table(name, frame)
        secondary = "Secondary (Years 7-11)"
        if not phase_table.mask.loc[secondary, "pct"]:
            self.figures.add(
                f"{prefix}.secondary_pct",
                phases.loc[secondary, "pct"],
                "percent_rounded",
                "Share of placements in the secondary phase (NCY 7-11)",
            )
        ncy = tables.build_ncy_profile(frame, categories=self.categories)
        peak = tables.peak_year_groups(ncy, n=1)[0]
        self.figures.add(
            f"{prefix}.peak_year_group", peak, "ncy", "Year group with most placements"
        )
        section = Section(f"Demand profile, {_period_words(extract)}")
        section.para(
            f"{sentence_case(_period_words(extract))}, {fmt_count(headline['pupils'])} pupils "
            f"were placed across {fmt_count(headline['schools'])} schools in the independent "
            "sector."
        )
        # the peak is named from the year-group table the section shows, never from a
        # figure no table prints
        ncy_table, _ = self._ncy_table(name, frame)
        peak_words = (
            f" and peaks in {tables.ncy_label(peak)}" if not ncy_table.hidden(peak, "total") else ""
        )
        section.para(
            self._top_needs_sentence(need_table, profile)
            + f" Demand is highest in the secondary phase "
            f"({self._text(phase_table, secondary, 'pct')}){peak_words}."
        )
        section.add(self._need_chart(name, need_table, profile)).add(need_table)
        return section.add(phase_table).add(ncy_table)

    def spend_history(self) -> Section | None:
        """Annual spend by financial year, with gaps where no figure was published."""
        if self.definition.sections.spend_history is None or self.spend is None:
            return None
        name = self.definition.sections.spend_history
        history = tables.build_spend_history(self.spend)
        for _, row in history.iterrows():
            if pd.isna(row["spend_gbp"]):
                continue
            fy = row["financial_year"].replace("/", "_")
            if str(row["basis"]).lower().startswith("net"):
                self.figures.add(
                    f"spend.fy{fy}_net_gbp_m",
                    row["spend_gbp_m"],
                    "gbp_millions_1dp",
                    f"Net spend {row['financial_year']}",
                )
            else:
                self.figures.add(
                    f"spend.fy{fy}", row["spend_gbp"], "gbp", f"Spend {row['financial_year']}"
                )
        known = history.dropna(subset=["spend_gbp"])
        main_basis = known["basis"].iloc[0]
        same = known.loc[known["basis"] == main_basis]
        first, last = same.iloc[0], same.iloc[-1]
        gaps = history.loc[history["spend_gbp"].isna(), "financial_year"].tolist()
        section = Section("Spend over time")
        text = (
            f"{sentence_case(str(main_basis))} rose from £{fmt_number(first['spend_gbp_m'], 1)}m "
            f"in {fmt_financial_year(first['financial_year'])} to "
            f"£{fmt_number(last['spend_gbp_m'], 1)}m in "
            f"{fmt_financial_year(last['financial_year'])}."
        )
        for _, row in known.loc[known["basis"] != main_basis].iterrows():
            text += (
                f" In {fmt_financial_year(row['financial_year'])} the figure published is "
                f"£{fmt_number(row['spend_gbp_m'], 1)}m on a different basis ({row['basis']}), "
                "so it is not directly comparable."
            )
        if gaps:
            years = join_words([fmt_financial_year(g) for g in gaps])
            text += f" No figure is published for {years}; those years are gaps."
        section.para(text)
        chart = charts.plot_spend_history(history, source=self._source(name))
        section.add(self._figure(chart))
        shown = history.set_index("financial_year")
        section.add(
            self._table(
                HtmlTable(
                    shown,
                    caption=self._caption("Spend on INMSS placements by financial year"),
                    columns=[
                        Column("spend_gbp", "Spend", fmt_gbp, unit="£"),
                        Column("basis", "Basis", str, numeric=False, unit="text"),
                        Column("source", "Published in", str, numeric=False, unit="text"),
                    ],
                    row_header="Financial year",
                    row_labels=fmt_financial_year,
                    total_row=None,
                    note="Figures from finance records as published in committee papers; [x] "
                    "where no figure was published. " + self._source(name),
                    name="spend_history",
                ),
                extract=None,
                row_filter="financial_year",
                row_time=publish.financial_years(
                    "financial_year", [fmt_financial_year(year) for year in shown.index]
                ),
            )
        )
        return section

    @_one_input
    def cost_breakdown(self, name: str, extract: Extract, prefix: str) -> Section:
        """Average annual fee by primary need and by phase, by framework status."""
        section = Section("Average cost by need and phase")
        sentences = []
        group_keys = {label: key for key, label, _ in tables.NEED_GROUPS}
        for key, (column, header, table, mask) in self._cost_tables(name)["groups"].items():
            cats = [*self.categories, "total"]
            for row in table.index:
                row_key = _phase_key(row) if column == "phase" else group_keys.get(row, row)
                for cat in cats:
                    self._put(
                        f"{prefix}.avg_cost_by_{key}.{row_key}.{self._key(cat)}",
                        table,
                        row,
                        f"avg_{cat}",
                        "gbp_rounded",
                        f"Average annual cost, {row}, {cat}",
                        mask,
                    )
            labels = str
            html_table = self._table(
                HtmlTable(
                    table,
                    caption=self._caption(
                        f"Average annual cost by {header.lower()} and {self._status}, "
                        f"{_period_words(extract)}"
                    ),
                    columns=[
                        *[
                            Column(
                                f"avg_{c}",
                                f"Average cost, {c}",
                                fmt_gbp,
                                unit="£",
                                indicator=f"avg_annual_cost_{self._key(c)}",
                            )
                            for c in self.categories
                        ],
                        Column(
                            "avg_total",
                            "Average cost, all",
                            fmt_gbp,
                            unit="£",
                            indicator="avg_annual_cost_all",
                        ),
                        # a mean travels with its count: the placements it is over, beside it
                        *[
                            Column(
                                f"n_{c}",
                                f"{c} placements",
                                indicator=f"placements_{self._key(c)}",
                            )
                            for c in self.categories
                        ],
                        Column("n_total", "All placements", indicator="placements"),
                    ],
                    row_header=header,
                    row_labels=labels,
                    note=(
                        (
                            "Needs other than ASD, SEMH and SLCN are grouped, after the SEND "
                            "Code of Practice's areas of need, so that each average is over "
                            f"enough placements to print; {self._need_table_ref(name)} gives "
                            "every need. "
                            if column == "need_group"
                            else ""
                        )
                        + "Mean agreed annual fee. Averages over fewer than "
                        f"{self.threshold} placements, or over placements whose number is "
                        "suppressed in another table, are suppressed, as are averages that "
                        "would let a suppressed one be worked out. " + self._source(name)
                    ),
                    mask=mask,
                    name=f"average_cost_by_{key}_{prefix}",
                ),
                extract=name,
                row_filter=column,
            )
            section.add(html_table)
            visible = table.drop(index=tables.TOTAL)
            visible = visible.loc[~mask.loc[visible.index, "avg_total"]]
            if len(visible):
                dear = visible["avg_total"].idxmax()
                cheap = visible["avg_total"].idxmin()
                sentences.append(
                    f"By {header.lower()}, the average annual cost is highest for "
                    f"{labels(dear)}, at {self._text(html_table, dear, 'avg_total')}, and "
                    f"lowest for {labels(cheap)}, at {self._text(html_table, cheap, 'avg_total')}."
                )
        section.parts[:0] = [f"<p>{' '.join(sentences)}</p>"] if sentences else []
        return section

    @_one_input
    def travel(self, name: str, extract: Extract, prefix: str) -> Section:
        """Where children from each home district are placed (home district to school)."""
        frame = self._section_data(name)
        if frame["home_district"].notna().sum() == 0:
            return Section("Home district and school district").para(
                "The extract does not record children's home districts, so journeys between "
                "home and school cannot be described."
            )
        table = tables.build_travel_summary(
            frame, districts=self.council.districts, council_name=self.council.name
        )
        missing_home = int(frame["home_district"].isna().sum())
        other = tables.other_district_column(self.council.name)
        counts = ["same_district", other, "out_of_area", "placements"]
        # The grand total is every placement of the extract when all have a home district,
        # a figure the other tables print: hiding it here would protect nothing.
        shown = pd.DataFrame(False, index=table.index, columns=table.columns)
        total_placements = table.loc[tables.TOTAL, "placements"]
        if total_placements == len(frame) and total_placements >= self.threshold:
            shown.loc[tables.TOTAL, "placements"] = True
        mask = disclosure.suppress(
            table,
            counts=counts,
            derived={"outside_home_pct": "placements"},
            threshold=self.threshold,
            total_col="placements",
            shown_elsewhere=shown,
        )
        mask["outside_home_pct"] = mask["outside_home_pct"] | mask["same_district"]
        for row in table.index:
            key = snake_case(row)
            for column in [*counts, "outside_home_pct"]:
                unit = "percent_rounded" if column.endswith("pct") else "count"
                self._put(
                    f"{prefix}.travel.{key}.{column}",
                    table,
                    row,
                    column,
                    unit,
                    f"{column.replace('_', ' ').capitalize()}, home district {row}",
                    mask,
                )
        html_table = self._table(
            HtmlTable(
                table,
                caption=self._caption(
                    f"Placements by home district and where the school is, {_period_words(extract)}"
                ),
                columns=[
                    Column("placements", "Placements"),
                    Column("same_district", "School in home district"),
                    Column(other, f"School in another {self.council.name} district"),
                    Column("out_of_area", f"School outside {self.council.name}"),
                    Column(
                        "outside_home_pct", "Placed outside home district", fmt_pct, unit="%", dp=1
                    ),
                ],
                row_header="Home district",
                note=(
                    (
                        f"{fmt_count(missing_home)} placements without a recorded home "
                        "district are not included. "
                        if missing_home
                        else "Every placement has a recorded home district. "
                    )
                    + (
                        f"Children living outside {self.council.name} have no home district "
                        f"there: their placements at schools in {self.council.name} are under "
                        f"'School in another {self.council.name} district'. "
                        if self.council.outside in table.index
                        else ""
                    )
                    + self._source(name)
                ),
                mask=mask,
                name=f"home_to_school_district_{prefix}",
            ),
            extract=name,
            row_filter="home_district",
        )
        total = table.loc[tables.TOTAL]
        section = Section("Home district and school district")
        section.para(
            f"Of {fmt_count(total['placements'])} placements with a recorded home district, "
            f"{self._text(html_table, tables.TOTAL, 'outside_home_pct')} are at a school outside "
            f"the child's home district and {self._text(html_table, tables.TOTAL, 'out_of_area')} "
            f"are at a school outside {self.council.name}."
        )
        return section.add(html_table)

    @_one_input
    def equality_profile(self, name: str, extract: Extract, prefix: str) -> Section:
        """Age, sex, ethnicity and primary need of the placed cohort, for an EqIA."""
        frame = self._section_data(name).assign(age_band=lambda f: tables.age_band(f["age"]))
        section = Section("Equality profile")
        section.para(
            "The Equality Impact Assessment form asks about ten protected characteristics. "
            "Placement data can describe four of them: age (worked out from the date of birth, "
            "which is not kept), disability (every placed child has an EHC plan; primary need "
            "describes it), sex and race (ethnic group). It cannot speak to gender identity, "
            "religion and belief, sexual orientation, pregnancy and maternity, marriage and "
            "civil partnership, or carer's responsibilities, which the placement records do not "
            "hold."
        )
        sex_labels = {"F": "Female", "M": "Male"}
        specs = [
            ("age_band", "Age band", [b for b, _, _ in tables.AGE_BANDS], str, "age"),
            (
                "sex",
                "Sex",
                ["F", "M", "Other or not recorded"],
                lambda v: sex_labels.get(v, v),
                "sex",
            ),
            (
                "ethnicity",
                "Ethnic group",
                list(ETHNIC_GROUP_ORDER),
                str,
                "ethnicity",
            ),
        ]
        facts = []
        for column, header, order, labels, key in specs:
            profile = tables.build_profile_by(
                frame,
                column=column,
                categories=self.categories,
                order=order,
                missing=MISSING_AS.get(column, NOT_RECORDED),
            )
            mask = self._profile_mask(frame, profile)
            for row in profile.index:
                if row == tables.TOTAL:
                    continue
                row_key = snake_case(row)
                self._put(
                    f"{prefix}.equality.{key}.{row_key}.pct",
                    profile,
                    row,
                    "pct",
                    "percent_rounded",
                    f"Share of placements, {header} {row}",
                    mask,
                )
            html_table = self._by_status_table(
                profile,
                what=header.lower(),
                extract=name,
                row_header=header,
                row_filter=column,
                name=f"equality_{key}_{prefix}",
                note=self._source(name),
                mask=mask,
                row_labels=labels,
            )
            section.add(html_table)
            if fact := self._largest_group(html_table, header):
                facts.append(fact)
        shown = self._published.get(f"primary_need_{prefix}")
        if shown is not None:
            # the same children by the same need are already a table: point to it, never
            # print it twice
            section.para(
                f"Disability: every placed child has an EHC plan; their primary needs, by "
                f"{self._status}, are in {self._need_table_ref(name)} (Primary need)."
            )
        else:
            need_table, _ = self._need_table(name, frame, f"equality_primary_need_{prefix}")
            section.add(need_table)
        if facts:
            section.parts.insert(1, f"<p>{sentence_case(join_words(facts))}.</p>")
        return section

    def projection(self) -> Section | None:
        """Contract value by contract year under each scenario, with the formula."""
        name = self.definition.sections.projection
        assumptions = self.definition.projection
        if name is None or assumptions is None:
            return None
        base = assumptions.base_placements
        base_from = "set in the report definition"
        if base is None:
            summary = (
                self.snapshot_summary
                if name == self.definition.sections.framework_snapshot
                else None
            )
            base = (
                int(summary.loc[tables.TOTAL, "placements"])
                if summary is not None
                else len(self._section_data(name))
            )
            base_from = (
                f"placements in the {mid_sentence(self.definition.inputs[name].label, self._names)}"
            )
        self.figures.add(
            "projection.base_placements", base, "count", "Placements at the start of the projection"
        )
        self.figures.add(
            "projection.avg_cost_assumed",
            assumptions.average_cost_gbp,
            "gbp",
            "Average annual cost assumed",
        )
        self.figures.add(
            "projection.inflation_pct",
            assumptions.annual_uplift_pct,
            "percent",
            "Annual uplift assumed",
        )
        self.figures.add("projection.years", assumptions.years, "years", "Contract years")
        cost, uplift, years = (
            assumptions.average_cost_gbp,
            assumptions.annual_uplift_pct,
            assumptions.years,
        )
        scenarios = {}
        section = Section("Contract value projection")
        section.para(
            f"Each contract year's value is that year's placements times an average annual "
            f"cost of £{cost:,.0f}, raised by {uplift:g}% for each year after the first; the "
            f"contract value adds up the {years} contract years from {assumptions.first_year}. "
            f"Placements start at {fmt_count(base)} ({base_from}) and follow each scenario's "
            "trajectory. Assumptions: " + assumptions.assumptions_source + "."
        )
        comparisons = []
        for scenario in assumptions.scenarios:
            table = tables.build_projection(
                placements=base,
                average_cost=cost,
                uplift_pct=uplift,
                years=years,
                trajectory=scenario.trajectory,
                first_year=assumptions.first_year,
            )
            scenarios[scenario.label] = table
            total = table["cumulative_gbp"].iloc[-1]
            key = scenario.id
            self.figures.add(
                f"projection.{key}_total_gbp_m",
                total / 1e6,
                "gbp_millions_0dp",
                f"Projected contract value, {scenario.label}",
            )
            for year in table.index:
                self.figures.add(
                    f"projection.{key}.year_{year}.value_gbp",
                    table.loc[year, "value_gbp"],
                    "gbp",
                    f"Contract year {year} value, {scenario.label}",
                )
            section.add(
                self._table(
                    HtmlTable(
                        table.assign(
                            value_m=table["value_gbp"] / 1e6,
                            cumulative_m=table["cumulative_gbp"] / 1e6,
                        ),
                        caption=self._caption(f"Projected contract value: {scenario.label}"),
                        columns=[
                            Column("period", "Period", str, numeric=False, unit="text"),
                            Column("placements", "Placements", fmt_count),
                            Column("average_cost", "Average annual cost", fmt_gbp, unit="£"),
                            Column(
                                "value_m", "Value (£m)", lambda v: fmt_number(v, 1), unit="£m", dp=1
                            ),
                            Column(
                                "cumulative_m",
                                "Cumulative (£m)",
                                lambda v: fmt_number(v, 1),
                                unit="£m",
                                dp=1,
                            ),
                        ],
                        row_header="Contract year",
                        total_row=None,
                        note=(
                            f"Trajectory: {scenario.trajectory_source}."
                            if scenario.trajectory_source
                            else None
                        ),
                        name=f"projection_{key}",
                    ),
                    extract=None,
                    row_filter="contract_year",
                    row_time=publish.financial_years("period", table["period"]),
                )
            )
            if scenario.published_total_gbp_m is not None:
                comparisons.append(
                    self._compare_projection(scenario, total, base, cost, uplift, years, key)
                )
        chart = charts.plot_projection(
            scenarios, source=f"Source: {assumptions.assumptions_source}."
        )
        section.parts.insert(1, self._figure(chart))
        for text in comparisons:
            section.para(text)
        return section

    def _compare_projection(self, scenario, total, base, cost, uplift, years, key) -> str:
        published = scenario.published_total_gbp_m * 1e6
        gap = tables.explain_projection_gap(
            published,
            total=total,
            base=base,
            cost=cost,
            uplift_pct=uplift,
            years=years,
            trajectory=scenario.trajectory,
        )
        diff = gap["difference"]
        # every number the sentences print is a figure, for reviewers to check against the
        # committee report and the definition
        add = self.figures.add
        add(
            f"projection.{key}.published_total_gbp_m",
            published / 1e6,
            "gbp_millions_0dp",
            f"Contract value the committee report gives, {scenario.label}",
        )
        add(
            f"projection.{key}.difference_from_published_gbp_m",
            diff / 1e6,
            "gbp_millions_0dp",
            f"Projection minus published total, {scenario.label}",
        )
        add(
            f"projection.{key}.difference_from_published_pct",
            abs(diff) / published * 100,
            "percent_1dp",
            f"Difference from the published total, as a share of it, {scenario.label}",
        )
        words = (
            f"{scenario.label}: the committee report gives £{fmt_number(published / 1e6, 0)}m "
            f"({scenario.published_source}); this projection gives "
            f"£{fmt_number(total / 1e6, 0)}m, £{fmt_number(abs(diff) / 1e6, 0)}m "
            f"({fmt_pct(abs(diff) / published * 100, 1)}) {'more' if diff >= 0 else 'less'}."
        )
        if gap["reproduced"]:
            return words + " The assumptions above reproduce the committee report's figure."
        add(
            f"projection.{key}.implied_placements",
            gap["implied_placements"],
            "count",
            f"Starting placements that would give the published total, {scenario.label}",
        )
        add(
            f"projection.{key}.implied_avg_annual_cost_gbp",
            gap["implied_cost"],
            "gbp",
            f"Average annual cost that would give the published total, {scenario.label}",
        )
        explain = [
            f"a starting count of {fmt_count(gap['implied_placements'])} placements instead of "
            f"{fmt_count(base)}",
            f"an average annual cost of {fmt_gbp(gap['implied_cost'])} instead of {fmt_gbp(cost)}",
        ]
        rate = gap["implied_fall_pct"]
        if rate is not None:
            self.figures.add(
                f"projection.{key}.implied_annual_fall_pct",
                rate,
                "percent_1dp",
                "Annual fall in placements implied by the published total",
            )
            explain.append(f"placements falling by {fmt_pct(rate, 1)} a year")
        return (
            words + " The committee report's figure would follow, with the other assumptions "
            f"as above, from any one of: {'; or '.join(explain)}."
        )

    def trend(self) -> Section | None:
        """Placements, schools, framework share and need mix across a sequence of extracts."""
        names = self.definition.sections.trend
        if not names:
            return None
        extracts = [(self.definition.inputs[n].label, self._data(n)) for n in names]
        trend = tables.build_trend(extracts, contracted=self.framework.contracted)
        contracted_words = join_words(self.framework.contracted) or "contracted"
        for n, label in zip(names, trend.index, strict=True):
            for column in trend.columns:
                unit = "percent_rounded" if column.endswith("pct") or "_pct_" in column else "count"
                self.figures.add(
                    f"trend.{self._prefix(n)}.{column}",
                    trend.loc[label, column],
                    unit,
                    f"{column.replace('_', ' ').capitalize()}, {label}",
                )
        html_table = self._table(
            HtmlTable(
                trend,
                caption=self._caption("Placements, schools and need mix across extracts"),
                columns=[
                    Column("placements", "Placements"),
                    # a pupil with two placements in one extract is counted once here; when
                    # no pupil has two, the column is the placements column again
                    *(
                        [Column("pupils", "Pupils")]
                        if (trend["pupils"] != trend["placements"]).any()
                        else []
                    ),
                    Column("schools", "Schools"),
                    Column(
                        "contracted_pct",
                        f"Placements in {contracted_words} schools",
                        fmt_pct,
                        unit="%",
                        dp=1,
                    ),
                    Column("need_pct_ASD", "ASD", fmt_pct, unit="%", dp=1),
                    Column("need_pct_SEMH", "SEMH", fmt_pct, unit="%", dp=1),
                    Column("need_pct_SLCN", "SLCN", fmt_pct, unit="%", dp=1),
                ],
                row_header="Extract",
                total_row=None,
                note=(
                    "Each extract counts differently (a census-day snapshot, everyone placed "
                    "during a period, placements funded in a year), so changes mix real change "
                    "with differences of definition. All placements, day and residential. "
                    + self._source(*names)
                ),
                name="trend_across_extracts",
            ),
            extract=None,
            row_filter="extract",
            row_time=self._extract_times(list(names), [str(label) for label in trend.index]),
        )
        first, last = trend.index[0], trend.index[-1]
        first_row, last_row = trend.loc[first], trend.loc[last]
        section = Section("Trend across extracts")
        ends = [self.definition.inputs[names[0]], self.definition.inputs[names[-1]]]
        alike = all(e.as_at is not None for e in ends) or all(e.as_at is None for e in ends)
        section.para(
            f"Between the first extract ({first}) and the last ({last}), placements "
            f"{fmt_move(first_row['placements'], last_row['placements'])}, the "
            f"share in {contracted_words} schools "
            f"{fmt_move(first_row['contracted_pct'], last_row['contracted_pct'], fmt_pct)} and "
            f"the ASD share of placements "
            f"{fmt_move(first_row['need_pct_ASD'], last_row['need_pct_ASD'], fmt_pct)}."
            + (
                " These counts include residential placements, which the day-provision "
                "tables above leave out, so they are higher than those tables for the same date."
                if self.definition.parameters.day_provision_only
                and any(self.definition.inputs[n].as_at for n in names)
                and self.definition.sections.framework_snapshot in names
                else ""
            )
            + (
                ""
                if alike
                else " The two count differently (one is the placements on one day, the "
                "other everyone placed during a period), so part of the change in placements "
                "is a difference of definition, not growth."
            )
        )
        chart = charts.plot_trend(trend, needs=["ASD", "SEMH", "SLCN"], source=self._source(*names))
        return section.add(self._figure(chart)).add(html_table)

    def summary(self) -> Section:
        """Key figures, each drawn from the same tables the sections show."""
        section = Section("Key figures")
        items = []
        if self.snapshot_summary is not None:
            t, m = self.snapshot_summary, self.snapshot_mask
            extract = self.definition.inputs[self.definition.sections.framework_snapshot]
            total = t.loc[tables.TOTAL]
            items.append(
                f"{sentence_case(_period_words(extract))}: {fmt_count(total['placements'])} day "
                f"placements in {fmt_count(total['schools'])} schools."
            )
            for cat in self.framework.contracted[:1]:
                if not m.loc[cat, "placements_pct"]:
                    items.append(
                        f"{fmt_pct(t.loc[cat, 'placements_pct'])} of placements were in {cat} "
                        f"schools, which are {fmt_pct(t.loc[cat, 'schools_pct'])} of schools."
                    )
        if self.period_summary is not None:
            t = self.period_summary
            extract = self.definition.inputs[self.definition.sections.framework_period]
            fy = self.definition.parameters.financial_year
            total = t.loc[tables.TOTAL]
            items.append(
                f"{sentence_case(_period_words(extract))}: {fmt_count(total['placements'])} "
                f"placements in {fmt_count(total['schools'])} schools, with forecast spend of "
                f"£{fmt_number(total['spend_gbp'] / 1e6)}m in {fy.label}."
            )
        context = self.context_key_figure()
        if context:
            items.append(context)
        if self.definition.synthetic_data:
            section.para(
                "This appendix is made from synthetic sample data: it contains no real pupil data."
            )
        for column, value in self.definition.filters.items():
            section.para(
                f"This appendix covers only placements whose {column.replace('_', ' ')} is {value}."
            )
        return section.bullets(items)

    def data_quality(self) -> Section:
        """The definitions behind the figures, and the disclosure control applied."""
        section = Section("Definitions")
        disclosure_text = sections.suppression_summary(
            self,
            derived="averages, shares and spend",
            not_children="Schools are not children and their counts are not suppressed.",
            empty="an average over no children, a year with no published figure",
        )
        fy = self.definition.parameters.financial_year
        if not self.placements:  # a context appendix: published statistics only
            section.bullets(
                [
                    "EHC plans: plans maintained by the council for children and young people "
                    "aged 0 to 25 in the January census (SEN2), as the DfE publishes them.",
                    "INMSS: independent special schools and non-maintained special schools.",
                    "Share in INMSS: EHC plans in INMSS as a percentage of all EHC plans, to "
                    "one decimal place.",
                    disclosure_text,
                ]
            )
            return section
        section.bullets(
            [
                "Placements: rows of the extract (a child with two placements counts twice); "
                "pupils: distinct pseudonymised children.",
                "Schools: distinct school URNs. A school counts under each framework status it "
                "holds placements under, once in the total.",
                "Average annual cost: mean agreed annual fee of the placements.",
                *(
                    [
                        f"Forecast spend: annual fee x days inside {fmt_date(fy.start)} to "
                        f"{fmt_date(fy.end)} / 365 (both ends inclusive; an open end date runs "
                        "to the end of the year)."
                    ]
                    if self.definition.sections.framework_period
                    or self.definition.sections.cost_comparison
                    else []
                ),
                "Percentages are rounded half up; components may not sum to 100%.",
                "Day provision excludes residential (boarding) placements.",
                disclosure_text,
            ]
        )
        return section

    def key_figures(self) -> dict[str, object]:
        """Headline totals (placements and schools of each extract), for nbval to pin down."""
        wanted = (".placements.total", ".schools.total", ".pupils")
        figures = self.figures.as_dict()
        return {
            k: v["value"]
            for k, v in figures.items()
            if k.endswith(wanted) and k.count(".") <= 2 and not k.startswith("trend.")
        }


def load(
    report_definition: str | Path,
    interim_dir: str | Path,
    variant: dict | None = None,
    provenance: dict | None = None,
) -> Appendix:
    """Load a report's definition and its cleaned inputs from ``interim_dir``.

    ``variant`` holds the overrides of one fan-out member (its id, subtitle and filters); the
    filters keep only placements whose column equals the value (e.g. one district).
    """
    definition = load_report_definition(report_definition, variant)
    interim_dir = resolve_path(interim_dir)
    placements, cleaning = {}, {}
    for name in definition.cleaned_inputs():
        frame = io.read_clean(Path(interim_dir) / name)
        for column, value in definition.filters.items():
            frame = frame.loc[frame[column] == value].reset_index(drop=True)
        placements[name] = frame
        cleaning[name] = io.read_cleaning_report(Path(interim_dir) / name)
    spend = None
    if definition.sections.spend_history:
        spend = read_spend_history(
            definition.inputs[definition.sections.spend_history].resolved_path()
        )
    release = None
    if definition.sections.national_context:
        release = read_release(
            definition.inputs[definition.sections.national_context].resolved_path()
        )
    return Appendix(definition, placements, cleaning, spend, provenance or {}, release)
