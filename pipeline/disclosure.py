"""Statistical disclosure control: which cells of a table must not be published.

Primary suppression hides any count of children below a threshold (zero is shown: it reveals
nothing about a child). Secondary suppression then hides complementary cells until no hidden
cell can be worked out: none alone in its row or column (subtraction from the total), no
row or column whose hidden cells, with the total shown, hold fewer than the threshold
together, and none pinned down by the table's lines taken together. A table can also be told
which of its cells another table of the report hides (hidden here too) or shows (never used
as a complement). Values derived from a hidden count (its percentage, an average over it) are
hidden with it.

The functions return boolean masks aligned with the table; they never change the numbers, so
the unsuppressed table exists only in memory and the presentation layer prints the symbol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


def _aligned(cells: pd.DataFrame | None, like: pd.DataFrame) -> pd.DataFrame:
    """A mask of cells (True) laid over ``like``'s index and columns; False where absent."""
    if cells is None:
        return pd.DataFrame(False, index=like.index, columns=like.columns)
    return cells.reindex(index=like.index, columns=like.columns).fillna(False).astype(bool)


@dataclass(frozen=True)
class _Line:
    """An additive line: ``cells`` whose inner cells sum to ``total`` (one of the cells), or,
    for a group of rows whose sum another table publishes, no total cell (``total`` None)."""

    cells: tuple[tuple[object, object], ...]
    total: tuple[object, object] | None

    @property
    def inner(self) -> list[tuple[object, object]]:
        return [cell for cell in self.cells if cell != self.total]


def _lines(
    counts: pd.DataFrame,
    total_row: object | None,
    total_col: object | None,
    row_groups: Sequence[Sequence[object]] = (),
) -> list[_Line]:
    """Every additive line of the table: each row and each column, with its total, and each
    group of rows whose sum is published elsewhere (per column)."""
    rows = list(counts.index)
    cols = list(counts.columns)
    lines = []
    if total_col is not None and total_col in cols:
        lines += [_Line(tuple((r, c) for c in cols), (r, total_col)) for r in rows]
    if total_row is not None and total_row in rows:
        lines += [_Line(tuple((r, c) for r in rows), (total_row, c)) for c in cols]
    for group in row_groups:
        members = [r for r in group if r in rows]
        if len(members) > 1:
            lines += [_Line(tuple((r, c) for r in members), None) for c in cols]
    return lines


def _exposed(line: _Line, mask: pd.DataFrame, values: pd.DataFrame, threshold: int) -> bool:
    """Whether a line gives its hidden cells away: one hidden cell alone (the rest of the line
    subtracted from its total), or hidden cells that a reader can tell hold fewer than
    ``threshold`` children together (the total is shown, or published elsewhere for a group,
    so their sum is known: two hidden cells summing to 2 are both 1)."""
    hidden = _hidden(line, mask)
    if len(hidden) == 1:
        return True
    if not hidden or (line.total is not None and mask.loc[line.total]):
        return False

    def total_of(cells: Sequence[tuple[object, object]]) -> float:
        return sum(float(values.loc[c]) for c in cells if pd.notna(values.loc[c]))

    # a group's sum below the threshold is hidden wherever it is published: not known
    if line.total is None and 0 < total_of(line.cells) < threshold:
        return False
    if line.total is None:
        return 0 < total_of(hidden) < threshold
    # A reader may know each hidden cell holds a child (an average printed [c] rather than
    # [x] says so), so each is at most the hidden sum less one per other non-zero hidden cell:
    # 2 and 3 hidden beside a shown total of 5 are each 1 to 4. (A group of rows whose sum
    # another table prints keeps the plain rule: its cells have no averages beside them, and
    # its total is not this table's to hide.)
    occupied = sum(1 for c in hidden if pd.notna(values.loc[c]) and values.loc[c] > 0)
    return 0 < total_of(hidden) - max(occupied - 1, 0) < threshold


def _hidden(line: _Line, mask: pd.DataFrame) -> list[tuple[object, object]]:
    return [cell for cell in line.cells if mask.loc[cell]]


