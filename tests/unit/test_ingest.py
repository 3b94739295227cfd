"""Reading real-world exports: the messy corpus, whole-file faults, header rows, encodings."""

from __future__ import annotations

import datetime as dt
import string

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import ingest
from pipeline import vocabulary as voc
from pipeline.clean import ExportFault, MissingColumnsError, match_columns
from pipeline.config import Framework
from pipeline.ingest import InputFileError, cell_text, find_header_row, read_export
from pipeline.reports.inmss.clean import clean_snapshot
from tests.conftest import KENT
from tests.fixtures.corpus import CANONICAL, SNAPSHOT, Case, build_corpus, placement, table


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, {case.name: case for case in build_corpus(folder)}


def _cases(kind: str) -> list[str]:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        cases = build_corpus(Path(tmp))
    return [c.name for c in cases if (c.error if kind == "fault" else not c.error)]


def clean(path, case: Case):
    raw = read_export(path, sheet=case.sheet)
    return clean_snapshot(
        raw,
        framework=Framework(),
        council=KENT,
        snapshot_date=SNAPSHOT,
        salt="corpus",
        source=path.name,
        columns=case.columns,
        values=case.values,
    )


@pytest.mark.parametrize("name", _cases("clean"))
def test_each_messy_export_gives_its_expected_counts(corpus, name):
    folder, cases = corpus
    case = cases[name]
    result = clean(folder / name, case)
    report = result.report
    for key, expected in case.expected.items():
        if key == "quarantine_rows":
            assert result.quarantine["source_row"].tolist() == expected
        elif key in ("header_row", "sheet", "encoding", "damaged_cells"):
            assert report["ingest"][key] == expected
        elif key == "decisions":
            taken = {d["header"]: d["column"] for d in report["column_decisions"]}
            assert {h: taken[h] for h in expected} == expected
            assert len(taken) == len(report["column_decisions"])  # every header, once each
        else:
            assert report[key] == expected, key
    assert report["rows_in"] == report["clean"] + report["quarantined"] + report["duplicates"]


@pytest.mark.parametrize("name", _cases("fault"))
def test_each_faulty_file_is_refused_with_one_message_naming_it_and_the_fix(corpus, name):
    folder, cases = corpus
    case = cases[name]
    with pytest.raises((InputFileError, MissingColumnsError, ExportFault)) as err:
        clean(folder / name, case)
    message = str(err.value)
    if isinstance(err.value, InputFileError):
        assert name in message and "Fix:" in message
    for fragment in case.error:
        assert fragment in message
    assert "\n" not in message


def test_messy_rows_land_in_quarantine_with_every_reason(corpus):
    folder, cases = corpus
    result = clean(folder / "messy_rows.csv", cases["messy_rows.csv"])
    q = result.quarantine.set_index("source_row")["reasons"]
    assert q[13] == "placement_start: start date does not parse; annual_fee: negative"
    assert (
        q[16] == "school_urn: not a six-digit URN; ncy: not a national curriculum year (-2 to 14)"
    )
    assert q[20] == "repeated header row" and q[28] == "totals row"
    assert result.report["duplicate_rows"] == [
        {"source_row": 21, "same_as": 2},
        {"source_row": 22, "same_as": 3},
    ]


def test_quarantine_and_clean_hold_no_direct_identifier(corpus):
    folder, cases = corpus
    result = clean(folder / "system_export.csv", cases["system_export.csv"])
    text = result.clean.to_csv() + result.quarantine.to_csv() + str(result.report["ingest"])
    for planted in ("Name1", "Family1", "A12345678001", "ME14 1XX", "CH100001"):
        assert planted not in text
    assert result.report["identifier_columns_dropped"] == ["Forename", "Surname", "UPN", "Postcode"]


def test_source_rows_count_title_rows_and_blank_lines(corpus):
    folder, cases = corpus
    raw = read_export(folder / "workbook_with_titles.xlsx")
    assert raw.index[0] == 5 and raw.attrs["ingest"]["rows_above_header"] == 3
    assert raw.iloc[0]["Start Date"] == "2020-09-01"  # a date cell, as a person would type it
    assert raw.iloc[0]["Provision URN"] == "990101"  # a number cell, without ".0"


