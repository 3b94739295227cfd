"""One function per chart: each returns a Chart (a Figure and its words); nothing is saved.

Charts follow the UK Government Analysis Function style (``afcharts``). Titles and subtitles are
not drawn inside the image: they go in the HTML figure caption, so each ``Chart`` carries them
as text, with alt text and a source note. Every number in those words is computed here from the
table being plotted, never typed.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import io
import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import afcharts
import matplotlib.figure
import matplotlib.style
import matplotlib.ticker
import numpy as np
import pandas as pd
from afcharts.af_colours import get_af_colours
from matplotlib.patches import Patch

from pipeline.present import (
    HtmlFigure,
    count_of,
    fmt_financial_year,
    fmt_gbp_m,
    fmt_pct,
    fmt_share,
    join_words,
    round_half_up,
    sentence_case,
)
from pipeline.tables import TOTAL, districts_without_contracted_school, ncy_label, ncy_words
from pipeline.vocabulary import OUT_OF_AREA

AF_STYLE = Path(afcharts.__file__).with_name("afcharts.mplstyle")
DARK_BLUE = "#12436D"
TEXT_GREY = "#3D3D3D"
WIDTH_IN = 8.0
HEIGHT_IN = 4.5

#: Settings on top of the afcharts style. Arial is not installed here, so the families that are
#: come first (no findfont warning); SVG output has fixed ids, no date and text as paths so that
#: the same input gives the same bytes and renders the same in WeasyPrint.
RC_OVERRIDES: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["Liberation Sans", "Arial", "DejaVu Sans"],
    "font.size": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "svg.fonttype": "path",
    "svg.hashsalt": "inmss-appendix",
    "svg.image_inline": True,
    "hatch.linewidth": 1.0,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}


@dataclass(frozen=True)
class Chart:
    """A figure and the words that go with it in the appendix."""

    figure: matplotlib.figure.Figure
    title: str  # headline stating the message
    subtitle: str  # what is measured, units, coverage
    alt: str  # what the chart shows and its message, with the key numbers
    source: str  # source note
    note: str | None = None  # gaps, different bases, rounding


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Apply the Analysis Function style with this project's overrides, then restore rcParams."""
    _find_fonts()
    with matplotlib.style.context(AF_STYLE), matplotlib.rc_context(RC_OVERRIDES):
        yield


@functools.cache
def _find_fonts() -> None:
    """Make the charts' fonts known to matplotlib even when its font cache predates them.

    matplotlib lists the system's fonts once, into a cache it keeps until it is upgraded: a
    machine that gained Liberation Sans (fonts-liberation) after that drew every chart in
    DejaVu Sans, wider than the appendix's text, so long labels were cut off in the PNGs.
    """
    from matplotlib import font_manager

    known = {font.name for font in font_manager.fontManager.ttflist}
    wanted = [name for name in RC_OVERRIDES["font.sans-serif"] if name not in known]
    if not wanted:
        return
    # sorted: the system may hold two versions of a font (fonts-liberation and
    # fonts-liberation2); matplotlib takes the first registered of equal fonts, and
    # findSystemFonts' order changes from one process to the next, so unsorted, two renders
    # could draw their charts in different versions
    for path in sorted(font_manager.findSystemFonts(fontext="ttf")):
        stem = Path(path).name.replace("-", "").lower()
        if any(stem.startswith(name.replace(" ", "").lower()) for name in wanted):
            font_manager.fontManager.addfont(path)


def _gbp_m(value_m: float) -> str:
    """A value already in £ million, as ``£27.9m``."""
    return fmt_gbp_m(value_m * 1e6)


def _new_figure(height: float = HEIGHT_IN) -> matplotlib.figure.Figure:
    # Figure() directly rather than pyplot: no global figure registry to leak into.
    return matplotlib.figure.Figure(figsize=(WIDTH_IN, height), layout="constrained")


def _fix_layout(figure: matplotlib.figure.Figure) -> matplotlib.figure.Figure:
    """Lay the figure out once, then freeze it.

    Constrained layout moves the axes a fraction on every draw, which would change the SVG
    bytes from one save to the next; settling it here makes every save identical.
    """
    with chart_style():
        for _ in range(2):
            figure.draw_without_rendering()
        figure.set_layout_engine("none")
    return figure