def _pinned(
    values: pd.DataFrame, mask: pd.DataFrame, lines: Sequence[_Line], passes: int = 100
) -> list[tuple[object, object]]:
    """Hidden non-zero cells whose exact value a reader can work out from the shown cells.

    The reader knows every shown cell, that each line adds up to its total and that a hidden
    cell holds at least one child (zeros are shown). Bounds on the hidden cells are narrowed
    line by line until nothing changes (or ``passes`` run out); a cell whose bounds meet is
    given away. Lines that only add up to a total published elsewhere (groups) are left out:
    that total may itself be hidden there.

    """
    cells = [(r, c) for r in values.index for c in values.columns]
    number = {
        cell: float(values.loc[cell]) if pd.notna(values.loc[cell]) else 0.0 for cell in cells
    }
    big = sum(number.values()) + 1
    low = {c: min(1.0, number[c]) if mask.loc[c] else number[c] for c in cells}
    high = {c: big if mask.loc[c] else number[c] for c in cells}
    equations = [(line.inner, line.total) for line in lines if line.total is not None]
    for _ in range(passes):
        changed = False
        for inner, total in equations:
            lo, hi = sum(low[c] for c in inner), sum(high[c] for c in inner)
            bounds = [(total, lo, hi)] + [
                (c, low[total] - (hi - high[c]), high[total] - (lo - low[c])) for c in inner
            ]
            for cell, new_lo, new_hi in bounds:
                if new_lo > low[cell] + 1e-9 or new_hi < high[cell] - 1e-9:
                    low[cell] = max(low[cell], new_lo)
                    high[cell] = min(high[cell], new_hi)
                    changed = True
        if not changed:
            break
    return [c for c in cells if mask.loc[c] and number[c] > 0 and high[c] - low[c] < 0.5]


