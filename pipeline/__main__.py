"""Command line: ``python -m pipeline render|verify|clean|synth|check``.

Every failure a user can cause ends as one line on stderr starting ``error:`` and exit code 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Mapping
from pathlib import Path

from pipeline.config import PROJECT_ROOT
from pipeline.councils import known_councils
from pipeline.errors import MissingColumnsError, ReportDefinitionError, UserError

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2


def _cmd_render(args: argparse.Namespace) -> int:
    from pipeline.render import render_all

    results, failures = render_all(
        args.definitions, jobs=args.jobs, force=args.force, progress=args.jobs > 1
    )
    for result in sorted(results, key=lambda r: r.report_id):
        where = result.out_dir
        if where.is_relative_to(PROJECT_ROOT):
            where = where.relative_to(PROJECT_ROOT)
        if result.skipped:
            print(f"up to date {result.report_id} -> {where}/ (nothing changed; --force renders)")
            continue
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
        print(f"rendered {result.report_id} -> {where}/ ({stages})")
    if failures:
        if len(results) + len(failures) == 1:
            raise _Failed(failures[0][1])
        print(f"{len(failures)} of {len(results) + len(failures)} reports failed:", file=sys.stderr)
        for report_id, reason in failures:
            print(f"error: {report_id}: {reason}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


class _Failed(Exception):
    """A single report's failure, reported as one error line."""


def _cmd_verify(args: argparse.Namespace) -> int:
    """Verify report folders or lone published documents; 0 when all match, 1 listing each
    difference, 2 (one ``error:`` line) when a target cannot be verified."""
    from pipeline.verify import compare_published, format_comparisons, verify, write_certificate

    exit_code = EXIT_OK
    results = []
    if not args.no_rerun:
        for target in args.targets:
            result = verify(target)
            results.append(result)
            print(result.summary())
            if not result.ok:
                exit_code = EXIT_MISMATCH
                for diff in result.differences:
                    print(f"  {diff.line()}")
                for note in result.notes:
                    print(f"  note: {note}")
        if args.report:
            print(f"certificate: {write_certificate(results, args.report)}")
    if args.against:
        folders = [t for t in args.targets if Path(t).is_dir()]
        print(format_comparisons(compare_published(folders, args.against)))
    return exit_code


def _cmd_synth(args: argparse.Namespace) -> int:
    from pipeline import reports

    paths = []
    # each report type writes its own samples, with its own default seed, in its own folder
    for report_type in reports.all_types():
        if report_type.samples:
            write = reports.resolve(report_type.samples)
            folder = Path(args.out) / report_type.samples_folder
            paths += write(folder) if args.seed is None else write(folder, seed=args.seed)
    for path in paths:
        print(f"wrote {path}")
    return EXIT_OK


