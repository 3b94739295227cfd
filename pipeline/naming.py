"""Names made from labels (figure-id keys, folder slugs): the standard library only, so that
reading a report definition never imports pandas."""

from __future__ import annotations

import re


def snake_case(text: str) -> str:
    """``"Non-DPS placements"`` -> ``"non_dps_placements"``.

    >>> snake_case("Non-DPS placements")
    'non_dps_placements'
    """
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")
