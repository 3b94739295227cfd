"""The words audit (``pipeline.prose``): every number in the words is a figure or a table value,
none is the value of a hidden figure, and the suppression symbol never stands in for one."""

from __future__ import annotations

import pytest

from pipeline import prose

TYPED = "<p>On 30 June 2025 (Table 3, Year 9 and 10, §6.5-6.6) there were 17 pupils in Dover.</p>"
HIDDEN = "<p>Pupils with hearing impairment: 3 were placed outside Kent.</p>"
SYMBOL = "<p>Dover had [c] children placed in independent schools.</p>"
EXPLAINED = (
    "<p>[c]: suppressed to protect confidentiality.</p>"
    "<p>The share of the target group is suppressed ([c]) to protect the small counts.</p>"
    "<p>Counts under 5 are shown as [c] ([c] in the table).</p>"
)
TABLE = "time_period,geographic_level,district,children\n202526,Local authority,Dover,c\n"


def fig(value, unit="count", **extra):
    return {"value": value, "unit": unit, "label": "x", **extra}


def kinds(page, **kwargs):
    kwargs.setdefault("figures", {})
    kwargs.setdefault("tables", [])
    return [(f.kind, f.number) for f in prose.check_words(page, **kwargs)]


def test_a_number_that_is_no_figure_is_refused():
    assert kinds(TYPED) == [("untraced", "17")]


def test_the_same_number_passes_when_it_is_a_figure():
    assert kinds(TYPED, figures={"s25.dover": fig(17)}) == []


def test_the_same_number_passes_when_a_published_table_prints_it():
    assert kinds(TYPED, tables=["district,children\nDover,17\n"]) == []


def test_a_number_in_a_table_of_the_page_is_not_words():
    page = "<table><caption>Children</caption><tr><td>17</td></tr></table>"
    assert kinds(page) == []


def test_a_number_in_a_charts_alt_text_is_words():
    page = '<img alt="Bar chart: Dover 17, Thanet 12" src="data:image/svg+xml;base64,AA">'
    assert kinds(page, figures={"t": fig(12)}) == [("untraced", "17")]


def test_a_sentence_printing_a_hidden_figure_is_refused():
    hidden = {"s25.need.HI.out": fig(3)}
    figures = {"s25.need.HI.out": fig(None, suppressed=True)}
    found = prose.check_words(HIDDEN, figures=figures, tables=[TABLE], hidden=hidden)
    assert [(f.kind, f.number, f.figure) for f in found] == [("hidden", "3", "s25.need.HI.out")]


def test_a_hidden_figure_printed_is_refused_even_when_a_table_prints_the_same_number():
    """A table cell of 3 elsewhere does not make the hidden 3 in the sentence safe."""
    hidden = {"s25.need.HI.out": fig(3)}
    found = kinds(HIDDEN, tables=["need,children\nVI,3\n"], hidden=hidden)
    assert found == [("hidden", "3")]


def test_the_same_sentence_passes_when_the_figure_is_shown():
    assert kinds(HIDDEN, figures={"s25.need.HI.out": fig(3)}) == []


def test_a_hidden_average_is_matched_as_it_would_print():
    page = "<p>The average placement cost £55,186 a year.</p>"
    hidden = {"s25.avg": fig(55186.49, "gbp_rounded")}
    assert kinds(page, hidden=hidden) == [("hidden", "£55,186")]
    assert kinds(page, figures={"s25.avg": fig(55186, "gbp_rounded")}) == []


def test_the_suppression_symbol_standing_in_for_a_number_is_refused():
    assert kinds(SYMBOL, figures={}) == [("symbol", "[c]")]


def test_the_symbol_in_brackets_after_a_word_is_refused():
    page = "<p>in independent ([c]) or non-maintained (12) special schools.</p>"
    assert kinds(page, figures={"n": fig(12)}) == [("symbol", "[c]")]


def test_the_symbol_explained_is_not_a_stand_in():
    assert kinds(EXPLAINED, constants=[5]) == []


def test_the_suppression_threshold_is_a_constant_of_the_method():
    page = "<p>Counts under 5 are hidden.</p>"
    assert kinds(page) == [("untraced", "5")]
    assert kinds(page, constants=[5]) == []


