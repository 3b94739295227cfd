"""Charts of the residential children's homes appendix, in the style of ``pipeline.charts``.

Each function returns a ``charts.Chart`` (figure, title, subtitle, alt text, source) built with
that module's style, layout and colours; nothing is saved. Suppressed counts arrive as NaN
and are not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.charts import (
    DARK_BLUE,
    TEXT_GREY,
    Chart,
    _category_colours,
    _fix_layout,
    _grouped_offsets,
    _integer_axis,
    _new_figure,
    chart_style,
)
from pipeline.present import SUPPRESSED, count_of, fmt_pct, join_words


def plot_beds_by_district(
    capacity: pd.DataFrame, *, authority: str, as_at: str, source: str
) -> Chart:
    """Registered beds in each district, with the number of homes on each bar.

    Parameters
    ----------
    capacity : pandas.DataFrame
        ``residential.build_capacity_by(..., by="district")`` without its ``Total`` row.
    authority, as_at, source : str
        The authority, the snapshot date in words and the source note.
    """
    districts = [str(d) for d in capacity.index]
    beds = capacity["beds"].astype(float).to_numpy()
    homes = capacity["homes"].astype(int).to_numpy()
    pairs = list(zip(beds, homes, strict=True))
    labels = [f"{int(b):,} ({count_of(h, 'home')})" for b, h in pairs]
    with chart_style():
        figure = _new_figure(max(4.5, 0.42 * len(districts) + 1.0))
        ax = figure.add_subplot()
        positions = np.arange(len(districts))
        bars = ax.barh(positions, beds, height=0.7, color=DARK_BLUE)
        ax.bar_label(bars, labels=labels, padding=3, color=TEXT_GREY, fontsize=10)
        ax.set_yticks(positions, districts)
        ax.invert_yaxis()  # official (alphabetical) order from the top
        ax.set_xlim(0, max(float(beds.max()) if len(beds) else 0.0, 1.0) * 1.3)
        ax.set_xlabel("Registered beds")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.tick_params(axis="y", length=0)
        _integer_axis(ax.xaxis)
    total = int(beds.sum())
    if len(districts) and total:
        top = districts[int(np.argmax(beds))]
        share = fmt_pct(beds.max() / total * 100)
        title = f"{top} has the most children's home beds in {authority}, {share} of them"
    else:
        title = f"No registered children's home beds in {authority}"
    subtitle = f"Registered beds in children's homes by district, {authority}, {as_at}"
    parts = [
        f"{d} {int(b):,} beds in {h:,} homes" for d, (b, h) in zip(districts, pairs, strict=True)
    ]
    alt = (
        f"Horizontal bar chart of the {total:,} registered beds in children's homes in "
        f"{authority} by district: {'; '.join(parts)}. {title}."
    )
    return Chart(_fix_layout(figure), title, subtitle, alt, source)


def plot_regional_comparison(
    regional: pd.DataFrame,
    *,
    labels: Sequence[str],
    as_at: str,
    source: str,
    own: str | None = None,
) -> Chart:
    """Each partner authority's children in homes in its own area and outside, side by side.

    Parameters
    ----------
    regional : pandas.DataFrame
        ``residential.build_regional_comparison`` without its ``Total`` row, suppressed
        counts as NaN (``appendix.masked``).
    labels : sequence of str
        Row labels as the table prints them (``West Sussex (illustrative)``).
    as_at, source : str
        The snapshot date in words and the source note.
    own : str, optional
        The report's own authority (a row of ``regional``): the title says where it stands.
    """
    series = [("in_area", "In own area"), ("out_of_area", "Outside own area")]
    colours = _category_colours(len(series))
    with chart_style():
        figure = _new_figure()
        ax = figure.add_subplot()
        positions = np.arange(len(labels))
        offsets, width = _grouped_offsets(len(series))
        for offset, (column, name), colour in zip(offsets, series, colours, strict=True):
            values = regional[column].astype(float).to_numpy()
            bars = ax.bar(
                positions + offset, np.nan_to_num(values), width, color=colour, label=name
            )
            ax.bar_label(
                bars,
                labels=[SUPPRESSED if np.isnan(v) else f"{int(v):,}" for v in values],
                padding=3,
                color=TEXT_GREY,
                fontsize=10,
            )
        ax.set_xticks(positions, list(labels))
        ax.set_ylabel("Children")
        ax.tick_params(axis="x", length=0)
        _integer_axis(ax.yaxis)
        top = np.nanmax(regional[["in_area", "out_of_area"]].to_numpy(float), initial=0.0)
        ax.set_ylim(0, max(top, 1.0) * 1.15)
        figure.legend(handles=ax.get_legend_handles_labels()[0], loc="outside upper left", ncols=2)
    inside = regional["in_area"].astype(float)
    children = regional["children"].astype(float)
    share = (inside / children * 100).where(children > 0)
    known = share.dropna()

    def label_of(row: object) -> str:
        return labels[list(regional.index).index(row)]

    if own is not None and own in known.index and len(known) > 1:
        # the report's own authority is the message: where it stands among its partners
        best, least = known.idxmax(), known.idxmin()
        # the report's own name, plain: its front page says whether its figures are
        # illustrative; a partner's label keeps the word
        name, value = str(own), fmt_pct(known[own])
        if own == best:
            title = f"{name} placed the largest share of its children in its own area ({value})"
        elif own == least:
            title = f"{name} placed the smallest share of its children in its own area ({value})"
        else:
            title = (
                f"{name} placed {value} of its children in its own area, against "
                f"{fmt_pct(known.max())} in {label_of(best)}"
            )
    elif len(known):
        title = (
            f"{label_of(known.idxmax())} placed the largest share of its children in its own "
            f"area ({fmt_pct(known.max())})"
        )
    else:
        title = "Where each partner authority's children are placed"
    subtitle = f"Children in residential homes by where the home is, by placing authority, {as_at}"
    parts = []
    for label, row in zip(labels, regional.itertuples(), strict=True):
        counts = [getattr(row, column) for column, _ in series]
        words = [
            f"{name.lower()} {'suppressed' if np.isnan(count) else f'{int(count):,}'}"
            for (_, name), count in zip(series, counts, strict=True)
        ]
        parts.append(f"{label}: {join_words(words)}")
    alt = (
        f"Grouped bar chart of each partner authority's children in residential homes in its "
        f"own area and outside it: {'; '.join(parts)}. {title}."
    )
    note = None
    if regional[["in_area", "out_of_area"]].isna().to_numpy().any():
        note = "Counts suppressed to protect confidentiality ([c] in the table) are not drawn."
    return Chart(_fix_layout(figure), title, subtitle, alt, source, note)
