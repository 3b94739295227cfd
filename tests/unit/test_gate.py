"""Tests for pipeline.gate: each check passes a good file set and refuses a bad one."""

from __future__ import annotations

import base64
import io
import json
import math

import openpyxl
import pandas as pd
import pytest
import weasyprint
from nbformat.v4 import new_code_cell, new_notebook, new_output

import pipeline.gate as gate
from pipeline.document import build_pdf
from pipeline.gate import Problem, PublicationRefused, check_publication, enforce, forbidden_values

# ------------------------------------------------------------ a fake export with planted values

EXPORT = pd.DataFrame(
    {
        "Child Ref": ["SYN0000001", "SYN0000002", "SYN0000003", "77"],
        "Forename": ["Jane", "Will", "Amara", "Li"],
        "Surname": ["Smith", "Brown", "Dover", "Wu"],
        "UPN": ["A123456789012", "B987654321098", "C111122223333", "D1"],
        "D.O.B.": ["2010-03-14", "02/11/2011", "2012-07-09", ""],
        "Home Postcode": ["ME14 1XX", "CT1 2YY", "TN9 9ZZ", ""],
        "Address": ["12 Acacia Avenue, Maidstone", "", "", ""],
        "School": ["Oakfield School", "Brown Hill School", "Elm House", "Elm House"],
        "District": ["Maidstone", "Dover", "Thanet", "Thanet"],
        "Primary Need": ["ASD", "SEMH", "SLCN", "ASD"],
    }
)
PSEUDONYM = "bc3fef53038144fc"


@pytest.fixture(scope="module")
def forbidden() -> set[str]:
    return forbidden_values([EXPORT], [PSEUDONYM])


# ------------------------------------------------------------------ a good minimal publication

CHART_SVG = (
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
    '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="120pt" height="60pt" viewBox="0 0 120 60">'
    "<metadata><rdf:RDF><cc:Work><dc:type "
    'rdf:resource="http://purl.org/dc/dcmitype/StillImage"/></cc:Work></rdf:RDF></metadata>'
    '<defs><clipPath id="c1"><rect width="120" height="60"/></clipPath></defs>'
    '<g clip-path="url(#c1)"><rect x="10" y="10" width="80" height="40" fill="#12436d"/></g>'
    "<!-- {label} -->"
    "</svg>"
)
ALT = "Bar chart: placements rose from 1,600 in 2024 to 1,784 in 2025."


def svg_uri(label: str = "Placements", svg: str | None = None) -> str:
    text = svg if svg is not None else CHART_SVG.replace("{label}", label)
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode()).decode()


TABLE = (
    '<div class="table-wrap"><table class="data-table">'
    "<caption>Table 1: Placements by framework status</caption>"
    '<thead><tr><th scope="col">Status</th><th scope="col" class="num">Placements</th></tr>'
    "</thead><tbody>"
    '<tr><th scope="row">DPS</th><td class="num">1,094</td></tr>'
    '<tr><th scope="row">Non-DPS</th><td class="num">[c]</td></tr>'
    "</tbody></table></div>"
)


def page(
    body: str = "",
    *,
    table: str = TABLE,
    img: str | None = None,
    head: str = "",
    lang: str = ' lang="en-GB"',
) -> str:
    image = img if img is not None else f'<img src="{svg_uri()}" alt="{ALT}">'
    return (
        f"<!DOCTYPE html><html{lang}><head><meta charset='utf-8'>"
        f"<title>Data appendix</title><style>td {{ color: #0b0c0c; }}</style>{head}</head>"
        "<body><header><h1>Data appendix</h1></header><main>"
        "<section><h2>Placements</h2><p>As at 30 June 2025, 1,784 placements were made in "
        '110 schools (<a href="https://www.gov.uk/government/statistics">national statistics</a>'
        ', <a href="#table-1">table 1</a>).</p>'
        f'{table}<figure class="chart"><figcaption>Chart 1</figcaption>{image}</figure>'
        f"{body}</section></main></body></html>"
    )


