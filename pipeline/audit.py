"""An attacker's disclosure audit: how narrowly the published figures pin each hidden one.

The audit takes every published cell of a report (counts of children, means of a measure
such as weekly cost, sums such as spend, shares of a total), each as a statistic of one
*group* of children, and works out by linear and integer programming the least and greatest
value each hidden count, mean and sum can take given everything that is shown. It does not
re-run the suppression rules: it derives the arithmetic an attacker would use from the group
keys alone.

The model
---------
- A :class:`Group` is a set of dimension values (``provider_type=Private,
  location=out_of_area``); a dimension absent from the key means "all values". The same group
  in two tables (or in a headline figure) is one variable, which is how identities across
  tables arise.
- A :class:`Universe` declares each dimension's complete value set, so the audit can derive
  ``count(G) = sum over v of count(G + {d: v})`` for every declared dimension ``d``, and the
  same for the sum of every measure (a mean times its count is a sum; sums add like counts).
  A dimension may *refine* another (``placed_in`` = Kent, West Sussex, ... refines
  ``location`` = in_area, out_of_area): a key holding the finer value implies the coarser one.
- Counts are non-negative integers; a hidden count may be zero (complementary suppression
  can hide a zero). A shown mean ``m`` rounded to ``h`` over a group with count ``n`` and sum
  ``S`` gives ``(m - h) n <= S <= (m + h) n``, which is linear in ``S`` and ``n`` whether or not
  ``n`` is known. What the attacker knows of the publication's own rules is a
  :class:`Rules`: by default an ``x`` mean fixes the count and the sum at zero (this project
  prints ``x`` for a mean over no children whose count is not hidden), a hidden (``c``) mean
  says nothing of its count (the mean of a count hidden as a complement is hidden with it,
  zero or not), and a shown mean has at least ``threshold`` children (the disclosure note
  says averages over fewer are hidden). Each sum is at least ``lower`` times its count
  (``lower`` = 0 by default: costs are not negative) and at most ``U`` times its count, where
  ``U`` is a value no child of the group can exceed: the measure's declared ``upper``, or the
  shown total of a wider group containing it (no child can cost more than all of them
  together). That second bound makes a group with no children hold no sum.
- Only the *objective* of a hidden mean, ``S / n``, is non-linear. When the count's feasible
  range is small (``max_candidates`` values or fewer) the audit fixes the count at each
  value in turn and bounds ``S``, so it learns the candidate means ``S / n`` for every
  possible count (an attacker who knows or guesses the count learns the mean). Otherwise it
  finds the least and greatest ratio by Dinkelbach's method (a short sequence of programs
  ``min S - r n``). Sums and means are bounded over the relaxation in which the other counts
  may be fractional (sound, and at most a little wider); ``exact_sums=True`` solves integer
  programs instead. Counts are always bounded exactly, by integer programs.
- A hidden mean whose count is published nowhere (the children of private homes outside
  Kent) has that count audited too, as an implied cell.

Every constraint is a fact about the true figures, so the true values always lie within the
ranges found (the audit is sound), as long as the universe, the table specs and the rules
are true; a true value found outside its range raises :class:`AuditInconsistentError`, as do
published figures that contradict each other. The audit is not complete: it does not build
joint tables finer than any table published (for example a three-way table whose two-way
margins are shown), so a cleverer attacker can sometimes narrow a range further.

Solving
-------
Variables that a single row determines (shown counts, and everything they pin by
subtraction) are fixed and substituted first; what remains splits into independent
components, each solved on its own by ``scipy.optimize.milp`` (HiGHS): one program per
bound, the relaxation first (its optimum is the integer one when whole-numbered), then the
integer program only when needed, reusing whole-number solutions already found. A report of
about 20 tables takes well under a second. (Dropping variables that one row alone mentions
was tried and removed: on districts-2025-dover it gave a range that excluded the truth.)

Judging
-------
The true value of each hidden cell may be given (:attr:`Cell.true_value`); the audit runs
inside the render, before publication, and uses true values only to judge a range, never as
a constraint. It reports a :class:`Finding` when a hidden count is pinned to one value or its
whole range lies within 1 to ``threshold - 1``; when a hidden mean or sum is pinned to within
``tolerance`` (5%) of its true value (range width over the true value; over the range's
midpoint when no true value is given); and when a hidden mean's count can take only a few
values (at most ``threshold - 1``) each of which pins the mean to within ``tolerance``.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

DEFAULT_THRESHOLD = 5

Statistic = Literal["count", "mean", "sum", "share", "floor"]
Status = Literal["shown", "hidden", "empty"]
FindingKind = Literal["pinned", "small", "narrow", "candidates"]

#: How far a solver's answer may stray from an exact integer and still count as it.
_INTEGER_TOLERANCE = 1e-6
#: Relative slack accepted when checking a fully determined line (rounding of floats).
_FEASIBILITY_TOLERANCE = 1e-7
#: Seconds an integer program may take before the audit settles for its relaxation's bound.
_TIME_LIMIT = 2.0


class AuditInconsistentError(ValueError):
    """The published cells contradict each other under the declared universe and specs.

    This means a spec or universe is wrong (a dimension value missing from the universe, an
    ``x`` read as "no children" where it means "not applicable", the wrong rounding), not that
    the figures leak. The message names the cells involved.
    """


# --------------------------------------------------------------------------------------------
# Groups and the universe
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Group:
    """A group of children: a frozen mapping of dimension to value, absent meaning "all".

    Parameters
    ----------
    items : tuple of (str, str)
        ``(dimension, value)`` pairs; they are sorted, and a dimension may appear once.

    Examples
    --------
    >>> g = Group.of(provider_type="Private", location="out_of_area")
    >>> g.get("location"), g.without("location") == Group.of(provider_type="Private")
    ('out_of_area', True)
    >>> Group.of().describe()
    'all children'
    """

    items: tuple[tuple[str, str], ...] = ()
    _dims: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        items = tuple(sorted((str(d), str(v)) for d, v in self.items))
        dims = frozenset(d for d, _ in items)
        if len(dims) != len(items):
            raise ValueError(f"a group names a dimension twice: {items}")
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "_dims", dims)

    @classmethod
    def _sorted(cls, items: tuple[tuple[str, str], ...]) -> Group:
        """A group from pairs already sorted, of distinct string dimensions (no checks)."""
        group = object.__new__(cls)
        object.__setattr__(group, "items", items)
        object.__setattr__(group, "_dims", frozenset(d for d, _ in items))
        return group

    @classmethod
    def of(cls, mapping: Mapping[str, str] | None = None, /, **dims: str) -> Group:
        """The group with the given dimension values (a mapping, keywords, or both)."""
        merged = dict(mapping or {})
        merged.update(dims)
        return cls(tuple(merged.items()))

    def as_dict(self) -> dict[str, str]:
        """The key as a plain dict."""
        return dict(self.items)

    def get(self, dim: str) -> str | None:
        """The value of ``dim``, or None when the group covers all its values."""
        for d, v in self.items:
            if d == dim:
                return v
        return None

    @property
    def dims(self) -> frozenset[str]:
        """The dimensions the key restricts."""
        return self._dims

    def plus(self, mapping: Mapping[str, str]) -> Group:
        """This group further restricted (or re-valued) by ``mapping``."""
        merged = self.as_dict()
        merged.update(mapping)
        return Group.of(merged)

    def with_value(self, dim: str, value: str) -> Group:
        """This group with ``dim`` set to ``value`` (fast path of :meth:`plus`)."""
        kept = tuple(item for item in self.items if item[0] != dim)
        return Group._sorted(tuple(sorted((*kept, (dim, value)))))

    def without(self, dim: str) -> Group:
        """This group with ``dim`` no longer restricted."""
        return Group._sorted(tuple((d, v) for d, v in self.items if d != dim))

    def within(self, other: Group) -> bool:
        """True when every child of this group is a child of ``other`` (its key is a superset)."""
        return set(other.items) <= set(self.items)

    def describe(self) -> str:
        """A short human reading of the key."""
        if not self.items:
            return "all children"
        return ", ".join(f"{d}={v}" for d, v in self.items)


@dataclass(frozen=True)
class Dimension:
    """A dimension and its complete set of values.

    Parameters
    ----------
    name : str
        The dimension's name, as used in group keys.
    values : tuple of str
        Every value it can take (the groups along it are disjoint and cover everyone).
    parent : str, optional
        A coarser dimension this one refines.
    parent_values : tuple of str
        With ``parent``: the parent's value for each of ``values``, in the same order.
    """

    name: str
    values: tuple[str, ...]
    parent: str | None = None
    parent_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(str(v) for v in self.values))
        object.__setattr__(self, "parent_values", tuple(str(v) for v in self.parent_values))
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"dimension {self.name!r} lists a value twice")
        if self.parent is not None and len(self.parent_values) != len(self.values):
            raise ValueError(f"dimension {self.name!r} needs a parent value for each value")

    @classmethod
    def refining(cls, name: str, parent: str, parts: Mapping[str, Sequence[str]]) -> Dimension:
        """A dimension splitting each value of ``parent`` into the listed finer values.

        >>> d = Dimension.refining("placed_in", "location",
        ...     {"in_area": ["Kent"], "out_of_area": ["West Sussex", "Other"]})
        >>> d.parent_of("Other")
        'out_of_area'
        """
        values: list[str] = []
        parents: list[str] = []
        for parent_value, children in parts.items():
            for child in children:
                values.append(child)
                parents.append(parent_value)
        return cls(name, tuple(values), parent, tuple(parents))

    def parent_of(self, value: str) -> str | None:
        """The parent dimension's value implied by ``value`` (None without a parent)."""
        if self.parent is None:
            return None
        return self.parent_values[self.values.index(value)]