def _category_colours(n: int) -> list[str]:
    if n == 1:
        return [DARK_BLUE]
    return list(get_af_colours("categorical", number_of_colours=n))


# --------------------------------------------------------------------------- spend history


def _basis_key(value: object) -> str:
    return "" if pd.isna(value) else str(value).strip()


def plot_spend_history(spend: pd.DataFrame, *, source: str) -> Chart:
    """Annual spend in £ million by financial year: gaps stay gaps, other bases are hatched.

    Parameters
    ----------
    spend : pandas.DataFrame
        ``tables.build_spend_history`` output (``financial_year``, ``spend_gbp_m``, ``basis``).
    source : str
        Source note shown under the chart.
    """
    years = [fmt_financial_year(y) for y in spend["financial_year"]]
    values = spend["spend_gbp_m"].astype(float).to_numpy()
    bases = [_basis_key(b) for b in spend["basis"]]
    published = ~np.isnan(values)

    # The basis most years share is the reference; any other basis is drawn differently.
    counts: dict[str, int] = {}
    for basis, has_value in zip(bases, published, strict=True):
        if has_value:
            counts[basis] = counts.get(basis, 0) + 1
    main_basis = max(counts, key=lambda b: counts[b]) if counts else ""
    other_bases = [b for b in dict.fromkeys(bases) if b in counts and b != main_basis]
    hatches = ["///", "xx", "..", "\\\\"]

    with chart_style():
        figure = _new_figure()
        ax = figure.add_subplot()
        positions = np.arange(len(years))
        top = np.nanmax(values) if published.any() else 1.0
        for basis in [main_basis, *other_bases]:
            mask = published & np.array([b == basis for b in bases], dtype=bool)
            if not mask.any():
                continue
            if basis == main_basis:
                style = {"color": DARK_BLUE}
            else:
                style = {
                    "facecolor": "white",
                    "edgecolor": DARK_BLUE,
                    "hatch": hatches[other_bases.index(basis) % len(hatches)],
                    "linewidth": 1.2,
                }
            bars = ax.bar(positions[mask], values[mask], width=0.7, **style)
            ax.bar_label(
                bars,
                labels=[_gbp_m(v) for v in values[mask]],
                padding=3,
                color=TEXT_GREY,
            )
        for position in positions[~published]:
            ax.text(
                position,
                top * 0.015,
                "No\npublished\nfigure",
                ha="center",
                va="bottom",
                fontsize=10,
                color=TEXT_GREY,
                style="italic",
                linespacing=1.1,
            )
        ax.set_xticks(positions, years)
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.set_ylim(0, top * 1.12)
        ax.set_ylabel("£ million")
        ax.tick_params(axis="x", length=0)
        if other_bases:
            handles = [
                Patch(color=DARK_BLUE, label=sentence_case(main_basis) or "Published figure")
            ]
            handles += [
                Patch(
                    facecolor="white",
                    edgecolor=DARK_BLUE,
                    linewidth=1.2,
                    hatch=hatches[i % len(hatches)],
                    label=sentence_case(b),
                )
                for i, b in enumerate(other_bases)
            ]
            figure.legend(handles=handles, loc="outside upper left")

    figures = [
        f"{year} {_gbp_m(v)}" + (f" ({bases[i]})" if bases[i] in other_bases else "")
        if published[i]
        else f"{year} no published figure"
        for i, (year, v) in enumerate(zip(years, values, strict=True))
    ]
    shown = [v for v in values if not np.isnan(v)]
    # a title compares like with like: the years on the main basis only
    alike = [
        (year, v)
        for year, v, b, p in zip(years, values, bases, published, strict=True)
        if p and b == main_basis
    ]
    if other_bases and len(alike) >= 2:
        rising = all(b > a for (_, a), (_, b) in zip(alike, alike[1:], strict=False))
        first_year, last_year = alike[0][0], alike[-1][0]
        words = "rose every year" if rising else "changed"
        title = f"Spend {words} from {first_year} to {last_year}, the years on one basis"
    elif not shown:
        title = "No spend figure has been published for these years"
    elif len(shown) == 1:
        title = f"One year has a published spend figure: {_gbp_m(shown[0])}"
    elif all(b > a for a, b in zip(shown, shown[1:], strict=False)):
        title = "Spend has grown every year with a published figure"
    elif shown[-1] > shown[0]:
        title = "Spend is higher in the latest published year than in the first"
    else:
        title = "Spend is not higher in the latest published year than in the first"
    period = f"{years[0]} to {years[-1]}" if len(years) > 1 else "".join(years)
    subtitle = f"Annual spend on INMSS placements, £ million, {period}"

    notes = []
    gaps = [y for y, p in zip(years, published, strict=True) if not p]
    if gaps:
        verb = "year is" if len(gaps) == 1 else "years are"
        notes.append(
            f"No figure has been published for {join_words(gaps)}: the {verb} left blank, "
            "not estimated."
        )
    for basis in other_bases:
        odd = [y for y, b, p in zip(years, bases, published, strict=True) if p and b == basis]
        main = f" ({main_basis})" if main_basis else ""
        verb = "is" if len(odd) == 1 else "are"
        notes.append(
            f"{join_words(odd)} {verb} on a different basis ({basis}) from the other "
            f"years{main}, so {'it is' if len(odd) == 1 else 'they are'} not directly comparable "
            "(hatched bar)."
        )
    alt = (
        f"Bar chart of annual spend on INMSS placements by financial year: "
        f"{'; '.join(figures)}. {title}."
    )
    return Chart(_fix_layout(figure), title, subtitle, alt, source, " ".join(notes) or None)


