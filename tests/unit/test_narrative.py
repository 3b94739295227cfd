"""The author's paragraphs filled with the report's figures (``pipeline.narrative``)."""

from __future__ import annotations

import pickle
import re

import pytest

from pipeline import narrative
from pipeline.config import PROJECT_ROOT, load_report_definition
from pipeline.figures import FigureRegistry, as_published
from pipeline.narrative import Batchmate, NarrativeError, fill

FIGURES = {
    "s25.as_at": {"value": "2025-06-30", "unit": "date", "label": "As at"},
    "p24.period_start": {"value": "2024-04-01", "unit": "date", "label": "Period start"},
    "s25.placements.total": {"value": 1784, "unit": "count", "label": "Placements, Total"},
    "s25.schools.dps": {"value": 22, "unit": "count", "label": "Schools, DPS"},
    "s25.schools.non_dps": {"value": 88, "unit": "count", "label": "Schools, Non-DPS"},
    "s25.placements_pct.dps": {"value": 61, "unit": "percent_rounded", "label": "Share"},
    "res.share_pct": {"value": 12.5, "unit": "percent_1dp", "label": "Share of beds"},
    "s25.need_pct.HI": {"value": 0.4, "unit": "percent_rounded", "label": "HI share"},
    "s25.avg_annual_cost.dps": {"value": 54460, "unit": "gbp_rounded", "label": "Average"},
    "fy2425.spend.dps_gbp_m": {"value": 46.9, "unit": "gbp_millions_1dp", "label": "Spend"},
    "p24.forecast_gbp_m": {"value": 46.76, "unit": "gbp_millions_2dp", "label": "Forecast"},
    "p24.avg_gbp_k": {"value": 40.34, "unit": "gbp_thousands_2dp", "label": "Average £k"},
    "projection.static_total_gbp_m": {"value": 916, "unit": "gbp_millions_0dp", "label": "x"},
    "projection.years": {"value": 8, "unit": "years", "label": "Contract years"},
    "s25.peak_year_groups": {"value": [9, 10], "unit": "ncy_list", "label": "Peaks"},
    "s24.peak_year_group": {"value": 0, "unit": "ncy", "label": "Peak"},
    "s25.districts_without_dps_school": {
        "value": ["Dartford", "Folkestone and Hythe", "Sevenoaks", "Tonbridge and Malling"],
        "unit": "district_list",
        "label": "Districts",
    },
    "s25.need.HI.dps": {"value": None, "unit": "count", "label": "HI, DPS", "suppressed": True},
    "s25.avg_cost_by_need.MSI.non_dps": {"value": None, "unit": "gbp_rounded", "label": "MSI"},
}


def filled(text: str, **kwargs) -> str:
    return fill(text, FIGURES, source="reports/x.narrative.md", report_id="x", **kwargs).markdown


def problem_of(text: str, **kwargs) -> str:
    with pytest.raises(NarrativeError) as caught:
        fill(text, FIGURES, source="reports/x.narrative.md", report_id="x", **kwargs)
    return str(caught.value)


@pytest.mark.parametrize(
    ("placeholder", "shown"),
    [
        ("{{ s25.placements.total }}", "1,784"),
        ("{{ s25.placements_pct.dps }}", "61%"),
        ("{{ res.share_pct }}", "12.5%"),
        ("{{ s25.need_pct.HI }}", "<1%"),  # a group with children, as the tables print it
        ("{{ res.share_pct | pct }}", "13%"),
        ("{{ s25.avg_annual_cost.dps }}", "£54,460"),
        ("{{ fy2425.spend.dps_gbp_m }}", "£46.9m"),
        ("{{ fy2425.spend.dps_gbp_m | gbp_m0 }}", "£47m"),
        ("{{ p24.forecast_gbp_m }}", "£46.76m"),
        ("{{ p24.forecast_gbp_m | gbp_m1 }}", "£46.8m"),
        ("{{ p24.avg_gbp_k }}", "£40.34k"),
        ("{{ p24.avg_gbp_k | number }}", "40.34"),
        ("{{ projection.static_total_gbp_m }}", "£916m"),
        ("{{ projection.years | words }}", "eight"),
        ("{{ s25.schools.dps | words }}", "twenty-two"),
        ("{{ s25.placements.total | words }}", "one thousand, seven hundred and eighty-four"),
        ("{{ s25.placements.total | number }}", "1,784"),
        ("{{ s25.peak_year_groups }}", "Year 9 and Year 10"),
        ("{{ s24.peak_year_group }}", "Reception"),
        (
            "{{ s25.districts_without_dps_school }}",
            "Dartford, Folkestone and Hythe, Sevenoaks, and Tonbridge and Malling",
        ),
        ("{{ s25.districts_without_dps_school | words }}", "four"),
        ("{{ s25.districts_without_dps_school | count }}", "4"),
        ("{{ s25.as_at }}", "30 June 2025"),
        ("{{ s25.as_at | fy }}", "2025/26"),
        ("{{ p24.period_start | fy }}", "2024/25"),
        ("{{ p24.period_start | month }}", "April"),
        ("{{ s25.as_at | month_year }}", "June 2025"),
        ("{{ s25.as_at | year }}", "2025"),
        ("{{s25.schools.dps|words}}", "twenty-two"),  # spaces are optional
    ],
)
def test_each_unit_prints_as_the_appendix_prints_it(placeholder, shown):
    assert filled(f"A {placeholder} b") == f"A {shown} b\n"


