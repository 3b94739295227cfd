"""Published table files: tidy CSVs with metadata (Explore Education Statistics conventions)
and an accessible spreadsheet (gptables), built from the tables the appendix showed.

Everything published here works on already-suppressed values: the appendix hands over tables
whose hidden cells are the symbol ``c`` (CSV) or ``[c]`` (spreadsheet). A payload also carries
the table before suppression (``unsuppressed``), for the render's disclosure audit only; no
function here writes it to a published file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.present import NOT_AVAILABLE, SUPPRESSED, HtmlTable, snake_case
from pipeline.vocabulary import NOT_RECORDED, PRIMARY_NEEDS

META_COLUMNS = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
    "filter_default",
)

#: The indicator units the EES metadata allows (blank: a plain number).
EES_UNITS = ("%", "pp", "£", "£m", "numberstring")

#: Columns that place a tidy row in time and space, in the order EES files give them.
TIME_COLUMNS = ("time_period", "time_identifier")
GEOGRAPHY_COLUMNS = (
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
)


@dataclass(frozen=True)
class Geography:
    """The geography every row of a report's tidy files belongs to (or one row's, where a
    table's rows are areas): an authority, a region (``la_name`` empty) or England."""

    la_name: str = ""
    new_la_code: str = ""
    old_la_code: str = ""
    region_code: str | None = None
    region_name: str | None = None
    country_code: str = "E92000001"
    country_name: str = "England"

    @property
    def level(self) -> str:
        if self.la_name:
            return "Local authority"
        return "Regional" if self.region_code else "National"

    def columns(self) -> dict[str, str]:
        return {
            "geographic_level": self.level,
            "country_code": self.country_code,
            "country_name": self.country_name,
            "region_code": self.region_code or "",
            "region_name": self.region_name or "",
            "old_la_code": self.old_la_code,
            "new_la_code": self.new_la_code,
            "la_name": self.la_name,
        }


def time_of(as_at: dt.date | None, period_start: dt.date | None) -> tuple[str, str] | None:
    """EES time_period and time_identifier of an extract.

    A snapshot is its calendar month (``2025``, ``June``); a period is the financial year it
    starts in (``202425``, ``Financial year``); with neither, None: EES has no blank period,
    so the caller says which input needs a date.

    >>> time_of(dt.date(2025, 6, 30), None), time_of(None, dt.date(2024, 4, 1))
    (('2025', 'June'), ('202425', 'Financial year'))
    >>> time_of(None, None) is None
    True
    """
    if as_at is not None:
        return str(as_at.year), f"{as_at:%B}"
    if period_start is not None:
        return financial_year(period_start), "Financial year"
    return None


def financial_year(day: dt.date) -> str:
    """The EES time_period of the financial year (April to March) a day falls in.

    >>> financial_year(dt.date(2025, 3, 31)), financial_year(dt.date(2025, 4, 1))
    ('202425', '202526')
    """
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}{(start + 1) % 100:02d}"


def months_covered(start: dt.date | None, end: dt.date | None) -> str | None:
    """The months a period covers when it is not a whole financial year (``None`` when it is,
    or is no period): EES has no time identifier for eight months of a year, so a part-year
    table's indicators say which months in their labels.

    >>> months_covered(dt.date(2024, 4, 1), dt.date(2024, 11, 30))
    'April to November 2024'
    >>> months_covered(dt.date(2024, 12, 1), dt.date(2025, 3, 31))
    'December 2024 to March 2025'
    >>> months_covered(dt.date(2024, 4, 1), dt.date(2025, 3, 31)) is None
    True
    """
    if start is None or end is None:
        return None
    if (start.month, start.day, end.month, end.day) == (4, 1, 3, 31) and (
        end.year == start.year + 1
    ):
        return None
    first = f"{start:%B}" if start.year == end.year else f"{start:%B %Y}"
    return f"{first} to {end:%B %Y}"


def financial_year_period(label: str) -> str:
    """The EES time_period of a financial year as tables print it (``2017-18``, ``2017/18``).

    >>> financial_year_period("2017-18"), financial_year_period("2099/00")
    ('201718', '209900')
    """
    match = re.fullmatch(r"(\d{4})[-/](\d{2})", label.strip())
    if not match:
        raise ValueError(f"{label!r} is not a financial year such as 2017-18")
    return match.group(1) + match.group(2)


