"""Tests for pipeline.charts: what each chart draws and the words that go with it."""

from __future__ import annotations

import logging
import re
import warnings
from xml.etree import ElementTree

import matplotlib
import pandas as pd
import pytest
from afcharts.af_colours import get_af_colours
from matplotlib.colors import to_hex

from pipeline import charts, tables
from pipeline.present import fmt_gbp_m, fmt_pct
from tests.conftest import KENT

TWO = ["DPS", "Non-DPS"]
THREE = ["Lot 1", "Lot 2", "Off-framework"]
SOURCE = "Source: Kent County Council"
LABEL = "day placements, 30 June 2025"


def make_placements(categories: list[str] = TWO) -> pd.DataFrame:
    """20 day placements (and one residential) in 6 schools, 4 of them in Kent.

    Needs: ASD 10, SEMH 6, SLCN 3, MLD 1. Year groups 8 to 11, peaks in 9 and 10.
    The first category is the contracted one; Dartford only has schools in the last category.
    """
    first, last = categories[0], categories[-1]
    middle = categories[1] if len(categories) > 2 else first
    schools = [
        # urn, district, status, placements
        (1, "Thanet", first, 6),
        (2, "Thanet", last, 3),
        (3, "Dartford", last, 4),
        (4, "Maidstone", middle, 3),
        (5, "Out of area", first, 2),
        (6, "Out of area", last, 2),
    ]
    rows = []
    for urn, district, status, n in schools:
        rows += [(status, urn, district)] * n
    frame = pd.DataFrame(rows, columns=["framework_status", "school_urn", "school_district"])
    frame["primary_need"] = ["ASD"] * 10 + ["SEMH"] * 6 + ["SLCN"] * 3 + ["MLD"]
    frame["ncy"] = [8] * 3 + [9] * 7 + [10] * 7 + [11] * 3
    frame["annual_fee"] = 50_000.0
    frame["placement_type"] = "day"
    frame["pupil_id"] = [f"p{i}" for i in range(len(frame))]
    residential = frame.iloc[[0]].assign(placement_type="residential", pupil_id="r1", ncy=2)
    return pd.concat([frame, residential], ignore_index=True)


def day(categories: list[str] = TWO) -> pd.DataFrame:
    return tables.select_day_provision(make_placements(categories))


def make_spend(basis_2024: str = "net, before income") -> pd.DataFrame:
    raw = pd.DataFrame(
        {
            "financial_year": ["2017/18", "2018/19", "2019/20", "2020/21", "2024/25"],
            "spend_gbp": ["27911115", "34167515", "", "49244606", "88800000"],
            "basis": ["gross", "gross", "", "gross", basis_2024],
        }
    )
    return tables.build_spend_history(raw)


def need_chart(categories: list[str] = TWO) -> charts.Chart:
    profile = tables.build_need_profile(day(categories), categories=categories)
    return charts.plot_need_profile(profile, extract_label=LABEL, source=SOURCE)


def year_chart(categories: list[str] = TWO, peaks: list[int] | None = None) -> charts.Chart:
    profile = tables.build_ncy_profile(day(categories), categories=categories)
    peaks = tables.peak_year_groups(profile) if peaks is None else peaks
    return charts.plot_year_groups(
        profile, categories=categories, peaks=peaks, extract_label=LABEL, source=SOURCE
    )


def district_chart(categories: list[str] = TWO) -> charts.Chart:
    summary = tables.build_district_summary(
        day(categories), categories=categories, contracted=categories[:1], districts=KENT.districts
    )
    return charts.plot_districts(
        summary,
        categories=categories,
        contracted=categories[:1],
        extract_label=LABEL,
        source=SOURCE,
        council_name="Kent",
    )


def spend_chart(basis_2024: str = "net, before income") -> charts.Chart:
    return charts.plot_spend_history(make_spend(basis_2024), source=SOURCE)


def all_charts(categories: list[str] = TWO) -> list[charts.Chart]:
    return [
        spend_chart(),
        need_chart(categories),
        year_chart(categories),
        district_chart(categories),
    ]


