"""Property tests: small tables suppressed by the project's own rules give nothing away.

Hypothesis generates small tables of children (2 to 4 rows by 2 or 3 categories, most cells
holding 1 to 4 children, some none), suppresses them with ``disclosure.suppress`` (counts)
and ``disclosure.suppress_means`` (means beside their counts), publishes what the mask lets
through (counts exactly, means rounded to the pound, a mean over no children as ``x``) and
asks the attacker's audit (``pipeline.audit.audit``, given the true values only to judge a
range) what it can recover. The suppression rules and the audit are independent code (only
``suppress_means`` consults the audit, as a last check of the means it lets through), so any
finding is a leak in the suppression (or a bug in the audit) that the sample appendices do
not exercise.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline import disclosure, tables
from pipeline.audit import Cell, Dimension, Group, Measure, Universe, audit

THRESHOLD = 5
ROWS = ("r1", "r2", "r3", "r4")
CATEGORIES = ("A", "B", "C")
TOTAL = tables.TOTAL  # the total row: "Total"
MEASURE = "fee"

#: Cell sizes: mostly 1 to 4 children (hidden by the primary rule), some none, some safe.
SIZES = st.sampled_from([0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12])
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    # the same examples on every run: a leak found once is an @example below, never a
    # coin toss between CI runs
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def describe(published: list[Cell], result) -> str:
    """The published table and the audit's findings, for a failure message."""
    lines = [
        f"  {c.table}: {c.label} = "
        + (
            f"{c.value:g}"
            if c.status == "shown"
            else "x"
            if c.status == "empty"
            else f"[c] (true {c.true_value})"
        )
        for c in published
    ]
    found = [f"  FINDING {f.kind}: {f.message}" for f in result.findings]
    return "\n".join(["published:", *lines, "findings:", *found])


# --------------------------------------------------------------------------------------------
# Strategies: children, each with a row, a category and a fee
# --------------------------------------------------------------------------------------------


@st.composite
def grids(draw) -> dict[tuple[str, str], int]:
    """How many children in each (row, category) cell of a 2-4 by 2-3 table."""
    rows = ROWS[: draw(st.integers(2, 4))]
    cats = CATEGORIES[: draw(st.integers(2, 3))]
    return {(r, c): draw(SIZES) for r in rows for c in cats}


@st.composite
def costed(draw) -> dict[tuple[str, str], list[int]]:
    """Each (row, category) cell's children as a list of whole-pound annual fees."""
    grid = draw(grids())
    fees = st.integers(20_000, 120_000)
    return {cell: draw(st.lists(fees, min_size=n, max_size=n)) for cell, n in grid.items()}


def shape(grid: dict) -> tuple[list[str], list[str]]:
    rows = sorted({r for r, _ in grid})
    cats = sorted({c for _, c in grid})
    return rows, cats


# --------------------------------------------------------------------------------------------
# Tables of counts: disclosure.suppress
# --------------------------------------------------------------------------------------------


def count_table(grid: dict[tuple[str, str], int]) -> pd.DataFrame:
    """Rows by categories with a ``total`` column and a ``Total`` row (the profile layout)."""
    rows, cats = shape(grid)
    frame = pd.DataFrame(
        [[grid[(r, c)] for c in cats] for r in rows], index=rows, columns=cats, dtype=int
    )
    frame["total"] = frame.sum(axis=1)
    frame.loc[TOTAL] = frame.sum()
    return frame


def count_cells(
    table: pd.DataFrame, mask: pd.DataFrame, *, name: str, dim: str, row_dim: str = "row"
) -> list[Cell]:
    """The published counts of a profile-style table: exact when shown, ``c`` when hidden.

    Rows are the ``row_dim`` dimension, columns ``dim`` (``Total`` and ``total`` mean all).
    """
    cells = []
    for row in table.index:
        for col in table.columns:
            key = {} if row == TOTAL else {row_dim: row}
            if col != "total":
                key[dim] = col
            n = float(table.loc[row, col])
            label = f"{row}, {col}"
            if mask.loc[row, col]:
                cells.append(Cell(name, label, Group.of(key), status="hidden", true_value=n))
            else:
                cells.append(Cell(name, label, Group.of(key), value=n))
    return cells


def grid_universe(rows, cats, *, dim: str = "category") -> Universe:
    return Universe(
        (Dimension("row", tuple(rows)), Dimension(dim, tuple(cats))),
        measures={MEASURE: Measure(lower=0.0)},
    )


