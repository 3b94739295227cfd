"""Verify a published appendix: rerun it and compare every published file with a fresh render.

``verify_report`` takes a report folder (``reports/<id>/``) and its ``manifest.json``;
``verify_document`` takes one published document (a PDF, DOCX or XLSX), wherever it was
copied to, and reads the provenance record embedded in it (``pipeline.embedded``). Both
refuse (``VerifyError``, one line) when the check would prove nothing: the repository is at
another commit than the render, the definition or an input is missing or no longer has the
SHA-256 recorded. Otherwise they render the report afresh into a temporary folder, with the
recorded definition, fan-out member and render date, and compare: renders are byte-identical,
so any byte difference is a finding, and ``compare.where_differs`` says where (page, table,
paragraph, cell, row). Each figure of figures.json is compared one by one as well.

``compare_published`` sets a report's figures beside the figures printed in the committee
papers, with the paragraph of each. ``write_certificate`` writes the one-page record of a
verification for a QA file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import provenance
from pipeline.config import PROJECT_ROOT, load_report_definition, resolve_path
from pipeline.errors import VerifyError
from pipeline.figures import Comparison, compare_with_published


@dataclass
class Difference:
    """One figure or published file that does not match a fresh render."""

    item: str
    published: object = None
    recomputed: object = None
    #: For a file: where it differs, read from its content (page, table, paragraph, cell).
    where: str | None = None

    def line(self) -> str:
        if self.where is not None:
            return f"{self.item}: {self.where}"
        return f"{self.item}: published {self.published!r}, recomputed {self.recomputed!r}"


@dataclass
class FileCheck:
    """One published file compared with its fresh render."""

    name: str
    sha256: str
    matches: bool
    where: str | None = None


@dataclass
class VerifyResult:
    report_id: str
    figures: int
    tables: int
    differences: list[Difference] = field(default_factory=list)
    #: Every published file compared, in name order.
    files: list[FileCheck] = field(default_factory=list)
    #: The provenance the check was made against (manifest or embedded record).
    manifest: dict = field(default_factory=dict)
    #: What was verified: a report folder or one document.
    source: str = ""
    #: Things the reviewer should know that are not differences (environment, dirty tree).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        """The one-line verdict the command prints."""
        if self.ok:
            if len(self.files) == 1:
                return (
                    f"verified {self.source}: identical to a fresh render of {self.report_id} "
                    f"at commit {_short_commit(self.manifest)} ({self.figures} figures)"
                )
            return (
                f"verified {self.report_id}: all {len(self.files)} published files "
                f"({self.tables} table files) and {self.figures} figures match a fresh render"
            )
        where = self.source or self.report_id
        return f"{where}: {len(self.differences)} differ from a fresh render"


def _short_commit(manifest: dict) -> str:
    commit = (manifest.get("git") or {}).get("commit")
    return commit[:12] if commit else "unknown"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def read_manifest(report_dir: Path) -> dict:
    path = Path(report_dir) / "manifest.json"
    if not path.exists():
        raise VerifyError(
            f"{path}: no manifest (render the report first: python -m pipeline render ...)"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise VerifyError(f"{path}: the manifest is not valid JSON ({error.msg})") from None


def check_commit(manifest: dict, source: str) -> list[str]:
    """Refuse when this repository is at another commit than the render was made at (a rerun
    there would compare other code); returns notes for the reviewer."""
    recorded = manifest.get("git") or {}
    wanted = recorded.get("commit")
    here = provenance.git_state()
    notes = []
    if wanted and here["commit"] and here["commit"] != wanted and _same_code(manifest):
        notes.append(
            f"rendered at commit {wanted[:12]}; this repository is at {here['commit'][:12]}, "
            "whose code, definition, inputs and environment for this report are the same "
            "(the render's cache key matches), so the rerun here is the same render"
        )
    elif wanted and here["commit"] and here["commit"] != wanted:
        raise VerifyError(
            f"{source}: rendered at commit {wanted}, but this repository is at "
            f"{here['commit'][:12]}. Fix: check out that commit (git switch --detach "
            f"{wanted[:12]}) and run verify again"
        )
    if not wanted or not here["commit"]:
        notes.append("the code commit could not be compared (no git repository)")
    if recorded.get("dirty"):
        notes.append(
            "the render was made from uncommitted changes: it is compared with this work tree"
        )
    elif here["dirty"]:
        notes.append("this work tree has uncommitted changes: the rerun uses them")
    return notes


def _same_code(manifest: dict) -> bool:
    """Whether rendering the report here now has the cache key the render recorded: a commit
    that changed only tests or documents leaves a report's render as it was (and ``render``
    skips it), so verify must not refuse it for the commit alone."""
    from pipeline.render import current_key

    recorded = manifest.get("cache_key")
    path = manifest.get("definition_path")
    if not recorded or not path or not resolve_path(path).exists():
        return False
    try:
        return current_key(resolve_path(path), manifest.get("variant") or {}) == recorded
    except Exception:  # an unreadable definition or input: the checks that follow say so
        return False


def check_definition(manifest: dict, source: str) -> Path:
    """The report definition the render used, refused when it is missing or has changed."""
    path = resolve_path(manifest["definition_path"])
    if not path.exists():
        raise VerifyError(
            f"{source}: the report definition {manifest['definition_path']} it was rendered "
            "from is not in this repository. Fix: check out the commit it names, or restore "
            "the definition"
        )
    expected = manifest.get("definition_sha256")
    if expected and provenance.sha256_file(path) != expected:
        raise VerifyError(
            f"{source}: the report definition {manifest['definition_path']} has changed "
            f"since the render (SHA-256 expected {expected}). Fix: restore it as it was"
        )
    return path


def check_inputs(manifest: dict) -> None:
    """Refuse when an input named in the manifest has changed or gone."""
    changed = []
    for record in manifest["inputs"].values():
        path = resolve_path(record["path"])
        if not path.exists():
            changed.append(f"{record['path']} is missing (SHA-256 expected {record['sha256']})")
        elif provenance.sha256_input(path) != record["sha256"]:
            changed.append(
                f"{record['path']} has changed since the render "
                f"(SHA-256 expected {record['sha256']})"
            )
    if changed:
        raise VerifyError(
            "inputs do not match the manifest: "
            + "; ".join(changed)
            + ". Restore the inputs the report was made from, or render it again."
        )


def environment_notes(manifest: dict) -> list[str]:
    """Package versions here that differ from the render's (a likely cause of a mismatch)."""
    recorded = (manifest.get("environment") or {}).get("packages") or {}
    here = provenance.environment()["packages"]
    changed = [
        f"{name} {here.get(name)} here, {version} at the render"
        for name, version in sorted(recorded.items())
        if here.get(name) != version
    ]
    python = (manifest.get("environment") or {}).get("python")
    if python and python != provenance.environment()["python"]:
        changed.append(f"Python {provenance.environment()['python']} here, {python} at the render")
    return [f"the environment differs: {'; '.join(changed)}"] if changed else []


