"""Display formatting: numbers to text the way committee papers print them, tables to HTML.

Computing happens in ``pipeline.tables``; this module only formats. Rounding is half-up, as
in the published papers (``round`` in Python rounds half to even, which would print 20.5% as
20%).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from pipeline.naming import snake_case

Formatter = Callable[[object], str]
SUPPRESSED = "[c]"
SUPPRESSION_NOTE = (
    "[c]: suppressed to protect confidentiality (fewer than {threshold} children, a figure "
    "derived from them, or a figure that would let one be worked out)."
)
NOT_AVAILABLE = "[x]"
NOT_AVAILABLE_NOTE = "[x]: not available (this table has no figure for that cell)."
NUM = ' class="num"'


def round_half_up(value: float, places: int = 0) -> float:
    """Round half away from zero, as spreadsheets and committee papers do.

    >>> round_half_up(20.5), round_half_up(46.755, 2), round_half_up(-0.5)
    (21.0, 46.76, -1.0)
    """
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def fmt_count(value: object) -> str:
    """``1094`` -> ``1,094``.

    >>> fmt_count(1094)
    '1,094'
    """
    return "" if _missing(value) else f"{int(round_half_up(float(value))):,}"


def count_of(n: int, noun: str) -> str:
    """A count and its noun, singular for one.

    >>> count_of(1, "duplicate"), count_of(1784, "placement")
    ('1 duplicate', '1,784 placements')
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def with_article(word: str) -> str:
    """``a`` or ``an`` before a label, by its first letter (labels here are not acronyms
    said letter by letter, which would need ``an`` before ``SEN``: a rule for later).

    >>> with_article("Off-framework"), with_article("Lot 1"), with_article("Non-DPS")
    ('an Off-framework', 'a Lot 1', 'a Non-DPS')
    """
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def fmt_pct(value: object, places: int = 0) -> str:
    """``60.98`` -> ``61%``.

    >>> fmt_pct(60.98), fmt_pct(9.434, 1)
    ('61%', '9.4%')
    """
    if _missing(value):
        return ""
    return f"{round_half_up(float(value), places):,.{places}f}%"


def fmt_financial_year(label: object) -> str:
    """A financial year as GOV.UK writes it, in tables, sentences and charts alike.

    >>> fmt_financial_year("2017/18")
    '2017-18'
    """
    return str(label).strip().replace("/", "-")


def fmt_share(value: object) -> str:
    """A share of children to the whole per cent, where a group that has children never reads
    as 0%: ``0.4`` -> ``<1%`` (the same in a chart's labels and its table).

    >>> fmt_share(0.4), fmt_share(0.0), fmt_share(52.04)
    ('<1%', '0%', '52%')
    """
    if _missing(value):
        return ""
    number = float(value)
    return "<1%" if number > 0 and round_half_up(number) == 0 else fmt_pct(number)


def fmt_gbp(value: object, places: int = 0) -> str:
    """``54460.4`` -> ``£54,460``.

    >>> fmt_gbp(54460.4), fmt_gbp(-12.5)
    ('£54,460', '-£13')
    """
    if _missing(value):
        return ""
    number = round_half_up(float(value), places)
    sign = "-" if number < 0 else ""
    return f"{sign}£{abs(number):,.{places}f}"


def fmt_gbp_m(value: object, places: int = 1) -> str:
    """Pounds as millions: ``46757000`` -> ``£46.8m``.

    >>> fmt_gbp_m(46757000, 2)
    '£46.76m'
    """
    if _missing(value):
        return ""
    return f"£{round_half_up(float(value) / 1e6, places):,.{places}f}m"


def fmt_number(value: object, places: int = 2) -> str:
    """A plain number with fixed places: ``46.757`` -> ``46.76``.

    >>> fmt_number(46.757)
    '46.76'
    """
    return "" if _missing(value) else f"{round_half_up(float(value), places):,.{places}f}"


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """An English list; a serial comma only where an item itself contains "and".

    >>> join_words(["Dartford"]), join_words(["A", "B", "C"]), join_words(["A", "B"], "or")
    ('Dartford', 'A, B and C', 'A or B')
    >>> join_words(["Dartford", "Folkestone and Hythe", "Tonbridge and Malling"])
    'Dartford, Folkestone and Hythe, and Tonbridge and Malling'
    >>> join_words([])
    'none'
    """
    items = [str(i) for i in items]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    serial = "," if len(items) > 2 and any(" and " in i for i in items) else ""
    return f"{', '.join(items[:-1])}{serial} {conjunction} {items[-1]}"