COMBINED_LINES_LEAK = (
    "the leak this example showed (fixed): secondary suppression checked the lines taken "
    "together by propagating bounds cell by cell, which missed cells a linear combination "
    "of lines pins. In {r1: 0, 2, 0; r2: 1, 6, 5; r3: 0, 4, 1} it hid r1/B, r1/total, r2/A, "
    "r2/C, r3/B, r3/C, r3/total, Total/A and Total/C, yet Total/A + r2/C = 6 (row r2) and "
    "Total/A + Total/C = 7 (the grand total) gave r3/C = 1. The lines are now checked "
    "exactly, by integer programs (disclosure._pinned)."
)
PINNED_BY_COMBINATION = {
    ("r1", "A"): 0, ("r1", "B"): 2, ("r1", "C"): 0,
    ("r2", "A"): 1, ("r2", "B"): 6, ("r2", "C"): 5,
    ("r3", "A"): 0, ("r3", "B"): 4, ("r3", "C"): 1,
}  # fmt: skip


@SETTINGS
@given(grids())
@example(PINNED_BY_COMBINATION).via("minimal leak, see COMBINED_LINES_LEAK")
@example({("r1", "A"): 2, ("r1", "B"): 3, ("r2", "A"): 30, ("r2", "B"): 40}).via("issue 13")
@example({("r1", "A"): 1, ("r1", "B"): 1, ("r2", "A"): 1, ("r2", "B"): 1}).via("all ones")
@example({("r1", "A"): 0, ("r1", "B"): 4, ("r2", "A"): 0, ("r2", "B"): 9}).via("zero column")
def test_suppressed_counts_give_no_hidden_count_away(grid):
    table = count_table(grid)
    rows, cats = shape(grid)
    mask = disclosure.suppress(table, counts=[*cats, "total"], threshold=THRESHOLD)
    # no count from 1 to 4 is ever printed
    shown = table[~mask]
    assert not ((shown > 0) & (shown < THRESHOLD)).any().any(), table
    published = count_cells(table, mask, name="counts", dim="category")
    result = audit(published, grid_universe(rows, cats), threshold=THRESHOLD)
    assert result.findings == (), describe(published, result)


# --------------------------------------------------------------------------------------------
# Tables of means beside their counts: disclosure.suppress_means
# --------------------------------------------------------------------------------------------


def placements(fees: dict[tuple[str, str], list[int]]) -> pd.DataFrame:
    """One row per child: ``row``, ``framework_status`` (the category) and ``annual_fee``."""
    out = [
        {"row": r, "framework_status": c, "annual_fee": float(fee)}
        for (r, c), values in fees.items()
        for fee in values
    ]
    return pd.DataFrame(out, columns=["row", "framework_status", "annual_fee"])


def cost_table(fees: dict[tuple[str, str], list[int]]) -> pd.DataFrame:
    """The ``avg_<cat>``/``n_<cat>`` layout ``suppress_means`` takes, from the real builder.

    Every row is kept (``build_cost_by`` drops rows with no children; a row of zeros is
    added back so that the table always lists every row of the universe).
    """
    rows, cats = shape(fees)
    frame = placements(fees)
    table = tables.build_cost_by(frame, by="row", categories=cats, order=rows)
    missing = [r for r in rows if r not in table.index]
    if missing:
        empty = pd.DataFrame(
            {
                column: [0 if column.startswith("n_") else float("nan")] * len(missing)
                for column in table.columns
            },
            index=missing,
        )
        table = pd.concat([table.drop(index=TOTAL), empty, table.loc[[TOTAL]]])
        table = table.loc[[*rows, TOTAL]]
    return table


def mean_cells(
    table: pd.DataFrame,
    mask: pd.DataFrame,
    cats: list[str],
    *,
    name: str = "cost",
    counts: bool = True,
) -> list[Cell]:
    """The published cells of a cost table: each mean to the pound (``x`` over nobody) and,
    with ``counts``, the number of children beside it (exact, or ``c``)."""
    cells = []
    for row in table.index:
        base = {} if row == TOTAL else {"row": row}
        for cat in [*cats, "total"]:
            key = dict(base, **({"category": cat} if cat != "total" else {}))
            group = Group.of(key)
            n = float(table.loc[row, f"n_{cat}"])
            value = table.loc[row, f"avg_{cat}"]
            common = dict(statistic="mean", measure=MEASURE, half_width=0.5, unit="£")
            label = f"{row}, {cat}"
            # as the appendix prints: [c] wherever the mask hides, x over no children else
            if mask.loc[row, f"avg_{cat}"]:
                cells.append(
                    Cell(
                        name,
                        f"{label}, mean",
                        group,
                        status="hidden",
                        true_value=float(value) if n else None,  # no mean over nobody
                        **common,
                    )
                )
            elif n == 0:
                cells.append(Cell(name, f"{label}, mean", group, status="empty", **common))
            else:
                cells.append(Cell(name, f"{label}, mean", group, value=round(value), **common))
            if not counts:
                continue
            if mask.loc[row, f"n_{cat}"]:
                cells.append(Cell(name, f"{label}, children", group, status="hidden", true_value=n))
            else:
                cells.append(Cell(name, f"{label}, children", group, value=n))
    return cells


