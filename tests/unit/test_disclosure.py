"""Disclosure control: small counts hidden, and never recoverable by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.disclosure import (
    pinned_cells,
    primary_mask,
    recoverable_cells,
    secondary_mask,
    small_base_mask,
    suppress,
)


def with_totals(inner: pd.DataFrame) -> pd.DataFrame:
    table = inner.copy()
    table["total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    return table


def test_zero_is_shown_and_small_counts_are_hidden():
    mask = primary_mask(pd.DataFrame({"a": [0, 1, 4, 5]}), threshold=5)
    assert mask["a"].tolist() == [False, True, True, False]


def test_threshold_is_a_parameter():
    assert primary_mask(pd.DataFrame({"a": [9]}), threshold=10)["a"].tolist() == [True]


def test_a_lone_hidden_cell_gets_a_complement_in_its_row_and_column():
    table = with_totals(pd.DataFrame({"DPS": [2, 40, 30], "Non": [9, 30, 20]}, index=list("xyz")))
    mask = suppress(table, counts=["DPS", "Non", "total"])
    assert mask.loc["x", "DPS"] and mask.loc["x", "Non"]
    assert not recoverable_cells(table[["DPS", "Non", "total"]], mask[["DPS", "Non", "total"]])
    assert not mask.loc["Total", "total"]


def test_complement_is_the_smallest_visible_inner_cell():
    table = with_totals(pd.DataFrame({"a": [3, 50, 12], "b": [20, 60, 70]}, index=list("xyz")))
    mask = secondary_mask(table, primary_mask(table))
    assert mask.loc["z", "a"] and not mask.loc["y", "a"]  # 12 is hidden, not 50
    assert mask.loc["x", "b"]  # the only inner cell left in row x


def test_derived_values_follow_their_count():
    table = with_totals(pd.DataFrame({"a": [3, 50], "b": [1, 60]}, index=list("xy")))
    table["pct"] = table["total"] / table.loc["Total", "total"] * 100
    mask = suppress(table, counts=["a", "b", "total"], derived={"pct": "total"})
    assert mask.loc["x", "pct"] == mask.loc["x", "total"]


def test_averages_over_fewer_than_threshold_children_are_hidden():
    table = pd.DataFrame({"placements": [4, 5], "avg": [1.0, 2.0]})
    assert small_base_mask(table, base="placements", columns=["avg"])["avg"].tolist() == [
        True,
        False,
    ]


def test_suppression_is_deterministic():
    table = with_totals(pd.DataFrame({"a": [3, 7, 7], "b": [7, 3, 7]}, index=list("xyz")))
    first = suppress(table, counts=["a", "b", "total"])
    second = suppress(table, counts=["a", "b", "total"])
    pd.testing.assert_frame_equal(first, second)


@settings(max_examples=150, deadline=None)
# small tables whose hidden cells all add up to a shown grand total: each 1 is pinned down
@example(cells=[[0, 1, 1], [1, 1, 1]])
@example(cells=[[0, 0, 1], [1, 1, 1], [1, 1, 1]])
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda rows: st.integers(min_value=1, max_value=4).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(min_value=0, max_value=30), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_no_hidden_cell_is_ever_alone_in_a_line(cells):
    inner = pd.DataFrame(np.array(cells), columns=[f"c{i}" for i in range(len(cells[0]))])
    table = with_totals(inner)
    counts = list(table.columns)
    mask = suppress(table, counts=counts)
    values = table[counts]
    assert not ((values > 0) & (values < 5) & ~mask).any().any(), "a small count is visible"
    assert recoverable_cells(values, mask) == []
    assert pinned_cells(values, mask) == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=2),
        min_size=3,
        max_size=8,
    )
)
def test_rows_grouped_as_another_table_s_subtotals_are_always_protected(cells):
    # the first three rows form a phase whose subtotal another table publishes (unless small)
    table = with_totals(pd.DataFrame(np.array(cells), columns=["a", "b"]))
    counts = ["a", "b", "total"]
    mask = suppress(table, counts=counts, row_groups=[[0, 1, 2]])
    values = table[counts]
    assert not ((values > 0) & (values < 5) & ~mask).any().any()
    assert recoverable_cells(values, mask, row_groups=[[0, 1, 2]]) == []
    assert pinned_cells(values, mask, row_groups=[[0, 1, 2]]) == []


def test_hidden_cells_that_together_hold_fewer_than_the_threshold_get_another_complement():
    # Two ethnic groups of one child each, both hidden: before this rule the total column
    # read 23 + [c] + [c] = 25, so both were 1, and the whole table unravelled from there.
    inner = pd.DataFrame(
        {"in_area": [8, 0, 1, 0], "out_of_area": [15, 1, 0, 0]},
        index=["White", "Asian", "Not known", "Mixed"],
    )
    table = with_totals(inner)
    values = table[["in_area", "out_of_area", "total"]]
    mask = suppress(table, counts=["in_area", "out_of_area", "total"])
    assert mask.loc["Asian", "total"] and mask.loc["Not known", "total"]
    assert mask.loc["White", "total"]  # the third cell that protects the pair
    assert recoverable_cells(values, mask) == []
    assert pinned_cells(values, mask) == []
    # the rule itself: hiding only the small cells and their row complements gives them away
    lone = primary_mask(values)
    lone.loc[["Asian", "Not known"], "total"] = True
    lone.loc["White", ["in_area", "out_of_area"]] = True
    # (each is 0, 1 or 2, so no single value is pinned, but the pair is known to be small)
    assert pinned_cells(values, lone) == []
    assert ("Asian", "total") in recoverable_cells(values, lone)


def test_rows_summed_in_another_table_are_protected_as_a_group():
    # years 1-2 form a phase whose subtotal another table publishes: hiding year 1 alone
    # would give it away (phase subtotal minus year 2), so year 2 is hidden with it
    inner = pd.DataFrame({"a": [3, 40, 12], "b": [9, 41, 30]}, index=[1, 2, 3])
    table = with_totals(inner)
    plain = suppress(table, counts=["a", "b", "total"])
    grouped = suppress(table, counts=["a", "b", "total"], row_groups=[[1, 2]])
    assert plain.loc[1, "a"] and not plain.loc[2, "a"]  # without the group: year 2 shown
    assert grouped.loc[1, "a"] and grouped.loc[2, "a"]
    values = table[["a", "b", "total"]]
    assert recoverable_cells(values, grouped, row_groups=[[1, 2]]) == []


def location_table() -> pd.DataFrame:
    table = pd.DataFrame({"n": [9.0, 2.0, 1.0, 13.0]}, index=["own", "a", "b", "elsewhere"])
    table.loc["Total"] = table["n"].sum()
    return table


def test_a_cell_another_table_shows_is_never_chosen_as_a_complement():
    table = location_table()
    plain = suppress(table, counts=["n"], total_col=None)
    assert plain["n"].tolist() == [True, True, True, False, False]  # 9 hides the pair's 3
    shown = pd.DataFrame(False, index=table.index, columns=table.columns)
    shown.loc["own", "n"] = True  # the headline prints the 9
    mask = suppress(table, counts=["n"], total_col=None, shown_elsewhere=shown)
    assert mask["n"].tolist() == [False, True, True, True, False]
    assert pinned_cells(table[["n"]], mask, total_col=None) == []


def test_a_cell_another_table_hides_is_hidden_here_with_a_complement():
    table = pd.DataFrame({"n": [9.0, 6.0, 7.0, 13.0]}, index=["own", "a", "b", "elsewhere"])
    table.loc["Total"] = table["n"].sum()
    assert not suppress(table, counts=["n"], total_col=None).to_numpy().any()
    hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
    hidden.loc["own", "n"] = True  # the regional comparison hides the 9
    mask = suppress(table, counts=["n"], total_col=None, hidden_elsewhere=hidden)
    assert mask["n"].tolist() == [True, True, False, False, False]  # 6, the smallest, with it
    assert recoverable_cells(table[["n"]], mask, total_col=None) == []


def test_a_cell_only_cells_shown_elsewhere_could_protect_is_refused_not_published():
    table = pd.DataFrame({"n": [9.0, 2.0]}, index=["own", "a"])
    table.loc["Total"] = table["n"].sum()
    shown = pd.DataFrame(True, index=table.index, columns=table.columns)
    with pytest.raises(ValueError, match="cannot hide"):
        suppress(table, counts=["n"], total_col=None, shown_elsewhere=shown)


def test_schools_published_beside_hidden_placements_are_floors_the_suppression_respects():
    # 2 DPS placements (hidden) and 40 Non-DPS (hidden as the complement) beside a shown
    # total of 42: alone, each hidden count is 0 to 42. But the schools column says 1 DPS
    # school and 38 Non-DPS schools, each with a placement, so DPS is 1 to 4: the total
    # must go too.
    table = pd.DataFrame(
        {"schools": [1, 38, 39], "placements": [2, 40, 42]}, index=["DPS", "Non-DPS", "Total"]
    )
    plain = suppress(table, counts=["placements"], total_col=None)
    assert plain["placements"].tolist() == [True, True, False]
    floored = suppress(
        table, counts=["placements"], total_col=None, floors={"placements": "schools"}
    )
    assert floored["placements"].tolist() == [True, True, True]
