"""The attacker's disclosure audit: hidden figures bounded by arithmetic on the published ones."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.audit import (
    AuditInconsistentError,
    Cell,
    Dimension,
    Group,
    Measure,
    Rules,
    TableSpec,
    Universe,
    audit,
    cells_from_tidy,
    count,
    mean,
    total,
    with_truth,
)
from tests.fixtures.audit_cases import (
    KENT_UNIVERSE,
    KENT_WEEKLY_COST,
    NEED_UNIVERSE,
    WEEKLY_COST,
    kent_weekly_cost_cells,
    need_cells,
)

SEX = Universe((Dimension("sex", ("F", "M")), Dimension("location", ("in", "out"))))


def shown(table: str, label: str, value: float, **key: str) -> Cell:
    return Cell(table, label, Group.of(key), value=value)


def hidden(table: str, label: str, truth: float | None = None, **key: str) -> Cell:
    return Cell(table, label, Group.of(key), status="hidden", true_value=truth)


def finding_for(result, label: str, kind: str | None = None):
    matches = [f for f in result.findings if f.cell == label and (kind is None or f.kind == kind)]
    assert matches, f"no {kind or ''} finding for {label!r}: {[f.message for f in result.findings]}"
    return matches[0]


# --------------------------------------------------------------------------------------------
# 1. The known leak in res-2021-kent
# --------------------------------------------------------------------------------------------


def test_kent_private_outside_kent_mean_is_recovered_to_a_few_pounds():
    result = audit(kent_weekly_cost_cells(), KENT_UNIVERSE)
    found = finding_for(result, "Private, Outside Kent", "narrow")
    assert found.statistic == "mean"
    # The hand arithmetic, (33 x 4649 - 29 x 4652) / 4, lies in the range, as does the truth.
    assert found.low <= (33 * 4649 - 29 * 4652) / 4 <= found.high
    assert found.low <= 4628 <= found.high
    assert found.high - found.low < 0.05 * 4628
    assert 4615 < found.low and found.high < 4640
    assert "weekly_cost_by_provider_type_kent: Private, Outside Kent" in found.message
    assert "£4,6" in found.message


def test_kent_private_outside_kent_count_of_four_is_pinned():
    result = audit(kent_weekly_cost_cells(), KENT_UNIVERSE)
    found = finding_for(result, "Private, Outside Kent (number of children behind the mean)")
    assert found.kind == "pinned" and found.low == found.high == 4
    assert "must be 4" in found.message
    assert "headline: Children placed outside Kent" in found.sources


def test_kent_hiding_the_outside_column_total_too_still_leaks():
    # The all-placements and in-Kent means of the Total row still give the outside sum.
    rows = list(KENT_WEEKLY_COST)
    rows[4] = ("Total", 4760, None, 4711, 75)
    result = audit(kent_weekly_cost_cells(tuple(rows)), KENT_UNIVERSE)
    assert finding_for(result, "Private, Outside Kent", "narrow")
    assert finding_for(result, "Total, Outside Kent", "narrow")


def test_kent_safe_variant_has_no_finding():
    # Not known's outside-Kent figures hidden as well: the private count is then anywhere
    # from 1 to 32, and its mean anywhere from about £4,000 to £4,800.
    rows = list(KENT_WEEKLY_COST)
    rows[3] = ("Not known", "x", None, None, None)
    result = audit(kent_weekly_cost_cells(tuple(rows)), KENT_UNIVERSE)
    assert result.findings == ()
    private = result.range_of(WEEKLY_COST, "Private, Outside Kent")
    assert private.contains(4628) and private.width > 0.05 * 4628


def test_the_leak_is_found_from_the_published_csv_itself():
    cells = cells_from_tidy(KENT_CSV, KENT_META, table=WEEKLY_COST, spec=KENT_SPEC)
    cells.append(shown("headline", "Children placed outside Kent", 33, location="out_of_area"))
    result = audit(cells, KENT_UNIVERSE)
    found = finding_for(result, "Private, Outside Kent", "narrow")
    assert found.low <= 4628 <= found.high and found.high - found.low < 20


# --------------------------------------------------------------------------------------------
# 2. 25-00065: DPS averages printed for needs whose DPS counts another table hides
# --------------------------------------------------------------------------------------------


def test_non_dps_mean_of_a_few_placements_narrows_to_a_few_candidates():
    result = audit(need_cells(), NEED_UNIVERSE)
    found = finding_for(result, "SLD, Non-DPS", "candidates")
    assert found.statistic == "mean"
    sld = next(r for r in result.ranges if r.cell.where == "average_cost_by_need_s25: SLD, Non-DPS")
    assert 1 < len(sld.candidates) <= 4
    truth = next(c for c in sld.candidates if c.count == 3)
    assert truth.low <= 79668 <= truth.high and truth.high - truth.low < 20
    assert all(c.high - c.low < 0.05 * 79668 for c in sld.candidates)
    assert "(for 2, 3 or 4 placements)" in found.message
    assert finding_for(result, "HI, Non-DPS", "candidates")


def test_without_the_dps_averages_the_non_dps_mean_is_safe():
    result = audit(need_cells(print_dps_means=False), NEED_UNIVERSE)
    assert [f for f in result.findings if f.statistic == "mean"] == []
    sld = next(r for r in result.ranges if r.cell.where == "average_cost_by_need_s25: SLD, Non-DPS")
    assert sld.contains(79668)


def test_a_shown_mean_tells_the_attacker_its_count_reaches_the_threshold():
    cells = [
        hidden("t", "F", 6, sex="F"),
        hidden("t", "M", 1, sex="M"),
        shown("t", "Total", 7),
        Cell("m", "F mean", Group.of(sex="F"), "mean", value=100, half_width=0.5, measure="c"),
    ]
    noted = audit(cells, SEX).range_of("t", "M")
    naive = audit(cells, SEX, rules=Rules()).range_of("t", "M")
    assert (noted.low, noted.high) == (0, 2)
    assert (naive.low, naive.high) == (0, 6)


def test_a_true_value_outside_its_range_exposes_a_false_assumption():
    # Declared per-child costs of at most 100 are false for a child costing 250.
    universe = Universe(
        (Dimension("sex", ("F", "M")),), measures={"c": Measure(lower=0.0, upper=100.0)}
    )
    cells = [
        shown("t", "F", 1, sex="F"),
        Cell("m", "F", Group.of(sex="F"), "mean", status="hidden", measure="c", true_value=250),
    ]
    with pytest.raises(AuditInconsistentError, match="assumptions"):
        audit(cells, universe)


def test_a_rule_the_tables_break_is_reported_not_trusted():
    # A mean hidden as a complement over 8 children contradicts "hidden means are small".
    cells = [
        shown("t", "Total", 9),
        shown("t", "M", 1, sex="M"),
        Cell("m", "F", Group.of(sex="F"), "mean", status="hidden", measure="c"),
    ]
    with pytest.raises(AuditInconsistentError, match="contradict"):
        audit(cells, SEX, rules=Rules(hidden_mean_max_count=4))
    assert audit(cells, SEX).range_of("m", "F").cell.label == "F"


# --------------------------------------------------------------------------------------------
# 3. Soundness and the lone hidden cell, on random tables
# --------------------------------------------------------------------------------------------

ROWS, COLUMNS = ("r1", "r2", "r3", "r4"), ("c1", "c2", "c3", "c4")


@st.composite
def hidden_tables(draw):
    n_rows = draw(st.integers(2, 4))
    n_cols = draw(st.integers(2, 4))
    values = {(r, c): draw(st.integers(0, 12)) for r in ROWS[:n_rows] for c in COLUMNS[:n_cols]}
    keys = [(r, c) for r, c in values] + [(r, None) for r in ROWS[:n_rows]]
    keys += [(None, c) for c in COLUMNS[:n_cols]] + [(None, None)]
    hide = draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
    return n_rows, n_cols, values, dict(zip(keys, hide, strict=True))


def table_cells(n_rows, n_cols, values, hide):
    universe = Universe(
        (Dimension("row", ROWS[:n_rows]), Dimension("col", COLUMNS[:n_cols])),
    )
    cells = []
    for (r, c), is_hidden in hide.items():
        truth = sum(v for (vr, vc), v in values.items() if r in (None, vr) and c in (None, vc))
        key = {k: v for k, v in (("row", r), ("col", c)) if v is not None}
        label = f"{r or 'Total'}, {c or 'Total'}"
        cells.append(
            Cell(
                "t",
                label,
                Group.of(key),
                status="hidden" if is_hidden else "shown",
                value=None if is_hidden else truth,
                true_value=truth,
            )
        )
    return universe, cells


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hidden_tables())
def test_bounds_always_contain_the_true_counts(table):
    universe, cells = table_cells(*table)
    result = audit(cells, universe)
    assert result.hidden_cells == sum(c.status == "hidden" for c in cells)
    for found in result.ranges:
        assert found.contains(found.cell.true_value), found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hidden_tables())
def test_a_lone_hidden_cell_in_a_line_with_its_total_is_pinned(table):
    n_rows, n_cols, values, hide = table
    universe, cells = table_cells(*table)
    result = audit(cells, universe)
    pinned = {f.cell for f in result.findings if f.kind == "pinned"}
    lines = [[(r, c) for c in (*COLUMNS[:n_cols], None)] for r in (*ROWS[:n_rows], None)]
    lines += [[(r, c) for r in (*ROWS[:n_rows], None)] for c in (*COLUMNS[:n_cols], None)]
    for line in lines:
        hidden_keys = [key for key in line if hide[key]]
        if len(hidden_keys) == 1:
            r, c = hidden_keys[0]
            assert f"{r or 'Total'}, {c or 'Total'}" in pinned


@st.composite
def costed_rows(draw):
    """Children with whole-pound costs in 2 to 4 rows; counts and means published as usual."""
    rows = {}
    for name in ROWS[: draw(st.integers(2, 4))]:
        rows[name] = draw(st.lists(st.integers(100, 900), min_size=0, max_size=9))
    return rows


def costed_cells(rows, threshold=5):
    cells = []
    everyone = [cost for costs in rows.values() for cost in costs]
    for name, costs in [*rows.items(), ("Total", everyone)]:
        key = {} if name == "Total" else {"row": name}
        small = 0 < len(costs) < threshold
        cells.append(
            Cell(
                "t",
                f"{name}, count",
                Group.of(key),
                status="hidden" if small else "shown",
                value=None if small else len(costs),
                true_value=len(costs),
            )
        )
        truth = sum(costs) / len(costs) if costs else None
        status = "empty" if not costs else "hidden" if small else "shown"
        cells.append(
            Cell(
                "t",
                f"{name}, mean",
                Group.of(key),
                "mean",
                status=status,
                value=round(truth) if status == "shown" else None,
                half_width=0.5,
                measure="cost",
                true_value=truth,
            )
        )
    return cells


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(costed_rows())
def test_bounds_always_contain_the_true_means(rows):
    cells = costed_cells(rows)
    universe = Universe((Dimension("row", tuple(rows)),))
    result = audit(cells, universe)
    for found in result.ranges:
        assert found.contains(found.cell.true_value), found
        for candidate in found.candidates:
            assert candidate.low <= candidate.high


@st.composite
def costed_grids(draw):
    """Children with costs in a 3 x 2 grid (provider by location), some cells empty."""
    sizes = st.sampled_from([0, 0, 1, 2, 3, 4, 6, 9, 15])
    return {
        (provider, place): draw(st.lists(st.integers(3000, 6000), min_size=n, max_size=n))
        for provider in ("a", "b", "c")
        for place in ("in", "out")
        for n in [draw(sizes)]
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(costed_grids())
def test_bounds_contain_the_truth_in_a_weekly_cost_style_table(grid):
    # Counts by provider and by location; a mean for every cell, margin and the total.
    cells = []
    for provider, place in itertools.product(("a", "b", "c", None), ("in", "out", None)):
        costs = [
            cost
            for (p, q), values in grid.items()
            if provider in (None, p) and place in (None, q)
            for cost in values
        ]
        key = {k: v for k, v in (("p", provider), ("l", place)) if v is not None}
        n, small = len(costs), 0 < len(costs) < 5
        if provider is None or place is None:
            status = "hidden" if small else "shown"
            value = None if small else n
            cells.append(
                Cell("t", f"{key} n", Group.of(key), status=status, value=value, true_value=n)
            )
        truth = sum(costs) / n if n else None
        status = "empty" if not n else "hidden" if small else "shown"
        value = round(truth) if status == "shown" else None
        cells.append(
            Cell(
                "t",
                f"{key} mean",
                Group.of(key),
                "mean",
                status=status,
                value=value,
                half_width=0.5,
                measure="cost",
                true_value=truth,
            )
        )
    universe = Universe((Dimension("p", ("a", "b", "c")), Dimension("l", ("in", "out"))))
    result = audit(cells, universe)
    for found in result.ranges:
        assert found.contains(found.cell.true_value), found


def test_two_small_rows_beside_a_shown_total_give_each_mean_away_when_one_is_shown():
    rows = {"r1": [2000, 3000], "r2": [1000] * 6, "r3": [4000] * 7}
    result = audit(costed_cells(rows), Universe((Dimension("row", tuple(rows)),)))
    found = finding_for(result, "r1, mean", "narrow")
    assert found.low <= 2500 <= found.high
    assert finding_for(result, "r1, count", "pinned").low == 2


# --------------------------------------------------------------------------------------------
# 4. Identities across tables, and x as a known zero
# --------------------------------------------------------------------------------------------


def test_a_group_shown_in_another_table_pins_a_hidden_cell():
    by_location = [
        hidden("a", "F, in", 3, sex="F", location="in"),
        shown("a", "F, out", 9, sex="F", location="out"),
        hidden("a", "F, total", 12, sex="F"),
        shown("a", "M, in", 20, sex="M", location="in"),
        shown("a", "M, out", 18, sex="M", location="out"),
    ]
    alone = audit(by_location, SEX)
    assert not [f for f in alone.findings if f.cell == "F, in"]
    other_table = [shown("b", "Female", 12, sex="F")]
    result = audit(by_location + other_table, SEX)
    found = finding_for(result, "F, in", "pinned")
    assert found.low == 3 and "b: Female" in found.sources


def test_identities_are_derived_along_every_declared_dimension():
    cells = [
        hidden("a", "F, in", 3, sex="F", location="in"),
        shown("a", "F, out", 9, sex="F", location="out"),
        shown("b", "In", 23, location="in"),
        shown("b", "Male, in", 20, sex="M", location="in"),
    ]
    assert finding_for(audit(cells, SEX), "F, in", "pinned").low == 3


def test_an_undeclared_dimension_gives_no_identity():
    cells = [
        hidden("a", "F, in", 3, sex="F", location="in"),
        shown("b", "In", 23, location="in"),
        shown("b", "Male, in", 20, sex="M", location="in"),
    ]
    only_location = Universe((Dimension("location", ("in", "out")),))
    found = audit(cells, only_location).range_of("a", "F, in")
    assert found.low == 0 and found.high == float("inf")


def test_x_is_a_known_zero_that_pins_the_other_hidden_cell():
    cells = [
        hidden("t", "F, in", 3, sex="F", location="in"),
        Cell("t", "F, out", Group.of(sex="F", location="out"), status="empty"),
        shown("t", "F", 3, sex="F"),
    ]
    found = finding_for(audit(cells, SEX), "F, in", "pinned")
    assert found.low == 3 and "t: F, out" in found.sources
    # Read as "not available" instead, x constrains nothing.
    unknown = [c for c in cells if c.status != "empty"]
    assert audit(unknown, SEX).range_of("t", "F, in").low == 0


def test_an_x_mean_means_no_children_and_no_sum():
    cells = [
        hidden("t", "F", 2, sex="F"),
        shown("t", "Total", 10),
        Cell("m", "M, out", Group.of(sex="M", location="out"), "mean", status="empty", measure="c"),
        shown("t", "M, in", 8, sex="M", location="in"),
    ]
    assert finding_for(audit(cells, SEX), "F", "pinned").low == 2


def test_a_refining_dimension_links_the_finer_and_the_coarser_tables():
    universe = Universe(
        (
            Dimension("location", ("in_area", "out_of_area")),
            Dimension.refining(
                "placed_in", "location", {"in_area": ["Kent"], "out_of_area": ["Medway", "Other"]}
            ),
        )
    )
    place = [
        shown("place", "Kent", 42, placed_in="Kent"),
        hidden("place", "Medway", 3, placed_in="Medway"),
        shown("place", "Other", 30, placed_in="Other"),
        hidden("place", "Total", 75),
    ]
    assert audit(place, universe).range_of("place", "Medway").high == float("inf")
    headline = [shown("headline", "Children outside Kent", 33, location="out_of_area")]
    result = audit(place + headline, universe)
    assert finding_for(result, "Medway", "pinned").low == 3
    assert finding_for(result, "Total", "pinned").low == 75


def test_contradicting_figures_are_an_error_naming_the_cells():
    cells = [shown("a", "F", 3, sex="F"), shown("b", "Female", 4, sex="F")]
    with pytest.raises(AuditInconsistentError, match="a: F"):
        audit(cells, SEX)


def test_an_undeclared_value_of_a_declared_dimension_is_an_error():
    with pytest.raises(ValueError, match="not a declared value"):
        audit([shown("a", "X", 3, sex="X")], SEX)


def test_a_hidden_sum_is_recovered_from_shown_sums():
    spend = [
        Cell("s", "DPS", Group.of(sex="F"), "sum", value=46.9e6, half_width=0.05e6, measure="c"),
        Cell("s", "Non", Group.of(sex="M"), "sum", status="hidden", measure="c", true_value=36.3e6),
        Cell("s", "All", Group.of(), "sum", value=83.2e6, half_width=0.05e6, measure="c"),
    ]
    found = finding_for(audit(spend, SEX), "Non", "narrow")
    assert found.low <= 36.3e6 <= found.high


def test_share_of_a_total_bounds_a_hidden_count():
    cells = [
        hidden("t", "F", 3, sex="F"),
        shown("t", "Total", 75),
        Cell(
            "t",
            "F share",
            Group.of(sex="F"),
            "share",
            value=4.0,
            half_width=0.05,
            denominator=Group.of(),
        ),
    ]
    assert finding_for(audit(cells, SEX), "F", "pinned").low == 3


def test_result_reports_how_many_cells_were_hidden_and_the_narrowest_range():
    result = audit(kent_weekly_cost_cells(), KENT_UNIVERSE)
    assert result.hidden_cells == 7
    assert result.narrowest_count_range == 6
    # told that a [c] mean has a child, the attacker narrows a count further
    told = audit(kent_weekly_cost_cells(), KENT_UNIVERSE, rules=Rules(mean_needs_children=True))
    assert told.narrowest_count_range == 4
    assert 0 < result.narrowest_mean_range_pct < 1
    assert result.solves > 0


# --------------------------------------------------------------------------------------------
# The tidy adapter
# --------------------------------------------------------------------------------------------

KENT_CSV = """\
time_period,la_name,provider_type,mean_weekly_cost_in_area,mean_weekly_cost_out_of_area,\
mean_weekly_cost_all,children
2021,Kent,Private,4831,c,4811,40
2021,Kent,Voluntary,c,x,c,c
2021,Kent,Local authority,c,x,c,c
2021,Kent,Not known,x,4652,4652,29
2021,Kent,Total,4760,4649,4711,75
"""

KENT_META = """\
col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint
provider_type,Filter,Provider type,,,,
mean_weekly_cost_in_area,Indicator,In Kent,,£,0,
mean_weekly_cost_out_of_area,Indicator,Outside Kent,,£,0,
mean_weekly_cost_all,Indicator,All placements,,£,0,
children,Indicator,Children,,,0,
"""

KENT_SPEC = TableSpec(
    {
        "mean_weekly_cost_in_area": mean("weekly_cost", location="in_area"),
        "mean_weekly_cost_out_of_area": mean("weekly_cost", location="out_of_area"),
        "mean_weekly_cost_all": mean("weekly_cost"),
        "children": count(),
    }
)


def test_tidy_cells_carry_groups_rounding_and_symbols():
    cells = cells_from_tidy(KENT_CSV, KENT_META, table=WEEKLY_COST, spec=KENT_SPEC)
    assert len(cells) == 20
    by_label = {c.label: c for c in cells}
    private_out = by_label["Private, Outside Kent"]
    assert private_out.status == "hidden" and private_out.statistic == "mean"
    assert private_out.group == Group.of(provider_type="Private", location="out_of_area")
    assert private_out.half_width == 0.5 and private_out.unit == "£"
    assert by_label["Voluntary, Outside Kent"].status == "empty"
    total_all = by_label["Total, All placements"]
    assert total_all.group == Group.of() and total_all.value == 4711
    children = by_label["Not known, Children"]
    assert children.statistic == "count" and children.half_width == 0 and children.value == 29


def test_tidy_values_are_renamed_and_fixed_dimensions_added():
    spec = TableSpec(
        {"children": count(), "spend": total("cost", scale=1e6)},
        dimensions={"place": "location"},
        values={"place": {"In Kent": "in"}},
        fixed={"period": "fy"},
    )
    data = "place,children,spend\nIn Kent,5,1.2\nTotal,9,x\n"
    meta = (
        "col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp\n"
        "place,Filter,Place,,,\nchildren,Indicator,Children,,,0\nspend,Indicator,Spend,,£m,1\n"
    )
    cells = cells_from_tidy(data, meta, table="t", spec=spec)
    assert [c.group for c in cells] == [
        Group.of(location="in", period="fy"),
        Group.of(location="in", period="fy"),
        Group.of(period="fy"),
    ]
    spend = cells[1]
    assert spend.value == pytest.approx(1.2e6) and spend.half_width == pytest.approx(0.05e6)


def test_tidy_spec_naming_a_missing_column_is_an_error():
    spec = TableSpec({"pupils": count()})
    with pytest.raises(ValueError, match="pupils"):
        cells_from_tidy(KENT_CSV, KENT_META, table=WEEKLY_COST, spec=spec)


def test_true_values_come_from_the_unsuppressed_table():
    unsuppressed = KENT_CSV.replace("Private,4831,c,", "Private,4831,4628,")
    truth = cells_from_tidy(unsuppressed, KENT_META, table=WEEKLY_COST, spec=KENT_SPEC)
    cells = cells_from_tidy(KENT_CSV, KENT_META, table=WEEKLY_COST, spec=KENT_SPEC)
    merged = with_truth(cells, truth)
    private_out = next(c for c in merged if c.label == "Private, Outside Kent")
    assert private_out.true_value == 4628
    assert all(c.true_value is None for c in merged if c.status == "shown")


def test_groups_are_keys_whatever_the_order_of_their_dimensions():
    a = Group.of(sex="F", location="in")
    b = Group.of({"location": "in"}, sex="F")
    assert a == b and hash(a) == hash(b)
    assert a.within(Group.of(sex="F")) and not Group.of(sex="F").within(a)
    with pytest.raises(ValueError):
        Group((("sex", "F"), ("sex", "M")))


def test_a_refinement_must_split_every_value_of_its_parent():
    with pytest.raises(ValueError, match="split every value"):
        Universe(
            (
                Dimension("location", ("in", "out")),
                Dimension.refining("placed_in", "location", {"in": ["Kent"]}),
            )
        )


@pytest.mark.parametrize(("threshold", "expected"), [(5, "small"), (3, None)])
def test_a_range_within_one_to_threshold_minus_one_is_small(threshold, expected):
    cells = [
        hidden("t", "F", 2, sex="F"),
        hidden("t", "M", 2, sex="M"),
        shown("t", "Total", 4),
        Cell("m", "F mean", Group.of(sex="F"), "mean", status="hidden", measure="c"),
        Cell("m", "M mean", Group.of(sex="M"), "mean", status="hidden", measure="c"),
    ]
    rules = Rules(mean_needs_children=True)  # each [c] mean says its group has a child
    result = audit(cells, SEX, threshold=threshold, rules=rules)
    kinds = {f.kind for f in result.findings if f.cell == "F"}
    assert kinds == ({expected} if expected else set())


def test_a_hidden_mean_says_nothing_of_its_count_under_this_projects_rules():
    # This project hides the mean of every hidden count, a zero one too: F holds no child
    # yet its mean prints [c] beside the hidden count, so [c] cannot mean "at least one".
    cells = [
        hidden("t", "F", 0, sex="F"),
        hidden("t", "M", 4, sex="M"),
        shown("t", "Total", 4),
        Cell("m", "F mean", Group.of(sex="F"), "mean", status="hidden", measure="c"),
        Cell("m", "M mean", Group.of(sex="M"), "mean", status="hidden", measure="c"),
    ]
    found = audit(cells, SEX).range_of("t", "M")
    assert (found.low, found.high) == (0, 4)
    with pytest.raises(AuditInconsistentError):
        audit(cells, SEX, rules=Rules(mean_needs_children=True))


def test_kent_ranges_contain_every_true_value():
    result = audit(kent_weekly_cost_cells(), KENT_UNIVERSE)
    checked = [r for r in result.ranges if r.cell.true_value is not None]
    assert len(checked) == 7
    assert all(r.contains(r.cell.true_value) for r in checked)


def test_counts_are_whole_numbers_so_shares_allow_only_some_totals():
    # Shares of 50%, 33.3% and 16.7% of at most 11 children: only 6 (or no) children fit,
    # so the first group holds at most 3, although fractions would allow 5.5.
    universe = Universe((Dimension("sex", ("F", "M", "O")), Dimension("location", ("in", "out"))))
    in_area = Group.of(location="in")
    cells = [shown("t", "Total", 11), hidden("t", "In", 6, location="in")]
    for sex, pct, truth in (("F", 50.0, 3), ("M", 33.3, 2), ("O", 16.7, 1)):
        cells.append(hidden("t", f"{sex}, in", truth, sex=sex, location="in"))
        cells.append(
            Cell(
                "t",
                f"{sex}, in, share",
                Group.of(sex=sex, location="in"),
                "share",
                value=pct,
                half_width=0.05,
                denominator=in_area,
            )
        )
    result = audit(cells, universe)
    assert (result.range_of("t", "F, in").low, result.range_of("t", "F, in").high) == (0, 3)
    assert result.range_of("t", "In").high == 6


def test_a_group_known_to_be_empty_holds_no_cost_though_its_mean_is_not_published():
    universe = Universe((Dimension("provider", ("A", "B", "D")),))

    def cost(label, key, value=None):
        status = "shown" if value is not None else "hidden"
        return Cell(
            "m",
            label,
            Group.of(key),
            "mean",
            status=status,
            value=value,
            half_width=0.5,
            measure="cost",
            true_value=None if value else 2500,
        )

    cells = [
        hidden("n", "A", 2, provider="A"),
        shown("n", "B", 13, provider="B"),
        shown("n", "D", 0, provider="D"),
        shown("n", "Total", 15),
        cost("A mean", {"provider": "A"}),
        cost("B mean", {"provider": "B"}, 1000),
        cost("Total mean", {}, 1200),
    ]
    found = finding_for(audit(cells, universe), "A mean", "narrow")
    # (15 x 1200 - 13 x 1000) / 2 = 2500, to within the rounding of the two means.
    assert found.low <= 2500 <= found.high and found.high - found.low < 20


def test_schools_beside_hidden_placements_bound_them_from_below():
    # F and M hidden beside a total of 6; 2 and 3 schools (each with a placement) say F >= 2
    # and M >= 3, so F is 2 or 3: within 1 to 4
    cells = [
        hidden("t", "F", 3, sex="F"),
        hidden("t", "M", 3, sex="M"),
        shown("t", "Total", 6),
        Cell("t", "F schools", Group.of(sex="F"), "floor", value=2),
        Cell("t", "M schools", Group.of(sex="M"), "floor", value=3),
    ]
    found = audit(cells, SEX).range_of("t", "F")
    assert (found.low, found.high) == (2, 3)
    assert finding_for(audit(cells, SEX), "F", "small")
    assert (audit(cells[:3], SEX).range_of("t", "F").low) == 0
