"""Render a report definition into its appendix: execute the notebooks, then publish files.

``render_report`` runs the cleaning notebook and the appendix notebook with papermill (the
report definition's parameters), keeps the executed notebooks as an internal record in
``reports/<id>/internal/``, runs the publication gate, and only then writes the published
files (``appendix.html``, ``appendix.pdf``, ``appendix.docx``, ``figures.json``,
``tables.xlsx`` and its OpenDocument copy ``tables.ods``, ``tables/``, ``charts/``; with a
``narrative:``, the author's paragraphs filled with the figures as ``narrative.md``,
``narrative.html`` and ``narrative.docx``) and ``manifest.json`` atomically: a failed
render leaves the previous outputs as they were.

A render whose inputs, definition, notebooks, package code and environment are unchanged is
skipped (the cache key in ``manifest.json``); ``force=True`` renders anyway.

Heavy modules (papermill, WeasyPrint, pandas) are imported inside the functions that need
them, so a cached rerun answers in well under a second.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import (
    CHARTS_MIMETYPE,
    FIGURES_MIMETYPE,
    HIDDEN_FIGURES_MIMETYPE,
    TABLES_MIMETYPE,
    provenance,
)
from pipeline.config import (
    PROJECT_ROOT,
    ReportDefinition,
    expand_fan_out,
    load_report_definition,
    resolve_path,
)
from pipeline.errors import InputFileError, PublicationRefused, RenderError, UserError
from pipeline.figures import as_published

NOTEBOOKS = PROJECT_ROOT / "notebooks"
CLEAN_NOTEBOOK = NOTEBOOKS / "01-clean.ipynb"
PUBLISHED_FILES = (
    "appendix.html",
    "appendix.pdf",
    "appendix.docx",
    "figures.json",
    "tables.xlsx",
    "tables.ods",
)
#: The author's paragraphs filled with the figures, published when a definition names a
#: ``narrative:`` (listed, like every published file, in the manifest's ``published_sha256``).
NARRATIVE_FILES = ("narrative.md", "narrative.html", "narrative.docx")
TABLES_DIR = "tables"
CHARTS_DIR = "charts"
#: Folders of published files, each replaced as a whole so that none keeps a stale file.
PUBLISHED_DIRS = (TABLES_DIR, CHARTS_DIR)
MANIFEST = "manifest.json"


@dataclass
class RenderResult:
    """Where a render wrote its files and how long each stage took."""

    report_id: str
    out_dir: Path
    files: list[Path]
    timings: dict[str, float] = field(default_factory=dict)
    skipped: bool = False


def output_dir(definition: ReportDefinition) -> Path:
    return PROJECT_ROOT / "reports" / definition.id


def interim_dir(definition: ReportDefinition) -> Path:
    return PROJECT_ROOT / "data" / "interim" / definition.id


class NotebookRunner:
    """Executes notebooks in one long-lived kernel, so start-up and imports are paid once.

    Papermill's parameter injection is used on each notebook, then nbclient runs it in the
    shared kernel. Every notebook starts with its parameters cell and imports, so what a
    notebook computes never depends on the one before; only loaded modules are reused.
    """

    def __init__(self) -> None:
        self._km = None

    def _kernel(self):
        if self._km is None or not self._km.is_alive():
            from jupyter_client.manager import KernelManager

            self._km = KernelManager(kernel_name="python3")
            # The kernel talks to us over loopback only; its start-up notice about
            # unencrypted TCP is not for report authors, so keep its own log to errors.
            self._km.start_kernel(
                extra_arguments=["--IPKernelApp.log_level=ERROR"], cwd=str(PROJECT_ROOT)
            )
        return self._km

    def run(self, source: Path, target: Path, parameters: dict):
        """Execute ``source`` with ``parameters``; write the executed copy to ``target``."""
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        # papermill's loader adds the metadata (tags, papermill block) its injection expects
        nb = parameterize_notebook(
            load_notebook_node(str(source)), parameters, kernel_name="python3", language="python"
        )
        client = NotebookClient(
            nb,
            km=self._kernel(),
            timeout=1800,
            kernel_name="python3",
            resources={"metadata": {"path": str(PROJECT_ROOT)}},
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            client.execute()
        except CellExecutionError as exc:
            nbformat.write(internal_record(nb), target)
            raise RenderError(
                f"{source.name} stopped: {exc.ename}: {exc.evalue} (the executed notebook is "
                f"kept at {target} for inspection)"
            ) from None
        except (CellTimeoutError, DeadKernelError) as exc:
            self.close()
            raise RenderError(f"{source.name}: the kernel failed ({exc})") from None
        nbformat.write(internal_record(nb), target)
        return nb

    def close(self) -> None:
        if self._km is not None:
            try:
                self._km.shutdown_kernel(now=True)
            finally:
                self._km = None

    def __enter__(self) -> NotebookRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def internal_record(nb):
    """A copy of an executed notebook fit to keep under ``internal/``: the tables' unsuppressed
    copies, which only the disclosure audit may see (in memory), are taken out.

    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell()
    >>> tables = [{"name": "t", "unsuppressed": {"rows": [[3]]}}]
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={TABLES_MIMETYPE: tables})]
    >>> internal_record(nbformat.v4.new_notebook(cells=[cell])).cells[0].outputs[0].data
    {'application/vnd.inmss.tables+json': [{'name': 't'}]}
    """
    import copy

    kept = copy.deepcopy(nb)
    for cell in kept.cells:
        for output in cell.get("outputs", []):
            payloads = output.get("data", {}).get(TABLES_MIMETYPE)
            if isinstance(payloads, list):
                for payload in payloads:
                    payload.pop("unsuppressed", None)
    return kept


def execute_notebook(source: Path, target: Path, parameters: dict, runner=None):
    """Execute a notebook (in ``runner``'s kernel, else in a kernel of its own)."""
    if runner is not None:
        return runner.run(source, target, parameters)
    with NotebookRunner() as own:
        return own.run(source, target, parameters)


def collect_output(nb, mimetype: str) -> object:
    """The hidden output of ``mimetype`` that the appendix notebook displayed."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if mimetype in data:
                return data[mimetype]
    raise RenderError(
        f"the appendix notebook published no {mimetype} output (is its last cell missing?)"
    )


def collect_optional(nb, mimetype: str) -> object | None:
    """The hidden output of ``mimetype``, or None when the notebook displayed none."""
    try:
        return collect_output(nb, mimetype)
    except RenderError:
        return None


def collect_figures(nb) -> dict[str, dict]:
    """The figure registry the appendix notebook displayed as hidden output."""
    return dict(collect_output(nb, FIGURES_MIMETYPE))


def table_files(definition: ReportDefinition, payloads: list[dict]) -> dict[str, bytes]:
    """tables.xlsx, its OpenDocument copy tables.ods, and tables/<name>.csv + .meta.csv from
    the appendix's published tables."""
    from pipeline import publish

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
    decision = f"Decision {definition.decision_number}: " if definition.decision_number else ""
    meeting = ", ".join(
        part
        for part in (
            definition.committee,
            f"{definition.meeting_date:%d %B %Y}" if definition.meeting_date else None,
        )
        if part
    )
    about = [
        f"{decision}{definition.title}.",
        (f"{meeting}. " if meeting else "") + f"Classification: {definition.classification}.",
    ]
    if definition.synthetic_data:
        about.append(SYNTHETIC_NOTE)
    subject = (
        f"Every table of the data appendix to {decision.rstrip(': ')}"
        if decision
        else "Every table of the data appendix"
    )
    files["tables.xlsx"] = publish.tables_workbook(
        payloads,
        title=definition.title,
        about=about,
        source_note=definition.authority.full_name,
        threshold=definition.parameters.suppression_threshold,
        subject=subject,
    )
    # the same workbook in OpenDocument, made from the XLSX so the two cannot differ
    files["tables.ods"] = publish.tables_ods(
        files["tables.xlsx"],
        title=definition.title,
        subject=subject,
        organisation=definition.authority.full_name,
    )
    return files


#: What a document made from the seeded generators' data says of it, at its end and on the
#: workbook's cover (members need to know the figures are not real; the tool and its version
#: are the reviewers', in the manifest and the QA note).
SYNTHETIC_NOTE = "Made from synthetic sample data: it contains no real child data."


def document_meta(definition: ReportDefinition):
    from pipeline import document

    return document.DocumentMeta(
        title=definition.title,
        decision_number=definition.decision_number,
        committee=definition.committee,
        meeting_date=definition.meeting_date,
        classification=definition.classification,
        subtitle=definition.subtitle,
        generated_note=SYNTHETIC_NOTE if definition.synthetic_data else None,
        font=definition.typeface,
    )


#: The SOURCE_DATE_EPOCH the last render of this process set (None before the first).
_SET_BY_RENDER: str | None = None


def _source_date_epoch(definition: ReportDefinition) -> str:
    """The SOURCE_DATE_EPOCH to render ``definition`` with: the user's, if they set one,
    else the report's own date (each report its own, even when one process renders several).

    A value in the environment that a previous render of this process set is not the user's:
    reading it as theirs gave every later report the first one's date (district workbooks
    stamped with 25-00007's date when one process rendered both), whatever the order in which
    this module was imported.
    """
    global _SET_BY_RENDER
    current = os.environ.get("SOURCE_DATE_EPOCH")
    user = current if current and current != _SET_BY_RENDER else None
    when = definition.dated
    moment = dt.datetime.combine(when, dt.time(), tzinfo=dt.UTC)
    chosen = user or str(int(moment.timestamp()))
    _SET_BY_RENDER = None if user else chosen
    return chosen


def _definition_path(path: str | Path) -> Path:
    path = Path(path)
    return path.resolve() if path.exists() else resolve_path(path)


def _check_inputs(definition: ReportDefinition, path: Path) -> None:
    for extract in definition.inputs.values():
        if not extract.resolved_path().exists():
            raise InputFileError(
                extract.resolved_path(),
                "the input named in the report definition does not exist",
                f"check inputs in {path} (for the samples, run: python -m pipeline synth)",
            )


def reproduce_command(path: Path, variant: dict) -> str:
    """The command that re-renders this report from a clean clone."""
    try:
        shown = path.relative_to(PROJECT_ROOT)
    except ValueError:
        shown = path
    command = f"python -m pipeline render {shown}"
    if variant:
        command += f" (fan-out member {variant['id']})"
    return command


def render_key(
    definition_path: Path,
    variant: dict,
    definition: ReportDefinition,
    inputs: dict[str, dict],
    env: dict[str, object],
) -> str:
    """The cache key of a render: its definition (and fan-out member, Word template and
    narrative), its inputs, the code it runs and the environment. Two renders with the same
    key make the same bytes, whatever commit the repository is at."""
    definition_text = definition_path.read_text(encoding="utf-8") + json.dumps(
        variant, sort_keys=True
    )
    template = definition.docx_template_path()
    if template is not None:  # a council's new reference document restyles the Word file
        definition_text += provenance.sha256_file(template)
    narrative_path = definition.narrative_path()
    if narrative_path is not None:  # the author's edited paragraphs are a new render
        definition_text += provenance.sha256_file(narrative_path)
    return provenance.cache_key(definition_text, inputs, provenance.code_files(), env)


def current_key(definition_path: Path, variant: dict) -> str:
    """``render_key`` of a report as this repository would render it now."""
    definition = load_report_definition(definition_path, variant or None)
    inputs = provenance.input_records(definition)
    return render_key(definition_path, dict(variant or {}), definition, inputs,
                      provenance.environment())  # fmt: skip


def render_report(
    path: str | Path,
    *,
    variant: dict | None = None,
    force: bool = False,
    out_dir: Path | None = None,
    interim: Path | None = None,
    runner: NotebookRunner | None = None,
) -> RenderResult:
    """Render one report definition (or one fan-out member of it) into ``reports/<id>/``.

    Parameters
    ----------
    path : str or Path
        The report definition (``reports/<id>.yml``).
    variant : dict, optional
        Overrides of one fan-out member (see ``config.expand_fan_out``).
    force : bool
        Render even when the cache key says nothing changed.
    out_dir, interim : Path, optional
        Where to publish and where to keep clean data (``verify`` renders into a temporary
        folder); default ``reports/<id>/`` and ``data/interim/<parent id>/``.

    Returns
    -------
    RenderResult
        The published files, the time each stage took, and whether the render was skipped.

    Raises
    ------
    RenderError, ReportDefinitionError, InputFileError, gate.PublicationRefused
        With a message naming the step, the file and the fix.
    """
    started = time.perf_counter()
    definition_path = _definition_path(path)
    parent = load_report_definition(definition_path)
    variant = dict(variant or {})
    definition = load_report_definition(definition_path, variant) if variant else parent
    _check_inputs(definition, definition_path)
    out = out_dir or output_dir(definition)
    interim = interim or interim_dir(parent)
    clock = _Stages()

    inputs = provenance.input_records(definition)
    env = provenance.environment()
    key = render_key(definition_path, variant, definition, inputs, env)
    clock.timings["cache_check"] = time.perf_counter() - started
    if not force and _up_to_date(out, key):
        return RenderResult(definition.id, out, _published(out), clock.timings, skipped=True)

    internal = out / "internal"
    internal.mkdir(parents=True, exist_ok=True)
    git = provenance.git_state()
    command = reproduce_command(definition_path, variant)
    os.environ["SOURCE_DATE_EPOCH"] = _source_date_epoch(definition)
    nb = _execute_notebooks(
        definition,
        parent,
        parameters={
            "report_definition": str(definition_path),
            "interim_dir": str(interim),
            "variant": variant,
            "provenance": {
                "commit": git["commit"] or "unknown",
                "dirty": bool(git["dirty"]),
                "inputs": {name: record["sha256"] for name, record in inputs.items()},
                "command": command,
            },
        },
        reuse_clean=not force or variant.get("id") is not None,
        inputs=inputs,
        internal=internal,
        clock=clock,
        runner=runner,
    )
    files, audit_record, filled = _published_files(definition, nb, clock)
    note = _qa_note(definition, interim, inputs, git, env, command, audit_record, files, filled)

    epoch = os.environ["SOURCE_DATE_EPOCH"]
    manifest = {
        "report": definition.id,
        "definition_path": str(definition_path.relative_to(PROJECT_ROOT))
        if definition_path.is_relative_to(PROJECT_ROOT)
        else str(definition_path),
        "definition_sha256": provenance.sha256_file(definition_path),
        "variant": variant,
        "definition": definition.model_dump(mode="json"),
        "inputs": inputs,
        "git": git,
        "environment": env,
        "source_date_epoch": epoch,
        "render_date": dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat(),
        "command": command,
        "cache_key": key,
        "published": sorted(files),
    }
    with clock.stage("provenance"):
        embed_provenance(files, provenance_record(manifest, files))
    with clock.stage("checks"):
        internal_files = {
            f"internal/{path.name}": path.read_bytes() for path in sorted(internal.glob("*.ipynb"))
        }
        internal_files[f"internal/{QA_NOTE}"] = note.encode("utf-8")
        forbidden = run_gate(definition, {**files, **internal_files}, interim)  # embedded parts too
    manifest["rendered_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest["timings_seconds"] = {k: round(v, 3) for k, v in clock.timings.items()}
    manifest["published_sha256"] = {
        name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())
    }
    files[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    run_gate(definition, {MANIFEST: files[MANIFEST]}, interim, forbidden=forbidden)
    written = publish_files(out, files)
    (internal / AUDIT_RECORD).write_text(
        json.dumps(audit_record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (internal / QA_NOTE).write_text(note, encoding="utf-8")
    clock.timings["total"] = time.perf_counter() - started
    return RenderResult(report_id=definition.id, out_dir=out, files=written, timings=clock.timings)


#: Published files that carry the provenance record inside them (embedded files in a PDF,
#: a custom XML part in a DOCX or XLSX), by suffix.
CARRIERS = (".pdf", ".docx", ".xlsx")


def carries_provenance(name: str) -> bool:
    """Whether a published file of this name carries the provenance record inside it."""
    return name.lower().endswith(CARRIERS)


def provenance_record(manifest: dict, files: dict[str, bytes]) -> dict:
    """The provenance that travels inside each published document: the manifest without
    what differs from one render to the next (the wall-clock time, the stages' timings) and
    with the SHA-256 of every published file that does not carry the record itself (a
    document cannot hold its own hash). The definition's ``author_notes`` are left out: they
    are for reviewers (the QA note), and the record is inside files members are given."""
    record = {k: v for k, v in manifest.items() if k not in ("rendered_at", "timings_seconds")}
    if isinstance(record.get("definition"), dict):
        record["definition"] = {
            k: v for k, v in record["definition"].items() if k != "author_notes"
        }
    record["published_sha256"] = {
        name: hashlib.sha256(data).hexdigest()
        for name, data in sorted(files.items())
        if not carries_provenance(name)
    }
    return record


def embed_provenance(files: dict[str, bytes], record: dict) -> None:
    """Put ``record`` and figures.json inside every published PDF, DOCX and XLSX (in place).

    The PDF gets them as associated embedded files and XMP metadata
    (``document.post_process_pdf``); a DOCX or XLSX as a custom XML part
    (``embedded.embed_in_ooxml``), its zip normalised again so renders stay byte-identical.
    """
    from pipeline import document, embedded, publish

    manifest = embedded.dumps(record)
    figures = files.get("figures.json", embedded.dumps({}))
    when = dt.datetime.fromtimestamp(int(record["source_date_epoch"]), dt.UTC)
    for name in sorted(files):
        if not carries_provenance(name):
            continue
        if name.lower().endswith(".pdf"):
            files[name] = document.post_process_pdf(
                files[name],
                manifest=manifest,
                figures=figures,
                xmp=embedded.xmp_properties(record),
                when=when,
            )
        else:
            combined = embedded.embed_in_ooxml(files[name], manifest, figures)
            files[name] = publish.normalise_ooxml(combined, when=when)


class _Stages:
    """The time each stage of a render takes, for the manifest and the command's summary."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = time.perf_counter() - start


def _execute_notebooks(
    definition: ReportDefinition,
    parent: ReportDefinition,
    *,
    parameters: dict,
    reuse_clean: bool,
    inputs: dict,
    internal: Path,
    clock: _Stages,
    runner: NotebookRunner | None,
):
    """Clean the inputs (unless clean data made from the same inputs can be reused) and run
    the report type's notebook, in ``runner``'s kernel or one of their own; the executed
    notebooks are kept under ``internal/``. Returns the executed appendix notebook."""
    interim = Path(parameters["interim_dir"])
    own_runner = runner is None
    runner = runner or NotebookRunner()
    try:
        # a fan-out member reuses the clean data its batch prepared once for all members
        if reuse_clean and _interim_current(interim, definition, inputs):
            clock.timings["clean"] = 0.0
        else:
            with clock.stage("clean"):
                runner.run(CLEAN_NOTEBOOK, internal / CLEAN_NOTEBOOK.name, parameters)
                write_interim_stamp(interim, parent)
        with clock.stage("execute"):
            notebook = definition.type.notebook
            return runner.run(notebook, internal / notebook.name, parameters)
    finally:
        if own_runner:
            runner.close()


def _published_files(definition: ReportDefinition, nb, clock: _Stages) -> tuple[dict, dict, object]:
    """Every published file of an executed report, as bytes by name, the audit's record (the
    audit refuses before anything exists on disk) and the filled narrative (None without
    one)."""
    from pipeline import document, publish

    figures = collect_figures(nb)
    # the author's paragraphs first: a placeholder that names no figure fails in a second
    filled = _fill_narrative(definition, figures)
    with clock.stage("html"):
        html = document.build_html(nb, document_meta(definition))
    with clock.stage("pdf"):
        pdf = document.build_pdf(html)
    with clock.stage("docx"):
        charts = list(collect_optional(nb, CHARTS_MIMETYPE) or [])
        docx = _docx(definition, html, charts)
    with clock.stage("xlsx_csv"):
        payloads = list(collect_output(nb, TABLES_MIMETYPE))
        files = table_files(definition, payloads)
    files["figures.json"] = (
        json.dumps(
            {"report": definition.id, "figures": as_published(figures)}, indent=2, sort_keys=True
        )
        + "\n"
    ).encode("utf-8")
    with clock.stage("audit"):
        # the words first, so one refusal lists what they print and what the tables give away
        hidden = dict(collect_optional(nb, HIDDEN_FIGURES_MIMETYPE) or {})
        words, words_record = run_words_audit(definition, html, files, hidden)
        try:
            audit_record = run_audit(definition, payloads, files)
        except PublicationRefused as refused:
            raise PublicationRefused([*words, *refused.problems]) from None
        if words:
            raise PublicationRefused(words)
        audit_record.update(words_record)
    files["appendix.html"] = html.encode("utf-8")
    files["appendix.pdf"] = pdf
    files["appendix.docx"] = docx
    files.update(publish.chart_files(charts))
    if filled is not None:
        with clock.stage("narrative"):
            files.update(narrative_files(definition, filled.markdown))
    return files, audit_record, filled


def _fill_narrative(definition: ReportDefinition, figures: dict[str, dict]):
    """The definition's narrative filled with the figures, each printed as the appendix
    prints it (``pipeline.narrative``), or None when it names none; raises
    ``NarrativeError`` listing every problem."""
    from pipeline import narrative

    path = definition.narrative_path()
    if path is None:
        return None
    return narrative.fill_file(
        path,
        figures,
        source=definition.narrative.as_posix(),
        report_id=definition.id,
        threshold=definition.parameters.suppression_threshold,
        prefixes=narrative.input_prefixes(definition),
    )


def narrative_meta(definition: ReportDefinition):
    """The title block of the filled narrative: the appendix's, titled as the report's text."""
    from dataclasses import replace

    return replace(
        document_meta(definition),
        title=definition.subtitle or definition.title,
        subtitle="Report text: paragraphs for the committee report, every figure taken from "
        "the data appendix",
    )


def narrative_files(definition: ReportDefinition, markdown: str) -> dict[str, bytes]:
    """narrative.md, .html and .docx from the filled Markdown: the HTML through the
    appendix's template and stylesheet, the Word document from that HTML by the appendix's
    writer, so a paragraph pasted into the committee report takes the appendix's styles."""
    import nbformat

    from pipeline import document

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown)])
    try:
        html = document.build_html(nb, narrative_meta(definition))
    except ValueError as error:  # raw HTML in the Markdown that would run or fetch something
        raise RenderError(
            f"{definition.narrative.as_posix()}: {error}; write the paragraphs as plain "
            "Markdown, without scripts, frames or images from outside the file"
        ) from None
    return {
        "narrative.md": markdown.encode("utf-8"),
        "narrative.html": html.encode("utf-8"),
        "narrative.docx": _docx(definition, html, [], name="narrative.docx"),
    }


