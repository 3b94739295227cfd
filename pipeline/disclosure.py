"""Statistical disclosure control: which cells of a table must not be published.

Primary suppression hides any count of children below a threshold (zero is shown: it reveals
nothing about a child). Secondary suppression then hides complementary cells so that no hidden
cell can be worked out by subtraction from the other cells of its row or column, totals
included. Values derived from a hidden count (its percentage, an average over it) are hidden
with it.

The functions return boolean masks aligned with the table; they never change the numbers, so
the unsuppressed table exists only in memory and the presentation layer prints the symbol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 5


def primary_mask(counts: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Cells holding a count greater than zero and below ``threshold``.

    >>> primary_mask(pd.DataFrame({"a": [0, 3, 7]}), threshold=5)["a"].tolist()
    [False, True, False]
    """
    values = counts.apply(pd.to_numeric, errors="coerce")
    return (values > 0) & (values < threshold)


def _lines(
    counts: pd.DataFrame,
    total_row: object | None,
    total_col: object | None,
    row_groups: Sequence[Sequence[object]] = (),
) -> list[list[tuple[object, object]]]:
    """Every additive line of the table: each row and each column, with its total, and each
    group of rows whose sum is published elsewhere (per column)."""
    rows = list(counts.index)
    cols = list(counts.columns)
    lines = []
    if total_col is not None and total_col in cols:
        lines += [[(r, c) for c in cols] for r in rows]
    if total_row is not None and total_row in rows:
        lines += [[(r, c) for r in rows] for c in cols]
    for group in row_groups:
        members = [r for r in group if r in rows]
        if len(members) > 1:
            lines += [[(r, c) for r in members] for c in cols]
    return lines


def secondary_mask(
    counts: pd.DataFrame,
    primary: pd.DataFrame,
    *,
    total_row: object | None = "Total",
    total_col: object | None = "total",
    row_groups: Sequence[Sequence[object]] = (),
) -> pd.DataFrame:
    """Add complementary suppressions until no additive line has exactly one hidden cell.

    ``row_groups`` are sets of rows whose sum another published table shows (the year groups
    of a phase): within each column such a group is a line too, or a hidden cell could be
    worked out from that other table.

    A line (a row with its total, or a column with its total) with a single hidden cell gives
    that cell away by subtraction, so a second cell of the line is hidden. The complement is
    chosen deterministically to hide as little as possible: inner cells before totals, then
    cells whose other line already has a hidden cell (so no new lone cell is made), then the
    smallest non-zero count, then position. Repeats until stable.

    >>> t = pd.DataFrame({"a": [3, 10, 13], "b": [6, 8, 14], "total": [9, 18, 27]},
    ...                  index=["x", "y", "Total"])
    >>> mask = secondary_mask(t, primary_mask(t))
    >>> mask.loc["x"].tolist(), int(mask.values.sum())
    ([True, True, False], 4)
    """
    mask = primary.copy().astype(bool)
    values = counts.apply(pd.to_numeric, errors="coerce")
    lines = _lines(counts, total_row, total_col, row_groups)
    member: dict[tuple[object, object], list[int]] = {}
    for number, line in enumerate(lines):
        for cell in line:
            member.setdefault(cell, []).append(number)

    def new_lone_lines(cell: tuple[object, object], current: int) -> int:
        # hiding this cell leaves a single hidden cell in each of its other lines that has none
        return sum(
            1
            for other in member[cell]
            if other != current and not any(mask.loc[c] for c in lines[other])
        )

    changed = True
    while changed:
        changed = False
        for number, line in enumerate(lines):
            hidden = [cell for cell in line if mask.loc[cell]]
            if len(hidden) != 1:
                continue
            candidates = [
                cell
                for cell in line
                if not mask.loc[cell] and pd.notna(values.loc[cell]) and values.loc[cell] > 0
            ]
            if not candidates:
                candidates = [cell for cell in line if not mask.loc[cell]]
            if not candidates:
                continue

            def rank(
                cell: tuple[object, object], line: list = line, number: int = number
            ) -> tuple[int, int, float, int]:
                is_total = cell[0] == total_row or cell[1] == total_col
                value = values.loc[cell]
                size = float(value) if pd.notna(value) else np.inf
                return (int(is_total), new_lone_lines(cell, number), size, line.index(cell))

            mask.loc[min(candidates, key=rank)] = True
            changed = True
    return mask


