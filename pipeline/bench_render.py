"""Render benchmarks: end to end against a plain script, a cached rerun, and a batch.

Run with ``python -m pipeline.bench_render`` (``make bench`` runs it after the cleaning
benchmark). Writes ``bench/results/render.json`` and prints a summary. Tests never assert
timings; these figures are for people.

Measured, all in one run on this machine:

- one sample appendix end to end (``render_report(force=True)`` from a cold interim folder),
  with the time of each stage, against a plain Python script that cleans the same inputs,
  computes the same sections and writes the same HTML, PDF and table files without notebooks;
- a cached rerun of the same report through the command line (a fresh process, as a user
  would run it);
- the district fan-out (12 appendices) rendered with ``--jobs 1`` and ``--jobs 2``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.config import PROJECT_ROOT, expand_fan_out, load_report_definition

SAMPLE = PROJECT_ROOT / "reports" / "25-00065.yml"
DISTRICTS = PROJECT_ROOT / "reports" / "districts-2025.yml"
RESULTS = PROJECT_ROOT / "bench" / "results" / "render.json"


def plain_script(definition_path: Path, out: Path) -> dict[str, float]:
    """The same appendix without notebooks: clean, compute, HTML, PDF, tables, in-process."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from pipeline import document, io
    from pipeline.render import document_meta, table_files
    from pipeline.reports.inmss import appendix

    timings = {}
    start = time.perf_counter()
    definition = load_report_definition(definition_path)
    interim = out / "interim"
    io.clean_inputs(definition, interim)
    timings["clean"] = time.perf_counter() - start

    start = time.perf_counter()
    report = appendix.load(definition_path, interim)
    sections = [getattr(report, name)() for name in report.SECTIONS]  # one per notebook cell
    cells = []
    for section in sections:
        if section is None:
            continue
        cell = new_code_cell("")
        cell.outputs = [new_output("display_data", data={"text/html": section.to_html()})]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    timings["execute"] = time.perf_counter() - start

    start = time.perf_counter()
    html = document.build_html(nbformat.from_dict(nb), document_meta(definition))
    timings["html"] = time.perf_counter() - start
    start = time.perf_counter()
    pdf = document.build_pdf(html)
    timings["pdf"] = time.perf_counter() - start
    start = time.perf_counter()
    files = table_files(definition, report.published)
    timings["xlsx_csv"] = time.perf_counter() - start
    (out / "appendix.html").write_text(html, encoding="utf-8")
    (out / "appendix.pdf").write_bytes(pdf)
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    timings["total"] = sum(timings.values())
    return timings


def _run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    results: dict[str, object] = {"machine": {"python": sys.version.split()[0]}}
    from pipeline import render

    # 1. end to end, from nothing cached, each path in a fresh process as a user runs it
    definition = load_report_definition(SAMPLE)
    notebook_runs, plain_runs = [], []
    stages: dict[str, float] = {}
    plain_stages: dict[str, float] = {}
    for _ in range(2):  # alternate the two paths; keep each one's best
        shutil.rmtree(render.interim_dir(definition), ignore_errors=True)
        notebook_runs.append(
            _run([sys.executable, "-m", "pipeline", "render", str(SAMPLE), "--force"])
        )
        manifest = json.loads((render.output_dir(definition) / "manifest.json").read_text())
        if notebook_runs[-1] == min(notebook_runs):
            stages = manifest["timings_seconds"]
        with tempfile.TemporaryDirectory() as folder:
            plain_runs.append(
                _run([sys.executable, "-m", "pipeline.bench_render", "--plain-into", folder])
            )
            if plain_runs[-1] == min(plain_runs):
                plain_stages = json.loads((Path(folder) / "timings.json").read_text())
    notebook_total, script_total = min(notebook_runs), min(plain_runs)
    results["end_to_end"] = {
        "report": definition.id,
        "notebook_render_seconds": round(notebook_total, 2),
        "notebook_stages_seconds": stages,
        "plain_script_seconds": round(script_total, 2),
        "plain_script_stages_seconds": {k: round(v, 2) for k, v in plain_stages.items()},
        "ratio": round(notebook_total / script_total, 2),
        "target_ratio": 1.5,
        "note": "both timed as fresh processes (interpreter start and imports included); the "
        "notebook render also starts a kernel, runs the publication gate and writes the "
        "manifest; the plain script does none of these",
    }

    # 2. a cached rerun, as a user runs it (new process, nothing changed)
    cached = [_run([sys.executable, "-m", "pipeline", "render", str(SAMPLE)]) for _ in range(3)]
    results["cached_rerun"] = {
        "seconds": [round(v, 3) for v in cached],
        "best_seconds": round(min(cached), 3),
        "target_seconds": 1.0,
    }

    # 3. the district fan-out with one and two workers (interim prepared once, outside timing)
    members = len(expand_fan_out(load_report_definition(DISTRICTS)))
    render.prepare_interim(DISTRICTS)
    batch = {}
    member_ids = [v["id"] for v in expand_fan_out(load_report_definition(DISTRICTS))]
    for jobs in (1, 2):
        # no --force (it would re-clean the shared inputs first): removing each member's
        # manifest makes every member render, with the clean data prepared once above
        for member in member_ids:
            (PROJECT_ROOT / "reports" / member / "manifest.json").unlink(missing_ok=True)
        command = [sys.executable, "-m", "pipeline", "render", str(DISTRICTS), "--jobs", str(jobs)]
        batch[f"jobs_{jobs}_seconds"] = round(_run(command), 2)
    batch["speedup"] = round(batch["jobs_1_seconds"] / batch["jobs_2_seconds"], 2)
    batch["appendices"] = members
    batch["target_speedup"] = 1.7
    results["batch"] = batch

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    e2e = results["end_to_end"]
    print(
        f"end to end {e2e['notebook_render_seconds']}s vs plain script "
        f"{e2e['plain_script_seconds']}s: ratio {e2e['ratio']} (target <= 1.5)"
    )
    print(f"cached rerun best {results['cached_rerun']['best_seconds']}s (target < 1 s)")
    print(
        f"{members} district appendices: --jobs 1 {batch['jobs_1_seconds']}s, --jobs 2 "
        f"{batch['jobs_2_seconds']}s, speed-up {batch['speedup']} (target >= 1.7)"
    )
    print(f"written to {RESULTS.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--plain-into":
        target = Path(sys.argv[2])
        times = plain_script(SAMPLE, target)
        (target / "timings.json").write_text(json.dumps(times))
        sys.exit(0)
    sys.exit(main())
