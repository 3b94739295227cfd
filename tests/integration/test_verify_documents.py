"""Reviewers verify every published document (issue #16): a lone PDF copied out of the
project verifies from the manifest embedded in it, and a tampered file of each kind is caught
and named (where it differs: page, paragraph, cell, row)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest

from pipeline import embedded, provenance, render, verify
from pipeline.__main__ import main
from pipeline.config import PROJECT_ROOT

REPORT = PROJECT_ROOT / "reports" / "25-00007.yml"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """25-00007 rendered once into a folder of its own."""
    out = tmp_path_factory.mktemp("published") / "25-00007"
    render.render_report(REPORT, force=True, out_dir=out)
    return out


@pytest.fixture
def pristine_rerun(rendered, monkeypatch):
    """verify's fresh render, replaced by an untouched copy of the render (renders are
    byte-identical: the lone-PDF test below does the real rerun) so that each tampering test
    costs no render. Records that it was called."""
    calls = []

    @contextlib.contextmanager
    def fake(manifest, definition_path):
        calls.append(manifest["report"])
        yield rendered

    monkeypatch.setattr(verify, "fresh_render", fake)
    return calls


def copy_of(rendered: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "25-00007"
    shutil.copytree(rendered, folder)
    return folder


def lone(rendered: Path, tmp_path: Path, name: str) -> Path:
    """One published document copied alone into a folder outside the project."""
    target = tmp_path / "committee-papers" / name
    target.parent.mkdir(parents=True)
    shutil.copy(rendered / name, target)
    return target


def rezip(path: Path, part: str, edit) -> None:
    """Rewrite one part of a zip (DOCX, XLSX), every other part and stamp as it was."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                edited = edit(content)
                assert edited != content, f"the edit changed nothing in {part}"
                content = edited
            target.writestr(info, content)
    path.write_bytes(out.getvalue())


# ------------------------------------------------------------------ provenance inside


def test_each_document_carries_the_manifest_and_figures(rendered: Path) -> None:
    manifest = json.loads((rendered / "manifest.json").read_text())
    figures = json.loads((rendered / "figures.json").read_text())
    carriers = [n for n in manifest["published"] if n.endswith((".pdf", ".docx", ".xlsx"))]
    # the narrative's Word document (25-00007 has one) carries the record like the appendix
    assert carriers == ["appendix.docx", "appendix.pdf", "narrative.docx", "tables.xlsx"]
    for name in carriers:
        carried = embedded.read((rendered / name).read_bytes(), name)
        record = carried.manifest
        assert carried.figures == figures, name
        assert record["report"] == "25-00007"
        assert record["git"] == manifest["git"] and record["inputs"] == manifest["inputs"]
        assert record["definition_sha256"] == provenance.sha256_file(REPORT)
        assert record["render_date"] == "2025-02-10"
        # nothing that changes from one render to the next, so two renders stay identical
        assert "rendered_at" not in record and "timings_seconds" not in record
        # every file that carries no record is named with its hash; the documents are not
        assert set(record["published_sha256"]) == {
            n for n in manifest["published"] if n not in carriers
        }
        for other, digest in record["published_sha256"].items():
            assert hashlib.sha256((rendered / other).read_bytes()).hexdigest() == digest
    with pikepdf.open(rendered / "appendix.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta[f"{{{embedded.NAMESPACE}}}CodeCommit"].startswith(
            manifest["git"]["commit"] or "unknown"
        )
        assert sorted(str(spec.F) for spec in pdf.Root.AF) == ["figures.json", "manifest.json"]


# ------------------------------------------------------------------ a lone document


def test_a_lone_pdf_outside_the_project_verifies_from_its_embedded_manifest(
    rendered: Path, tmp_path: Path
) -> None:
    pdf = lone(rendered, tmp_path, "appendix.pdf")
    certificate = tmp_path / "qa" / "certificate.html"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "verify", str(pdf), "--report", str(certificate)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("verified appendix.pdf: identical to a fresh render of 25-00007")
    page = certificate.read_text()
    manifest = json.loads((rendered / "manifest.json").read_text())
    assert "VERIFIED: appendix.pdf" in page and "NOT VERIFIED" not in page
    for record in manifest["inputs"].values():
        assert record["sha256"] in page and record["path"] in page
    assert (manifest["git"]["commit"] or "unknown") in page
    assert "<td>identical</td>" in page


