"""A render fills the definition's narrative into narrative.md, .html and .docx, publishes them
like every other file (gate, manifest, verify) and refuses a narrative it cannot fill with one
error line per problem. Rendered from the tiny test report type, which renders in seconds."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import zipfile

import pytest

from pipeline import reports
from pipeline.__main__ import main
from pipeline.config import PROJECT_ROOT
from pipeline.narrative import NarrativeError
from pipeline.render import render_report
from pipeline.verify import verify_report
from tests.fixtures import tiny_report

#: 23 children: group C has 3, so it and its smaller complement (B) are hidden.
ROWS = {f"T{n:03d}": "A" if n < 12 else "B" if n < 20 else "C" for n in range(23)}
IDS = ("tiny-tallies-test", "tiny-other-test")


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.setenv(reports.PLUGINS_ENV, "tests.fixtures.tiny_report")
    notebook = tiny_report.write_notebook(tmp_path / "tiny.ipynb")
    reports.register(dataclasses.replace(tiny_report.REPORT_TYPE, notebook=notebook), replace=True)
    yield tmp_path, tiny_report.write_definition(tmp_path, ROWS)
    for folder in ("reports", "data/interim"):
        for report_id in IDS:
            shutil.rmtree(PROJECT_ROOT / folder / report_id, ignore_errors=True)


def with_narrative(definition, text: str, name: str = "tiny.narrative.md"):
    path = definition.parent / name
    path.write_text(text, encoding="utf-8")
    definition.write_text(definition.read_text() + f"narrative: {path}\n")
    return definition


def test_the_narrative_is_filled_published_listed_and_verified(tiny):
    folder, definition = tiny
    with_narrative(
        definition,
        "<!-- for me only -->\n## Children\n\nAs at {{ tallies.as_at }} there were "
        "{{ tiny.children.total }} children ({{ tiny.children.total | words }}), "
        "{{ tiny.children.A }} of them in group A.\n",
    )
    result = render_report(definition, force=True)
    out = result.out_dir
    text = (out / "narrative.md").read_text()
    assert text == (
        "## Children\n\nAs at 30 June 2025 there were 23 children (twenty-three), 12 of them in "
        "group A.\n"
    )
    html = (out / "narrative.html").read_text()
    assert "<h2>Children</h2>" in html and "23 children (twenty-three)" in html
    assert "for me only" not in html and "tallies.as_at" not in html
    with zipfile.ZipFile(out / "narrative.docx") as docx:
        body = docx.read("word/document.xml").decode()
        styles = docx.read("word/styles.xml")
    assert "23 children (twenty-three)" in body and 'w:val="Heading2"' in body
    with zipfile.ZipFile(out / "appendix.docx") as appendix:
        assert appendix.read("word/styles.xml") == styles  # the appendix's own styles
    manifest = json.loads((out / "manifest.json").read_text())
    for name in ("narrative.md", "narrative.html", "narrative.docx"):
        assert name in manifest["published"]
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert manifest["published_sha256"][name] == digest
    note = (out / "internal" / "qa-note.md").read_text()
    assert "## Narrative placeholders" in note
    assert "| 4 | `tiny.children.total` | words | twenty-three | Children |" in note
    figures = json.loads((out / "figures.json").read_text())["figures"]
    assert figures["tiny.children.C"] == {
        "value": None,
        "unit": "count",
        "label": "C",
        "suppressed": True,
    }
    assert figures["tallies.as_at"]["value"] == "2025-06-30"

    check = verify_report(out)
    compared = {f.name for f in check.files}
    assert check.ok and {"narrative.md", "narrative.html", "narrative.docx"} <= compared
    copy = folder / "published"
    shutil.copytree(out, copy)
    (copy / "narrative.md").write_text(text.replace("23 children", "24 children"))
    assert {d.item for d in verify_report(copy).differences} == {"narrative.md"}


def test_editing_the_narrative_alone_renders_again(tiny):
    _, definition = tiny
    with_narrative(definition, "There are {{ tiny.children.total }} children.\n")
    render_report(definition, force=True)
    assert render_report(definition).skipped
    (definition.parent / "tiny.narrative.md").write_text("{{ tiny.children.A }} in A.\n")
    again = render_report(definition)
    assert not again.skipped
    assert (again.out_dir / "narrative.md").read_text() == "12 in A.\n"


def test_a_narrative_naming_a_hidden_figure_publishes_nothing(tiny):
    _, definition = tiny
    with_narrative(definition, "Intro.\n\nGroup C has {{ tiny.children.C }} children.\n")
    with pytest.raises(NarrativeError) as caught:
        render_report(definition, force=True)
    message = str(caught.value)
    assert message.startswith(f"{definition.parent / 'tiny.narrative.md'}:3: {{{{ tiny.children.C")
    assert "disclosure control hides it" in message
    assert not (PROJECT_ROOT / "reports" / IDS[0] / "narrative.md").exists()


def test_the_command_line_names_the_file_line_id_and_the_report_of_the_batch_that_has_it(
    tiny, capsys
):
    folder, definition = tiny
    other = folder / "other.yml"
    other.write_text(
        definition.read_text()
        .replace("id: tiny-tallies-test", "id: tiny-other-test")
        .replace("  tallies:\n", "  counts:\n")
    )
    with_narrative(definition, "Line one.\n{{ counts.as_at }} and {{ tiny.children.totl }}\n")
    code = main(["render", str(definition), str(other), "--force"])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0] == "1 of 2 reports failed:"
    assert all(line.startswith("error: ") for line in lines[1:]) and len(lines) == 3
    where = f"{definition.parent / 'tiny.narrative.md'}:2:"
    assert f"error: tiny-tallies-test: {where} {{{{ counts.as_at }}}} names no figure" in lines[1]
    assert "it is a figure of report tiny-other-test in this batch" in lines[1]
    assert lines[2].startswith(f"error: {where} {{{{ tiny.children.totl }}}}")
    assert "did you mean tiny.children.total" in lines[2] and "children.C" not in lines[2]


def test_a_narrative_with_a_script_is_refused_in_one_line(tiny):
    from pipeline.errors import RenderError

    _, definition = tiny
    with_narrative(definition, "{{ tiny.children.total }} <script>alert('x')</script>\n")
    with pytest.raises(RenderError, match=r"tiny\.narrative\.md: .*<script> element"):
        render_report(definition, force=True)