@contextlib.contextmanager
def fresh_render(manifest: dict, definition_path: Path) -> Iterator[Path]:
    """Render the report of ``manifest`` afresh into a temporary folder (yielded), with its
    fan-out member and its render date (``SOURCE_DATE_EPOCH``)."""
    from pipeline import render

    variant = manifest.get("variant") or {}
    load_report_definition(definition_path, variant)
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    saved_by_render = render._SET_BY_RENDER
    with tempfile.TemporaryDirectory(prefix="verify-") as folder:
        try:
            if manifest.get("source_date_epoch"):
                os.environ["SOURCE_DATE_EPOCH"] = str(manifest["source_date_epoch"])
                render._SET_BY_RENDER = None  # the recorded date is the one to use
            out = Path(folder) / "out"
            render.render_report(
                definition_path,
                variant=variant,
                force=True,
                out_dir=out,
                interim=Path(folder) / "interim",
            )
        finally:
            if saved is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = saved
            render._SET_BY_RENDER = saved_by_render
        yield out


def _figure_differences(published: dict, fresh: dict) -> list[Difference]:
    differences = []
    for figure_id in sorted(set(published) | set(fresh)):
        old = published.get(figure_id, {}).get("value", "(absent)")
        new = fresh.get(figure_id, {}).get("value", "(absent)")
        if not _same(old, new):
            differences.append(Difference(figure_id, old, new))
    return differences