def test_a_paragraph_of_the_paper_is_filled_in_its_own_words():
    text = (
        "As of {{ s25.as_at }}, and based on all known and agreed placements during "
        "{{ s25.as_at | fy }} financial year, KCC had placed {{ s25.placements.total }} pupils."
    )
    assert filled(text) == (
        "As of 30 June 2025, and based on all known and agreed placements during 2025/26 "
        "financial year, KCC had placed 1,784 pupils.\n"
    )


def test_every_placeholder_is_listed_with_its_line_id_format_and_value():
    result = fill("{{ s25.schools.dps }}\n\n{{ projection.years | words }} years\n", FIGURES)
    assert [(p.line, p.figure_id, p.format, p.text) for p in result.placeholders] == [
        (1, "s25.schools.dps", None, "22"),
        (3, "projection.years", "words", "eight"),
    ]
    assert narrative.qa_rows(result)[1] == [
        3,
        "`projection.years`",
        "words",
        "eight",
        "Contract years",
    ]


def test_an_unknown_id_names_the_file_the_line_and_the_closest_ids():
    message = problem_of("First line.\n\nThere are {{ s25.dps.schools }} DPS schools.\n")
    assert message.startswith("reports/x.narrative.md:3: {{ s25.dps.schools }} names no figure")
    assert "did you mean s25.schools.dps" in message
    assert "\n" not in message


def test_an_id_nothing_is_close_to_says_where_the_ids_are_listed():
    message = problem_of("{{ zzz }}")
    assert "names no figure of report x" in message and "figures.json" in message


def test_a_hidden_figure_cannot_be_printed_and_the_error_says_why():
    message = problem_of("{{ s25.need.HI.dps }} children", threshold=5)
    assert message.startswith("reports/x.narrative.md:1: {{ s25.need.HI.dps }} cannot be printed")
    assert "disclosure control hides it" in message and "fewer than 5 children" in message
    assert "did you mean" not in message


def test_a_figure_with_no_value_says_so():
    message = problem_of("{{ s25.avg_cost_by_need.MSI.non_dps }}")
    assert "has no value ([x] in the appendix" in message


def test_an_id_of_another_report_in_the_batch_says_which():
    mate = Batchmate("25-00007", frozenset({"s24.pupils"}), frozenset({"s24", "p24"}))
    message = problem_of("{{ s24.pupils }}", batch=[mate], prefixes={"s25"})
    assert "it is a figure of report 25-00007 in this batch, not of x" in message


def test_an_id_whose_input_only_another_report_has_says_so():
    mate = Batchmate("25-00065", frozenset(), frozenset({"fy2425", "s25"}))
    message = problem_of("{{ fy2425.placements.dps }}", batch=[mate], prefixes={"s25"})
    assert "starting fy2425. come from an input of report 25-00065" in message


def test_a_batch_adds_the_other_report_once_all_are_done():
    with pytest.raises(NarrativeError) as caught:
        fill("{{ s24.pupils }} and {{ s25.need.HI.dps }}", FIGURES, source="n.md", report_id="x")
    error = pickle.loads(pickle.dumps(caught.value))  # as a batch worker hands it back
    assert error.report_id == "x" and "s25.schools.dps" in error.figure_ids
    told = str(error.with_batch([Batchmate("other", frozenset({"s24.pupils"}))]))
    assert "figure of report other in this batch" in told
    assert "cannot be printed" in told  # the other problem is kept as it was


def test_several_problems_are_each_one_error_line():
    message = problem_of("{{ nope }}\n{{ s25.need.HI.dps }}\n{{ s25.schools.dps | wurds }}\n")
    lines = f"error: {message}".splitlines()  # as the command line prints it
    assert len(lines) == 3 and all(
        line.startswith("error: reports/x.narrative.md:") for line in lines
    )
    assert [line.split(":")[2] for line in lines] == ["1", "2", "3"]


def test_an_unknown_format_suggests_one_and_lists_those_that_apply():
    message = problem_of("{{ s25.schools.dps | wurds }}")
    assert "'wurds' is not a format (did you mean words?)" in message
    assert "no format or number or words" in message