def xlsx(rows: list[list[object]], title: str = "Table_1") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_XLSX_ROWS: list[list[object]] = [
    ["Table 1: Placements by primary need"],
    ["Primary need", "DPS placements", "Share of placements (%)"],
    ["Autistic spectrum disorder", 589, 52.1],
    ["Hearing impairment", "[c]", "[c]"],
]

DATA_CSV = (
    "time_period,time_identifier,geographic_level,country_code,country_name,"
    "primary_need,placements,pct_placements,dps_schools\n"
    "2025,Calendar year,National,E92000001,England,Autistic spectrum disorder,928,52.0,3\n"
    "2025,Calendar year,National,E92000001,England,Hearing impairment,c,c,2\n"
    "2025,Calendar year,National,E92000001,England,Early years,0,0.0,0\n"
)
META_CSV = (
    "col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,"
    "filter_grouping_column\n"
    "primary_need,Filter,Primary need,,,,,\n"
    "placements,Indicator,Placements,,,0,,\n"
    "pct_placements,Indicator,Share of placements,,%,1,,\n"
    "dps_schools,Indicator,DPS schools,,,0,,\n"
)
FIGURES = {
    "report": "25-00065",
    "figures": {"snapshot.placements": {"label": "Placements", "unit": "count", "value": 1784}},
}


def good_files(pdf: bytes) -> dict[str, bytes]:
    return {
        "appendix.html": page().encode(),
        "appendix.pdf": pdf,
        "figures.json": json.dumps(FIGURES).encode(),
        "tables.xlsx": xlsx(GOOD_XLSX_ROWS),
        "tables/need_profile.csv": DATA_CSV.encode(),
        "tables/need_profile.meta.csv": META_CSV.encode(),
    }


@pytest.fixture(scope="module")
def good_pdf() -> bytes:
    return build_pdf(page())


@pytest.fixture
def files(good_pdf: bytes) -> dict[str, bytes]:
    return good_files(good_pdf)


def checks(problems: list[Problem]) -> set[str]:
    return {problem.check for problem in problems}


def refused(files: dict[str, bytes], check: str, **kwargs) -> list[Problem]:
    """The problems of ``files``; asserts there is at least one and all are ``check``."""
    problems = check_publication(files, **kwargs)
    assert problems, f"expected a {check!r} problem, the gate found none"
    assert checks(problems) == {check}, [str(p) for p in problems]
    return problems


# ------------------------------------------------------------------ the good set passes


def test_good_publication_passes(files: dict[str, bytes], forbidden: set[str]) -> None:
    assert check_publication(files, forbidden=forbidden, max_table_rows=50) == []
    enforce(files, forbidden=forbidden, max_table_rows=50)


def test_files_may_be_given_as_text(forbidden: set[str]) -> None:
    assert check_publication({"appendix.html": page()}, forbidden=forbidden) == []


# ------------------------------------------------------------------ forbidden_values


def test_forbidden_values_collects_every_identifier_form(forbidden: set[str]) -> None:
    for value in (
        "SYN0000001",  # pupil id (the "Child Ref" alias)
        "Jane Smith",
        "Smith Jane",
        "Jane",
        "Smith",
        "Amara",  # a forename alone, 5 characters
        "Will Brown",
        "A123456789012",  # UPN
        "2010-03-14",
        "14/03/2010",
        "14 March 2010",
        "2011-11-02",  # dd/mm/yyyy in the export, ISO in the output
        "2 November 2011",
        "ME14 1XX",
        "ME141XX",
        "12 Acacia Avenue",
        PSEUDONYM,
    ):
        assert value in forbidden, value


def test_forbidden_values_leaves_out_short_and_generic_values(forbidden: set[str]) -> None:
    for value in (
        "77",  # a number shorter than 6 digits
        "Li",  # shorter than 4 characters
        "Wu",
        "D1",
        "Dover",  # a surname that is also a district the appendix names
        "Brown",  # a surname that is also a word of a school's name
        "Maidstone",  # an address part that is a district
        "Oakfield School",  # not an identifier column
        "ASD",
    ):
        assert value not in forbidden, value
    assert "Amara Dover" in forbidden  # the full name is still searched for