def table_payload(
    table: HtmlTable,
    *,
    row_filter: str,
    time_period: str,
    time_identifier: str,
    source: str,
    row_time: dict | None = None,
    row_geography: dict | None = None,
    months: str | None = None,
) -> dict:
    """A table as plain JSON for the renderer: spreadsheet form, tidy form and metadata.

    ``row_time`` (``{"column": c, "times": {value: (time_period, time_identifier)},
    "keep": bool}``) gives each row the time of its value in column ``c`` of the tidy form
    (a year's row its year), and ``row_geography`` (``{"column": c, "areas": {value:
    Geography fields}}``) its area; ``months`` names the months of a part-year period. All
    three change only the published EES file (:func:`tidy_csv`)."""
    spreadsheet = table.to_spreadsheet_frame()
    tidy, indicators = table.to_tidy(row_filter)
    # The same table before suppression, for the disclosure audit to judge its ranges by
    # (pipeline.audit.with_truth). It goes only to the render, which never publishes it (it
    # stays in the internal record of the executed notebook).
    unsuppressed, _ = dataclasses.replace(table, mask=None).to_tidy(row_filter)
    filters = [c for c in tidy.columns if c not in {name for name, *_ in indicators}]
    return {
        "name": table.name or snake_case(table.caption),
        "caption": table.caption,
        "note": table.note or "",
        "suppressed": table.any_hidden,
        "source": source,
        "time_period": time_period,
        "time_identifier": time_identifier,
        "row_time": row_time,
        "row_geography": row_geography,
        "months_covered": months,
        "spreadsheet": {
            "columns": list(spreadsheet.columns),
            "rows": spreadsheet.astype(object).values.tolist(),
            "formats": table.spreadsheet_formats(),
        },
        "tidy": {"columns": list(tidy.columns), "rows": tidy.astype(object).values.tolist()},
        "unsuppressed": {
            "columns": list(unsuppressed.columns),
            "rows": unsuppressed.astype(object).values.tolist(),
        },
        "filters": [[name, name.replace("_", " ").capitalize()] for name in filters],
        "split_label": table.split[1] if table.split else None,
        "indicators": [list(item) for item in indicators],
    }


def financial_years(column: str, labels: Sequence[object], *, keep: bool = False) -> dict:
    """The ``row_time`` of a table whose rows are financial years, printed in ``column``.

    >>> financial_years("financial_year", ["2017-18"])["times"]
    {'2017-18': ('201718', 'Financial year')}
    """
    times = {str(label): (financial_year_period(str(label)), "Financial year") for label in labels}
    return {"column": column, "times": times, "keep": keep}


#: Where the DfE's SEN item names differ from ours (``vocabulary.PRIMARY_NEEDS``).
_DFE_NEED_NAMES: dict[str, str] = {"VI": "Vision impairment", NOT_RECORDED: "Unknown"}


def _dfe_need_items() -> dict[str, str]:
    """The DfE's item for each need a table prints, by code or by our label.

    >>> items = _dfe_need_items()
    >>> items["VI"], items["Visual impairment"], items["Primary need not recorded"]
    ('Vision impairment', 'Vision impairment', 'Unknown')
    """
    items = {code: _DFE_NEED_NAMES.get(code, label) for code, label in PRIMARY_NEEDS.items()}
    items |= {label: items[code] for code, label in PRIMARY_NEEDS.items() if label != items[code]}
    return items | {"All needs": "Total"}


#: Filters the DfE's harmonised data standards name: the table's column -> the standard's
#: column, and the values the standard writes for the values tables print (a value not listed
#: is published as printed); and a filter whose name the standards reserve for another
#: meaning, renamed. Sources: DfE, "Standards for official statistics published by
#: the DfE" (harmonised variables), and the GSS ethnicity standard's major groups.
HARMONISED_FILTERS: dict[str, tuple[str, dict[str, str]]] = {
    "primary_need": ("sen_primary_need", _dfe_need_items()),
    "ethnicity": (
        "ethnicity_major",
        {
            "Mixed": "Mixed / Multiple ethnic groups",
            "Asian or Asian British": "Asian / Asian British",
            "Black or Black British": "Black / African / Caribbean / Black British",
            "Any other ethnic group": "Other ethnic group",
            "Not known": "Unknown",
        },
    ),
    # the phase of a pupil's year group, not DfE's education_phase (a school's phase: primary,
    # secondary, all-through); a name without "phase", which the standards keep for theirs
    "phase": ("year_group_band", {}),
}