def test_a_format_finer_than_the_appendix_prints_is_refused():
    message = problem_of("{{ fy2425.spend.dps_gbp_m | gbp }}")
    assert "more precisely than the appendix does" in message and "gbp_m0" in message
    assert "more precisely" in problem_of("{{ s25.placements_pct.dps | pct1 }}")
    assert "does not apply to a figure in date" in problem_of("{{ s25.as_at | gbp }}")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{{ s25.schools.dps", "'{{' without its other half"),
        ("s25.schools.dps }}", "'}}' without its other half"),
        ("{{ }}", "an empty placeholder"),
        ("{{ s25.schools.dps | }}", "a bar but no format"),
    ],
)
def test_a_malformed_placeholder_is_named(text, says):
    assert says in problem_of(text)


def test_author_notes_are_left_out_and_lines_keep_their_numbers():
    text = "<!-- a note\nover two lines {{ nope }} -->\n\nPara {{ s25.schools.dps }}.\n\n{{ zz }}\n"
    message = problem_of(text)
    assert message.startswith("reports/x.narrative.md:6:") and "nope" not in message
    result = fill("<!-- note -->\n\nPara {{ s25.schools.dps }}.\n", FIGURES)
    assert result.markdown == "Para 22.\n"


def test_a_preview_marks_problems_in_the_text_instead_of_raising():
    result = fill("{{ s25.schools.dps }} and {{ nope }}", FIGURES, strict=False)
    assert result.markdown == "22 and **[nope: see problem]**\n"
    shown = result._repr_markdown_()
    assert "1 problem" in shown and "line 1: {{ nope }} names no figure" in shown
    assert fill("{{ s25.schools.dps }}", FIGURES, strict=False)._repr_markdown_() == "22\n"


def test_the_registry_marks_a_hidden_figure_suppressed_with_no_value():
    registry = FigureRegistry()
    registry.hide("s25.need.HI.dps", "count", "HI, DPS")
    shown = as_published(registry.as_dict())["s25.need.HI.dps"]
    assert shown == {"value": None, "unit": "count", "label": "HI, DPS", "suppressed": True}
    with pytest.raises(ValueError, match="unknown unit"):
        registry.hide("x", "furlongs", "x")


def test_numbers_in_words():
    assert narrative.in_words(1094) == "one thousand and ninety-four"
    assert narrative.in_words(100) == "one hundred"
    assert narrative.in_words(5_000) == "five thousand"
    assert narrative.in_words(1_000_100) == "one million, one hundred"


def test_the_samples_name_their_narratives():
    for report_id in ("25-00065", "25-00007"):
        definition = load_report_definition(PROJECT_ROOT / "reports" / f"{report_id}.yml")
        assert definition.narrative_path() == PROJECT_ROOT / "reports" / f"{report_id}.narrative.md"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("reports/missing.narrative.md", "does not exist"),
        ("reports/25-00065.yml", "is not a Markdown (.md) file"),
    ],
)
def test_a_definition_naming_a_narrative_that_cannot_be_used_is_refused(tmp_path, value, says):
    from pipeline.errors import ReportDefinitionError

    text = (PROJECT_ROOT / "reports" / "25-00007.yml").read_text()
    text = text.replace("narrative: reports/25-00007.narrative.md", f"narrative: {value}")
    path = tmp_path / "d.yml"
    path.write_text(text)
    with pytest.raises(ReportDefinitionError, match=f"key 'narrative'.*{re.escape(says)}"):
        load_report_definition(path)


def test_an_id_with_a_space_is_named_as_it_is():
    figures = {"s25.need_pct.Not recorded": {"value": 0, "unit": "percent_rounded", "label": "x"}}
    assert fill("{{ s25.need_pct.Not recorded }}", figures).markdown == "0%\n"


def test_a_number_typed_by_hand_is_refused_with_its_line_and_the_fix():
    text = (
        "4.1 KCC placed {{ s25.placements.total }} pupils.\n"
        "\n"
        "4.2 Of them 1,784 were placed in 110 schools, 61% in DPS schools, at £54,460.\n"
    )
    with pytest.raises(NarrativeError) as caught:
        fill(text, FIGURES, source="n.md", report_id="r")
    lines = str(caught.value).split("\nerror: ")
    assert [line.split(" is typed")[0] for line in lines] == [
        "n.md:3: 1,784", "n.md:3: 110", "n.md:3: 61%", "n.md:3: £54,460",
    ]  # fmt: skip
    assert "write it as a placeholder" in lines[0]


def test_paragraph_and_section_numbers_dates_years_and_notes_are_not_typed_figures():
    text = (
        "<!-- the paper printed 1,816 and £876m -->\n"
        "## 6. Financial implications\n"
        "\n"
        "6.2 In 2024-25, as Section 4.2 and paragraphs 6.5 and 6.7 say, on 30 June 2025 "
        "{{ s25.placements.total }} pupils (Year 9 and 10, not post 16) were placed.\n"
        "\n"
        "1. A list item of {{ s25.schools.dps }} schools.\n"
    )
    filled = fill(text, FIGURES)
    assert "1,784 pupils" in filled.markdown and not filled.problems
