"""Where two versions of a published file differ, read as its reader would.

Renders are byte-identical, so any byte difference between a published file and a fresh
render is a finding; ``where_differs`` says where, from the file's content rather than a
byte offset: the first differing page of a PDF (or its document information, metadata or
embedded files), paragraph or table cell of a Word document, sheet and cell of a workbook,
row of a CSV, block of an HTML page, key of a JSON file, line of a text file. Any file type
it does not know is compared by its bytes alone, so a new published file is always covered.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import PurePosixPath

#: Longest excerpt of a differing text shown.
EXCERPT = 70


def where_differs(name: str, published: bytes, fresh: bytes) -> str:
    """One line saying where ``published`` first differs from ``fresh`` (None-free).

    >>> where_differs("t.csv", b"a,b\\n1,2\\n", b"a,b\\n1,3\\n")
    "row 1 (line 2): '1,2' where a fresh render has '1,3'"
    >>> where_differs("x.bin", b"a", b"b")
    'the bytes differ'
    """
    suffix = PurePosixPath(name).suffix.lower()
    reader = _READERS.get(suffix)
    if reader is not None:
        try:
            found = reader(published, fresh)
        except Exception as error:  # noqa: BLE001 - a file too damaged to read is a finding
            return f"it cannot be read as a {suffix} file ({type(error).__name__})"
        if found:
            return found
        return "the bytes differ, though its text and structure read the same"
    return "the bytes differ"


def _excerpt(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _pair(a: object, b: object) -> str:
    return f"{_excerpt(str(a))!r} where a fresh render has {_excerpt(str(b))!r}"


def _first(
    labels: Sequence[str], old: Sequence[str], new: Sequence[str], *, unit: str
) -> str | None:
    """The first position where two sequences of texts differ, named by ``labels``."""
    for index, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return f"{labels[index]}: {_pair(a, b)}"
    if len(old) != len(new):
        return f"it has {len(old)} {unit}s where a fresh render has {len(new)}"
    return None


# --------------------------------------------------------------------------- text


def _lines(published: bytes, fresh: bytes) -> str | None:
    old = published.decode("utf-8", "replace").splitlines()
    new = fresh.decode("utf-8", "replace").splitlines()
    return _first([f"line {n}" for n in range(1, len(old) + 1)], old, new, unit="line")


def _csv(published: bytes, fresh: bytes) -> str | None:
    def rows(data: bytes) -> list[str]:
        return [",".join(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig", "replace")))]

    old, new = rows(published), rows(fresh)
    labels = ["the header row"] + [f"row {n} (line {n + 1})" for n in range(1, len(old))]
    return _first(labels, old, new, unit="row") or _lines(published, fresh)


def _json(published: bytes, fresh: bytes) -> str | None:
    old, new = json.loads(published), json.loads(fresh)

    def walk(a: object, b: object, path: str) -> str | None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                where = f"{path}.{key}" if path else str(key)
                if key not in b:
                    return f"{where} is not in a fresh render"
                if key not in a:
                    return f"{where} is missing (a fresh render has it)"
                found = walk(a[key], b[key], where)
                if found:
                    return found
            return None
        if isinstance(a, list) and isinstance(b, list):
            for n, (x, y) in enumerate(zip(a, b, strict=False)):
                found = walk(x, y, f"{path}[{n}]")
                if found:
                    return found
            if len(a) != len(b):
                return f"{path} has {len(a)} items where a fresh render has {len(b)}"
            return None
        return None if a == b else f"{path or 'the document'}: {_pair(a, b)}"

    return walk(old, new, "") or _lines(published, fresh)


class _Blocks(HTMLParser):
    """An HTML page's text as blocks (paragraphs, headings, captions, table cells, list
    items), each labelled with the section heading and table it sits in."""

    BLOCKS = frozenset(
        {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "caption", "figcaption",
         "dt", "dd", "title", "text", "desc", "div", "pre"}
    )  # fmt: skip
    SKIP = frozenset({"style", "script"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.heading = ""
        self.table = 0
        self.row = 0
        self.skipping = 0
        self.in_heading = False

    def _flush(self, tag: str) -> None:
        text = " ".join("".join(self.text).split())
        self.text = []
        if not text:
            return
        if self.in_heading:
            self.heading = text
            label = f"the heading {_excerpt(text)!r}"
        elif tag in ("td", "th"):
            label = f"table {self.table}, row {self.row}"
        elif tag == "caption":
            label = f"the caption of table {self.table}"
        else:
            section = f" under {_excerpt(self.heading)!r}" if self.heading else ""
            label = f"{'a paragraph' if tag == 'p' else f'a <{tag}> block'}{section}"
        self.blocks.append((label, text))

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        if tag == "table":
            self.table += 1
            self.row = 0
        if tag == "tr":
            self.row += 1
        if tag in self.BLOCKS:
            self._flush(tag)
            self.in_heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        if tag in self.BLOCKS:
            self._flush(tag)
            self.in_heading = False

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.text.append(data)


def _html(published: bytes, fresh: bytes) -> str | None:
    def blocks(data: bytes) -> list[tuple[str, str]]:
        parser = _Blocks()
        parser.feed(data.decode("utf-8", "replace"))
        parser.close()
        return parser.blocks

    old, new = blocks(published), blocks(fresh)
    found = _first([label for label, _ in old], [t for _, t in old], [t for _, t in new],
                   unit="block of text")  # fmt: skip
    if found:
        return found
    line = _lines(published, fresh)
    return f"the markup differs, its text is the same ({line})" if line else None


# --------------------------------------------------------------------------- PDF


def _pdf(published: bytes, fresh: bytes) -> str | None:
    from pipeline import embedded
    from pipeline.gate import pdf_text

    old_pages, new_pages = pdf_text(published).split("\f"), pdf_text(fresh).split("\f")
    for number, (a, b) in enumerate(zip(old_pages, new_pages, strict=False), start=1):
        if a != b:
            old_lines, new_lines = a.splitlines(), b.splitlines()
            for x, y in zip(old_lines + [""], new_lines + [""], strict=False):
                if x != y:
                    return f"page {number}: {_pair(x, y)}"
            return f"page {number}: its text differs"
    if len(old_pages) != len(new_pages):
        return f"it has {len(old_pages) - 1} pages where a fresh render has {len(new_pages) - 1}"
    old_info, new_info = embedded.pdf_document_info(published), embedded.pdf_document_info(fresh)
    for key in sorted(set(old_info) | set(new_info)):
        if old_info.get(key) != new_info.get(key):
            return (
                f"the document information's {key}: "
                f"{_pair(old_info.get(key, '(none)'), new_info.get(key, '(none)'))}"
            )
    old_files, old_xmp = embedded.pdf_parts(published)
    new_files, new_xmp = embedded.pdf_parts(fresh)
    for name in sorted(set(old_files) | set(new_files)):
        if old_files.get(name) != new_files.get(name):
            inner = where_differs(name, old_files.get(name, b""), new_files.get(name, b""))
            return f"the embedded file {name}: {inner}"
    if old_xmp != new_xmp:
        return f"the XMP metadata: {_lines(old_xmp.encode(), new_xmp.encode())}"
    return None


# --------------------------------------------------------------------------- OOXML


def _zip_parts(published: bytes, fresh: bytes) -> str | None:
    old, new = zipfile.ZipFile(io.BytesIO(published)), zipfile.ZipFile(io.BytesIO(fresh))
    old_names, new_names = set(old.namelist()), set(new.namelist())
    if old_names != new_names:
        extra = sorted(old_names - new_names)
        missing = sorted(new_names - old_names)
        said = [f"has {', '.join(extra)}" if extra else "", f"lacks {', '.join(missing)}"
                if missing else ""]  # fmt: skip
        return "its parts differ from a fresh render's: it " + " and ".join(s for s in said if s)
    for part in sorted(old_names):
        a, b = old.read(part), new.read(part)
        if a != b:
            if part.startswith("docProps/"):
                return f"the document properties ({part}): {_lines(a, b)}"
            return f"the part {part}: {_lines(a, b) or 'its bytes differ'}"
    return None


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_blocks(data: bytes) -> list[tuple[str, str]]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    body = root.find(f"{_W}body")
    blocks: list[tuple[str, str]] = []
    paragraph = table = 0
    for element in body if body is not None else []:
        if element.tag == f"{_W}p":
            paragraph += 1
            text = "".join(t.text or "" for t in element.iter(f"{_W}t"))
            blocks.append((f"paragraph {paragraph}", text))
        elif element.tag == f"{_W}tbl":
            table += 1
            for r, row in enumerate(element.iter(f"{_W}tr"), start=1):
                for c, cell in enumerate(row.iter(f"{_W}tc"), start=1):
                    text = "".join(t.text or "" for t in cell.iter(f"{_W}t"))
                    blocks.append((f"table {table}, row {r}, cell {c}", text))
    return blocks


def _docx(published: bytes, fresh: bytes) -> str | None:
    old, new = _docx_blocks(published), _docx_blocks(fresh)
    found = _first([label for label, _ in old], [t for _, t in old], [t for _, t in new],
                   unit="paragraph or cell")  # fmt: skip
    return found or _zip_parts(published, fresh)


def _xlsx(published: bytes, fresh: bytes) -> str | None:
    import openpyxl

    def cells(data: bytes) -> tuple[list[str], dict[str, list[tuple[str, object]]]]:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = {}
            for sheet in book.worksheets:
                found = []
                for row in sheet.iter_rows():
                    for cell in row:
                        if getattr(cell, "value", None) is not None:
                            found.append((cell.coordinate, cell.value))
                sheets[sheet.title] = found
            return list(book.sheetnames), sheets
        finally:
            book.close()

    old_names, old = cells(published)
    new_names, new = cells(fresh)
    if old_names != new_names:
        return f"its sheets are {old_names} where a fresh render has {new_names}"
    for sheet in old_names:
        a, b = old[sheet], new[sheet]
        for (ref_a, value_a), (ref_b, value_b) in zip(a, b, strict=False):
            if ref_a != ref_b:
                return f"sheet {sheet!r}: cell {ref_a} is filled where a fresh render fills {ref_b}"
            if value_a != value_b:
                return f"sheet {sheet!r}, cell {ref_a}: {_pair(value_a, value_b)}"
        if len(a) != len(b):
            return f"sheet {sheet!r} has {len(a)} filled cells where a fresh render has {len(b)}"
    return _zip_parts(published, fresh)


def _ods(published: bytes, fresh: bytes) -> str | None:
    from pipeline.publish import read_ods

    old, new = read_ods(published), read_ods(fresh)
    if list(old) != list(new):
        return f"its sheets are {list(old)} where a fresh render has {list(new)}"
    for sheet, rows in old.items():
        cells_a = _ods_cells(rows)
        cells_b = _ods_cells(new[sheet])
        for (ref_a, value_a), (ref_b, value_b) in zip(cells_a, cells_b, strict=False):
            if ref_a != ref_b:
                return f"sheet {sheet!r}: cell {ref_a} is filled where a fresh render fills {ref_b}"
            if value_a != value_b:
                return f"sheet {sheet!r}, cell {ref_a}: {_pair(value_a, value_b)}"
        if len(cells_a) != len(cells_b):
            return (
                f"sheet {sheet!r} has {len(cells_a)} filled cells where a fresh render has "
                f"{len(cells_b)}"
            )
    return _zip_parts(published, fresh)


def _ods_cells(rows: list[list[object]]) -> list[tuple[str, object]]:
    from openpyxl.utils import get_column_letter

    return [
        (f"{get_column_letter(c)}{r}", value)
        for r, row in enumerate(rows, start=1)
        for c, value in enumerate(row, start=1)
        if value is not None
    ]


_READERS = {
    ".csv": _csv,
    ".json": _json,
    ".txt": _lines,
    ".md": _lines,
    ".svg": _html,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".docx": _docx,
    ".xlsx": _xlsx,
    ".ods": _ods,
}