def _check_file(name: str, published: bytes | None, fresh: bytes | None) -> FileCheck:
    from pipeline.compare import where_differs

    digest = hashlib.sha256(published).hexdigest() if published is not None else ""
    if published is None:
        return FileCheck(name, digest, False, "missing from the published files")
    if fresh is None:
        return FileCheck(name, digest, False, "a fresh render does not publish it")
    if published == fresh:
        return FileCheck(name, digest, True)
    return FileCheck(name, digest, False, where_differs(name, published, fresh))


def _published_names(manifest: dict) -> list[str]:
    return list(manifest.get("published") or manifest.get("published_sha256") or [])


def verify_report(report_dir: str | Path) -> VerifyResult:
    """Re-execute a report from its manifest and compare every published file with it."""
    report_dir = resolve_path(report_dir)
    manifest = read_manifest(report_dir)
    source = str(report_dir)
    notes = check_commit(manifest, source)
    definition_path = check_definition(manifest, source)
    check_inputs(manifest)
    notes += environment_notes(manifest)
    figures_path = report_dir / "figures.json"
    try:
        published = json.loads(figures_path.read_text())["figures"]
    except (OSError, json.JSONDecodeError, KeyError):
        published = {}
    recorded = manifest.get("published_sha256") or {}
    with fresh_render(manifest, definition_path) as out:
        fresh_manifest = read_manifest(out)
        fresh_figures = json.loads((out / "figures.json").read_text())["figures"]
        differences = _figure_differences(published, fresh_figures)
        names = sorted(set(_published_names(manifest)) | set(_published_names(fresh_manifest)))
        checks = []
        for name in names:
            path, fresh_path = report_dir / name, out / name
            check = _check_file(
                name,
                path.read_bytes() if path.is_file() else None,
                fresh_path.read_bytes() if fresh_path.is_file() else None,
            )
            if check.matches and recorded.get(name) not in (None, check.sha256):
                # the file is what the code makes now, but not what was published
                check = FileCheck(name, check.sha256, False, "its SHA-256 is not the manifest's")
            checks.append(check)
    differences += [Difference(c.name, where=c.where) for c in checks if not c.matches]
    return VerifyResult(
        report_id=manifest["report"],
        figures=len(published),
        tables=sum(1 for n in names if n.startswith("tables")),
        differences=differences,
        files=checks,
        manifest=manifest,
        source=source,
        notes=notes,
    )


#: The documents that carry their provenance record inside them.
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".xlsx")