@dataclass(frozen=True)
class Measure:
    """What is known of each child's value of a measure, before any figure is read.

    Parameters
    ----------
    lower : float or None
        No child's value is below this (0 for costs); None for no bound.
    upper : float or None
        No child's value is above this; None when nothing is assumed (the audit then uses the
        shown total of any wider group, which no child can exceed when ``lower`` >= 0).
    """

    lower: float | None = 0.0
    upper: float | None = None


@dataclass(frozen=True)
class Universe:
    """The declared dimensions (each with its complete values) and measures of a report.

    Dimensions not declared may still appear in group keys (for example a fixed
    ``period``); no identity is derived along them.

    Parameters
    ----------
    dimensions : sequence of Dimension
    measures : mapping of str to Measure, optional
        Per-measure bounds; a measure not listed gets ``Measure()``.
    noun : str
        What a count counts, for messages ("children", "placements").
    """

    dimensions: tuple[Dimension, ...] = ()
    measures: Mapping[str, Measure] = field(default_factory=dict)
    noun: str = "children"
    _by_name: dict[str, Dimension] = field(init=False, repr=False, compare=False)
    _canonical: dict[Group, Group | None] = field(init=False, repr=False, compare=False)
    _children: dict[tuple[Group, str], list[Group]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        by_name = {d.name: d for d in self.dimensions}
        if len(by_name) != len(self.dimensions):
            raise ValueError("a universe declares a dimension twice")
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_canonical", {})
        object.__setattr__(self, "_children", {})
        for dim in self.dimensions:
            if dim.parent is None:
                continue
            parent = by_name.get(dim.parent)
            if parent is None:
                raise ValueError(f"{dim.name!r} refines undeclared dimension {dim.parent!r}")
            missing = set(parent.values) - set(dim.parent_values)
            unknown = set(dim.parent_values) - set(parent.values)
            if missing or unknown:
                raise ValueError(
                    f"{dim.name!r} must split every value of {dim.parent!r} and no other "
                    f"(missing {sorted(missing)}, unknown {sorted(unknown)})"
                )

    def dimension(self, name: str) -> Dimension | None:
        """The declared dimension called ``name``, if any."""
        return self._by_name.get(name)

    def measure(self, name: str) -> Measure:
        """The declared bounds of measure ``name`` (defaults when not declared)."""
        return self.measures.get(name, Measure())

    def canonical(self, group: Group) -> Group | None:
        """``group`` with every value implied by a refinement added; None if empty by definition.

        Raises
        ------
        ValueError
            When a declared dimension is given a value it does not declare.
        """
        if group not in self._canonical:
            self._canonical[group] = self._canonical_uncached(group)
        return self._canonical[group]

    def _canonical_uncached(self, group: Group) -> Group | None:
        key = group.as_dict()
        added = False
        changed = True
        while changed:
            changed = False
            for d, v in list(key.items()):
                dim = self.dimension(d)
                if dim is None:
                    continue
                if v not in dim.values:
                    raise ValueError(
                        f"{v!r} is not a declared value of dimension {d!r} "
                        f"(declared: {', '.join(dim.values)})"
                    )
                implied = dim.parent_of(v)
                if implied is None:
                    continue
                assert dim.parent is not None
                current = key.get(dim.parent)
                if current is None:
                    key[dim.parent] = implied
                    changed = added = True
                elif current != implied:
                    return None
        return Group.of(key) if added else group

    def children(self, group: Group, dim_name: str) -> list[Group]:
        """The disjoint groups along ``dim_name`` that together make ``group`` (canonical)."""
        dim = self.dimension(dim_name)
        if dim is None or dim_name in group.dims:
            return []
        cached = self._children.get((group, dim_name))
        if cached is not None:
            return cached
        out: list[Group] = []
        for value in dim.values:
            child = self.canonical(group.with_value(dim_name, value))
            if child is not None:
                out.append(child)
        self._children[(group, dim_name)] = out
        return out


@dataclass(frozen=True)
class Rules:
    """What the attacker knows of the publication's own rules, used as constraints.

    Parameters
    ----------
    mean_needs_children : bool
        A hidden (``c``) mean has at least one child. False in this project: a mean is
        hidden wherever its count is hidden, and a count can be hidden as a complement
        while it is zero, so ``[c]`` says nothing about whether the group is empty (only
        ``x``, a mean over no children beside a count that is not hidden, does). True for
        a publication that prints ``x`` over every empty group, hidden or not.
    shown_mean_min_count : int, optional
        A shown mean has at least this many children (the disclosure note says averages
        derived from counts below the threshold are hidden). None: not assumed.
    hidden_mean_max_count : int, optional
        A hidden mean has at most this many children (true when means are hidden only for
        small counts, never as complements). None: not assumed.

    Examples
    --------
    >>> Rules.from_note(5)
    Rules(mean_needs_children=False, shown_mean_min_count=5, hidden_mean_max_count=None)
    """

    mean_needs_children: bool = False
    shown_mean_min_count: int | None = None
    hidden_mean_max_count: int | None = None

    @classmethod
    def from_note(cls, threshold: int = DEFAULT_THRESHOLD) -> Rules:
        """What the published disclosure note tells any reader (the audit's default).

        The note says averages derived from counts below the threshold print as ``[c]``, so
        a shown mean has at least ``threshold`` children. It does not follow that a hidden
        mean has fewer: a table may hide a mean as a complement (res-2021-portsmouth's
        weekly costs do), so ``hidden_mean_max_count`` is left unset. Nor does a hidden mean
        say its group holds a child: the mean of a count hidden as a complement is hidden with
        it even when the count is zero.
        """
        return cls(False, threshold, None)


# --------------------------------------------------------------------------------------------
# Published cells and the audit's answers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published cell: a statistic of one group, shown, hidden (``c``) or empty (``x``).

    Parameters
    ----------
    table : str
        The table (or ``"headline"``) the cell is published in.
    label : str
        The cell as a reader finds it ("Private, Outside Kent").
    group : Group
        The children the statistic is about.
    statistic : {"count", "mean", "sum", "share", "floor"}
        ``share`` is a percentage: ``100 * count(group) / count(denominator)``; ``floor`` a
        number the group's count is at least (schools with a placement: never hidden).
    status : {"shown", "hidden", "empty"}
        ``empty`` is a known zero: no children (count, or a mean over nobody) or a zero sum.
    value : float, optional
        The published value (shown cells only).
    half_width : float
        The rounding: the true value is within ``value +/- half_width``.
    measure : str, optional
        For means and sums, the measure (``"weekly_cost"``); means of different measures are
        never mixed.
    denominator : Group, optional
        For shares, the group whose count is 100%.
    unit : str
        ``"£"`` for money, ``"%"`` for shares, empty otherwise (for messages only).
    decimals : int
        Decimal places to print values with (for messages only).
    true_value : float, optional
        The unsuppressed value of a hidden cell: used only to judge a range.
    """

    table: str
    label: str
    group: Group
    statistic: Statistic = "count"
    status: Status = "shown"
    value: float | None = None
    half_width: float = 0.0
    measure: str | None = None
    denominator: Group | None = None
    unit: str = ""
    decimals: int = 0
    true_value: float | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.statistic in ("mean", "sum") and not self.measure:
            raise ValueError(f"{self.table}: {self.label}: a {self.statistic} needs a measure")
        if self.statistic == "share" and self.denominator is None:
            raise ValueError(f"{self.table}: {self.label}: a share needs a denominator")
        if self.status == "shown" and self.value is None:
            raise ValueError(f"{self.table}: {self.label}: a shown cell needs a value")
        if self.half_width < 0:
            raise ValueError(f"{self.table}: {self.label}: half_width must not be negative")

    @property
    def where(self) -> str:
        """``table: label``, how a message names the cell."""
        return f"{self.table}: {self.label}"


@dataclass(frozen=True)
class Candidate:
    """One possible count of a hidden mean's group and the mean's range if it is that count."""

    count: int
    low: float
    high: float


@dataclass(frozen=True)
class CellRange:
    """The least and greatest value a hidden cell can take given every published figure.

    ``candidates`` lists, for a hidden mean whose count has few possible values, the mean's
    range at each of them (``low``/``high`` are then their union).
    """

    cell: Cell
    low: float
    high: float
    candidates: tuple[Candidate, ...] = ()

    @property
    def width(self) -> float:
        """``high - low`` (infinite when unbounded)."""
        return self.high - self.low

    def contains(self, value: float, *, tolerance: float = 1e-6) -> bool:
        """True when ``value`` lies in the range (with a little numerical slack)."""
        slack = tolerance * max(1.0, abs(value))
        return self.low - slack <= value <= self.high + slack


@dataclass(frozen=True)
class Finding:
    """A hidden cell an attacker can recover, or narrow too far, from the published figures.

    Attributes
    ----------
    table, cell : str
        Where the hidden cell is published and its label.
    statistic : str
        ``count``, ``mean`` or ``sum``.
    kind : {"pinned", "small", "narrow", "candidates"}
        ``pinned``: a count has one possible value; ``small``: a count's range lies within 1
        to threshold - 1; ``narrow``: a mean or sum is pinned to within the tolerance;
        ``candidates``: a mean is one of a few narrow values, one per possible count.
    low, high : float
        The range found.
    sources : tuple of str
        The published cells the recovery rests on (``table: label``).
    message : str
        One line for a person.
    """

    table: str
    cell: str
    statistic: str
    kind: FindingKind
    low: float
    high: float
    sources: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class AuditResult:
    """Everything the audit found about one report.

    Attributes
    ----------
    findings : tuple of Finding
        Hidden cells that must not be published as they are.
    ranges : tuple of CellRange
        The range of every hidden count, mean and sum.
    hidden_cells : int
        Hidden counts, means and sums audited.
    narrowest_count_range : int or None
        The smallest ``high - low`` of any hidden count (0 means one was pinned); None when
        nothing was hidden.
    narrowest_mean_range_pct : float or None
        The smallest width of any hidden mean's range as a percentage of its true value (of
        its midpoint when the true value is unknown).
    solves : int
        Linear and integer programs solved.
    """

    findings: tuple[Finding, ...]
    ranges: tuple[CellRange, ...]
    hidden_cells: int
    narrowest_count_range: int | None
    narrowest_mean_range_pct: float | None
    solves: int

    def range_of(self, table: str, label: str) -> CellRange:
        """The range found for the hidden cell ``label`` of ``table``."""
        for found in self.ranges:
            if found.cell.table == table and found.cell.label == label:
                return found
        raise KeyError(f"no hidden cell {label!r} in {table!r}")


# --------------------------------------------------------------------------------------------
# The linear model
# --------------------------------------------------------------------------------------------

_VarKey = tuple  # ("n", group) or ("s", measure, group)


@dataclass
class _Row:
    """``lo <= sum(coefs[v] * x[v]) <= hi``, with the cells it came from."""

    coefs: dict[int, float]
    lo: float
    hi: float
    origins: frozenset[int]


class _Model:
    """Variables (group counts and sums) and the linear rows tying them together."""

    def __init__(self) -> None:
        self.index: dict[_VarKey, int] = {}
        self.integer: list[bool] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.rows: list[_Row] = []

    def var(self, key: _VarKey) -> int:
        found = self.index.get(key)
        if found is not None:
            return found
        number = len(self.integer)
        self.index[key] = number
        is_count = key[0] == "n"
        self.integer.append(is_count)
        self.lb.append(0.0 if is_count else -math.inf)
        self.ub.append(math.inf)
        return number

    def row(self, coefs: Mapping[int, float], lo: float, hi: float, origins: Iterable[int] = ()):
        merged: dict[int, float] = defaultdict(float)
        for var, coef in coefs.items():
            merged[var] += coef
        clean = {v: c for v, c in merged.items() if c != 0.0}
        self.rows.append(_Row(clean, lo, hi, frozenset(origins)))


def _closure(groups: Iterable[Group], universe: Universe) -> set[Group]:
    """``groups`` and every group reached by dropping declared dimensions from them."""
    seen: set[Group] = set()
    stack = list(groups)
    while stack:
        group = stack.pop()
        if group in seen:
            continue
        seen.add(group)
        for dim in group.dims:
            if universe.dimension(dim) is None:
                continue
            wider = universe.canonical(group.without(dim))
            if wider is not None and wider != group and wider not in seen:
                stack.append(wider)
    return seen


def _build(
    cells: Sequence[Cell], universe: Universe, rules: Rules
) -> tuple[_Model, list[Cell | None]]:
    """The model of ``cells``; returns it and the cells with canonical groups (None: skipped)."""
    model = _Model()
    canon: list[Cell | None] = []
    for cell in cells:
        group = universe.canonical(cell.group)
        denominator = universe.canonical(cell.denominator) if cell.denominator else None
        if group is None or (cell.denominator is not None and denominator is None):
            if cell.status == "shown" and cell.value:
                raise AuditInconsistentError(
                    f"{cell.where} is shown as {cell.value} but its group "
                    f"({cell.group.describe()}) is empty by the universe's definitions"
                )
            canon.append(None)
            continue
        canon.append(replace(cell, group=group, denominator=denominator))

    present = [c for c in canon if c is not None]
    count_seed = [c.group for c in present] + [c.denominator for c in present if c.denominator]
    count_groups = _closure(count_seed, universe)
    sum_seed: dict[str, list[Group]] = defaultdict(list)
    for c in present:
        if c.statistic in ("mean", "sum"):
            assert c.measure is not None
            sum_seed[c.measure].append(c.group)
    sum_groups = {m: _closure(gs, universe) for m, gs in sum_seed.items()}

    def n(group: Group) -> int:
        return model.var(("n", group))

    def s(measure: str, group: Group) -> int:
        n(group)
        return model.var(("s", measure, group))

    for group in sorted(count_groups):
        n(group)
    for measure, groups in sum_groups.items():
        for group in sorted(groups):
            s(measure, group)

    # Additive identities, derived from the keys alone: each group in the closure is one part
    # of the breakdown of the group without one of its declared dimensions.
    def breakdowns(groups: set[Group]) -> list[tuple[Group, str]]:
        pairs: set[tuple[Group, str]] = set()
        for group in groups:
            for dim in group.dims:
                if universe.dimension(dim) is None:
                    continue
                wider = universe.canonical(group.without(dim))
                if wider is not None and wider != group:
                    pairs.add((wider, dim))
        return sorted(pairs)

    for group, dim in breakdowns(count_groups):
        coefs: dict[int, float] = defaultdict(float)
        coefs[n(group)] += 1.0
        for kid in universe.children(group, dim):
            coefs[n(kid)] -= 1.0
        model.row(coefs, 0.0, 0.0)
    for measure, groups in sum_groups.items():
        for group, dim in breakdowns(groups):
            coefs = defaultdict(float)
            coefs[s(measure, group)] += 1.0
            for kid in universe.children(group, dim):
                coefs[s(measure, kid)] -= 1.0
            model.row(coefs, 0.0, 0.0)

    # The published cells.
    shown_totals: dict[str, list[tuple[Group, float]]] = defaultdict(list)
    shown_counts: dict[Group, float] = {}
    for c in present:
        if c.statistic == "count" and c.status == "shown":
            assert c.value is not None
            shown_counts[c.group] = c.value + c.half_width
    for number, c in enumerate(canon):
        if c is None:
            continue
        origin = (number,)
        if c.statistic == "count":
            if c.status == "shown":
                assert c.value is not None
                model.row({n(c.group): 1.0}, c.value - c.half_width, c.value + c.half_width, origin)
            elif c.status == "empty":
                model.row({n(c.group): 1.0}, 0.0, 0.0, origin)
        elif c.statistic == "mean":
            assert c.measure is not None
            ns, ss = n(c.group), s(c.measure, c.group)
            if c.status == "shown":
                assert c.value is not None
                lo, hi = c.value - c.half_width, c.value + c.half_width
                model.row({ss: 1.0, ns: -lo}, 0.0, math.inf, origin)
                model.row({ss: 1.0, ns: -hi}, -math.inf, 0.0, origin)
                least = max(1, rules.shown_mean_min_count or 0)  # a shown mean has a child
                model.row({ns: 1.0}, least, math.inf, origin)
                if c.group in shown_counts:
                    shown_totals[c.measure].append((c.group, hi * shown_counts[c.group]))
            elif c.status == "hidden":
                most = rules.hidden_mean_max_count
                least = 1 if rules.mean_needs_children else 0
                if least or most is not None:
                    model.row({ns: 1.0}, least, math.inf if most is None else most, origin)
            else:
                model.row({ns: 1.0}, 0.0, 0.0, origin)
                model.row({ss: 1.0}, 0.0, 0.0, origin)
        elif c.statistic == "sum":
            assert c.measure is not None
            ss = s(c.measure, c.group)
            if c.status == "shown":
                assert c.value is not None
                model.row({ss: 1.0}, c.value - c.half_width, c.value + c.half_width, origin)
            elif c.status == "empty":
                model.row({ss: 1.0}, 0.0, 0.0, origin)
        elif c.statistic == "floor" and c.status == "shown":
            # at least this many children: schools with a placement, each holding one or more
            assert c.value is not None
            model.row({n(c.group): 1.0}, c.value - c.half_width, math.inf, origin)
        elif c.statistic == "share" and c.status == "shown":
            assert c.value is not None and c.denominator is not None
            lo = max(c.value - c.half_width, 0.0) / 100.0
            hi = (c.value + c.half_width) / 100.0
            num, den = n(c.group), n(c.denominator)
            if num == den:
                continue
            model.row({num: 1.0, den: -lo}, 0.0, math.inf, origin)
            model.row({num: 1.0, den: -hi}, -math.inf, 0.0, origin)

    # What each child's value can be: lower * n <= S <= U * n.
    for key, var in list(model.index.items()):
        if key[0] != "s":
            continue
        _, measure, group = key
        bounds = universe.measure(measure)
        ns = n(group)
        if bounds.lower is not None:
            model.row({var: 1.0, ns: -bounds.lower}, 0.0, math.inf)
            if bounds.lower >= 0:
                model.lb[var] = 0.0
        caps = [bounds.upper] if bounds.upper is not None else []
        if bounds.lower is not None and bounds.lower >= 0:
            caps += [total for wider, total in shown_totals[measure] if group.within(wider)]
        if caps:
            model.row({var: 1.0, ns: -min(caps)}, -math.inf, 0.0)
    return model, canon


# --------------------------------------------------------------------------------------------
# Presolve (fixed values substituted) and independent components
# --------------------------------------------------------------------------------------------


class _Presolved:
    """The model after fixing every variable a single row determines, split into components."""

    def __init__(
        self, model: _Model, cells: Sequence[Cell | None], protected: Iterable[int]
    ) -> None:
        self.model = model
        self.cells = cells
        self.protected = frozenset(protected)
        size = len(model.integer)
        self.lb = np.array(model.lb, dtype=float)
        self.ub = np.array(model.ub, dtype=float)
        self.integer = np.array(model.integer, dtype=bool)
        self.bound_origins: list[frozenset[int]] = [frozenset()] * size
        self.solves = 0
        self.live: list[_Row] = []
        self._run()
        self._split()

    def fixed(self, var: int) -> bool:
        return self.ub[var] - self.lb[var] <= _INTEGER_TOLERANCE * max(1.0, abs(self.lb[var]))

    def _fail(self, origins: Iterable[int], why: str) -> None:
        names = sorted({c.where for o in origins if (c := self.cells[o]) is not None})
        listed = "; ".join(names[:8]) + (f"; and {len(names) - 8} more" if len(names) > 8 else "")
        raise AuditInconsistentError(
            f"the published cells contradict each other ({why}): {listed or 'derived identities'}"
        )

    def _tighten(self, var: int, lo: float, hi: float, origins: frozenset[int]) -> bool:
        if self.integer[var]:
            lo = math.ceil(lo - _INTEGER_TOLERANCE) if math.isfinite(lo) else lo
            hi = math.floor(hi + _INTEGER_TOLERANCE) if math.isfinite(hi) else hi
        slack = _FEASIBILITY_TOLERANCE * max(1.0, abs(lo), abs(hi))
        new_lo, new_hi = max(self.lb[var], lo), min(self.ub[var], hi)
        if new_lo > new_hi + slack:
            self._fail(origins | self.bound_origins[var], "no value fits every line")
        if new_lo > new_hi:
            new_lo = new_hi = (new_lo + new_hi) / 2
        changed = new_lo > self.lb[var] or new_hi < self.ub[var]
        if changed:
            self.lb[var], self.ub[var] = new_lo, new_hi
            self.bound_origins[var] = self.bound_origins[var] | origins
        return changed

    def _reduce(self, row: _Row) -> tuple[dict[int, float], float, float, frozenset[int]]:
        """The row with fixed variables moved to the bounds, and the cells behind them."""
        free: dict[int, float] = {}
        constant = 0.0
        origins = set(row.origins)
        for var, coef in row.coefs.items():
            if self.fixed(var):
                constant += coef * self.lb[var]
                origins |= self.bound_origins[var]
            else:
                free[var] = coef
        return free, row.lo - constant, row.hi - constant, frozenset(origins)

    def _run(self) -> None:
        pending = [_Row(*self._reduce(row)) for row in self.model.rows]
        while True:
            progress = False
            remaining: list[_Row] = []
            for row in pending:
                free, lo, hi, origins = self._reduce(row)
                if not free:
                    slack = _FEASIBILITY_TOLERANCE * max(1.0, abs(lo), abs(hi))
                    if lo > slack or hi < -slack:
                        self._fail(origins, "a line does not add up")
                    continue
                if len(free) == 1:
                    ((var, coef),) = free.items()
                    lo_v, hi_v = (lo / coef, hi / coef) if coef > 0 else (hi / coef, lo / coef)
                    progress |= self._tighten(var, lo_v, hi_v, origins)
                    continue
                if math.isinf(lo) and math.isinf(hi):
                    continue
                remaining.append(_Row(free, lo, hi, origins))
            pending = remaining
            if not progress:
                break
        self.live = pending

    def _split(self) -> None:
        parent = list(range(len(self.integer)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for row in self.live:
            first, *rest = row.coefs
            for other in rest:
                a, b = find(first), find(other)
                if a != b:
                    parent[b] = a
        members: dict[int, list[int]] = defaultdict(list)
        for var in range(len(self.integer)):
            if not self.fixed(var):
                members[find(var)].append(var)
        rows_of: dict[int, list[_Row]] = defaultdict(list)
        for row in self.live:
            rows_of[find(next(iter(row.coefs)))].append(row)
        self.component_of: dict[int, _Component] = {}
        for root, variables in members.items():
            component = _Component(self, variables, rows_of.get(root, []))
            for var in variables:
                self.component_of[var] = component


class _Component:
    """Variables linked by rows: solved on their own, with fixed ones already substituted."""

    def __init__(self, pre: _Presolved, variables: list[int], rows: list[_Row]) -> None:
        self.pre = pre
        self.variables = variables
        self.local = {v: i for i, v in enumerate(variables)}
        self.lb = pre.lb[variables].copy()
        self.ub = pre.ub[variables].copy()
        self.integrality = pre.integer[variables].astype(int)
        self.rows = rows
        self.bound_origins = [pre.bound_origins[v] for v in variables]
        data, indices, indptr = [], [], [0]
        for row in rows:
            for var, coef in row.coefs.items():
                indices.append(self.local[var])
                data.append(coef)
            indptr.append(len(indices))
        self.lo = np.array([r.lo for r in rows], dtype=float)
        self.hi = np.array([r.hi for r in rows], dtype=float)
        self.matrix = csr_array(
            (np.array(data, dtype=float), np.array(indices, dtype=int), np.array(indptr)),
            shape=(len(rows), len(variables)),
        )
        self.checked = False
        # Whole-number solutions found so far, each feasible for every later program.
        self.pool: list[np.ndarray] = []

    def _bounds(self, fix: Mapping[int, float] | None) -> tuple[np.ndarray, np.ndarray]:
        lb, ub = self.lb.copy(), self.ub.copy()
        for var, value in (fix or {}).items():
            lb[self.local[var]] = ub[self.local[var]] = value
        return lb, ub

    def solve(
        self,
        objective: Mapping[int, float],
        fix: Mapping[int, float] | None = None,
        *,
        relaxed: bool = False,
    ) -> tuple[str, float, np.ndarray | None]:
        """Minimise ``objective`` (a mapping var -> coefficient) as an integer program.

        Returns ``(status, value, x)`` with status ``optimal``, ``infeasible`` or ``unbounded``
        (``x`` is indexed by global variable through :meth:`value_of`). With ``relaxed`` the
        counts may be fractional: the optimum is then a sound bound on the integer one.
        """
        c = np.zeros(len(self.variables))
        for var, coef in objective.items():
            c[self.local[var]] += coef
        lb, ub = self._bounds(fix)
        if np.any(lb > ub):
            return "infeasible", math.nan, None
        constraints = [LinearConstraint(self.matrix, self.lo, self.hi)] if len(self.rows) else []
        integral = self.integrality.astype(bool)

        def run(integrality: np.ndarray, options: dict[str, float]):
            self.pre.solves += 1
            return milp(
                c,
                integrality=integrality,
                bounds=Bounds(lb, ub),
                constraints=constraints,
                options={"mip_rel_gap": 0.0, "presolve": True, **options},
            )

        # The relaxation first: most of these programs (margins of count tables) have integral
        # vertices, and an integral optimum of the relaxation is the integer optimum. HiGHS's
        # integer solver costs ten times as much even on tiny programs.
        result = run(np.zeros_like(self.integrality), {})
        if result.status == 2:
            return "infeasible", math.nan, None
        if result.status != 0 or result.x is None:
            # Unbounded, or a status HiGHS could not settle: a wider range is always sound.
            return "unbounded", -math.inf, None
        x, bound = result.x, float(result.fun)
        if np.all(np.abs(x[integral] - np.round(x[integral])) <= _INTEGER_TOLERANCE):
            if not fix:
                self.pool.append(x)
            return "optimal", bound, x
        if relaxed:
            return "optimal", bound, x
        # A whole-number objective cannot beat the relaxation rounded up: a solution already
        # found that reaches it is optimal, and saves the integer program.
        whole = np.all(np.isin(np.flatnonzero(c), np.flatnonzero(integral))) and np.all(
            c == np.round(c)
        )
        if whole and self.pool and not fix:
            target = math.ceil(bound - _INTEGER_TOLERANCE)
            best = min(self.pool, key=lambda known: float(c @ known))
            if float(c @ best) <= target + _INTEGER_TOLERANCE:
                return "optimal", float(c @ best), best
        result = run(self.integrality, {"time_limit": _TIME_LIMIT})
        if result.status == 0 and result.x is not None:
            if not fix:
                self.pool.append(result.x)
            return "optimal", float(result.fun), result.x
        if result.status == 2:
            return "infeasible", math.nan, None
        # Out of time: the relaxation's optimum is still a sound bound.
        return "optimal", math.ceil(bound - _INTEGER_TOLERANCE) if whole else bound, None

    def attained(self, var: int) -> tuple[float | None, float | None]:
        """The variable's own bounds where a known whole-number solution reaches them (exact
        answers with no program solved); None where none does."""
        if not self.pool:
            return None, None
        i = self.local[var]
        values = [float(x[i]) for x in self.pool]
        low = float(self.lb[i]) if min(values) <= self.lb[i] + _INTEGER_TOLERANCE else None
        high = None
        if math.isfinite(self.ub[i]) and max(values) >= self.ub[i] - _INTEGER_TOLERANCE:
            high = float(self.ub[i])
        return low, high

    def value_of(self, x: np.ndarray, var: int) -> float:
        return float(x[self.local[var]])

    def check_feasible(self, cells: Sequence[Cell | None]) -> None:
        if self.checked:
            return
        status, _, _ = self.solve({})
        if status == "infeasible":
            origins = set().union(*(r.origins for r in self.rows), *self.bound_origins)
            names = sorted({c.where for o in origins if (c := cells[o]) is not None})
            raise AuditInconsistentError(
                "the published cells contradict each other (no figures fit them all): "
                + "; ".join(names[:8])
                + (f"; and {len(names) - 8} more" if len(names) > 8 else "")
            )
        self.checked = True

    def binding(
        self, objective: Mapping[int, float], fix: Mapping[int, float] | None = None
    ) -> frozenset[int]:
        """Cells whose rows or bounds hold the LP relaxation's optimum (the recovery's basis)."""
        c = np.zeros(len(self.variables))
        for var, coef in objective.items():
            c[self.local[var]] += coef
        lb, ub = self._bounds(fix)
        dense = self.matrix.toarray() if len(self.rows) else np.zeros((0, len(self.variables)))
        eq = np.isclose(self.lo, self.hi)
        upper = ~eq & np.isfinite(self.hi)
        lower = ~eq & np.isfinite(self.lo)
        a_ub = np.vstack([dense[upper], -dense[lower]])
        b_ub = np.concatenate([self.hi[upper], -self.lo[lower]])
        self.pre.solves += 1
        result = linprog(
            c,
            A_ub=a_ub if len(b_ub) else None,
            b_ub=b_ub if len(b_ub) else None,
            A_eq=dense[eq] if eq.any() else None,
            b_eq=self.lo[eq] if eq.any() else None,
            bounds=list(zip(lb, ub, strict=True)),
            method="highs",
        )
        if result.status != 0:
            return frozenset()
        origins: set[int] = set()
        row_numbers = np.arange(len(self.rows))
        ub_rows = np.concatenate([row_numbers[upper], row_numbers[lower]])
        for number, marginal in zip(ub_rows, result.ineqlin.marginals, strict=True):
            if abs(marginal) > 1e-9:
                origins |= self.rows[number].origins
        if eq.any():
            for number, marginal in zip(row_numbers[eq], result.eqlin.marginals, strict=True):
                if abs(marginal) > 1e-9:
                    origins |= self.rows[number].origins
        for i, (low_m, high_m) in enumerate(
            zip(result.lower.marginals, result.upper.marginals, strict=True)
        ):
            if abs(low_m) > 1e-9 or abs(high_m) > 1e-9:
                origins |= self.bound_origins[i]
        return frozenset(origins)


# --------------------------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------------------------


class _Auditor:
    """Bounds for every hidden cell of one model, with solutions shared between cells."""

    def __init__(
        self,
        cells: Sequence[Cell],
        universe: Universe,
        *,
        rules: Rules,
        enumerate_limit: int,
        exact_sums: bool,
    ) -> None:
        self.universe = universe
        self.relaxed = not exact_sums
        self.enumerate_limit = enumerate_limit
        model, self.canon = _build(cells, universe, rules)
        self.model = model
        protected: set[int] = set()
        for cell in self.canon:
            if cell is None or cell.status != "hidden" or cell.statistic in ("share", "floor"):
                continue
            protected.add(model.index[("n", cell.group)])
            if cell.measure is not None:
                protected.add(model.index[("s", cell.measure, cell.group)])
        self.pre = _Presolved(model, self.canon, protected)
        self._count_cache: dict[int, tuple[float, float]] = {}

    def component(self, var: int) -> _Component | None:
        if self.pre.fixed(var):
            return None
        component = self.pre.component_of[var]
        component.check_feasible(self.canon)
        return component

    def var_range(self, var: int) -> tuple[float, float]:
        """The least and greatest value of one variable."""
        cached = self._count_cache.get(var)
        if cached is not None:
            return cached
        component = self.component(var)
        if component is None:
            found = (float(self.pre.lb[var]), float(self.pre.lb[var]))
        else:
            relaxed = self.relaxed and not self.pre.integer[var]
            low, high = component.attained(var)
            if low is None:
                lo_status, lo, _ = component.solve({var: 1.0}, relaxed=relaxed)
                low = -math.inf if lo_status == "unbounded" else lo
            if high is None:
                hi_status, neg_hi, _ = component.solve({var: -1.0}, relaxed=relaxed)
                high = math.inf if hi_status == "unbounded" else -neg_hi
            if self.pre.integer[var]:
                low = math.ceil(low - _INTEGER_TOLERANCE) if math.isfinite(low) else low
                high = math.floor(high + _INTEGER_TOLERANCE) if math.isfinite(high) else high
            found = (float(low), float(high))
        self._count_cache[var] = found
        return found

    def count_range(self, cell: Cell) -> CellRange:
        low, high = self.var_range(self.model.index[("n", cell.group)])
        return CellRange(cell, low, high)

    def sum_range(self, cell: Cell) -> CellRange:
        low, high = self.var_range(self.model.index[("s", cell.measure, cell.group)])
        return CellRange(cell, low, high)

    def mean_range(self, cell: Cell) -> CellRange:
        ns = self.model.index[("n", cell.group)]
        ss = self.model.index[("s", cell.measure, cell.group)]
        n_low, n_high = self.var_range(ns)
        n_low = max(n_low, 1.0)
        if math.isfinite(n_high) and n_high - n_low + 1 <= self.enumerate_limit:
            candidates = []
            for k in range(int(n_low), int(n_high) + 1):
                s_low, s_high = self._sum_range_at(ns, ss, k)
                if s_low is None:
                    continue
                candidates.append(Candidate(k, s_low / k, s_high / k))
            if not candidates:
                return CellRange(cell, -math.inf, math.inf)
            return CellRange(
                cell,
                min(c.low for c in candidates),
                max(c.high for c in candidates),
                tuple(candidates),
            )
        return CellRange(cell, *self._ratio_range(ns, ss, n_low, n_high))

    def _sum_range_at(self, ns: int, ss: int, k: int) -> tuple[float | None, float]:
        if self.pre.fixed(ss) and self.pre.fixed(ns):
            value = float(self.pre.lb[ss])
            return value, value
        component = self.component(ss) or self.component(ns)
        if component is None:
            value = float(self.pre.lb[ss])
            return value, value
        fix = {ns: float(k)} if ns in component.local else {}
        if self.pre.fixed(ss):
            status, _, _ = component.solve({}, fix, relaxed=self.relaxed)
            if status == "infeasible":
                return None, math.nan
            value = float(self.pre.lb[ss])
            return value, value
        lo_status, lo, _ = component.solve({ss: 1.0}, fix, relaxed=self.relaxed)
        if lo_status == "infeasible":
            return None, math.nan
        hi_status, neg_hi, _ = component.solve({ss: -1.0}, fix, relaxed=self.relaxed)
        low = -math.inf if lo_status == "unbounded" else lo
        high = math.inf if hi_status == "unbounded" else -neg_hi
        return low, high

    def _ratio_range(self, ns: int, ss: int, n_low: float, n_high: float) -> tuple[float, float]:
        """Exact least and greatest S/n by Dinkelbach's method (fallback: a sound outer box)."""
        component = self.component(ss) or self.component(ns)
        s_low, s_high = self.var_range(ss)
        # A sound box first: the extreme sums over the extreme counts.
        if s_low >= 0:
            outer_low = s_low / n_high if math.isfinite(n_high) else 0.0
        else:
            outer_low = s_low / n_low
        outer_high = s_high / n_low if s_high >= 0 else s_high / n_high
        if component is None or ns not in component.local or ss not in component.local:
            return outer_low, outer_high
        return (
            self._dinkelbach(component, ns, ss, +1, outer_low, self.relaxed),
            self._dinkelbach(component, ns, ss, -1, outer_high, self.relaxed),
        )

    @staticmethod
    def _dinkelbach(
        component: _Component, ns: int, ss: int, sign: int, fallback: float, relaxed: bool
    ) -> float:
        status, _, x = component.solve({ss: float(sign)}, relaxed=relaxed)
        if status != "optimal" or x is None:
            return fallback
        n_value = component.value_of(x, ns)
        if n_value < 0.5:
            return fallback
        ratio = component.value_of(x, ss) / n_value
        for _ in range(30):
            status, value, x = component.solve(
                {ss: float(sign), ns: -sign * ratio}, relaxed=relaxed
            )
            if status != "optimal" or x is None:
                return fallback
            if value >= -1e-7 * max(1.0, abs(ratio)):
                return ratio
            n_value = component.value_of(x, ns)
            if n_value < 0.5:
                return fallback
            ratio = component.value_of(x, ss) / n_value
        return fallback

    def sources(self, cell: Cell, found: CellRange) -> tuple[str, ...]:
        """The published cells an attacker's arithmetic for ``cell`` rests on."""
        ns = self.model.index[("n", cell.group)]
        if cell.statistic == "count":
            target, fix = ns, None
        else:
            target = self.model.index[("s", cell.measure, cell.group)]
            fix = None
            if cell.statistic == "mean" and found.candidates:
                counts = [c.count for c in found.candidates]
                truth_count = _nearest_count(cell, found)
                fix = {ns: float(truth_count if truth_count is not None else counts[0])}
        origins: set[int] = set(self.pre.bound_origins[target])
        if fix is not None and self.pre.fixed(ns):
            origins |= self.pre.bound_origins[ns]
        component = self.component(target)
        if component is not None:
            if fix is not None and ns not in component.local:
                fix = None
            # One side of the range is usually enough to name what the recovery rests on.
            origins |= component.binding({target: 1.0}, fix)
            if not origins - {o for o in origins if self.canon[o] is cell}:
                origins |= component.binding({target: -1.0}, fix)
        names: list[str] = []
        for number in sorted(origins):
            source = self.canon[number]
            if source is None or source is cell:
                continue
            if source.status == "hidden" and source.group == cell.group:
                continue
            if source.where not in names:
                names.append(source.where)
        return tuple(names)


