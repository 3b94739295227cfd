"""The national context section: the council beside its region, its comparators and England,
from the DfE's published statistics on EHC plans (``pipeline.ehcp_statistics``).

The published counts are public, but what the appendix shows goes through its own rule: a
count of children under the suppression threshold is hidden (``[c]``) with whatever would give
it away, and a share is hidden with its count, whether the count is the DfE's or derived here
(the INMSS sector is the sum of two published columns). Ranks are taken among the councils
whose share the appendix could publish, so no rank narrows a hidden figure.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from pipeline import charts, disclosure, tables
from pipeline.ehcp_statistics import Release, census_month
from pipeline.errors import ReportDefinitionError
from pipeline.present import (
    Column,
    HtmlTable,
    Section,
    fmt_count,
    fmt_pct,
    join_words,
)
from pipeline.vocabulary import NOT_RECORDED, PRIMARY_NEEDS

ENGLAND = "E92000001"
#: The DfE counts Down syndrome under "other difficulty/disability" (the release's footnote).
CONTEXT_NEEDS = tuple(code for code in PRIMARY_NEEDS if code != "DS")
LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0."
NOT_AVAILABLE_WHY = (
    "[x]: the release gives no figure (the authority did not exist in its present form that "
    "year, or did not return placements for enough of its plans)."
)


def ordinal(n: int) -> str:
    """``1`` -> ``1st``, ``12`` -> ``12th``, ``23`` -> ``23rd``.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _share(value: float) -> str:
    return fmt_pct(value, 1)


def _compare(own: float, other: float) -> str:
    """``higher than`` / ``lower than`` / ``the same as``, judged as the shares print."""
    a, b = _share(own), _share(other)
    if a == b:
        return "the same as"
    return "higher than" if own > other else "lower than"