def verify_document(path: str | Path) -> VerifyResult:
    """Verify one published document (PDF, DOCX, XLSX) from the provenance embedded in it.

    Needs nothing but the file and this repository at the commit it names (with the inputs
    it names, unchanged): the record says which definition, fan-out member, render date and
    inputs made it; the report is rendered afresh and the same document compared byte for
    byte, and figure by figure with the figures it carries.
    """
    from pipeline import embedded

    path = Path(path).expanduser()
    source = path.name
    if not path.is_file():
        raise VerifyError(f"{path}: no such file. Fix: give the published document's path")
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise VerifyError(
            f"{path}: only a PDF, DOCX or XLSX carries its provenance; for other files verify "
            "the report folder (python -m pipeline verify reports/<id>)"
        )
    data = path.read_bytes()
    try:
        carried = embedded.read(data, path.name)
    except embedded.NoProvenance as error:
        raise VerifyError(
            f"{path}: no embedded manifest to verify it from: {error}. It was not rendered by "
            "this pipeline with provenance, or the manifest was stripped; verify its report "
            "folder instead"
        ) from None
    manifest = carried.manifest
    if not isinstance(manifest, dict) or not {"report", "inputs", "definition_path"} <= set(
        manifest
    ):
        raise VerifyError(f"{path}: its embedded manifest lacks the report, definition or inputs")
    name = _document_name(path, manifest)
    notes = check_commit(manifest, source)
    definition_path = check_definition(manifest, source)
    check_inputs(manifest)
    notes += environment_notes(manifest)
    published_figures = (carried.figures or {}).get("figures", {})
    with fresh_render(manifest, definition_path) as out:
        fresh_path = out / name
        check = _check_file(name, data, fresh_path.read_bytes() if fresh_path.is_file() else None)
        fresh_figures = json.loads((out / "figures.json").read_text())["figures"]
    differences = _figure_differences(published_figures, fresh_figures)
    if not check.matches:
        differences.append(Difference(path.name, where=check.where))
    return VerifyResult(
        report_id=manifest["report"],
        figures=len(published_figures),
        tables=0,
        differences=differences,
        files=[FileCheck(path.name, check.sha256, check.matches, check.where)],
        manifest=manifest,
        source=source,
        notes=notes,
    )


def _document_name(path: Path, manifest: dict) -> str:
    """Which of the report's published files ``path`` is a copy of (its name, else the one
    published file of its kind)."""
    published = _published_names(manifest)
    if path.name in published:
        return path.name
    same_kind = [n for n in published if n.lower().endswith(path.suffix.lower())]
    if len(same_kind) == 1:
        return same_kind[0]
    raise VerifyError(
        f"{path}: renamed, and the report published {len(same_kind)} files of its kind "
        f"({', '.join(same_kind) or 'none'}). Fix: give it its published name"
    )


def verify(target: str | Path) -> VerifyResult:
    """A report folder or one published document, whichever ``target`` is."""
    candidate = Path(target).expanduser()
    if candidate.suffix.lower() in DOCUMENT_SUFFIXES and not candidate.is_dir():
        return verify_document(candidate)
    return verify_report(target)


# --------------------------------------------------------------------------- certificate