def _nearest_count(cell: Cell, found: CellRange) -> int | None:
    """The candidate count whose mean range holds the true mean, if the truth is known."""
    if cell.true_value is None:
        return None
    for candidate in found.candidates:
        if candidate.low - 1e-6 <= cell.true_value <= candidate.high + 1e-6:
            return candidate.count
    return None


def _relative_width(low: float, high: float, truth: float | None) -> float:
    """Range width over the true value (over the midpoint without one); inf if unbounded."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return math.inf
    reference = abs(truth) if truth is not None else abs((low + high) / 2)
    if reference == 0:
        return 0.0 if high - low <= 0 else math.inf
    return (high - low) / reference


def _money(value: float, cell: Cell) -> str:
    if not math.isfinite(value):
        return "unbounded"
    text = f"{abs(value):,.{cell.decimals}f}"
    sign = "-" if value < 0 else ""
    if cell.unit.startswith("£"):
        return f"{sign}£{text}"
    if cell.unit == "%":
        return f"{sign}{text}%"
    return f"{sign}{text}"


def _phrase(cell: Cell, noun: str) -> str:
    if cell.statistic == "count":
        return f"number of {noun}"
    measure = (cell.measure or "").replace("_", " ")
    return f"{'mean' if cell.statistic == 'mean' else 'total'} {measure}"


def _from(sources: Sequence[str]) -> str:
    if not sources:
        return ""
    by_table: dict[str, list[str]] = defaultdict(list)
    for source in sources:
        table, _, label = source.partition(": ")
        by_table[table].append(label)
    parts = []
    for table, labels in by_table.items():
        shown = "; ".join(labels[:4]) + (f"; {len(labels) - 4} more" if len(labels) > 4 else "")
        parts.append(f"{table} ({shown})")
    return " (from " + ", ".join(parts) + ")"


def _judge(
    found: CellRange,
    *,
    threshold: int,
    tolerance: float,
    max_candidates: int,
) -> FindingKind | None:
    cell = found.cell
    if cell.statistic == "count":
        if found.low == found.high:
            return "pinned"
        if found.low >= 1 and found.high <= threshold - 1:
            return "small"
        return None
    if _relative_width(found.low, found.high, cell.true_value) <= tolerance:
        return "narrow"
    if cell.statistic == "mean" and 0 < len(found.candidates) <= max_candidates:
        if all(
            _relative_width(c.low, c.high, cell.true_value) <= tolerance for c in found.candidates
        ):
            return "candidates"
    return None


def _message(
    found: CellRange,
    kind: FindingKind,
    sources: Sequence[str],
    noun: str,
    *,
    behind: str | None = None,
) -> str:
    """One line for a person; ``behind`` is the label of the hidden mean an implied count
    belongs to."""
    cell = found.cell
    if behind is not None:
        what = f"{cell.table}: {behind}: the number of {noun} behind the hidden mean"
    else:
        what = f"{cell.where}: {_phrase(cell, noun)} is hidden but"
    if cell.statistic == "count":
        if kind == "pinned":
            body = f"must be {int(found.low)}"
        else:
            body = f"lies in {int(found.low)} to {int(found.high)}"
    elif kind == "candidates":
        values = [_money((c.low + c.high) / 2, cell) for c in found.candidates]
        counts = [str(c.count) for c in found.candidates]
        body = (
            f"is one of {_listed(values)} (for {_listed(counts)} {noun}), "
            f"each to within {_spread(found)}"
        )
    else:
        body = f"lies in {_money(found.low, cell)} to {_money(found.high, cell)}"
    return what + " " + body + _from(sources)


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _spread(found: CellRange) -> str:
    widest = max(c.high - c.low for c in found.candidates)
    return _money(widest / 2, found.cell).join(["±", ""]) if widest > 0 else "exactly"


def audit(
    cells: Sequence[Cell],
    universe: Universe,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    rules: Rules | None = None,
    tolerance: float = 0.05,
    max_candidates: int | None = None,
    exact_sums: bool = False,
) -> AuditResult:
    """Bound every hidden count, mean and sum by what the published cells allow.

    Parameters
    ----------
    cells : sequence of Cell
        Every published cell of the report (tables and headline figures), hidden ones with
        their true values where known.
    universe : Universe
        The declared dimensions (complete value sets) and measure bounds.
    threshold : int
        The suppression threshold: counts below it are small.
    rules : Rules, optional
        What the attacker knows of the publication's rules; default
        ``Rules.from_note(threshold)`` (an ``x`` mean has no children; a shown mean has at
        least ``threshold`` children).
    tolerance : float
        A hidden mean or sum whose range is at most this fraction of its value is disclosed.
    max_candidates : int, optional
        A hidden mean that is one of at most this many narrow values (one per possible count)
        is disclosed; default ``threshold - 1``. The audit enumerates a hidden mean's
        possible counts when there are at most this many, and otherwise finds only the
        mean's overall range.
    exact_sums : bool
        Bound sums and means by integer programs. By default they are bounded over the
        relaxation in which counts other than the one fixed may be fractional: sound, at
        most a little wider, and about ten times faster (counts are always exact).

    Returns
    -------
    AuditResult

    Raises
    ------
    AuditInconsistentError
        When no figures fit every published cell, or a hidden cell's true value lies outside
        the range derived for it: either way a spec, the universe or the rules are wrong.

    Notes
    -----
    A hidden mean whose group's count is published nowhere (the children of private homes
    outside Kent, say) has that count audited too, as an *implied* cell labelled
    ``"<mean's label> (number of children behind the mean)"``; it is reported only when
    pinned, since the hidden mean already says the count is small.

    Examples
    --------
    >>> u = Universe((Dimension("sex", ("F", "M")),))
    >>> published = [
    ...     Cell("t", "Female", Group.of(sex="F"), status="hidden", true_value=3),
    ...     Cell("t", "Male", Group.of(sex="M"), value=20),
    ...     Cell("t", "Total", Group.of(), value=23),
    ... ]
    >>> result = audit(published, u)
    >>> result.findings[0].message
    't: Female: number of children is hidden but must be 3 (from t (Male; Total))'
    """
    if max_candidates is None:
        max_candidates = threshold - 1
    auditor = _Auditor(
        cells,
        universe,
        rules=rules or Rules.from_note(threshold),
        enumerate_limit=max_candidates,
        exact_sums=exact_sums,
    )
    counted = {c.group for c in auditor.canon if c is not None and c.statistic == "count"}
    ranges: list[CellRange] = []
    findings: list[Finding] = []
    for cell in auditor.canon:
        if cell is None or cell.status != "hidden" or cell.statistic in ("share", "floor"):
            continue
        if cell.statistic == "count":
            found = auditor.count_range(cell)
        elif cell.statistic == "mean":
            found = auditor.mean_range(cell)
        else:
            found = auditor.sum_range(cell)
        if found.cell.true_value is not None and not found.contains(found.cell.true_value):
            raise AuditInconsistentError(
                f"{cell.where}: the true value {found.cell.true_value:g} lies outside the range "
                f"the audit derived ({found.low:g} to {found.high:g}), so one of its assumptions "
                "(the universe, a table spec or the publication rules) is false"
            )
        checks = [(found, False)]
        if cell.statistic == "mean" and cell.group not in counted:
            counted.add(cell.group)
            implied = replace(
                cell,
                label=f"{cell.label} (number of {universe.noun} behind the mean)",
                statistic="count",
                measure=None,
                unit="",
                decimals=0,
                true_value=None,
            )
            checks.append((auditor.count_range(implied), True))
        for checked, is_implied in checks:
            if not is_implied:
                ranges.append(checked)
            kind = _judge(
                checked,
                threshold=threshold,
                tolerance=tolerance,
                max_candidates=max_candidates,
            )
            if kind is None or (is_implied and kind != "pinned"):
                continue
            sources = auditor.sources(checked.cell, checked)
            findings.append(
                Finding(
                    table=checked.cell.table,
                    cell=checked.cell.label,
                    statistic=checked.cell.statistic,
                    kind=kind,
                    low=checked.low,
                    high=checked.high,
                    sources=sources,
                    message=_message(
                        checked,
                        kind,
                        sources,
                        universe.noun,
                        behind=cell.label if is_implied else None,
                    ),
                )
            )
    count_widths = [
        r.width for r in ranges if r.cell.statistic == "count" and math.isfinite(r.width)
    ]
    mean_widths = [
        _relative_width(r.low, r.high, r.cell.true_value) * 100
        for r in ranges
        if r.cell.statistic == "mean"
    ]
    return AuditResult(
        findings=tuple(findings),
        ranges=tuple(ranges),
        hidden_cells=len(ranges),
        narrowest_count_range=int(min(count_widths)) if count_widths else None,
        narrowest_mean_range_pct=min(mean_widths) if mean_widths else None,
        solves=auditor.pre.solves,
    )


# --------------------------------------------------------------------------------------------
# Reading published tidy CSVs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """What one indicator column of a tidy table publishes.

    Parameters
    ----------
    statistic : {"count", "mean", "sum", "share"}
    measure : str, optional
        For means and sums.
    extra : Group
        Dimension values the column itself implies (``location=out_of_area``).
    scale : float
        Multiply published values by this (``1e6`` for a column in £m).
    x : {"empty", "unknown"}
        What ``x`` means in this column: no children / nothing (``empty``, a known zero) or
        not available (``unknown``, no constraint).
    share_of : tuple of str
        For shares, the filter columns whose value the denominator drops ("the share of all
        age groups").
    rounded : bool, optional
        Whether shown values are rounded to the meta's ``indicator_dp``; default: yes for
        means, sums and shares, no for counts (counts of children are printed exactly).
    """

    statistic: Statistic
    measure: str | None = None
    extra: Group = Group()
    scale: float = 1.0
    x: Literal["empty", "unknown"] = "empty"
    share_of: tuple[str, ...] = ()
    rounded: bool | None = None


def count(*, x: Literal["empty", "unknown"] = "empty", **extra: str) -> Indicator:
    """A column of counts, of the row's group narrowed by ``extra``."""
    return Indicator("count", extra=Group.of(extra), x=x)


def mean(
    measure: str,
    *,
    scale: float = 1.0,
    x: Literal["empty", "unknown"] = "empty",
    **extra: str,
) -> Indicator:
    """A column of means of ``measure`` (in units of ``scale``, ``1e3`` for £k); ``x`` means
    no children unless ``x="unknown"``."""
    return Indicator("mean", measure=measure, extra=Group.of(extra), scale=scale, x=x)


def total(
    measure: str,
    *,
    scale: float = 1.0,
    x: Literal["empty", "unknown"] = "unknown",
    **extra: str,
) -> Indicator:
    """A column of sums of ``measure`` (spend), in units of ``scale``."""
    return Indicator("sum", measure=measure, extra=Group.of(extra), scale=scale, x=x)


def at_least(**extra: str) -> Indicator:
    """A column that is a lower bound on the row's number of children: the schools (or
    homes) with at least one placement, so the placements are at least that many."""
    return Indicator("floor", extra=Group.of(extra), x="unknown")


def share(*, of: Sequence[str] = (), **extra: str) -> Indicator:
    """A column of percentages: the row's count over the count without the ``of`` filters."""
    return Indicator("share", extra=Group.of(extra), x="unknown", share_of=tuple(of))


@dataclass(frozen=True)
class TableSpec:
    """How to read one tidy table as cells: declarative, one per published table.

    Parameters
    ----------
    indicators : mapping of column to Indicator
        The indicator columns to audit; others (shares of beds, homes) are ignored.
    dimensions : mapping of filter column to dimension name
        Default: a filter column names its own dimension.
    values : mapping of filter column to {published value: dimension value}
        Published values not listed are used as they are.
    fixed : mapping of dimension to value
        Values every cell of the table carries (``period=snapshot``); an indicator's
        ``extra`` overrides them.
    labels_only : tuple of str
        Filter columns that only label rows and define no group (``basis``, ``source``).
    total : str
        The filter value that means "all values" (the dimension is absent).
    optional : tuple of str
        Indicator columns a table may leave out (one printed in a form without them);
        any other indicator the table lacks is an error in the spec.
    """

    indicators: Mapping[str, Indicator]
    dimensions: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fixed: Mapping[str, str] = field(default_factory=dict)
    labels_only: tuple[str, ...] = ()
    total: str = "Total"
    optional: tuple[str, ...] = ()


_HIDDEN = {"c", "[c]"}
_EMPTY = {"x", "[x]"}
_SKIP = {"", "z", "[z]", "low", "u", "[u]"}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True)
class _Column:
    """One indicator column with what its metadata says: label, unit, rounding."""

    name: str
    indicator: Indicator
    label: str
    unit: str
    half_width: float
    decimals: int


