"""What an INMSS report definition adds to the common keys: its sections and projection."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pipeline.config import Strict as _Strict


class Scenario(_Strict):
    """One placement trajectory of the contract value projection."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str
    trajectory: list[Annotated[float, Field(ge=0)]] = Field(default_factory=lambda: [1.0])
    trajectory_source: str | None = None
    published_total_gbp_m: float | None = None
    published_source: str | None = None


class Projection(_Strict):
    """Assumptions of the contract value projection (seed 003 §6.5-6.7)."""

    first_year: int = Field(ge=2000, le=2100)
    years: int = Field(ge=1, le=30)
    average_cost_gbp: float = Field(gt=0)
    annual_uplift_pct: float = Field(ge=-50, le=100)
    base_placements: int | None = Field(default=None, ge=0)
    assumptions_source: str
    scenarios: list[Scenario] = Field(min_length=1)


class Sections(_Strict):
    """Which extract each section of the appendix notebook draws on (absent = not shown)."""

    framework_snapshot: str | None = None
    framework_period: str | None = None
    demand_profile: str | None = None
    need_profile: str | None = None
    year_groups: str | None = None
    districts: str | None = None
    cost_comparison: Annotated[list[str], Field(min_length=2, max_length=2)] | None = None
    spend_history: str | None = None
    cost_breakdown: str | None = None
    travel: str | None = None
    equality_profile: str | None = None
    projection: str | None = None
    trend: list[str] | None = None
    national_context: str | None = None


class Context(_Strict):
    """What the national context section compares the council with."""

    #: Local authorities (names or ONS codes, as the release prints them) to show beside the
    #: council, e.g. its statistical neighbours; default: the other authorities of its region.
    comparators: list[str] | None = None
    #: What the comparators are, inside a sentence ("statistical neighbours").
    comparators_label: str | None = None


def check_definition(definition) -> None:
    """The sections name inputs that exist and are of the kind each section reads."""
    for name, value in definition.sections.model_dump().items():
        extracts = value if isinstance(value, list) else [value]
        for extract in extracts:
            if extract is not None and extract not in definition.inputs:
                raise ValueError(
                    f"sections.{name} names input '{extract}', which is not under inputs "
                    f"(inputs: {', '.join(definition.inputs)})"
                )
    if definition.sections.projection and definition.projection is None:
        raise ValueError("sections.projection needs a projection: block of assumptions")
    if definition.sections.national_context:
        kind = definition.inputs[definition.sections.national_context].kind
        if kind != "ehcp_statistics":
            raise ValueError("sections.national_context must name an input of kind ehcp_statistics")
    if definition.sections.spend_history:
        kind = definition.inputs[definition.sections.spend_history].kind
        if kind != "spend_history":
            raise ValueError("sections.spend_history must name an input of kind spend_history")
    if not definition.authority.districts:
        for key in ("districts", "travel"):
            if getattr(definition.sections, key):
                raise ValueError(
                    f"sections.{key}: {definition.authority.name} has no districts (a unitary "
                    "authority), so this section has nothing to show; remove it"
                )