# --------------------------------------------------------------------------- primary need


def _need_words(code: str, name: str) -> str:
    """``Autistic spectrum disorder (ASD)``; a code that is not an abbreviation stands alone."""
    is_abbreviation = code.isupper() and " " not in code
    return f"{name} ({code})" if is_abbreviation and name and name != code else code


def _share_label(pct: float, count: int) -> str:
    # A need that some children have must not read as "0%" (as in its table: fmt_share).
    return fmt_share(pct) if count > 0 else fmt_pct(pct)


def plot_need_profile(need_profile: pd.DataFrame, *, extract_label: str, source: str) -> Chart:
    """Share of placements by primary need, largest at the top.

    Parameters
    ----------
    need_profile : pandas.DataFrame
        ``tables.build_need_profile`` output (needs in descending order, then ``Total``).
    extract_label : str
        Which extract the placements come from, e.g. ``"day placements, 30 June 2025"``.
    source : str
        Source note shown under the chart.
    """
    table = need_profile.drop(index=TOTAL, errors="ignore")
    total = (
        int(need_profile.loc[TOTAL, "total"])
        if TOTAL in need_profile.index
        else int(table["total"].sum())
    )
    codes = [str(c) for c in table.index]
    names = [str(n) for n in table.get("need_name", pd.Series(codes, index=table.index))]
    pcts = table["pct"].astype(float).to_numpy()
    counts = table["total"].astype(int).to_numpy()
    labels = [_share_label(p, c) for p, c in zip(pcts, counts, strict=True)]
    words = [_need_words(c, n) for c, n in zip(codes, names, strict=True)]

    height = max(HEIGHT_IN, 0.42 * len(codes) + 0.8)
    with chart_style():
        figure = _new_figure(height)
        ax = figure.add_subplot()
        positions = np.arange(len(codes))
        bars = ax.barh(positions, pcts, height=0.7, color=DARK_BLUE)
        ax.bar_label(bars, labels=labels, padding=3, color=TEXT_GREY)
        ax.set_yticks(positions, ["\n".join(textwrap.wrap(w, width=28)) for w in words])
        ax.invert_yaxis()  # first row (largest) at the top
        ax.set_xlim(0, max(pcts.max() if len(pcts) else 0, 1) * 1.12)
        ax.set_xlabel("Share of placements (%)")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.tick_params(axis="y", length=0)

    if words:
        title = f"{words[0]} is the most common primary need, at {labels[0]} of placements"
    else:
        title = "No placements to show"
    subtitle = f"Share of placements by primary need, per cent, {extract_label}"
    shares = [f"{w} {lab}" for w, lab in zip(words, labels, strict=True)]
    alt = (
        f"Bar chart of primary need of {count_of(total, 'placement')} ({extract_label}): "
        f"{', '.join(shares)}. {title}."
    )
    notes = []
    if len(pcts) and sum(round_half_up(p) for p in pcts) != 100:
        notes.append("Percentages are rounded to whole numbers, so they do not add up to 100%.")
    if "<1%" in labels:
        notes.append("<1% marks a need with some placements but under 0.5% of them.")
    note = " ".join(notes) or None
    return Chart(_fix_layout(figure), title, subtitle, alt, source, note)