def test_forbidden_values_of_no_exports_is_only_the_pseudonyms() -> None:
    assert forbidden_values([], ["bc3fef53038144fc", "ab"]) == {"bc3fef53038144fc"}


# ------------------------------------------------------------------ identifier check


PLANTED = ["Jane Smith", "A123456789012", "2010-03-14", "14/03/2010", "14 March 2010", PSEUDONYM]


@pytest.mark.parametrize("value", PLANTED)
def test_identifier_in_html_text_is_refused(value: str, forbidden: set[str]) -> None:
    html = page(f"<p>A note about {value}, placed in 2024.</p>")
    problems = refused({"appendix.html": html.encode()}, "identifier", forbidden=forbidden)
    for problem in problems:
        assert value not in problem.detail
        assert value[:2] + "***" in problem.detail


def test_identifier_problem_names_the_section_but_never_the_value(forbidden: set[str]) -> None:
    html = page("<h3>Notes</h3><p>Jane Smith</p><h3>About A123456789012</h3><p>x</p>")
    problems = refused({"appendix.html": html.encode()}, "identifier", forbidden=forbidden)
    details = [problem.detail for problem in problems]
    assert details == [
        "identifier value Ja*** (a name or address) appears 1 time, "
        "first in the page text under the heading 'Notes'",
        "identifier value A1*** (an id or number) appears 1 time, "
        "first in a place whose name holds an identifier",
    ]


def test_no_problem_detail_quotes_an_identifier(forbidden: set[str]) -> None:
    img = f'<img src="{svg_uri()}" alt="Jane Smith">'  # too short, and an identifier
    table = TABLE.replace("Placements by framework status", "Placements of SYN0000001")
    html = page(img=img, table=table.replace('<th scope="row">DPS</th>', "<th>DPS</th>"))
    problems = check_publication({"appendix.html": html.encode()}, forbidden=forbidden)
    assert checks(problems) == {"identifier", "alt-text", "table-headers"}
    text = "\n".join(map(str, problems))
    for value in ("Jane", "Smith", "SYN0000001"):
        assert value not in text
    assert "'Ja***'" in text and "SY***" in text


@pytest.mark.parametrize("value", ["JANE SMITH", "Smith, Jane", "Jane\n  Smith"])
def test_identifier_is_found_whatever_its_case_and_spacing(value: str, forbidden: set[str]) -> None:
    refused({"appendix.html": page(f"<p>{value}</p>").encode()}, "identifier", forbidden=forbidden)


def test_single_names_match_as_whole_words_with_their_capitalisation(forbidden: set[str]) -> None:
    prose = "<p>Numbers will rise; a blacksmith and Smithfield Market are not pupils.</p>"
    assert check_publication({"appendix.html": page(prose).encode()}, forbidden=forbidden) == []
    refused(
        {"appendix.html": page("<p>Will moved school.</p>").encode()},
        "identifier",
        forbidden=forbidden,
    )


def test_identifier_in_an_attribute_or_comment_is_refused(forbidden: set[str]) -> None:
    for body in ('<p id="SYN0000001">x</p>', "<!-- Jane Smith -->"):
        refused({"appendix.html": page(body).encode()}, "identifier", forbidden=forbidden)


def test_identifier_in_image_alt_text_is_refused(forbidden: set[str]) -> None:
    img = f'<img src="{svg_uri()}" alt="Bar chart of the placement of Jane Smith since 2019">'
    refused({"appendix.html": page(img=img).encode()}, "identifier", forbidden=forbidden)


def test_identifier_in_svg_chart_data_uri_is_refused(forbidden: set[str]) -> None:
    img = f'<img src="{svg_uri(label="A123456789012")}" alt="{ALT}">'
    problems = refused({"appendix.html": page(img=img).encode()}, "identifier", forbidden=forbidden)
    assert "SVG image 1" in problems[0].detail


