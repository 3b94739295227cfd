"""The report kernel: numbering that survives re-running a section, tables published once."""

import datetime as dt

import pandas as pd
import pytest

from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.kernel import ReportKernel
from pipeline.present import Column, HtmlTable, Section


class Tiny(ReportKernel):
    SECTIONS = ("first", "second")

    def first(self) -> Section:
        section = Section("First")
        for name in ("a", "b"):
            section.add(self._table(self._make(name), extract=None, row_filter="group"))
        return section

    def second(self) -> Section:
        return Section("Second").add(self._table(self._make("c"), extract=None, row_filter="g"))

    def _make(self, name: str) -> HtmlTable:
        frame = pd.DataFrame({"children": [7, 9]}, index=["x", "y"])
        return HtmlTable(
            frame,
            caption=self._caption(f"Table {name}"),
            columns=[Column("children", "Children")],
            row_header="Group",
            name=f"table_{name}",
        )


@pytest.fixture
def report() -> Tiny:
    definition = load_report_definition(PROJECT_ROOT / "reports" / "25-00065.yml")
    return Tiny(definition, cleaning={})


def captions(section: Section) -> list[str]:
    return [part.caption for part in section.parts if isinstance(part, HtmlTable)]


def test_tables_are_numbered_in_report_order(report):
    assert captions(report.first()) == ["Table 1: Table a", "Table 2: Table b"]
    assert captions(report.second()) == ["Table 3: Table c"]


def test_running_a_section_again_keeps_every_number_and_publishes_nothing_twice(report):
    report.first()
    report.second()
    assert captions(report.first()) == ["Table 1: Table a", "Table 2: Table b"]
    assert captions(report.second()) == ["Table 3: Table c"]
    assert [p["name"] for p in report.published] == ["table_a", "table_b", "table_c"]


def test_a_section_run_out_of_order_first_takes_the_next_numbers(report):
    assert captions(report.second()) == ["Table 1: Table c"]
    assert captions(report.first()) == ["Table 2: Table a", "Table 3: Table b"]
    assert captions(report.second()) == ["Table 1: Table c"]


def test_the_threshold_and_sources_come_from_the_definition(report):
    assert report.threshold == report.definition.parameters.suppression_threshold
    source = report._source("snapshot_2025_06_30")
    assert source == "Source: Snapshot at 30 June 2025 (synthetic sample data)."
    assert dt.date(2025, 6, 30) == report.definition.inputs["snapshot_2025_06_30"].as_at