def fmt_move(first: object, last: object, fmt: Callable[[object], str] = fmt_count) -> str:
    """How a figure moved between two extracts, judged on the figures as printed, so that a
    sentence never says a share "went from 45% to 45%".

    >>> fmt_move(1839, 2069), fmt_move(45.2, 44.9, fmt_pct)
    ('went from 1,839 to 2,069', 'stayed at 45%')
    """
    before, after = fmt(first), fmt(last)
    return f"stayed at {before}" if before == after else f"went from {before} to {after}"


def mid_sentence(text: str, names: frozenset[str] = frozenset()) -> str:
    """Lower-case a label's first letter for use inside a sentence, keeping acronyms and
    ``names`` (words that begin a name: a place, an ethnic group).

    >>> mid_sentence("Financial year 2024-25"), mid_sentence("DPS schools")
    ('financial year 2024-25', 'DPS schools')
    >>> mid_sentence("Kent Analytics snapshot, January 2024", frozenset({"Kent"}))
    'Kent Analytics snapshot, January 2024'
    """
    if (len(text) > 1 and text[1].isupper()) or text.split(" ", 1)[0] in names:
        return text
    return text[:1].lower() + text[1:]


def sentence_case(text: str) -> str:
    """Upper-case the first letter only (``str.capitalize`` would lower-case the rest).

    >>> sentence_case("as at 30 June 2025")
    'As at 30 June 2025'
    """
    return text[:1].upper() + text[1:]


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def fmt_date(day: dt.date) -> str:
    """A date as committee papers print it, whatever the machine's locale.

    >>> fmt_date(dt.date(2025, 11, 18))
    '18 November 2025'
    """
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Column:
    """A displayed column: source column, header text, formatter and published unit.

    ``unit`` is the Explore Education Statistics indicator unit of the published CSV: ``""``
    for a count, ``"%"``, ``"£"`` or ``"£m"``; ``"text"`` marks a label column (a filter).
    """

    source: str
    header: str
    fmt: Formatter = fmt_count
    numeric: bool = True
    unit: str = ""
    dp: int = 0
    indicator: str | None = None

    @property
    def name(self) -> str:
        """Snake-case indicator name for tidy files."""
        return self.indicator or snake_case(self.source)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: A number the formatters print, to read a column's places, symbol and separators from.
_PROBE = 1234.5678


def spreadsheet_format(column: Column) -> str | None:
    """The spreadsheet number format that shows a column's numbers as its table prints them
    (read from what the column's formatter prints), or None for a text column.

    >>> spreadsheet_format(Column("n", "Placements"))
    '#,##0'
    >>> spreadsheet_format(Column("fee", "Average annual cost", fmt_gbp, unit="£"))
    '£#,##0'
    >>> spreadsheet_format(Column("p", "Share", fmt_pct, unit="%", dp=1))
    '0%'
    >>> spreadsheet_format(Column("p", "Share", lambda v: fmt_pct(v, 1), unit="%", dp=1))
    '0.0%'
    >>> spreadsheet_format(Column("m", "Value (£m)", lambda v: fmt_number(v, 1), unit="£m"))
    '#,##0.0'

    A share of children that the table prints as ``<1%`` rather than 0% reads the same:

    >>> spreadsheet_format(Column("p", "Share", fmt_share, unit="%", dp=1))
    '[=0]0%;[<0.005]"<1%";0%'
    """
    if not column.numeric or column.unit == "text":
        return None
    shown = column.fmt(_PROBE)
    places = len(shown.split(".", 1)[1].rstrip("%m")) if "." in shown else 0
    decimals = "." + "0" * places if places else ""
    if shown.endswith("%"):
        plain = f"0{decimals}%"
        if column.fmt(0.4) == "<1%":  # fmt_share: a group with children never reads 0%
            return f'[=0]{plain};[<0.005]"<1%";{plain}'
        return plain
    grouping = "#,##0" if "," in shown else "0"
    currency = "£" if shown.startswith("£") else ""
    return f"{currency}{grouping}{decimals}"


def spreadsheet_scale(column: Column) -> float:
    """What a column's published values are multiplied by in a spreadsheet: a share printed
    with ``%`` is kept as a fraction, as spreadsheets keep percentages.

    >>> spreadsheet_scale(Column("p", "Share", fmt_pct, unit="%")), spreadsheet_scale(
    ...     Column("n", "Placements"))
    (0.01, 1)
    """
    fmt = spreadsheet_format(column)
    return 0.01 if fmt is not None and fmt.endswith("%") else 1