def test_identifier_in_svg_file_is_refused(forbidden: set[str]) -> None:
    svg = CHART_SVG.replace("{label}", "14 March 2010")
    refused({"figures/chart.svg": svg.encode()}, "identifier", forbidden=forbidden)


@pytest.mark.parametrize("value", ["Jane Smith", "A123456789012", "14/03/2010"])
def test_identifier_in_pdf_text_is_refused(value: str, forbidden: set[str]) -> None:
    pdf = build_pdf(page(f"<p>Placed: {value}.</p>"))
    problems = refused({"appendix.pdf": pdf}, "identifier", forbidden=forbidden)
    assert "page 1" in problems[0].detail
    assert value not in str(problems)


@pytest.mark.parametrize("value", ["Jane Smith", "2010-03-14", PSEUDONYM])
def test_identifier_in_xlsx_cell_is_refused(value: str, forbidden: set[str]) -> None:
    rows = [*GOOD_XLSX_ROWS, [f"Note: {value}", 5, 1.0]]
    problems = refused({"tables.xlsx": xlsx(rows)}, "identifier", forbidden=forbidden)
    assert "sheet 'Table_1' cell A5" in problems[0].detail


def test_name_split_over_two_xlsx_cells_is_refused(forbidden: set[str]) -> None:
    rows = [*GOOD_XLSX_ROWS, ["Jane", "Smith", 1.0]]
    refused({"tables.xlsx": xlsx(rows)}, "identifier", forbidden=forbidden)


def test_neighbouring_numbers_do_not_make_up_a_date(forbidden: set[str]) -> None:
    # 14 | 3 | 2010 in three cells of a row is not the date of birth 14/3/2010
    rows = [*GOOD_XLSX_ROWS, ["Year 9", 14, 3, 2010]]
    assert check_publication({"tables.xlsx": xlsx(rows)}, forbidden=forbidden) == []


@pytest.mark.parametrize("value", ["SYN0000001", "14 March 2010", "ME14 1XX"])
def test_identifier_in_csv_is_refused(value: str, forbidden: set[str]) -> None:
    data = DATA_CSV.replace("Early years", value)
    files = {"tables/need_profile.csv": data.encode(), "tables/need_profile.meta.csv": META_CSV}
    refused(files, "identifier", forbidden=forbidden)


def test_identifier_in_figures_json_is_refused(forbidden: set[str]) -> None:
    figures = {"figures": {"x": {"label": "Placement of Jane Smith", "value": 1}}}
    refused({"figures.json": json.dumps(figures).encode()}, "identifier", forbidden=forbidden)


def test_many_identifiers_are_summed_up_after_the_first_twenty() -> None:
    values = {f"SYN{n:07d}" for n in range(30)}
    csv = "name_of_table\n" + "\n".join(sorted(values))
    problems = check_publication({"notes.txt": csv.encode()}, forbidden=values)
    assert len(problems) == gate.MAX_LISTED + 1
    assert "10 more identifier values" in problems[-1].detail


# ------------------------------------------------------------------ small counts


def csv_files(data: str, meta: str = META_CSV) -> dict[str, bytes]:
    return {"tables/need_profile.csv": data.encode(), "tables/need_profile.meta.csv": meta.encode()}


def test_small_count_in_count_column_is_refused() -> None:
    problems = refused(csv_files(DATA_CSV.replace(",928,", ",3,")), "small-count")
    assert "'placements'" in problems[0].detail and "line 2" in problems[0].detail


def test_suppressed_zero_and_large_counts_pass() -> None:
    assert check_publication(csv_files(DATA_CSV)) == []


def test_small_values_in_percentage_and_school_count_columns_pass() -> None:
    data = DATA_CSV.replace(",52.0,", ",3.0,")  # a percentage, not a count
    assert "dps_schools" in META_CSV and ",3\n" in data  # 3 schools: not a count of children
    assert check_publication(csv_files(data)) == []