def tidy_csv(payload: dict, geography: Geography, *, standard: bool = True) -> tuple[str, str]:
    """The data CSV and its ``.meta.csv`` for one table.

    ``standard`` (the published file): in the EES form, each row in its own time and
    geography where the table's rows are years or areas (``payload["row_time"]``,
    ``payload["row_geography"]``), harmonised filter names and values, the months of a
    part-year period in each indicator's label, and every filter's default.
    ``standard=False``: the table as printed, one row per printed row with the table's own
    filter columns and values, for the disclosure audit (which reads the published tables as
    a reader of the appendix would; the standard form holds the same cells, relabelled, or
    fewer).
    """
    tidy = pd.DataFrame(payload["tidy"]["rows"], columns=payload["tidy"]["columns"])
    place = geography.columns()
    front = pd.DataFrame(
        {
            "time_period": payload["time_period"],
            "time_identifier": payload["time_identifier"],
            **place,
        },
        index=tidy.index,
    )
    indicator_names = {name for name, *_ in payload["indicators"]}
    filters = [(n, label) for n, label in payload["filters"] if n not in indicator_names]
    if standard:
        tidy, front, filters = _standard_form(payload, tidy, front, filters)
    else:
        front = front.drop(columns=["region_code", "region_name"])
    data = pd.concat([front, tidy], axis=1)
    meta_rows = []
    for name, label in filters:
        if name == "framework_status" and payload.get("split_label"):
            label = payload["split_label"]
        default = ""
        if standard:
            values = list(dict.fromkeys(data[name]))
            default = "Total" if "Total" in values else values[0]
        meta_rows.append([name, "Filter", label, "", "", "", "", "", default])
    # a part-year period: EES has no time identifier for it, and a filter of one item is
    # refused, so each indicator's label says which months of the year it covers
    months = f" ({payload['months_covered']})" if standard and payload.get("months_covered") else ""
    for name, label, unit, dp in payload["indicators"]:
        label = f"{label}{months}"
        # EES knows these units; a rank or a text column is a plain number or string there
        unit = unit if unit in EES_UNITS or (not standard and unit != "text") else ""
        meta_rows.append([name, "Indicator", label, "", unit, dp, "", "", ""])
    meta = pd.DataFrame(meta_rows, columns=list(META_COLUMNS))
    if not standard:
        meta = meta.drop(columns=["filter_default"])
    return (
        data.to_csv(index=False, lineterminator="\n"),
        meta.to_csv(index=False, lineterminator="\n"),
    )


def _standard_form(
    payload: dict, tidy: pd.DataFrame, front: pd.DataFrame, filters: list[tuple[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str]]]:
    """The EES form of one table (see :func:`tidy_csv`)."""
    by_time = payload.get("row_time")
    if by_time:
        column = by_time["column"]
        times = [by_time["times"][str(value)] for value in tidy[column]]
        front["time_period"] = [t[0] for t in times]
        front["time_identifier"] = [t[1] for t in times]
        if not by_time.get("keep"):
            tidy = tidy.drop(columns=[column])
            filters = [f for f in filters if f[0] != column]
    by_area = payload.get("row_geography")
    if by_area:
        column = by_area["column"]
        areas = by_area["areas"]
        # a row that is no area of England's geography (a partnership's total) has no place
        # in a file of areas; its figure is printed in the appendix's table
        keep = tidy[column].astype(str).isin(areas).to_numpy()
        tidy, front = tidy[keep].reset_index(drop=True), front[keep].reset_index(drop=True)
        for key, values in (
            (key, [Geography(**areas[str(v)]).columns()[key] for v in tidy[column]])
            for key in GEOGRAPHY_COLUMNS
        ):
            front[key] = values
        tidy = tidy.drop(columns=[column])
        filters = [f for f in filters if f[0] != column]
    renamed = []
    for name, label in filters:
        if name in HARMONISED_FILTERS:
            standard_name, values = HARMONISED_FILTERS[name]
            tidy[name] = tidy[name].map(lambda v, values=values: values.get(v, v))
            tidy = tidy.rename(columns={name: standard_name})
            name = standard_name
        renamed.append((name, label))
    if not any(c for c in front["region_code"]):
        front = front.drop(columns=["region_code", "region_name"])
    return tidy, front, renamed


def _sheet_name(index: int, payload: dict) -> str:
    return f"Table_{index}"


#: The one language every published workbook is written in (document properties, cells).
LANGUAGE = "en-GB"

_SOURCE_SENTENCE = re.compile(r"(?:(?<=\s)|^)(Sources?: .+?\.)(?=\s|$)")


def split_source(note: str) -> tuple[str, list[str]]:
    """A table note without its ``Source:`` sentences, and those sentences.

    >>> split_source("Day provision only. Source: Snapshot at 30 June 2025.")
    ('Day provision only.', ['Source: Snapshot at 30 June 2025.'])
    >>> split_source("No source here.")
    ('No source here.', [])
    """
    found = [match.group(1) for match in _SOURCE_SENTENCE.finditer(note)]
    return " ".join(_SOURCE_SENTENCE.sub("", note).split()), found


