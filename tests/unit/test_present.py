"""Tests for pipeline.present: how table cells print."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.present import NOT_AVAILABLE_NOTE, Column, HtmlTable, fmt_gbp


def _table(mask: pd.DataFrame | None = None) -> HtmlTable:
    frame = pd.DataFrame(
        {"avg": [54_460.0, np.nan, np.nan], "basis": ["fees", "", "fees"]},
        index=["DPS", "Non-DPS", "Total"],
    )
    return HtmlTable(
        frame,
        caption="Table 1: Average cost",
        columns=[
            Column("avg", "Average cost", fmt_gbp),
            Column("basis", "Basis", str, numeric=False),
        ],
        row_header="Status",
        mask=mask,
    )


def test_a_missing_number_prints_as_x_with_its_note_and_a_blank_text_stays_blank():
    table = _table()
    avg, basis = table.columns
    assert table.cell_text("Non-DPS", avg) == "[x]"
    assert table.cell_text("Non-DPS", basis) == ""
    assert table.cell_text("DPS", avg) == "£54,460"
    assert NOT_AVAILABLE_NOTE in table.to_html()
    assert table.value("Non-DPS", avg, symbol="c") == "x"


def test_a_hidden_cell_prints_as_c_and_needs_no_x_note_when_nothing_else_is_missing():
    mask = pd.DataFrame(False, index=["DPS", "Non-DPS", "Total"], columns=["avg", "basis"])
    mask.loc[["Non-DPS", "Total"], "avg"] = True
    table = _table(mask)
    assert table.cell_text("Non-DPS", table.columns[0]) == "[c]"
    assert NOT_AVAILABLE_NOTE not in table.to_html()
