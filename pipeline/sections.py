"""Parts of an appendix that every report type shows, whatever its tables.

Each function takes the report object (``appendix.Appendix`` or a subclass, such as
``residential.ResidentialAppendix``) and uses only what every report has: its definition,
cleaning reports, figure registry and published tables. The report type supplies the words
that differ (what its flags mean, what is not a child).
"""

from __future__ import annotations

import pandas as pd

from pipeline.present import NOT_AVAILABLE, SUPPRESSED, Column, HtmlTable, Section, fmt_count


def reconciliation(report, section: Section, *, flag_note: str) -> Section:
    """Rows read, used, quarantined and duplicated per input, and the reasons, into ``section``.

    Records ``quality.<input>.rows_in`` (and ``clean``, ``quarantined``, ``duplicates``) for
    each input. ``flag_note`` says what the report type's plausibility flags are.
    """
    rows = []
    for name, cleaning in report.cleaning.items():
        rows.append(
            {
                "input": report.definition.inputs[name].label,
                "file": report.definition.inputs[name].path.name,
                "rows_in": cleaning["rows_in"],
                "clean": cleaning["clean"],
                "quarantined": cleaning["quarantined"],
                "duplicates": cleaning["duplicates"],
                "flagged": sum(cleaning["flags"].values()),
            }
        )
        for key in ("rows_in", "clean", "quarantined", "duplicates"):
            report.figures.add(
                f"quality.{report._prefix(name)}.{key}",
                cleaning[key],
                "count",
                f"{key.replace('_', ' ').capitalize()}, {name}",
            )
    section.para(
        "Every row of every input is accounted for: rows read = rows used + rows "
        "quarantined (unusable, with reasons, kept for the data owner) + exact duplicates."
    )
    section.add(
        report._table(
            HtmlTable(
                pd.DataFrame(rows).set_index("input"),
                caption=report._caption("Rows read, used, quarantined and duplicated, by input"),
                columns=[
                    Column("file", "File", str, numeric=False),
                    Column("rows_in", "Rows read"),
                    Column("clean", "Used"),
                    Column("quarantined", "Quarantined"),
                    Column("duplicates", "Duplicates"),
                    Column("flagged", "Flagged (kept)"),
                ],
                row_header="Input",
                total_row=None,
                note=flag_note,
            ),
            extract=None,
            row_filter="input",
            publish_=False,
        )
    )
    issues = []
    for name, cleaning in report.cleaning.items():
        label = report.definition.inputs[name].label
        for reason, count in cleaning["reasons"].items():
            issues.append({"issue": f"Quarantined: {reason}", "input": label, "rows": count})
        for flag, count in cleaning["flags"].items():
            issues.append({"issue": f"Flagged: {flag}", "input": label, "rows": count})
    if issues:
        section.add(
            report._table(
                HtmlTable(
                    pd.DataFrame(issues).set_index("issue"),
                    caption=report._caption("Rows quarantined or flagged, by reason"),
                    columns=[
                        Column("input", "Input", str, numeric=False),
                        Column("rows", "Rows"),
                    ],
                    row_header="Reason",
                    total_row=None,
                    note="A row can have more than one reason. Quarantined rows are listed "
                    "with their source row numbers in the internal quarantine file for the "
                    "data owner to correct; they are not used in any table.",
                ),
                extract=None,
                row_filter="reason",
                publish_=False,
            )
        )
    else:
        section.para("No row was quarantined or flagged in any input.")
    return section


def suppression_summary(report, *, derived: str, not_children: str) -> str:
    """The disclosure-control sentence of the definitions, with how many published tables
    have suppressed cells (recorded as ``quality.tables_with_suppression``).

    ``derived`` names what is hidden with a small count ("averages, shares and spend");
    ``not_children`` says which counts are not of children and so are shown.
    """
    hidden = sum(1 for p in report.published if p["suppressed"])
    report.figures.add(
        "quality.tables_with_suppression",
        hidden,
        "count",
        "Published tables with suppressed cells",
    )
    return (
        f"Disclosure control: counts of fewer than {report.threshold} children, and "
        f"{derived} derived from them, are shown as {SUPPRESSED}; further cells are suppressed "
        "where a hidden figure could otherwise be worked out from its row or column total "
        "or from another table, or where the hidden cells of a row or column would be seen "
        f"to hold fewer than {report.threshold} children together ({fmt_count(hidden)} of "
        f"the {fmt_count(len(report.published))} published tables "
        f"have suppressed cells). {not_children} A cell with no figure to show (an average "
        f"over no children, a year with no published figure) is shown as {NOT_AVAILABLE}."
    )
