"""Every number a member reads in the words of an appendix comes from the data, as a figure.

The render audits the words of every appendix before it publishes anything
(``pipeline.prose``, called by ``render.run_words_audit``): a number in a sentence, heading,
caption, note or chart description that is no figure and no value of a published table, the
value of a figure disclosure control hides, or the symbol ``[c]`` standing in for a number
refuses publication. These tests render every definition under ``reports/`` (each fan-out
member: the Kent districts, the councils of the national context, the residential
authorities), and check that the audit ran on each and found nothing, and then, as a
back-test, that the files as published pass the same check read back from disk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import prose, render
from pipeline.config import PROJECT_ROOT, expand_fan_out, load_report_definition

pytestmark = pytest.mark.render

DEFINITIONS = sorted((PROJECT_ROOT / "reports").glob("*.yml"))


def members() -> list[str]:
    """The id of every report the definitions under reports/ render."""
    out = []
    for path in DEFINITIONS:
        definition = load_report_definition(path)
        out += [variant.get("id", definition.id) for variant in expand_fan_out(definition)]
    return out


@pytest.fixture(scope="module")
def rendered() -> dict[str, Path]:
    results, failures = render.render_all(DEFINITIONS, jobs=2, progress=False)
    assert not failures, failures
    return {result.report_id: result.out_dir for result in results}


def test_every_member_of_every_definition_is_rendered(rendered):
    expected = members()
    assert len(expected) > len(DEFINITIONS)  # the fan-outs are expanded
    assert sorted(rendered) == sorted(expected)


def test_the_words_audit_ran_and_passed_on_every_report(rendered):
    """The reviewers' record of each render says the words were audited and nothing was
    found: a render that skipped the audit leaves no such record."""
    missing, failed = [], []
    for report, folder in sorted(rendered.items()):
        record = json.loads((folder / "internal" / render.AUDIT_RECORD).read_text())
        if record.get("words_numbers_traced", 0) <= 0:
            missing.append(report)
        elif record.get("words_findings") != 0:
            failed.append(report)
    assert not missing, f"no words audit recorded: {missing}"
    assert not failed, f"words audit found problems: {failed}"


def test_the_published_words_pass_the_audit_read_back(rendered):
    """A back-test on what was published: the appendix, figures.json and the tidy tables as
    written, checked again (hidden figures' values are not published, so only the numbers and
    the symbol are checked here)."""
    problems = []
    for report, folder in sorted(rendered.items()):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        definition = load_report_definition(
            PROJECT_ROOT / manifest["definition_path"], manifest["variant"] or None
        )
        figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))["figures"]
        tables = [
            path.read_text(encoding="utf-8")
            for path in sorted((folder / "tables").glob("*.csv"))
            if not path.name.endswith(".meta.csv")
        ]
        found = prose.check_words(
            (folder / "appendix.html").read_text(encoding="utf-8"),
            figures=figures,
            tables=tables,
            constants=[definition.parameters.suppression_threshold],
            not_data=render.words_not_data(definition),
        )
        problems += [finding.message(report) for finding in found]
    assert not problems, "\n".join(problems)
