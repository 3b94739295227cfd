"""Small file helpers for the interim layer: clean tables, quarantines and JSON records."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from pipeline.clean import CleanReport, CleanResult, ExportFault, MissingColumnsError
from pipeline.config import Extract, ReportDefinition, resolve_path
from pipeline.ingest import InputFileError, read_export
from pipeline.reports import resolve

CLEAN_FILE = "clean.parquet"
QUARANTINE_FILE = "quarantine.csv"
REPORT_FILE = "cleaning.json"


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename over the target, so a
    reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Text counterpart of ``write_bytes_atomic``: UTF-8, line ends written as given."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json(path: Path, data: object) -> None:
    """Write JSON with sorted keys and a trailing newline (stable for diffs and hashes)."""
    write_text_atomic(Path(path), json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_yaml(path: Path) -> object:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def write_clean_outputs(result: CleanResult, out_dir: str | Path) -> Path:
    """Write clean.parquet, quarantine.csv and cleaning.json into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{CLEAN_FILE}.tmp"
    result.clean.to_parquet(tmp, index=False)
    os.replace(tmp, out / CLEAN_FILE)
    write_text_atomic(out / QUARANTINE_FILE, result.quarantine.to_csv(index=False))
    write_json(out / REPORT_FILE, result.report.as_json())
    return out


def read_clean(out_dir: str | Path) -> pd.DataFrame:
    """Read a clean placements table written by ``write_clean_outputs``."""
    return pd.read_parquet(Path(out_dir) / CLEAN_FILE)


def read_cleaning_report(out_dir: str | Path) -> CleanReport:
    """The cleaning record written beside a clean table (reconciled again as it is read)."""
    return CleanReport.from_json(read_json(Path(out_dir) / REPORT_FILE))


def export_error(path: Path, exc: Exception, where: str) -> InputFileError:
    """The one-line error for a fault the cleaner found in an export: the file, the problem,
    and the fix, with the exact line of YAML to add ``where`` (a report input, a --config
    file) when a ``columns:`` or ``values:`` mapping would fix it."""
    problem = getattr(exc, "problem", None) or str(exc)
    fix = getattr(exc, "fix", None)
    yaml_line = getattr(exc, "yaml", None)
    if isinstance(exc, MissingColumnsError):
        fix = "rename those headers in the export, or say which header is which column"
    if yaml_line:
        fix = f"{fix}: add the line  {yaml_line}  {where}"
    return InputFileError(path, problem, fix or "correct the export")


def snapshot_date_of(extract: Extract) -> dt.date:
    """The date an extract describes: its ``as_at`` date, else the end of its period."""
    date = extract.as_at or extract.period_end
    if date is None:
        raise ValueError(f"input '{extract.label}' needs an as_at date or a period_end")
    return date


def clean_inputs(definition: ReportDefinition, interim_dir: str | Path) -> pd.DataFrame:
    """Read and clean every placement input of a report into ``interim_dir/<input>/``.

    Returns one row per input with the reconciliation counts, for display.
    """
    rows = []
    for name, extract in definition.cleaned_inputs().items():
        raw = read_export(extract.resolved_path(), sheet=extract.sheet)
        cleaner = resolve(definition.type.kind(extract.kind).cleaner)
        try:
            result = cleaner(raw, definition=definition, extract=extract)
        except (MissingColumnsError, ExportFault) as exc:
            raise export_error(
                extract.resolved_path(), exc, f"under inputs.{name} in the report definition"
            ) from None
        write_clean_outputs(result, resolve_path(interim_dir) / name)
        report = result.report
        for warning in report.warnings:
            print(f"warning: {extract.path.name}: {warning}", file=sys.stderr)
        rows.append(
            {
                "input": extract.label,
                "file": extract.path.name,
                "rows_in": report["rows_in"],
                "clean": report["clean"],
                "quarantined": report["quarantined"],
                "duplicates": report["duplicates"],
                "flagged": int(result.clean["flags"].ne("").sum())
                if "flags" in result.clean
                else 0,
            }
        )
    columns = ["input", "file", "rows_in", "clean", "quarantined", "duplicates", "flagged"]
    return pd.DataFrame(rows, columns=columns).set_index("input")
