"""Parts of an appendix that every report type shows, whatever its tables.

Each function takes the report object (``appendix.Appendix`` or a subclass, such as
``residential.ResidentialAppendix``) and uses only what every report has: its definition,
cleaning reports, figure registry and published tables. The report type supplies the words
that differ (what its flags mean, what is not a child).
"""

from __future__ import annotations

from pipeline.present import NOT_AVAILABLE, SUPPRESSED, fmt_count


def suppression_summary(report, *, derived: str, not_children: str, empty: str) -> str:
    """The disclosure-control sentence of the definitions, with how many published tables
    have suppressed cells (recorded as ``quality.tables_with_suppression``).

    ``derived`` names what is hidden with a small count ("averages, shares and spend");
    ``not_children`` says which counts are not of children and so are shown; ``empty`` what
    a cell with no figure ([x]) is in this report type's tables ("an average over no
    children").
    """
    hidden = sum(1 for p in report.published if p["suppressed"])
    report.figures.add(
        "quality.tables_with_suppression",
        hidden,
        "count",
        "Published tables with suppressed cells",
    )
    published = report.figures.add(
        "quality.tables_published", len(report.published), "count", "Published tables"
    )
    return (
        f"Disclosure control: counts of fewer than {report.threshold} children, and "
        f"{derived} derived from them, are shown as {SUPPRESSED}; further cells are suppressed "
        "where a hidden figure could otherwise be worked out from its row or column total "
        "or from another table, or where the hidden cells of a row or column would be seen "
        f"to hold fewer than {report.threshold} children together ({fmt_count(hidden)} of "
        f"the {fmt_count(published)} published tables "
        f"have suppressed cells). {not_children} A cell with no figure to show ({empty}) is "
        f"shown as {NOT_AVAILABLE}."
    )