def write_certificate(results: list[VerifyResult], path: str | Path) -> Path:
    """A one-page HTML verification certificate for a QA record: what was checked, against
    which definition, inputs and commit, and the result for each file."""
    import html

    from pipeline import __version__

    def esc(value: object) -> str:
        return html.escape(str(value))

    sections = []
    for result in results:
        manifest = result.manifest
        git = manifest.get("git") or {}
        inputs = "".join(
            f"<tr><td>{esc(name)}</td><td>{esc(record['path'])}</td>"
            f"<td><code>{esc(record['sha256'])}</code></td></tr>"
            for name, record in sorted((manifest.get("inputs") or {}).items())
        )
        rows = "".join(
            f"<tr class='{'ok' if f.matches else 'bad'}'><td>{esc(f.name)}</td>"
            f"<td>{'identical' if f.matches else 'DIFFERS'}</td>"
            f"<td>{esc(f.where or '')}</td></tr>"
            for f in result.files
        )
        figures = [d for d in result.differences if d.where is None]
        figure_line = (
            f"all {result.figures} figures equal"
            if not figures
            else f"{len(figures)} of {result.figures} figures differ: "
            + esc("; ".join(d.line() for d in figures[:5]))
        )
        notes = "".join(f"<li>{esc(n)}</li>" for n in result.notes)
        verdict = "VERIFIED" if result.ok else "NOT VERIFIED"
        sections.append(
            f"<section><h2 class='{'ok' if result.ok else 'bad'}'>{verdict}: "
            f"{esc(result.source)}</h2>"
            f"<p>{esc(result.summary())}</p>"
            "<table class='facts'>"
            f"<tr><th>Report</th><td>{esc(result.report_id)}</td></tr>"
            f"<tr><th>Definition</th><td>{esc(manifest.get('definition_path'))} "
            f"<code>{esc(manifest.get('definition_sha256', ''))}</code></td></tr>"
            f"<tr><th>Code commit</th><td><code>{esc(git.get('commit') or 'unknown')}</code>"
            f"{' (uncommitted changes)' if git.get('dirty') else ''}</td></tr>"
            f"<tr><th>Render date</th><td>{esc(manifest.get('render_date', ''))}</td></tr>"
            f"<tr><th>Figures</th><td>{figure_line}</td></tr>"
            "</table>"
            "<h3>Inputs (SHA-256 checked before the rerun)</h3>"
            f"<table class='inputs'><tr><th>input</th><th>path</th><th>SHA-256</th></tr>"
            f"{inputs}</table>"
            f"<h3>Files compared with a fresh render, byte for byte</h3>"
            f"<table class='files'><tr><th>file</th><th>result</th><th>where</th></tr>"
            f"{rows}</table>" + (f"<ul class='notes'>{notes}</ul>" if notes else "") + "</section>"
        )
    when = dt.datetime.now(dt.UTC).strftime("%d %B %Y %H:%M UTC")
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>Verification certificate</title><style>"
        "@page{size:A4;margin:12mm}body{font:9pt/1.3 sans-serif;margin:0 auto;max-width:190mm}"
        "h1{font-size:14pt;margin:0 0 4pt}h2{font-size:11pt;margin:8pt 0 2pt}"
        "h3{font-size:9pt;margin:6pt 0 2pt}table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #999;padding:1pt 3pt;text-align:left;vertical-align:top}"
        "code{font-size:7pt;word-break:break-all}table.files td,table.files th{font-size:7.5pt}"
        ".ok{color:#0b5e1d}.bad{color:#a00}tr.bad td{background:#fde}"
        "</style></head><body>"
        "<h1>Verification certificate</h1>"
        f"<p>Checked {esc(when)} with inmss-appendix {esc(__version__)}: each file was "
        "compared, byte for byte, with the same report rendered afresh from the recorded "
        "definition and inputs at the recorded commit; the inputs' SHA-256 were checked "
        "first.</p>" + "".join(sections) + "</body></html>\n"
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def compare_published(report_dirs: list[str | Path], against: str | Path) -> list[Comparison]:
    """Every published figure found in the reports' figures.json, beside its recomputed value."""
    import yaml

    published = yaml.safe_load(Path(resolve_path(against)).read_text(encoding="utf-8"))
    figures: dict[str, dict] = {}
    for report_dir in report_dirs:
        path = resolve_path(report_dir) / "figures.json"
        figures.update(json.loads(path.read_text())["figures"])
    return compare_with_published(figures, published["figures"])


def format_comparisons(comparisons: list[Comparison]) -> str:
    """A plain-text table: figure, paper paragraph, published, recomputed, reproduced?"""
    rows = [("figure", "paper", "published", "recomputed", "reproduced")]
    for item in comparisons:
        recomputed = item.recomputed
        if isinstance(recomputed, float):
            recomputed = f"{recomputed:,.4f}".rstrip("0").rstrip(".")
        rows.append(
            (
                item.figure_id,
                item.source,
                str(item.published),
                str(recomputed),
                "yes" if item.reproduced else "NO",
            )
        )
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(5)]
    lines = []
    for row in rows:
        lines.append(
            "  ".join(cell[:60].ljust(width) for cell, width in zip(row, widths, strict=True))
        )
    done = sum(1 for c in comparisons if c.reproduced)
    lines.append(f"{done} of {len(comparisons)} published figures reproduced")
    return "\n".join(lines)


__all__ = [
    "PROJECT_ROOT",
    "VerifyError",
    "compare_published",
    "verify",
    "verify_document",
    "verify_report",
    "write_certificate",
]