_SYNTHETIC = " (synthetic sample data)"


def source_line(sentences: Sequence[str]) -> str:
    """One source line for a sheet from every ``Source:`` sentence of its table, each source
    named once (``""`` if none): a sheet gives its sources once, on a line of their own.

    >>> source_line(["Source: Homes, 2021 (synthetic sample data).",
    ...              "Sources: Children, 2021; Homes, 2021 (synthetic sample data)."])
    'Sources: Homes, 2021; Children, 2021 (synthetic sample data).'
    >>> source_line([])
    ''
    """
    labels: list[str] = []
    synthetic = False
    for sentence in sentences:
        body = sentence.split(": ", 1)[-1].rstrip(".")
        if body.endswith(_SYNTHETIC):
            synthetic, body = True, body[: -len(_SYNTHETIC)]
        labels += [label for label in body.split("; ") if label and label not in labels]
    if not labels:
        return ""
    plural = "s" if len(labels) > 1 else ""
    return f"Source{plural}: {'; '.join(labels)}{_SYNTHETIC if synthetic else ''}."


def _has_symbol(payload: dict, symbol: str) -> bool:
    return any(cell == symbol for row in payload["spreadsheet"]["rows"] for cell in row)


def tables_workbook(
    payloads: Sequence[dict],
    *,
    title: str,
    about: Sequence[str],
    source_note: str,
    threshold: int,
    subject: str = "",
) -> bytes:
    """An accessible spreadsheet of every table: cover, contents, notes, one table per sheet.

    Each table sheet has its title in A1, then its note, what the sheet holds, and one source
    line (the table's own, else ``source_note``, the council's name), then the table; numbers
    are numbers, shown in the number format of the appendix's table (``£#,##0``, ``0%``,
    ``#,##0``). The document properties carry the title, ``subject``, the council
    (``source_note``) as author and organisation, and the language (en-GB).
    """
    import gptables as gpt

    sheets = {}
    widths: dict[str, dict[int, int]] = {}
    referred: set[str] = set()
    for number, payload in enumerate(payloads, start=1):
        spreadsheet = payload["spreadsheet"]
        frame = pd.DataFrame(spreadsheet["rows"], columns=spreadsheet["columns"])
        caption = payload["caption"].split(": ", 1)[-1]
        refs = []
        if payload["suppressed"] or _has_symbol(payload, SUPPRESSED):
            refs.append("$$suppressed$$")
        if _has_symbol(payload, NOT_AVAILABLE):
            refs.append("$$not_available$$")
        referred.update(refs)
        note, sentences = split_source(payload["note"] or "")
        # the note's own sources and the extract the table is from, each named once
        source = source_line([*sentences, payload["source"]]) or f"Source: {source_note}."
        instructions = "This worksheet contains one table."
        if refs:
            instructions += " The notes its title refers to are on the Notes worksheet."
        formats = spreadsheet.get("formats") or [None] * len(frame.columns)
        widths[_sheet_name(number, payload)] = _shown_widths(spreadsheet["rows"], formats)
        sheets[_sheet_name(number, payload)] = gpt.GPTable(
            table=frame,
            table_name=f"table_{number}_{payload['name']}"[:60],
            title=f"Table {number}: {caption}{''.join(refs)}",
            subtitles=[note] if note else [],
            instructions=instructions,
            source=source,
            index_columns={2: 0},
            additional_formatting=[
                {
                    "column": {
                        "columns": [index],
                        "format": {"num_format": fmt},
                        "include_names": False,
                    }
                }
                for index, fmt in enumerate(formats)
                if fmt
            ],
        )
    cover = gpt.Cover(
        title=title,
        intro=[
            "Every table of the committee data appendix, one to a worksheet: the Contents "
            "worksheet lists them, the Notes worksheet holds their notes.",
            f"Shorthand: {SUPPRESSED} = suppressed to protect confidentiality (a count of "
            f"fewer than {threshold} children, a figure derived from one, or a figure that would "
            "let one be worked out).",
            f"{NOT_AVAILABLE} = not available (the table has no figure for that cell; its notes "
            "say why).",
        ],
        about=list(about),
    )
    notes_text = {
        "suppressed": f"{SUPPRESSED}: suppressed to protect confidentiality (fewer than "
        f"{threshold} children, a figure derived from them, or a figure that would let one be "
        "worked out). Zero is shown as 0.",
        "not_available": f"{NOT_AVAILABLE}: not available (the table has no figure for that "
        "cell, such as an average over no children or a year with no published figure).",
    }
    # the notes some title refers to (both, to explain the shorthand, when none does)
    used = [ref for ref in notes_text if f"$${ref}$$" in referred] or list(notes_text)
    notes = pd.DataFrame({"Note reference": used, "Note text": [notes_text[ref] for ref in used]})
    properties = {
        "title": title,
        "subject": subject or title,
        "author": source_note,
        "company": source_note,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tables.xlsx"
        with warnings.catch_warnings():
            # gptables' own pandas deprecation notices are not ours to act on
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            _write_workbook(gpt, path, sheets, cover, notes, properties, widths)
        return normalise_xlsx(path.read_bytes())


#: gptables' font size for table cells against the 11 point of a column-width unit.
_DATA_FONT_SCALE = 12 / 11


def _shown_widths(rows: list[list[object]], formats: list[str | None]) -> dict[int, int]:
    """Each formatted column's width in pixels for its numbers as shown (``£27,911,115`` is
    wider than the ``27911115`` gptables measures)."""
    from xlsxwriter.utility import cell_autofit_width

    widths: dict[int, int] = {}
    for index, code in enumerate(formats):
        if not code:
            continue
        shown = [
            format_number(row[index], code)
            for row in rows
            if isinstance(row[index], int | float) and not isinstance(row[index], bool)
        ]
        if shown:
            widths[index] = math.ceil(max(map(cell_autofit_width, shown)) * _DATA_FONT_SCALE)
    return widths


def _write_workbook(
    gpt,
    path: Path,
    sheets: dict,
    cover,
    notes: pd.DataFrame,
    properties: dict,
    widths: dict[str, dict[int, int]],
) -> None:
    book = gpt.produce_workbook(
        filename=str(path),
        sheets=sheets,
        cover=cover,
        notes_table=notes,
        workbook_options={"constant_memory": False},
    )
    for label, columns in widths.items():
        sheet = book.get_worksheet_by_name(label)
        for index, width in columns.items():
            info = sheet.col_info.get(index)
            if info is None or (info.width or 0) < width:
                sheet.set_column_pixels(index, index, width)
    book.set_properties(properties)
    book.close()


def normalise_xlsx(data: bytes) -> bytes:
    """Rewrite an XLSX zip with fixed timestamps and metadata so renders are byte-identical,
    and name its language (en-GB) in the core properties."""
    return normalise_ooxml(data, language=LANGUAGE)


def normalise_ooxml(
    data: bytes, when: dt.datetime | None = None, *, language: str | None = None
) -> bytes:
    """Rewrite an Office Open XML zip (XLSX, DOCX) so that renders are byte-identical: its
    parts in name order, each stamped with one fixed time, and the core properties' created
    and modified dates set to it.

    ``when`` defaults to ``SOURCE_DATE_EPOCH`` (the render sets it from the report's date),
    else 2000-01-01. ``language`` (``en-GB``) is added to the core properties when given.
    """
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if when is None:
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime(2000, 1, 1)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + stamp.encode() + m.group(3),
                    content,
                )
                if language and b"<dc:language>" not in content:
                    content = content.replace(
                        b"</cp:coreProperties>",
                        f"<dc:language>{language}</dc:language></cp:coreProperties>".encode(),
                    )
            fixed = zipfile.ZipInfo(
                info.filename,
                date_time=(when.year, when.month, when.day, when.hour, when.minute, when.second),
            )
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return out.getvalue()


