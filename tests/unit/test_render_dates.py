"""Each report is stamped with its own date, however many one process renders."""

from __future__ import annotations

import os

from pipeline import render
from pipeline.config import load_report_definition


def test_a_render_date_set_by_a_previous_render_is_not_taken_for_the_users(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(render, "_SET_BY_RENDER", None)
    first = load_report_definition(render.PROJECT_ROOT / "reports" / "25-00007.yml")
    second = load_report_definition(render.PROJECT_ROOT / "reports" / "districts-2025.yml")
    a = render._source_date_epoch(first)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", a)  # as render_report leaves it
    b = render._source_date_epoch(second)
    assert a != b
    assert b == str(int(render.dt.datetime(2025, 11, 18, tzinfo=render.dt.UTC).timestamp()))


def test_a_users_source_date_epoch_is_kept_for_every_report(monkeypatch):
    monkeypatch.setattr(render, "_SET_BY_RENDER", None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name in ("25-00007.yml", "districts-2025.yml"):
        definition = load_report_definition(render.PROJECT_ROOT / "reports" / name)
        assert render._source_date_epoch(definition) == "1700000000"
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"
