"""Every one of the release's 153 local authorities gets its national context appendix
(reports/context-2025.yml, fanned out over the release), rendered by the batch machinery and
passed by the publication gate and the disclosure audit (a refused member fails the batch)."""

from __future__ import annotations

import csv
import json

import pytest

from pipeline import render
from pipeline.config import PROJECT_ROOT
from pipeline.ehcp_statistics import local_authorities
from tests.fixtures import ees_screener

DEFINITION = PROJECT_ROOT / "reports" / "context-2025.yml"
RELEASE = PROJECT_ROOT / "data" / "external" / "ehcp-2025"
REQUIRED = (
    "context.ehc_plans",
    "context.region_inmss_share_pct",
    "context.england_inmss_share_pct",
)


@pytest.mark.render
def test_all_153_context_appendices_render_and_pass_the_gate():
    results, failures = render.render_all([DEFINITION], jobs=2, progress=False)
    assert failures == []
    authorities = {f"context-2025-{a['name']}": a for a in local_authorities(RELEASE)}
    assert len(results) == len(authorities) == 153
    by_code = {}
    refused: list[str] = []  # what the EES screener would refuse, of every member's tidy files
    for result in results:
        figures = json.loads((result.out_dir / "figures.json").read_text())
        figures = figures.get("figures", figures)
        for figure_id in REQUIRED:
            assert figure_id in figures, f"{result.report_id} lacks {figure_id}"
        audit = json.loads((result.out_dir / "internal" / render.AUDIT_RECORD).read_text())
        assert audit["findings"] == 0
        with (result.out_dir / "tables" / "context_trend.csv").open(encoding="utf-8") as f:
            first = next(csv.DictReader(f))
        by_code[first["new_la_code"]] = (first["la_name"], figures)
        for data in sorted((result.out_dir / "tables").glob("*.csv")):
            if not data.name.endswith(".meta.csv"):
                meta = data.with_name(data.name.replace(".csv", ".meta.csv"))
                refused += [
                    f"{result.report_id}/{data.name}: {f}"
                    for f in ees_screener.failures(ees_screener.screen(data, meta))
                ]
    assert refused == []
    for authority in authorities.values():
        name, figures = by_code[authority["new_la_code"]]
        assert name == authority["name"]  # each member carries its own codes
        if "context.inmss_plans" in figures and "context.inmss_share_rank" in figures:
            assert 1 <= figures["context.inmss_share_rank"]["value"] <= 153
    kent = by_code["E10000016"][1]
    assert kent["context.inmss_plans"]["value"] == 1623
    assert kent["context.inmss_share_pct"]["value"] == 7.9
