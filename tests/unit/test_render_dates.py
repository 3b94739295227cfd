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


def test_a_stale_whole_render_of_a_fan_out_is_removed_and_nothing_else(tmp_path, monkeypatch):
    # reports/districts-2025/ was once rendered whole; the definition now renders only its
    # members, so that folder's old appendix (with what old versions printed) never updates
    import json

    from pipeline import render
    from pipeline.config import PROJECT_ROOT, load_report_definition

    definition = load_report_definition(PROJECT_ROOT / "reports" / "districts-2025.yml")
    out = tmp_path / "reports" / definition.id
    monkeypatch.setattr(render, "output_dir", lambda d: out)
    monkeypatch.setattr(render, "PROJECT_ROOT", tmp_path)

    def folder(record: dict) -> None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "appendix.html").write_text("old")
        (out / "manifest.json").write_text(json.dumps(record))

    folder({"report": "another-report", "variant": {}})
    assert render.remove_whole_render(definition) is None and out.exists()
    folder({"report": definition.id, "variant": {"id": "districts-2025-dover"}})
    assert render.remove_whole_render(definition) is None and out.exists()
    folder({"report": definition.id, "variant": {}})
    assert render.remove_whole_render(definition) == out and not out.exists()
    assert render.remove_whole_render(definition) is None  # nothing there: nothing to do