#: Tables of at most this many rows are kept on one page when printed.
SHORT_TABLE_ROWS = 12


@dataclass
class HtmlTable:
    """An accessible table (caption, column and row headers with scope), suppression-aware.

    ``mask`` (same index and columns as ``frame``) marks cells that disclosure control hides:
    they print as ``[c]`` here and in the spreadsheet, ``c`` in the tidy CSV. A number that is
    missing (an average over no children) prints as ``[x]``, ``x`` in the tidy CSV, never as a
    blank cell. ``name`` is the
    file stem of the published CSV; ``split`` describes how the wide columns unfold into a
    filter of the tidy file: ``(filter, label, {filter value: {indicator: column}})``.
    """

    frame: pd.DataFrame
    caption: str
    columns: Sequence[Column]
    row_header: str
    row_labels: Callable[[object], str] = str
    note: str | None = None
    total_row: str | None = "Total"
    id: str | None = None
    mask: pd.DataFrame | None = None
    name: str | None = None
    split: tuple[str, str, dict[str, dict[str, str]]] | None = None
    threshold: int = 5

    def hidden(self, label: object, column: str) -> bool:
        if self.mask is None or column not in self.mask.columns:
            return False
        return bool(self.mask.loc[label, column])

    @property
    def any_hidden(self) -> bool:
        return self.mask is not None and bool(self.mask.to_numpy().any())

    def _not_available(self, label: object, column: Column) -> bool:
        return (
            column.numeric
            and column.unit != "text"
            and _missing(self.frame.loc[label, column.source])
        )

    @property
    def any_not_available(self) -> bool:
        return any(
            self._not_available(label, c) and not self.hidden(label, c.source)
            for label in self.frame.index
            for c in self.columns
        )

    def cell_text(self, label: object, column: Column) -> str:
        if self.hidden(label, column.source):
            return SUPPRESSED
        if self._not_available(label, column):
            return NOT_AVAILABLE
        return column.fmt(self.frame.loc[label, column.source])

    def to_html(self) -> str:
        head = "".join(
            f'<th scope="col"{NUM if c.numeric else ""}>{html.escape(c.header)}</th>'
            for c in self.columns
        )
        rows = []
        for label in self.frame.index:
            is_total = self.total_row is not None and label == self.total_row
            cells = "".join(
                f"<td{NUM if c.numeric else ''}>{html.escape(self.cell_text(label, c))}</td>"
                for c in self.columns
            )
            css = ' class="total"' if is_total else ""
            rows.append(
                f'<tr{css}><th scope="row">{html.escape(self.row_labels(label))}</th>{cells}</tr>'
            )
        ident = f' id="{html.escape(self.id)}"' if self.id else ""
        suppression = SUPPRESSION_NOTE.format(threshold=self.threshold)
        notes = [
            n
            for n in (
                self.note,
                suppression if self.any_hidden else None,
                NOT_AVAILABLE_NOTE if self.any_not_available else None,
            )
            if n
        ]
        note = "".join(f'<p class="table-note">{html.escape(n)}</p>' for n in notes)
        # a short table is kept on one page rather than split a row or two from its end
        wrap = "table-wrap short" if len(self.frame) <= SHORT_TABLE_ROWS else "table-wrap"
        return (
            f'<div class="{wrap}"><table class="data-table"{ident}>'
            f"<caption>{html.escape(self.caption)}</caption>"
            f'<thead><tr><th scope="col">{html.escape(self.row_header)}</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{note}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def value(self, label: object, column: Column, *, symbol: str) -> object:
        """A cell for a published file: rounded number, text, or the suppression symbol."""
        if self.hidden(label, column.source):
            return symbol
        raw = self.frame.loc[label, column.source]
        not_available = "x" if symbol == "c" else NOT_AVAILABLE
        if not column.numeric or column.unit == "text":
            return not_available if _missing(raw) or raw == "" else str(raw)
        if _missing(raw):
            return not_available
        number = round_half_up(float(raw), column.dp)
        return int(number) if column.dp == 0 else number

    def to_spreadsheet_frame(self) -> pd.DataFrame:
        """The table as displayed, for one spreadsheet sheet (``[c]`` where hidden).

        Numbers stay numbers, to be shown through ``spreadsheet_formats``: a share is kept as
        a fraction (61.3% as 0.613), as spreadsheets keep percentages. A header names its unit
        once: a share's ``%`` is in its number format, and £m is added only to a header
        that does not already say it.
        """
        data = {self.row_header: [self.row_labels(label) for label in self.frame.index]}
        for column in self.columns:
            header = column.header
            if column.unit == "£m" and "£m" not in header:
                header += " (£m)"
            scale = spreadsheet_scale(column)
            values = [self.value(lbl, column, symbol=SUPPRESSED) for lbl in self.frame.index]
            if scale != 1:
                values = [round(v * scale, column.dp + 2) if _is_number(v) else v for v in values]
            data[header] = values
        # object columns: numbers and symbols share a column in a published spreadsheet
        return pd.DataFrame(data, dtype=object)

    def spreadsheet_formats(self) -> list[str | None]:
        """The number format of each column of ``to_spreadsheet_frame`` (None: text)."""
        return [None, *(spreadsheet_format(column) for column in self.columns)]

    def to_tidy(self, row_filter: str) -> tuple[pd.DataFrame, list[tuple[str, str, str, int]]]:
        """Long form for the tidy CSV: filter columns then indicators (``c`` where hidden).

        Returns the frame (every value already a published value) and the indicator list as
        ``(name, label, unit, dp)``.
        """
        labels = [self.row_labels(label) for label in self.frame.index]
        if self.split is None:
            indicators = [c for c in self.columns if c.numeric and c.unit != "text"]
            extra = [c for c in self.columns if not c.numeric or c.unit == "text"]
            data: dict[str, list[object]] = {row_filter: labels}
            for column in extra:
                data[column.name] = [
                    self.value(lbl, column, symbol="c") for lbl in self.frame.index
                ]
            for column in indicators:
                data[column.name] = [
                    self.value(lbl, column, symbol="c") for lbl in self.frame.index
                ]
            meta = [(c.name, c.header, c.unit, c.dp) for c in indicators]
            return pd.DataFrame(data), meta
        split_filter, _, groups = self.split
        by_source = {c.source: c for c in self.columns}
        names: list[str] = []
        for mapping in groups.values():
            for indicator in mapping:
                if indicator not in names:
                    names.append(indicator)
        rows = []
        for label, text in zip(self.frame.index, labels, strict=True):
            for value, mapping in groups.items():
                row: dict[str, object] = {row_filter: text, split_filter: value}
                for indicator in names:
                    source = mapping.get(indicator)
                    row[indicator] = (
                        "z" if source is None else self.value(label, by_source[source], symbol="c")
                    )
                rows.append(row)
        meta = []
        for indicator in names:
            source = next(m[indicator] for m in groups.values() if indicator in m)
            column = by_source[source]
            label = indicator.replace("_", " ").capitalize()
            meta.append((indicator, label, column.unit, column.dp))
        return pd.DataFrame(rows), meta


@dataclass
class HtmlFigure:
    """A chart as an inline SVG image with alt text, caption and source note."""

    svg: str
    title: str
    subtitle: str
    alt: str
    source: str
    note: str | None = None

    def to_html(self) -> str:
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        note = f'<span class="chart-note">{html.escape(self.note)}</span>' if self.note else ""
        return (
            '<figure class="chart">'
            f'<figcaption><span class="chart-title">{html.escape(self.title)}</span>'
            f'<span class="chart-subtitle">{html.escape(self.subtitle)}</span></figcaption>'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(self.alt)}">'
            f'<p class="chart-source">{html.escape(self.source)}{" " if note else ""}{note}</p>'
            "</figure>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass
class Section:
    """A block of the appendix: heading, paragraphs, tables and figures, shown as HTML."""

    heading: str
    parts: list[object] = field(default_factory=list)
    level: int = 2

    def para(self, text: str) -> Section:
        self.parts.append(f"<p>{html.escape(text)}</p>")
        return self

    def bullets(self, items: Sequence[str]) -> Section:
        lis = "".join(f"<li>{html.escape(i)}</li>" for i in items)
        self.parts.append(f"<ul>{lis}</ul>")
        return self

    def add(self, part: HtmlTable | HtmlFigure) -> Section:
        self.parts.append(part)
        return self

    def to_html(self) -> str:
        body = "".join(p if isinstance(p, str) else p.to_html() for p in self.parts)
        level = self.level
        return f"<section><h{level}>{html.escape(self.heading)}</h{level}>{body}</section>"

    def _repr_html_(self) -> str:
        return self.to_html()
