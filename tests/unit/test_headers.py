"""Header matching (issue 19): any spelling of a column's words maps to it, nothing else does,
every decision is recorded, and each missing column gets a suggestion of its own."""

from __future__ import annotations

import string

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import vocabulary as voc
from pipeline.clean import ExportFault, MissingColumnsError
from pipeline.clean_engine import match_columns, suggest_headers
from pipeline.config import Framework
from pipeline.reports.inmss.clean import clean_snapshot
from pipeline.reports.residential.clean import HOMES_COLUMNS, PLACEMENTS_COLUMNS
from tests.conftest import KENT
from tests.fixtures.corpus import CANONICAL, SNAPSHOT, placement, table

#: every alias table the one matcher is used with: INMSS placements and the residential ones
TABLES = {
    "placements": voc.HEADER_ALIASES,
    "homes": {name: spec.aliases for name, spec in HOMES_COLUMNS.items()},
    "residential_placements": {name: spec.aliases for name, spec in PLACEMENTS_COLUMNS.items()},
}
CANONICAL_NAMES = [(kind, name) for kind, aliases in TABLES.items() for name in aliases]
#: word -> the words exports write for it (itself included)
SPELLINGS: dict[str, list[str]] = {}
for other, word in voc.HEADER_SYNONYMS.items():
    SPELLINGS.setdefault(word, [word]).append(other)
CASES = [str.lower, str.upper, str.title]
GLUE = [" ", "_", "-", "/", ".", " - ", "  ", "\u00a0"]


@st.composite
def respelled(draw, name: str) -> str:
    """A column's name as some system might head it: its words in any order, each in any
    case or replaced by a synonym, joined by any punctuation, with spaces at the ends."""
    words = voc.header_word_list(name)
    words = [draw(st.sampled_from(SPELLINGS.get(w, [w]))) for w in words]
    words = draw(st.permutations(words))
    glue = draw(st.sampled_from(GLUE))
    text = glue.join(draw(st.sampled_from(CASES))(w) for w in words)
    edge = draw(st.sampled_from(["", " ", "\u00a0", "  "]))
    return edge + text + draw(st.sampled_from(["", " ", ":"]))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_order_case_punctuation_and_synonyms_of_a_column_map_to_it(data):
    kind, name = data.draw(st.sampled_from(CANONICAL_NAMES))
    header = data.draw(respelled(name))
    match = match_columns([header], TABLES[kind])
    assert match.mapping == {header: name}, (kind, header)
    assert match.decisions[0]["column"] == name and match.decisions[0]["how"]


#: every word any accepted header or synonym uses: an unrelated header has none of them
KNOWN_WORDS = {
    word
    for aliases in TABLES.values()
    for name, names in aliases.items()
    for spelling in (name, *names)
    for word in voc.normalise_header(spelling).split("_")
}
KNOWN_WORDS |= set(voc.HEADER_SYNONYMS) | set(voc.HEADER_SYNONYMS.values())
KNOWN_WORDS |= {w for phrase in voc.HEADER_PHRASES for w in phrase.split("_")}
KNOWN_WORDS |= {w for ident in voc.DIRECT_IDENTIFIERS for w in ident.split("_")}
unrelated_word = st.text(string.ascii_lowercase, min_size=2, max_size=9).filter(
    lambda w: w not in KNOWN_WORDS
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(unrelated_word, min_size=1, max_size=3),
    st.sampled_from(GLUE),
    st.sampled_from(CASES),
    st.sampled_from(list(TABLES)),
)
def test_an_unrelated_header_never_maps_to_a_column(words, glue, case, kind):
    header = glue.join(case(w) for w in words)
    match = match_columns([header], TABLES[kind])
    assert match.mapping == {} and match.identifiers == []
    assert match.ignored == [header]
    assert match.decisions == [{"header": header, "column": None, "how": match.decisions[0]["how"]}]


def test_the_capita_headers_of_the_issue_are_matched_and_each_decision_says_how():
    headers = ["Estab URN", "SEN Primary Need Type", "Residential/Day", "Establishment District"]
    match = match_columns(headers)
    assert match.mapping == {
        "Estab URN": "school_urn",
        "SEN Primary Need Type": "primary_need",
        "Residential/Day": "placement_type",
        "Establishment District": "school_district",
    }
    assert all("same words" in d["how"] for d in match.decisions)


def test_a_known_spelling_beats_a_match_on_words_and_the_other_is_not_used():
    match = match_columns(["Estab URN", "URN"])
    assert match.mapping == {"URN": "school_urn"}
    assert match.not_used == {"Estab URN": "school_urn"}
    assert match.decisions[0] == {
        "header": "Estab URN",
        "column": None,
        "how": "another header for school_urn: 'URN' is used",
    }


