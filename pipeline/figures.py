"""The figures an appendix shows, keyed by id, and their comparison with published figures.

Ids follow ``data/published/published-figures.yml`` where a published figure exists; values
are in the unit the id names (a ``gbp_millions_2dp`` figure is in £ millions), unrounded while
the appendix is built and rounded as printed in the published ``figures.json``
(``as_published``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.present import round_half_up

#: unit -> decimal places used when the paper prints it (None: compare exactly)
UNIT_PLACES: dict[str, int | None] = {
    "count": 0,
    "percent_rounded": 0,
    "percent": 0,
    "percent_1dp": 1,
    "gbp": 0,
    "gbp_rounded": 0,
    "gbp_millions_0dp": 0,
    "gbp_millions_1dp": 1,
    "gbp_millions_2dp": 2,
    "gbp_thousands_2dp": 2,
    "ncy": 0,
    "ncy_list": None,
    "district_list": None,
    "years": 0,
    "date": None,
    "rank": 0,
}

#: Why a figure that disclosure control hides has no value (``figures.json`` marks such a
#: figure ``"suppressed": true``, its value null).
SUPPRESSED_REASON = (
    "disclosure control hides it ([c] in the appendix): fewer than {threshold} children, a "
    "figure derived from them, or one that would let such a figure be worked out"
)


class FigureRegistry:
    """Collects every figure an appendix shows."""

    def __init__(self) -> None:
        self._figures: dict[str, dict] = {}
        self._hidden: dict[str, dict] = {}

    def add(self, figure_id: str, value: object, unit: str, label: str) -> object:
        """Record a figure and return its value, so it can be bound into text in one step."""
        if unit not in UNIT_PLACES:
            raise ValueError(f"unknown unit '{unit}' for figure {figure_id}")
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif hasattr(value, "item"):
            value = value.item()
        self._hidden.pop(figure_id, None)
        if unit in ("count", "ncy") and isinstance(value, float) and value.is_integer():
            value = int(value)
        self._figures[figure_id] = {"value": value, "unit": unit, "label": label}
        return value

    def hide(self, figure_id: str, unit: str, label: str, value: object = None) -> None:
        """Record that a figure exists but disclosure control hides it: ``figures.json``
        marks it ``"suppressed": true`` with no value, so that a sentence asking for it is
        told why it cannot be printed rather than that it does not exist.

        ``value``, the hidden figure's true value, is kept apart (``hidden``) for the
        render's check that no sentence prints it; it is never published.

        >>> registry = FigureRegistry()
        >>> registry.hide("s25.need.HI", "count", "HI placements", value=3)
        >>> registry["s25.need.HI"]["value"], registry.hidden()
        (None, {'s25.need.HI': {'value': 3, 'unit': 'count'}})
        """
        if unit not in UNIT_PLACES:
            raise ValueError(f"unknown unit '{unit}' for figure {figure_id}")
        self._figures[figure_id] = {"value": None, "unit": unit, "label": label, "suppressed": True}
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            self._hidden[figure_id] = {"value": value, "unit": unit}
        else:
            self._hidden.pop(figure_id, None)

    def hidden(self) -> dict[str, dict]:
        """The true value and unit of each hidden figure (for the words audit, never
        published)."""
        return dict(sorted(self._hidden.items()))

    def as_dict(self) -> dict[str, dict]:
        return dict(sorted(self._figures.items()))

    def __contains__(self, figure_id: str) -> bool:
        return figure_id in self._figures

    def __getitem__(self, figure_id: str) -> dict:
        return self._figures[figure_id]


def rounded(value: object, unit: str) -> object:
    """A figure's value as the paper prints it.

    >>> rounded(60.98, "percent_rounded"), rounded(46.757, "gbp_millions_2dp")
    (61, 46.76)
    >>> rounded(["Sevenoaks", "Dartford"], "district_list")
    ['Dartford', 'Sevenoaks']
    """
    places = UNIT_PLACES[unit]
    if places is None:
        return sorted(value) if isinstance(value, list) else value
    if value is None:
        return None
    result = round_half_up(float(value), places)
    return int(result) if places == 0 else result


def as_published(figures: dict[str, dict]) -> dict[str, dict]:
    """The figures as ``figures.json`` publishes them: each number rounded as it is printed.

    An unrounded average published beside its count gives a reader the sum to the penny,
    finer than any table prints, which narrows what a hidden average beside it can be; so no
    published file carries more precision than the appendix prints.

    >>> shown = as_published({"a": {"value": 55186.488, "unit": "gbp_rounded", "label": "x"},
    ...                       "b": {"value": ["Dover", "Ashford"], "unit": "district_list"}})
    >>> shown["a"]["value"], shown["b"]["value"]
    (55186, ['Dover', 'Ashford'])
    """
    out = {}
    for figure_id, figure in figures.items():
        value = figure["value"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = rounded(value, figure["unit"])
        out[figure_id] = {**figure, "value": value}
    return out


@dataclass(frozen=True)
class Comparison:
    """A published figure set beside the value recomputed from the data."""

    figure_id: str
    source: str
    published: object
    recomputed: object
    unit: str

    @property
    def reproduced(self) -> bool:
        return self.recomputed is not None and rounded(self.recomputed, self.unit) == rounded(
            self.published, self.unit
        )


def compare_with_published(figures: dict[str, dict], published: list[dict]) -> list[Comparison]:
    """Compare each published figure present in ``figures`` with its recomputed value."""
    results = []
    for item in published:
        if item["id"] not in figures:
            continue
        results.append(
            Comparison(
                figure_id=item["id"],
                source=str(item.get("source", "")),
                published=item["value"],
                recomputed=figures[item["id"]]["value"],
                unit=item["unit"],
            )
        )
    return results
