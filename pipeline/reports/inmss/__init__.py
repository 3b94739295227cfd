"""The INMSS report type: placements in independent and non-maintained special schools.

Its appendix (``appendix.Appendix``, notebook ``02-appendix``) shows placements and schools
by framework status, needs, year groups, districts, costs, spend, the contract value
projection and the equality profile (seeds 001-003). Everything the core needs of it is
declared here, in ``REPORT_TYPE``.
"""

from __future__ import annotations

from pipeline.config import PROJECT_ROOT
from pipeline.reports import InputKind, ReportType, register
from pipeline.reports.inmss.settings import Context, Projection, Sections

REPORT_TYPE = register(
    ReportType(
        name="inmss",
        notebook=PROJECT_ROOT / "notebooks" / "02-appendix.ipynb",
        kinds=(
            InputKind(
                "placements",
                cleaner="pipeline.reports.inmss.inputs:clean_placements",
                identifiers=("pupil_id",),
                standalone="pipeline.reports.inmss.clean:clean_snapshot",
                missing="pipeline.reports.inmss.clean:missing_columns",
            ),
            InputKind("spend_history"),
            # the DfE's published EHC plan statistics: read by the national context section
            # itself (pipeline.ehcp_statistics), never cleaned into the interim layer
            InputKind("ehcp_statistics", authorities="pipeline.ehcp_statistics:local_authorities"),
        ),
        settings={
            "sections": (Sections, Sections),
            "projection": (Projection | None, None),
            "context": (Context, Context),
        },
        check="pipeline.reports.inmss.settings:check_definition",
        samples="pipeline.reports.inmss.council_sample:write_samples",
        audit="pipeline.reports.inmss.audit_specs:audit_model",
        description="INMSS placements by framework status (committee data appendix)",
    )
)
