"""How the disclosure audit reads the INMSS appendix: one spec per published table, and the
dimensions of the children they describe (``pipeline.audit``).

``audit_model(definition)`` is what the render calls: the spec of every table the appendix can
publish for this definition (its framework categories, its council's districts, its extracts'
prefixes) and the universe those tables' groups live in.
"""

from __future__ import annotations

from pipeline import tables
from pipeline.audit import (
    Dimension,
    Measure,
    TableSpec,
    Universe,
    at_least,
    count,
    mean,
    share,
    total,
)
from pipeline.config import ReportDefinition
from pipeline.ehcp_statistics import census_month, latest_year
from pipeline.vocabulary import ETHNIC_GROUP_ORDER, OUT_OF_AREA

#: A need group as the cost table prints it (its label) -> its key.
NEED_GROUP_KEYS = {label: key for key, label, _ in tables.NEED_GROUPS}
PHASES = {
    name: [tables.ncy_label(year) for year in range(low, high + 1)]
    for name, low, high in tables.PHASES
}
SEXES = ("Female", "Male", "Other or not recorded")


def universe(*, categories: list[str], districts: tuple[str, ...], outside: str) -> Universe:
    """The INMSS appendix's dimensions, for a framework's categories and a council's districts."""
    dims = [
        Dimension("framework_status", tuple(categories)),
        # the cost table's need groups are sums of the need tables' needs
        Dimension("need_group", tuple(key for key, _, _ in tables.NEED_GROUPS)),
        Dimension.refining(
            "primary_need", "need_group", {key: codes for key, _, codes in tables.NEED_GROUPS}
        ),
        Dimension("age_band", tuple(name for name, _, _ in tables.AGE_BANDS)),
        Dimension("ethnicity", ETHNIC_GROUP_ORDER),
        Dimension("sex", SEXES),
        Dimension("phase", tuple(PHASES)),
        Dimension.refining("year_group", "phase", PHASES),
    ]
    if districts:
        dims += [
            Dimension("school_district", (*districts, OUT_OF_AREA)),
            Dimension("home_district", (*districts, outside)),
        ]
    dims.append(
        Dimension("school_location", ("same_district", "other_district", "out_of_area")),
    )
    return Universe(tuple(dims), measures={"annual_cost": Measure(lower=0.0)}, noun="placements")


def specs(
    *, prefixes: list[str], categories: list[str], keys: dict[str, str], other_column: str
) -> dict[str, TableSpec]:
    """The spec of each INMSS table (file stem -> spec), for every extract prefix."""
    out: dict[str, TableSpec] = {}
    for suffix in prefixes:
        snap = {"period": suffix}
        by_status = {
            f"avg_annual_cost_{keys[c]}": mean("annual_cost", framework_status=c)
            for c in categories
        }
        by_status["avg_annual_cost_all"] = mean("annual_cost")
        by_status.update({f"placements_{keys[c]}": count(framework_status=c) for c in categories})
        by_status["placements"] = count()

        def profile(filter_column: str, with_share: bool = True, snap=snap) -> TableSpec:
            indicators = {"placements": count()}
            if with_share:
                indicators["share_of_placements"] = share(of=(filter_column,))
            return TableSpec(indicators, fixed=snap)

        out.update(
            {
                f"average_cost_by_need_{suffix}": TableSpec(
                    by_status, values={"need_group": NEED_GROUP_KEYS}, fixed=snap
                ),
                f"average_cost_by_phase_{suffix}": TableSpec(by_status, fixed=snap),
                f"equality_age_{suffix}": profile("age_band"),
                f"equality_ethnicity_{suffix}": profile("ethnicity"),
                f"equality_primary_need_{suffix}": profile("primary_need"),
                f"equality_sex_{suffix}": profile("sex"),
                f"primary_need_{suffix}": profile("primary_need"),
                f"phase_{suffix}": profile("phase"),
                f"year_group_{suffix}": profile("year_group", with_share=False),
                f"school_district_{suffix}": TableSpec(
                    {"placements": count(), "schools": at_least()}, fixed=snap
                ),
                f"home_to_school_district_{suffix}": TableSpec(
                    {
                        "placements": count(),
                        "same_district": count(school_location="same_district"),
                        other_column: count(school_location="other_district"),
                        "out_of_area": count(school_location="out_of_area"),
                    },
                    fixed=snap,
                ),
            }
        )
    return out


def snapshot_specs(snapshot: str | None, period: str | None, earlier: str | None) -> dict:
    """Specs of the tables of one named extract each: the snapshot, the period, the change."""
    out: dict[str, TableSpec] = {}
    if snapshot:
        out["framework_status_snapshot"] = TableSpec(
            {
                "placements": count(),
                "placements_pct": share(of=("framework_status",)),
                "avg_annual_fee": mean("annual_cost", x="unknown"),
                # a school is counted when it has a placement: placements >= schools
                "schools": at_least(),
            },
            fixed={"period": snapshot},
        )
        if earlier:
            out["average_cost_change"] = TableSpec(
                {
                    "placements": count(),
                    "spend_m": total("annual_cost", scale=1e6),
                    "avg_annual_cost_earlier": mean("annual_cost"),
                    "avg_annual_cost_later": mean("annual_cost", period=snapshot),
                },
                fixed={"period": earlier},
            )
    if period:
        out["framework_status_period"] = TableSpec(
            {
                "placements": count(),
                "placements_pct": share(of=("framework_status",)),
                "schools": at_least(),
                "out_of_area_schools": at_least(school_district=OUT_OF_AREA),
                "spend_m": total("gross_cost", scale=1e6),
                "avg_gross_cost_gbp_k": mean("gross_cost", scale=1e3),
            },
            fixed={"period": period},
        )
    return out