def secondary_mask(
    counts: pd.DataFrame,
    primary: pd.DataFrame,
    *,
    total_row: object | None = "Total",
    total_col: object | None = "total",
    row_groups: Sequence[Sequence[object]] = (),
    threshold: int = DEFAULT_THRESHOLD,
    fixed: pd.DataFrame | None = None,
    combined: bool = True,
) -> pd.DataFrame:
    """Add complementary suppressions until no additive line gives a hidden cell away.

    ``row_groups`` are sets of rows whose sum another published table shows (the year groups
    of a phase): within each column such a group is a line too, or a hidden cell could be
    worked out from that other table. ``fixed`` cells (True) are published elsewhere, so
    hiding them here would protect nothing: they are never chosen as complements.

    A line (a row with its total, or a column with its total) gives hidden cells away when
    it has a single one (found by subtraction) or when its hidden cells, whose sum the shown
    total lets a reader work out, hold fewer than ``threshold`` children together (a sum of 2
    over two hidden cells means both are 1, as zeros are shown). Then another cell of the line
    is hidden. ``combined=False`` skips the check of the lines taken together (its bound
    propagation is made for whole counts; on sums of money it flags cells no combination
    pins, and the render's audit checks those exactly). The complement is chosen
    deterministically to hide as little as possible:
    inner cells before totals, then cells whose other line already has a hidden cell (so no
    new lone cell is made), then the smallest non-zero count, then position. Repeats until
    stable.

    >>> t = pd.DataFrame({"a": [3, 10, 13], "b": [6, 8, 14], "total": [9, 18, 27]},
    ...                  index=["x", "y", "Total"])
    >>> mask = secondary_mask(t, primary_mask(t))
    >>> mask.loc["x"].tolist(), int(mask.values.sum())
    ([True, True, False], 4)
    """
    mask = primary.copy().astype(bool)
    values = counts.apply(pd.to_numeric, errors="coerce")
    lines = _lines(counts, total_row, total_col, row_groups)
    known = _aligned(fixed, counts)
    member: dict[tuple[object, object], list[int]] = {}
    for number, line in enumerate(lines):
        for cell in line.cells:
            member.setdefault(cell, []).append(number)

    def new_lone_lines(cell: tuple[object, object], current: int) -> int:
        # hiding this cell leaves a single hidden cell in each of its other lines that has none
        return sum(
            1 for other in member[cell] if other != current and not _hidden(lines[other], mask)
        )

    def hide_one(number: int) -> bool:
        """Hide the best complement in line ``number``; False when all of it is hidden."""
        line = lines[number]
        candidates = [
            cell
            for cell in line.cells
            if not mask.loc[cell]
            and not known.loc[cell]
            and pd.notna(values.loc[cell])
            and values.loc[cell] > 0
        ]
        if not candidates:
            candidates = [c for c in line.cells if not mask.loc[c] and not known.loc[c]]
        if not candidates:
            return False

        def rank(cell: tuple[object, object]) -> tuple[int, int, float, int]:
            is_total = cell[0] == total_row or cell[1] == total_col
            value = values.loc[cell]
            size = float(value) if pd.notna(value) else np.inf
            return (int(is_total), new_lone_lines(cell, number), size, line.cells.index(cell))

        mask.loc[min(candidates, key=rank)] = True
        return True

    while True:
        changed = False
        for number, line in enumerate(lines):
            if _exposed(line, mask, values, threshold):
                changed |= hide_one(number)
        if changed:
            continue
        # Lines can give a cell away together (all of a small table's hidden cells adding up
        # to its shown grand total): widen a pinned cell's lines until none is pinned.
        pinned = _pinned(values, mask, lines) if combined else []
        widened = any(hide_one(number) for cell in pinned for number in member[cell])
        if not pinned or not widened:
            break
    alone = [hidden[0] for line in lines if len(hidden := _hidden(line, mask)) == 1]
    given_away = (_pinned(values, mask, lines) if combined else []) + alone
    if given_away:  # only when every cell that could protect it is published elsewhere
        raise ValueError(
            f"disclosure control cannot hide {given_away[0]}: every cell that could protect it "
            "is published in another table"
        )
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
    hidden_elsewhere: pd.DataFrame | None = None,
    shown_elsewhere: pd.DataFrame | None = None,
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
    hidden_elsewhere : pandas.DataFrame, optional
        Cells (True) holding a figure that another table of the same report hides: hidden
        here too, before the complements are chosen, so one table cannot give away what the
        other hides.
    shown_elsewhere : pandas.DataFrame, optional
        Cells (True) holding a figure another table shows: never hidden as a complement here,
        since hiding them would protect nothing (a reader has the figure anyway).

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
    primary = primary | _aligned(hidden_elsewhere, grid)
    grid_mask = secondary_mask(
        grid,
        primary,
        total_row=row_total,
        total_col=col_total,
        row_groups=row_groups,
        threshold=threshold,
        fixed=shown_elsewhere,
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
    threshold: int = DEFAULT_THRESHOLD,
) -> list[tuple[object, object]]:
    """Hidden cells that some additive line gives away: alone in it, or among hidden cells
    known to hold fewer than ``threshold`` children together (a check used by tests).

    >>> t = pd.DataFrame({"a": [3, 6, 9], "b": [8, 7, 15], "total": [11, 13, 24]},
    ...                  index=["x", "y", "Total"])
    >>> recoverable_cells(t, primary_mask(t))
    [('x', 'a')]
    """
    values = counts.apply(pd.to_numeric, errors="coerce")
    found = []
    for line in _lines(counts, total_row, total_col, row_groups):
        if _exposed(line, mask, values, threshold):
            found += [c for c in _hidden(line, mask) if c not in found]
    return found