#: Where the charts are published one by one, for authors who paste one into a report.
CHARTS_DIR = "charts"


def chart_files(charts: Sequence[dict]) -> dict[str, bytes]:
    """Each chart (``charts.payload``) as ``charts/<name>.png`` and ``.svg``, with its words
    in ``charts/<name>.txt``: the caption, the alt text to paste into Word's Alt Text box, and
    the source line, exactly as the appendix prints them."""
    import base64
    import html
    import re

    files: dict[str, bytes] = {}
    for chart in charts:
        stem = f"{CHARTS_DIR}/{chart['name']}"
        if f"{stem}.png" in files:
            raise ValueError(f"two charts share the file name {chart['name']}")
        files[f"{stem}.png"] = base64.b64decode(chart["png"])
        # the SVG file names itself by its alt text, as the appendix's image is named
        title = f"<title>{html.escape(' '.join(chart['alt'].split()), quote=False)}</title>"
        opening = re.search(r"<svg\b[^>]*>", chart["svg"])
        at = opening.end() if opening else 0
        files[f"{stem}.svg"] = (chart["svg"][:at] + title + chart["svg"][at:]).encode("utf-8")
        source = " ".join(part for part in (chart["source"], chart.get("note")) if part)
        lines = [chart["title"], chart["subtitle"], "", f"Alt text: {chart['alt']}", ""]
        lines += [source] if source else []
        files[f"{stem}.txt"] = ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")
    return files


