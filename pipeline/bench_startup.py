"""Start-up and whole-process speed, as a user meets it: ``python -m pipeline.bench_startup``.

``pipeline.bench`` times the cleaning work inside warm processes. A user runs whole
commands, so this bench times fresh processes from start to exit:

* ``python -m pipeline clean`` on the bench's synthetic national-scale export at 65,000 and
  650,000 rows, beside a fresh process that does pandas' own Arrow read of the same file and
  one groupby (the reference), and beside a fresh process that only imports what ``clean``
  imports (so the import share of the whole is known);
* the import time of each entry point: the command line (``--help``), ``clean``'s modules,
  the modules a render's notebook kernel imports for each report type, and the render
  process's own modules;
* which of pandas, pyarrow, pydantic, pandera, matplotlib, WeasyPrint, gptables and
  hypothesis each entry point loads (a command should load only what it uses).

Figures go to ``bench/results/startup.json`` (git-ignored) with a verdict on the target: the
650,000-row clean within 2x the reference, whole processes both. Tests never assert timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results" / "startup.json"
SIZES = (65_000, 650_000)
TARGET_RATIO = 2.0
SNAPSHOT = "2025-06-30"

#: What each entry point imports, as Python code a fresh interpreter runs.
ENTRY_POINTS = {
    "command line (--help)": "import pipeline.__main__",
    "clean": "import pipeline.__main__, pipeline.io, pipeline.ingest, pipeline.reports.inmss.clean",
    "render kernel, inmss": "from pipeline.reports.inmss import appendix",
    "render kernel, residential": "from pipeline.reports.residential import appendix",
    "render process": "import pipeline.render, pipeline.document, pipeline.gate, pipeline.publish",
}
#: Heavy libraries whose presence in a process is worth knowing.
WATCHED = (
    "pandas",
    "pyarrow",
    "pydantic",
    "pandera",
    "matplotlib",
    "weasyprint",
    "gptables",
    "openpyxl",
    "hypothesis",
    "scipy",
)

_LOADED = f"import sys, json; print(json.dumps([m for m in {list(WATCHED)!r} if m in sys.modules]))"


def _python() -> list[str]:
    return [sys.executable]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    return env


def time_process(args: list[str], repeats: int) -> float:
    """The fastest of ``repeats`` wall times of a fresh process running ``args``."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, cwd=PROJECT_ROOT, env=_environment())
        best = min(best, time.perf_counter() - started)
    return best


def import_profile(code: str, repeats: int) -> dict:
    """Seconds to import ``code`` in a fresh interpreter (beyond a bare one), the watched
    libraries it loads, and its heaviest top-level imports (from ``-X importtime``)."""
    bare = time_process([*_python(), "-c", "pass"], repeats)
    whole = time_process([*_python(), "-c", code], repeats)
    loaded = subprocess.run(
        [*_python(), "-c", f"{code}; {_LOADED}"],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=_environment(),
    )
    traced = subprocess.run(
        [*_python(), "-X", "importtime", "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=_environment(),
    )
    return {
        "seconds": round(whole - bare, 3),
        "loads": json.loads(loaded.stdout.strip().splitlines()[-1]),
        "largest": heaviest_imports(traced.stderr),
    }


def heaviest_imports(importtime: str, n: int = 6) -> dict[str, float]:
    r"""The packages with the largest cumulative import time, in seconds, wherever in the
    import tree they were first imported (the line naming the package itself).

    >>> trace = "import time: self [us] | cumulative | imported package\n"
    >>> trace += "import time:  10 |  250000 |   pandas\nimport time:   5 |   90 |     pandas.x\n"
    >>> trace += "import time:  7 |  300000 | pipeline\n"
    >>> heaviest_imports(trace)
    {'pandas': 0.25}
    """
    totals: dict[str, float] = {}
    for line in importtime.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        if "." in name or name.startswith("_") or name == "pipeline":
            continue  # a submodule, an internal module, or this project
        totals[name] = max(totals.get(name, 0.0), int(parts[1]) / 1e6)
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:n]
    return {name: round(seconds, 3) for name, seconds in ranked if seconds >= 0.01}