def test_a_pdf_whose_title_was_changed_fails_naming_the_document_information(
    rendered: Path, tmp_path: Path, pristine_rerun, capsys
) -> None:
    path = lone(rendered, tmp_path, "appendix.pdf")
    with pikepdf.open(rendered / "appendix.pdf") as pdf:
        pdf.docinfo["/Title"] = "Placements: data appendix (revised)"
        pdf.save(path)
    assert main(["verify", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "appendix.pdf: 1 differ from a fresh render"
    assert "appendix.pdf: the document information's /Title: 'Placements: data appendix " in out
    assert pristine_rerun == ["25-00007"]


def test_a_docx_paragraph_edited_is_caught_and_named(
    rendered: Path, tmp_path: Path, pristine_rerun
) -> None:
    path = lone(rendered, tmp_path, "appendix.docx")
    rezip(path, "word/document.xml", lambda xml: xml.replace(b"1,839", b"1,893", 1))
    result = verify.verify_document(path)
    assert not result.ok
    [difference] = result.differences
    assert re.fullmatch(r"paragraph \d+: '.*1,893.*' where a fresh render has '.*1,839.*'",
                        difference.where), difference.where  # fmt: skip


def test_an_xlsx_cell_changed_is_caught_and_named(
    rendered: Path, tmp_path: Path, pristine_rerun
) -> None:
    path = lone(rendered, tmp_path, "tables.xlsx")
    archive = zipfile.ZipFile(path)
    numeric = re.compile(rb'<c r="([A-Z]+\d+)"( s="\d+")?><v>(\d+)</v></c>')
    part, match = next(
        (name, found)
        for name in sorted(archive.namelist())
        if name.startswith("xl/worksheets/sheet") and (found := numeric.search(archive.read(name)))
    )
    cell, value = match.group(1).decode(), int(match.group(3))
    rezip(path, part, lambda xml: xml.replace(match.group(0), match.group(0).replace(
        b"<v>%d</v>" % value, b"<v>%d</v>" % (value + 1)), 1))  # fmt: skip
    result = verify.verify_document(path)
    [difference] = result.differences
    assert re.fullmatch(
        rf"sheet '.+', cell {cell}: '{value + 1}' where a fresh render has '{value}'",
        difference.where,
    ), difference.where


def test_a_document_without_an_embedded_manifest_cannot_be_verified(
    rendered: Path, tmp_path: Path, pristine_rerun, capsys
) -> None:
    path = lone(rendered, tmp_path, "appendix.pdf")
    with pikepdf.open(rendered / "appendix.pdf") as pdf:
        for name in list(pdf.attachments):
            del pdf.attachments[name]
        if "/AF" in pdf.Root:
            del pdf.Root.AF
        pdf.save(path)
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "no embedded manifest" in err[0]
    assert pristine_rerun == [], "nothing is rerun"


def test_a_document_from_another_commit_names_the_commit_it_needs(
    rendered: Path, tmp_path: Path, pristine_rerun, monkeypatch, capsys
) -> None:
    path = lone(rendered, tmp_path, "appendix.pdf")
    recorded = embedded.read(path.read_bytes(), path.name).manifest["git"]["commit"]
    if recorded is None:
        pytest.fail("the render recorded no commit: run the tests in a git work tree")
    monkeypatch.setattr(
        verify.provenance, "git_state", lambda: {"commit": "f" * 40, "dirty": False}
    )
    # another commit whose code for this report differs (its cache key is not the render's)
    from pipeline import render

    monkeypatch.setattr(render, "current_key", lambda *args: "0" * 64)
    assert main(["verify", str(path)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert f"rendered at commit {recorded}" in line and "git switch --detach" in line
    assert pristine_rerun == []


def test_a_commit_that_left_the_report_s_code_alone_is_not_refused(
    rendered: Path, tmp_path: Path, monkeypatch
) -> None:
    # a later commit that changed only tests or documents: render skips the report (same
    # cache key), so verify must accept it, saying so, rather than ask for the old commit
    path = lone(rendered, tmp_path, "appendix.pdf")
    manifest = embedded.read(path.read_bytes(), path.name).manifest
    monkeypatch.setattr(
        verify.provenance, "git_state", lambda: {"commit": "f" * 40, "dirty": False}
    )
    notes = verify.check_commit(manifest, str(path))
    assert any("the render's cache key matches" in note for note in notes), notes


def test_a_changed_input_is_refused_naming_the_file_and_its_hash(
    rendered: Path, tmp_path: Path, pristine_rerun, capsys
) -> None:
    path = lone(rendered, tmp_path, "tables.xlsx")
    record = embedded.read(path.read_bytes(), path.name).manifest["inputs"]
    # the first input that is one file (a release of official statistics is a folder)
    name, entry = next(
        (n, e) for n, e in sorted(record.items()) if (PROJECT_ROOT / e["path"]).is_file()
    )
    source = PROJECT_ROOT / entry["path"]
    original = source.read_bytes()
    try:
        source.write_bytes(original + b"\n")
        assert main(["verify", str(path)]) == 2
    finally:
        source.write_bytes(original)
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: inputs do not match the manifest: ")
    assert f"{entry['path']} has changed since the render" in line
    assert entry["sha256"] in line
    assert pristine_rerun == [], "nothing is rerun on changed inputs"


# ------------------------------------------------------------------ a report folder


def test_a_number_edited_in_the_html_is_caught_and_named(
    rendered: Path, tmp_path: Path, pristine_rerun
) -> None:
    folder = copy_of(rendered, tmp_path)
    page = (folder / "appendix.html").read_text(encoding="utf-8")
    (folder / "appendix.html").write_text(page.replace("1,839", "1,840", 1), encoding="utf-8")
    result = verify.verify_report(folder)
    assert [d.item for d in result.differences] == ["appendix.html"]
    where = result.differences[0].where
    assert where.startswith("a paragraph under "), where
    assert "1,840" in where and "where a fresh render has" in where and "1,839" in where
    assert {f.name for f in result.files if f.matches} == set(
        json.loads((rendered / "manifest.json").read_text())["published"]
    ) - {"appendix.html"}


def test_a_tidy_csv_row_changed_is_caught_and_named(
    rendered: Path, tmp_path: Path, pristine_rerun
) -> None:
    folder = copy_of(rendered, tmp_path)
    table = sorted((folder / "tables").glob("*[!a].csv"))[0]  # a data file, not a .meta.csv
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    bump = lambda m: f",{int(m.group(1)) + 1}{m.group(2)}"  # noqa: E731
    lines[2] = re.sub(r",(\d+)(,|\n)", bump, lines[2], count=1)
    table.write_text("".join(lines), encoding="utf-8")
    result = verify.verify_report(folder)
    name = f"tables/{table.name}"
    assert [d.item for d in result.differences] == [name]
    assert result.differences[0].where.startswith("row 2 (line 3): "), result.differences[0]


def test_every_file_the_manifest_lists_is_compared_whatever_it_is(
    rendered: Path, tmp_path: Path, monkeypatch
) -> None:
    """A file added to the published list (a narrative, say) is compared too, by its text."""
    folder, fresh = copy_of(rendered, tmp_path), tmp_path / "fresh"
    shutil.copytree(rendered, fresh)
    for where, text in ((folder, "Demand rose.\nBy 12%.\n"), (fresh, "Demand rose.\nBy 21%.\n")):
        (where / "narrative.md").write_text(text, encoding="utf-8")
        manifest = json.loads((where / "manifest.json").read_text())
        manifest["published"] = sorted([*manifest["published"], "narrative.md"])
        manifest["published_sha256"]["narrative.md"] = hashlib.sha256(text.encode()).hexdigest()
        (where / "manifest.json").write_text(json.dumps(manifest))

    @contextlib.contextmanager
    def fake(manifest, definition_path):
        yield fresh

    monkeypatch.setattr(verify, "fresh_render", fake)
    result = verify.verify_report(folder)
    assert [d.line() for d in result.differences] == [
        "narrative.md: line 2: 'By 12%.' where a fresh render has 'By 21%.'"
    ]


def test_a_file_changed_after_the_manifest_was_written_is_caught(
    rendered: Path, tmp_path: Path, pristine_rerun
) -> None:
    """Bytes that match the rerun but not the manifest's hash: the manifest was of other
    bytes, so what was published is not what is here."""
    folder = copy_of(rendered, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["published_sha256"]["figures.json"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = verify.verify_report(folder)
    assert [d.line() for d in result.differences] == [
        "figures.json: its SHA-256 is not the manifest's"
    ]
