"""Display formatting: numbers to text the way committee papers print them, tables to HTML.

Computing happens in ``pipeline.tables``; this module only formats. Rounding is half-up, as
in the published papers (``round`` in Python rounds half to even, which would print 20.5% as
20%).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

Formatter = Callable[[object], str]
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


def fmt_pct(value: object, places: int = 0) -> str:
    """``60.98`` -> ``61%``.

    >>> fmt_pct(60.98), fmt_pct(9.434, 1)
    ('61%', '9.4%')
    """
    if _missing(value):
        return ""
    return f"{round_half_up(float(value), places):,.{places}f}%"


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


def join_words(items: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``a, b and c``.

    >>> join_words(["Dartford"]), join_words(["A", "B", "C"])
    ('Dartford', 'A, B and C')
    """
    items = list(items)
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Column:
    """A displayed column: source column, header text and formatter."""

    source: str
    header: str
    fmt: Formatter = fmt_count
    numeric: bool = True


@dataclass
class HtmlTable:
    """An accessible HTML table (caption, column and row headers with scope)."""

    frame: pd.DataFrame
    caption: str
    columns: Sequence[Column]
    row_header: str
    row_labels: Callable[[object], str] = str
    note: str | None = None
    total_row: str | None = "Total"
    id: str | None = None

    def to_html(self) -> str:
        head = "".join(
            f'<th scope="col"{NUM if c.numeric else ""}>{html.escape(c.header)}</th>'
            for c in self.columns
        )
        rows = []
        for label, row in self.frame.iterrows():
            is_total = self.total_row is not None and label == self.total_row
            cells = "".join(
                f"<td{NUM if c.numeric else ''}>{html.escape(c.fmt(row[c.source]))}</td>"
                for c in self.columns
            )
            css = ' class="total"' if is_total else ""
            rows.append(
                f'<tr{css}><th scope="row">{html.escape(self.row_labels(label))}</th>{cells}</tr>'
            )
        ident = f' id="{html.escape(self.id)}"' if self.id else ""
        note = f'<p class="table-note">{html.escape(self.note)}</p>' if self.note else ""
        return (
            f'<div class="table-wrap"><table class="data-table"{ident}>'
            f"<caption>{html.escape(self.caption)}</caption>"
            f'<thead><tr><th scope="col">{html.escape(self.row_header)}</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{note}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


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
