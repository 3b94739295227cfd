"""Benchmark of the national context for every council: the 153 appendices of
``reports/context-2025.yml`` rendered with one worker and with two.

Run with ``python -m pipeline.bench_context`` (``make bench`` runs it). Writes
``bench/results/context.json``: wall time of each batch, reports per minute, and each report's
own cost (its render time and the time of each stage, from the batch's results). Tests never
assert timings; these figures are for people.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from pipeline.config import PROJECT_ROOT

DEFINITION = PROJECT_ROOT / "reports" / "context-2025.yml"
RESULTS = PROJECT_ROOT / "bench" / "results" / "context.json"


def batch(jobs: int) -> dict:
    """Render all 153 with ``jobs`` workers (forced: nothing is skipped) and time it."""
    from pipeline.render import render_all

    started = time.perf_counter()
    results, failures = render_all([DEFINITION], jobs=jobs, force=True, progress=True)
    wall = time.perf_counter() - started
    totals = [r.timings.get("total", 0.0) for r in results]
    stages: dict[str, list[float]] = {}
    for result in results:
        for stage, seconds in result.timings.items():
            stages.setdefault(stage, []).append(seconds)
    return {
        "jobs": jobs,
        "reports": len(results),
        "failures": [list(f) for f in failures],
        "wall_s": round(wall, 1),
        "wall_per_report_s": round(wall / max(1, len(results)), 2),
        "report_s": {
            "median": round(statistics.median(totals), 2) if totals else None,
            "max": round(max(totals), 2) if totals else None,
        },
        "stage_median_s": {k: round(statistics.median(v), 2) for k, v in sorted(stages.items())},
        "per_report_s": {r.report_id: round(r.timings.get("total", 0.0), 2) for r in results},
    }


def main() -> int:
    runs = [batch(1), batch(2)]
    speedup = runs[0]["wall_s"] / runs[1]["wall_s"] if runs[1]["wall_s"] else None
    record = {"definition": str(DEFINITION.relative_to(PROJECT_ROOT)), "runs": runs}
    record["speedup_2_workers"] = round(speedup, 2) if speedup else None
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    for run in runs:
        print(
            f"context appendices, --jobs {run['jobs']}: {run['reports']} in {run['wall_s']}s "
            f"({run['wall_per_report_s']}s each; one report's own render median "
            f"{run['report_s']['median']}s), {len(run['failures'])} failed"
        )
    print(f"wrote {RESULTS.relative_to(PROJECT_ROOT)}")
    return 0 if not any(run["failures"] for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