#: The smallest table hypothesis found whose suppressed means and counts give counts away.
#: Children: r1/B 1, r2/A 1, r2/B 4 (r1/A none), all at £20,000.
EMPTY_BESIDE_HIDDEN = {
    ("r1", "A"): [],
    ("r1", "B"): [20_000],
    ("r2", "A"): [20_000],
    ("r2", "B"): [20_000] * 4,
}
NONZERO_LEAK = (
    "the leak this example showed (fixed): the audit took a [c] mean to say its group holds "
    "a child, yet the appendix hides the mean of every hidden count, zero or not, so that "
    "was false; and with it the shown grand total (6) bounded r1/B, r2/A and r2/B to 1..4. "
    "The audit's rules now say what the publication does (a [c] mean says nothing of its "
    "count), and a mean a reader could still narrow through the counts and means of its "
    "lines is hidden by the attacker's audit inside suppress_means."
)


def assert_means_published_safely(table: pd.DataFrame, mask: pd.DataFrame, cats) -> None:
    """The rules any reader is told: a shown mean has at least THRESHOLD children, and a mean
    whose count is hidden is hidden."""
    for row in table.index:
        for cat in [*cats, "total"]:
            n = table.loc[row, f"n_{cat}"]
            if not mask.loc[row, f"avg_{cat}"] and n > 0:
                assert n >= THRESHOLD, (row, cat, n)
                assert not mask.loc[row, f"n_{cat}"], (row, cat)


#: Found by hypothesis once the two leaks above were fixed: counts beside means, where the
#: shown means (each about £20,000 but not all equal) narrowed hidden counts to 1..4 that
#: the counts alone left at 0..5; the means that helped are now hidden too.
COUNTS_NARROWED_BY_MEANS = {
    ("r1", "A"): [20_000, 20_000, 20_000, 20_181], ("r1", "B"): [20_012], ("r1", "C"): [],
    ("r2", "A"): [], ("r2", "B"): [20_000] * 10, ("r2", "C"): [20_000],
    ("r3", "A"): [20_000] * 5, ("r3", "B"): [], ("r3", "C"): [20_000] * 4,
}  # fmt: skip


@SETTINGS
@given(costed())
@example(EMPTY_BESIDE_HIDDEN).via("minimal leak, see NONZERO_LEAK")
@example(COUNTS_NARROWED_BY_MEANS).via("hidden counts narrowed through the means")
@example(
    {
        ("r1", "A"): [40_000, 41_000],
        ("r1", "B"): [90_000] * 8,
        ("r2", "A"): [50_000] * 8,
        ("r2", "B"): [60_000] * 10,
    }
).via("suppress_means docstring shape")
def test_suppressed_means_and_counts_give_no_hidden_figure_away(fees):
    rows, cats = shape(fees)
    table = cost_table(fees)
    mask = disclosure.suppress_means(table, categories=cats, threshold=THRESHOLD)
    assert_means_published_safely(table, mask, cats)
    published = mean_cells(table, mask, cats)
    result = audit(published, grid_universe(rows, cats), threshold=THRESHOLD)
    assert result.findings == (), describe(published, result)


MEAN_COUNT_PINNED = {
    ("r1", "A"): [20_000] * 5, ("r1", "B"): [20_000] * 2, ("r1", "C"): [20_000] * 4,
    ("r2", "A"): [20_000] * 5, ("r2", "B"): [], ("r2", "C"): [20_000],
    ("r3", "A"): [20_000], ("r3", "B"): [], ("r3", "C"): [],
}  # fmt: skip


@SETTINGS
@given(costed())
@example(MEAN_COUNT_PINNED).via("r2/C's count pinned to 1 by combining lines, and its mean")
@example(EMPTY_BESIDE_HIDDEN).via("minimal leak: its counts are only bounded to 1..4")
def test_suppressed_means_are_never_recovered_nor_counts_pinned(fees):
    # Not a weaker version of the test above (that one stays, xfail, until the leak is
    # fixed): while it is xfail its generated cases never run, so this guards what holds
    # today: no hidden mean is narrowed to within 5% (alone or per possible count) and no
    # hidden count is pinned to one value.
    rows, cats = shape(fees)
    table = cost_table(fees)
    mask = disclosure.suppress_means(table, categories=cats, threshold=THRESHOLD)
    published = mean_cells(table, mask, cats)
    result = audit(published, grid_universe(rows, cats), threshold=THRESHOLD)
    serious = [f for f in result.findings if f.kind != "small"]
    assert serious == [], describe(published, result)