def _docx(
    definition: ReportDefinition, html: str, charts: list[dict], name: str = "appendix.docx"
) -> bytes:
    """A Word document from finished HTML (the appendix's: each chart as its PNG) by
    ``pipeline.word``."""
    import base64

    from pipeline import word

    created = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC)
    properties = word.Properties(
        title=definition.title,
        subject=definition.subtitle or "",
        author=definition.authority.full_name,
        created=created,
        marking=" | ".join(
            part
            for part in (
                f"Decision {definition.decision_number}" if definition.decision_number else "",
                definition.classification,
            )
            if part
        ),
    )
    images = {chart["title"]: base64.b64decode(chart["png"]) for chart in charts}
    try:
        return word.build_docx(
            html,
            images=images,
            properties=properties,
            font=definition.typeface,
            template=definition.docx_template_path(),
        )
    except ValueError as error:
        raise RenderError(f"{name} of {definition.id}: {error}") from error


#: The reviewers' record of the disclosure audit, under internal/ (never published).
AUDIT_RECORD = "disclosure-audit.json"
#: The reviewers' quality-assurance note, under internal/ (never published).
QA_NOTE = "qa-note.md"


def _qa_note(
    definition, interim, inputs, git, env, command, audit_record, files, filled=None
) -> str:
    """The reviewers' note (``pipeline.qa_note``), from the interim cleaning records,
    when the definition names the committee papers' figures, the comparison with them,
    and the narrative's placeholders."""
    from pipeline import io
    from pipeline.figures import compare_with_published
    from pipeline.qa_note import qa_note

    cleaning = {
        name: io.read_cleaning_report(Path(interim) / name) for name in definition.cleaned_inputs()
    }
    printed = []
    source = definition.published_figures_path()
    if source is not None:
        published = io.read_yaml(source).get("figures", [])
        figures = json.loads(files["figures.json"])["figures"]
        printed = compare_with_published(figures, published)
    return qa_note(
        definition,
        inputs=inputs,
        cleaning=cleaning,
        git=git,
        environment=env,
        command=command,
        audit=audit_record,
        printed=printed,
        narrative=filled,
    )