def _columns(meta: Sequence[Mapping[str, str]], spec: TableSpec) -> list[_Column]:
    by_name = {m["col_name"]: m for m in meta}
    out = []
    for name, indicator in spec.indicators.items():
        info = by_name.get(name, {})
        dp_text = (info.get("indicator_dp") or "").strip()
        dp = int(float(dp_text)) if dp_text else 0
        rounded = indicator.rounded
        if rounded is None:
            rounded = indicator.statistic != "count"
        unit = info.get("indicator_unit") or ""
        out.append(
            _Column(
                name=name,
                indicator=indicator,
                label=info.get("label") or name,
                unit="£" if unit.startswith("£") else unit,
                half_width=0.5 * 10.0**-dp * indicator.scale if rounded else 0.0,
                decimals=0 if indicator.scale != 1.0 else dp,
            )
        )
    return out


def cells_from_tidy(
    csv_text: str,
    meta_text: str,
    *,
    table: str,
    spec: TableSpec,
) -> list[Cell]:
    """Read a published tidy CSV (and its ``.meta.csv``) as cells for :func:`audit`.

    Parameters
    ----------
    csv_text, meta_text : str
        The table and its EES metadata (``col_name``, ``col_type`` Filter/Indicator,
        ``label``, ``indicator_unit``, ``indicator_dp``).
    table : str
        The table's name in findings (its file stem).
    spec : TableSpec

    Returns
    -------
    list of Cell
        One per indicator cell the spec names, in row order; ``z`` and blank cells, and
        ``x`` in columns where it means "not available", give none.

    Raises
    ------
    ValueError
        When the spec names a column the table lacks, or a cell holds neither a number nor
        a symbol.

    Examples
    --------
    >>> data = "sex,children\\nF,c\\nM,20\\nTotal,23\\n"
    >>> meta = ("col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp\\n"
    ...         "sex,Filter,Sex,,,\\nchildren,Indicator,Children,,,0\\n")
    >>> cells = cells_from_tidy(data, meta, table="t", spec=TableSpec({"children": count()}))
    >>> [(c.label, c.status, c.value) for c in cells][:2]
    [('F, Children', 'hidden', None), ('M, Children', 'shown', 20.0)]
    """
    rows = _rows(csv_text)
    meta = _rows(meta_text)
    filters = [
        m["col_name"]
        for m in meta
        if m["col_type"] == "Filter" and m["col_name"] not in spec.labels_only
    ]
    present = set(rows[0]) if rows else set()
    unknown = [
        col for col in spec.indicators if rows and col not in present and col not in spec.optional
    ]
    if unknown:
        raise ValueError(f"{table}: spec names columns the table lacks: {', '.join(unknown)}")
    columns = [column for column in _columns(meta, spec) if column.name in present]
    cells: list[Cell] = []
    for row in rows:
        key: dict[str, str] = {}
        by_column: dict[str, str] = {}
        for column in filters:
            published = row[column]
            if published == spec.total:
                continue
            dim = spec.dimensions.get(column, column)
            key[dim] = spec.values.get(column, {}).get(published, published)
            by_column[column] = dim
        row_label = ", ".join(row[column] for column in filters) or spec.total
        for column in columns:
            cell = _cell(row[column.name], column, key, by_column, row_label, table, spec)
            if cell is not None:
                cells.append(cell)
    return cells


