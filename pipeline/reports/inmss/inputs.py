"""How an INMSS report's placement exports are cleaned: the shared engine, with the report's
framework categories, fee ceiling and snapshot date."""

from __future__ import annotations

import pandas as pd

from pipeline.clean_engine import CleanResult
from pipeline.config import Extract, ReportDefinition
from pipeline.io import snapshot_date_of
from pipeline.reports.inmss.clean import clean_snapshot


def clean_placements(
    raw: pd.DataFrame, *, definition: ReportDefinition, extract: Extract
) -> CleanResult:
    """Clean one placement export of ``definition`` (``kind: placements``)."""
    return clean_snapshot(
        raw,
        framework=definition.framework,
        council=definition.authority,
        snapshot_date=snapshot_date_of(extract),
        fee_ceiling=definition.parameters.fee_ceiling_gbp,
        source=extract.path.name,
        columns=extract.columns,
        values=extract.values,
        warning_share=extract.quarantine_warning_share,
    )