def tick_texts(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("value", "expected"), [(52.5, "53%"), (12.5, "13%"), (0.5, "1%"), (51.49, "51%")]
)
def test_percentages_round_half_up(value, expected):
    assert fmt_pct(value) == expected


def test_money_is_millions_to_one_place_rounded_half_up():
    assert fmt_gbp_m(27.95e6) == "£28.0m"
    assert fmt_gbp_m(34.167515e6) == "£34.2m"


# --------------------------------------------------------------------------- spend history


def test_spend_year_without_figure_has_no_bar_and_is_explained():
    chart = spend_chart()
    ax = chart.figure.axes[0]
    centres = sorted(round(p.get_x() + p.get_width() / 2, 6) for p in ax.patches)
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert len(ax.patches) == 4
    assert 2.0 not in centres  # 2019/20, the third year, is a gap
    assert centres == [0.0, 1.0, 3.0, 4.0]
    assert heights == sorted(round(v, 6) for v in [27.911115, 34.167515, 49.244606, 88.8])
    assert "2019-20" in chart.note
    assert "no published figure" in chart.alt
    marker = [t.get_text() for t in ax.texts]
    assert any("published" in t for t in marker)


def test_spend_year_on_a_different_basis_is_hatched_and_noted():
    chart = spend_chart("net, before income")
    ax = chart.figure.axes[0]
    by_centre = {round(p.get_x() + p.get_width() / 2): p for p in ax.patches}
    assert by_centre[4].get_hatch()
    assert not any(by_centre[i].get_hatch() for i in (0, 1, 3))
    assert "net, before income" in chart.note
    assert "2024-25" in chart.note
    legend_labels = [t.get_text() for t in chart.figure.legends[0].get_texts()]
    assert legend_labels == ["Gross", "Net, before income"]


def test_spend_on_one_basis_has_no_hatching_or_legend():
    chart = spend_chart("gross")
    ax = chart.figure.axes[0]
    assert not any(p.get_hatch() for p in ax.patches)
    assert not chart.figure.legends
    assert "different basis" not in (chart.note or "")


def test_spend_bars_are_labelled_and_alt_gives_every_figure():
    chart = spend_chart()
    labels = [t.get_text() for t in chart.figure.axes[0].texts]
    for money in ("£27.9m", "£34.2m", "£49.2m", "£88.8m"):
        assert money in labels
        assert money in chart.alt
    # 2024-25 is on another basis: the title compares only the years on one basis
    assert chart.title == "Spend rose every year from 2017-18 to 2020-21, the years on one basis"
    assert chart.subtitle.endswith("2017-18 to 2024-25")
    assert spend_chart("gross").title == "Spend has grown every year with a published figure"
    assert chart.source == SOURCE


def test_spend_title_does_not_claim_growth_after_a_fall():
    raw = pd.DataFrame({"financial_year": ["2019/20", "2020/21", "2021/22"]})
    raw["spend_gbp"] = ["30000000", "20000000", "40000000"]
    chart = charts.plot_spend_history(tables.build_spend_history(raw), source=SOURCE)
    assert "grown every year" not in chart.title
    assert chart.note is None


# --------------------------------------------------------------------------- primary need


def test_need_chart_shows_shares_largest_first_and_alt_gives_them():
    chart = need_chart()
    ax = chart.figure.axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [50.0, 30.0, 15.0, 5.0]
    assert ax.yaxis_inverted()  # first (largest) bar at the top
    assert "(ASD)" in tick_texts(ax.yaxis)[0]
    assert [t.get_text() for t in ax.texts] == ["50%", "30%", "15%", "5%"]
    assert "20 placements" in chart.alt
    for words in ("(ASD) 50%", "(SEMH) 30%", "(SLCN) 15%", "(MLD) 5%"):
        assert words in chart.alt
    assert chart.title.startswith("Autistic spectrum disorder (ASD)")
    assert "50%" in chart.title
    assert LABEL in chart.subtitle
    assert to_hex(ax.patches[0].get_facecolor()) == "#12436d"


