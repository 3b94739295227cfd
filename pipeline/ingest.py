"""Read placement exports (CSV, Unicode text, XLSX, XLS or ODS) into a frame of text, exactly as
the author sent them.

Reading never interprets a value: every cell arrives as a string (blank = ``""``) so that the
cleaner sees what the source system wrote and can quarantine what it cannot use. Excel cells
are turned into the text a person would type for them (a date cell becomes ``2024-09-01``, a
whole number ``991250`` rather than ``991250.0``).

The reader finds the header row itself (the first row where enough cells are known column
names, so title rows above a table are skipped), accepts UTF-8, UTF-8 with BOM,
Windows-1252 and UTF-16 (Excel's "Unicode Text"), and keeps each data row's number in the
source (the frame's index, named ``source_row``) so that a quarantined row can be found
again. Rows above the header and blank rows after the last value are not data; every other
row is returned, blank ones included, for the cleaner to count. What the reader found is
recorded in ``frame.attrs["ingest"]``.

Whole-file faults raise ``InputFileError`` with one message naming the file, the problem and
the fix: missing, wrong type, empty, no header row, no data rows, unreadable encoding, a sheet
that does not exist, a password-protected workbook. A text file with a NUL byte in a field is
not refused: the cell is recorded (``damaged_cells``) for the cleaner to quarantine its row. A
header written twice is recorded too (``duplicate_headers``), for the cleaner to compare.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline import vocabulary as voc
from pipeline.errors import InputFileError

ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp1252")
#: Text exports: CSV, and Excel's "Unicode Text" (UTF-16, tab-delimited, saved as .txt).
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
XLS_SUFFIXES = {".xls"}
#: OpenDocument spreadsheets (LibreOffice Calc), read by the same workbook reader.
ODS_SUFFIXES = {".ods"}
#: Delimiters tried when looking for the header row (Excel writes ";" in some locales).
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: How far down a sheet the header row may be (title rows, notes and blank rows above it).
HEADER_SCAN_ROWS = 30
#: A row is the header when at least this many of its cells are known column names.
HEADER_MIN_MATCHES = 3
#: Bytes read to find the header and delimiter of a CSV before the whole file is parsed.
SAMPLE_BYTES = 1 << 16
#: NUL bytes a text file may hold (damage in a field) before it is taken for binary data;
#: more than one in a thousand bytes is binary too.
MAX_NUL_BYTES = 8

ZIP_MAGIC = b"PK\x03\x04"
# Compound File Binary (OLE2): old .xls workbooks, and every password-protected Office file,
# since Office wraps an encrypted XLSX in a CFB container instead of a zip.
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
# UTF-8 byte sequences that a Windows-1252 file only holds if UTF-8 text was pasted into it
# ("Â£" is a UTF-8 pound sign read as Windows-1252; E2 80 starts UTF-8 quotes and dashes).
UTF8_FRAGMENTS = (b"\xc2\xa3", b"\xc2\xa0", b"\xe2\x80")
_NUMBER_OR_DATE = re.compile(r"[£$€(+-]?\s*\d[\d,.:/ -]*\)?|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}")
_LINE_END = re.compile(rb"\r\n|\n|\r")


# --- header row


def header_score(cells: Sequence[str]) -> int:
    """How many cells of a row are known column names (canonical, alias or identifier).

    >>> header_score(["Child ID", "Provision URN", "DPS Status", "Notes"])
    3
    >>> header_score(["Kent County Council: placements as at 30 June 2025"])
    0
    """
    lookup = voc.header_lookup()
    words = voc.header_words_lookup()
    known: set[str] = set()
    for cell in cells:
        key = voc.normalise_header(cell)
        if key in lookup:
            known.add(lookup[key])
        elif voc.identifier_header(cell):
            known.add(key)
        elif (found := words.get(voc.header_words(cell))) is not None:
            known.add(found)
    return len(known)


def _is_blank_row(cells: Sequence[str]) -> bool:
    return all(not str(c).strip() for c in cells)


def looks_like_data(cells: Sequence[str]) -> bool:
    """True when a row holds values rather than column names: two or more cells (or half of
    them) are numbers or dates, which a header never is.

    >>> looks_like_data(["SYN1001", "991250", "Alder School", "2024-09-01", "54460.00"])
    True
    >>> looks_like_data(["Child", "School", "Fee 2024"])
    False
    """
    filled = [str(c).strip() for c in cells if str(c).strip()]
    numeric = sum(1 for c in filled if _NUMBER_OR_DATE.fullmatch(c))
    return bool(filled) and (numeric >= 2 or 2 * numeric >= len(filled))


def find_header_row(rows: Sequence[Sequence[str]], path: Path) -> int:
    """Index of the header row among the first rows of a sheet.

    The header is the first row in which at least ``HEADER_MIN_MATCHES`` cells are known
    column names. When no row is, the first non-blank row is taken as the header (so that the
    cleaner can name the required columns that are missing and the closest headers found),
    unless it holds values, in which case the file has no header row.

    Raises
    ------
    InputFileError
        When every row is blank, or the first non-blank row is data.
    """
    filled = [i for i, row in enumerate(rows) if not _is_blank_row(row)][:HEADER_SCAN_ROWS]
    for index in filled:
        if header_score(rows[index]) >= HEADER_MIN_MATCHES:
            return index
    for index, row in enumerate(rows):
        if not _is_blank_row(row):
            if looks_like_data(row):
                shown = ", ".join(f"'{c}'" for c in row if str(c).strip())
                raise InputFileError(
                    path,
                    f"no header row was found: the first row holds values ({_short(shown)}), "
                    "not column names",
                    "add a first row of column names (for example pupil_id, school_urn, "
                    "school_name, framework_status, ...) as in the input contract",
                )
            return index
    raise InputFileError(
        path, "the file is empty (no values at all)", "export the placements again"
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _column_names(header: Sequence[str], width: int, repeats: dict | None = None) -> list[str]:
    """Header cells as unique column names; blank or repeated headers get a position suffix
    (``repeats``, when given, gets each repeated header's new name -> the header as written)."""
    names: list[str] = []
    seen: set[str] = set()
    for position in range(width):
        cell = str(header[position]).strip() if position < len(header) else ""
        name = cell or f"(blank header, column {position + 1})"
        if name in seen:
            if cell and repeats is not None:
                repeats[f"{name} (column {position + 1})"] = name
            name = f"{name} (column {position + 1})"
        seen.add(name)
        names.append(name)
    return names


# --- building the frame


def _last_filled_row(frame: pd.DataFrame) -> int:
    """Number of rows up to and including the last row with any value (0 if none).

    Scans back from the end a block at a time, so a file without trailing blanks costs one
    small block, not a pass over every column."""
    end, block = len(frame), 256
    while end > 0:
        part = frame.iloc[max(0, end - block) : end]
        filled = pd.Series(False, index=range(len(part)))
        for column in part.columns:
            filled |= part[column].fillna("").str.strip().ne("").to_numpy()
        if filled.any():
            return max(0, end - block) + int(filled.to_numpy().nonzero()[0][-1]) + 1
        end, block = max(0, end - block), block * 4
    return 0


def _damaged_cells(frame: pd.DataFrame, info: dict) -> pd.DataFrame:
    """Find the cells holding a NUL byte (damage in a text file), record each one's row and
    column in ``info["damaged_cells"]`` for the cleaner to quarantine, and replace the byte
    with U+FFFD (the replacement character) so that no file written later holds it."""
    cells = []
    for column in frame.columns:
        hit = frame[column].str.contains("\x00", regex=False).fillna(False).to_numpy(bool)
        if hit.any():
            frame[column] = frame[column].str.replace("\x00", "\ufffd", regex=False)
            cells += [{"source_row": int(r), "column": str(column)} for r in frame.index[hit]]
    if cells:
        info["damaged_cells"] = sorted(cells, key=lambda c: c["source_row"])
    return frame


def _finish_frame(
    path: Path, frame: pd.DataFrame, first_row: int, header: Sequence[str], info: dict
) -> pd.DataFrame:
    """Index rows by source row number, trim trailing blank rows and empty unnamed columns,
    refuse a file without data rows, and record what was found."""
    frame.index = pd.RangeIndex(first_row, first_row + len(frame), name="source_row")
    last = _last_filled_row(frame)
    info["trailing_blank_rows_trimmed"] = (
        info.get("trailing_blank_rows_trimmed", 0) + len(frame) - last
    )
    frame = frame.iloc[:last]
    unnamed = [
        column
        for position, column in enumerate(frame.columns)
        if (position >= len(header) or not str(header[position]).strip())
        and not frame[column].fillna("").str.strip().ne("").any()
    ]
    frame = frame.drop(columns=unnamed)
    repeats = {}
    _column_names(header, len(header), repeats)
    repeats = {k: v for k, v in repeats.items() if k in frame.columns}
    if repeats:
        info["duplicate_headers"] = repeats
    if info.pop("nul_bytes", 0):
        frame = _damaged_cells(frame, info)
    if frame.shape[1] == 0:
        raise InputFileError(
            path, "no header row was found", "put the column names in the first row"
        )
    if len(frame) == 0:
        raise InputFileError(
            path,
            f"there are no data rows below the header (row {info['header_row']})",
            "export the placements again; the export may have been filtered to nothing",
        )
    info["data_rows"] = len(frame)
    frame.attrs["ingest"] = info
    return frame


def _frame_from_rows(rows: list[Sequence[object]], header: Sequence[str]) -> pd.DataFrame:
    """The data rows below ``header`` as a frame of text, as wide as the widest row (short
    rows padded with blanks). Rows become text a column at a time: text cells pass as they
    are, and ``cell_text`` writes a workbook's number and date cells as a person would."""
    width = max([len(header), *map(len, rows)])
    if any(len(r) != width for r in rows):
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    names = _column_names(header, width)
    return pd.DataFrame(
        {
            name: pd.Series([v if type(v) is str else cell_text(v) for v in column], dtype="str")
            for name, column in zip(names, columns, strict=True)
        }
    )


# --- CSV


def _decode_all(path: Path, data: bytes) -> tuple[str, str]:
    """Decode a whole CSV: UTF-8 (with or without BOM), else Windows-1252 unless mixed."""
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if data.startswith(codecs.BOM_UTF8) or any(f in data for f in UTF8_FRAGMENTS):
        raise InputFileError(
            path,
            "the text mixes UTF-8 and Windows-1252 encodings (byte "
            f"{utf8_error.start} is not UTF-8, yet UTF-8 characters appear elsewhere)",
            "open the file in Excel and save it again as 'CSV UTF-8 (Comma delimited)'",
        )
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path,
            f"the text encoding is not UTF-8 or Windows-1252 (byte {exc.start} cannot be read)",
            "save the file as 'CSV UTF-8 (Comma delimited)' from Excel and try again",
        ) from None