def test_a_qualified_header_maps_and_a_qualified_identifier_is_dropped():
    match = match_columns(["Current Primary Need", "Child Surname", "Pupil Legal Forename"])
    assert match.mapping == {"Current Primary Need": "primary_need"}
    assert match.identifiers == ["Child Surname", "Pupil Legal Forename"]
    assert "qualifier current" in match.decisions[0]["how"]


def test_words_that_fit_two_columns_are_not_guessed():
    aliases = {"a_col": ("Site Code",), "b_col": ("Code Site",)}
    match = match_columns(["Code for the Site"], aliases)
    assert match.mapping == {} and "a_col and b_col" in match.decisions[0]["how"]


def test_configured_columns_win_and_can_set_a_header_aside():
    match = match_columns(
        ["Ref No", "Establishment District", "District"],
        configured={"ref no": "pupil_id", "District": None},
    )
    assert match.mapping == {"Ref No": "pupil_id", "Establishment District": "school_district"}
    assert match.decisions[2]["how"] == "set aside by columns: in the configuration"


def test_configured_columns_that_do_not_fit_the_file_are_errors():
    with pytest.raises(ExportFault, match="not a column of this kind"):
        match_columns(["Ref No"], configured={"Ref No": "pupil_number"})
    with pytest.raises(ExportFault, match="the closest is 'Ref No'"):
        match_columns(["Ref No"], configured={"Ref Nos": "pupil_id"})


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(list(voc.REQUIRED_COLUMNS)), min_size=1, max_size=6, unique=True),
    st.lists(
        st.sampled_from(
            [
                "Estab URN (DfE)",
                "Estab Dist Council",
                "School Called",
                "Need (main)",
                "Fee 2025",
                "Yr Grp",
                "Start of Placement",
                "Pupil Number",
                "Status on DPS",
                "Kind of Place",
            ]
        ),
        min_size=0,
        max_size=10,
        unique=True,
    ),
)
def test_each_header_is_suggested_for_one_missing_column_at_most(missing, spare):
    match = match_columns(spare)
    closest = suggest_headers(match, voc.HEADER_ALIASES, missing)
    suggested = [h for h in closest.values() if h]
    assert len(suggested) == len(set(suggested))
    assert set(suggested) <= set(match.ignored)
    assert list(closest) == missing


def test_each_missing_column_gets_its_own_best_candidate_and_the_yaml_to_map_it():
    rows = table([placement(i) for i in range(3)])
    header = rows[0]
    header[CANONICAL.index("school_urn")] = "Estab URN (DfE)"
    header[CANONICAL.index("school_district")] = "Estab Dist Council"
    raw = pd.DataFrame(rows[1:], columns=header, dtype=str)
    with pytest.raises(MissingColumnsError) as err:
        clean_snapshot(raw, framework=Framework(), council=KENT, snapshot_date=SNAPSHOT)
    assert err.value.closest == {
        "school_urn": "Estab URN (DfE)",
        "school_district": "Estab Dist Council",
    }
    assert err.value.yaml == (
        'columns: {"Estab URN (DfE)": school_urn, "Estab Dist Council": school_district}'
    )
    # the line, added to the definition, is the fix
    import yaml

    mapping = yaml.safe_load(err.value.yaml)["columns"]
    result = clean_snapshot(
        raw, framework=Framework(), council=KENT, snapshot_date=SNAPSHOT, columns=mapping
    )
    assert result.report["clean"] == 3


def test_the_qa_note_lists_an_inputs_quarantine_warning():
    from pipeline.config import PROJECT_ROOT, load_report_definition
    from pipeline.qa_note import qa_note

    definition = load_report_definition(PROJECT_ROOT / "reports" / "25-00065.yml")
    name = "snapshot_2025_06_30"
    counts = {"rows_in": 10, "clean": 7, "quarantined": 3, "duplicates": 0, "reasons": {}}
    note = {
        kind: qa_note(
            definition,
            inputs={},
            cleaning={name: {**counts, "flags": {}, "warnings": warnings}},
            git={},
            environment={},
            command="make report",
            audit={},
        )
        for kind, warnings in (("none", []), ("one", ["3 of 10 rows (30%) are quarantined"]))
    }
    assert "3 of 10 rows (30%) are quarantined" in note["one"]
    assert "Look at the quarantine" in note["one"] and "Look at the quarantine" not in note["none"]