def pinned_cells(
    counts: pd.DataFrame,
    mask: pd.DataFrame,
    *,
    total_row: object | None = "Total",
    total_col: object | None = "total",
    row_groups: Sequence[Sequence[object]] = (),
) -> list[tuple[object, object]]:
    """Hidden non-zero cells whose value the table's lines, taken together, give away (see
    ``_pinned``; a check used by tests).

    >>> t = pd.DataFrame({"a": [1, 1, 2], "b": [1, 1, 2], "total": [2, 2, 4]},
    ...                  index=["x", "y", "Total"])
    >>> shown_total = t < 4  # four hidden ones and a grand total of 4: each must be 1
    >>> pinned_cells(t, shown_total)[:2]
    [('x', 'a'), ('x', 'b')]
    >>> pinned_cells(t, t < 5)
    []
    """
    values = counts.apply(pd.to_numeric, errors="coerce")
    return _pinned(values, mask, _lines(counts, total_row, total_col, row_groups))


def suppress_means(
    table: pd.DataFrame,
    *,
    categories: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    count_mask: pd.DataFrame | None = None,
    total_row: object | None = "Total",
    hidden_elsewhere: pd.DataFrame | None = None,
    shown_elsewhere: pd.DataFrame | None = None,
    means_hidden_elsewhere: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The mask of a table of means beside their counts, in which a mean travels with its count.

    ``table`` has, for each of ``categories`` and ``"total"`` (the row's whole group), a mean
    ``avg_<name>`` and its count ``n_<name>`` (the layout of ``tables.build_cost_by``); rows
    add up to ``total_row``. Whether or not the table prints the counts, a reader can find
    them elsewhere in the report or work them out, so:

    - a mean is hidden wherever its count is hidden (``count_mask``: the mask of the table
      that publishes the counts, over the grid of category names; by default the counts are
      suppressed here as if published, with ``hidden_elsewhere``/``shown_elsewhere``) and
      wherever its count is below ``threshold`` and above zero;
    - a mean times its count is a sum, and sums add up along each row and column as counts
      do: the implied sums are suppressed like counts (no line with a single hidden sum, none
      pinned by the lines together), so no hidden mean can be worked out from the other
      means and counts of its line. A mean over no children (a shown zero sum, ``[x]``) is
      used as a complement only when nothing else is left;
    - ``means_hidden_elsewhere`` (grid of category names) are means another table hides.

    Returns the mask over ``table``'s columns: ``avg_<name>`` for the means and ``n_<name>``
    for the counts (True = do not publish).

    >>> t = pd.DataFrame({"avg_A": [10.0, 20.0, 18.0], "n_A": [2, 8, 10],
    ...                   "avg_B": [30.0, 40.0, 35.0], "n_B": [10, 10, 20],
    ...                   "avg_total": [320 / 12, 560 / 18, 880 / 30], "n_total": [12, 18, 30]},
    ...                  index=["x", "y", "Total"])
    >>> m = suppress_means(t, categories=["A", "B"])  # 2 in x's A: its row and column hide more
    >>> m.loc["x", ["avg_A", "avg_B", "avg_total"]].tolist(), bool(m.loc["Total", "avg_A"])
    ([True, True, False], False)
    """
    names = [*categories, "total"]
    counts = pd.DataFrame(
        {c: pd.to_numeric(table[f"n_{c}"], errors="coerce").fillna(0.0) for c in names},
        index=table.index,
    )
    means = pd.DataFrame(
        {c: pd.to_numeric(table[f"avg_{c}"], errors="coerce") for c in names}, index=table.index
    )
    row_total = total_row if total_row in table.index else None
    if count_mask is None:
        count_mask = suppress(
            counts,
            counts=names,
            threshold=threshold,
            total_row=row_total,
            total_col="total",
            hidden_elsewhere=hidden_elsewhere,
            shown_elsewhere=shown_elsewhere,
        )
    hidden_counts = _aligned(count_mask, counts)
    small = (counts > 0) & (counts < threshold)
    primary = hidden_counts | small | _aligned(means_hidden_elsewhere, counts)
    sums = counts * means.fillna(0.0)
    hidden_means = secondary_mask(
        sums, primary, total_row=row_total, total_col="total", threshold=1, combined=False
    )
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for name in names:
        mask[f"avg_{name}"] = hidden_means[name]
        mask[f"n_{name}"] = hidden_counts[name]
    return mask