def run_audit(definition: ReportDefinition, payloads: list[dict], files: dict[str, bytes]) -> dict:
    """Audit every published table of the report as an attacker would (``pipeline.audit``).

    Each table is read in its tidy form as printed through its report type's spec; the true values
    of hidden cells come from the payload's unsuppressed copy (used only to judge a range).
    Refuses publication (``PublicationRefused``, one line per problem) when a hidden figure
    can be recovered or narrowed too far, when a published table has no spec (what cannot be
    audited cannot be published) or holds a hidden cell in a column its spec does not audit
    (percentages aside: they are hidden with the counts they are shares of).

    Returns the statistics for the reviewers' record: hidden cells audited and the narrowest
    range found for any hidden count, per report.
    """
    from pipeline import audit, publish, reports

    declared = definition.type.audit
    if declared is None:
        specs, universe = {}, audit.Universe()
    else:
        specs, universe = reports.resolve(declared)(definition)
    geography = publish.Geography(**definition.geography.model_dump())
    # the tables as printed: the published tidy files hold the same cells in the EES form
    # (relabelled in time and place, harmonised names) or fewer, never more
    printed = {p["name"]: publish.tidy_csv(p, geography, standard=False) for p in payloads}
    problems: list[str] = []
    published: list[audit.Cell] = []
    truth: list[audit.Cell] = []
    for payload in payloads:
        name = payload["name"]
        spec = specs.get(name)
        if spec is None:
            problems.append(
                f"disclosure audit: table {name} has no audit spec, so nothing can check that "
                "its hidden figures cannot be worked out (add one to the report type's "
                "audit_specs module)"
            )
            continue
        data, meta = printed[name]
        unaudited = [
            column
            for column, _, unit, _ in payload["indicators"]
            # a hidden percentage is hidden with the count it is a share of, which is audited
            if column not in spec.indicators
            and unit != "%"
            and any(
                row[payload["tidy"]["columns"].index(column)] == "c"
                for row in payload["tidy"]["rows"]
            )
        ]
        if unaudited:
            problems.append(
                f"disclosure audit: table {name} hides cells in {', '.join(unaudited)}, which "
                "its audit spec does not read, so nothing can check them"
            )
        try:
            published += audit.cells_from_tidy(data, meta, table=name, spec=spec)
            if payload.get("unsuppressed"):
                whole = dict(payload, tidy=payload["unsuppressed"])
                true_data, _ = publish.tidy_csv(whole, geography, standard=False)
                truth += audit.cells_from_tidy(true_data, meta, table=name, spec=spec)
        except ValueError as error:
            raise RenderError(f"disclosure audit: cannot read table {name}: {error}") from error
    threshold = definition.parameters.suppression_threshold
    numbers = [
        number
        for payload in payloads
        for number in audit.published_numbers(*printed[payload["name"]])
    ]
    outside = _figures_outside_tables(declared_by=definition.type.audit)
    figures = json.loads(files["figures.json"])["figures"]
    problems += [
        f"disclosure audit: figure {figure_id} ({figures[figure_id]['value']}) is in no "
        "published table, so the audit cannot check what it gives away (publish it in a "
        "table, or declare why it is safe in the report type's FIGURES_OUTSIDE_TABLES)"
        for figure_id in audit.untraced_figures(figures, numbers, outside)
    ]
    try:
        result = audit.audit(audit.with_truth(published, truth), universe, threshold=threshold)
    except (audit.AuditInconsistentError, ValueError) as error:
        raise RenderError(
            f"disclosure audit of {definition.id}: {error} (fix the report type's audit spec)"
        ) from error
    problems += [f"disclosure audit: {finding.message}" for finding in result.findings]
    if problems:
        raise PublicationRefused(problems)
    return {
        "report": definition.id,
        "threshold": threshold,
        "tables_audited": len(payloads),
        "cells_audited": len(published),
        "hidden_cells": result.hidden_cells,
        "narrowest_count_range": result.narrowest_count_range,
        "narrowest_mean_range_pct": None
        if result.narrowest_mean_range_pct is None
        else round(result.narrowest_mean_range_pct, 3),
        "findings": 0,
    }