class NationalContext:
    """The ``national_context`` section of the INMSS appendix (a part of ``Appendix``)."""

    release: Release | None

    # --- what the section compares

    @property
    def _context_input(self) -> str | None:
        return self.definition.sections.national_context

    @cached_property
    def _context_council(self) -> pd.Series:
        """The council's row of the release (latest year), found by its ONS code."""
        caseload = self.release.caseload
        code = self.council.new_la_code
        rows = caseload.loc[(caseload["code"] == code) & (caseload["year"] == self.release.latest)]
        if rows.empty:
            raise ReportDefinitionError(
                f"sections.national_context: the release has no local authority with ONS code "
                f"{code} ({self.council.name}) in {self.release.latest}; check new_la_code in "
                "the council's file"
            )
        return rows.iloc[0]

    @cached_property
    def _comparators(self) -> list[str]:
        """ONS codes of the comparators: the definition's, else the region's other councils."""
        authorities = self.release.authorities()
        by_name = dict(zip(authorities["name"], authorities["code"], strict=True))
        codes = set(authorities["code"])
        region = self._context_council["region_code"]
        wanted = self.definition.context.comparators
        if wanted is None:
            return [
                c
                for c in authorities.loc[authorities["region_code"] == region, "code"]
                if c != self.council.new_la_code
            ]
        unknown = [w for w in wanted if w not in by_name and w not in codes]
        if unknown:
            raise ReportDefinitionError(
                f"context.comparators: {', '.join(unknown)} not among the release's local "
                "authorities (give names or ONS codes as the release prints them)"
            )
        return [by_name.get(w, w) for w in wanted]

    @property
    def _comparators_words(self) -> str:
        label = self.definition.context.comparators_label
        if label:
            return label
        if self.definition.context.comparators is None:
            return f"the other councils of the {self._context_council['region_name']} region"
        return "the comparator councils this report names"

    def _context_source(self) -> str:
        extract = self.definition.inputs[self._context_input]
        return f"Source: {extract.label}. {LICENCE}"

    # --- tables and their suppression

    @cached_property
    def context_trend(self) -> pd.DataFrame:
        table = tables.build_context_trend(
            self.release.caseload,
            code=self.council.new_la_code,
            region_code=self._context_council["region_code"],
            england_code=ENGLAND,
        )
        return table.set_axis([census_month(y) for y in table.index], axis=0).rename_axis("census")

    @cached_property
    def context_trend_mask(self) -> pd.DataFrame:
        t = self.context_trend
        mask = disclosure.suppress(
            t,
            counts=["independent", "non_maintained", "inmss"],
            derived={"inmss_pct": "inmss"},
            threshold=self.threshold,
            total_row=None,
            total_col="inmss",
        )
        small = disclosure.primary_mask(t[["ehc_plans"]], threshold=self.threshold)["ehc_plans"]
        mask["ehc_plans"] = small
        mask["inmss_pct"] = mask["inmss_pct"] | small
        return mask

    @property
    def _latest(self) -> str:
        return census_month(self.release.latest)

    def _latest_hidden(self, column: str) -> bool:
        return bool(self.context_trend_mask.loc[self._latest, column])

    @cached_property
    def _unpublishable(self) -> list[str]:
        """Councils whose latest INMSS count this appendix could not show (1 to threshold-1)."""
        caseload = self.release.caseload
        rows = caseload.loc[(caseload["year"] == self.release.latest) & (caseload["level"] == "la")]
        inmss = rows["independent"] + rows["non_maintained"]
        return rows.loc[(inmss > 0) & (inmss < self.threshold), "code"].tolist()

    @cached_property
    def context_ranks(self) -> pd.Series:
        return tables.rank_inmss_share(
            self.release.caseload, year=self.release.latest, excluded=self._unpublishable
        )

    @cached_property
    def context_comparison(self) -> pd.DataFrame:
        return tables.build_context_comparison(
            self.release.caseload,
            year=self.release.latest,
            code=self.council.new_la_code,
            comparators=self._comparators,
            region_code=self._context_council["region_code"],
            england_code=ENGLAND,
        )

    @cached_property
    def context_comparison_mask(self) -> pd.DataFrame:
        t = self.context_comparison
        mask = pd.DataFrame(False, index=t.index, columns=t.columns)
        counts = disclosure.primary_mask(t[["ehc_plans", "inmss"]], threshold=self.threshold)
        mask[["ehc_plans", "inmss"]] = counts
        council = t.index[0]
        mask.loc[council, "inmss"] |= self._latest_hidden("inmss")
        # the region's figure is the sum of its councils': with all of them listed, a hidden
        # council would be the region's figure less the others'
        region = t.index[t["level"] == "regional"][0]
        members = set(self.release.authorities().query("region_code == @self._region_code")["code"])
        listed = set(t.loc[t["level"] == "la", "code"])
        if members <= listed and mask.loc[t["level"] == "la", "inmss"].any():
            mask.loc[region, "inmss"] = True
        mask["inmss_pct"] = mask["inmss"] | mask["ehc_plans"]
        return mask

    @property
    def _region_code(self) -> str:
        return self._context_council["region_code"]

    @cached_property
    def context_needs(self) -> pd.DataFrame | None:
        """The need mix of the council's and England's INMSS children, when the release's
        needs agree with its caseload (the same children); None otherwise."""
        needs = self.release.needs
        if needs is None:
            return None
        code = self.council.new_la_code
        table = tables.build_need_mix(
            needs, code=code, needs_order=CONTEXT_NEEDS, england_code=ENGLAND
        )
        latest = self.context_trend.loc[self._latest]
        total = table.loc[tables.TOTAL, "plans"]
        if table["plans"].isna().any() or pd.isna(latest["inmss"]) or total != latest["inmss"]:
            return None  # a need without a figure (Surrey's, 2025), or not the same children
        return table

    @cached_property
    def context_needs_mask(self) -> pd.DataFrame:
        t = self.context_needs
        hidden_total = self._latest_hidden("inmss")
        own = disclosure.suppress(
            t,
            counts=["plans"],
            derived={"pct": "plans"},
            threshold=self.threshold,
            total_col=None,
            total_row_mask={"plans": hidden_total},
        )
        england = disclosure.suppress(
            t,
            counts=["england"],
            derived={"england_pct": "england"},
            threshold=self.threshold,
            total_col=None,
        )
        mask = own.copy()
        mask[["england", "england_pct"]] = england[["england", "england_pct"]]
        return mask

    def context_key_figure(self) -> str | None:
        """The national context in one line for the key figures (None without the section)."""
        if self._context_input is None or self.release is None:
            return None
        row = self.context_trend.loc[self._latest]
        if self._latest_hidden("ehc_plans"):
            return None
        if pd.isna(row["inmss_pct"]) or self._latest_hidden("inmss_pct"):
            why = (
                "the release gives no figure for those in independent or non-maintained "
                "special schools"
                if pd.isna(row["inmss"])
                else f"fewer than {self.threshold} of them were in independent or "
                "non-maintained special schools"
            )
            return (
                f"{self._latest} (DfE statistics): {self.council.name} maintained "
                f"{fmt_count(row['ehc_plans'])} EHC plans; {why}."
            )
        text = (
            f"{self._latest} (DfE statistics): {_share(row['inmss_pct'])} of "
            f"{self.council.name}'s EHC plans were in independent or non-maintained special "
            f"schools, against {_share(row['region_pct'])} in "
            f"{self._context_council['region_name']} and {_share(row['england_pct'])} in "
            "England"
        )
        code = self.council.new_la_code
        if code in self.context_ranks.index:
            rank = int(self.context_ranks[code])
            text += (
                f" ({'the highest' if rank == 1 else ordinal(rank) + ' highest'} of "
                f"{fmt_count(len(self.context_ranks))} councils ranked)"
            )
        return text + "."

    # --- the section

    def national_context(self) -> Section | None:
        """Where the council stands: its EHC plans in INMSS beside its region, comparators and
        England, the seven-year trend, the need mix, and its rank among all councils."""
        if self._context_input is None or self.release is None:
            return None
        name = self.council.name
        latest = self._latest
        row = self.context_trend.loc[latest]
        region = self._context_council["region_name"]
        section = Section(f"National context: {name} beside {region} and England")
        self._context_figures()
        section.para(self._context_headline(row, region))
        rank = self._rank_sentence()
        if rank:
            section.para(rank)
        trend_words = self._trend_sentence()
        if trend_words:
            section.para(trend_words)
        section.add(self._context_comparison_table())
        section.add(self._figure(self._context_chart()))
        section.add(self._context_trend_table())
        needs = self._needs_part()
        for part in needs:
            section.add(part) if not isinstance(part, str) else section.para(part)
        census = self._census_sentence()
        if census:
            section.para(census)
        return section

    def _context_figures(self) -> None:
        t, m = self.context_trend, self.context_trend_mask
        latest = self._latest
        spec = {
            "ehc_plans": ("count", "EHC plans"),
            "independent": ("count", "EHC plans in independent special schools"),
            "non_maintained": ("count", "EHC plans in non-maintained special schools"),
            "inmss": ("count", "EHC plans in independent or non-maintained special schools"),
            "inmss_pct": ("percent_1dp", "Share of EHC plans in INMSS"),
            "region_pct": ("percent_1dp", "Share of the region's EHC plans in INMSS"),
            "england_pct": ("percent_1dp", "Share of England's EHC plans in INMSS"),
        }
        ids = {
            "ehc_plans": "ehc_plans",
            "independent": "independent_plans",
            "non_maintained": "non_maintained_plans",
            "inmss": "inmss_plans",
            "inmss_pct": "inmss_share_pct",
            "region_pct": "region_inmss_share_pct",
            "england_pct": "england_inmss_share_pct",
        }
        for census in t.index:
            year = census.split()[-1]
            for column, (unit, label) in spec.items():
                if pd.isna(t.loc[census, column]):
                    continue
                self._put(
                    f"context.jan{year}.{ids[column]}",
                    t,
                    census,
                    column,
                    unit,
                    f"{label}, {census}",
                    m,
                )
                if census == latest:
                    self._put(
                        f"context.{ids[column]}",
                        t,
                        census,
                        column,
                        unit,
                        f"{label}, {census}",
                        m,
                    )
        code = self.council.new_la_code
        if code in self.context_ranks.index and not self._latest_hidden("inmss_pct"):
            self.figures.add(
                "context.inmss_share_rank",
                int(self.context_ranks[code]),
                "rank",
                f"Rank of the share of EHC plans in INMSS among councils, {latest} (1 = highest)",
            )
        self.figures.add(
            "context.councils_ranked",
            len(self.context_ranks),
            "count",
            f"Councils ranked by the share of EHC plans in INMSS, {latest}",
        )

    def _context_headline(self, row: pd.Series, region: str) -> str:
        name, latest = self.council.name, self._latest
        plans = fmt_count(row["ehc_plans"])
        if self._latest_hidden("ehc_plans"):
            return (
                f"In {latest} {name} maintained fewer than {self.threshold} EHC plans, too few "
                "to show more of them here."
            )
        if pd.isna(row["inmss"]):
            return (
                f"In {latest} {name} maintained {plans} EHC plans. The release gives no "
                f"figure for its plans in independent or non-maintained special schools that "
                f"year (the council did not return a placement for enough of its plans), so "
                f"it is not compared with {region} or England below."
            )
        if self._latest_hidden("inmss"):
            return (
                f"In {latest} {name} maintained {plans} EHC plans, of which fewer than "
                f"{self.threshold} were for children in independent or non-maintained special "
                "schools, too few to show under this appendix's rule."
            )
        columns = (("independent", "independent"), ("non_maintained", "non-maintained"))
        if any(self._latest_hidden(column) for column, _ in columns):
            # the words say why there is no split; the table's [c] reads as a misprint here
            schools = (
                "independent or non-maintained special schools (how many in each is "
                "suppressed to protect confidentiality)"
            )
        else:
            parts = [f"{words} ({fmt_count(row[column])})" for column, words in columns]
            schools = f"{join_words(parts, 'or')} special schools"
        region_pct, england_pct = row["region_pct"], row["england_pct"]
        return (
            f"In {latest} {name} maintained {plans} EHC plans; {fmt_count(row['inmss'])} of "
            f"them ({_share(row['inmss_pct'])}) were for children and young people in "
            f"{schools}. That share is "
            f"{_compare(row['inmss_pct'], region_pct)} {region}'s ({_share(region_pct)}) and "
            f"{_compare(row['inmss_pct'], england_pct)} England's ({_share(england_pct)})."
        )

    def _rank_sentence(self) -> str | None:
        code, name = self.council.new_la_code, self.council.name
        ranks = self.context_ranks
        if code not in ranks.index or self._latest_hidden("inmss_pct"):
            return None
        total = len(ranks)
        rank = int(ranks[code])
        position = "the highest" if rank == 1 else f"the {ordinal(rank)} highest"
        text = (
            f"{name} has {position} share of the {fmt_count(total)} councils ranked in "
            f"{self._latest} (1 = highest)"
        )
        all_las = self.figures.add(
            "context.councils",
            len(self.release.authorities()),
            "count",
            f"Local authorities in the release, {self._latest}",
        )
        left_out = self.figures.add(
            "context.councils_not_ranked",
            all_las - total,
            "count",
            f"Local authorities in the release not ranked, {self._latest}",
        )
        if left_out:
            text += (
                f"; {fmt_count(left_out)} of the {fmt_count(all_las)} are not ranked, having no "
                "figure in the release or too few children to show"
            )
        text += "."
        comparators = [c for c in self._comparators if c in ranks.index]
        if comparators:
            group = ranks.loc[[code, *comparators]]
            self.figures.add(
                "context.councils_compared",
                len(group),
                "count",
                f"Councils compared: {name} and {self._comparators_words}",
            )
            within = self.figures.add(
                "context.inmss_share_rank_compared",
                int(group.rank(method="min")[code]),
                "rank",
                f"Rank of {name}'s share among the councils compared, {self._latest} (1 = highest)",
            )
            text += (
                f" Among {name} and {self._comparators_words} ({fmt_count(len(group))} "
                f"councils), it is {'the highest' if within == 1 else ordinal(within)}."
            )
        return text

    def _trend_sentence(self) -> str | None:
        t, m = self.context_trend, self.context_trend_mask
        shown = t.loc[t["inmss_pct"].notna() & ~m["inmss_pct"] & ~m["inmss"]]
        if len(shown) < 2:
            return None
        first, last = shown.index[0], shown.index[-1]
        a, b = shown.loc[first], shown.loc[last]
        return (
            f"Between {first} and {last} the number of {self.council.name}'s EHC plans in "
            f"independent or non-maintained special schools went from {fmt_count(a['inmss'])} "
            f"to {fmt_count(b['inmss'])}, and their share of all its plans from "
            f"{_share(a['inmss_pct'])} to {_share(b['inmss_pct'])}; England's share went from "
            f"{_share(a['england_pct'])} to {_share(b['england_pct'])}."
        )

    def _areas(self, t: pd.DataFrame) -> dict:
        """The ``row_geography`` of the comparison: each row's area with the release's codes
        (an authority with its DfE code and region, a region, England)."""
        caseload = self.release.caseload
        year = caseload.loc[caseload["year"] == self.release.latest]
        by_code = year.drop_duplicates("code").set_index("code")
        areas: dict[str, dict] = {}
        for name, code, level in zip(t.index, t["code"], t["level"], strict=True):
            row = by_code.loc[code]
            if level == "la":
                areas[str(name)] = {
                    "la_name": row["name"],
                    "new_la_code": code,
                    "old_la_code": row["old_la_code"],
                    "region_code": row["region_code"],
                    "region_name": row["region_name"],
                }
            elif level == "regional":
                areas[str(name)] = {"region_code": code, "region_name": row["name"]}
            else:
                areas[str(name)] = {}
        return {"column": "area", "areas": areas}

    def _context_comparison_table(self) -> HtmlTable:
        t = self.context_comparison.copy()
        ranks = self.context_ranks
        t["rank"] = [
            float(ranks[c]) if c in ranks.index and not hidden else np.nan
            for c, hidden in zip(t["code"], self.context_comparison_mask["inmss_pct"], strict=True)
        ]
        mask = self.context_comparison_mask.copy()
        mask["rank"] = False
        areas = self._areas(t)
        t = t.drop(columns=["code", "level"])
        mask = mask.drop(columns=["code", "level"])
        who = self._comparators_words
        return self._table(
            HtmlTable(
                t,
                caption=self._caption(
                    f"EHC plans in independent and non-maintained special schools (INMSS), "
                    f"{self._latest}: {self.council.name}, {who}, the region and England"
                ),
                columns=[
                    Column("ehc_plans", "EHC plans"),
                    Column("inmss", "In INMSS"),
                    Column("inmss_pct", "Share in INMSS", _share, unit="%", dp=1),
                    Column(
                        "rank",
                        "Rank of share (1 = highest)",
                        lambda v: fmt_count(v),
                        unit="rank",
                    ),
                ],
                row_header="Area",
                total_row=None,
                note=(
                    f"Comparators are listed from the highest share to the lowest. Rank among "
                    f"the {fmt_count(len(ranks))} councils ranked; regions and England are not "
                    f"ranked. {NOT_AVAILABLE_WHY} " + self._context_source()
                ),
                mask=mask,
                name="context_comparison",
            ),
            extract=None,
            row_filter="area",
            row_geography=areas,
            time=(
                self.release.latest.replace("/", "")[:4] + self.release.latest[-2:],
                "Academic year",
            ),
            source=self._context_source(),
        )

    def _context_trend_table(self) -> HtmlTable:
        t = self.context_trend
        first, last = t.index[0], t.index[-1]
        return self._table(
            HtmlTable(
                t,
                caption=self._caption(
                    f"{self.council.name}'s EHC plans in independent and non-maintained special "
                    f"schools each January, {first} to {last}, with the region's and England's "
                    "shares"
                ),
                columns=[
                    Column("ehc_plans", "EHC plans"),
                    Column("independent", "Independent special"),
                    Column("non_maintained", "Non-maintained special"),
                    Column("inmss", "In INMSS"),
                    Column("inmss_pct", "Share in INMSS", _share, unit="%", dp=1),
                    Column("region_pct", "Region's share", _share, unit="%", dp=1),
                    Column("england_pct", "England's share", _share, unit="%", dp=1),
                ],
                row_header="January census",
                total_row=None,
                note=(
                    "INMSS: independent plus non-maintained special schools. Counts under "
                    f"{self.threshold} are shown as [c] with a figure that would give them away, "
                    "although the DfE publishes them. "
                    + NOT_AVAILABLE_WHY
                    + " "
                    + self._context_source()
                ),
                mask=self.context_trend_mask,
                name="context_trend",
            ),
            extract=None,
            row_filter="census",
            row_time={
                "column": "census",
                "times": {
                    census_month(y): (y.replace("/", ""), "Academic year")
                    for y in self.release.years
                },
            },
            time=(
                f"{self.release.years[0][:4]}{self.release.years[-1][-2:]}",
                "Academic year",
            ),
            source=self._context_source(),
        )

    def _context_chart(self):
        t, m = self.context_trend, self.context_trend_mask
        region = self._context_council["region_name"]
        shares = pd.DataFrame(
            {
                self.council.name: t["inmss_pct"].where(~m["inmss_pct"]),
                region: t["region_pct"],
                "England": t["england_pct"],
            },
            index=t.index,
        )
        gaps = t.index[shares[self.council.name].isna()].tolist()
        note = (
            f"No point is drawn for {join_words(gaps)}: the release gives no figure, or it is "
            "too small to show."
            if gaps
            else None
        )
        return charts.plot_context_trend(
            shares, council=self.council.name, source=self._context_source(), note=note
        )

    def _needs_part(self) -> list:
        name = self.council.name
        if self.release.needs is None:
            return [
                "The release read here has no primary-need figures, so the need mix of "
                f"{name}'s children in INMSS is not shown."
            ]
        t = self.context_needs
        if t is None:
            return [
                f"The release's primary-need figures for {name}'s children in independent or "
                "non-maintained special schools are not available or do not add up to its "
                "count of those children, so their need mix is not shown."
            ]
        m = self.context_needs_mask
        labels = {**{c: PRIMARY_NEEDS[c] for c in CONTEXT_NEEDS}, tables.TOTAL: "All needs"}
        labels["OTH"] = "Other difficulty or disability (includes Down syndrome)"
        labels[NOT_RECORDED] = "Primary need not recorded"
        table = self._table(
            HtmlTable(
                t,
                caption=self._caption(
                    f"Primary need of children with EHC plans in independent and non-maintained "
                    f"special schools, {self._latest}: {name} and England"
                ),
                columns=[
                    Column("plans", name),
                    Column("pct", f"{name} share", _share, unit="%", dp=1),
                    Column("england", "England"),
                    Column("england_pct", "England share", _share, unit="%", dp=1),
                ],
                row_header="Primary need",
                row_labels=lambda code: labels.get(code, str(code)),
                note=(
                    f"Counts under {self.threshold} are shown as [c], with a figure that would "
                    "give them away. " + self._context_source()
                ),
                mask=m,
                name="context_primary_need",
            ),
            extract=None,
            row_filter="primary_need",
            time=(
                self.release.latest.replace("/", "")[:4] + self.release.latest[-2:],
                "Academic year",
            ),
            source=self._context_source(),
        )
        rows = t.drop(index=tables.TOTAL)
        top = rows["plans"].idxmax()
        words = []
        if not m.loc[top, "pct"]:
            words.append(
                f"The most common primary need of {name}'s children in INMSS is "
                f"{labels[top].lower() if top != 'ASD' else 'autism (ASD)'} "
                f"({_share(t.loc[top, 'pct'])}, against {_share(t.loc[top, 'england_pct'])} "
                "in England)."
            )
        return [*words, table]

    def _census_sentence(self) -> str | None:
        """Why the census count is not the snapshot's: set side by side where a placement
        snapshot of the report falls in a January the release covers."""
        t, m = self.context_trend, self.context_trend_mask
        for extract_name, extract in self.definition.inputs.items():
            if extract_name not in self.placements or extract.as_at is None:
                continue
            census = census_month(f"{extract.as_at.year - 1}/{extract.as_at.year % 100:02d}")
            if extract.as_at.month != 1 or census not in t.index or m.loc[census, "inmss"]:
                continue
            if pd.isna(t.loc[census, "inmss"]):
                continue
            placements = len(self.placements[extract_name])
            return (
                f"The DfE's figure for {census} ({fmt_count(t.loc[census, 'inmss'])}) is not "
                f"the {fmt_count(placements)} placements of the council's own snapshot "
                f"({extract.label}) shown elsewhere in this appendix, and is not meant to be: "
                "the census counts "
                f"every EHC plan {self.council.name} maintains (ages 0 to 25) whose child or "
                "young person attended an independent or non-maintained special school on "
                "census day, one per plan; the snapshot counts the placements the council "
                "funds on its own date, a child with two placements twice, and by its own "
                "record of each school and placement."
            )
        if self.placements:
            return (
                "The DfE's census counts every EHC plan the council maintains (ages 0 to 25) by "
                "the setting attended in January, one per plan; the council's own figures "
                "elsewhere in this appendix count the placements it funds at other dates, so "
                "the two are not expected to agree."
            )
        return None
