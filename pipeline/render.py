"""Render a report definition into its appendix: execute the notebooks, then publish files.

``render_report`` runs the cleaning notebook and the appendix notebook with papermill (the
report definition's parameters), keeps the executed notebooks as an internal record in
``reports/<id>/internal/`` and writes the published files (``appendix.html``,
``appendix.pdf``, ``figures.json``) atomically: a failed render leaves the previous outputs
as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from pipeline import __version__, document, publish
from pipeline.appendix import FIGURES_MIMETYPE, TABLES_MIMETYPE
from pipeline.config import PROJECT_ROOT, ReportDefinition, load_report_definition
from pipeline.ingest import InputFileError

NOTEBOOKS = PROJECT_ROOT / "notebooks"
CLEAN_NOTEBOOK = NOTEBOOKS / "01-clean.ipynb"
APPENDIX_NOTEBOOK = NOTEBOOKS / "02-appendix.ipynb"
PUBLISHED_FILES = ("appendix.html", "appendix.pdf", "figures.json", "tables.xlsx")
TABLES_DIR = "tables"


class RenderError(RuntimeError):
    """A render that could not finish; the message says which step and why."""


@dataclass
class RenderResult:
    """Where a render wrote its files and how long each stage took."""

    report_id: str
    out_dir: Path
    files: list[Path]
    timings: dict[str, float] = field(default_factory=dict)


def output_dir(definition: ReportDefinition) -> Path:
    return PROJECT_ROOT / "reports" / definition.id


def interim_dir(definition: ReportDefinition) -> Path:
    return PROJECT_ROOT / "data" / "interim" / definition.id


def execute_notebook(source: Path, target: Path, parameters: dict) -> nbformat.NotebookNode:
    """Execute a notebook with papermill; an error becomes one ``RenderError`` line."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            cwd=str(PROJECT_ROOT),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            # The kernel talks to us over loopback only; its start-up notice about unencrypted
            # TCP is not for report authors, so keep the kernel's own log to errors.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as exc:
        raise RenderError(
            f"{source.name} stopped at cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
            f"(the executed notebook is kept at {target} for inspection)"
        ) from None
    return nbformat.read(target, as_version=4)


def collect_output(nb: nbformat.NotebookNode, mimetype: str) -> object:
    """The hidden output of ``mimetype`` that the appendix notebook displayed."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if mimetype in data:
                return data[mimetype]
    raise RenderError(
        f"the appendix notebook published no {mimetype} output (is its last cell missing?)"
    )


def collect_figures(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """The figure registry the appendix notebook displayed as hidden output."""
    return dict(collect_output(nb, FIGURES_MIMETYPE))


def table_files(definition: ReportDefinition, payloads: list[dict]) -> dict[str, bytes]:
    """tables.xlsx and tables/<name>.csv + .meta.csv from the appendix's published tables."""
    names = [p["name"] for p in payloads]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise RenderError(f"two published tables share a name: {', '.join(repeated)}")
    geography = publish.Geography(**definition.geography.model_dump())
    files: dict[str, bytes] = {}
    for payload in payloads:
        data, meta = publish.tidy_csv(payload, geography)
        files[f"{TABLES_DIR}/{payload['name']}.csv"] = data.encode("utf-8")
        files[f"{TABLES_DIR}/{payload['name']}.meta.csv"] = meta.encode("utf-8")
    about = [
        f"Decision {definition.decision_number}: {definition.title}.",
        f"{definition.committee}, {definition.meeting_date:%d %B %Y}. "
        f"Classification: {definition.classification}.",
    ]
    if definition.synthetic_data:
        about.append("Made from synthetic sample data: it contains no real pupil data.")
    files["tables.xlsx"] = publish.tables_workbook(
        payloads,
        title=definition.title,
        about=about,
        source_note=definition.council,
        threshold=definition.parameters.suppression_threshold,
    )
    return files


def document_meta(definition: ReportDefinition) -> document.DocumentMeta:
    note = f"Produced by inmss-appendix {__version__}"
    if definition.synthetic_data:
        note += " from synthetic sample data: no real pupil data"
    return document.DocumentMeta(
        title=definition.title,
        decision_number=definition.decision_number,
        committee=definition.committee,
        meeting_date=definition.meeting_date,
        classification=definition.classification,
        subtitle=definition.subtitle,
        generated_note=note + ".",
    )


def _source_date_epoch(definition: ReportDefinition) -> str:
    when = definition.parameters.render_date or definition.meeting_date
    moment = dt.datetime.combine(when, dt.time(), tzinfo=dt.UTC)
    return os.environ.get("SOURCE_DATE_EPOCH", str(int(moment.timestamp())))


def render_report(path: str | Path) -> RenderResult:
    """Render one report definition into ``reports/<id>/``.

    Parameters
    ----------
    path : str or Path
        The report definition (``reports/<id>.yml``).

    Returns
    -------
    RenderResult
        The published files and the time each stage took.

    Raises
    ------
    RenderError, ReportDefinitionError, InputFileError
        With a one-line message naming the step, the file and the fix.
    """
    definition = load_report_definition(path)
    for extract in definition.inputs.values():
        if not extract.resolved_path().exists():
            raise InputFileError(
                extract.resolved_path(),
                "the input named in the report definition does not exist",
                f"check inputs in {path} (for the samples, run: python -m pipeline synth)",
            )
    definition_path = Path(path).resolve() if Path(path).exists() else PROJECT_ROOT / path
    out = output_dir(definition)
    interim = interim_dir(definition)
    internal = out / "internal"
    internal.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    parameters = {"report_definition": str(definition_path), "interim_dir": str(interim)}
    os.environ["SOURCE_DATE_EPOCH"] = _source_date_epoch(definition)

    start = time.perf_counter()
    execute_notebook(CLEAN_NOTEBOOK, internal / CLEAN_NOTEBOOK.name, parameters)
    timings["clean"] = time.perf_counter() - start

    start = time.perf_counter()
    nb = execute_notebook(APPENDIX_NOTEBOOK, internal / APPENDIX_NOTEBOOK.name, parameters)
    timings["execute"] = time.perf_counter() - start

    start = time.perf_counter()
    figures = collect_figures(nb)
    html = document.build_html(nb, document_meta(definition))
    timings["html"] = time.perf_counter() - start
    start = time.perf_counter()
    pdf = document.build_pdf(html)
    timings["pdf"] = time.perf_counter() - start
    start = time.perf_counter()
    files = table_files(definition, list(collect_output(nb, TABLES_MIMETYPE)))
    timings["tables"] = time.perf_counter() - start

    files["appendix.html"] = html.encode("utf-8")
    files["appendix.pdf"] = pdf
    files["figures.json"] = (
        json.dumps({"report": definition.id, "figures": figures}, indent=2, sort_keys=True) + "\n"
    ).encode("utf-8")
    written = publish_files(out, files)
    return RenderResult(report_id=definition.id, out_dir=out, files=written, timings=timings)


def publish_files(out: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every published file into ``out`` so a failure leaves the old set intact.

    Everything is written to a staging folder first; only then are the files moved into
    place (``os.replace`` per file, the tables folder swapped as a whole).
    """
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    try:
        for name, data in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        old_tables = staging / ".old-tables"
        if (out / TABLES_DIR).exists():
            os.replace(out / TABLES_DIR, old_tables)
        if (staging / TABLES_DIR).exists():
            os.replace(staging / TABLES_DIR, out / TABLES_DIR)
        for name in files:
            if not name.startswith(f"{TABLES_DIR}/"):
                os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(out / name for name in files)
