"""Every tidy CSV a sample report publishes passes the EES data screener's checks
(tests/fixtures/ees_screener.py), as Explore Education Statistics would screen it on upload."""

from __future__ import annotations

import pytest

from tests.fixtures.ees_screener import failures, screen, tidy_pairs
from tests.fixtures.samples import SAMPLE_DEFINITIONS, render_samples

pytestmark = pytest.mark.render

FOLDERS = tuple(SAMPLE_DEFINITIONS)


@pytest.fixture(scope="module")
def rendered():
    return render_samples(FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_tidy_csv_passes_the_ees_screener(rendered, folder):
    out = rendered[folder]
    pairs = tidy_pairs(out)
    assert pairs, f"{folder} publishes no tidy CSV"
    problems, later = [], []
    for data, meta in pairs:
        name = data.relative_to(out).as_posix()
        failed = failures(screen(data, meta))
        problems += [f"{name}: {f.check} ({f.stage}): {f.message}" for f in failed]
        if failed:
            # The screener stops at the first failing stage; say what the later ones find too.
            seen = {f.check for f in failed}
            later += [
                f"{name}: {f.check} ({f.stage}): {f.message}"
                for f in failures(screen(data, meta, full=True))
                if f.check not in seen
            ]
    message = "\n".join(problems)
    if later:
        message += "\n-- and in the stages after the first that fails:\n" + "\n".join(later)
    assert not problems, f"{folder}: tidy files the EES screener would refuse:\n{message}"