def test_a_rank_is_not_a_count_of_children() -> None:
    # EES has no unit for a rank, so its column has none, as a count's has none
    data = DATA_CSV.replace("dps_schools\n", "rank\n")
    meta = META_CSV.replace("dps_schools,Indicator,DPS schools", "rank,Indicator,Rank")
    assert check_publication(csv_files(data, meta)) == []
    ranked = data.replace(",rank\n", ",ranked\n"), meta.replace("rank,", "ranked,")
    refused(csv_files(*ranked), "small-count")


def test_threshold_is_a_parameter() -> None:
    data = DATA_CSV.replace(",928,", ",7,")
    assert check_publication(csv_files(data)) == []
    refused(csv_files(data), "small-count", threshold=10)


def test_count_column_that_is_neither_number_nor_symbol_is_refused() -> None:
    refused(csv_files(DATA_CSV.replace(",928,", ",about 900,")), "small-count")


def test_table_without_meta_file_is_refused() -> None:
    problems = refused({"tables/need_profile.csv": DATA_CSV.encode()}, "small-count")
    assert "need_profile.meta.csv" in problems[0].detail


# ------------------------------------------------------------------ code, tracebacks, reprs


@pytest.mark.parametrize(
    "text",
    [
        'Traceback (most recent call last):\n  File "x.py", line 3, in &lt;module&gt;',
        "ValueError: could not convert string to float",
        "FutureWarning: the default will change",
        "DeprecationWarning",
        "&lt;pipeline.present.HtmlTable object at 0x7f3a2b1c&gt;",
        "Name: placements, dtype: int64",
        "In [3]: report.summary()",
        "import pandas as pd",
        "def build(frame):",
        "Section(heading='Key figures', parts=[])",
        "Average cost: NaN",
        "/work/main/pipeline/tables.py:120: SettingWithCopyWarning",
    ],
)
def test_code_in_html_text_is_refused(text: str) -> None:
    refused({"appendix.html": page(f"<pre>{text}</pre>").encode()}, "code")


@pytest.mark.parametrize("cell", ["nan", "None", "&lt;NA&gt;", "NaT"])
def test_missing_value_repr_in_html_table_cell_is_refused(cell: str) -> None:
    table = TABLE.replace("[c]", cell)
    refused({"appendix.html": page(table=table).encode()}, "code")


def test_none_in_prose_is_not_code() -> None:
    body = "<p>None of the districts without a DPS school is in the north.</p>"
    assert check_publication({"appendix.html": page(body).encode()}) == []


def test_script_and_event_handler_are_refused() -> None:
    problems = check_publication(
        {"appendix.html": page('<script>alert(1)</script><p onclick="x()">x</p>').encode()}
    )
    assert checks(problems) == {"code"} and len(problems) == 2


def test_traceback_in_pdf_is_refused() -> None:
    pdf = build_pdf(page("<p>Traceback (most recent call last):</p><p>KeyError: 'ncy'</p>"))
    problems = refused({"appendix.pdf": pdf}, "code")
    assert {"page 1"} == {p.detail.rsplit("first in ", 1)[1] for p in problems}


@pytest.mark.parametrize("cell", ["nan", "None", "<NA>"])
def test_missing_value_repr_in_csv_and_xlsx_cells_is_refused(cell: str) -> None:
    refused(csv_files(DATA_CSV.replace(",52.0,", f",{cell},")), "code")
    refused({"tables.xlsx": xlsx([*GOOD_XLSX_ROWS, ["Other", 10, cell]])}, "code")


def test_nan_in_figures_json_is_refused() -> None:
    figures = {"figures": {"x": {"label": "Average cost", "value": math.nan}}}
    problems = refused({"figures.json": json.dumps(figures).encode()}, "code")
    assert "$.figures.x.value" in problems[0].detail