def test_need_shares_round_half_up_and_note_a_total_off_100():
    frame = pd.DataFrame({"primary_need": ["ASD"] * 7 + ["SEMH"], "framework_status": ["DPS"] * 8})
    profile = tables.build_need_profile(frame, categories=TWO)  # 87.5% and 12.5%
    chart = charts.plot_need_profile(profile, extract_label=LABEL, source=SOURCE)
    assert [t.get_text() for t in chart.figure.axes[0].texts] == ["88%", "13%"]
    assert "100%" in chart.note


def test_a_tiny_need_share_reads_under_one_percent_not_zero():
    frame = pd.DataFrame(
        {"primary_need": ["ASD"] * 300 + ["VI"], "framework_status": ["DPS"] * 301}
    )
    profile = tables.build_need_profile(frame, categories=TWO)
    chart = charts.plot_need_profile(profile, extract_label=LABEL, source=SOURCE)
    assert [t.get_text() for t in chart.figure.axes[0].texts] == ["100%", "<1%"]
    assert "<1%" in chart.note


# --------------------------------------------------------------------------- year groups


def test_year_group_title_names_the_peaks_passed():
    assert year_chart().title == "Years 9 and 10 have the most placements"
    assert year_chart(peaks=[10]).title == "Year 10 has the most placements"
    assert year_chart(peaks=[0, 1]).title == "Reception and Year 1 have the most placements"


def test_year_group_alt_gives_peak_counts_by_category():
    chart = year_chart()
    assert "20 placements" in chart.alt
    assert "Year 9 with 7 placements" in chart.alt
    assert "Year 10 with 7 placements" in chart.alt
    assert "DPS: " in chart.alt and "Non-DPS: " in chart.alt


def test_year_groups_drop_empty_years_at_either_end_and_group_categories():
    chart = year_chart()
    ax = chart.figure.axes[0]
    assert tick_texts(ax.xaxis) == ["8", "9", "10", "11"]
    assert ax.get_xlabel() == "National curriculum year"
    assert len(ax.patches) == 4 * len(TWO)
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == 20


def test_year_group_axis_uses_short_labels_for_early_years():
    frame = pd.DataFrame({"ncy": [-2, 0, 0, 3], "framework_status": ["DPS"] * 4})
    profile = tables.build_ncy_profile(frame, categories=TWO)
    chart = charts.plot_year_groups(
        profile, categories=TWO, peaks=[0], extract_label=LABEL, source=SOURCE
    )
    assert tick_texts(chart.figure.axes[0].xaxis) == ["N1", "N2", "R", "1", "2", "3"]
    assert chart.title == "Reception has the most placements"
    assert "Reception" in chart.note


# --------------------------------------------------------------------------- districts


def test_district_title_counts_districts_without_contracted_school():
    summary = tables.build_district_summary(
        day(), categories=TWO, contracted=["DPS"], districts=KENT.districts
    )
    without = tables.districts_without_contracted_school(summary)
    chart = district_chart()
    assert len(without) == 10  # only Thanet and Maidstone have a DPS school
    assert chart.title == f"{len(without)} of the 12 Kent districts have no contracted school"
    assert "Dartford" in chart.alt and "Thanet (DPS: 1, Non-DPS: 1)" in chart.alt


def test_districts_without_contracted_school_are_marked_on_the_axis():
    chart = district_chart()
    ax = chart.figure.axes[0]
    labels = tick_texts(ax.yaxis)
    assert len(labels) == len(KENT.districts)
    marked = [label.split("\n")[0] for label in labels if "no contracted school" in label]
    assert "Thanet" not in marked and "Dartford" in marked
    assert not any("Out of area" in label for label in labels)
    assert len(ax.patches) == len(KENT.districts) * len(TWO)
    assert "2 schools are outside Kent" in chart.note


