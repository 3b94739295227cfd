"""The council sample generator: a synthetic INMSS snapshot for any council with districts."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from pipeline.config import PROJECT_ROOT, Framework, load_report_definition
from pipeline.councils import load_council
from pipeline.ingest import read_export
from pipeline.reports.inmss import council_sample
from pipeline.reports.inmss.clean import clean_snapshot
from pipeline.reports.inmss.council_sample import (
    LOTS,
    WEST_SUSSEX,
    WEST_SUSSEX_AVERAGE_FEES,
    WEST_SUSSEX_FILE,
    WEST_SUSSEX_PLACEMENTS,
    build_council_sample,
    write_council_sample,
    write_west_sussex_sample,
)

RAW = PROJECT_ROOT / "data" / "raw"
COMMITTED = RAW / WEST_SUSSEX_FILE
WEST_SUSSEX_COUNCIL = load_council("west-sussex")
AS_AT = dt.date(2025, 6, 30)
BAD_URN = "school_urn: not a six-digit URN"
BLANK_FEE = "annual_fee: missing"


@pytest.fixture(scope="module")
def definition():
    return load_report_definition(PROJECT_ROOT / "reports" / "west-sussex-2025.yml")


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory):
    return write_west_sussex_sample(tmp_path_factory.mktemp("raw"))


@pytest.fixture(scope="module")
def text(sample_path) -> pd.DataFrame:
    return pd.read_csv(sample_path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def cleaned(sample_path, definition):
    return clean_snapshot(
        read_export(sample_path),
        framework=definition.framework,
        council=WEST_SUSSEX_COUNCIL,
        snapshot_date=AS_AT,
        salt="t",
    )


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path, sample_path):
    again = write_west_sussex_sample(tmp_path / "again")
    other = write_west_sussex_sample(tmp_path / "other", seed=1)
    assert again.read_bytes() == sample_path.read_bytes()
    assert other.read_bytes() != sample_path.read_bytes()


def test_the_committed_west_sussex_file_is_what_the_generator_writes(sample_path):
    assert COMMITTED.exists(), "run python -m pipeline synth"
    assert COMMITTED.read_bytes() == sample_path.read_bytes(), "rerun python -m pipeline synth"


def test_the_file_has_the_canonical_layout_of_the_kent_sample(text):
    kent_header = (RAW / "snapshot_2025_06_30.csv").read_text(encoding="utf-8").splitlines()[0]
    assert ",".join(text.columns) == kent_header
    assert text["pupil_id"].str.fullmatch(r"SYN\d{7}").all()
    good_urn = text["school_urn"].str.fullmatch(r"99\d{4}")
    assert (~good_urn).sum() == 1  # the one planted fault
    fee_ok = text["annual_fee"].str.fullmatch(r"\d+\.\d{2}")
    assert (~fee_ok).sum() == 1 and (text.loc[~fee_ok, "annual_fee"] == "").all()
    for column in ("placement_start", "date_of_birth"):
        assert text[column].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), column
    assert text["placement_end"].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all()


def test_it_cleans_with_only_the_planted_faults_quarantined(cleaned):
    report = cleaned.report
    assert report["rows_in"] == WEST_SUSSEX_PLACEMENTS + 3
    assert report["clean"] == WEST_SUSSEX_PLACEMENTS
    assert report["duplicates"] == 1
    assert report["reasons"] == {BAD_URN: 1, BLANK_FEE: 1}
    assert sorted(cleaned.quarantine["reasons"]) == sorted([BAD_URN, BLANK_FEE])
    assert report["flags"] == {}, "no implausible fee, overlap or year group that misfits age"


def test_the_placement_count_is_west_sussexs_dfe_count_for_january_2025(cleaned):
    # DfE, Education, health and care plans, England 2025: caseload.csv, 202425, West Sussex,
    # special_independent 670 + special_non_maintained 249
    assert WEST_SUSSEX_PLACEMENTS == 670 + 249 == 919
    assert len(cleaned.clean) == WEST_SUSSEX_PLACEMENTS
    assert cleaned.clean["pupil_id"].is_unique


def test_schools_stand_in_west_sussex_districts_or_out_of_area(text, cleaned):
    districts = set(WEST_SUSSEX_COUNCIL.districts)
    assert set(text["school_district"]) == districts | {"Out of area"}
    inside = text["school_district"] != "Out of area"
    assert (text.loc[inside, "school_la"] == "West Sussex").all()
    assert not (text.loc[~inside, "school_la"] == "West Sussex").any()
    assert set(text["home_district"]) == districts | {"Outside West Sussex"}
    clean = cleaned.clean
    assert set(clean["school_district"].astype(str)) <= districts | {"Out of area"}
    assert clean["home_district"].notna().all()


def test_every_district_has_enough_placements_for_its_row_to_be_shown(cleaned, definition):
    day = cleaned.clean[cleaned.clean["placement_type"] == "day"]
    by_district = day["school_district"].astype(str).value_counts()
    for district in WEST_SUSSEX_COUNCIL.districts:
        assert by_district.get(district, 0) >= definition.parameters.suppression_threshold
    statuses = set(day["framework_status"].astype(str))
    assert statuses == {"Lot 1", "Lot 2", "Off-framework"}


def test_day_fees_average_exactly_what_each_category_is_given(cleaned):
    day = cleaned.clean[cleaned.clean["placement_type"] == "day"]
    means = day.groupby("framework_status", observed=True)["annual_fee"].mean()
    for name, fee in zip(LOTS, WEST_SUSSEX_AVERAGE_FEES, strict=True):
        assert means[name] == pytest.approx(fee, abs=0.005)


def test_any_council_with_districts_gets_a_sample_its_cleaner_accepts(tmp_path):
    kent = load_council("kent")
    path = write_council_sample(
        kent,
        tmp_path / "kent.csv",
        as_at=dt.date(2024, 1, 18),
        placements=300,
        seed=7,
        framework=("DPS", "Non-DPS"),
        faults=False,
    )
    result = clean_snapshot(
        read_export(path),
        framework=Framework(),
        council=kent,
        snapshot_date=dt.date(2024, 1, 18),
        salt="t",
    )
    assert result.report["clean"] == 300
    assert result.report["quarantined"] == result.report["duplicates"] == 0
    assert result.report["flags"] == {}
    assert set(result.clean["home_district"].astype(str)) <= {*kent.districts, "Outside Kent"}


def test_a_unitary_council_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="unitary"):
        build_council_sample("medway", as_at=AS_AT, placements=50, seed=1)


def test_framework_options_must_give_one_value_per_category():
    with pytest.raises(ValueError, match="one value per category"):
        build_council_sample(
            "west-sussex", as_at=AS_AT, placements=50, seed=1, framework_shares=(1, 2)
        )


def test_the_report_definition_uses_the_generators_categories(definition):
    assert definition.council == "west-sussex"
    assert definition.synthetic_data is True
    assert definition.framework.names == list(WEST_SUSSEX["framework"])
    assert definition.framework.contracted == ["Lot 1", "Lot 2"]
    assert definition.inputs["snapshot_2025_06_30"].path.as_posix() == (
        f"data/raw/{WEST_SUSSEX_FILE.as_posix()}"
    )
    assert re.search(r"\b919\b", definition.inputs["snapshot_2025_06_30"].description)


def test_synth_writes_the_kent_samples_unchanged_and_the_west_sussex_one(tmp_path):
    written = council_sample.write_samples(tmp_path)
    names = [p.relative_to(tmp_path).as_posix() for p in written]
    assert names[-1] == WEST_SUSSEX_FILE.as_posix()
    for path in written:
        committed = RAW / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs from data/raw"