def _figures_outside_tables(*, declared_by: str | None) -> dict[str, str]:
    """The report type's declared figures outside its tables (``FIGURES_OUTSIDE_TABLES`` of
    the module that holds its audit model), empty when it declares none."""
    return dict(_declared(declared_by, "FIGURES_OUTSIDE_TABLES", {}))


def _declared(declared_by: str | None, name: str, default: object) -> object:
    """``name`` of the module that holds a report type's audit model, else ``default``."""
    if declared_by is None:
        return default
    import importlib

    module = importlib.import_module(declared_by.partition(":")[0])
    return getattr(module, name, default)


def words_not_data(definition: ReportDefinition) -> tuple[str, ...]:
    """The patterns of numbers that are not data in this report's words, beyond
    ``prose.NOT_DATA``: the report type's own (``NOT_DATA_IN_WORDS`` beside its
    ``FIGURES_OUTSIDE_TABLES``) and the definition's decision number."""
    import re

    own = tuple(_declared(definition.type.audit, "NOT_DATA_IN_WORDS", ()))
    decision = definition.decision_number
    return (*own, re.escape(str(decision))) if decision else own


def run_words_audit(
    definition: ReportDefinition, html: str, files: dict[str, bytes], hidden: dict[str, dict]
) -> tuple[list[str], dict]:
    """Audit the words of the appendix (``pipeline.prose``): every number its sentences,
    headings, captions, notes and chart descriptions print must be a figure of figures.json
    or a value of a published table, none may be the value of a hidden figure (``hidden``,
    each one's true value, from the notebook and never published), and ``[c]`` must not
    stand in for a number.

    Returns one line per problem (naming the report, the sentence, the number and the fix)
    and the statistics for the reviewers' record; the caller refuses publication on any.
    """
    from pipeline import prose

    figures = json.loads(files["figures.json"])["figures"]
    tables = [
        data.decode("utf-8")
        for name, data in sorted(files.items())
        if name.startswith(f"{TABLES_DIR}/")
        and name.endswith(".csv")
        and not name.endswith(".meta.csv")
    ]
    not_data = words_not_data(definition)
    found = prose.check_words(
        html,
        figures=figures,
        tables=tables,
        hidden=hidden,
        constants=[definition.parameters.suppression_threshold],
        not_data=not_data,
    )
    record = {
        "words_numbers_traced": prose.count_numbers(html, not_data),
        "words_hidden_figures_checked": len(hidden),
        "words_findings": len(found),
    }
    return [finding.message(definition.id) for finding in found], record


