"""Command line: ``python -m pipeline render|clean|synth|check``.

Every failure a user can cause ends as one line on stderr starting ``error:`` and exit code 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipeline.config import PROJECT_ROOT, ReportDefinitionError

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2


def _cmd_render(args: argparse.Namespace) -> int:
    from pipeline.render import render_report

    for path in args.definitions:
        result = render_report(path)
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
        print(
            f"rendered {result.report_id} -> {result.out_dir.relative_to(PROJECT_ROOT)}/ ({stages})"
        )
    return EXIT_OK


def _cmd_synth(args: argparse.Namespace) -> int:
    from pipeline.synth import DEFAULT_SEED, write_samples

    seed = DEFAULT_SEED if args.seed is None else args.seed
    for path in write_samples(Path(args.out), seed=seed):
        print(f"wrote {path}")
    return EXIT_OK


def _cmd_clean(args: argparse.Namespace) -> int:
    from pipeline import io
    from pipeline.clean import clean_snapshot
    from pipeline.config import Framework
    from pipeline.ingest import read_export

    raw = read_export(args.input, sheet=args.sheet)
    snapshot = dt.date.fromisoformat(args.snapshot_date) if args.snapshot_date else dt.date.today()
    result = clean_snapshot(
        raw, framework=Framework(), snapshot_date=snapshot, source=Path(args.input).name
    )
    io.write_clean_outputs(result, args.out)
    r = result.report
    print(
        f"{args.input}: {r['rows_in']} rows read, {r['clean']} clean, {r['quarantined']} "
        f"quarantined, {r['duplicates']} duplicates -> {args.out}"
    )
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from pipeline import io
    from pipeline.figures import compare_with_published

    published = io.read_yaml(Path(args.against))["figures"]
    exit_code = EXIT_OK
    for report_dir in args.report_dirs:
        figures = io.read_json(Path(report_dir) / "figures.json")["figures"]
        for item in compare_with_published(figures, published):
            mark = "ok  " if item.reproduced else "DIFF"
            if not item.reproduced:
                exit_code = EXIT_MISMATCH
            print(
                f"{mark} {item.figure_id:38} published {item.published!s:>12}  "
                f"recomputed {item.recomputed!s:>22}  ({item.source})"
            )
    return exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="render reports/<id>.yml into reports/<id>/")
    render.add_argument("definitions", nargs="+", help="report definition files")
    render.set_defaults(func=_cmd_render)

    synth = sub.add_parser("synth", help="rewrite the synthetic sample exports in data/raw/")
    synth.add_argument("--out", default=str(PROJECT_ROOT / "data" / "raw"))
    synth.add_argument("--seed", type=int, default=None)
    synth.set_defaults(func=_cmd_synth)

    clean = sub.add_parser("clean", help="clean one export into DIR")
    clean.add_argument("input")
    clean.add_argument("--out", required=True)
    clean.add_argument("--sheet")
    clean.add_argument("--snapshot-date")
    clean.set_defaults(func=_cmd_clean)

    check = sub.add_parser("check", help="compare rendered figures.json with published figures")
    check.add_argument("report_dirs", nargs="+")
    check.add_argument(
        "--against", default=str(PROJECT_ROOT / "data" / "published" / "published-figures.yml")
    )
    check.set_defaults(func=_cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        return args.func(args)
    from pipeline.clean import MissingColumnsError
    from pipeline.ingest import InputFileError
    from pipeline.render import RenderError

    try:
        return args.func(args)
    except (ReportDefinitionError, InputFileError, RenderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except MissingColumnsError as exc:
        print(
            f"error: {getattr(args, 'input', '')}: {exc}. Fix: rename the columns or add an alias",
            file=sys.stderr,
        )
    except KeyboardInterrupt:
        print("error: interrupted; previous outputs are unchanged", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
