"""The residential report type: children's residential homes sufficiency (seed 004).

Its appendix (``appendix.ResidentialAppendix``, notebook ``03-residential``) shows homes,
beds and children placed in and outside the authority, costs, and an equality profile, for
each partner of a regional procurement. Everything the core needs of it is declared here.
"""

from __future__ import annotations

from pipeline.config import PROJECT_ROOT
from pipeline.reports import InputKind, ReportType, register
from pipeline.reports.residential.settings import ResidentialSections

REPORT_TYPE = register(
    ReportType(
        name="residential",
        notebook=PROJECT_ROOT / "notebooks" / "03-residential.ipynb",
        kinds=(
            InputKind(
                "homes",
                cleaner="pipeline.reports.residential.clean:clean_homes_input",
                standalone="pipeline.reports.residential.clean:clean_homes_export",
                missing="pipeline.reports.residential.clean:missing_homes_columns",
            ),
            InputKind(
                "residential_placements",
                cleaner="pipeline.reports.residential.clean:clean_placements_input",
                identifiers=("child_id",),
                standalone="pipeline.reports.residential.clean:clean_placements_export",
                missing="pipeline.reports.residential.clean:missing_placements_columns",
            ),
        ),
        settings={"residential": (ResidentialSections, ...)},
        check="pipeline.reports.residential.settings:check_definition",
        samples="pipeline.reports.residential.synth:write_residential_samples",
        samples_folder="residential",
        audit="pipeline.reports.residential.audit_specs:audit_model",
        description="Children's residential homes sufficiency (regional EqIA appendix)",
    )
)