def suppress(
    table: pd.DataFrame,
    *,
    counts: Sequence[str],
    derived: Mapping[str, str] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    total_row: object | None = "Total",
    total_col: str | None = "total",
    row_groups: Sequence[Sequence[object]] = (),
) -> pd.DataFrame:
    """The suppression mask of a whole table.

    Parameters
    ----------
    table : pandas.DataFrame
        The computed table (unrounded).
    counts : sequence of str
        Columns holding counts of children; they form the additive grid (rows x these
        columns), with ``total_col`` (one of them) as the row total and ``total_row`` as the
        column total.
    derived : mapping, optional
        Derived column -> the count column it is computed from (``{"pct": "total"}``); hidden
        wherever that count is hidden.
    threshold : int
        Counts below this (and above zero) are hidden.
    row_groups : sequence of sequences, optional
        Groups of rows whose subtotal is published in another table (see
        ``secondary_mask``).

    Returns
    -------
    pandas.DataFrame
        Boolean mask with the table's index and columns: True = do not publish.

    Examples
    --------
    >>> t = pd.DataFrame({"DPS": [2, 40, 42], "Non": [9, 30, 39], "total": [11, 70, 81],
    ...                   "pct": [13.6, 86.4, 100.0]}, index=["HI", "ASD", "Total"])
    >>> m = suppress(t, counts=["DPS", "Non", "total"], derived={"pct": "total"})
    >>> m.loc["HI"].tolist(), m.loc["Total", "total"]
    ([True, True, False, False], np.False_)
    """
    grid = table[list(counts)]
    col_total = total_col if total_col in counts else None
    row_total = total_row if total_row in table.index else None
    primary = primary_mask(grid, threshold=threshold)
    grid_mask = secondary_mask(
        grid, primary, total_row=row_total, total_col=col_total, row_groups=row_groups
    )
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    mask[list(counts)] = grid_mask
    for column, base in (derived or {}).items():
        mask[column] = mask[column] | grid_mask[base]
    return mask


def small_base_mask(
    table: pd.DataFrame, *, base: str, columns: Sequence[str], threshold: int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Hide averages and shares computed from fewer than ``threshold`` children.

    >>> t = pd.DataFrame({"placements": [3, 40], "avg": [50.0, 60.0]})
    >>> small_base_mask(t, base="placements", columns=["avg"])["avg"].tolist()
    [True, False]
    """
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    count = pd.to_numeric(table[base], errors="coerce")
    small = (count > 0) & (count < threshold)  # over zero children there is nothing to hide
    for column in columns:
        mask[column] = small
    return mask


def recoverable_cells(
    counts: pd.DataFrame,
    mask: pd.DataFrame,
    *,
    total_row: object | None = "Total",
    total_col: object | None = "total",
    row_groups: Sequence[Sequence[object]] = (),
) -> list[tuple[object, object]]:
    """Hidden cells that are alone in some additive line (a check used by tests and the gate).

    >>> t = pd.DataFrame({"a": [3, 6, 9], "b": [8, 7, 15], "total": [11, 13, 24]},
    ...                  index=["x", "y", "Total"])
    >>> recoverable_cells(t, primary_mask(t))
    [('x', 'a')]
    """
    found = []
    for line in _lines(counts, total_row, total_col, row_groups):
        hidden = [cell for cell in line if mask.loc[cell]]
        if len(hidden) == 1 and hidden[0] not in found:
            found.append(hidden[0])
    return found