# --------------------------------------------------------------------------- year groups


def _short_ncy(ncy: int) -> str:
    return {-2: "N1", -1: "N2", 0: "R"}.get(int(ncy), str(int(ncy)))


def _integer_axis(axis: matplotlib.axis.Axis) -> None:
    """Ticks at whole numbers only (counts of children, schools or beds), in steps of 1, 2,
    2.5, 5 or 10 times a power of ten."""
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))


def _grouped_offsets(n: int, group_width: float = 0.8) -> tuple[np.ndarray, float]:
    width = group_width / n
    return (np.arange(n) - (n - 1) / 2) * width, width


def plot_year_groups(
    ncy_profile: pd.DataFrame,
    *,
    categories: Sequence[str],
    peaks: Sequence[int],
    extract_label: str,
    source: str,
) -> Chart:
    """Placements by national curriculum year, one bar per framework category side by side.

    Parameters
    ----------
    ncy_profile : pandas.DataFrame
        ``tables.build_ncy_profile`` output (index ncy -2..14, a column per category, total).
    categories : sequence of str
        Framework categories in display order.
    peaks : sequence of int
        Year groups to name in the title (``tables.peak_year_groups``).
    extract_label : str
        Which extract the placements come from.
    source : str
        Source note shown under the chart.
    """
    categories = list(categories)
    totals = ncy_profile["total"]
    filled = totals.index[totals.to_numpy() > 0]
    table = ncy_profile.loc[filled.min() : filled.max()] if len(filled) else ncy_profile.iloc[:0]
    years = [int(v) for v in table.index]
    colours = _category_colours(len(categories))

    with chart_style():
        figure = _new_figure()
        ax = figure.add_subplot()
        positions = np.arange(len(years))
        offsets, width = _grouped_offsets(len(categories))
        for offset, name, colour in zip(offsets, categories, colours, strict=True):
            ax.bar(
                positions + offset, table[name].to_numpy(), width=width, color=colour, label=name
            )
        ax.set_xticks(positions, [_short_ncy(y) for y in years])
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.set_xlabel("National curriculum year")
        ax.set_ylabel("Placements")
        ax.tick_params(axis="x", length=0)
        _integer_axis(ax.yaxis)
        figure.legend(
            handles=ax.get_legend_handles_labels()[0],
            loc="outside upper left",
            ncols=len(categories),
        )
        heights = table[categories].to_numpy(dtype=float)
        top = float(np.nanmax(heights)) if np.isfinite(heights).any() else 0.0
        ax.set_ylim(0, max(top, 1) * 1.15)

    peak_text = ncy_words(peaks)
    verb = "has" if len(peaks) == 1 else "have"
    title = f"{peak_text} {verb} the most placements"
    subtitle = f"Placements by national curriculum year and framework status, {extract_label}"
    total = int(ncy_profile["total"].sum())
    details = []
    for peak in sorted(int(p) for p in peaks):
        row = ncy_profile.loc[peak]
        parts = ", ".join(
            f"{name}: {int(row[name]):,}" if pd.notna(row[name]) else f"{name}: suppressed"
            for name in categories
        )
        details.append(
            f"{ncy_label(peak)} with {count_of(int(row['total']), 'placement')} ({parts})"
        )
    span = ""
    if len(years) > 1:
        span = f" Placements run from {ncy_label(years[0])} to {ncy_label(years[-1])}."
    alt = (
        f"Grouped bar chart of {count_of(total, 'placement')} ({extract_label}) by national "
        f"curriculum year, {join_words(categories)} side by side. {title}, "
        f"{join_words(details)}.{span}"
    )
    notes = []
    if years and years[0] < 0:
        notes.append("N1 and N2 are nursery years; R is Reception.")
    if table[categories].isna().to_numpy().any():
        notes.append(
            "Bars for counts suppressed to protect confidentiality ([c] in the table) are not "
            "drawn."
        )
    note = " ".join(notes) or None
    return Chart(_fix_layout(figure), title, subtitle, alt, source, note)