#: A published table longer than this is treated as a row-level dump (the longest real table
#: has under 50 rows).
MAX_TABLE_ROWS = 100


def run_gate(
    definition: ReportDefinition,
    files: dict[str, bytes],
    interim: Path,
    forbidden: set[str] | None = None,
) -> set[str]:
    """Refuse to publish anything that carries an identifier, a small count, code, or what
    only reviewers need (the input files' names among it).

    Returns the forbidden values it searched for, so a second call can reuse them.
    """
    from pipeline import gate

    if forbidden is None:
        forbidden = gate_forbidden_values(definition, interim)
    gate.enforce(
        files,
        forbidden=forbidden,
        threshold=definition.parameters.suppression_threshold,
        max_table_rows=MAX_TABLE_ROWS,
        reviewer_terms=[extract.path.name for extract in definition.inputs.values()],
    )
    return forbidden


def gate_forbidden_values(definition: ReportDefinition, interim: Path) -> set[str]:
    """Identifier values from the raw inputs and the pseudonyms, for the gate to search for."""
    from pipeline import gate, io
    from pipeline.ingest import read_export

    raws = []
    pseudonyms: set[str] = set()
    for name, extract in definition.cleaned_inputs().items():
        raws.append(read_export(extract.resolved_path(), sheet=extract.sheet))
        clean_path = Path(interim) / name
        if (clean_path / io.CLEAN_FILE).exists():
            clean = io.read_clean(clean_path)
            for column in definition.type.kind(extract.kind).identifiers:
                if column not in clean:
                    # a declared identifier the cleaner did not write would go unsearched
                    raise RenderError(
                        f"the clean {extract.kind} table of input '{name}' has no column "
                        f"'{column}', which its report type declares as an identifier; the "
                        "publication gate cannot search for its values"
                    )
                pseudonyms |= set(clean[column].astype(str))
    council = definition.authority
    public = (council.name, council.full_name, council.outside, *council.districts)
    return set(gate.forbidden_values(raws, pseudonyms, public_labels=public))


