"""The report kernel: what every report needs, whatever its type.

A report type's report class (``reports.inmss.appendix.Appendix``, a plug-in's own) builds
on ``ReportKernel``, which owns the parts no section should write twice:

* table and chart numbering (``caption``, ``chart``), the same every time a section runs:
  numbers belong to a section's place in the report, so re-running a notebook cell in
  JupyterLab keeps its numbers and does not renumber the tables after it;
* the figure registry (``figures``; ``put`` records a table cell, a hidden one as suppressed);
* table publication (``table``): the tidy CSV / workbook payload of each published table,
  replaced, never repeated, when its section runs again;
* sources (``source``) and figure-id prefixes (``prefix``);
* the charts as shown (``charts``: words, SVG and PNG, for the Word document and the
  ``charts/`` folder);
* handing the figures, tables and charts to the renderer (``publish_figures``);
* the author's narrative filled with the figures as they stand (``narrative``), for a notebook;
* the parts every report words alike: a chart as shown (``_figure``) and the largest row of a
  profile table.

What members do not read (input files and hashes, the commit, the reproducing command, the
reconciliation of rows) is not a section: the renderer writes it into the reviewers'
quality-assurance note (``pipeline.qa_note``).

A type names its sections in ``SECTIONS`` (the methods its notebook calls, one per cell);
the kernel wraps each so that its numbering is scoped to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ClassVar

import pandas as pd

from pipeline import (
    CHARTS_MIMETYPE,
    FIGURES_MIMETYPE,
    HIDDEN_FIGURES_MIMETYPE,
    TABLES_MIMETYPE,
    publish,
    tables,
)
from pipeline.config import ReportDefinition
from pipeline.errors import RenderError, ReportDefinitionError, UserError
from pipeline.figures import FigureRegistry
from pipeline.present import HtmlFigure, HtmlTable, mid_sentence
from pipeline.vocabulary import ETHNIC_GROUP_NAMES


def _scoped(method: Callable) -> Callable:
    """Run a section with its own numbering scope (see ``ReportKernel``)."""

    @functools.wraps(method)
    def section(self: ReportKernel, *args, **kwargs):
        outer = self._scope
        self._scope = (method.__name__, {})
        try:
            return method(self, *args, **kwargs)
        finally:
            self._scope = outer

    section.__wrapped_section__ = True
    return section


class ReportKernel:
    """Numbering, figures, published tables and sources of one report.

    Parameters
    ----------
    definition : ReportDefinition
        The report's validated definition.
    cleaning : dict
        The cleaning report of each cleaned input, by input name.
    provenance : dict, optional
        Commit, input hashes and the reproducing command (for the reviewers' notes).
    """

    #: The methods the type's notebook calls, one per cell, in report order.
    SECTIONS: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.SECTIONS:
            method = getattr(cls, name, None)  # its own, or one it takes from the kernel
            if method is not None and not getattr(method, "__wrapped_section__", False):
                setattr(cls, name, _scoped(method))

    def __init__(
        self,
        definition: ReportDefinition,
        cleaning: dict[str, dict],
        provenance: dict | None = None,
    ) -> None:
        self.definition = definition
        self.cleaning = cleaning
        self.provenance = provenance or {}
        self.figures = FigureRegistry()
        self._published: dict[str, dict] = {}
        self._charts: dict[str, dict] = {}
        self._numbers: dict[tuple, int] = {}
        self._scope: tuple[str, dict] = ("", {})
        self._add_dates()

    def _add_dates(self) -> None:
        """Each input's dates as figures (``s25.as_at``; ``p24.period_start``,
        ``p24.period_end``), so that a sentence saying "as of 30 June 2025" takes its date
        from the definition like any other figure (``pipeline.narrative``)."""
        for name, extract in self.definition.inputs.items():
            prefix = extract.figure_prefix or name
            for key in ("as_at", "period_start", "period_end"):
                day = getattr(extract, key)
                if day is not None:
                    label = f"{key.replace('_', ' ').capitalize()}, {extract.label}"
                    self.figures.add(f"{prefix}.{key}", day.isoformat(), "date", label)

    # --- numbering

    def _number(self, kind: str) -> int:
        """The number of the next table or chart of the running section: the same on every
        run of that section, the next free one the first time."""
        section, seen = self._scope
        seen[kind] = seen.get(kind, 0) + 1
        key = (kind, section, seen[kind]) if section else (kind, len(self._numbers))
        if key not in self._numbers:
            self._numbers[key] = 1 + sum(1 for k in self._numbers if k[0] == kind)
        return self._numbers[key]

    def _caption(self, text: str) -> str:
        """``Table N: text``, numbered in report order."""
        return f"Table {self._number('table')}: {text}"

    def _chart_title(self, title: str) -> str:
        """``Chart N: title``, numbered in report order."""
        return f"Chart {self._number('chart')}: {title}"

    # --- the report's settings

    @property
    def threshold(self) -> int:
        return self.definition.parameters.suppression_threshold

    def _prefix(self, extract_name: str) -> str:
        extract = self.definition.inputs[extract_name]
        return extract.figure_prefix or extract_name

    def _source(self, extract_name: str, *more: str) -> str:
        """``Source: <label> (synthetic sample data).``; with more extracts, one line for all
        (``Sources: A; B; C (synthetic sample data).``), never "Source:" three times."""
        names = list(dict.fromkeys((extract_name, *more)))
        labels = "; ".join(self.definition.inputs[n].label for n in names)
        synthetic = " (synthetic sample data)" if self.definition.synthetic_data else ""
        return f"Source{'s' if len(names) > 1 else ''}: {labels}{synthetic}."

    # --- tables and figures

    @property
    def published(self) -> list[dict]:
        """The published tables' payloads, in the order they first appeared."""
        return list(self._published.values())

    def _table(
        self,
        table: HtmlTable,
        *,
        extract: str | None,
        row_filter: str,
        publish_: bool = True,
        time: tuple[str, str] | None = None,
        source: str | None = None,
        row_time: dict | None = None,
        row_geography: dict | None = None,
    ) -> HtmlTable:
        """Set a table's threshold and hand it to the published files (tidy CSV, XLSX).

        ``time`` (EES time_period and time_identifier) and ``source`` replace what the
        extract gives, for a table of published statistics rather than of an export;
        ``row_time`` and ``row_geography`` give rows that are years or areas their own
        (``publish.table_payload``). A part-year period's tables say which months."""
        table.threshold = self.threshold
        if publish_ and table.name:
            source_extract = self.definition.inputs[extract] if extract else None
            period = time or publish.time_of(
                source_extract.as_at if source_extract else None,
                source_extract.period_start if source_extract else None,
            )
            if period is None and row_time is None:
                raise self._undated(table.name, [extract] if extract else [])
            if source is None:
                source = self._source(extract) if extract else ""
            self._published[table.name] = publish.table_payload(
                table,
                row_filter=row_filter,
                time_period=period[0] if period else "",
                time_identifier=period[1] if period else "",
                source=source,
                row_time=row_time,
                row_geography=row_geography,
                months=publish.months_covered(
                    source_extract.period_start, source_extract.period_end
                )
                if source_extract is not None and time is None
                else None,
            )
        return table

    def _undated(self, table: str, extracts: list[str]) -> UserError:
        """The error for a published table with no time period (EES has no blank one): the
        inputs it comes from need a date, or, with none, its report type must give a time."""
        if not extracts:
            return RenderError(
                f"{self.definition.id}: table '{table}' has no time period; its report type "
                "must give it one (time= or row_time= in ReportKernel._table)"
            )
        keys = ", ".join(f"inputs.{name}" for name in extracts)
        return ReportDefinitionError(
            f"{self.definition.id}: {keys} has no date, and '{table}' is published from it; "
            "add as_at: (the day a snapshot was taken) or period_start: and period_end: "
            "(the months a count covers) to it"
        )

    def _extract_times(self, names: list[str], labels: list[str]) -> dict:
        """The ``row_time`` of a table whose rows are extracts (labelled ``labels``): each
        extract's own month or financial year; where snapshots (months) and periods (years)
        meet in one table, each in the financial year it falls in, since EES allows one kind
        of time in a file (the row's extract filter says which date or months)."""
        extracts = [self.definition.inputs[n] for n in names]
        times = [publish.time_of(e.as_at, e.period_start) for e in extracts]
        if undated := [n for n, time in zip(names, times, strict=True) if time is None]:
            raise self._undated("the trend across extracts", undated)
        if len({identifier == "Financial year" for _, identifier in times}) > 1:
            times = [
                (publish.financial_year(e.as_at or e.period_start), "Financial year")
                for e in extracts
            ]
        return {
            "column": "extract",
            "times": dict(zip(labels, times, strict=True)),
            "keep": True,
        }

    def _put(
        self,
        figure_id: str,
        frame: pd.DataFrame,
        row: object,
        column: str,
        unit: str,
        label: str,
        mask: pd.DataFrame | None = None,
        scale: float = 1.0,
    ) -> None:
        """Record one table cell as a figure; a cell disclosure control hides is recorded as
        suppressed, with no value."""
        value = frame.loc[row, column]
        if mask is not None and column in mask.columns and bool(mask.loc[row, column]):
            # the true value goes to the words audit only, never into figures.json
            self.figures.hide(figure_id, unit, label, value / scale if scale != 1.0 else value)
            return
        self.figures.add(figure_id, value / scale if scale != 1.0 else value, unit, label)

    def _text(self, table: HtmlTable, row: object, column: str) -> str:
        """A cell as printed in its table, for binding into a sentence."""
        spec = next(c for c in table.columns if c.source == column)
        return table.cell_text(row, spec)

    def _figure(self, chart, extra_note: str | None = None) -> HtmlFigure:
        """A chart as the appendix shows it: numbered, with its alt text, source and notes."""
        from pipeline import charts

        note = " ".join(n for n in (chart.note, extra_note) if n) or None
        figure = HtmlFigure(
            svg=charts.to_svg(chart),
            title=self._chart_title(chart.title),
            subtitle=chart.subtitle,
            alt=chart.alt,
            source=chart.source,
            note=note,
        )
        # keyed by its number, so a section run again replaces its charts, never repeats them
        self._charts[figure.title.partition(":")[0]] = charts.payload(figure, chart)
        return figure

    @property
    def charts(self) -> list[dict]:
        """The charts shown, in the order they first appeared (see ``charts.payload``)."""
        return list(self._charts.values())

    def _largest_group(self, table: HtmlTable, header: str) -> str | None:
        """The phrase naming the biggest row of a profile table (columns ``total`` and
        ``pct``), in the table's own words and figures, such as "the largest age band is 11 to
        15 (56%)"; None when no row has children or the biggest row's share is hidden (a
        smaller row shown would not be the largest, and naming none says nothing hidden)."""
        rows = table.frame.drop(index=tables.TOTAL)
        if not len(rows) or rows["total"].max() <= 0:
            return None
        top = rows["total"].idxmax()
        if table.mask is not None and bool(table.mask.loc[top, "pct"]):
            return None
        noun = header.lower()
        what = noun if noun.endswith(("band", "group")) else f"group by {noun}"
        label = mid_sentence(str(table.row_labels(top)), ETHNIC_GROUP_NAMES)  # "male", "White"
        return f"the largest {what} is {label} ({self._text(table, top, 'pct')})"

    def narrative(self, path: str | None = None):
        """The definition's narrative (or the one at ``path``) filled with the figures as they
        stand, for an analyst's notebook cell: problems are marked in the text and listed,
        not raised (``pipeline.narrative.preview``; a render refuses them)."""
        from pipeline import narrative

        return narrative.preview(self, path)

    def publish_figures(self) -> None:
        """Display the figures, published tables and charts as hidden output, for the renderer."""
        from IPython.display import display

        display(
            {
                FIGURES_MIMETYPE: self.figures.as_dict(),
                TABLES_MIMETYPE: self.published,
                CHARTS_MIMETYPE: self.charts,
                HIDDEN_FIGURES_MIMETYPE: self.figures.hidden(),
            },
            raw=True,
            metadata={"pipeline": {"hidden": True}},
        )