def _cell(
    text: str,
    column: _Column,
    key: Mapping[str, str],
    by_column: Mapping[str, str],
    row_label: str,
    table: str,
    spec: TableSpec,
) -> Cell | None:
    raw = text.strip().lower()
    indicator = column.indicator
    if raw in _SKIP or (raw in _EMPTY and indicator.x == "unknown"):
        return None
    denominator = None
    if indicator.statistic == "share":
        dropped = {by_column[c] for c in indicator.share_of if c in by_column}
        kept = {d: v for d, v in key.items() if d not in dropped}
        denominator = Group.of({**spec.fixed, **kept})
    common = dict(
        table=table,
        label=f"{row_label}, {column.label}",
        group=Group.of({**spec.fixed, **key, **indicator.extra.as_dict()}),
        statistic=indicator.statistic,
        half_width=column.half_width,
        measure=indicator.measure,
        denominator=denominator,
        unit=column.unit,
        decimals=column.decimals,
    )
    if raw in _HIDDEN:
        return Cell(status="hidden", **common)  # type: ignore[arg-type]
    if raw in _EMPTY:
        return Cell(status="empty", **common)  # type: ignore[arg-type]
    try:
        value = float(raw.replace(",", "").replace("£", "")) * indicator.scale
    except ValueError as error:
        raise ValueError(
            f"{table}: {column.name} holds {text!r}, not a number or symbol"
        ) from error
    return Cell(status="shown", value=value, **common)  # type: ignore[arg-type]