def test_arrow_and_python_csv_readers_give_the_same_frame(corpus, monkeypatch):
    folder, _ = corpus
    for name in ("system_export.csv", "windows_1252.csv", "messy_rows.csv", "bom_semicolons.csv"):
        fast = read_export(folder / name)
        assert fast.attrs["ingest"]["reader"] == "arrow"
        with monkeypatch.context() as patch:  # the whole file in memory, Arrow on the buffer
            patch.setattr(ingest, "_read_csv_file_arrow", lambda *args: None)
            whole = read_export(folder / name)
            patch.setattr(ingest, "_read_csv_arrow", lambda *args: None)  # and Python's csv
            exact = read_export(folder / name)
        assert exact.attrs["ingest"]["reader"] == "python"
        pd.testing.assert_frame_equal(fast, whole)
        pd.testing.assert_frame_equal(fast, exact)
        assert fast.attrs["ingest"] == whole.attrs["ingest"]


def test_irregular_csv_falls_back_to_the_exact_reader(corpus):
    folder, _ = corpus
    raw = read_export(folder / "ragged_and_quoted.csv")
    assert raw.attrs["ingest"]["reader"] == "python"
    assert raw.index.tolist() == [2, 3, 4, 5]
    assert raw.loc[3, "school_name"] == "Birchmead\nCollege"


def test_encoding_is_recorded(corpus):
    folder, _ = corpus
    assert read_export(folder / "windows_1252.csv").attrs["ingest"]["encoding"] == "cp1252"
    meta = read_export(folder / "bom_semicolons.csv").attrs["ingest"]
    assert (meta["encoding"], meta["delimiter"]) == ("utf-8-sig", ";")


def test_a_csv_given_a_sheet_is_refused(corpus):
    folder, _ = corpus
    with pytest.raises(InputFileError, match="no sheets"):
        read_export(folder / "system_export.csv", sheet="Placements")


def test_the_header_is_the_first_row_with_enough_known_names(tmp_path):
    rows = [["Kent County Council"], [], ["Provision URN", "DPS Status", "Child ID"], ["1", "2"]]
    assert find_header_row(rows, tmp_path / "x.csv") == 2
    assert find_header_row([["Notes"], ["a", "b"]], tmp_path / "x.csv") == 0
    with pytest.raises(InputFileError, match="no header row"):
        find_header_row([["CH1", "990101", "2024-09-01"]], tmp_path / "x.csv")


def test_excel_cells_become_the_text_a_person_would_type():
    assert cell_text(991250.0) == "991250"
    assert cell_text(54460.5) == "54460.5"
    assert cell_text(dt.datetime(2024, 9, 1, 13, 30)) == "2024-09-01 13:30:00"
    assert cell_text(dt.date(2024, 9, 1)) == "2024-09-01"
    assert cell_text(None) == "" and cell_text(False) == "FALSE"


def test_spend_history_still_reads_with_a_plain_index():
    from pipeline.config import PROJECT_ROOT
    from pipeline.ingest import read_spend_history

    spend = read_spend_history(PROJECT_ROOT / "data" / "raw" / "spend_history.csv")
    assert spend.index.tolist() == list(range(len(spend)))
    assert "financial_year" in spend.columns


# --- generated inputs

ALIASES = [(canonical, alias) for canonical, names in voc.HEADER_ALIASES.items() for alias in names]


def _respell(header: str, draw) -> str:
    """A header as some other system might spell it: case, spacing and punctuation vary."""
    words = header.replace("/", " ").replace(".", " ").split()
    case = draw(st.sampled_from([str.lower, str.upper, str.title, lambda w: w]))
    glue = draw(st.sampled_from([" ", "_", "  ", " - ", ".", "\u00a0"]))
    edge = draw(st.sampled_from(["", " ", "\u00a0", " :"]))
    return edge.strip(":") + glue.join(case(w) for w in words) + edge