def _check_text_bytes(path: Path, data: bytes, size: int) -> None:
    """Refuse, from its first block, a file that is empty, a workbook, UTF-16 or binary."""
    if size == 0 or (size <= len(data) and data.isspace()):
        raise InputFileError(path, "the file is empty", "export the placements again")
    if data.startswith(ZIP_MAGIC):
        raise InputFileError(
            path,
            "this is an Excel workbook (XLSX) with a .csv name",
            "rename it to .xlsx, or save it from Excel as 'CSV UTF-8 (Comma delimited)'",
        )
    if data.startswith(OLE_MAGIC):
        raise InputFileError(
            path,
            "this is an Excel 97-2003 or password-protected workbook with a .csv name",
            "open it in Excel, remove any password and save it as 'CSV UTF-8 (Comma delimited)'",
        )
    nul = data[:SAMPLE_BYTES].count(0)
    if nul > max(MAX_NUL_BYTES, len(data[:SAMPLE_BYTES]) // 1000):
        raise InputFileError(
            path,
            "this is not a text CSV file (it holds binary data)",
            "export the placements as .csv or .xlsx",
        )


def _utf16_codec(data: bytes) -> str | None:
    """The codec of UTF-16 text (Excel's "Unicode Text"): told by its byte-order mark, or,
    without one, by every other byte of plain text being zero."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = data[:4096]
    half = len(sample) // 2
    if half >= 4:
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if odd > 0.4 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.4 * half and odd < 0.05 * half:
            return "utf-16-be"
    return None


def _read_utf16(path: Path, codec: str) -> pd.DataFrame:
    """Read UTF-16 text (Excel's "Unicode Text": tab-delimited) by way of UTF-8."""
    try:
        text = path.read_bytes().decode(codec)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path,
            f"the UTF-16 ('Unicode text') file is damaged (byte {exc.start} cannot be read)",
            "save it from Excel again, as 'Unicode Text' or 'CSV UTF-8 (Comma delimited)'",
        ) from None
    return _read_csv_whole(path, text.encode("utf-8"), "utf-16")


def _sample_records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The first records of a CSV sample (up to ``HEADER_SCAN_ROWS`` non-blank ones) and the
    number of lines read by the end of each."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    lines: list[int] = []
    filled = 0
    try:
        for record in reader:
            records.append(record)
            lines.append(reader.line_num)
            filled += not _is_blank_row(record)
            if filled >= HEADER_SCAN_ROWS:
                break
    except csv.Error:
        pass  # a sample cut inside a quoted value: the records so far are enough
    return records, lines


def _choose_layout(path: Path, sample: str) -> tuple[str, list[str], int, int]:
    """Delimiter, header cells, header record index and lines read up to the end of the header.

    The delimiter is the one under which a row reads as the best header (most known column
    names); ties go to the comma. This decides from the header only, never from the values.
    """
    best: tuple[int, str] = (0, ",")
    for delimiter in DELIMITERS:
        records, _ = _sample_records(sample, delimiter)
        score = max((header_score(r) for r in records), default=0)
        if score > best[0]:
            best = (score, delimiter)
    delimiter = best[1] if best[0] >= HEADER_MIN_MATCHES else ","
    records, lines = _sample_records(sample, delimiter)
    header_index = find_header_row(records, path)
    return delimiter, records[header_index], header_index, lines[header_index]


def _arrow_text_options(width: int, delimiter: str, size: int, skip: int = 0) -> dict:
    """Options for Arrow's CSV reader: every field as text (``large_string``, the storage of
    pandas' ``str`` columns, so that no cast follows), blank as ``""``, blank lines kept."""
    names = [f"c{i}" for i in range(width)]
    return {
        "read_options": pacsv.ReadOptions(
            column_names=names,
            skip_rows=skip,
            # blocks of a quarter of the file (1-16 MB) keep both cores busy
            block_size=max(1 << 20, min(1 << 24, size // 4)),
        ),
        "parse_options": pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
        "convert_options": pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }


def _read_csv_arrow(body: bytes, start: int, delimiter: str, width: int) -> pa.Table | None:
    """Parse the data rows with Arrow's multi-threaded reader, or None to use the exact path.

    Arrow is used only when its rows are provably the file's rows: every line has as many
    fields as the header, the text is valid UTF-8 and no value holds a line break (rows read
    = lines). Anything else (ragged rows, quoted line breaks, old Mac line ends) goes to the
    Python reader, which numbers records exactly.
    """
    size = len(body) - start
    if size <= 0:
        return None
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body).slice(start)),  # no copy of the data rows
            **_arrow_text_options(width, delimiter, size),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    lines = body.count(b"\n", start) + (0 if body.endswith(b"\n") else 1)
    return table if table.num_rows == lines else None


def _utf8_body(path: Path, data: bytes) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without a BOM, and the encoding it was written in.

    UTF-8 is checked on the first block only (Arrow checks the rest as it parses, and a
    failure there comes back through ``_decode_all``); Windows-1252 text is re-encoded.
    """
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    else:
        body, encoding = data, "utf-8"
    try:
        body[:SAMPLE_BYTES].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < min(len(body), SAMPLE_BYTES) - 4:  # not a character cut by the block
            text, encoding = _decode_all(path, data)
            return text.encode("utf-8"), encoding
    return body, encoding


def _header_end(body: bytes, lines: int) -> int:
    """Byte offset just after the first ``lines`` lines of ``body``."""
    ends = list(itertools.islice(_LINE_END.finditer(body), lines - 1, lines))
    return ends[0].end() if ends else len(body)


def _count_lines(path: Path) -> tuple[int, bool, int]:
    """Line feeds in a file, whether it ends with one, and its NUL bytes (damage), read
    through one small buffer."""
    buffer = bytearray(1 << 20)
    count, last, nul = 0, b"", 0
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            chunk = buffer if size == len(buffer) else buffer[:size]
            count += chunk.count(b"\n")
            nul += chunk.count(0)
            last = bytes(chunk[-1:])
    return count, last == b"\n", nul


def _read_csv_file_arrow(path: Path, skip: int, delimiter: str, width: int) -> pa.Table | None:
    """Arrow reads the data rows straight from the file (the quick path for a UTF-8 export),
    or None when its rows are not provably the file's lines (then the exact path runs)."""
    try:
        table = pacsv.read_csv(
            str(path), **_arrow_text_options(width, delimiter, path.stat().st_size, skip)
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # invalid UTF-8 or ragged rows: decided on the whole text instead
    lines, ends_with_newline, nul = _count_lines(path)
    table = table if table.num_rows == lines - skip + (not ends_with_newline) else None
    return None if table is None else table.replace_schema_metadata({"nul_bytes": str(nul)})


def _frame_from_table(table: pa.Table, header: list[str]) -> pd.DataFrame:
    frame = table.to_pandas()
    frame.columns = _column_names(header, len(header))
    return frame


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read a CSV export as text, accepting UTF-8, UTF-8 with BOM and Windows-1252.

    Title rows above the header are skipped; the delimiter may be ``,``, ``;``, tab or ``|``.
    A tidy UTF-8 export is parsed by Arrow straight from the file; anything else (another
    encoding, ragged rows, line breaks inside values) is read whole and, if need be, parsed
    by Python's csv module, with the same result.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if size and (codec := _utf16_codec(head)):
        return _read_utf16(path, codec)
    _check_text_bytes(path, head, size)
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    sample_bytes = head[bom:]
    if size > SAMPLE_BYTES:  # cut the block at a line end, not inside a character
        cut = max(sample_bytes.rfind(b"\n"), sample_bytes.rfind(b"\r"))
        sample_bytes = sample_bytes[: cut + 1] if cut > 0 else sample_bytes
    try:
        sample = sample_bytes.decode("utf-8")
    except UnicodeDecodeError:
        sample = None
    if sample is not None:
        delimiter, header, header_index, header_lines = _choose_layout(path, sample)
        table = _read_csv_file_arrow(path, header_lines, delimiter, len(header))
        if table is not None:
            info = {
                "format": "csv",
                "encoding": "utf-8-sig" if bom else "utf-8",
                "delimiter": delimiter,
                "header_row": header_index + 1,
                "rows_above_header": header_index,
                "reader": "arrow",
                "nul_bytes": int(table.schema.metadata[b"nul_bytes"]),
            }
            frame = _frame_from_table(table, header)
            return _finish_frame(path, frame, header_index + 2, header, info)
    return _read_csv_whole(path)


def _read_csv_whole(
    path: Path, data: bytes | None = None, encoding_read: str | None = None
) -> pd.DataFrame:
    """The exact path: the whole file decoded (UTF-8, else Windows-1252 unless mixed), then
    parsed by Arrow if its rows are provably the file's, else by Python's csv module.
    ``data`` is the file already decoded to UTF-8 from ``encoding_read`` (UTF-16)."""
    data = path.read_bytes() if data is None else data
    body, encoding = _utf8_body(path, data)
    encoding = encoding_read or encoding
    sample = body[:SAMPLE_BYTES].decode("utf-8", errors="ignore")
    delimiter, header, header_index, header_lines = _choose_layout(path, sample)
    start = _header_end(body, header_lines)
    table = _read_csv_arrow(body, start, delimiter, len(header))
    text = None
    if table is None:
        try:
            text = body[start:].decode("utf-8")
        except UnicodeDecodeError:  # invalid UTF-8 after the first block
            whole, encoding = _decode_all(path, data)
            body = whole.encode("utf-8")
            start = _header_end(body, header_lines)
            table = _read_csv_arrow(body, start, delimiter, len(header))
            text = None if table is not None else body[start:].decode("utf-8")
    info = {
        "format": "csv",
        "encoding": encoding,
        "delimiter": delimiter,
        "header_row": header_index + 1,
        "rows_above_header": header_index,
        "reader": "arrow" if table is not None else "python",
        "nul_bytes": body.count(0),
    }
    if table is not None:
        frame = _frame_from_table(table, header)
    else:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        frame = _frame_from_rows(rows, header)
    return _finish_frame(path, frame, header_index + 2, header, info)


# --- Excel


def cell_text(value: object) -> str:
    """The text a person would type for an Excel cell value.

    >>> [cell_text(v) for v in (None, 991250.0, 54460.5, dt.datetime(2024, 9, 1), True)]
    ['', '991250', '54460.5', '2024-09-01', 'TRUE']
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _rows_to_frame(
    path: Path, rows: Iterator[Sequence[object]], info: dict, where: str
) -> pd.DataFrame:
    """Header detection and frame building for workbook rows (cell values, not yet text)."""
    head: list[list[str]] = []
    first_filled = None
    for row in rows:  # up to HEADER_SCAN_ROWS rows from the first non-blank one
        head.append([cell_text(v) for v in row])
        if first_filled is None and not _is_blank_row(head[-1]):
            first_filled = len(head) - 1
        if first_filled is not None and len(head) - first_filled >= HEADER_SCAN_ROWS:
            break
    if first_filled is None:
        raise InputFileError(
            path, f"{where} is empty", "choose the sheet that holds the placements"
        )
    header_index = find_header_row(head, path)
    header = head[header_index]
    # Blank rows stay (a blank row inside the data keeps its row number); _finish_frame
    # trims the trailing ones.
    info.update(header_row=header_index + 1, rows_above_header=header_index)
    frame = _frame_from_rows([*head[header_index + 1 :], *rows], header)
    return _finish_frame(path, frame, header_index + 2, header, info)


def _pick_sheet(
    path: Path, names: list[str], sheet: str | None, first_rows: dict[str, list[list[str]]]
) -> str:
    """The sheet to read: the one named, else the only sheet, else the only sheet whose first
    rows hold a header of known columns. Several candidates is an error, never a guess."""
    if sheet is not None:
        if sheet not in names:
            raise InputFileError(
                path,
                f"there is no sheet named '{sheet}' (sheets: {', '.join(names)})",
                "pass one of those names with --sheet (or sheet: in the report definition)",
            )
        return sheet
    if len(names) == 1:
        return names[0]
    candidates = [
        name
        for name in names
        if any(header_score(r) >= HEADER_MIN_MATCHES for r in first_rows.get(name, []))
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return names[0]
    raise InputFileError(
        path,
        f"several sheets look like placement lists ({', '.join(candidates)})",
        "name the one to use with --sheet (or sheet: in the report definition)",
    )


def _encrypted_error(path: Path) -> InputFileError:
    return InputFileError(
        path,
        "this is a password-protected or encrypted workbook, which cannot be read",
        "open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt "
        "with Password, clear it) and save it again as .xlsx",
    )


def read_xlsx_text(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read one worksheet of an XLSX export as text (see ``_read_workbook``)."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(OLE_MAGIC):
        data = path.read_bytes()
        if any(stream in data for stream in ENCRYPTED_STREAMS):
            raise _encrypted_error(path)
        try:  # an Excel 97-2003 workbook saved under an .xlsx name reads as what it is
            return read_xls_text(path, sheet)
        except InputFileError:
            raise _encrypted_error(path) from None
    if not magic.startswith(ZIP_MAGIC):
        looks_like_text = magic and all(32 <= b < 127 or b in b"\r\n\t" for b in magic)
        raise InputFileError(
            path,
            "this is not an XLSX workbook"
            + (" (it holds plain text: a CSV file with an .xlsx name?)" if looks_like_text else ""),
            "save it from Excel as .xlsx, or give a CSV file a .csv name",
        )
    return _read_workbook(path, sheet, "xlsx")


def read_ods_text(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read one sheet of an OpenDocument spreadsheet (.ods, as LibreOffice Calc saves it)."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    if not magic.startswith(ZIP_MAGIC):
        raise InputFileError(
            path,
            "this is not an OpenDocument spreadsheet",
            "save it from LibreOffice Calc as .ods (or as .csv), or give it its own suffix",
        )
    return _read_workbook(path, sheet, "ods")


def read_xls_text(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read one worksheet of an Excel 97-2003 (.xls) export as text."""
    return _read_workbook(path, sheet, "xls")


def _read_workbook(path: Path, sheet: str | None, kind: str) -> pd.DataFrame:
    """Read one worksheet of a workbook (XLSX or XLS) as text, see ``_pick_sheet`` for which.

    The cells are read by calamine (Rust; the reader behind pandas' ``engine="calamine"``),
    an order of magnitude quicker than openpyxl on a large sheet. Date cells arrive as dates,
    numbers as numbers (``cell_text`` writes them as a person would type them); an error cell
    (``#N/A``) arrives blank.
    """
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine reports a damaged book in several ways
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise _encrypted_error(path) from None
        raise InputFileError(
            path,
            f"the workbook cannot be opened ({type(exc).__name__}: {_short(str(exc), 60)}); "
            "it may be damaged",
            "open it in Excel and save it again as .xlsx",
        ) from None
    try:
        charts = {m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.ChartSheet}
        names = list(book.sheet_names)
        first_rows: dict[str, list[list[str]]] = {}
        if sheet is None and len(names) > 1:
            for name in names:
                if name not in charts:
                    rows = itertools.islice(book.get_sheet_by_name(name).iter_rows(), 30)
                    first_rows[name] = [[cell_text(v) for v in row] for row in rows]
        chosen = _pick_sheet(path, names, sheet, first_rows)
        if chosen in charts:
            raise InputFileError(
                path, f"sheet '{chosen}' is a chart, not a table", "pass another --sheet"
            )
        # Rows come from the first row of the sheet (so row numbers are the sheet's); the cells
        # are read whatever the workbook's <dimension> tag says, which exporters often get wrong.
        rows = book.get_sheet_by_name(chosen).iter_rows()
        info = {"format": kind, "sheet": chosen, "sheets": names}
        return _rows_to_frame(path, rows, info, f"sheet '{chosen}'")
    finally:
        book.close()


# --- entry points


def read_export(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a placement export as a frame of strings.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (or Excel's "Unicode Text" ``.txt``: UTF-16, tab-delimited), ``.xlsx``
        (``.xlsm``), ``.xls`` or ``.ods`` file.
    sheet : str, optional
        Worksheet name for workbooks. Without it, a workbook's only sheet, or the only sheet
        whose first rows hold a header of known columns, is read.

    Returns
    -------
    pandas.DataFrame
        One row per data row below the header (blank rows included, trailing blank rows
        trimmed), every cell a string; the header cells as columns; indexed by the row's
        number in the source (``source_row``). ``frame.attrs["ingest"]`` records the format,
        encoding, delimiter, sheet and header row found.

    Raises
    ------
    InputFileError
        When the file is missing, of the wrong type, empty, has no header row or no data rows,
        is unreadable or password-protected, or the sheet does not exist.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "x.csv").write_text("Placements\\nChild ID,URN,DPS Status\\nA1,991250,DPS\\n")
    >>> frame = read_export(folder / "x.csv")
    >>> frame.to_dict("index"), frame.attrs["ingest"]["header_row"]
    ({3: {'Child ID': 'A1', 'URN': '991250', 'DPS Status': 'DPS'}}, 2)
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(
            path, "the file does not exist", "check the path (and the report definition)"
        )
    if path.is_dir():
        raise InputFileError(path, "this is a folder, not a file", "give the export file itself")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise InputFileError(
                path, f"a sheet ('{sheet}') was named but a CSV file has no sheets", "drop --sheet"
            )
        frame = read_csv_text(path)
    elif suffix in EXCEL_SUFFIXES:
        frame = read_xlsx_text(path, sheet)
    elif suffix in XLS_SUFFIXES:
        with path.open("rb") as handle:
            magic = handle.read(8)
        if magic.startswith(ZIP_MAGIC):  # an XLSX saved under an .xls name
            frame = read_xlsx_text(path, sheet)
        else:
            frame = read_xls_text(path, sheet)
    elif suffix in ODS_SUFFIXES:
        frame = read_ods_text(path, sheet)
    else:
        raise InputFileError(
            path,
            f"'{suffix or 'no extension'}' is not a supported file type",
            "export as .csv, .xlsx or .ods (or Excel's 'Unicode Text', .txt)",
        )
    frame.attrs["ingest"] = {"file": path.name, **frame.attrs.get("ingest", {})}
    return frame


def read_spend_history(path: str | Path) -> pd.DataFrame:
    """Read the finance file of annual spend (financial_year, spend_gbp, basis, source)."""
    frame = read_export(path).reset_index(drop=True)
    expected = {"financial_year", "spend_gbp"}
    missing = expected - set(frame.columns)
    if missing:
        raise InputFileError(
            path,
            f"required columns missing: {', '.join(sorted(missing))} "
            f"(found: {', '.join(frame.columns)})",
            "use the columns financial_year, spend_gbp, basis, source",
        )
    return frame