def _reference_code(path: Path) -> str:
    return (
        "import pandas as pd; "
        f"frame = pd.read_csv({str(path)!r}, engine='pyarrow'); "
        "frame.groupby('DPS Status')['Annual Fee'].size()"
    )


def measure_size(data_dir: Path, rows: int, repeats: int) -> dict:
    """Whole-process times of ``clean`` and the reference on a generated export of ``rows``."""
    from pipeline import bench

    path = data_dir / f"export_{rows}.csv"
    if not path.exists():
        bench.write_csv(path, rows)
    out = data_dir / f"clean_{rows}"
    clean = time_process(
        [
            *_python(),
            "-m",
            "pipeline",
            "clean",
            "--council",
            bench.COUNCIL.name,
            str(path),
            "--out",
            str(out),
            "--snapshot-date",
            SNAPSHOT,
        ],
        repeats,
    )
    reference = time_process([*_python(), "-c", _reference_code(path)], repeats)
    imports = time_process([*_python(), "-c", ENTRY_POINTS["clean"]], repeats)
    return {
        "rows": rows,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "clean_seconds": round(clean, 3),
        "reference_seconds": round(reference, 3),
        "clean_imports_seconds": round(imports, 3),
        "ratio": round(clean / reference, 2),
    }


def run(data_dir: Path, sizes: tuple[int, ...], repeats: int) -> dict:
    """Every measurement, with the target's verdict."""
    entry_points = {name: import_profile(code, repeats) for name, code in ENTRY_POINTS.items()}
    whole = {str(rows): measure_size(data_dir, rows, repeats) for rows in sizes}
    largest = whole[str(max(sizes))]
    return {
        "entry_points": entry_points,
        "whole_process": whole,
        "target": {
            "rows": largest["rows"],
            "ratio": largest["ratio"],
            "target": TARGET_RATIO,
            "met": largest["ratio"] <= TARGET_RATIO,
        },
    }


def summary(results: dict) -> str:
    """The figures as plain text for the terminal."""
    lines = [f"{'entry point':<28} {'import s':>8}  loads"]
    for name, entry in results["entry_points"].items():
        lines.append(f"{name:<28} {entry['seconds']:>8.2f}  {', '.join(entry['loads'])}")
    lines += ["", f"{'rows':>9} {'clean s':>8} {'imports s':>9} {'reference s':>11} {'ratio':>6}"]
    for entry in results["whole_process"].values():
        lines.append(
            f"{entry['rows']:>9,} {entry['clean_seconds']:>8.2f} "
            f"{entry['clean_imports_seconds']:>9.2f} {entry['reference_seconds']:>11.2f} "
            f"{entry['ratio']:>6.2f}"
        )
    target = results["target"]
    verdict = "met" if target["met"] else "NOT met"
    lines.append(f"\nwhole-process clean within {target['target']}x the reference: {verdict}")
    return "\n".join(lines)


def write_results(
    results: dict, out: Path, *, repeats: int, versions: dict[str, str] | None = None
) -> Path:
    """Write a bench's results with the machine they were measured on (both benches)."""
    results["machine"] = {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        **(versions or {}),
        "measured": dt.datetime.now().isoformat(timespec="seconds"),
        "repeats": repeats,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench_startup", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3, help="runs per task; the fastest counts")
    parser.add_argument("--data", help="folder to keep the generated exports in (reused)")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(args.data) if args.data else Path(scratch)
        data_dir.mkdir(parents=True, exist_ok=True)
        results = run(data_dir, tuple(args.sizes), args.repeats)
    out = write_results(results, Path(args.out), repeats=args.repeats)
    print(summary(results))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