def masked(frame: pd.DataFrame, mask: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy with hidden cells of ``columns`` set to NaN (for charts: no bar, no label)."""
    out = frame.copy()
    for column in columns:
        out[column] = out[column].astype(float).where(~mask[column], np.nan)
    return out


# --------------------------------------------------------------------------- districts


def plot_districts(
    district_summary: pd.DataFrame,
    *,
    categories: Sequence[str],
    contracted: Sequence[str],
    extract_label: str,
    source: str,
    council_name: str,
) -> Chart:
    """Schools in each of the council's districts by framework category; districts lacking a
    contracted school are marked.

    Parameters
    ----------
    district_summary : pandas.DataFrame
        ``tables.build_district_summary`` output (the council's districts, ``Out of area``,
        ``Total``).
    categories : sequence of str
        Framework categories in display order.
    contracted : sequence of str
        The categories that count as contracted (e.g. ``["DPS"]``).
    extract_label : str
        Which extract the placements come from.
    source : str
        Source note shown under the chart.
    council_name : str
        The council's name, for the title and the text alternative.
    """
    categories = list(categories)
    contracted = [c for c in contracted]
    inside = district_summary.drop(index=[OUT_OF_AREA, TOTAL], errors="ignore")
    districts = [str(d) for d in inside.index]
    without = districts_without_contracted_school(district_summary)
    colours = _category_colours(len(categories))
    n_cat = len(categories)

    labels = [f"{d}\n(no contracted school)" if d in without else d for d in districts]
    height = max(6.0, 1.6 + len(districts) * (0.13 * n_cat + 0.16))
    with chart_style():
        figure = _new_figure(height)
        ax = figure.add_subplot()
        positions = np.arange(len(districts))
        offsets, bar_height = _grouped_offsets(n_cat)
        for offset, name, colour in zip(offsets, categories, colours, strict=True):
            counts = inside[f"schools_{name}"].astype(int).to_numpy()
            bars = ax.barh(positions + offset, counts, height=bar_height, color=colour, label=name)
            ax.bar_label(
                bars, labels=[f"{c:,}" for c in counts], padding=3, color=TEXT_GREY, fontsize=10
            )
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()  # official (alphabetical) order from the top; first category on top
        most = max(float(inside[[f"schools_{c}" for c in categories]].to_numpy().max()), 1)
        ax.set_xlim(0, most * 1.1)
        ax.set_ylim(len(districts) - 0.5, -0.5)
        _integer_axis(ax.xaxis)
        ax.set_xlabel("Schools")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.tick_params(axis="y", length=0)
        # Legend above the plot so it never sits on a bar.
        figure.legend(
            handles=ax.get_legend_handles_labels()[0], loc="outside upper left", ncols=n_cat
        )

    contracted_words = join_words(contracted, "or") if contracted else "a contracted category"
    n_without, n_districts = len(without), len(districts)
    if n_without == 0:
        title = f"All {n_districts} {council_name} districts have a contracted school"
    elif n_without == n_districts:
        title = f"None of the {n_districts} {council_name} districts has a contracted school"
    else:
        verb = "has" if n_without == 1 else "have"
        title = (
            f"{n_without} of the {n_districts} {council_name} districts {verb} no contracted school"
        )
    subtitle = (
        f"Schools with placements in each {council_name} district, by framework status, "
        f"{extract_label}"
    )
    rows = []
    for district in districts:
        parts = ", ".join(
            f"{name}: {int(inside.loc[district, f'schools_{name}']):,}" for name in categories
        )
        rows.append(f"{district} ({parts})")
    without_text = (
        f" Districts with no contracted school: {join_words(without)}." if without else ""
    )
    alt = (
        f"Horizontal bar chart of the number of schools in each of the {n_districts} "
        f"{council_name} districts, {join_words(categories)} side by side: {'; '.join(rows)}. "
        f"{title}.{without_text}"
    )
    notes = [
        f"A contracted school has at least one placement under {contracted_words}. A school "
        "with placements under more than one category is counted under each."
    ]
    if "Out of area" in district_summary.index:
        outside = int(district_summary.loc["Out of area", "schools"])
        if outside:
            noun = "school is" if outside == 1 else "schools are"
            notes.append(f"A further {outside:,} {noun} outside {council_name} and not shown.")
    return Chart(_fix_layout(figure), title, subtitle, alt, source, " ".join(notes))


# --------------------------------------------------------------------------- output


_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REFERENCE = re.compile(r'(xlink:href="#|url\(#)([^")]+)')
_SVG_SHEET = re.compile(r'\s*<style type="text/css">\*\{([^}]*)\}</style>')
_SVG_STYLE = re.compile(r'\sstyle="([^"]*)"')


# --------------------------------------------------------------------------- projection


def plot_projection(scenarios: dict[str, pd.DataFrame], *, source: str) -> Chart:
    """Cumulative contract value by contract year, one line per scenario.

    Parameters
    ----------
    scenarios : dict
        Scenario label -> ``tables.build_projection`` output.
    source : str
        Source note (the assumptions).
    """
    labels = list(scenarios)
    colours = _category_colours(len(labels))
    with chart_style():
        figure = _new_figure()
        ax = figure.add_subplot()
        for label, colour in zip(labels, colours, strict=True):
            table = scenarios[label]
            values = table["cumulative_gbp"].to_numpy() / 1e6
            ax.plot(table.index, values, marker="o", color=colour, label=label)
            ax.annotate(
                f"£{round_half_up(values[-1]):,.0f}m",
                (table.index[-1], values[-1]),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=10,
            )
        first = scenarios[labels[0]]
        ax.set_xticks(first.index, [str(v) for v in first["period"]], rotation=0)
        ax.tick_params(axis="x", labelsize=9)
        ax.set_xlabel("Contract year")
        ax.set_ylabel("£ million, cumulative")
        ax.set_ylim(0, None)
        ax.set_xlim(first.index[0] - 0.3, first.index[-1] + 1.0)
        figure.legend(loc="outside upper left", ncols=min(len(labels), 2))
    totals = {
        label: float(round_half_up(t["cumulative_gbp"].iloc[-1] / 1e6))
        for label, t in scenarios.items()
    }
    years = len(first)
    top = max(totals, key=totals.get)
    title = f"Over {years} years the contract could be worth up to £{totals[top]:,.0f} million"
    span = f"{first['period'].iloc[0]} to {first['period'].iloc[-1]}"
    subtitle = f"Cumulative projected contract value by scenario, £ million, {span}"
    parts = [f"{label}: £{value:,.0f} million" for label, value in totals.items()]
    alt = (
        f"Line chart of cumulative projected contract value over {years} contract years for "
        f"{len(labels)} scenarios. Totals after year {years}: {join_words(parts)}."
    )
    return Chart(_fix_layout(figure), title, subtitle, alt, source)


# --------------------------------------------------------------------------- trend


def plot_trend(trend: pd.DataFrame, *, needs: Sequence[str], source: str) -> Chart:
    """Share of placements by primary need across a sequence of extracts (one line per need).

    Parameters
    ----------
    trend : pandas.DataFrame
        ``tables.build_trend`` output: index = extract labels in time order, columns
        ``need_pct_<code>``.
    needs : sequence of str
        Need codes to draw.
    source : str
        Source note.
    """
    labels = [str(v) for v in trend.index]
    colours = _category_colours(len(needs))
    with chart_style():
        figure = _new_figure()
        ax = figure.add_subplot()
        x = np.arange(len(labels))
        markers = ["o", "s", "^", "D", "v", "P"]
        for number, (need, colour) in enumerate(zip(needs, colours, strict=True)):
            values = trend[f"need_pct_{need}"].astype(float).to_numpy()
            # a marker shape and an end label per line, so colour is never the only cue
            ax.plot(
                x,
                values,
                marker=markers[number % len(markers)],
                markersize=7,
                color=colour,
                label=need,
            )
            ax.annotate(
                need,
                (x[-1], values[-1]),
                xytext=(10, 0),
                textcoords="offset points",
                va="center",
                fontsize=10,
                color=colour,
                fontweight="bold",
            )
            for xi, value in zip(x, values, strict=True):
                if np.isfinite(value):
                    ax.annotate(
                        f"{round_half_up(value):.0f}%",
                        (xi, value),
                        xytext=(0, 7),
                        textcoords="offset points",
                        ha="center",
                        fontsize=10,
                    )
        ax.set_xticks(x, ["\n".join(textwrap.wrap(lbl, 22)) for lbl in labels])
        ax.set_ylabel("Share of placements (%)")
        ax.set_ylim(
            0,
            max(
                60.0,
                float(np.nanmax(trend[[f"need_pct_{n}" for n in needs]].to_numpy(dtype=float)))
                * 1.2,
            ),
        )
        ax.set_xlim(-0.4, len(labels) - 0.4)
        figure.legend(loc="outside upper left", ncols=len(needs))
    first, last = labels[0], labels[-1]
    moves = []
    for need in needs:
        a = float(trend[f"need_pct_{need}"].iloc[0])
        b = float(trend[f"need_pct_{need}"].iloc[-1])
        moves.append(f"{need} {fmt_pct(a)} to {fmt_pct(b)}")
    lead = needs[0]
    # judged on the shares as printed, so the title never disagrees with the labels
    first_share = round_half_up(float(trend[f"need_pct_{lead}"].iloc[0]))
    last_share = round_half_up(float(trend[f"need_pct_{lead}"].iloc[-1]))
    change = last_share - first_share
    direction = "grown" if change > 0 else "fallen" if change < 0 else "held steady"
    title = f"The {lead} share of placements has {direction} across the extracts"
    subtitle = f"Share of placements by primary need, {first} to {last}"
    alt = (
        f"Line chart of the share of placements with each of {join_words(list(needs))} as primary "
        f"need across {len(labels)} extracts from {first} to {last}: {join_words(moves)}."
    )
    return Chart(_fix_layout(figure), title, subtitle, alt, source)


def to_svg(chart: Chart) -> str:
    """The chart's figure as SVG text; the same figure always gives the same bytes.

    Every id in the SVG is prefixed with a hash of the chart itself, so that several charts
    inlined in one HTML page do not share ids (matplotlib numbers them from 1 in each file).
    The figure is not closed: the caller may reuse it.
    """
    buffer = io.StringIO()
    with chart_style():
        chart.figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    prefix = "chart-" + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:10]
    svg = _SVG_ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _SVG_REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    return _presentation_attributes(svg)


def _declarations(css: str) -> str:
    pairs = [part.split(":", 1) for part in css.split(";") if ":" in part]
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _presentation_attributes(svg: str) -> str:
    """Move matplotlib's inline CSS into SVG presentation attributes.

    Inline in HTML, ``style="fill: ..."`` is read by the HTML CSS parser too, and WeasyPrint
    logs a warning for every SVG property it finds there. Attributes draw the same. The sheet's
    ``*{...}`` defaults move to the root element, from where they are inherited; an element's
    own attribute still wins, as its own style did before.
    """
    sheet = _SVG_SHEET.search(svg)
    if sheet:
        svg = svg[: sheet.start()] + svg[sheet.end() :]
        svg = svg.replace("<svg ", "<svg" + _declarations(sheet.group(1)) + " ", 1)
    return _SVG_STYLE.sub(lambda m: _declarations(m.group(1)), svg)


#: Resolution of each chart's PNG copy (the Word document's image, and the file an author
#: pastes): a chart 8 inches wide is 1,600 pixels, sharp when printed 16 cm wide.
PNG_DPI = 200


def to_png(chart: Chart) -> bytes:
    """The chart's figure as PNG; the same figure always gives the same bytes (no software
    stamp, and the layout was frozen when the chart was made)."""
    buffer = io.BytesIO()
    with chart_style():
        # the layout was fixed at 100 dpi, where the longest label just fits; drawn at 200
        # dpi its text is a few pixels wider, so the PNG is cut to what it draws (plus a
        # margin), never cut short of it
        chart.figure.savefig(
            buffer,
            format="png",
            dpi=PNG_DPI,
            metadata={"Software": None},
            bbox_inches="tight",
            pad_inches=0.08,
        )
    return buffer.getvalue()


def payload(figure: HtmlFigure, chart: Chart) -> dict:
    """A chart as shown, for the renderer: its file name (``chart-3``, from its number), its
    words (numbered title, subtitle, alt text, source, note), its SVG and its PNG (base64).
    """
    return {
        "name": _payload_name(figure.title),
        "title": figure.title,
        "subtitle": figure.subtitle,
        "alt": figure.alt,
        "source": figure.source,
        "note": figure.note,
        "svg": figure.svg,
        "png": base64.b64encode(to_png(chart)).decode("ascii"),
    }


def _payload_name(title: str) -> str:
    """The file name of a numbered chart.

    >>> _payload_name("Chart 3: Most placements are in DPS schools")
    'chart-3'
    """
    number = title.partition(":")[0].strip()
    return re.sub(r"[^a-z0-9]+", "-", number.lower()).strip("-") or "chart"


# --------------------------------------------------------------------------- national context


def plot_context_trend(
    shares: pd.DataFrame, *, council: str, source: str, note: str | None = None
) -> Chart:
    """The share of EHC plans in independent and non-maintained special schools each January:
    one line per area (the council first), a marker shape and an end label on each, so colour
    is never the only cue; a year without a figure (or hidden) is a gap in its line.

    Parameters
    ----------
    shares : pandas.DataFrame
        Index: census labels in time order (``January 2019``); one column of percentages per
        area, named as the legend shows it; NaN where there is no figure to draw.
    council : str
        The council's column, named in the title.
    source : str
        Source note.
    """
    labels = [str(v) for v in shares.index]
    areas = list(shares.columns)
    colours = _category_colours(len(areas))
    markers = ["o", "s", "^", "D"]
    with chart_style():
        figure = _new_figure()
        ax = figure.add_subplot()
        x = np.arange(len(labels))
        ends: list[tuple[float, int, str]] = []
        for number, (area, colour) in enumerate(zip(areas, colours, strict=True)):
            values = shares[area].astype(float).to_numpy()
            ax.plot(
                x,
                values,
                marker=markers[number % len(markers)],
                markersize=7,
                color=colour,
                label=area,
                linewidth=2.5 if number == 0 else 1.8,
            )
            known = np.flatnonzero(np.isfinite(values))
            if len(known):
                ends.append((values[known[-1]], known[-1], colour))
        ax.set_xticks(x, [label.replace("January ", "Jan\n") for label in labels])
        ax.set_ylabel("Share of EHC plans (%)")
        grid = shares.to_numpy(dtype=float)
        top = float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0
        ax.set_ylim(0, max(1.0, top * 1.25))
        # end labels spread apart so that two close lines' labels never print over each other
        gap = max(1.0, top * 1.25) * 0.06
        placed: list[float] = []
        for value, at, colour in sorted(ends, key=lambda end: end[0]):
            y = value if not placed else max(value, placed[-1] + gap)
            placed.append(y)
            ax.annotate(
                f"{fmt_pct(value, 1)}",
                (x[at], value),
                xytext=(x[at] + 0.18, y),
                textcoords="data",
                va="center",
                fontsize=10,
                color=colour,
                fontweight="bold",
            )
        ax.set_xlim(-0.4, len(labels) + 0.1)
        figure.legend(loc="outside upper left", ncols=len(areas))
    own = shares[council].astype(float)
    known = own.dropna()
    if len(known) >= 2:
        first, last = known.index[0], known.index[-1]
        a, b = round_half_up(known.iloc[0], 1), round_half_up(known.iloc[-1], 1)
        direction = "risen" if b > a else "fallen" if b < a else "held steady"
        title = f"{council}'s share of EHC plans in INMSS has {direction} since {first}"
        moves = [
            f"{area} {fmt_pct(shares[area].dropna().iloc[0], 1)} to "
            f"{fmt_pct(shares[area].dropna().iloc[-1], 1)}"
            for area in areas
            if shares[area].notna().any()
        ]
        words = f" from {first} to {last}: {join_words(moves)}"
    else:
        title = f"{council}'s share of EHC plans in INMSS beside its region and England"
        words = "; the council has fewer than two years with a figure to draw"
    subtitle = (
        f"Share of EHC plans for children in independent or non-maintained special schools, "
        f"{labels[0]} to {labels[-1]}"
    )
    alt = (
        f"Line chart of the share of EHC plans in independent or non-maintained special schools "
        f"each January for {join_words(areas)}{words}."
    )
    return Chart(_fix_layout(figure), title, subtitle, alt, source, note)