def test_all_districts_with_contracted_schools_says_so():
    frame = pd.DataFrame(
        {
            "school_district": list(KENT.districts),
            "school_urn": range(len(KENT.districts)),
            "framework_status": ["DPS"] * len(KENT.districts),
        }
    )
    summary = tables.build_district_summary(
        frame, categories=TWO, contracted=["DPS"], districts=KENT.districts
    )
    chart = charts.plot_districts(
        summary,
        categories=TWO,
        contracted=["DPS"],
        extract_label=LABEL,
        source=SOURCE,
        council_name="Kent",
    )
    assert chart.title == "All 12 Kent districts have a contracted school"


# --------------------------------------------------------------------------- any categories


@pytest.mark.parametrize("categories", [TWO, THREE, ["A", "B", "C", "D"]])
def test_charts_work_with_two_to_four_categories(categories):
    year = year_chart(categories)
    district = district_chart(categories)
    palette = get_af_colours("categorical", number_of_colours=len(categories))
    for chart in (year, district):
        legend = chart.figure.legends[0]
        assert [t.get_text() for t in legend.get_texts()] == categories
        colours = [to_hex(h.get_facecolor()) for h in legend.legend_handles]
        assert colours == [c.lower() for c in palette]
    assert len(year.figure.axes[0].patches) == 4 * len(categories)
    assert need_chart(categories).title.startswith("Autistic spectrum disorder")


# --------------------------------------------------------------------------- output


def test_svg_is_identical_on_every_call_and_across_rebuilds():
    for make in (spend_chart, need_chart, year_chart, district_chart):
        first = make()
        svg = charts.to_svg(first)
        assert "<svg" in svg
        assert svg == charts.to_svg(first)
        assert svg == charts.to_svg(make())
        assert "<dc:date>" not in svg


def test_plotting_raises_no_warning_and_logs_none(caplog):
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        for chart in all_charts(THREE):
            charts.to_svg(chart)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_plotting_leaves_no_pyplot_figures_or_changed_settings():
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    open_before = plt.get_fignums()
    for chart in all_charts():
        charts.to_svg(chart)
    assert plt.get_fignums() == open_before
    after = dict(matplotlib.rcParams)
    changed = {k for k in before if before[k] != after[k]}
    assert not changed


def test_every_chart_carries_its_words():
    for chart in all_charts():
        assert isinstance(chart, charts.Chart)
        assert chart.title and chart.subtitle and chart.alt and chart.source == SOURCE
        assert chart.title in chart.alt
        assert chart.figure.get_size_inches()[0] == pytest.approx(8.0)
        # titles go in the HTML caption, not the image
        assert not chart.figure.get_suptitle()
        assert not chart.figure.axes[0].get_title()


def test_svgs_of_different_charts_share_no_ids_and_every_reference_resolves():
    svgs = [charts.to_svg(chart) for chart in all_charts()]
    id_sets = [set(re.findall(r'\bid="([^"]+)"', svg)) for svg in svgs]
    for i, ids in enumerate(id_sets):
        for other in id_sets[i + 1 :]:
            assert not ids & other
    for svg, ids in zip(svgs, id_sets, strict=True):
        references = set(re.findall(r'(?:xlink:href="#|url\(#)([^")]+)', svg))
        assert references and references <= ids


def test_svg_is_well_formed_xml_with_presentation_attributes_not_inline_css():
    # Inline CSS in an SVG set inside HTML makes WeasyPrint warn once per property.
    for chart in all_charts():
        svg = charts.to_svg(chart)
        root = ElementTree.fromstring(svg.encode("utf-8"))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert ' style="' not in svg and "<style" not in svg
        assert root.get("stroke-linecap") == "butt"


def test_charts_are_drawn_in_the_appendix_font_not_a_fallback():
    # a chart set in DejaVu Sans (matplotlib's fallback) is wider than the text beside it and
    # cut its long labels off in the PNGs; Liberation Sans comes with fonts-liberation, which
    # .ci/run installs
    import matplotlib
    from matplotlib import font_manager

    with charts.chart_style():
        family = matplotlib.rcParams["font.family"]
        path = font_manager.findfont(font_manager.FontProperties(family=family))
    assert "LiberationSans" in path.replace("-", ""), path
