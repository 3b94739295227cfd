"""The reviewers' quality-assurance note: what members do not read, kept beside what they do.

Members read the appendix (HTML, PDF, workbook, tidy files). A reviewer who reruns a report
needs more: which files it was made from and their SHA-256, the code commit and package
versions, the command that reproduces it and the one that verifies a published copy, how
every row of every input was accounted for (read = used + quarantined + duplicates, with the
reasons and flags), and what the disclosure audit found. ``qa_note`` writes that as Markdown
into ``reports/<id>/internal/qa-note.md`` (never published; the gate checks it for
identifiers like every internal file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipeline.config import ReportDefinition
from pipeline.figures import Comparison


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def qa_note(
    definition: ReportDefinition,
    *,
    inputs: Mapping[str, Mapping],
    cleaning: Mapping[str, Mapping],
    git: Mapping[str, object],
    environment: Mapping[str, object],
    command: str,
    audit: Mapping[str, object],
    printed: Sequence[Comparison] = (),
    narrative: object | None = None,
) -> str:
    """The note as Markdown.

    Parameters
    ----------
    definition : ReportDefinition
        The report (one fan-out member's, for a member).
    inputs : mapping
        ``provenance.input_records``: each input's path, SHA-256 and rows.
    cleaning : mapping
        Each cleaned input's ``CleanReport`` (or its JSON), by input name.
    git, environment : mapping
        ``provenance.git_state`` and ``provenance.environment``.
    command : str
        The command that reproduces the report from a clean clone.
    audit : mapping
        The disclosure audit's record (``render.run_audit``).
    printed : sequence of Comparison
        The figures the committee papers printed beside this report's
        (``figures.compare_with_published``; what ``verify --against`` reports).
    narrative : narrative.Filled, optional
        The definition's narrative as filled: every placeholder is listed with its figure id,
        format and the value printed, so a reviewer can check each against figures.json.

    >>> from pipeline.config import PROJECT_ROOT, load_report_definition
    >>> d = load_report_definition(PROJECT_ROOT / "reports" / "25-00007.yml")
    >>> note = qa_note(d, inputs={}, cleaning={}, git={"commit": "abc", "dirty": False},
    ...                environment={"python": "3.11", "packages": {}},
    ...                command="python -m pipeline render x", audit={"findings": 0})
    >>> "python -m pipeline verify reports/25-00007" in note, "| findings | 0 |" in note
    (True, True)
    """
    lines = [
        f"# Quality-assurance note: {definition.id}",
        "",
        "For reviewers; not published. The appendix, workbook and tidy files are what "
        "members and the public read.",
        "",
        "## Reproduce and verify",
        "",
        f"- Reproduce from a clean clone: `{command}`",
        f"- Check a published copy against a fresh render: "
        f"`python -m pipeline verify reports/{definition.id}`; or one published document "
        "alone, from the manifest embedded in it: `python -m pipeline verify "
        "path/to/appendix.pdf --report verification.html` (also a DOCX or XLSX)",
        f"- Code: commit {git.get('commit') or 'not recorded'}"
        + (" (with uncommitted changes)" if git.get("dirty") else ""),
        f"- Environment: Python {environment.get('python', 'not recorded')}; "
        + ", ".join(
            f"{name} {version}" for name, version in sorted(environment.get("packages", {}).items())
        ),
        "",
        "## Inputs",
        "",
    ]
    rows = []
    for name, extract in definition.inputs.items():
        record = inputs.get(name, {})
        rows.append(
            [
                extract.label,
                f"`{extract.path.as_posix()}`",
                extract.kind,
                record.get("sha256", "not recorded"),
            ]
        )
    lines += _table(["input", "file", "kind", "SHA-256"], rows)
    lines += [
        "",
        "## Every row accounted for",
        "",
        "Rows read = rows used + rows quarantined (unusable, with reasons, kept for the data "
        "owner in `data/interim/<report>/<input>/quarantine.csv`) + exact duplicates.",
        "",
    ]
    rows = []
    for name, report in cleaning.items():
        flagged = sum(report["flags"].values())
        rows.append(
            [
                definition.inputs[name].label,
                report["rows_in"],
                report["clean"],
                report["quarantined"],
                report["duplicates"],
                flagged,
            ]
        )
    lines += _table(
        ["input", "rows read", "used", "quarantined", "duplicates", "flagged (kept)"], rows
    )
    reasons = [
        [definition.inputs[name].label, kind, label, count]
        for name, report in cleaning.items()
        for kind, counts in (("quarantined", report["reasons"]), ("flagged", report["flags"]))
        for label, count in sorted(counts.items())
    ]
    lines += [""]
    if reasons:
        lines += ["A row can have more than one reason.", ""]
        lines += _table(["input", "", "reason", "rows"], reasons)
    else:
        lines += ["No row was quarantined or flagged."]
    warnings = [
        [definition.inputs[name].label, warning]
        for name, report in cleaning.items()
        for warning in report.get("warnings", ())
    ]
    if warnings:
        lines += ["", "Look at the quarantine of these inputs before publishing:", ""]
        lines += _table(["input", "warning"], warnings)
    if definition.filters:
        shown = ", ".join(f"{k} = {v}" for k, v in definition.filters.items())
        lines += ["", f"This member covers only placements with {shown}; the counts above are "
                  "of the whole input."]  # fmt: skip
    if definition.author_notes:
        lines += ["", "## Notes for authors", ""]
        lines += [f"- {note}" for note in definition.author_notes]
    if printed:
        lines += ["", "## Figures the committee papers printed", ""]
        done = sum(1 for item in printed if item.reproduced)
        lines += [
            f"{done} of {len(printed)} figures printed in the committee papers are reproduced "
            "by this report (compared at the precision the paper printed). Where one is not, "
            "the appendix says why beside the figure (a projection's assumptions, a share "
            "rounded another way).",
            "",
        ]
        lines += _table(
            ["figure", "paper", "printed", "this report", "reproduced"],
            [
                [
                    item.figure_id,
                    item.source,
                    item.published,
                    item.recomputed,
                    "yes" if item.reproduced else "no",
                ]
                for item in printed
            ],
        )
    lines += ["", "## Disclosure audit", ""]
    lines += _table(["measure", "value"], [[k, v] for k, v in sorted(audit.items())])
    if narrative is not None:
        from pipeline.narrative import qa_rows

        rows = qa_rows(narrative)
        lines += [
            "",
            "## Narrative placeholders",
            "",
            f"`{definition.narrative.as_posix()}` filled into narrative.md, .html and .docx: "
            f"{len(rows)} placeholder{'s' if len(rows) != 1 else ''}, each printed from the "
            "figure of figures.json it names.",
            "",
        ]
        lines += _table(["line", "figure id", "format", "printed", "figure"], rows)
    return "\n".join(lines) + "\n"