def test_a_report_type_may_set_aside_its_own_non_data():
    page = "<p>EHC plans for children aged 0 to 25 in the census.</p>"
    assert kinds(page) == [("untraced", "0"), ("untraced", "25")]
    assert kinds(page, not_data=[r"\baged 0 to 25\b"]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 30 June 2025 (Table 3, Year 9 and 10, §6.5-6.6) there were 17 pupils.", ["17"]),
        ("placements went from 1,839 to 2,069, and 10 to 15 (72%)", ["1,839", "2,069", "72%"]),
        ("spend of £46.9m in 2024-25, £54.5k each", ["£46.9m", "£54.5k"]),
        ("within 0-5 km and 20 km to under 50 km", []),
    ],
)
def test_non_data_is_set_aside_and_data_is_left(text, expected):
    assert prose.numbers(text) == expected


def test_money_and_shares_trace_at_the_precision_they_are_printed():
    page = "<p>Spend was £1.2m, 32% of the total.</p>"
    figures = {"spend": fig(1234567, "gbp"), "share": fig(32.4, "percent_1dp")}
    assert kinds(page, figures=figures) == []


def test_each_number_is_refused_once_and_the_message_says_what_to_do():
    page = "<p>There were 17 pupils.</p><p>Again 17 pupils.</p>"
    found = prose.check_words(page, figures={}, tables=[])
    assert len(found) == 1
    message = found[0].message("25-00065")
    assert message == (
        "words of 25-00065: 17 in \u201cThere were 17 pupils.\u201d is no figure and no value "
        "of a published table (register it as a figure, or print it in a table)"
    )
    assert "\n" not in message


def test_a_long_sentence_is_shortened_around_the_number():
    sentence = "Among " + "very " * 40 + "many councils there were 17 pupils " + "more " * 40
    (finding,) = prose.check_words(f"<p>{sentence}</p>", figures={}, tables=[])
    assert len(finding.sentence) <= prose.EXCERPT + 2
    assert "17 pupils" in finding.sentence


def test_a_hidden_figures_true_value_is_kept_apart_from_figures_json():
    from pipeline.figures import FigureRegistry, as_published

    registry = FigureRegistry()
    registry.hide("s25.need.HI.out", "count", "HI, out of area", value=3)
    registry.add("s25.total", 17, "count", "All")
    assert registry.hidden() == {"s25.need.HI.out": {"value": 3, "unit": "count"}}
    published = as_published(registry.as_dict())
    assert published["s25.need.HI.out"]["value"] is None
    assert "3" not in repr(published["s25.need.HI.out"])
    registry.add("s25.need.HI.out", 3, "count", "shown after all")
    assert registry.hidden() == {}


def _definition(decision="25/00065", audit="pipeline.reports.inmss.audit_specs:audit_model"):
    from types import SimpleNamespace

    return SimpleNamespace(
        id="25-00065",
        decision_number=decision,
        type=SimpleNamespace(audit=audit),
        parameters=SimpleNamespace(suppression_threshold=5),
    )


def _files(figures, table="district,children\nDover,12\n"):
    import json

    return {
        "figures.json": json.dumps({"figures": figures}).encode(),
        "tables/by_district.csv": table.encode(),
        "tables/by_district.meta.csv": b"col_name,col_type\n99,Indicator\n",
    }


def test_the_render_refuses_each_problem_in_one_line_naming_the_report():
    from pipeline import render

    page = TYPED + HIDDEN + SYMBOL
    hidden = {"s25.need.HI.out": fig(3)}
    problems, record = render.run_words_audit(_definition(), page, _files({}), hidden)
    assert [p.split(":")[0] for p in problems] == ["words of 25-00065"] * 3
    assert all("\n" not in p for p in problems)
    assert "register it as a figure, or print it in a table" in problems[0]
    assert "s25.need.HI.out" in problems[1] and "[c]" in problems[2]
    assert record["words_findings"] == 3


def test_the_render_passes_the_same_words_when_their_numbers_are_figures():
    from pipeline import render

    figures = {"s25.dover": fig(17), "s25.need.HI.out": fig(3)}
    problems, record = render.run_words_audit(_definition(), TYPED + HIDDEN, _files(figures), {})
    assert problems == []
    assert record == {
        "words_numbers_traced": 2,
        "words_hidden_figures_checked": 0,
        "words_findings": 0,
    }


def test_the_render_sets_aside_the_decision_number_and_the_types_own_non_data():
    from pipeline import render

    page = "<dd>25/00065</dd><p>EHC plans for ages 0 to 25 in the census (1 = highest).</p>"
    problems, _ = render.run_words_audit(_definition(), page, _files({}, table=""), {})
    assert problems == []
    bare = _definition(decision=None, audit=None)
    problems, _ = render.run_words_audit(bare, page, _files({}, table=""), {})
    assert [p.split(":")[1].split()[0] for p in problems] == ["25", "00065", "0", "1"]