# --------------------------------------------------------------------------------------------
# Two tables sharing cells: counts by row and category, means by row and category (the INMSS
# need table and average cost by need), the means' counts taken from the count table
# --------------------------------------------------------------------------------------------


@SETTINGS
@given(costed())
@example(EMPTY_BESIDE_HIDDEN).via("minimal leak, see NONZERO_LEAK")
def test_a_count_table_and_its_means_together_give_nothing_away(fees):
    rows, cats = shape(fees)
    grid = {cell: len(values) for cell, values in fees.items()}
    counts = count_table(grid)
    counts_mask = disclosure.suppress(counts, counts=[*cats, "total"], threshold=THRESHOLD)
    costs = cost_table(fees)
    count_mask = counts_mask[[*cats, "total"]].reindex(costs.index, fill_value=True)
    mask = disclosure.suppress_means(
        costs, categories=cats, threshold=THRESHOLD, count_mask=count_mask
    )
    assert_means_published_safely(costs, mask, cats)
    published = count_cells(counts, counts_mask, name="counts", dim="category")
    published += mean_cells(costs, mask, cats, counts=False)
    result = audit(published, grid_universe(rows, cats), threshold=THRESHOLD)
    assert result.findings == (), describe(published, result)


# --------------------------------------------------------------------------------------------
# Two count tables sharing their Total row: by need and by phase, each by category (the INMSS
# need and phase tables), each suppressed on its own as the appendix does
# --------------------------------------------------------------------------------------------

NEEDS = ("n1", "n2", "n3")
PHASES = ("p1", "p2")


@st.composite
def cubes(draw) -> dict[tuple[str, str, str], int]:
    """Children in each (need, phase, category) cell."""
    needs = NEEDS[: draw(st.integers(2, 3))]
    cats = CATEGORIES[: draw(st.integers(2, 3))]
    sizes = st.sampled_from([0, 0, 1, 1, 2, 2, 3, 4, 5, 7])
    return {(n, p, c): draw(sizes) for n in needs for p in PHASES for c in cats}


def margin(cube: dict[tuple[str, str, str], int], axis: int) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for key, n in cube.items():
        cell = (key[axis], key[2])
        out[cell] = out.get(cell, 0) + n
    return out


#: The smallest case hypothesis found: 6 children, all of need n2; 5 in phase p1 and
#: category A, 1 in phase p2 and category B.
SHARED_TOTAL = {(n, p, c): 0 for n in ("n1", "n2") for p in PHASES for c in ("A", "B")} | {
    ("n2", "p1", "A"): 5,
    ("n2", "p2", "B"): 1,
}
SHARED_TOTAL_LEAK = (
    "the leak this example showed (fixed): tables suppressed one at a time did not agree on "
    "their shared Total row. Need table {n2: A=5, B=1} hid n2/A, n2/B, Total/A and Total/B "
    "and showed the grand total 6; the phase table {p1: A=5, B=0; p2: A=0, B=1} showed "
    "Total/A = 5, so Total/B = 1, n2/B = 1 and p2/B = 1 were all pinned. Now the total row "
    "is suppressed once (disclosure.margin_mask) and every table takes it as it is."
)


@SETTINGS
@given(cubes())
@example(SHARED_TOTAL).via("minimal leak, see SHARED_TOTAL_LEAK")
def test_two_count_tables_sharing_their_total_row_give_nothing_away(cube):
    needs = sorted({n for n, *_ in cube})
    cats = sorted({c for *_, c in cube})
    by_category = {c: sum(n for key, n in cube.items() if key[2] == c) for c in cats}
    everyone = {"total": sum(cube.values())}
    shared = disclosure.margin_mask(by_category | everyone, threshold=THRESHOLD)
    published = []
    for axis, name in ((0, "need"), (1, "phase")):
        table = count_table(margin(cube, axis))
        mask = disclosure.suppress(
            table, counts=[*cats, "total"], threshold=THRESHOLD, total_row_mask=shared
        )
        assert mask.loc[TOTAL].to_dict() == shared, "each table takes the shared total row"
        published += count_cells(table, mask, name=name, dim="category", row_dim=name)
    universe = Universe(
        (
            Dimension("need", tuple(needs)),
            Dimension("phase", PHASES),
            Dimension("category", tuple(cats)),
        )
    )
    result = audit(published, universe, threshold=THRESHOLD)
    assert result.findings == (), describe(published, result)