# --------------------------------------------------------------------------- OpenDocument copy

#: Published beside tables.xlsx: the same workbook as OpenDocument, GOV.UK's open standard.
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#: Centimetres of column width for one unit of an XLSX column width (a character's width).
_CM_PER_CHARACTER = 0.21
_SHARE_FORMAT = re.compile(r'^\[=0\](?P<plain>[^;]+);\[<(?P<below>[0-9.]+)\]"(?P<text>[^"]+)";')
_PLAIN_FORMAT = re.compile(
    r"^(?P<currency>£?)(?P<grouping>#,##0|0)(?:\.(?P<places>0+))?(?P<pct>%?)$"
)


def _plain_format(code: str) -> tuple[str, bool, int, bool]:
    """(currency symbol, thousands separator, decimal places, percentage) of a format code
    this module writes; anything else is a programming error."""
    found = _PLAIN_FORMAT.match(code)
    if not found:
        raise ValueError(f"no OpenDocument data style for the number format {code!r}")
    return (
        found["currency"],
        found["grouping"] == "#,##0",
        len(found["places"] or ""),
        bool(found["pct"]),
    )


def format_number(value: float, code: str) -> str:
    """A number as a spreadsheet shows it in one of the formats this module writes.

    >>> format_number(0.613, "0%"), format_number(54460, "£#,##0"), format_number(0.004,
    ...     '[=0]0%;[<0.005]"<1%";0%'), format_number(1234.56, "#,##0.0")
    ('61%', '£54,460', '<1%', '1,234.6')
    """
    from pipeline.present import round_half_up

    share = _SHARE_FORMAT.match(code)
    if share:
        if value != 0 and value < float(share["below"]):
            return share["text"]
        code = share["plain"]
    currency, grouping, places, pct = _plain_format(code)
    number = round_half_up(value * 100 if pct else value, places)
    sign = "-" if number < 0 else ""
    body = f"{abs(number):{',' if grouping else ''}.{places}f}"
    return f"{sign}{currency}{body}{'%' if pct else ''}"


class _OdsStyles:
    """The automatic styles of an ODS document, named in order of first use (so that the
    same workbook always gives the same names)."""

    def __init__(self, document) -> None:
        self.document = document
        self.data: dict[str, str] = {}
        self.cells: dict[tuple, str] = {}
        self.columns: dict[float, str] = {}

    def data_style(self, code: str) -> str:
        from odf import number

        if code in self.data:
            return self.data[code]
        name = f"N{len(self.data) + 1}"
        self.data[code] = name
        share = _SHARE_FORMAT.match(code)
        plain_code = share["plain"] if share else code
        currency, grouping, places, pct = _plain_format(plain_code)
        maps = []
        if share:
            zero = self.data_style(plain_code)
            below = f"{name}T"
            text_style = number.NumberStyle(name=below)
            text_style.addElement(number.Text(text=share["text"]))
            self.document.styles.addElement(text_style)
            maps = [("value()=0", zero), (f"value()<{share['below']}", below)]
        kind = number.PercentageStyle if pct else number.CurrencyStyle if currency else None
        style = (kind or number.NumberStyle)(name=name)
        if currency:
            style.addElement(number.CurrencySymbol(language="en", country="GB", text=currency))
        style.addElement(
            number.Number(
                decimalplaces=places, minintegerdigits=1, grouping="true" if grouping else "false"
            )
        )
        if pct:
            style.addElement(number.Text(text="%"))
        from odf import style as odf_style

        for condition, target in maps:
            style.addElement(odf_style.Map(condition=condition, applystylename=target))
        # common styles, as LibreOffice keeps them: odfpy leaves out an automatic style that
        # no cell names, and the "<1%" style is named only by a condition
        self.document.styles.addElement(style)
        return name

    def cell_style(
        self,
        *,
        bold: bool,
        size: float | None,
        font: str | None,
        code: str | None,
        wrap: bool,
        align: str | None,
    ) -> str:
        from odf import style

        key = (bold, size, font, code, wrap, align)
        if key in self.cells:
            return self.cells[key]
        name = f"ce{len(self.cells) + 1}"
        self.cells[key] = name
        extra = {"datastylename": self.data_style(code)} if code else {}
        cell = style.Style(name=name, family="table-cell", **extra)
        cell.addElement(
            style.TableCellProperties(wrapoption="wrap" if wrap else "no-wrap", verticalalign="top")
        )
        where = {"left": "start", "right": "end", "center": "center"}.get(align or "")
        if where:
            cell.addElement(style.ParagraphProperties(textalign=where))
        text = {"fontweight": "bold"} if bold else {}
        if size:
            text["fontsize"] = f"{size:g}pt"
        if font:
            text["fontfamily"] = font
        if text:
            cell.addElement(style.TextProperties(**text))
        self.document.automaticstyles.addElement(cell)
        return name

    def column_style(self, width: float) -> str:
        from odf import style

        width = round(width, 1)
        if width in self.columns:
            return self.columns[width]
        name = f"co{len(self.columns) + 1}"
        self.columns[width] = name
        column = style.Style(name=name, family="table-column")
        column.addElement(
            style.TableColumnProperties(columnwidth=f"{width * _CM_PER_CHARACTER:.3f}cm")
        )
        self.document.automaticstyles.addElement(column)
        return name


