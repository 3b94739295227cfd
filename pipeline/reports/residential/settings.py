"""What a residential report definition adds to the common keys: its ``residential:`` block."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pipeline.config import Strict as _Strict


class ResidentialSections(_Strict):
    """Inputs and choices of a residential children's homes sufficiency report (seed 004)."""

    homes: str
    placements: str
    authority: str = "Kent"
    partners: list[str] = Field(default_factory=list)
    excluded_teams: list[str] = Field(default_factory=lambda: ["Disabled Children's Team"])
    target_age: Annotated[list[int], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [10, 16]
    )
    figure_prefix: str = "res"
    illustrative_authorities: list[str] = Field(default_factory=list)


def check_definition(definition) -> None:
    """The block names inputs that exist."""
    for key in ("homes", "placements"):
        name = getattr(definition.residential, key)
        if name not in definition.inputs:
            raise ValueError(f"residential.{key} names input '{name}', which is not under inputs")