# ------------------------------------------------------------------ external references


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="https://example.org/chart.png" alt="{alt}">',
        '<img src="//example.org/chart.png" alt="{alt}">',
        '<img src="chart.png" alt="{alt}">',
        '<img src="file:///tmp/chart.png" alt="{alt}">',
        '<img src="data:image/png;base64,AAAA" srcset="big.png 2x" alt="{alt}">',
        '<div style="background: url(https://example.org/x.png)">x</div>',
        '<link rel="stylesheet" href="https://example.org/x.css">',
        "<style>@import 'print.css';</style>",
        '<iframe src="https://example.org"></iframe>',
        '<a href="tables/need_profile.csv">the table</a>',
        '<svg role="img" aria-label="{alt}"><image href="https://example.org/x.png"/></svg>',
    ],
)
def test_external_reference_in_html_is_refused(markup: str) -> None:
    html = page(markup.replace("{alt}", ALT))
    problems = refused({"appendix.html": html.encode()}, "external-reference")
    assert "appendix.html" == problems[0].file


def test_external_reference_inside_svg_data_uri_is_refused() -> None:
    svg = CHART_SVG.replace(
        "<!-- {label} -->", '<image xlink:href="https://example.org/logo.png" width="5"/>'
    )
    img = f'<img src="{svg_uri(svg=svg)}" alt="{ALT}">'
    problems = refused({"appendix.html": page(img=img).encode()}, "external-reference")
    assert "SVG image 1" in problems[0].detail


def test_links_to_public_pages_and_fragments_are_allowed() -> None:
    body = (
        '<p><a href="https://www.kent.gov.uk/">KCC</a> <a href="mailto:x@kent.gov.uk">mail</a> '
        '<a href="#top">top</a></p>'
    )
    assert check_publication({"appendix.html": page(body).encode()}) == []


# ------------------------------------------------------------------ alt text


@pytest.mark.parametrize(
    "img",
    [
        '<img src="{src}">',
        '<img src="{src}" alt="">',
        '<img src="{src}" alt="No description has been provided for this image">',
        '<img src="{src}" alt="Chart">',
        '<img src="{src}" alt="spend.svg">',
        '<img src="{src}" alt="Spend chart">',
        '<svg role="img" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>',
    ],
)
def test_image_without_real_alt_text_is_refused(img: str) -> None:
    html = page(img=img.replace("{src}", svg_uri()))
    refused({"appendix.html": html.encode()}, "alt-text")


def test_inline_svg_with_aria_label_passes() -> None:
    img = f'<svg role="img" aria-label="{ALT}" viewBox="0 0 1 1"><rect width="1"/></svg>'
    assert check_publication({"appendix.html": page(img=img).encode()}) == []


# ------------------------------------------------------------------ table headers


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<caption>Table 1: Placements by framework status</caption>", ""),
        ('<th scope="row">DPS</th>', "<th>DPS</th>"),
    ],
)
def test_table_without_caption_or_header_scope_is_refused(old: str, new: str) -> None:
    table = TABLE.replace(old, new)
    refused({"appendix.html": page(table=table).encode()}, "table-headers")


def test_table_without_header_cells_is_refused() -> None:
    table = "<table><caption>Table 2: Bare</caption><tr><td>DPS</td><td>22</td></tr></table>"
    problems = refused({"appendix.html": page(table=table).encode()}, "table-headers")
    assert "no header cells" in problems[0].detail


# ------------------------------------------------------------------ row-level data


def test_csv_with_pupil_id_column_is_refused() -> None:
    data = "time_period,pupil_id,annual_fee\n2025,X9,50000\n"
    meta = "col_name,col_type,label,indicator_unit\npupil_id,Filter,Pupil,\n"
    problems = refused(csv_files(data, meta), "row-level")
    assert "pupil_id" in problems[0].detail


@pytest.mark.parametrize("header", ["UPN", "Date of birth", "DOB", "Child ref", "Postcode"])
def test_xlsx_with_identifier_column_is_refused(header: str) -> None:
    rows = [["Table 9: Placements"], [header, "Annual fee"], ["x", 50000]]
    refused({"tables.xlsx": xlsx(rows)}, "row-level")


