"""Render a report definition into its appendix: execute the notebooks, then publish files.

``render_report`` runs the cleaning notebook and the appendix notebook with papermill (the
report definition's parameters), keeps the executed notebooks as an internal record in
``reports/<id>/internal/`` and writes the published files (``appendix.html``,
``appendix.pdf``, ``figures.json``) atomically: a failed render leaves the previous outputs
as they were.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from pipeline import __version__, document, io
from pipeline.appendix import FIGURES_MIMETYPE
from pipeline.config import PROJECT_ROOT, ReportDefinition, load_report_definition
from pipeline.ingest import InputFileError

NOTEBOOKS = PROJECT_ROOT / "notebooks"
CLEAN_NOTEBOOK = NOTEBOOKS / "01-clean.ipynb"
APPENDIX_NOTEBOOK = NOTEBOOKS / "02-appendix.ipynb"
PUBLISHED_FILES = ("appendix.html", "appendix.pdf", "figures.json")


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


def collect_figures(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """The figure registry the appendix notebook displayed as hidden output."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if FIGURES_MIMETYPE in data:
                return dict(data[FIGURES_MIMETYPE])
    raise RenderError("the appendix notebook published no figures (its last cell is missing?)")


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

    # Stage every published file, then move them into place one by one with os.replace.
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    try:
        (staging / "appendix.html").write_text(html, encoding="utf-8")
        (staging / "appendix.pdf").write_bytes(pdf)
        io.write_json(staging / "figures.json", {"report": definition.id, "figures": figures})
        for name in PUBLISHED_FILES:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RenderResult(
        report_id=definition.id,
        out_dir=out,
        files=[out / name for name in PUBLISHED_FILES],
        timings=timings,
    )