def tables_ods(workbook: bytes, *, title: str, subject: str, organisation: str) -> bytes:
    """The workbook (``tables_workbook``) as an OpenDocument spreadsheet, cell for cell: the
    same sheets, text, numbers in the same number formats, links, column widths, bold
    headings and tables (as database ranges with a header row); the title, subject, the
    council as creator and organisation, and the language (en-GB) in its metadata.

    Made from the XLSX so that the two can never differ in what they say. Written with
    odfpy (pandas' own ODS writer), then given fixed timestamps (``normalise_ods``).
    """
    from odf.element import Element

    # odfpy declares, on each part's root, every namespace any element of the process has
    # used so far (one dict shared by all elements): start each document from none, so that
    # the first ODS of a process and the next are the same bytes
    known = dict(Element.namespaces)
    Element.namespaces.clear()
    try:
        return _build_ods(workbook, title=title, subject=subject, organisation=organisation)
    finally:
        Element.namespaces.clear()
        Element.namespaces.update(known)


def _build_ods(workbook: bytes, *, title: str, subject: str, organisation: str) -> bytes:
    import openpyxl
    from odf import dc, meta, style, table, text
    from odf.opendocument import OpenDocumentSpreadsheet

    book = openpyxl.load_workbook(io.BytesIO(workbook))
    document = OpenDocumentSpreadsheet()
    language, country = LANGUAGE.split("-")
    for element in (
        dc.Title(text=title),
        dc.Subject(text=subject or title),
        dc.Language(text=LANGUAGE),
        dc.Creator(text=organisation),
        meta.InitialCreator(text=organisation),
        meta.UserDefined(name="Company", valuetype="string", text=organisation),
    ):
        document.meta.addElement(element)
    default = style.DefaultStyle(family="table-cell")
    default.addElement(style.TextProperties(language=language, country=country))
    document.styles.addElement(default)
    styles = _OdsStyles(document)
    # every row as tall as its wrapped text, as a spreadsheet lays out a row of no set height
    row_style = style.Style(name="ro1", family="table-row")
    row_style.addElement(style.TableRowProperties(useoptimalrowheight="true"))
    document.automaticstyles.addElement(row_style)
    ranges = table.DatabaseRanges()
    for sheet in book.worksheets:
        odf_sheet = table.Table(name=sheet.title)
        last_column = sheet.max_column
        for index in range(1, last_column + 1):
            width = column_width(sheet, index)
            odf_sheet.addElement(table.TableColumn(stylename=styles.column_style(width)))
        for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=last_column):
            odf_row = table.TableRow(stylename=row_style)
            for cell in row:
                odf_row.addElement(_ods_cell(cell, styles, table, text))
            odf_sheet.addElement(odf_row)
        document.spreadsheet.addElement(odf_sheet)
        for name, ref in sorted(sheet.tables.items()):
            first, last = ref.split(":")
            address = f"{_ods_sheet_ref(sheet.title)}.{first}:{_ods_sheet_ref(sheet.title)}.{last}"
            ranges.addElement(
                table.DatabaseRange(
                    name=name,
                    targetrangeaddress=address,
                    containsheader="true",
                    displayfilterbuttons="false",
                )
            )
    document.spreadsheet.addElement(ranges)
    out = io.BytesIO()
    document.save(out)
    return normalise_ods(out.getvalue())


def column_width(sheet, index: int) -> float:
    """The width of an openpyxl worksheet's column (1-based), in characters: openpyxl keeps
    neighbouring columns of one width as one range, under the first one's letter."""
    for dimension in sheet.column_dimensions.values():
        low, high = dimension.min or 0, dimension.max or 0
        if low <= index <= high and dimension.width:
            return float(dimension.width)
    return 8.43  # a spreadsheet's default width


def _ods_sheet_ref(name: str) -> str:
    return name if re.fullmatch(r"\w+", name) else "'" + name.replace("'", "''") + "'"