def _clean_or_refuse_in_one_line(raw):
    """Clean a generated export; a file nearly all unusable is refused in one line, and the
    reconciliation is then checked on what cleaning would have done with it."""
    where = {"framework": Framework(), "council": KENT, "snapshot_date": SNAPSHOT}
    try:
        return clean_snapshot(raw, salt="gen", **where)
    except ExportFault as exc:
        assert "would be quarantined" in str(exc) and "\n" not in str(exc)
        return clean_snapshot(raw, salt="gen", refuse_nearly_all=False, **where)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_generated_spellings_of_every_alias_map_to_their_column(data):
    canonical, alias = data.draw(st.sampled_from(ALIASES))
    header = _respell(alias, data.draw)
    if voc.normalise_header(header) != voc.normalise_header(alias):
        return  # a respelling that changes the words (e.g. "D O B" -> "dob") is another header
    assert match_columns([header]).mapping == {header: canonical}


def test_the_example_export_headers_are_all_recognised():
    match = match_columns(voc.EXPORT_HEADERS.values())
    columns = {c: h for c, h in voc.EXPORT_HEADERS.items() if c in voc.CANONICAL_COLUMNS}
    assert match.mapping == {h: c for c, h in columns.items()}
    assert set(match.identifiers) == {"Forename", "Surname"}


cells = st.text(
    alphabet=st.sampled_from(list(string.ascii_letters + string.digits + " ,;\"'£-/.\u00a0\n")),
    max_size=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=19), max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    delimiter=st.sampled_from([",", ";"]),
    headers=st.permutations(list(CANONICAL)),
)
def test_no_generated_csv_crashes_reading_or_cleaning(
    tmp_path_factory, rows, encoding, delimiter, headers
):
    path = tmp_path_factory.mktemp("gen") / "generated.csv"
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    try:
        raw = read_export(path)
    except InputFileError as exc:
        assert str(exc).startswith(str(path))
        return
    result = _clean_or_refuse_in_one_line(raw)
    r = result.report
    assert r["rows_in"] == r["clean"] + r["quarantined"] + r["duplicates"]
    assert len(result.quarantine) == r["quarantined"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=st.lists(st.tuples(st.integers(0, 40), st.sampled_from(CANONICAL), cells), max_size=6),
    extra=st.integers(0, 30),
)
def test_mostly_valid_rows_with_generated_damage_still_reconcile(picks, extra):
    rows = [placement(i) for i in range(extra)]
    for index, column, value in picks:
        if rows:
            rows[index % len(rows)][column] = value
    raw = pd.DataFrame(table(rows)[1:], columns=list(CANONICAL), dtype=str)
    result = _clean_or_refuse_in_one_line(raw)
    r = result.report
    assert r["rows_in"] == len(rows) - r["blank_rows_skipped"]
    assert r["rows_in"] == r["clean"] + r["quarantined"] + r["duplicates"]


def test_the_render_path_and_the_command_give_the_same_counts(corpus, tmp_path, capsys):
    import json

    import yaml

    from pipeline import io
    from pipeline.__main__ import main
    from pipeline.config import PROJECT_ROOT, load_report_definition

    folder, _ = corpus
    data = yaml.safe_load((PROJECT_ROOT / "reports" / "25-00065.yml").read_text())
    extract = data["inputs"]["snapshot_2025_06_30"]
    extract["path"] = str(folder / "messy_rows.csv")
    extract["as_at"] = SNAPSHOT
    definition_path = tmp_path / "report.yml"
    definition_path.write_text(yaml.safe_dump(data))
    definition = load_report_definition(definition_path)
    counts = io.clean_inputs(definition, tmp_path / "interim").loc[extract["label"]]
    assert (
        main(
            [
                "clean",
                "--council",
                "kent",
                extract["path"],
                "--out",
                str(tmp_path / "cli"),
                "--snapshot-date",
                SNAPSHOT.isoformat(),
            ]
        )
        == 0
    )
    capsys.readouterr()
    report = json.loads((tmp_path / "cli" / "cleaning.json").read_text())
    for key in ("rows_in", "clean", "quarantined", "duplicates"):
        assert counts[key] == report[key]
    assert (counts["rows_in"], counts["clean"], counts["quarantined"]) == (25, 14, 9)