def test_html_table_with_identifier_header_is_refused() -> None:
    table = TABLE.replace('<th scope="col">Status</th>', '<th scope="col">Date of birth</th>')
    refused({"appendix.html": page(table=table).encode()}, "row-level")


def test_tables_longer_than_max_table_rows_are_refused() -> None:
    rows = "".join(
        f"2025,Calendar year,National,E92000001,England,Need {n},10,1.0,5\n" for n in range(8)
    )
    data = DATA_CSV.split("\n", 1)[0] + "\n" + rows
    assert check_publication(csv_files(data), max_table_rows=10) == []
    refused(csv_files(data), "row-level", max_table_rows=5)
    long_xlsx = [GOOD_XLSX_ROWS[1], *([["Need", 10, 1.0]] * 8)]
    refused({"tables.xlsx": xlsx(long_xlsx)}, "row-level", max_table_rows=5)
    body = "".join(f'<tr><th scope="row">{n}</th><td>10</td></tr>' for n in range(8))
    table = TABLE.replace("<tbody>", "<tbody>" + body)
    refused({"appendix.html": page(table=table).encode()}, "row-level", max_table_rows=5)


def notebook(*outputs) -> bytes:
    nb = new_notebook(cells=[new_code_cell("report.summary()", outputs=list(outputs))])
    return json.dumps(nb).encode()


def test_notebook_among_published_files_is_refused() -> None:
    problems = refused({"02-appendix.ipynb": notebook()}, "row-level")
    assert "internal/" in problems[0].detail


def test_internal_notebook_with_code_but_no_row_level_output_passes(forbidden: set[str]) -> None:
    out = new_output("execute_result", data={"text/plain": "Section(heading='x')"})
    assert (
        check_publication({"internal/02-appendix.ipynb": notebook(out)}, forbidden=forbidden) == []
    )


def test_internal_notebook_with_identifier_output_is_refused(forbidden: set[str]) -> None:
    out = new_output("stream", name="stdout", text="checking SYN0000001\n")
    refused({"internal/01-clean.ipynb": notebook(out)}, "identifier", forbidden=forbidden)


def test_internal_notebook_printing_pupil_rows_is_refused() -> None:
    frame = pd.DataFrame({"pupil_id": ["x1"], "annual_fee": [50000]})
    out = new_output(
        "execute_result", data={"text/plain": repr(frame), "text/html": frame.to_html()}
    )
    problems = refused({"internal/01-clean.ipynb": notebook(out)}, "row-level")
    assert any("pupil_id" in p.detail for p in problems)


# ------------------------------------------------------------------ document, unreadable


def test_page_without_language_or_with_skipped_heading_is_refused() -> None:
    refused({"appendix.html": page(lang="").encode()}, "document")
    refused({"appendix.html": page("<h4>Too deep</h4>").encode()}, "document")


def test_untagged_pdf_is_refused() -> None:
    pdf = weasyprint.HTML(string=page()).write_pdf()
    problems = refused({"appendix.pdf": pdf}, "document")
    assert "not tagged" in problems[0].detail


def _with_object(pdf: bytes, make) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        make(document)
        out = io.BytesIO()
        document.save(out, compress_streams=False)
    return out.getvalue()


def test_a_pdf_with_a_script_or_a_launch_action_is_refused(good_pdf: bytes) -> None:
    import pikepdf

    def script(document):
        document.Root.OpenAction = pikepdf.Dictionary(
            Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
        )

    def launch(document):
        document.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")
        )

    problems = refused({"appendix.pdf": _with_object(good_pdf, script)}, "code")
    assert "JavaScript" in problems[0].detail
    problems = refused({"appendix.pdf": _with_object(good_pdf, launch)}, "external-reference")
    assert "launch" in problems[0].detail


