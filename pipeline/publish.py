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
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.present import NOT_AVAILABLE, SUPPRESSED, HtmlTable, snake_case

META_COLUMNS = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
)


@dataclass(frozen=True)
class Geography:
    """The geography every row of a report's tidy files belongs to."""

    la_name: str
    new_la_code: str
    old_la_code: str
    country_code: str = "E92000001"
    country_name: str = "England"


def time_of(as_at: dt.date | None, period_start: dt.date | None) -> tuple[str, str]:
    """EES time_period and time_identifier of an extract.

    A snapshot is its calendar month (``2025``, ``June``); a period is the financial year it
    starts in (``202425``, ``Financial year``).

    >>> time_of(dt.date(2025, 6, 30), None), time_of(None, dt.date(2024, 4, 1))
    (('2025', 'June'), ('202425', 'Financial year'))
    """
    if as_at is not None:
        return str(as_at.year), f"{as_at:%B}"
    if period_start is not None:
        start = period_start.year if period_start.month >= 4 else period_start.year - 1
        return f"{start}{(start + 1) % 100:02d}", "Financial year"
    return "", "Not applicable"


def table_payload(
    table: HtmlTable,
    *,
    row_filter: str,
    time_period: str,
    time_identifier: str,
    source: str,
) -> dict:
    """A table as plain JSON for the renderer: spreadsheet form, tidy form and metadata."""
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
        "spreadsheet": {
            "columns": list(spreadsheet.columns),
            "rows": spreadsheet.astype(object).values.tolist(),
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


def tidy_csv(payload: dict, geography: Geography) -> tuple[str, str]:
    """The data CSV and its ``.meta.csv`` for one table."""
    tidy = pd.DataFrame(payload["tidy"]["rows"], columns=payload["tidy"]["columns"])
    front = pd.DataFrame(
        {
            "time_period": payload["time_period"],
            "time_identifier": payload["time_identifier"],
            "geographic_level": "Local authority",
            "country_code": geography.country_code,
            "country_name": geography.country_name,
            "old_la_code": geography.old_la_code,
            "new_la_code": geography.new_la_code,
            "la_name": geography.la_name,
        },
        index=tidy.index,
    )
    data = pd.concat([front, tidy], axis=1)
    meta_rows = []
    indicator_names = {name for name, *_ in payload["indicators"]}
    for name, label in payload["filters"]:
        if name in indicator_names:
            continue
        if name == "framework_status" and payload.get("split_label"):
            label = payload["split_label"]
        meta_rows.append([name, "Filter", label, "", "", "", "", ""])
    for name, label, unit, dp in payload["indicators"]:
        meta_rows.append([name, "Indicator", label, "", "" if unit == "text" else unit, dp, "", ""])
    meta = pd.DataFrame(meta_rows, columns=list(META_COLUMNS))
    return (
        data.to_csv(index=False, lineterminator="\n"),
        meta.to_csv(index=False, lineterminator="\n"),
    )


def _sheet_name(index: int, payload: dict) -> str:
    return f"Table_{index}"


def tables_workbook(
    payloads: Sequence[dict],
    *,
    title: str,
    about: Sequence[str],
    source_note: str,
    threshold: int,
) -> bytes:
    """An accessible spreadsheet of every table: cover, contents, notes, one table per sheet."""
    import gptables as gpt

    sheets = {}
    for number, payload in enumerate(payloads, start=1):
        frame = pd.DataFrame(
            payload["spreadsheet"]["rows"], columns=payload["spreadsheet"]["columns"]
        )
        caption = payload["caption"].split(": ", 1)[-1]
        notes = "$$suppression$$" if payload["suppressed"] else ""
        sheets[_sheet_name(number, payload)] = gpt.GPTable(
            table=frame,
            table_name=f"table_{number}_{payload['name']}"[:60],
            title=f"Table {number}: {caption}{notes}",
            subtitles=[payload["note"]] if payload["note"] else [],
            scope="Children placed in independent and non-maintained special schools",
            source=payload["source"],
            index_columns={2: 0},
        )
    cover = gpt.Cover(
        title=title,
        intro=[
            "This workbook holds every table of the committee data appendix.",
            f"Shorthand: {SUPPRESSED} = suppressed to protect confidentiality (a count of "
            f"fewer than {threshold} children, a figure derived from one, or a figure that would "
            "let one be worked out).",
            f"{NOT_AVAILABLE} = not available (the table has no figure for that cell; its notes "
            "say why).",
        ],
        about=list(about),
    )
    notes = pd.DataFrame(
        {
            "Note reference": ["suppression"],
            "Note text": [
                f"{SUPPRESSED}: suppressed to protect confidentiality (fewer than {threshold} "
                "children, a figure derived from them, or a figure that would let one be worked "
                "out). Zero is shown as 0."
            ],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tables.xlsx"
        with warnings.catch_warnings():
            # gptables' own pandas deprecation notices are not ours to act on
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            _write_workbook(gpt, path, sheets, cover, notes)
        return normalise_xlsx(path.read_bytes())


def _write_workbook(gpt, path: Path, sheets: dict, cover, notes: pd.DataFrame) -> None:
    gpt.write_workbook(
        filename=str(path),
        sheets=sheets,
        cover=cover,
        notes_table=notes,
        contentsheet_options={"additional_elements": ["subtitles"]},
        workbook_options={"constant_memory": False},
    )


def normalise_xlsx(data: bytes) -> bytes:
    """Rewrite an XLSX zip with fixed timestamps and metadata so renders are byte-identical."""
    return normalise_ooxml(data)


def normalise_ooxml(data: bytes, when: dt.datetime | None = None) -> bytes:
    """Rewrite an Office Open XML zip (XLSX, DOCX) so that renders are byte-identical: its
    parts in name order, each stamped with one fixed time, and the core properties' created
    and modified dates set to it.

    ``when`` defaults to ``SOURCE_DATE_EPOCH`` (the render sets it from the report's date),
    else 2000-01-01.
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
