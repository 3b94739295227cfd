"""The committee appendix: sections that the appendix notebook shows, one call per cell.

Each section computes its tables with ``pipeline.tables``, binds every number it prints into
its sentences from those tables, records the figures it shows in a ``FigureRegistry`` and
returns a ``present.Section`` (HTML). A section whose input the report definition does not
name returns ``None`` and shows nothing.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path

import pandas as pd
from IPython.display import display

from pipeline import charts, io, tables
from pipeline.config import Extract, ReportDefinition, load_report_definition, resolve_path
from pipeline.figures import FigureRegistry
from pipeline.ingest import read_spend_history
from pipeline.present import (
    Column,
    HtmlFigure,
    HtmlTable,
    Section,
    fmt_count,
    fmt_gbp,
    fmt_number,
    fmt_pct,
    join_words,
    round_half_up,
)
from pipeline.vocabulary import PRIMARY_NEEDS

FIGURES_MIMETYPE = "application/vnd.inmss.figures+json"


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def sentence_case(text: str) -> str:
    """Upper-case the first letter only (``str.capitalize`` would lower-case the rest).

    >>> sentence_case("as at 30 June 2025")
    'As at 30 June 2025'
    """
    return text[:1].upper() + text[1:]


def mid_sentence(text: str) -> str:
    """Lower-case a label's first letter for use inside a sentence, keeping acronyms.

    >>> mid_sentence("Financial year 2024-25"), mid_sentence("DPS schools")
    ('financial year 2024-25', 'DPS schools')
    """
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _period_words(extract: Extract) -> str:
    if extract.period_start and extract.period_end:
        return f"{_date(extract.period_start)} to {_date(extract.period_end)}"
    if extract.as_at:
        return f"as at {_date(extract.as_at)}"
    return extract.label


class Appendix:
    """Tables, figures and narrative of one report, computed from its clean inputs."""

    def __init__(
        self,
        definition: ReportDefinition,
        placements: dict[str, pd.DataFrame],
        cleaning: dict[str, dict],
        spend: pd.DataFrame | None = None,
    ) -> None:
        self.definition = definition
        self.placements = placements
        self.cleaning = cleaning
        self.spend = spend
        self.figures = FigureRegistry()
        self._tables = 0
        self._charts = 0

    # --- helpers

    @property
    def framework(self):
        return self.definition.framework

    @property
    def categories(self) -> list[str]:
        return self.framework.names

    def _key(self, name: str) -> str:
        return self.framework.key(name)

    def _prefix(self, extract_name: str) -> str:
        extract = self.definition.inputs[extract_name]
        return extract.figure_prefix or extract_name

    def _caption(self, text: str) -> str:
        self._tables += 1
        return f"Table {self._tables}: {text}"

    def _figure(self, chart: charts.Chart) -> HtmlFigure:
        self._charts += 1
        return HtmlFigure(
            svg=charts.to_svg(chart),
            title=f"Chart {self._charts}: {chart.title}",
            subtitle=chart.subtitle,
            alt=chart.alt,
            source=chart.source,
            note=chart.note,
        )

    def _source(self, extract_name: str) -> str:
        extract = self.definition.inputs[extract_name]
        synthetic = " (synthetic sample data)" if self.definition.synthetic_data else ""
        return f"Source: {extract.label}{synthetic}."

    def _data(self, extract_name: str, *, day_only: bool = False) -> pd.DataFrame:
        frame = self.placements[extract_name]
        if day_only and self.definition.parameters.day_provision_only:
            return tables.select_day_provision(frame)
        return frame

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
    def period_summary(self) -> pd.DataFrame | None:
        name = self.definition.sections.framework_period
        if name is None:
            return None
        fy = self.definition.parameters.financial_year
        return tables.build_framework_summary(
            self._data(name), categories=self.categories, spend_start=fy.start, spend_end=fy.end
        )

    # --- sections

    def framework_snapshot(self) -> Section | None:
        """Schools, placements and average annual cost by framework status (day provision)."""
        name = self.definition.sections.framework_snapshot
        if name is None:
            return None
        extract = self.definition.inputs[name]
        table = self.snapshot_summary
        prefix = self._prefix(name)
        fig = self.figures
        for cat in table.index:
            k = self._key(cat)
            fig.add(f"{prefix}.schools.{k}", table.loc[cat, "schools"], "count", f"Schools, {cat}")
            fig.add(
                f"{prefix}.schools_pct.{k}",
                table.loc[cat, "schools_pct"],
                "percent_rounded",
                f"Share of schools, {cat}",
            )
            fig.add(
                f"{prefix}.placements.{k}",
                table.loc[cat, "placements"],
                "count",
                f"Placements, {cat}",
            )
            fig.add(
                f"{prefix}.placements_pct.{k}",
                table.loc[cat, "placements_pct"],
                "percent_rounded",
                f"Share of placements, {cat}",
            )
            if cat != tables.TOTAL:
                fig.add(
                    f"{prefix}.avg_annual_cost.{k}",
                    table.loc[cat, "avg_annual_fee"],
                    "gbp_rounded",
                    f"Average annual cost per pupil, {cat}",
                )
        day_only = self.definition.parameters.day_provision_only
        residential = len(self.placements[name]) - len(self._data(name, day_only=True))
        scope = "day provision" if day_only else "all placements"
        shown = table.copy()
        shown.loc[tables.TOTAL, "avg_annual_fee"] = float("nan")
        html_table = HtmlTable(
            shown,
            caption=self._caption(
                f"Schools and placements by {self.framework.label}, {scope}, "
                f"{_period_words(extract)}"
            ),
            columns=[
                Column("schools", "Number of schools"),
                Column("schools_pct", "Percentage of schools", fmt_pct),
                Column("placements", "Number of placements"),
                Column("placements_pct", "Percentage of placements", fmt_pct),
                Column("avg_annual_fee", "Average annual cost per pupil", fmt_gbp),
            ],
            row_header=self.framework.label,
            note=(
                f"Day provision only: {fmt_count(residential)} residential placements in the "
                "extract are excluded. Average annual cost is the mean agreed annual fee. "
                + self._source(name)
                if day_only
                else self._source(name)
            ),
        )
        section = Section(f"Schools and placements by {self.framework.label}")
        total = table.loc[tables.TOTAL]
        section.para(
            f"{sentence_case(_period_words(extract))}, {fmt_count(total['placements'])} "
            f"{scope} placements were made in {fmt_count(total['schools'])} schools."
        )
        for cat in self.categories:
            row = table.loc[cat]
            section.para(
                f"{cat}: {fmt_count(row['schools'])} schools ({fmt_pct(row['schools_pct'])} of "
                f"schools) hold {fmt_count(row['placements'])} placements "
                f"({fmt_pct(row['placements_pct'])} of placements), at an average annual cost "
                f"of {fmt_gbp(row['avg_annual_fee'])} per pupil."
            )
        contracted = self.framework.contracted
        if contracted:
            base = contracted[0]
            for cat in self.categories:
                if cat in contracted:
                    continue
                gap = table.loc[cat, "avg_annual_fee"] - table.loc[base, "avg_annual_fee"]
                gap_id = f"{prefix}.avg_annual_cost.gap"
                if len(self.categories) > 2:
                    gap_id += f"_{self._key(cat)}"
                fig.add(
                    gap_id,
                    gap,
                    "gbp_rounded",
                    f"Average annual cost difference, {cat} minus {base}",
                )
                more = "more" if gap >= 0 else "less"
                section.para(
                    f"A {cat} placement costs on average {fmt_gbp(abs(gap))} {more} per year "
                    f"than a {base} placement."
                )
        return section.add(html_table)

    def framework_period(self) -> Section | None:
        """The period table of seed 002 §3.3: schools, out-of-area schools, spend and cost."""
        name = self.definition.sections.framework_period
        if name is None:
            return None
        extract = self.definition.inputs[name]
        fy = self.definition.parameters.financial_year
        table = self.period_summary
        prefix = self._prefix(name)
        fig = self.figures
        for cat in table.index:
            k = self._key(cat)
            row = table.loc[cat]
            fig.add(f"{prefix}.schools.{k}", row["schools"], "count", f"Schools, {cat}")
            fig.add(
                f"{prefix}.schools_pct.{k}",
                row["schools_pct"],
                "percent_rounded",
                f"Share of schools, {cat}",
            )
            fig.add(
                f"{prefix}.out_of_area_schools.{k}",
                row["out_of_area_schools"],
                "count",
                f"Out-of-area schools, {cat}",
            )
            fig.add(
                f"{prefix}.out_of_area_pct.{k}",
                row["out_of_area_pct"],
                "percent_rounded",
                f"Share of out-of-area schools, {cat}",
            )
            fig.add(f"{prefix}.placements.{k}", row["placements"], "count", f"Placements, {cat}")
            fig.add(
                f"{prefix}.placements_pct.{k}",
                row["placements_pct"],
                "percent_rounded",
                f"Share of placements, {cat}",
            )
            fig.add(
                f"{prefix}.forecast_spend_gbp_m.{k}",
                row["spend_gbp"] / 1e6,
                "gbp_millions_2dp",
                f"Gross forecast spend {fy.label}, {cat}",
            )
            fig.add(
                f"{prefix}.spend_pct.{k}",
                row["spend_pct"],
                "percent_rounded",
                f"Share of spend, {cat}",
            )
            fig.add(
                f"{prefix}.avg_gross_cost_gbp_k.{k}",
                row["avg_cost_per_placement"] / 1e3,
                "gbp_thousands_2dp",
                f"Average gross cost per pupil {fy.label}, {cat}",
            )
        shown = table.assign(
            spend_m=table["spend_gbp"] / 1e6, avg_k=table["avg_cost_per_placement"] / 1e3
        )
        html_table = HtmlTable(
            shown,
            caption=self._caption(
                f"Schools, placements and forecast spend by {self.framework.label}, "
                f"{_period_words(extract)}"
            ),
            columns=[
                Column("schools", "No. of schools"),
                Column("schools_pct", "% of schools", fmt_pct),
                Column("out_of_area_schools", "No. out of area"),
                Column("out_of_area_pct", "% out of area", fmt_pct),
                Column("placements", "No. of placements"),
                Column("placements_pct", "% of placements", fmt_pct),
                Column("spend_m", f"Total gross forecast spend {fy.label} (£m)", fmt_number),
                Column("spend_pct", "% of spend", fmt_pct),
                Column("avg_k", f"Average gross cost per pupil {fy.label} (£k)", fmt_number),
            ],
            row_header=self.framework.label,
            note=(
                f"Placements are all children who attended an independent placement "
                f"{_period_words(extract)}, including those who started and left during the "
                f"period. Forecast spend pro-rates each placement's annual fee to the days it "
                f"runs between {_date(fy.start)} and {_date(fy.end)}; average gross cost is "
                f"forecast spend divided by placements. 'Out of area' schools are outside Kent. "
                + self._source(name)
            ),
        )
        section = Section(f"Framework use, {_period_words(extract)}")
        contracted = self.framework.contracted
        for cat in contracted[:1]:
            row = table.loc[cat]
            section.para(
                f"Based on all independent placements {_period_words(extract)}, "
                f"{fmt_pct(row['schools_pct'])} of schools used were {cat} schools, and "
                f"{fmt_pct(row['placements_pct'])} of placements were made at {cat} schools, "
                f"accounting for {fmt_pct(row['spend_pct'])} of forecast spend in {fy.label}."
            )
        costs = [
            f"£{fmt_number(table.loc[c, 'avg_cost_per_placement'] / 1e3)}k at {c} schools"
            for c in self.categories
        ]
        section.para(f"The average gross cost per pupil in {fy.label} is {join_words(costs)}.")
        return section.add(html_table)

    def _need_table(
        self, name: str, frame: pd.DataFrame, prefix: str
    ) -> tuple[HtmlTable, pd.DataFrame]:
        profile = tables.build_need_profile(frame, categories=self.categories)
        for code in profile.index:
            if code == tables.TOTAL:
                continue
            self.figures.add(
                f"{prefix}.need_pct.{code}",
                profile.loc[code, "pct"],
                "percent_rounded",
                f"Share of placements, primary need {code}",
            )
            for cat in self.categories:
                self.figures.add(
                    f"{prefix}.need.{code}.{self._key(cat)}",
                    profile.loc[code, cat],
                    "count",
                    f"Placements, primary need {code}, {cat}",
                )
        columns = [Column("need_name", "Primary need", str, numeric=False)]
        columns += [Column(c, f"{c} placements") for c in self.categories]
        columns += [
            Column("total", "All placements"),
            Column("pct", "Share of placements", fmt_pct),
        ]
        html_table = HtmlTable(
            profile,
            caption=self._caption(
                f"Placements by primary need and {self.framework.label}, "
                f"{_period_words(self.definition.inputs[name])}"
            ),
            columns=columns,
            row_header="Code",
            note="Primary need as recorded in the child's EHC plan (DfE SEN codes). "
            + self._source(name),
        )
        return html_table, profile

    def _top_needs_sentence(self, profile: pd.DataFrame, n: int = 3) -> str:
        top = profile.drop(index=tables.TOTAL).head(n)
        parts = [
            f"{PRIMARY_NEEDS.get(code, code)} ({code}, {fmt_pct(top.loc[code, 'pct'])})"
            for code in top.index
        ]
        return f"The most common primary needs are {join_words(parts)}."

    def need_profile(self) -> Section | None:
        """Placements by primary need, with a chart."""
        name = self.definition.sections.need_profile
        if name is None:
            return None
        frame = self._data(name, day_only=name == self.definition.sections.framework_snapshot)
        html_table, profile = self._need_table(name, frame, self._prefix(name))
        chart = charts.plot_need_profile(
            profile,
            extract_label=_period_words(self.definition.inputs[name]),
            source=self._source(name),
        )
        section = Section("Primary need")
        section.para(self._top_needs_sentence(profile))
        return section.add(self._figure(chart)).add(html_table)

    def _phase_and_ncy(self, name: str, frame: pd.DataFrame, prefix: str):
        phases = tables.build_phase_profile(frame, categories=self.categories)
        ncy = tables.build_ncy_profile(frame, categories=self.categories)
        for phase in phases.index:
            key = phase.split(" ")[0].lower().replace("-", "")
            if phase == tables.TOTAL:
                continue
            self.figures.add(
                f"{prefix}.phase_pct.{key}",
                phases.loc[phase, "pct"],
                "percent_rounded",
                f"Share of placements, {phase}",
            )
        for year in ncy.index:
            for cat in [*self.categories, "total"]:
                self.figures.add(
                    f"{prefix}.ncy.{year}.{self._key(cat)}",
                    ncy.loc[year, cat],
                    "count",
                    f"Placements, {tables.ncy_label(year)}, {cat}",
                )
        return phases, ncy

    def year_groups(self) -> Section | None:
        """Placements by phase and national curriculum year, by framework status."""
        name = self.definition.sections.year_groups
        if name is None:
            return None
        extract = self.definition.inputs[name]
        prefix = self._prefix(name)
        frame = self._data(name, day_only=name == self.definition.sections.framework_snapshot)
        phases, ncy = self._phase_and_ncy(name, frame, prefix)
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
        largest = phases.drop(index=tables.TOTAL)["total"].idxmax()
        section = Section("Phase and year group")
        peak_words = join_words([tables.ncy_label(y) for y in peaks])
        per_cat = [
            f"{join_words([tables.ncy_label(y) for y in years])} in {cat} schools"
            for cat, years in by_cat.items()
        ]
        section.para(
            f"{largest.split(' (')[0]} education accounts for the most placements "
            f"({fmt_pct(phases.loc[largest, 'pct'])}). {peak_words} have the highest placement "
            f"volumes overall; by {self.framework.label} the peaks are {join_words(per_cat)}."
        )
        chart = charts.plot_year_groups(
            ncy,
            categories=self.categories,
            peaks=peaks,
            extract_label=_period_words(extract),
            source=self._source(name),
        )
        section.add(self._figure(chart))
        phase_columns = [Column(c, f"{c} placements") for c in self.categories]
        section.add(
            HtmlTable(
                phases,
                caption=self._caption(
                    f"Placements by phase and {self.framework.label}, {_period_words(extract)}"
                ),
                columns=[
                    *phase_columns,
                    Column("total", "All placements"),
                    Column("pct", "Share of placements", fmt_pct),
                ],
                row_header="Phase",
                note="Phase from national curriculum year. " + self._source(name),
            )
        )
        shown = ncy.loc[ncy["total"] > 0]
        section.add(
            HtmlTable(
                shown,
                caption=self._caption(
                    f"Placements by national curriculum year and "
                    f"{self.framework.label}, {_period_words(extract)}"
                ),
                columns=[*phase_columns, Column("total", "All placements")],
                row_header="Year group",
                row_labels=tables.ncy_label,
                total_row=None,
                note="Year groups with no placements are not shown. " + self._source(name),
            )
        )
        return section

    def districts(self) -> Section | None:
        """Schools and placements by school district; districts lacking a contracted school."""
        name = self.definition.sections.districts
        if name is None:
            return None
        extract = self.definition.inputs[name]
        prefix = self._prefix(name)
        frame = self._data(name, day_only=name == self.definition.sections.framework_snapshot)
        contracted = self.framework.contracted
        table = tables.build_district_summary(
            frame, categories=self.categories, contracted=contracted
        )
        lacking = tables.districts_without_contracted_school(table)
        label = "_".join(self._key(c) for c in contracted) or "contracted"
        self.figures.add(
            f"{prefix}.districts_without_{label}_school",
            lacking,
            "district_list",
            "Kent districts with no contracted school",
        )
        for district in table.index:
            key = district.lower().replace(" ", "_")
            for column in table.columns:
                self.figures.add(
                    f"{prefix}.district.{key}.{column.lower().replace('-', '_')}",
                    table.loc[district, column],
                    "count",
                    f"{column.replace('_', ' ').capitalize()}, {district}",
                )
        contracted_words = join_words(contracted) if contracted else "contracted"
        section = Section("Schools by district")
        if lacking:
            section.para(
                f"There are no {contracted_words} schools in {join_words(lacking)} "
                f"({fmt_count(len(lacking))} of Kent's 12 districts). Pupils needing INMSS "
                f"provision there travel to a {contracted_words} school in another district "
                f"or attend a school outside the framework."
            )
        else:
            section.para(f"Every Kent district has at least one {contracted_words} school.")
        chart = charts.plot_districts(
            table,
            categories=self.categories,
            contracted=contracted,
            extract_label=_period_words(extract),
            source=self._source(name),
        )
        section.add(self._figure(chart))
        columns = [Column(f"schools_{c}", f"{c} schools") for c in self.categories]
        columns.append(Column("schools", "All schools"))
        columns += [Column(f"placements_{c}", f"{c} placements") for c in self.categories]
        columns.append(Column("placements", "All placements"))
        section.add(
            HtmlTable(
                table,
                caption=self._caption(
                    f"Schools and placements by school district and "
                    f"{self.framework.label}, {_period_words(extract)}"
                ),
                columns=columns,
                row_header="School district",
                note="District is where the school stands; 'Out of area' is outside Kent. "
                + self._source(name),
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
        later = (
            self.snapshot_summary
            if later_name == self.definition.sections.framework_snapshot
            else tables.build_framework_summary(self._data(later_name), categories=self.categories)
        )
        change = tables.build_cost_change(earlier, later).drop(index=tables.TOTAL, errors="ignore")
        prefix = self._prefix(earlier_name)
        fig = self.figures
        for cat in earlier.index:
            k = self._key(cat)
            fig.add(
                f"{prefix}.placements.{k}",
                earlier.loc[cat, "placements"],
                "count",
                f"Placements funded, {cat}",
            )
            fig.add(
                f"{prefix}.spend.{k}_gbp_m",
                earlier.loc[cat, "spend_gbp"] / 1e6,
                "gbp_millions_1dp",
                f"Spend, {cat}",
            )
            if cat != tables.TOTAL:
                fig.add(
                    f"{prefix}.avg_cost.{k}",
                    earlier.loc[cat, "avg_annual_fee"],
                    "gbp_rounded",
                    f"Average annual cost, {cat}",
                )
        for cat in change.index:
            fig.add(
                f"change.avg_cost.{self._key(cat)}_pct",
                change.loc[cat, "change_pct"],
                "percent_rounded",
                f"Change in average annual cost, {cat}",
            )
        shown = change.join(earlier[["placements", "spend_gbp"]])
        shown["spend_m"] = shown["spend_gbp"] / 1e6
        table = HtmlTable(
            shown,
            caption=self._caption(
                f"Average annual cost by {self.framework.label}: {earlier_extract.label} "
                f"against {later_extract.label}"
            ),
            columns=[
                Column("placements", f"Placements, {earlier_extract.label}"),
                Column(
                    "spend_m", f"Spend, {earlier_extract.label} (£m)", lambda v: fmt_number(v, 1)
                ),
                Column("earlier", f"Average annual cost, {earlier_extract.label}", fmt_gbp),
                Column("later", f"Average annual cost, {later_extract.label}", fmt_gbp),
                Column("change_pct", "Change", fmt_pct),
            ],
            row_header=self.framework.label,
            total_row=None,
            note=(
                "Average annual cost is the mean agreed annual fee. Spend pro-rates each "
                f"annual fee to the days the placement ran between {_date(start)} and "
                f"{_date(end)}. " + self._source(earlier_name) + " " + self._source(later_name)
            ),
        )
        total = earlier.loc[tables.TOTAL, "placements"]
        section = Section("Change in average cost")
        for cat in self.framework.contracted[:1]:
            section.para(
                f"In {mid_sentence(earlier_extract.label)}, "
                f"{fmt_count(earlier.loc[cat, 'placements'])} of the "
                f"{fmt_count(total)} placements funded were made through the {cat}, with "
                f"£{fmt_number(earlier.loc[cat, 'spend_gbp'] / 1e6, 1)}m spent on {cat} providers."
            )
        moves = [
            f"{'rose' if change.loc[c, 'change_gbp'] >= 0 else 'fell'} by "
            f"{fmt_pct(abs(change.loc[c, 'change_pct']))} for {c} placements (from "
            f"{fmt_gbp(change.loc[c, 'earlier'])} to {fmt_gbp(change.loc[c, 'later'])})"
            for c in change.index
        ]
        section.para(
            f"Between {mid_sentence(earlier_extract.label)} and the "
            f"{mid_sentence(later_extract.label)}, the average annual cost "
            f"{join_words(moves)}."
        )
        return section.add(table)

    def demand_profile(self) -> Section | None:
        """Headline demand of a snapshot: pupils, schools, needs, phase and peak year."""
        name = self.definition.sections.demand_profile
        if name is None:
            return None
        extract = self.definition.inputs[name]
        prefix = self._prefix(name)
        frame = self._data(name)
        headline = tables.build_headline(frame)
        for key in ("pupils", "schools", "placements"):
            self.figures.add(f"{prefix}.{key}", headline[key], "count", key.capitalize())
        need_table, profile = self._need_table(name, frame, prefix)
        phases, ncy = self._phase_and_ncy(name, frame, prefix)
        secondary = phases.loc["Secondary (Years 7-11)", "pct"]
        self.figures.add(
            f"{prefix}.secondary_pct",
            secondary,
            "percent_rounded",
            "Share of placements in the secondary phase (NCY 7-11)",
        )
        peak = tables.peak_year_groups(ncy, n=1)[0]
        self.figures.add(
            f"{prefix}.peak_year_group", peak, "ncy", "Year group with most placements"
        )
        section = Section(f"Demand profile, {_period_words(extract)}")
        section.para(
            f"{sentence_case(_period_words(extract))}, {fmt_count(headline['pupils'])} pupils were "
            f"placed across {fmt_count(headline['schools'])} schools in the independent sector."
        )
        section.para(
            self._top_needs_sentence(profile)
            + f" Demand is highest in the secondary phase ({fmt_pct(secondary)}) and peaks in "
            f"{tables.ncy_label(peak)}."
        )
        chart = charts.plot_need_profile(
            profile, extract_label=_period_words(extract), source=self._source(name)
        )
        section.add(self._figure(chart)).add(need_table)
        phase_columns = [Column(c, f"{c} placements") for c in self.categories]
        section.add(
            HtmlTable(
                phases,
                caption=self._caption(f"Placements by phase, {_period_words(extract)}"),
                columns=[
                    *phase_columns,
                    Column("total", "All placements"),
                    Column("pct", "Share of placements", fmt_pct),
                ],
                row_header="Phase",
                note="Phase from national curriculum year. " + self._source(name),
            )
        )
        return section

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
            f"in {first['financial_year']} to £{fmt_number(last['spend_gbp_m'], 1)}m in "
            f"{last['financial_year']}."
        )
        for _, row in known.loc[known["basis"] != main_basis].iterrows():
            text += (
                f" In {row['financial_year']} the figure published is "
                f"£{fmt_number(row['spend_gbp_m'], 1)}m on a different basis ({row['basis']}), "
                "so it is not directly comparable."
            )
        if gaps:
            text += f" No figure is published for {join_words(gaps)}; those years are gaps."
        section.para(text)
        chart = charts.plot_spend_history(history, source=self._source(name))
        section.add(self._figure(chart))
        shown = history.set_index("financial_year")
        section.add(
            HtmlTable(
                shown,
                caption=self._caption("Spend on INMSS placements by financial year"),
                columns=[
                    Column("spend_gbp", "Spend", fmt_gbp),
                    Column("basis", "Basis", str, numeric=False),
                    Column("source", "Published in", str, numeric=False),
                ],
                row_header="Financial year",
                total_row=None,
                note="Figures from finance records as published in committee papers; blank where "
                "no figure was published. " + self._source(name),
            )
        )
        return section

    def summary(self) -> Section:
        """Key figures, each drawn from the same tables the sections show."""
        section = Section("Key figures")
        items = []
        if self.snapshot_summary is not None:
            t = self.snapshot_summary
            extract = self.definition.inputs[self.definition.sections.framework_snapshot]
            total = t.loc[tables.TOTAL]
            items.append(
                f"{sentence_case(_period_words(extract))}: {fmt_count(total['placements'])} day "
                f"placements in {fmt_count(total['schools'])} schools."
            )
            for cat in self.framework.contracted[:1]:
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
        for name, report in self.cleaning.items():
            items.append(
                f"{self.definition.inputs[name].label}: {fmt_count(report['rows_in'])} rows read, "
                f"{fmt_count(report['clean'])} used, {fmt_count(report['quarantined'])} "
                f"quarantined and {fmt_count(report['duplicates'])} duplicates removed."
            )
        if self.definition.synthetic_data:
            section.para(
                "This appendix is rendered from synthetic sample data generated by the project "
                "and calibrated to the published figures. It contains no real pupil data."
            )
        return section.bullets(items)

    def data_quality(self) -> Section:
        """Inputs, reconciliation of rows, flags and definitions."""
        section = Section("Data and definitions")
        rows = []
        for name, report in self.cleaning.items():
            rows.append(
                {
                    "input": self.definition.inputs[name].label,
                    "file": self.definition.inputs[name].path.name,
                    "rows_in": report["rows_in"],
                    "clean": report["clean"],
                    "quarantined": report["quarantined"],
                    "duplicates": report["duplicates"],
                    "flagged": sum(report["flags"].values()),
                }
            )
            self.figures.add(
                f"quality.{self._prefix(name)}.rows_in",
                report["rows_in"],
                "count",
                f"Rows read, {name}",
            )
            self.figures.add(
                f"quality.{self._prefix(name)}.clean",
                report["clean"],
                "count",
                f"Rows used, {name}",
            )
            self.figures.add(
                f"quality.{self._prefix(name)}.quarantined",
                report["quarantined"],
                "count",
                f"Rows quarantined, {name}",
            )
            self.figures.add(
                f"quality.{self._prefix(name)}.duplicates",
                report["duplicates"],
                "count",
                f"Duplicate rows, {name}",
            )
        section.para(
            "Every row of every input is accounted for: rows read = rows used + rows "
            "quarantined (unusable, with reasons, kept for the data owner) + exact duplicates."
        )
        section.add(
            HtmlTable(
                pd.DataFrame(rows).set_index("input"),
                caption=self._caption("Rows read, used, quarantined and duplicated, by input"),
                columns=[
                    Column("file", "File", str, numeric=False),
                    Column("rows_in", "Rows read"),
                    Column("clean", "Used"),
                    Column("quarantined", "Quarantined"),
                    Column("duplicates", "Duplicates"),
                    Column("flagged", "Flagged (kept)"),
                ],
                row_header="Input",
                total_row=None,
                note="Flagged rows are kept but listed for checking: fees above the ceiling, "
                "overlapping placements of one pupil, year groups that do not fit the age.",
            )
        )
        fy = self.definition.parameters.financial_year
        section.bullets(
            [
                "Placements: rows of the extract (a child with two placements counts twice); "
                "pupils: distinct pseudonymised children.",
                "Schools: distinct school URNs. A school counts under each framework status it "
                "holds placements under, once in the total.",
                "Average annual cost: mean agreed annual fee of the placements.",
                f"Forecast spend: annual fee x days inside {_date(fy.start)} to {_date(fy.end)} "
                "/ 365 (both ends inclusive; an open end date runs to the end of the year).",
                "Percentages are rounded half up; components may not sum to 100%.",
                "Day provision excludes residential (boarding) placements.",
            ]
        )
        return section

    def key_figures(self) -> dict[str, object]:
        """Headline totals (placements and schools of each extract), for nbval to pin down."""
        wanted = (".placements.total", ".schools.total", ".pupils")
        figures = self.figures.as_dict()
        return {k: v["value"] for k, v in figures.items() if k.endswith(wanted)}

    def publish_figures(self) -> None:
        """Display the figure registry as hidden output, for the renderer to collect."""
        display(
            {FIGURES_MIMETYPE: self.figures.as_dict()},
            raw=True,
            metadata={"pipeline": {"hidden": True}},
        )


def load(report_definition: str | Path, interim_dir: str | Path) -> Appendix:
    """Load a report's definition and its cleaned inputs from ``interim_dir``."""
    definition = load_report_definition(report_definition)
    interim_dir = resolve_path(interim_dir)
    placements, cleaning = {}, {}
    for name in definition.placement_inputs():
        placements[name] = io.read_clean(Path(interim_dir) / name)
        cleaning[name] = io.read_cleaning_report(Path(interim_dir) / name)
    spend = None
    if definition.sections.spend_history:
        spend = read_spend_history(
            definition.inputs[definition.sections.spend_history].resolved_path()
        )
    return Appendix(definition, placements, cleaning, spend)


__all__ = ["Appendix", "load", "round_half_up"]
