"""The reader of the DfE's EHC plan statistics (pipeline.ehcp_statistics), on a committed
slice of the real 2025 release (tests/fixtures/ehcp-2025-slice, OGL v3.0), and the national
context's figures recomputed from the whole release's CSV without the reader."""

from __future__ import annotations

import csv
import gzip
import hashlib
import math
import shutil

import pytest

from pipeline import tables
from pipeline.config import PROJECT_ROOT
from pipeline.ehcp_statistics import (
    SUPPORTED,
    local_authorities,
    read_caseload,
    read_release,
)
from pipeline.errors import InputFileError

SLICE = PROJECT_ROOT / "tests" / "fixtures" / "ehcp-2025-slice"
RELEASE = PROJECT_ROOT / "data" / "external" / "ehcp-2025"
KENT = "E10000016"


def test_the_slice_reads_with_national_rows_whose_region_cells_are_blank():
    release = read_release(SLICE)
    england = release.caseload.query("level == 'national' and year == '2024/25'").iloc[0]
    assert england["code"] == "E92000001" and england["name"] == "England"
    assert england["region_code"] == ""  # as released: blank on national rows
    assert england["ehc_plans"] == 638745 and england["independent"] == 29647
    assert release.latest == "2024/25" and len(release.years) == 7


def test_a_symbol_is_no_figure_never_zero():
    caseload = read_caseload(SLICE / "caseload.csv")
    cambs = caseload.query("name == 'Cambridgeshire' and year == '2024/25'").iloc[0]
    assert cambs["ehc_plans"] == 8007
    assert math.isnan(cambs["independent"]) and math.isnan(cambs["non_maintained"])


def test_an_authority_formed_later_has_no_earlier_rows():
    caseload = read_caseload(SLICE / "caseload.csv")
    assert sorted(caseload.query("name == 'Cumberland'")["year"]) == ["2023/24", "2024/25"]
    trend = tables.build_context_trend(caseload, code="E06000063", region_code="E12000002")
    assert trend.loc["2018/19", ["ehc_plans", "inmss", "inmss_pct"]].isna().all()  # not zero


def test_inmss_needs_add_the_two_placement_rows_and_keep_symbols():
    needs = read_release(SLICE).needs
    kent = needs.query("code == @KENT").set_index("need")["plans"]
    assert kent["ASD"] == 737 + 47 and kent["Total"] == 1487 + 136
    surrey = needs.query("code == 'E10000030'").set_index("need")["plans"]
    assert surrey[["ASD", "SEMH"]].isna().all()  # x in the release
    telford = needs.query("code == 'E06000020'").set_index("need")["plans"]
    assert telford["Total"] > 0 and not telford.isna().any()  # no non-maintained row: none


def _copy(tmp_path, name="caseload.csv"):
    folder = tmp_path / "release"
    folder.mkdir()
    shutil.copy(SLICE / name, folder / name)
    return folder


def test_a_value_that_is_neither_number_nor_symbol_is_refused_naming_line_and_column(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "caseload.csv"
    text = path.read_text(encoding="utf-8-sig").splitlines()
    cells = text[5].split(",")
    column = text[0].split(",").index("special_independent")
    cells[column] = "n/a"
    text[5] = ",".join(cells)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as error:
        read_release(folder)
    assert "line 6, column special_independent holds 'n/a'" in str(error.value)


def test_an_older_long_layout_is_refused_in_one_line_naming_the_supported_layouts(tmp_path):
    folder = tmp_path / "release-2022"
    folder.mkdir()
    (folder / "sen2_estab_caseload.csv").write_text(
        "time_period,time_identifier,geographic_level,country_code,la_name,establishment_type,"
        "number\n202122,Calendar year,National,E92000001,,Independent special,13000\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as error:
        read_release(folder)
    message = str(error.value)
    assert "older long layout" in message and SUPPORTED in message and "\n" not in message
    with pytest.raises(InputFileError, match="no column"):
        read_caseload(folder / "sen2_estab_caseload.csv")


def test_a_file_without_the_placement_columns_is_refused(tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text(
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
        "region_name,new_la_code,old_la_code,la_name,breakdown_topic,breakdown,ehcplans\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="special_independent"):
        read_caseload(path)


def test_the_release_lists_its_153_authorities_with_codes_and_regions():
    authorities = local_authorities(RELEASE)
    assert len(authorities) == 153
    kent = next(a for a in authorities if a["name"] == "Kent")
    assert (kent["old_la_code"], kent["new_la_code"], kent["region_name"]) == (
        "886",
        KENT,
        "South East",
    )


def test_the_committed_release_file_is_the_released_file_gzipped():
    """caseload.csv is stored gzipped (6.4 MB released, over the 5 MB a committed file may be):
    its content is the release's, byte for byte, and the folder reads as the release."""
    data = gzip.decompress((RELEASE / "caseload.csv.gz").read_bytes())
    assert hashlib.sha256(data).hexdigest() == (
        "c1c5448407d1ef29a94b4884000bf18760c5e12cfe93db8a3367dc28e48abeca"
    )
    plain = read_caseload(RELEASE / "caseload.csv.gz")
    assert read_release(RELEASE).caseload.equals(plain)


def _plain_rows():
    """caseload.csv read with the csv and gzip modules alone, as a reviewer would."""
    with gzip.open(RELEASE / "caseload.csv.gz", "rt", encoding="utf-8-sig", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["breakdown_topic"] == "All EHC plans"]


def test_kents_2024_25_inmss_share_recomputed_from_the_csv_matches_the_section():
    rows = _plain_rows()
    kent = next(r for r in rows if r["new_la_code"] == KENT and r["time_period"] == "202425")
    inmss = int(kent["special_independent"]) + int(kent["special_non_maintained"])
    share = 100 * inmss / int(kent["ehcplans"])
    assert (inmss, round(share, 1)) == (1623, 7.9)
    trend = tables.build_context_trend(
        read_caseload(RELEASE / "caseload.csv.gz"), code=KENT, region_code="E12000008"
    )
    assert trend.loc["2024/25", "inmss"] == inmss
    assert trend.loc["2024/25", "inmss_pct"] == pytest.approx(share)
    # the rank: councils with a published figure and a higher share, plus one
    shares = [
        100
        * (int(r["special_independent"]) + int(r["special_non_maintained"]))
        / int(r["ehcplans"])
        for r in rows
        if r["geographic_level"] == "Local authority"
        and r["time_period"] == "202425"
        and "x" not in (r["special_independent"], r["special_non_maintained"])
    ]
    ranks = tables.rank_inmss_share(read_caseload(RELEASE / "caseload.csv.gz"), year="2024/25")
    assert ranks[KENT] == 1 + sum(s > share for s in shares)
    assert len(ranks) == len(shares) == 151