def with_truth(published: Iterable[Cell], unsuppressed: Iterable[Cell]) -> list[Cell]:
    """``published`` with each hidden cell's true value taken from the unsuppressed cells.

    The render builds both lists with :func:`cells_from_tidy` from the same spec, one from the
    table as published and one from the table before suppression (in memory only).
    """
    truth: dict[tuple, float | None] = {}
    for cell in unsuppressed:
        truth[_identity(cell)] = cell.value if cell.status == "shown" else 0.0
    out = []
    for cell in published:
        if cell.status == "hidden":
            cell = replace(cell, true_value=truth.get(_identity(cell)))
        out.append(cell)
    return out


def _identity(cell: Cell) -> tuple:
    return (cell.table, cell.statistic, cell.measure, cell.group, cell.denominator)


# ------------------------------------------------------------------ figures outside the tables

#: unit of a figure -> (decimal places it is published to, scales a table may print it at)
_FIGURE_UNITS: dict[str, tuple[int, tuple[float, ...]]] = {
    "count": (0, (1.0,)),
    "percent_rounded": (0, (1.0,)),
    "percent_1dp": (1, (1.0,)),
    "gbp": (0, (1.0,)),
    "gbp_rounded": (0, (1.0,)),
    "gbp_millions_0dp": (0, (1.0, 1e6)),
    "gbp_millions_1dp": (1, (1.0, 1e6)),
    "gbp_millions_2dp": (2, (1.0, 1e6)),
    "gbp_thousands_2dp": (2, (1.0, 1e3)),
}


