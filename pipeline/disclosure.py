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
    return 0 < total_of(hidden) < threshold


def _hidden(line: _Line, mask: pd.DataFrame) -> list[tuple[object, object]]:
    return [cell for cell in line.cells if mask.loc[cell]]


def _bounds_of_hidden(
    values: pd.DataFrame,
    mask: pd.DataFrame,
    lines: Sequence[_Line],
    *,
    integral: bool,
    floors: pd.DataFrame | None = None,
) -> dict[tuple[object, object], tuple[float, float]]:
    """The least and greatest value each hidden cell can take, given every shown cell and
    that each line adds up to its total, solved exactly (HiGHS, through scipy).

    The reader knows the shown cells and that hidden ones are not negative (a hidden cell
    may be a zero hidden as a complement), nor below its ``floor`` (the schools published
    beside it: each has a placement). ``integral``: cells are whole counts (integer
    programs); otherwise sums of money (linear programs). Lines that only add up to a total
    published elsewhere (groups) are left out: that total may itself be hidden there.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # only when something is hidden

    hidden = [(r, c) for r in values.index for c in values.columns if mask.loc[(r, c)]]
    index = {cell: i for i, cell in enumerate(hidden)}
    rows, rhs = [], []
    for line in lines:
        if line.total is None:
            continue
        coefs = np.zeros(len(hidden))
        constant = 0.0
        for cell, sign in [(c, 1.0) for c in line.inner] + [(line.total, -1.0)]:
            if cell in index:
                coefs[index[cell]] += sign
            else:
                value = values.loc[cell]
                constant += sign * (float(value) if pd.notna(value) else 0.0)
        if coefs.any():
            rows.append(coefs)
            rhs.append(-constant)
    constraints = [LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))] if rows else []
    integrality = np.ones(len(hidden)) if integral else np.zeros(len(hidden))
    least = np.zeros(len(hidden))
    if floors is not None:
        for cell, i in index.items():
            floor = floors.loc[cell] if cell[1] in floors.columns else np.nan
            least[i] = float(floor) if pd.notna(floor) else 0.0
    found = {}
    for cell, i in index.items():
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(hidden))
            objective[i] = sign
            result = milp(
                objective,
                constraints=constraints,
                integrality=integrality,
                bounds=Bounds(least, np.inf),
            )
            # not solved (unbounded: the lines leave the cell free): nothing is learnt
            ends.append(sign * result.fun if result.status == 0 else None)
        low, high = ends
        found[cell] = (max(low or 0.0, least[i]), np.inf if high is None else high)
    return found


def _pinned(
    values: pd.DataFrame,
    mask: pd.DataFrame,
    lines: Sequence[_Line],
    *,
    threshold: int,
    integral: bool = True,
    tolerance: float = 0.05,
    floors: pd.DataFrame | None = None,
) -> list[tuple[object, object]]:
    """Hidden cells that the shown cells and the lines, taken together, give away.

    A count is given away when it can take one value only, or only values from 1 to
    ``threshold - 1`` (a reader then knows it is a small group of children); a sum of money
    (``integral`` False) when its range is within ``tolerance`` of its value.

    >>> t = pd.DataFrame({"A": [0, 1, 0, 1], "B": [2, 6, 4, 12], "C": [0, 5, 1, 6],
    ...                   "total": [2, 12, 5, 19]}, index=["r1", "r2", "r3", "Total"])
    >>> hide = pd.DataFrame(False, index=t.index, columns=t.columns)
    >>> for cell in [("r1", "B"), ("r1", "total"), ("r2", "A"), ("r2", "C"), ("r3", "B"),
    ...              ("r3", "C"), ("r3", "total"), ("Total", "A"), ("Total", "C")]:
    ...     hide.loc[cell] = True
    >>> _pinned(t, hide, _lines(t, "Total", "total"), threshold=5)  # row r2 and the total
    [('r3', 'C')]
    """
    if not mask.to_numpy().any():
        return []
    found = _bounds_of_hidden(values, mask, lines, integral=integral, floors=floors)
    out = []
    for cell, (low, high) in found.items():
        value = values.loc[cell]
        truth = float(value) if pd.notna(value) else 0.0
        if integral:
            if high - low < 0.5 or (low >= 0.5 and high <= threshold - 0.5):
                out.append(cell)
        elif high - low <= max(tolerance * abs(truth), 0.5):
            out.append(cell)
    return out


def secondary_mask(
    counts: pd.DataFrame,
    primary: pd.DataFrame,
    *,
    total_row: object | None = "Total",
    total_col: object | None = "total",
    row_groups: Sequence[Sequence[object]] = (),
    threshold: int = DEFAULT_THRESHOLD,
    fixed: pd.DataFrame | None = None,
    integral: bool = True,
    floors: pd.DataFrame | None = None,
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
    is hidden. Then the lines are checked together, exactly (``_pinned``): a hidden cell
    they pin to one value, or to values from 1 to ``threshold - 1``, has another cell of its
    lines hidden. ``integral=False`` is for sums of money rather than counts: a sum is given
    away when its lines pin it to within 5%. ``floors`` are what a reader knows each cell is
    at least (the schools published beside placements). The complement is chosen
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
        pinned = _pinned(values, mask, lines, threshold=threshold, integral=integral, floors=floors)
        widened = any(hide_one(number) for cell in pinned for number in member[cell])
        if not pinned or not widened:
            break
    alone = [hidden[0] for line in lines if len(hidden := _hidden(line, mask)) == 1]
    given_away = _pinned(values, mask, lines, threshold=threshold, integral=integral, floors=floors)
    given_away += [cell for cell in alone if cell not in given_away]
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
    total_row_mask: Mapping[str, bool] | None = None,
    floors: Mapping[str, str] | None = None,
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
    total_row_mask : mapping of str to bool, optional
        The suppression of the total row (count column -> hidden), decided once for every
        table that shares it (``margin_mask``): tables breaking the same children down by
        need, phase or year all end in the same total row, so each hides exactly these
        cells of it and never uses the others as complements.
    floors : mapping of str to str, optional
        Count column -> a column of the table a reader knows it is at least: the schools
        used, published beside the placements (each school counted has a placement), so a
        hidden count cannot be worked out from its lines and its floor either.

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
    fixed = _aligned(shown_elsewhere, grid)
    if total_row_mask is not None and row_total is not None:
        for column, hidden in total_row_mask.items():
            if column in grid.columns:
                primary.loc[row_total, column] = bool(hidden)
                fixed.loc[row_total, column] = not hidden
    grid_mask = secondary_mask(
        grid,
        primary,
        total_row=row_total,
        total_col=col_total,
        row_groups=row_groups,
        threshold=threshold,
        fixed=fixed,
        floors=None
        if not floors
        else pd.DataFrame(
            {c: pd.to_numeric(table[f], errors="coerce") for c, f in floors.items()},
            index=table.index,
        ),
    )
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    mask[list(counts)] = grid_mask
    for column, base in (derived or {}).items():
        mask[column] = mask[column] | grid_mask[base]
    return mask


def margin_mask(
    margin: Mapping[str, float], *, total: str = "total", threshold: int = DEFAULT_THRESHOLD
) -> dict[str, bool]:
    """The suppression of a total row several tables share: the children of each category
    and ``total``, all of them (a line, as the total row of each of those tables is).

    >>> margin_mask({"DPS": 40, "Non-DPS": 3, "total": 43})
    {'DPS': True, 'Non-DPS': True, 'total': False}
    >>> margin_mask({"DPS": 40, "Non-DPS": 0, "total": 40})
    {'DPS': False, 'Non-DPS': False, 'total': False}
    """
    row = pd.DataFrame([dict(margin)], index=["margin"]).astype(float)
    mask = suppress(
        row, counts=list(row.columns), threshold=threshold, total_row=None, total_col=total
    )
    return {str(column): bool(mask.loc["margin", column]) for column in row.columns}


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
    threshold: int = DEFAULT_THRESHOLD,
) -> list[tuple[object, object]]:
    """Hidden cells that the table's lines, taken together, pin to one value or to a range
    within 1 to ``threshold - 1`` (see ``_pinned``; a check used by tests).

    >>> t = pd.DataFrame({"a": [1, 1, 2], "b": [1, 1, 2], "total": [2, 2, 4]},
    ...                  index=["x", "y", "Total"])
    >>> inner = t < 2  # the four ones hidden, every total shown: each is 0, 1 or 2
    >>> pinned_cells(t, inner)
    []
    >>> also = inner.copy()
    >>> also.loc["x", "total"] = True  # the grand total less y's total gives it back
    >>> pinned_cells(t, also)
    [('x', 'total')]
    """
    values = counts.apply(pd.to_numeric, errors="coerce")
    lines = _lines(counts, total_row, total_col, row_groups)
    return _pinned(values, mask, lines, threshold=threshold)


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
    # with no categories the rows' groups are the only breakdown: "total" is then a column of
    # counts whose Total row is its only total, not the total of a row's categories
    total_col = "total" if categories else None
    if count_mask is None:
        count_mask = suppress(
            counts,
            counts=names,
            threshold=threshold,
            total_row=row_total,
            total_col=total_col,
            hidden_elsewhere=hidden_elsewhere,
            shown_elsewhere=shown_elsewhere,
        )
    hidden_counts = _aligned(count_mask, counts)
    small = (counts > 0) & (counts < threshold)
    primary = hidden_counts | small | _aligned(means_hidden_elsewhere, counts)
    sums = counts * means.fillna(0.0)
    hidden_means = secondary_mask(
        sums, primary, total_row=row_total, total_col=total_col, threshold=1, integral=False
    )
    hidden_means = _without_findings(
        counts, means, hidden_counts, hidden_means, total_row=row_total, threshold=threshold
    )
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for name in names:
        mask[f"avg_{name}"] = hidden_means[name]
        mask[f"n_{name}"] = hidden_counts[name]
    return mask


def _published_cells(
    counts: pd.DataFrame,
    means: pd.DataFrame,
    hidden_counts: pd.DataFrame,
    hidden_means: pd.DataFrame,
    total_row: object | None,
) -> list:
    """A table of means beside their counts as a reader has it, for the attacker's audit:
    each count exact or hidden, each mean to the pound, hidden, or ``x`` over nobody."""
    from pipeline.audit import Cell, Group

    cells = []
    for row in counts.index:
        for col in counts.columns:
            key = {} if row == total_row else {"row": str(row)}
            if col != "total":
                key["category"] = str(col)
            group = Group.of(key)
            n = float(counts.loc[row, col])
            where = f"{row}, {col}"
            if hidden_counts.loc[row, col]:
                cells.append(Cell("t", f"{where}, n", group, status="hidden", true_value=n))
            else:
                cells.append(Cell("t", f"{where}, n", group, value=n))
            common = {"statistic": "mean", "measure": "m", "half_width": 0.5}
            mean = means.loc[row, col]
            if hidden_means.loc[row, col]:
                truth = float(mean) if n and pd.notna(mean) else None
                cells.append(
                    Cell("t", f"{where}, mean", group, status="hidden", true_value=truth, **common)
                )
            elif n == 0:
                cells.append(Cell("t", f"{where}, mean", group, status="empty", **common))
            else:
                cells.append(Cell("t", f"{where}, mean", group, value=round(mean), **common))
    return cells


def _without_findings(
    counts: pd.DataFrame,
    means: pd.DataFrame,
    hidden_counts: pd.DataFrame,
    hidden_means: pd.DataFrame,
    *,
    total_row: object | None,
    threshold: int,
) -> pd.DataFrame:
    """Hide further means until the attacker's audit recovers nothing from the table.

    Sums add up along lines, but a mean is a ratio: when the lines pin the sum of a few
    hidden groups whose counts they also pin (two groups sharing one child between them),
    each group's mean is known for every count it can have, though no single sum or count
    is pinned. The rules above do not see that; the audit (``pipeline.audit``, the same
    attacker the render runs over the whole report) does. Each finding hides one more mean,
    the smallest (not a total, where another is left) of those the finding was worked out
    from, else of its row or column, and the table is audited again. Means are taken as
    printed to the pound, the finest this project prints, so a coarser table is protected
    too.
    """
    if not hidden_means.to_numpy().any():
        return hidden_means
    from pipeline.audit import Dimension, Measure, Universe, audit

    rows = [str(r) for r in counts.index if r != total_row]
    cats = [str(c) for c in counts.columns if c != "total"]
    dimensions = [Dimension("row", tuple(rows))]
    if cats:
        dimensions.append(Dimension("category", tuple(cats)))
    universe = Universe(tuple(dimensions), measures={"m": Measure(lower=0.0)})
    by_label = {f"{r}, {c}": (r, c) for r in counts.index for c in counts.columns}
    mask = hidden_means.copy()
    while True:
        published = _published_cells(counts, means, hidden_counts, mask, total_row)
        # a count given away by the counts alone is the count table's to protect (suppress);
        # here only what a shown mean helps work out is acted on
        result = audit(published, universe, threshold=threshold)
        findings = [
            f
            for f in result.findings
            if f.statistic == "mean" or any(src.endswith(", mean") for src in f.sources)
        ]
        if not findings:
            return mask
        finding = findings[0]
        row, col = by_label[finding.cell.rsplit(", ", 1)[0]]
        # the shown means the finding was worked out from, then those of its lines
        used = [
            by_label[source.split(": ", 1)[1].rsplit(", ", 1)[0]]
            for source in finding.sources
            if source.startswith("t: ") and source.endswith(", mean")
        ]
        line = used + [(row, c) for c in counts.columns] + [(r, col) for r in counts.index]
        candidates = [cell for cell in line if not mask.loc[cell] and counts.loc[cell] > 0]
        if not candidates:
            raise ValueError(
                f"disclosure control cannot protect the mean of {row}, {col}: {finding.message}"
            )
        order = {cell: position for position, cell in enumerate(line)}
        chosen = min(
            candidates,
            key=lambda cell: (
                int(cell[0] == total_row or cell[1] == "total"),
                float(counts.loc[cell]),
                order[cell],
            ),
        )
        mask.loc[chosen] = True
