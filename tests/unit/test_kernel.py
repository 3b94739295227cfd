"""The report kernel: numbering that survives re-running a section, tables published once."""

import datetime as dt

import pandas as pd
import pytest

from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.errors import RenderError, ReportDefinitionError
from pipeline.kernel import ReportKernel
from pipeline.present import Column, HtmlTable, Section

SNAPSHOT = "snapshot_2025_06_30"


class Tiny(ReportKernel):
    SECTIONS = ("first", "second")

    def first(self) -> Section:
        section = Section("First")
        for name in ("a", "b"):
            section.add(self._table(self._make(name), extract=SNAPSHOT, row_filter="group"))
        return section

    def second(self) -> Section:
        table = self._table(self._make("c"), extract=SNAPSHOT, row_filter="g")
        return Section("Second").add(table)

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


def _undate(report, name):
    inputs = report.definition.inputs
    inputs[name] = inputs[name].model_copy(update={"as_at": None})


def test_a_table_from_an_input_with_no_date_names_the_input_and_the_fix(report):
    _undate(report, SNAPSHOT)
    with pytest.raises(ReportDefinitionError) as caught:
        report.first()
    message = str(caught.value)
    assert "inputs.snapshot_2025_06_30 has no date" in message
    assert "'table_a'" in message and "add as_at:" in message


def test_a_table_with_no_input_and_no_time_is_refused_not_published_blank(report):
    with pytest.raises(RenderError, match="'table_x' has no time period"):
        report._table(report._make("x"), extract=None, row_filter="group")
    table = report._table(report._make("y"), extract=None, row_filter="g", time=("2025", "June"))
    assert report.published[-1]["name"] == "table_y" and table.name == "table_y"


def test_a_trend_over_an_undated_input_names_it(report):
    _undate(report, "snapshot_2024_01")
    with pytest.raises(ReportDefinitionError, match="inputs.snapshot_2024_01 has no date"):
        report._extract_times([SNAPSHOT, "snapshot_2024_01"], ["June 2025", "January 2024"])