def _ods_cell(cell, styles: _OdsStyles, table, text):
    value = cell.value
    if value is None:
        return table.TableCell()
    font = cell.font
    bold = bool(font is not None and font.b)
    size = float(font.sz) if font is not None and font.sz else None
    code = cell.number_format if cell.number_format not in ("General", "@") else None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    wrap = bool(cell.alignment is not None and cell.alignment.wrap_text)
    name = styles.cell_style(
        bold=bold,
        size=size,
        font=font.name if font is not None else None,
        code=code if is_number else None,
        wrap=wrap,
        align=cell.alignment.horizontal if cell.alignment is not None else None,
    )
    if is_number:
        shown = format_number(value, code) if code else f"{value:g}"
        kind = "float"
        extra = {}
        if code and code.endswith("%"):
            kind = "percentage"
        elif code and code.startswith("£"):
            kind, extra = "currency", {"currency": "GBP"}
        odf_cell = table.TableCell(valuetype=kind, value=value, stylename=name, **extra)
        odf_cell.addElement(text.P(text=shown))
        return odf_cell
    odf_cell = table.TableCell(valuetype="string", stylename=name)
    link = cell.hyperlink
    lines = str(value).split("\n")
    for number, line in enumerate(lines):
        paragraph = text.P()
        if link is not None and number == 0:
            target = _ods_link(link)
            paragraph.addElement(text.A(href=target, type="simple", text=line))
        else:
            paragraph.addText(line)
        odf_cell.addElement(paragraph)
    return odf_cell


def _ods_link(link) -> str:
    """An XLSX hyperlink as an ODS one: a place in the workbook (``'Table_1'!A1``) as
    ``#Table_1.A1``, anything else as it is."""
    if link.location:
        sheet, _, ref = link.location.rpartition("!")
        return f"#{sheet.strip(chr(39))}.{ref}"
    return link.target or ""


def normalise_ods(data: bytes, when: dt.datetime | None = None) -> bytes:
    """Rewrite an OpenDocument zip so that renders are byte-identical: ``mimetype`` first and
    stored (as ODF requires), then the other parts in name order, each stamped with one fixed
    time (``SOURCE_DATE_EPOCH``, as ``normalise_ooxml``); dates odfpy or an editor might add
    to ``meta.xml`` are set to that time."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if when is None:
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime(2000, 1, 1)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
    stamp_tuple = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    names = sorted(source.namelist(), key=lambda n: (n != "mimetype", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            content = source.read(name)
            if name == "meta.xml":
                content = re.sub(
                    rb"(<(meta:creation-date|dc:date)>)[^<]*(</\2>)",
                    lambda m: m.group(1) + stamp.encode() + m.group(3),
                    content,
                )
            fixed = zipfile.ZipInfo(name, date_time=stamp_tuple)
            fixed.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def read_ods(data: bytes) -> dict[str, list[list[object]]]:
    """Every sheet of an OpenDocument spreadsheet as rows of cells (a whole number as int,
    as openpyxl reads one from an XLSX, other numbers as float, text with its paragraphs
    joined by newlines, None for an empty cell), trailing empty cells and rows left off.
    Reads the XML itself, so it needs nothing installed and takes any ODS."""
    import zipfile
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"not an OpenDocument spreadsheet ({exc})") from None
    root = ElementTree.fromstring(content)
    office, tab, txt = (f"{{{ns}}}" for ns in (_ODS_OFFICE, _ODS_TABLE, _ODS_TEXT))
    sheets: dict[str, list[list[object]]] = {}
    for sheet in root.iter(f"{tab}table"):
        rows: list[list[object]] = []
        for row in sheet.iter(f"{tab}table-row"):
            cells: list[object] = []
            for cell in row:
                if cell.tag not in (f"{tab}table-cell", f"{tab}covered-table-cell"):
                    continue
                kind = cell.get(f"{office}value-type")
                if kind in ("float", "percentage", "currency"):
                    number = float(cell.get(f"{office}value"))
                    value: object = int(number) if number.is_integer() else number
                elif kind is None:
                    value = None
                else:
                    value = "\n".join("".join(p.itertext()) for p in cell.iter(f"{txt}p"))
                repeat = int(cell.get(f"{tab}number-columns-repeated", "1"))
                cells += [value] * min(repeat, 1024)
            while cells and cells[-1] is None:
                cells.pop()
            repeat = int(row.get(f"{tab}number-rows-repeated", "1"))
            rows += [cells] * min(repeat, 1024)
        while rows and not rows[-1]:
            rows.pop()
        sheets[sheet.get(f"{tab}name")] = rows
    return sheets