def published_numbers(csv_text: str, meta_text: str) -> list[tuple[float, float]]:
    """Every number a tidy CSV publishes in its indicator columns (symbols left out), with
    its rounding: ``(value, half_width)``, from the column's ``indicator_dp``.

    >>> meta = "col_name,col_type,indicator_dp\\nsex,Filter,\\nchildren,Indicator,0\\n"
    >>> published_numbers("sex,children\\nF,c\\nM,20\\n", meta)
    [(20.0, 0.5)]
    """
    places = {
        m["col_name"]: int(m.get("indicator_dp") or 0)
        for m in _rows(meta_text)
        if m.get("col_type") == "Indicator"
    }
    numbers = []
    for row in _rows(csv_text):
        for column, value in row.items():
            if column in places:
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    continue
                if math.isfinite(number):
                    numbers.append((number, 0.5 * 10.0 ** -places[column]))
    return numbers


def untraced_figures(
    figures: Mapping[str, Mapping[str, object]],
    numbers: Iterable[tuple[float, float]],
    declared: Mapping[str, str],
) -> list[str]:
    """The figures of ``figures.json`` the audit cannot check: a number that no published
    table prints (at the figure's precision) and that the report type does not declare as
    made from published figures or from the definition's assumptions.

    The audit reads the tables; a figure outside them (a headline computed from the data
    that no table shows) could publish what the tables hide, so it must be in a table or be
    declared (``declared`` maps an id pattern, as in ``fnmatch``, to why it is safe).

    A figure matches a printed number when both could be the same value rounded their two
    ways (a share printed 32.5% in a table and 32% in figures.json).

    >>> figures = {"a.total": {"value": 12, "unit": "count"},
    ...            "a.gap": {"value": 7, "unit": "gbp_rounded"},
    ...            "a.spend_m": {"value": 1.2, "unit": "gbp_millions_1dp"}}
    >>> numbers = [(12.0, 0.5), (1234567.0, 0.5), (32.5, 0.05)]
    >>> untraced_figures(figures, numbers, {})
    ['a.gap']
    >>> untraced_figures(figures, numbers, {"*.gap": "a difference of two"})
    []
    >>> untraced_figures({"s": {"value": 32, "unit": "percent_rounded"}}, numbers, {})
    []
    """
    numbers = sorted(numbers)
    values = np.array([n for n, _ in numbers])
    widths = np.array([w for _, w in numbers])
    out = []
    for figure_id, figure in sorted(figures.items()):
        unit, value = figure.get("unit"), figure.get("value")
        if unit not in _FIGURE_UNITS or not isinstance(value, int | float):
            continue  # lists of years or districts, and hidden figures (None)
        if any(fnmatch.fnmatchcase(figure_id, pattern) for pattern in declared):
            continue
        places, scales = _FIGURE_UNITS[unit]
        own = 0.5 * 10.0**-places
        matched = any(
            bool(np.any(np.abs(values / scale - value) <= own + widths / scale + 1e-9))
            for scale in scales
        )
        if not matched:
            out.append(figure_id)
    return out