def _published(out: Path) -> list[Path]:
    manifest = out / MANIFEST
    if not manifest.exists():
        return []
    return [out / name for name in json.loads(manifest.read_text())["published"]]


def _up_to_date(out: Path, key: str) -> bool:
    manifest = out / MANIFEST
    if not manifest.exists():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except json.JSONDecodeError:
        return False
    if recorded.get("cache_key") != key:
        return False
    return all((out / name).exists() for name in recorded.get("published", []))


def _interim_current(interim: Path, definition: ReportDefinition, inputs: dict) -> bool:
    """Clean data already made from these exact inputs and cleaning settings can be reused."""
    stamp = Path(interim) / "inputs.json"
    wanted = _interim_stamp(definition, inputs)
    if not stamp.exists():
        return False
    names = definition.cleaned_inputs()
    if not all((Path(interim) / name / "clean.parquet").exists() for name in names):
        return False
    return json.loads(stamp.read_text()) == wanted


def cleaning_code(definition: ReportDefinition) -> list[Path]:
    """The files whose code decides what the clean data looks like: the cleaning notebook's
    ``pipeline.io`` and each cleaner of the report's input kinds, with all they import."""
    cleaners = {
        definition.type.kind(extract.kind).cleaner.partition(":")[0]
        for extract in definition.cleaned_inputs().values()
    }
    return [CLEAN_NOTEBOOK, *provenance.module_closure(["pipeline.io", *sorted(cleaners)])]