#: Figures of figures.json that no table prints, and why each is safe to publish: the render
#: refuses any other figure no published table shows (``audit.untraced_figures``).
FIGURES_OUTSIDE_TABLES = {
    "projection.*": "the definition's assumptions applied to a published count of placements",
    "*.avg_annual_cost.gap*": "the difference of two published averages, and that difference "
    "times a published count",
    "quality.*": "counts of published tables, not of children",
    "*.pupils": "an extract's whole number of children, the total every table of it shares "
    "(each child once)",
    "*.schools": "an extract's whole number of schools: schools, not children",
    "context.councils*": "a number of councils (all in the release, or those whose share it "
    "gives), not of children",
}


#: Numbers in this type's words that are not data, beyond ``prose.NOT_DATA`` (the render
#: sets them aside before tracing the rest to figures and tables).
NOT_DATA_IN_WORDS = (
    r"\bage[sd]? 0 to 25\b",  # the ages the DfE's census counts EHC plans for
    r"\(1 = highest\)",  # how a rank reads
)


#: Tables about the whole cohort or about money, with no figure about a group of children
#: small enough to hide: audited as publishing nothing hidden (the render refuses a hidden
#: cell in a column its spec does not audit).
WHOLE_COHORT = (
    "spend_history",
    "projection_static",
    "projection_declining",
    "trend_across_extracts",
)


#: The national context's tables count EHC plans in the DfE's statistics, not placements of
#: the export: their groups carry ``population=ehc_plans`` so that no identity joins them to
#: the placement tables. Within them, a plan is in INMSS or elsewhere, and INMSS splits into
#: independent and non-maintained special schools. Areas and census years are not declared
#: dimensions: no identity is derived along them (a region is the sum of its councils; the
#: section itself hides a region's figure when that sum would give a hidden council away).
CONTEXT_FIXED = {"population": "ehc_plans"}
CONTEXT_DIMENSIONS = (
    Dimension("ehcp_placement", ("inmss", "elsewhere")),
    Dimension.refining(
        "ehcp_setting",
        "ehcp_placement",
        {"inmss": ["independent", "non_maintained"], "elsewhere": ["elsewhere"]},
    ),
)


def context_specs(council: str, census: str) -> dict[str, TableSpec]:
    """Specs of the national context's three tables (``reports.inmss.context``): the
    comparison and the need mix are of the latest ``census`` (``January 2025``), the trend's
    row of which holds the same council's figures."""
    inmss = {"ehcp_placement": "inmss"}
    latest = {**CONTEXT_FIXED, "census": census}
    return {
        "context_comparison": TableSpec(
            {
                "ehc_plans": count(x="unknown"),
                "inmss": count(x="unknown", **inmss),
                "inmss_pct": share(**inmss),
            },
            fixed=latest,
        ),
        "context_trend": TableSpec(
            {
                "ehc_plans": count(x="unknown"),
                "independent": count(x="unknown", ehcp_setting="independent"),
                "non_maintained": count(x="unknown", ehcp_setting="non_maintained"),
                "inmss": count(x="unknown", **inmss),
                "inmss_pct": share(**inmss),
            },
            fixed={**CONTEXT_FIXED, "area": council},
        ),
        "context_primary_need": TableSpec(
            {
                "plans": count(x="unknown", **inmss),
                "england": count(x="unknown", area="England", **inmss),
            },
            # the need as the DfE counts it (Down syndrome under other), not the export's
            dimensions={"primary_need": "ehcp_need"},
            fixed={**latest, "area": council},
        ),
    }


def audit_model(definition: ReportDefinition) -> tuple[dict[str, TableSpec], Universe]:
    """The spec of every table this definition's appendix can publish, and their universe."""
    council = definition.authority
    categories = list(definition.framework.names)
    keys = {c.name: c.key for c in definition.framework.categories}

    def prefix(name: str | None) -> str | None:
        if name is None:
            return None
        extract = definition.inputs[name]
        return extract.figure_prefix or name

    prefixes = sorted({prefix(n) for n in definition.inputs if prefix(n)})
    out = specs(
        prefixes=prefixes,
        categories=categories,
        keys=keys,
        other_column=tables.other_district_column(council.name),
    )
    sections = definition.sections
    out.update(
        snapshot_specs(
            prefix(sections.framework_snapshot),
            prefix(sections.framework_period),
            prefix(sections.cost_comparison[0]) if sections.cost_comparison else None,
        )
    )
    out.update({name: TableSpec({}) for name in WHOLE_COHORT})
    base = universe(categories=categories, districts=council.districts, outside=council.outside)
    if sections.national_context:
        release = definition.inputs[sections.national_context].resolved_path()
        out.update(context_specs(council.name, census_month(latest_year(release))))
        base = Universe(
            (*base.dimensions, *CONTEXT_DIMENSIONS), measures=base.measures, noun=base.noun
        )
    return out, base