def _cmd_clean(args: argparse.Namespace) -> int:
    """Clean one export into ``--out``: clean.parquet, quarantine.csv and cleaning.json.

    Whole-file faults (the export, the configuration, the output folder) end as one
    ``error:`` line naming the file, the problem and the fix, exit code 2.
    """
    import inspect
    import os

    from pipeline import io, reports
    from pipeline.clean import (
        SALT_ENV,
        CleanConfig,
        ExportFault,
        MissingColumnsError,
        load_clean_config,
    )
    from pipeline.councils import known_councils, load_council
    from pipeline.ingest import InputFileError, read_export

    try:
        config = load_clean_config(args.config) if args.config else CleanConfig()
        if args.snapshot_date:
            try:
                snapshot = dt.date.fromisoformat(args.snapshot_date)
            except ValueError:
                print(
                    f"error: --snapshot-date '{args.snapshot_date}' is not a date. "
                    "Fix: write it as YYYY-MM-DD, e.g. 2025-06-30",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            snapshot_from = "--snapshot-date"
        elif config.snapshot_date:
            snapshot, snapshot_from = config.snapshot_date, "the configuration"
        else:
            snapshot, snapshot_from = dt.date.today(), "today: pass --snapshot-date to fix it"
        salt = None
        if config.salt_env:
            salt = os.environ.get(config.salt_env)
            if not salt:
                raise InputFileError(
                    args.config,
                    f"salt_env names {config.salt_env}, which is not set in the environment",
                    f"set it (export {config.salt_env}=...) or remove salt_env",
                )
        raw = read_export(args.input, sheet=args.sheet)
        kind = _export_kind(args, raw.columns, config.columns)
        cleaner = reports.resolve(kind.standalone)
        council = None
        council_name = args.council or config.council
        if "council" in inspect.signature(cleaner).parameters:
            if council_name is None:
                raise InputFileError(
                    args.input,
                    f"no council is given, so the districts of this {kind.name} export "
                    "cannot be checked",
                    f"pass --council NAME (one of: {', '.join(known_councils())}) or set "
                    "council in the --config file",
                )
            council = load_council(council_name)
        try:
            result = cleaner(
                raw,
                framework=config.framework,
                council=council,
                snapshot_date=snapshot,
                fee_ceiling=config.fee_ceiling_gbp,
                salt=salt,
                source=Path(args.input).name,
                columns=config.columns,
                values=config.values,
                warning_share=config.quarantine_warning_share,
            )
        except (MissingColumnsError, ExportFault) as exc:
            where = (
                f"to {args.config}" if args.config else "to a YAML file passed with --config FILE"
            )
            raise io.export_error(Path(args.input), exc, where) from None
        try:
            io.write_clean_outputs(result, args.out)
        except OSError as exc:
            raise InputFileError(
                args.out,
                f"the outputs cannot be written ({exc.strerror or exc})",
                "choose a folder you can write to with --out",
            ) from None
    except (InputFileError, ReportDefinitionError):
        raise
    except Exception as exc:  # a bug, not a user fault: still one line, unless --debug
        if args.debug:
            raise
        raise InputFileError(
            args.input,
            f"cleaning stopped on an internal error ({type(exc).__name__}: {exc})",
            "rerun with --debug and report the traceback",
        ) from None

    r = result.report
    print(
        f"{args.input} ({kind.name}): {r['rows_in']} rows read, {r['clean']} clean, "
        f"{r['quarantined']} quarantined, {r['duplicates']} duplicates -> {args.out}"
    )
    read = r.get("ingest", {})
    where = f"sheet '{read['sheet']}', " if read.get("sheet") else ""
    above = read.get("rows_above_header", 0)
    print(
        f"  read: {where}header on row {read.get('header_row', 1)}"
        + (f" ({above} title rows above it skipped)" if above else "")
        + (f", {read['encoding']}" if read.get("encoding") else "")
        + f"; blank rows skipped: {r['blank_rows_skipped']}"
    )
    if read.get("damaged_cells"):
        cells = "; ".join(
            f"row {c['source_row']}, column '{c['column']}'" for c in read["damaged_cells"]
        )
        print(f"  damaged bytes (a NUL byte), those rows quarantined: {cells}")
    if read.get("duplicate_headers"):
        print(
            "  headers given twice: " + ", ".join(sorted(set(read["duplicate_headers"].values())))
        )
    dropped = ", ".join(r["identifier_columns_dropped"]) or "none"
    ignored = ", ".join([*r["columns_not_used"], *r["columns_ignored"]]) or "none"
    print(
        f"  columns: {len(r['columns_matched'])} used; identifiers dropped: {dropped}; "
        f"not used: {ignored}"
    )
    own = [d["header"] for d in r["column_decisions"] if d["how"] == "its own name"]
    if own:
        print(f"    headers that are the columns' own names: {', '.join(own)}")
    for decision in r["column_decisions"]:
        if decision["column"] and decision["how"] != "its own name":
            print(f"    '{decision['header']}' -> {decision['column']}: {decision['how']}")
    for title, counts in (("quarantined", r["reasons"]), ("flagged (kept)", r["flags"])):
        if counts:
            items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            print(f"  {title}: " + "; ".join(f"{count} {label}" for label, count in items))
    for warning in r["warnings"]:
        print(f"warning: {args.input}: {warning}", file=sys.stderr)
    pseudonyms = r["pseudonymisation"]
    salt_note = (
        {
            "configuration": f"salt from {config.salt_env}",
            "environment": f"salt from {SALT_ENV}",
            "ephemeral": f"one-off salt, so they will not match other snapshots (set {SALT_ENV})",
        }[pseudonyms["salt_source"]]
        if isinstance(pseudonyms, Mapping)
        else "none (this kind of export names no child)"
    )
    print(f"  pseudonyms: {salt_note}; snapshot date {snapshot} ({snapshot_from})")
    return EXIT_OK


def _export_kind(args: argparse.Namespace, columns, configured=None):
    """The input kind to clean an export as: ``--kind``, else the one its headers fit.

    With no ``--kind``, every kind that can be cleaned on its own is tried against the
    headers: exactly one with nothing missing is chosen; two or more is ambiguous; none, and
    the kind with most of its required columns found (then fewest missing) is cleaned, so its
    message names what is missing.
    """
    from pipeline import reports
    from pipeline.errors import InputFileError

    kinds = reports.cleanable_kinds()
    if args.kind:
        if args.kind not in kinds:
            raise InputFileError(
                args.input,
                f"--kind {args.kind} is not a kind of export this command cleans",
                f"use one of: {', '.join(kinds)}",
            )
        return kinds[args.kind]
    missing = {}
    for name, kind in kinds.items():
        lacks = reports.resolve(kind.missing)
        try:  # a --config file's columns: are tried too, where they fit the kind
            missing[name] = lacks(columns, configured) if configured else lacks(columns)
        except UserError:
            missing[name] = lacks(columns)
    fits = [name for name, lacking in missing.items() if not lacking]
    if len(fits) > 1:
        raise InputFileError(
            args.input,
            f"its headers fit more than one kind of export ({', '.join(fits)})",
            f"say which with --kind ({' or '.join(fits)})",
        )
    required = {name: len(reports.resolve(kind.missing)([])) for name, kind in kinds.items()}
    chosen = (
        fits[0]
        if fits
        else min(
            missing, key=lambda name: (len(missing[name]) - required[name], len(missing[name]))
        )
    )
    return kinds[chosen]


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
    render.add_argument("--jobs", type=int, default=1, help="reports rendered at once")
    render.add_argument("--force", action="store_true", help="render even if nothing changed")
    render.set_defaults(func=_cmd_render)

    verify = sub.add_parser(
        "verify",
        help="rerun a report (reports/<id>, or one published PDF, DOCX or XLSX from the "
        "manifest embedded in it) and compare every published file with it",
    )
    verify.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="a report folder (reports/<id>) or a published appendix.pdf, .docx or tables.xlsx",
    )
    verify.add_argument(
        "--report", metavar="FILE.html", help="write a one-page verification certificate"
    )
    verify.add_argument("--against", help="also compare with a published-figures file")
    verify.add_argument(
        "--no-rerun", action="store_true", help="only compare with --against, do not re-execute"
    )
    verify.set_defaults(func=_cmd_verify)

    synth = sub.add_parser("synth", help="rewrite the synthetic sample exports in data/raw/")
    synth.add_argument("--out", default=str(PROJECT_ROOT / "data" / "raw"))
    synth.add_argument("--seed", type=int, default=None)
    synth.set_defaults(func=_cmd_synth)

    clean = sub.add_parser("clean", help="clean one export (CSV, XLSX, XLS or ODS) into DIR")
    clean.add_argument("input", help="the export: .csv, .txt (Unicode Text), .xlsx, .xls or .ods")
    clean.add_argument(
        "--out", required=True, help="folder for clean.parquet, quarantine.csv, cleaning.json"
    )
    clean.add_argument("--sheet", help="worksheet to read (workbooks with several sheets)")
    clean.add_argument(
        "--kind",
        help="what the export is (placements, homes, residential_placements; "
        "default: told from its headers)",
    )
    clean.add_argument(
        "--snapshot-date",
        help="YYYY-MM-DD that ages and year groups are checked on (default: config, else today)",
    )
    clean.add_argument(
        "--council",
        help=f"the council whose export it is (one of: {', '.join(known_councils())})",
    )
    clean.add_argument(
        "--config",
        help="YAML with any of council, framework, fee_ceiling_gbp, salt_env, snapshot_date, "
        "columns, values, quarantine_warning_share",
    )
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
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("error: interrupted; previous outputs are unchanged", file=sys.stderr)
    except MissingColumnsError as exc:
        where = getattr(args, "input", "")
        fix = f"add the line  {exc.yaml}  to a --config file" if exc.yaml else "rename the columns"
        print(f"error: {where}: {exc}. Fix: {fix}", file=sys.stderr)
    except (UserError, _Failed) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
