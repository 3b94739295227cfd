"""How the disclosure audit reads the residential appendix: one spec per published table, and
the dimensions of the children they describe (``pipeline.audit``).

``audit_model(definition)`` is what the render calls, for the authority the appendix is about
(a fan-out member's ``placing_authority``).
"""

from __future__ import annotations

from pipeline.audit import Dimension, Measure, TableSpec, Universe, count, mean, share
from pipeline.config import ReportDefinition
from pipeline.councils import load_council
from pipeline.reports.residential.appendix import (
    CLA_AGE_BANDS,
    DISTANCE_BANDS,
    ETHNIC_GROUPS,
    LENGTH_BANDS,
    NOT_KNOWN,
    _label,
    age_groups,
    key_of,
)
from pipeline.reports.residential.clean import OFSTED_RATINGS, PROVIDER_TYPES
from pipeline.vocabulary import NOT_RECORDED

#: Provider types as the table prints them.
PROVIDERS = (*(_label(p) for p in PROVIDER_TYPES), NOT_KNOWN)
OTHERS = "Other local authorities"


def universe(
    authority: str,
    authorities: list[str],
    target: tuple[int, int],
    districts: tuple[str, ...] = (),
) -> Universe:
    """The residential appendix's dimensions, for the report of ``authority``."""
    others = [a for a in authorities if a != authority] + [OTHERS]
    dims = [
        Dimension("placing_authority", tuple(authorities)),
        Dimension("location", ("in_area", "out_of_area")),
        Dimension.refining(
            "placed_in", "location", {"in_area": [authority], "out_of_area": others}
        ),
        Dimension("provider_type", PROVIDERS),
        Dimension("age_group", tuple(name for name, _, _ in age_groups(target))),
        Dimension("distance_band", (*(b for b, _, _ in DISTANCE_BANDS), NOT_RECORDED)),
        Dimension("age_band", tuple(b for b, _, _ in CLA_AGE_BANDS)),
        Dimension("ethnicity", ETHNIC_GROUPS),
        Dimension("sex", ("Female", "Male", "Other or not recorded")),
        Dimension("length_of_placement", tuple(b for b, _, _ in LENGTH_BANDS)),
        Dimension("ofsted_rating", tuple(OFSTED_RATINGS)),
    ]
    if districts:
        dims.append(Dimension("district", districts))
    return Universe(tuple(dims), measures={"weekly_cost": Measure(lower=0.0)})


def specs(authority: str, authorities: list[str], illustrative: list[str]) -> dict:
    """The spec of each residential table of ``authority``'s report (file stem -> spec)."""
    slug = key_of(authority)
    fixed = {"placing_authority": authority}
    home = {"home_location": {f"In {authority}": "in_area", f"Outside {authority}": "out_of_area"}}
    dims = {"home_location": "location"}

    def profile(filter_column: str) -> TableSpec:
        return TableSpec(
            {"children": count(), "share_of_children": share(of=(filter_column,))},
            dimensions=dims,
            values=home,
            fixed=fixed,
        )

    in_area = {**fixed, "location": "in_area"}
    return {
        f"age_against_target_{slug}": profile("age_group"),
        f"distance_from_home_{slug}": profile("distance_band"),
        f"equality_age_{slug}": profile("age_band"),
        f"equality_ethnicity_{slug}": profile("ethnicity"),
        f"equality_sex_{slug}": profile("sex"),
        f"length_of_placement_{slug}": profile("length_of_placement"),
        f"capacity_by_ofsted_rating_{slug}": TableSpec({"children": count()}, fixed=in_area),
        f"capacity_by_district_{slug}": TableSpec({"children": count()}, fixed=in_area),
        f"placement_location_{slug}": TableSpec(
            {"children": count(), "pct": share(of=("home_location",))},
            dimensions={"home_location": "placed_in"},
            fixed=fixed,
        ),
        f"weekly_cost_by_provider_type_{slug}": TableSpec(
            {
                "mean_weekly_cost_in_area": mean("weekly_cost", location="in_area"),
                "mean_weekly_cost_out_of_area": mean("weekly_cost", location="out_of_area"),
                "mean_weekly_cost_all": mean("weekly_cost"),
                "children": count(),
            },
            fixed=fixed,
            # a table that would be mostly [c] split is printed for all placements alone
            optional=("mean_weekly_cost_in_area", "mean_weekly_cost_out_of_area"),
        ),
        "regional_comparison": TableSpec(
            {
                "children": count(),
                "children_in_own_area": count(location="in_area"),
                "children_outside_own_area": count(location="out_of_area"),
                "in_area_pct": share(location="in_area"),
            },
            values={"placing_authority": {f"{a} (illustrative)": a for a in illustrative}},
        ),
    }


#: Figures the appendix publishes outside its tables, and why each is safe to publish.
FIGURES_OUTSIDE_TABLES = {
    "*.homes_good_or_outstanding*": "homes by their Ofsted grade, which Ofsted publishes: "
    "homes, not children",
    "*.region.authorities": "the number of authorities buying together",
    "quality.*": "counts of published tables, not of children",
}


def audit_model(definition: ReportDefinition) -> tuple[dict[str, TableSpec], Universe]:
    """The spec of every table this definition's appendix can publish, and their universe."""
    settings = definition.residential
    authority = definition.filters.get("placing_authority", settings.authority)
    authorities = list(dict.fromkeys([settings.authority, *settings.partners, authority]))
    council = load_council(authority)
    return (
        specs(authority, authorities, list(settings.illustrative_authorities)),
        universe(authority, authorities, tuple(settings.target_age), council.districts),
    )