def test_bytes_that_spell_a_script_key_inside_a_stream_are_not_a_script(good_pdf: bytes) -> None:
    """Compressed streams are binary: '/JS' turns up in them by chance, and is not a script."""

    def noise(document):
        document.Root.Noise = document.make_stream(b"\x00\x9c/JS \x01/JavaScript\x02/Launch ")

    assert check_publication({"appendix.pdf": _with_object(good_pdf, noise)}) == []


def test_pdf_without_pdftotext_is_refused_saying_what_to_install(
    good_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gate.shutil, "which", lambda name: None)
    problems = refused({"appendix.pdf": good_pdf}, "unreadable")
    assert "apt-get install poppler-utils" in problems[0].detail


@pytest.mark.parametrize(
    ("name", "data"),
    [("chart.png", b"\x89PNG\r\n"), ("appendix.pdf", b"not a pdf"), ("tables.xlsx", b"PK?")],
)
def test_unknown_or_broken_file_is_refused(name: str, data: bytes) -> None:
    refused({name: data}, "unreadable")


# ------------------------------------------------------------------ enforce


def test_enforce_lists_every_problem_one_per_line(files: dict[str, bytes]) -> None:
    files["appendix.html"] = page('<img src="https://example.org/x.png">').encode()
    files["tables/need_profile.csv"] = DATA_CSV.replace(",928,", ",2,").encode()
    with pytest.raises(PublicationRefused) as info:
        enforce(files)
    problems = info.value.problems
    assert checks(problems) == {"external-reference", "alt-text", "small-count"}
    lines = str(info.value).splitlines()
    assert lines[0] == f"publication refused: {len(problems)} problems"
    assert lines[1:] == [f"  {problem}" for problem in problems]
    assert lines[1].startswith("  appendix.html: [")


def _page(body: str) -> bytes:
    return (
        "<!doctype html><html lang='en'><head><title>Appendix</title></head>"
        f"<body><main><h1>Appendix</h1>{body}</main></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "text",
    [
        "Inputs: SHA-256 a3405011887a13c181e7fbef",
        "Code: inmss-appendix at commit a1ab196b62de7552a71c5f0249fc0d2ada706884.",
        "The notebooks are executed by papermill.",
        "To reproduce: python -m pipeline render reports/25-00065.yml.",
        "Read from snapshot_2025_06_30.csv.",
    ],
)
def test_reviewer_material_in_what_members_read_is_refused(text):
    problems = check_publication(
        {"appendix.html": _page(f"<p>{text}</p>")}, reviewer_terms=["snapshot_2025_06_30.csv"]
    )
    assert problems and {p.check for p in problems} == {"reviewer-material"}, problems


@pytest.mark.parametrize(
    "markup",
    [
        "<style>/* a long string (a SHA-256) wraps */ p { color: black; }</style>",
        "<!-- rendered at commit a1ab196b62de7552a71c5f0249fc0d2ada706884 -->",
    ],
)
def test_reviewer_material_a_member_sees_with_view_source_is_refused(markup):
    page = _page(f"{markup}<p>Placements: 1,784.</p>")
    problems = check_publication({"appendix.html": page})
    assert {p.check for p in problems} == {"reviewer-material"}, problems


def test_the_rendered_page_keeps_no_stylesheet_or_html_comment():
    from pipeline.document import _finish_html

    html = _finish_html(
        "<html lang='en'><head><title>A</title><style>/* note: a SHA-256 */\n"
        "p { color: black; }</style></head><body><!-- author note --><p>x</p></body></html>"
    )
    assert "/*" not in html and "<!--" not in html
    assert "p { color: black; }" in html


def test_reviewer_material_is_allowed_in_the_internal_qa_note():
    note = b"Reproduce: python -m pipeline render reports/x.yml; SHA-256 of snapshot.csv"
    problems = check_publication(
        {"internal/qa-note.md": note, "appendix.html": _page("<p>Placements: 1,784.</p>")},
        reviewer_terms=["snapshot.csv"],
    )
    assert problems == []