def _interim_stamp(definition: ReportDefinition, inputs: dict) -> dict:
    return {
        "inputs": {n: inputs[n]["sha256"] for n in definition.cleaned_inputs()},
        "framework": definition.framework.model_dump(mode="json"),
        "fee_ceiling": definition.parameters.fee_ceiling_gbp,
        "code": provenance.files_digest(cleaning_code(definition)),
    }


def write_interim_stamp(interim: Path, definition: ReportDefinition) -> None:
    """Record which inputs and settings the clean data in ``interim`` was made from."""
    inputs = provenance.input_records(definition)
    stamp = _interim_stamp(definition, inputs)
    Path(interim).mkdir(parents=True, exist_ok=True)
    (Path(interim) / "inputs.json").write_text(json.dumps(stamp, sort_keys=True))


def publish_files(out: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every published file into ``out`` so a failure leaves the old set intact.

    Everything is written to a staging folder first; only then are the files moved into
    place (``os.replace`` per file, the tables and charts folders swapped as a whole, the
    manifest last so that it only ever describes a complete set).
    """
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    try:
        for name, data in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for folder in PUBLISHED_DIRS:
            if (out / folder).exists():
                os.replace(out / folder, staging / f".old-{folder}")
            if (staging / folder).exists():
                os.replace(staging / folder, out / folder)
        for name in sorted(files, key=lambda n: n == MANIFEST):
            if name.partition("/")[0] not in PUBLISHED_DIRS:
                os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(out / name for name in files if name != MANIFEST)


def remove_whole_render(definition: ReportDefinition) -> Path | None:
    """Remove ``reports/<id>/`` of a definition that fans out, when an earlier version of the
    pipeline rendered it whole there: the definition now renders only its members, so that
    folder is never brought up to date and keeps what its old files printed (a stale
    appendix is one an author could attach by mistake). Only a folder whose manifest says it
    is this report's whole render is removed. Returns the folder removed, if any."""
    out = output_dir(definition)
    manifest = out / "manifest.json"
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if record.get("report") != definition.id or record.get("variant"):
        return None
    shutil.rmtree(out)
    print(
        f"removed {out.relative_to(PROJECT_ROOT)}/: an earlier render of the whole "
        f"{definition.id}, which now renders one appendix per member",
        file=sys.stderr,
    )
    return out


def render_all(
    paths: list[str | Path], *, jobs: int = 1, force: bool = False, progress: bool = True
) -> tuple[list[RenderResult], list[tuple[str, str]]]:
    """Render many definitions (fan-outs expanded), ``jobs`` at a time; keep going on failure.

    Returns the results and a list of ``(report, one-line reason)`` for each failure.
    """
    work = []
    for path in paths:
        definition_path = _definition_path(path)
        definition = load_report_definition(definition_path)
        for variant in expand_fan_out(definition):
            work.append((definition_path, variant, variant.get("id", definition.id)))
        if definition.fan_out is not None:
            remove_whole_render(definition)
    if any(v for _, v, _ in work):
        # Fan-out members share their parent's clean data: clean each parent once, up front,
        # so parallel members never race to write the same interim files.
        for definition_path in dict.fromkeys(p for p, v, _ in work if v):
            prepare_interim(definition_path, force=force)
    results: list[RenderResult] = []
    failures: list[tuple[str, str]] = []
    bar = _progress(len(work)) if progress else None

    narratives: dict[str, object] = {}

    def take(report_id: str, outcome: RenderResult | str | Exception) -> None:
        if isinstance(outcome, RenderResult):
            results.append(outcome)
        else:
            if isinstance(outcome, Exception):  # a narrative's: told of the batch below
                narratives[report_id] = outcome
            failures.append((report_id, str(outcome)))
        if bar:
            bar.update(1)

    if jobs <= 1:
        with NotebookRunner() as runner:
            for definition_path, variant, report_id in work:
                take(report_id, _render_quietly(str(definition_path), variant, force, runner))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # spawn, not fork: each worker starts clean (no inherited kernels, threads or locks)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_render_quietly, str(p), v, force): rid for p, v, rid in work}
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died is a failure too
                    outcome = f"{type(exc).__name__}: {exc}"
                take(futures[future], outcome)
    if bar:
        bar.close()
    if narratives:
        told = _narratives_told_of_batch(narratives, results, work)
        failures = [(rid, told.get(rid, reason)) for rid, reason in failures]
    return results, failures


def _narratives_told_of_batch(narratives: dict, results: list[RenderResult], work) -> dict:
    """Each failed narrative's message, an unknown id said to be another report's where one
    of the batch has it: once every report is done, so the order they ran in does not
    matter."""
    from pipeline import narrative

    ids: dict[str, frozenset[str]] = {rid: error.figure_ids for rid, error in narratives.items()}
    for result in results:
        figures = result.out_dir / "figures.json"
        if figures.exists():
            ids[result.report_id] = narrative.printable(json.loads(figures.read_text())["figures"])
    mates = []
    for definition_path, variant, report_id in work:
        definition = load_report_definition(definition_path, variant or None)
        prefixes = narrative.input_prefixes(definition)
        mates.append(narrative.Batchmate(report_id, ids.get(report_id, frozenset()), prefixes))
    return {
        rid: str(error.with_batch([m for m in mates if m.report_id != rid]))
        for rid, error in narratives.items()
    }


def prepare_interim(definition_path: Path, *, force: bool = False) -> None:
    """Clean a definition's inputs once (used before rendering its fan-out in parallel)."""
    definition = load_report_definition(definition_path)
    interim = interim_dir(definition)
    inputs = provenance.input_records(definition)
    if not force and _interim_current(interim, definition, inputs):
        return
    out = output_dir(definition) / "internal"
    out.mkdir(parents=True, exist_ok=True)
    parameters = {
        "report_definition": str(definition_path),
        "interim_dir": str(interim),
        "variant": {},
        "provenance": {},
    }
    execute_notebook(CLEAN_NOTEBOOK, out / CLEAN_NOTEBOOK.name, parameters)
    write_interim_stamp(interim, definition)


_WORKER_RUNNER: NotebookRunner | None = None


def _worker_runner() -> NotebookRunner:
    """One kernel per batch worker, kept for every report the worker renders."""
    global _WORKER_RUNNER
    if _WORKER_RUNNER is None:
        import atexit

        _WORKER_RUNNER = NotebookRunner()
        atexit.register(_WORKER_RUNNER.close)
    return _WORKER_RUNNER


def _render_quietly(
    path: str, variant: dict, force: bool, runner: NotebookRunner | None = None
) -> RenderResult | str | Exception:
    """Render one report; a failure comes back as its one-line reason, never raised (a
    narrative's as its ``NarrativeError``, which the batch completes)."""
    from pipeline.narrative import NarrativeError

    try:
        return render_report(path, variant=variant, force=force, runner=runner or _worker_runner())
    except NarrativeError as exc:  # the batch adds which other report has an unknown id
        return exc
    except Exception as exc:  # noqa: BLE001 - a batch reports every failure and goes on
        if isinstance(exc, UserError):
            return str(exc)
        return f"{type(exc).__name__}: {exc}"


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, unit="report", desc="rendering", leave=True, dynamic_ncols=True)
