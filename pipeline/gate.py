"""The publication gate: checks every file about to be published and lists every problem.

A render hands the gate every file it is about to publish, as bytes keyed by the path it
will have under ``reports/<id>/``, together with the identifier values of its inputs
(``forbidden_values``). The gate reads each file the way a reader would (HTML as text and
markup, the PDF's text through ``pdftotext``, a Word document's paragraphs, table cells,
headers, footers, notes, image alt texts and document properties, every cell of XLSX and CSV
tables, the text of SVG charts inside data URIs and in files, a PNG's text chunks, the chart
words beside them) and reports every problem it finds. Nothing is fixed here: a
refused publication is fixed upstream and rendered again.

The checks, each with its ``Problem.check`` name:

``identifier``
    A value from the input's identifier columns (pupil ids, names, UPNs, postcodes,
    addresses, dates of birth) or a pseudonymised id appears in a published file.
``row-level``
    A table has a column named like an identifier, or more rows than ``max_table_rows``;
    an executed notebook is published outside ``internal/``.
``small-count``
    A count in a published CSV table is above zero and below the suppression threshold, or
    the table cannot be checked (no ``.meta.csv``, a count that is neither a number nor a
    symbol).
``code``
    Code, a traceback, a warning, a Python or pandas repr (``NaN``, ``<NA>``, ``None`` as a
    cell value, ``dtype:``, ``object at 0x``), a script.
``external-reference``
    Anything that makes the file load something from outside itself (a ``src``, ``url()``,
    ``@import``, ``<link>``, ``<iframe>``, an SVG ``href``, an XLSX external link); ordinary
    hyperlinks to public web pages are allowed.
``alt-text``
    An image without alt text, or with a placeholder such as "image" or "chart".
``table-headers``
    An HTML table without a caption, without header cells, or with a header cell that has
    no ``scope``; a Word table whose first row is not marked as its header row.
``document``
    A page without a language or title, headings that skip a level, an untagged PDF.
``reviewer-material``
    In the appendix (HTML, PDF, Word), the workbook, the chart files and their words that
    members and authors read: a file hash, a code commit, the tools that made it (papermill,
    nbconvert, manifest.json), a command, or an input file's name. These
    belong in the reviewers' QA note under ``internal/``.
``unreadable``
    A file the gate cannot check (unknown type, broken file, no ``pdftotext``); refused,
    because what cannot be checked cannot be published.

Identifier values are matched as whole words, ignoring case and the punctuation between
words (``2010-03-14`` matches ``2010 03 14``), except single alphabetic words (forenames,
surnames alone), which must match with their own capitalisation (``Smith``, ``SMITH``) so
that a surname such as ``Will`` does not match the verb. A problem never repeats an
identifier in full: it shows its first two characters (``Sm***``).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import math
import re
import shutil
import subprocess
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from pipeline import embedded
from pipeline.errors import PublicationRefused
from pipeline.vocabulary import (
    DIRECT_IDENTIFIERS,
    NOT_RECORDED,
    OUT_OF_AREA,
    PRIMARY_NEEDS,
    header_lookup,
    normalise_header,
)

__all__ = [
    "Problem",
    "PublicationRefused",
    "check_publication",
    "enforce",
    "forbidden_values",
]

IDENTIFIER = "identifier"
ROW_LEVEL = "row-level"
SMALL_COUNT = "small-count"
CODE = "code"
EXTERNAL = "external-reference"
ALT_TEXT = "alt-text"
TABLE_HEADERS = "table-headers"
DOCUMENT = "document"
UNREADABLE = "unreadable"
REVIEWER = "reviewer-material"

#: Published files live under reports/<id>/; executed notebooks only under this folder.
INTERNAL_DIR = "internal"

#: Identifier findings reported one by one per file before they are summed up.
MAX_LISTED = 20

#: Explore Education Statistics symbols: suppressed, not available, not applicable, and the
#: other symbols EES accepts in an indicator column.
EES_SYMBOLS = frozenset({"c", "x", "z", "low", "u", "k", ":"})

#: Cell values that are a pandas or Python missing-value repr, never a published figure.
_MISSING_REPRS = frozenset({"nan", "NaN", "None", "<NA>", "NaT", "null", "NULL", "-nan", "inf"})

#: Alt text that says nothing about the image.
_PLACEHOLDER_ALTS = frozenset(
    {
        "no description has been provided for this image",
        "image",
        "chart",
        "figure",
        "graph",
        "picture",
        "plot",
        "img",
        "alt",
        "alt text",
        "untitled",
        "placeholder",
        "<matplotlib.figure.figure>",
    }
)
_MIN_ALT_WORDS = 3

#: A count indicator whose name says it counts schools (or other providers, districts, homes
#: or beds) rather than children, or is a rank (EES has no unit for one): ``dps_schools``,
#: ``all_schools``, ``homes``, ``beds``, ``rank``. It is exempt from the small-count rule
#: unless its name also mentions children or placements.
_NON_CHILD_COUNT = re.compile(
    r"(?:^|_)(?:schools?|providers?|establishments?|districts?|homes?|beds?|rank)$"
)
_CHILD_WORDS = re.compile(r"placement|pupil|child|learner|student|people|person|ehc", re.I)

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One reason a file may not be published."""

    file: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: [{self.check}] {self.detail}"


# --------------------------------------------------------------------------- entry points


def check_publication(
    files: Mapping[str, bytes],
    *,
    forbidden: Iterable[str] = (),
    threshold: int = 5,
    max_table_rows: int | None = None,
    reviewer_terms: Iterable[str] = (),
) -> list[Problem]:
    """Every problem in the files about to be published (empty: fit to publish).

    Parameters
    ----------
    files : mapping of str to bytes
        Published path relative to ``reports/<id>/`` -> content: ``appendix.html``,
        ``appendix.pdf``, ``figures.json``, ``tables.xlsx``, ``tables/<name>.csv`` with
        ``tables/<name>.meta.csv`` (Explore Education Statistics format), and optionally
        the executed notebooks as ``internal/<name>.ipynb`` (checked for identifiers and
        row-level output only; a notebook anywhere else is refused).
    forbidden : iterable of str
        Values that must appear nowhere (see ``forbidden_values``).
    threshold : int
        Counts of children above zero and below this must be suppressed.
    max_table_rows : int, optional
        A published table with more rows than this is refused as a row-level dump.
    reviewer_terms : iterable of str
        Names only reviewers need (the input files'): like hashes, commits and commands, they
        must not appear in the appendix or workbook members read (``reviewer-material``).

    Returns
    -------
    list of Problem
        In file order, then check order.
    """
    matcher = _Matcher(forbidden)
    checker = _Checker(
        matcher, threshold=threshold, max_rows=max_table_rows, reviewer_terms=reviewer_terms
    )
    files = {str(name): _as_bytes(data) for name, data in files.items()}
    problems: list[Problem] = []
    for name in sorted(files, key=_file_order):
        problems += checker.check_file(name, files[name], files)
    # a detail quoting the page (a caption, an alt text, a URL) must not repeat an identifier
    return [_redacted(problem, matcher) for problem in problems]


def _redacted(problem: Problem, matcher: _Matcher) -> Problem:
    detail = problem.detail
    for value in matcher.find(detail):
        words = r"[\W_]+".join(re.escape(token) for token in _TOKEN.findall(value))
        pattern = re.compile(rf"(?<![^\W_]){words}(?![^\W_])", re.IGNORECASE)
        detail = pattern.sub(_mask(value), detail)
    return problem if detail == problem.detail else Problem(problem.file, problem.check, detail)


def enforce(files: Mapping[str, bytes], **kwargs: object) -> None:
    """Raise ``PublicationRefused`` listing every problem, if ``check_publication`` finds any."""
    problems = check_publication(files, **kwargs)  # type: ignore[arg-type]
    if problems:
        raise PublicationRefused(problems)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _file_order(name: str) -> tuple[int, str]:
    order = (
        "appendix.html",
        "appendix.pdf",
        "appendix.docx",
        "figures.json",
        "tables.xlsx",
        "tables.ods",
    )
    return (order.index(name) if name in order else len(order), name)


# --------------------------------------------------------------------------- identifier values

#: What an identifier column holds, from words in its normalised header; the first match wins.
_IDENTIFIER_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("surname", r"surname|last_?name|family_name"),
        ("forename", r"forename|first_?names?|given_name|middle_names?|preferred_name|known_as"),
        ("postcode", r"post_?code"),
        ("address", r"address|street|town"),
        ("full_name", r"name$"),
    )
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Words too common in the appendix itself to be searched for on their own.
_COMMON_WORDS = frozenset(
    {
        "county", "council", "school", "schools", "college", "academy", "house",
        "total", "other", "unknown", "none", "null", "not", "known", "recorded", "withheld",
        "redacted", "refused", "true", "false", "male", "female", "year", "day", "days",
    }
)  # fmt: skip
_DATE_FORMATS = (
    "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d %B %Y", "%d %b %Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
)  # fmt: skip
_TOKEN = re.compile(r"[^\W_]+")


def _identifier_kind(header: object, lookup: Mapping[str, str]) -> str | None:
    """What a column holds, if it identifies a child: "forename", "dob", "pupil_id", ...."""
    name = normalise_header(header)
    canonical = lookup.get(name)
    if canonical == "pupil_id":
        return "pupil_id"
    if canonical == "date_of_birth":
        return "dob"
    if name not in DIRECT_IDENTIFIERS:
        return None
    for kind, pattern in _IDENTIFIER_KINDS:
        if pattern.search(name):
            return kind
    return "id"  # upn, uln, nhs_number, email, phone: searched as written


def _is_identifier_header(header: object) -> bool:
    return _identifier_kind(header, _LOOKUP) is not None or normalise_header(header) in (
        "source_row",
        "row_number",
    )


_LOOKUP = header_lookup()


def _cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if value is pd.NaT:
        return None
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell_text(value)
    if text is None:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _date_forms(day: dt.date) -> list[str]:
    month = _MONTHS[day.month - 1]
    return [
        day.isoformat(),
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} {month} {day.year}",
        f"{day.day:02d} {month} {day.year}",
        f"{day.day} {month[:3]} {day.year}",
    ]


def _public_words(frames: list[pd.DataFrame], labels: Iterable[str] = ()) -> set[str]:
    """Lower-case words that appear in the appendix legitimately, so never alone identify."""
    words = {w.lower() for w in _MONTHS + _WEEKDAYS} | {m[:3].lower() for m in _MONTHS}
    words |= _COMMON_WORDS
    for label in (*labels, *PRIMARY_NEEDS, *PRIMARY_NEEDS.values(), NOT_RECORDED, OUT_OF_AREA):
        words |= {w.lower() for w in _TOKEN.findall(label)}
    # Words in the export's own public columns (school names, districts, local authorities)
    # are published by design; free-text columns the cleaner does not know are not trusted.
    for frame in frames:
        for index, column in enumerate(frame.columns):
            name = normalise_header(column)
            if name not in _LOOKUP or _identifier_kind(column, _LOOKUP) is not None:
                continue
            for value in frame.iloc[:, index].dropna().astype(str).unique():
                words |= {w.lower() for w in _TOKEN.findall(value) if not w.isdigit()}
    return words


def _worth_searching(value: str, public: set[str]) -> bool:
    """Drop values too short or too generic to search for."""
    value = value.strip()
    compact = re.sub(r"\s+", "", value)
    if len(compact) < 4:
        return False
    if compact.isdigit() and len(compact) < 6:
        return False
    tokens = _TOKEN.findall(value)
    if not tokens:
        return False
    if not any(ch.isdigit() for ch in value) and all(t.lower() in public for t in tokens):
        return False
    return True


def forbidden_values(
    raw_exports: Iterable[pd.DataFrame],
    pseudonyms: Iterable[str] = (),
    public_labels: Iterable[str] = (),
) -> set[str]:
    """The identifier values of the raw exports: none of them may appear in a published file.

    Parameters
    ----------
    raw_exports : iterable of pandas.DataFrame
        The exports as read, with their original headers (every cell text is best). Columns
        are recognised through ``vocabulary.DIRECT_IDENTIFIERS`` and the header aliases of
        ``pupil_id`` and ``date_of_birth``.
    pseudonyms : iterable of str
        The pseudonymised pupil ids of the clean data.
    public_labels : iterable of str
        Names the appendix prints by design (the council's, its districts', ``Outside Kent``):
        their words are never searched for alone.

    Returns
    -------
    set of str
        Pupil ids; forename + surname in both orders, and each alone (4 characters or more,
        not a word the appendix uses anyway: a month, a district, a word from the export's
        school or district columns); full names and their parts; UPNs and other numbers;
        postcodes with and without the space; addresses and their comma-separated parts;
        dates of birth as written and as ``2010-03-14``, ``14/03/2010``, ``14 March 2010``
        (and close variants); the pseudonyms. Values shorter than 4 characters and pure
        numbers shorter than 6 digits are left out.

    Examples
    --------
    >>> frame = pd.DataFrame({"Forename": ["Jane"], "Surname": ["Smith"], "UPN": ["A123"],
    ...                       "DOB": ["14/03/2010"], "District": ["Dover"]})
    >>> sorted(forbidden_values([frame], ["9f2c5e0a1b3d4c6e"]))[:6]
    ['14 Mar 2010', '14 March 2010', '14/03/2010', '14/3/2010', '2010-03-14', '9f2c5e0a1b3d4c6e']
    >>> sorted({"Jane Smith", "Smith Jane", "Smith", "Jane", "A123", "Dover"}
    ...        & forbidden_values([frame]))
    ['A123', 'Jane', 'Jane Smith', 'Smith', 'Smith Jane']
    """
    frames = [frame for frame in raw_exports]
    public = _public_words(frames, public_labels)
    values: set[str] = set()
    for frame in frames:
        # by position: an export may repeat a header
        kinds = [_identifier_kind(column, _LOOKUP) for column in frame.columns]
        columns = [frame.iloc[:, index].tolist() for index in range(len(kinds))]
        forenames = [columns[i] for i, kind in enumerate(kinds) if kind == "forename"]
        surnames = [columns[i] for i, kind in enumerate(kinds) if kind == "surname"]
        for kind, cells in zip(kinds, columns, strict=True):
            if kind is None:
                continue
            for raw in cells:
                text = _cell_text(raw)
                if text is None:
                    continue
                values.add(text)
                if kind == "dob":
                    day = _parse_date(raw)
                    if day is not None:
                        values.update(_date_forms(day))
                elif kind == "postcode":
                    values.add(re.sub(r"\s+", "", text).upper())
                    values.add(re.sub(r"\s+", " ", text).upper())
                elif kind in ("address", "full_name"):
                    values.update(part.strip() for part in re.split(r"[,;\n]", text))
                    if kind == "full_name":
                        values.update(text.split())
                elif kind == "id":
                    values.add(re.sub(r"\s+", "", text))
        for first in forenames:
            for last in surnames:
                for fore, sur in zip(first, last, strict=True):
                    fore, sur = _cell_text(fore), _cell_text(sur)
                    if fore and sur and len(fore) > 1 and len(sur) > 1:
                        values.add(f"{fore} {sur}")
                        values.add(f"{sur} {fore}")
    values.update(str(p).strip() for p in pseudonyms if _cell_text(p) is not None)
    return {v for v in values if _worth_searching(v, public)}


def _mask(value: str) -> str:
    """``Smith`` -> ``Sm***``: enough to find the value in the input, not to read it here."""
    return value.strip()[:2] + "***"


def _kind_of_value(value: str) -> str:
    """What a forbidden value looks like, to say in a problem without showing it.

    >>> _kind_of_value("14 March 2010"), _kind_of_value("Jane Smith"), _kind_of_value("A12345")
    ('a date', 'a name or address', 'an id or number')
    """
    if _parse_date(value) is not None:
        return "a date"
    if all(token.isalpha() for token in _TOKEN.findall(value)):
        return "a name or address"
    return "an id or number"


class _Matcher:
    """Finds forbidden values in text as whole words (see the module docstring)."""

    def __init__(self, values: Iterable[str]) -> None:
        self.names: dict[str, tuple[frozenset[str], str]] = {}
        self.phrases: dict[int, dict[tuple[str, ...], str]] = {}
        for value in values:
            value = str(value)
            tokens = _TOKEN.findall(value)
            if not tokens:
                continue
            if len(tokens) == 1 and tokens[0].isalpha():
                word = tokens[0]
                spellings = frozenset({word, word.title(), word.upper()})
                self.names[word.lower()] = (spellings, value)
            else:
                key = tuple(t.lower() for t in tokens)
                self.phrases.setdefault(len(key), {})[key] = value

    def __bool__(self) -> bool:
        return bool(self.names or self.phrases)

    def find(self, text: str, *, words_only: bool = False) -> Counter[str]:
        """How often each forbidden value occurs in ``text``.

        With ``words_only``, only values made of letters are looked for: used on the cells
        of a table row joined together, where a name split over two cells must be found but
        a date must not be made up from three neighbouring numbers.
        """
        found: Counter[str] = Counter()
        if not self or not text:
            return found
        tokens = _TOKEN.findall(text)
        lowered = [t.lower() for t in tokens]
        matches: list[tuple[int, int, str]] = []  # (start, length, value)
        for i, token in enumerate(tokens):
            name = self.names.get(lowered[i])
            if name is not None and token in name[0]:
                matches.append((i, 1, name[1]))
            for length, table in self.phrases.items():
                key = tuple(lowered[i : i + length])
                if len(key) == length and key in table:
                    if words_only and not all(part.isalpha() for part in key):
                        continue
                    matches.append((i, length, table[key]))
        # "Jane Smith" is one finding, not three: drop matches inside a longer one
        covered: set[int] = set()
        for start, length, value in sorted(matches, key=lambda m: (-m[1], m[0])):
            span = set(range(start, start + length))
            if span <= covered:
                continue
            covered |= span
            found[value] += 1
        return found


# --------------------------------------------------------------------------- code patterns

_CODE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(pattern))
    for what, pattern in (
        ("a Python traceback", r"Traceback \(most recent call last\)"),
        ("a traceback frame", r'File "[^"\n]+", line \d+'),
        ("an error message", r"(?m)^[ \t]*(?:[A-Za-z_][\w.]*)?Error:"),
        ("a warning", r"\b(?:[A-Z]\w*Warning\b|Warning:)"),
        ("a <module> frame", r"<module>"),
        ("an object repr", r"\bobject at 0x[0-9A-Fa-f]+"),
        ("a bound-method or class repr", r"<(?:bound method|class '|function \w)"),
        ("a pandas dtype", r"\bdtype(?::|=)\s*\w+"),
        ("a notebook prompt", r"\b(?:In|Out)\s?\[\s*\d*\s*\]"),
        ("Python code", r"(?m)\bimport (?:pandas|numpy|matplotlib|pipeline)\b"
                        r"|^\s*from [\w.]+ import "),
        ("a function definition", r"\bdef [A-Za-z_]\w*\s*\("),
        ("a Python repr", r"\b[A-Z]\w*\((?:[a-z_]\w*=)"),
        ("a missing-value repr", r"<NA>|\bNaN\b|\bNaT\b|\bnan\b"),
        ("a source-file location", r"\.py(?::\d+|\", line)"),
        ("terminal escape codes", r"\x1b\["),
    )
)  # fmt: skip

#: What reviewers need and members must not be given (it belongs in the QA note).
_REVIEWER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(pattern, re.IGNORECASE))
    for what, pattern in (
        ("a file hash", r"\bSHA-?(?:256|1)\b|\b[0-9a-f]{40,64}\b"),
        ("a code commit", r"\bcommit [0-9a-f]{7,40}\b|\buncommitted changes\b"),
        ("the tools that made it", r"\bpapermill\b|\bnbconvert\b|\bmanifest\.json\b"),
        ("a command", r"\bpython -m \w+|\bmake (?:report|reports|test|verify)\b"),
        ("a fan-out term", r"\bfan-out member\b"),
    )
)


# --------------------------------------------------------------------------- the checker


class _Unreadable(Exception):
    """A file the gate cannot read; becomes an ``unreadable`` problem."""


Segment = tuple[str, str]  # (where, text)


class _Checker:
    def __init__(
        self,
        matcher: _Matcher,
        *,
        threshold: int,
        max_rows: int | None,
        reviewer_terms: Iterable[str] = (),
    ) -> None:
        self.matcher = matcher
        self.threshold = threshold
        self.max_rows = max_rows
        terms = sorted({t for t in reviewer_terms if t})
        self.reviewer_patterns = list(_REVIEWER_PATTERNS)
        if terms:
            names = "|".join(re.escape(t) for t in terms)
            self.reviewer_patterns.append(
                ("the name of an input file", re.compile(rf"(?<![\w.]){names}(?![\w])"))
            )

    # ---- dispatch

    def check_file(self, name: str, data: bytes, files: Mapping[str, bytes]) -> list[Problem]:
        path = PurePosixPath(name)
        suffix = path.suffix.lower()
        internal = path.parts[:1] == (INTERNAL_DIR,)
        try:
            if suffix == ".ipynb":
                if not internal:
                    return [
                        Problem(
                            name,
                            ROW_LEVEL,
                            "an executed notebook is an internal record: keep it under "
                            f"{INTERNAL_DIR}/, never among the published files",
                        )
                    ]
                return self.check_notebook(name, data)
            if internal:
                return self.check_text_file(name, data, code=False)
            if suffix in (".html", ".htm"):
                return self.check_html(name, data)
            if suffix == ".pdf":
                return self.check_pdf(name, data)
            if suffix == ".xlsx":
                return self.check_xlsx(name, data)
            if suffix == ".ods":
                return self.check_ods(name, data)
            if suffix == ".csv":
                return self.check_csv(name, data, files)
            if suffix == ".json":
                return self.check_json(name, data)
            if suffix == ".docx":
                return self.check_docx(name, data)
            if suffix == ".svg":
                return self.check_svg_file(name, data)
            if suffix == ".png":
                return self.check_png(name, data)
            if suffix in (".txt", ".md"):
                return self.check_text_file(name, data, code=True, reviewer=True)
        except _Unreadable as exc:
            return [Problem(name, UNREADABLE, str(exc))]
        return [
            Problem(
                name,
                UNREADABLE,
                f"the gate cannot check {suffix or 'extensionless'} files for identifiers, "
                "so it cannot be published (publish HTML, PDF, DOCX, XLSX, ODS, CSV, JSON, SVG, "
                "PNG or text)",
            )
        ]

    # ---- shared searches

    def identifiers(
        self, name: str, segments: Iterable[Segment], *, rows: Iterable[Segment] = ()
    ) -> list[Problem]:
        """Forbidden values in ``segments``, and names split over the cells of ``rows``."""
        if not self.matcher:
            return []
        counts: Counter[str] = Counter()
        first: dict[str, str] = {}
        searches = [(where, text, False) for where, text in segments]
        searches += [(where, text, True) for where, text in rows]
        for where, text, words_only in searches:
            found = self.matcher.find(text, words_only=words_only)
            if words_only:  # a name already found inside one cell is not counted twice
                found = Counter({v: n for v, n in found.items() if v not in first})
            for value, count in found.items():
                counts[value] += count
                first.setdefault(value, self.safe(where))
        problems = [
            Problem(
                name,
                IDENTIFIER,
                f"identifier value {_mask(value)} ({_kind_of_value(value)}) appears "
                f"{count} time{'s' if count > 1 else ''}"
                f", first in {first[value]}",
            )
            for value, count in ((value, counts[value]) for value in first)
        ]
        if len(problems) > MAX_LISTED:
            rest = len(problems) - MAX_LISTED
            problems = problems[:MAX_LISTED] + [
                Problem(name, IDENTIFIER, f"... and {rest} more identifier values")
            ]
        return problems

    def safe(self, text: str, instead: str = "a place whose name holds an identifier") -> str:
        """``text`` for a problem's detail, unless it holds an identifier (a heading might)."""
        return instead if self.matcher.find(text) else text

    def code(self, name: str, segments: Iterable[Segment]) -> list[Problem]:
        return self.patterns(name, segments, _CODE_PATTERNS, CODE)

    def reviewer(self, name: str, segments: Iterable[Segment]) -> list[Problem]:
        """What belongs in the reviewers' QA note: hashes, commits, tools, commands, and the
        names of the input files."""
        return self.patterns(name, segments, self.reviewer_patterns, REVIEWER)

    def patterns(
        self,
        name: str,
        segments: Iterable[Segment],
        patterns: Iterable[tuple[str, re.Pattern[str]]],
        check: str,
    ) -> list[Problem]:
        """Each of ``patterns`` found in ``segments``: how often, and where first."""
        patterns = list(patterns)
        found: dict[str, tuple[int, str, str]] = {}
        for where, text in segments:
            for what, pattern in patterns:
                matches = pattern.findall(text)
                if not matches:
                    continue
                count, first_where, excerpt = found.get(what, (0, where, ""))
                if not excerpt:
                    match = pattern.search(text)
                    excerpt = match.group(0).strip()[:40] if match else ""
                    excerpt = self.safe(excerpt, "an excerpt holding an identifier")
                found[what] = (count + len(matches), self.safe(first_where), excerpt)
        return [
            Problem(
                name,
                check,
                f"{what} ({excerpt!r}) appears {count} time{'s' if count > 1 else ''}, "
                f"first in {where}",
            )
            for what, (count, where, excerpt) in found.items()
        ]

    def cells(self, name: str, cells: Iterable[tuple[str, str]]) -> list[Problem]:
        """Cell values that are a missing-value repr (``nan``, ``None``, ``<NA>``...)."""
        found: Counter[str] = Counter()
        first: dict[str, str] = {}
        for where, value in cells:
            if value.strip() in _MISSING_REPRS:
                found[value.strip()] += 1
                first.setdefault(value.strip(), where)
        return [
            Problem(
                name,
                CODE,
                f"a table cell shows the Python/pandas missing value {value!r} "
                f"({count} cell{'s' if count > 1 else ''}, first {first[value]}); "
                "show a symbol (x, z, [c]) or a blank instead",
            )
            for value, count in found.items()
        ]

    def table_columns(self, name: str, where: str, headers: Iterable[object]) -> list[Problem]:
        bad = [str(h) for h in headers if _cell_text(h) and _is_identifier_header(h)]
        if not bad:
            return []
        return [
            Problem(
                name,
                ROW_LEVEL,
                f"{where} has a column named like an identifier ({', '.join(sorted(set(bad)))}): "
                "a published table never carries identifiers or one row per child",
            )
        ]

    def table_rows(self, name: str, where: str, rows: int) -> list[Problem]:
        if self.max_rows is None or rows <= self.max_rows:
            return []
        return [
            Problem(
                name,
                ROW_LEVEL,
                f"{where} has {rows} rows, more than the {self.max_rows} a summary table may "
                "have: it looks like row-level data",
            )
        ]

    # ---- HTML and SVG

    def check_html(self, name: str, data: bytes) -> list[Problem]:
        text = _decode(data, name)
        soup = BeautifulSoup(text, "html.parser")
        problems: list[Problem] = []
        problems += self.html_document(name, soup)
        problems += self.html_markup(name, soup, depth=0)
        problems += self.html_tables(name, soup)
        problems += self.html_images(name, soup)
        segments = list(_html_segments(soup))
        visible = [(w, t) for w, t, shown in segments if shown]
        problems += self.code(name, visible)
        # "view source" shows comments and the stylesheet to any member too
        source_only = [(w, t) for w, t, _ in segments if w in ("an HTML comment", STYLESHEET)]
        problems += self.reviewer(name, visible + source_only)
        problems += self.cells(name, _html_cells(soup))
        problems += self.identifiers(name, [(w, t) for w, t, _ in segments])
        problems += self.embedded_svgs(name, soup)
        return problems

    def html_document(self, name: str, soup: BeautifulSoup) -> list[Problem]:
        problems = []
        root = soup.find("html")
        if not isinstance(root, Tag) or not str(root.get("lang") or "").strip():
            problems.append(
                Problem(name, DOCUMENT, "the page does not set its language (<html lang>)")
            )
        title = soup.find("title")
        if title is None or not title.get_text(strip=True):
            problems.append(Problem(name, DOCUMENT, "the page has no <title>"))
        levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$")) if not _in_svg(h)]
        previous = 0
        for level in levels:
            if level > previous + 1:
                problems.append(
                    Problem(
                        name,
                        DOCUMENT,
                        f"headings skip a level (h{previous or '-'} followed by h{level})",
                    )
                )
                break
            previous = level
        return problems

    def html_markup(self, name: str, soup: BeautifulSoup | Tag, *, depth: int) -> list[Problem]:
        """Scripts, and anything that loads from outside the file."""
        problems: list[Problem] = []
        context = "an SVG chart: " if depth else ""
        for tag in soup.find_all(True):
            tag_name = tag.name.lower()
            if tag_name in ("script", "noscript") or tag_name.endswith(":script"):
                problems.append(Problem(name, CODE, f"{context}a <{tag_name}> element"))
                continue
            if tag_name in ("iframe", "frame", "object", "embed", "applet", "base", "link",
                            "portal"):  # fmt: skip
                problems.append(
                    Problem(
                        name,
                        EXTERNAL,
                        f"{context}a <{tag_name}> element (it embeds or loads another "
                        "resource; the file must stand alone)",
                    )
                )
            if tag_name == "meta" and str(tag.get("http-equiv", "")).lower() == "refresh":
                problems.append(Problem(name, EXTERNAL, f"{context}a <meta http-equiv=refresh>"))
            for attr, raw in tag.attrs.items():
                attr = attr.lower()
                value = " ".join(raw) if isinstance(raw, list) else str(raw)
                if attr.startswith("on"):
                    problems.append(Problem(name, CODE, f"{context}<{tag_name} {attr}=...> script"))
                    continue
                if attr in ("href", "xlink:href") and tag_name == "a":
                    problem = _link_problem(value)
                    if problem:
                        check, detail = problem
                        problems.append(Problem(name, check, f"{context}<a href>: {detail}"))
                    continue
                if attr in _RESOURCE_ATTRS:
                    urls = _srcset_urls(value) if attr in ("srcset", "imagesrcset") else [value]
                    for url in urls:
                        if _loads_from_outside(url):
                            problems.append(
                                Problem(
                                    name,
                                    EXTERNAL,
                                    f"{context}<{tag_name} {attr}={_short(url)!r}> loads a "
                                    "resource from outside the file (embed it as a data: URI)",
                                )
                            )
                if "url(" in value.lower() or attr == "style":
                    problems += [
                        Problem(name, EXTERNAL, f"{context}<{tag_name} {attr}>: {detail}")
                        for detail in _css_problems(value)
                    ]
            if tag_name == "style":
                problems += [
                    Problem(name, EXTERNAL, f"{context}<style>: {detail}")
                    for detail in _css_problems(tag.get_text())
                ]
        return problems

    def html_tables(self, name: str, soup: BeautifulSoup) -> list[Problem]:
        problems: list[Problem] = []
        for number, table in enumerate(soup.find_all("table"), start=1):
            caption = table.find("caption")
            label = f"table {number}"
            if caption is not None and caption.get_text(strip=True):
                label += f" ({_short(caption.get_text(' ', strip=True), 50)!r})"
            else:
                problems.append(Problem(name, TABLE_HEADERS, f"{label} has no <caption>"))
            headers = table.find_all("th")
            if not headers:
                problems.append(Problem(name, TABLE_HEADERS, f"{label} has no header cells (<th>)"))
            missing = [th for th in headers if str(th.get("scope", "")).lower() not in _SCOPES]
            if missing:
                problems.append(
                    Problem(
                        name,
                        TABLE_HEADERS,
                        f"{label}: {len(missing)} header cell(s) without scope=col or scope=row",
                    )
                )
            column_headers = [
                th.get_text(" ", strip=True)
                for th in headers
                if th.find_parent("thead") is not None or th.get("scope") == "col"
            ]
            problems += self.table_columns(name, label, column_headers)
            body_rows = [
                tr
                for tr in table.find_all("tr")
                if tr.find_parent("thead") is None and tr.find_parent("tfoot") is None
            ]
            problems += self.table_rows(name, label, len(body_rows))
        return problems

    def html_images(self, name: str, soup: BeautifulSoup) -> list[Problem]:
        problems: list[Problem] = []
        for number, img in enumerate(soup.find_all("img"), start=1):
            problem = _alt_problem(img.get("alt"))
            if problem:
                problems.append(Problem(name, ALT_TEXT, f"image {number}: {problem}"))
        for number, svg in enumerate(soup.find_all("svg"), start=1):
            if _in_svg(svg.parent) or str(svg.get("aria-hidden", "")).lower() == "true":
                continue
            label = svg.get("aria-label") or ""
            if not label and svg.get("aria-labelledby"):
                ids = str(svg.get("aria-labelledby")).split()
                label = " ".join(
                    target.get_text(" ", strip=True)
                    for target in (soup.find(id=i) for i in ids)
                    if target is not None
                )
            if not label:
                title = svg.find("title", recursive=False)
                label = title.get_text(" ", strip=True) if title is not None else ""
            problem = _alt_problem(label or None)
            if problem:
                problems.append(
                    Problem(name, ALT_TEXT, f"inline SVG {number}: {problem} (give it aria-label)")
                )
        return problems

    def embedded_svgs(self, name: str, soup: BeautifulSoup | Tag, depth: int = 0) -> list[Problem]:
        """Decode every SVG data URI and check it as a file of its own."""
        problems: list[Problem] = []
        number = 0
        for tag in soup.find_all(True):
            for attr in ("src", "href", "xlink:href", "data"):
                value = tag.get(attr)
                if not isinstance(value, str) or not value.strip().lower().startswith(
                    "data:image/svg+xml"
                ):
                    continue
                number += 1
                where = f"SVG image {number} (<{tag.name} {attr}=data:...>)"
                try:
                    svg = _decode_data_uri(value)
                except ValueError as exc:
                    problems.append(Problem(name, UNREADABLE, f"{where}: {exc}"))
                    continue
                problems += self.svg(name, svg, where, depth=depth + 1)
        return problems

    def svg(self, name: str, svg: str, where: str, *, depth: int) -> list[Problem]:
        if depth > 3:
            return [Problem(name, UNREADABLE, f"{where}: SVG images nested too deeply to check")]
        problems = []
        if re.search(r"<\?xml-stylesheet", svg, re.I):
            problems.append(Problem(name, EXTERNAL, f"{where}: an xml-stylesheet instruction"))
        soup = BeautifulSoup(_without_prolog(svg), "html.parser")
        problems += [
            Problem(p.file, p.check, f"{where}: {p.detail.removeprefix('an SVG chart: ')}")
            for p in self.html_markup(name, soup, depth=depth)
        ]
        text = _svg_text(svg)
        problems += self.code(name, [(where, text)])
        problems += self.identifiers(name, [(where, text)])
        problems += self.embedded_svgs(name, soup, depth=depth)
        return problems

    def check_svg_file(self, name: str, data: bytes) -> list[Problem]:
        svg = _decode(data, name)
        problems = self.svg(name, svg, "the SVG", depth=1)
        return problems + self.reviewer(name, [("the SVG", _svg_text(svg))])

    # ---- images

    def check_png(self, name: str, data: bytes) -> list[Problem]:
        """A PNG shows no text the gate can read, but it can carry text chunks: those."""
        segments = [(f"the PNG's {key!r} text", text) for key, text in _png_text(data)]
        return (
            self.code(name, segments)
            + self.reviewer(name, segments)
            + self.identifiers(name, segments)
        )

    # ---- Word

    def check_docx(self, name: str, data: bytes) -> list[Problem]:
        """A Word document read as its reader would: every paragraph, table cell, header,
        footer, note and comment, the images' alt text, and the document properties."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            parts = archive.namelist()
        except zipfile.BadZipFile as exc:
            raise _Unreadable(f"not a Word document ({exc})") from None
        if "word/document.xml" not in parts:
            raise _Unreadable("not a Word document (no word/document.xml)")
        problems: list[Problem] = []
        if any(part.lower().endswith("vbaproject.bin") for part in parts):
            problems.append(Problem(name, CODE, "the document contains macros"))
        for part in parts:
            if part.endswith(".rels"):
                problems += self.docx_relationships(name, part, _xml(archive, part))
        try:
            document = _xml(archive, "word/document.xml")
            styles = _xml(archive, "word/styles.xml") if "word/styles.xml" in parts else None
        except ET.ParseError as exc:
            raise _Unreadable(f"the document's XML cannot be read ({exc})") from None
        levels = _docx_heading_levels(styles)
        segments, rows = _docx_text(document, levels)
        for part in sorted(parts):
            if re.fullmatch(r"word/(header|footer|footnotes|endnotes|comments)\d*\.xml", part):
                where = f"the {PurePosixPath(part).stem}"
                text, _ = _docx_text(_xml(archive, part), levels)
                segments += [(f"{where}, {w}", t) for w, t in text]
        properties = []
        for part in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
            if part in parts:
                texts = [t.strip() for t in _xml(archive, part).itertext() if t.strip()]
                properties.append((f"the document properties ({part})", "\n".join(texts)))
        problems += self.docx_document(name, archive, parts, document, styles, levels)
        problems += self.docx_tables(name, document)
        for number, picture in enumerate(document.iter(f"{{{_WP}}}docPr"), start=1):
            problem = _alt_problem(picture.get("descr"))
            if problem:
                label = picture.get("name") or f"image {number}"
                problems.append(Problem(name, ALT_TEXT, f"{_short(label, 40)}: {problem}"))
        for part in parts:
            if part.startswith("word/media/") and part.lower().endswith(".png"):
                problems += [
                    Problem(p.file, p.check, f"{part}: {p.detail}")
                    for p in self.check_png(name, archive.read(part))
                ]
        provenance = embedded.parts_to_check(data, name)
        problems += self.code(name, segments + provenance)
        problems += self.reviewer(name, segments + properties)
        problems += self.cells(name, _docx_cells(document))
        problems += self.identifiers(name, segments + properties + provenance, rows=rows)
        return problems

    def docx_relationships(self, name: str, part: str, rels: ET.Element) -> list[Problem]:
        """Parts outside the file: only hyperlinks to public web pages are allowed."""
        problems = []
        for relation in rels.iter(f"{{{_RELS}}}Relationship"):
            if relation.get("TargetMode") != "External":
                continue
            target = relation.get("Target", "")
            kind = relation.get("Type", "").rsplit("/", 1)[-1]
            if kind == "hyperlink":
                problem = _link_problem(target)
                if problem:
                    check, detail = problem
                    problems.append(Problem(name, check, f"a hyperlink in {part}: {detail}"))
                continue
            problems.append(
                Problem(
                    name,
                    EXTERNAL,
                    f"{part} makes the document load {_short(target)!r} ({kind}) from outside "
                    "itself; the file must stand alone",
                )
            )
        return problems

    def docx_document(
        self, name, archive, parts, document, styles, levels: dict[str, int]
    ) -> list[Problem]:
        problems = []
        core = _xml(archive, "docProps/core.xml") if "docProps/core.xml" in parts else None
        title = core.find("{http://purl.org/dc/elements/1.1/}title") if core is not None else None
        if title is None or not (title.text or "").strip():
            problems.append(
                Problem(name, DOCUMENT, "the document has no title (its core properties)")
            )
        languages = [
            element.get(f"{{{_W}}}val")
            for root in (styles, document)
            if root is not None
            for element in root.iter(f"{{{_W}}}lang")
        ]
        if not any(languages):
            problems.append(Problem(name, DOCUMENT, "the document does not set its language"))
        previous = 0
        for paragraph in document.iter(f"{{{_W}}}p"):
            level = levels.get(_docx_style(paragraph) or "")
            if level is None:
                continue
            if level > previous + 1:
                problems.append(
                    Problem(
                        name,
                        DOCUMENT,
                        f"headings skip a level (Heading {previous or '-'} followed by "
                        f"Heading {level})",
                    )
                )
                break
            previous = level
        return problems

    def docx_tables(self, name: str, document: ET.Element) -> list[Problem]:
        problems: list[Problem] = []
        for number, table in enumerate(document.iter(f"{{{_W}}}tbl"), start=1):
            rows = table.findall(f"{{{_W}}}tr")
            label = f"table {number}"
            if not rows:
                continue
            header = [
                row for row in rows if row.find(f"{{{_W}}}trPr/{{{_W}}}tblHeader") is not None
            ]
            if not header or header[0] is not rows[0]:
                problems.append(
                    Problem(
                        name,
                        TABLE_HEADERS,
                        f"{label}: its first row is not marked as a header row (w:tblHeader), "
                        "so screen readers and later pages do not repeat the headers",
                    )
                )
            for row in header[:1]:
                cells = [_docx_paragraph_text(cell) for cell in row.iter(f"{{{_W}}}tc")]
                problems += self.table_columns(name, label, cells)
            problems += self.table_rows(name, label, len(rows) - len(header))
        return problems

    # ---- PDF

    def check_pdf(self, name: str, data: bytes) -> list[Problem]:
        if not data.startswith(b"%PDF-"):
            raise _Unreadable("not a PDF file (no %PDF- header)")
        problems: list[Problem] = []
        body = _pdf_objects(data)
        if not re.search(rb"/MarkInfo\s*<<[^>]*/Marked\s+true", body):
            problems.append(Problem(name, DOCUMENT, "the PDF is not tagged (no /MarkInfo Marked)"))
        if not re.search(rb"/Lang\s*[(<]", body):
            problems.append(Problem(name, DOCUMENT, "the PDF does not set its language (/Lang)"))
        # scripts and actions are read from the PDF's objects: matched as bytes, "/JS" turns up
        # by chance in compressed streams (one of the 153 national context PDFs had it)
        found = _pdf_actions(data)
        if found & {"/JavaScript", "/JS"}:
            problems.append(Problem(name, CODE, "the PDF contains JavaScript"))
        actions = (("/Launch", "a launch action"), ("/GoToR", "a link into another file"))
        for key, what in actions:
            if key in found:
                problems.append(Problem(name, EXTERNAL, f"the PDF contains {what}"))
        embedded_parts: list[Segment] = []
        if re.search(rb"/EmbeddedFiles?\b", body):
            try:
                attached, _ = embedded.pdf_parts(data)
            except embedded.NoProvenance as exc:
                raise _Unreadable(str(exc)) from None
            others = sorted(set(attached) - set(embedded.ATTACHMENTS))
            if others or not attached:
                listed = ", ".join(_short(n, 40) for n in others) or "one pikepdf cannot list"
                problems.append(
                    Problem(
                        name,
                        EXTERNAL,
                        f"the PDF contains an embedded file ({listed}); only the provenance "
                        f"record ({', '.join(embedded.ATTACHMENTS)}) may be embedded",
                    )
                )
        try:
            embedded_parts = embedded.parts_to_check(data, name)
        except embedded.NoProvenance as exc:
            raise _Unreadable(str(exc)) from None
        pages = pdf_text(data).split("\f")
        segments = [(f"page {n}", page) for n, page in enumerate(pages, start=1) if page.strip()]
        problems += self.code(name, segments)
        problems += self.reviewer(name, segments)
        # the provenance record is reviewers' material by design (hashes, commit, inputs):
        # searched for identifiers and code, never shown to members on a page
        problems += self.code(name, embedded_parts)
        problems += self.identifiers(name, segments + embedded_parts)
        return problems

    # ---- tables

    def check_xlsx(self, name: str, data: bytes) -> list[Problem]:
        import openpyxl

        problems: list[Problem] = []
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = archive.namelist()
        except zipfile.BadZipFile as exc:
            raise _Unreadable(f"not an XLSX file ({exc})") from None
        if any(part.startswith("xl/externalLinks/") for part in parts):
            problems.append(Problem(name, EXTERNAL, "the workbook links to other workbooks"))
        if any(part.lower().endswith("vbaproject.bin") for part in parts):
            problems.append(Problem(name, CODE, "the workbook contains macros"))
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise _Unreadable(f"cannot read the workbook ({type(exc).__name__})") from None
        try:
            for sheet in book.worksheets:
                rows = [
                    [_cell_text(v) or "" for v in row] for row in sheet.iter_rows(values_only=True)
                ]
                where = f"sheet {sheet.title!r}"
                problems += self.grid(name, where, rows, header_rows=None)
                problems += self.reviewer(
                    name, [(f"{where}, row {n}", " ".join(r)) for n, r in enumerate(rows, 1)]
                )
                data_rows = sum(
                    1
                    for row in sheet.iter_rows(values_only=True)
                    if any(isinstance(v, int | float) and not isinstance(v, bool) for v in row)
                )
                problems += self.table_rows(name, where, data_rows)
        finally:
            book.close()
        provenance = embedded.parts_to_check(data, name)
        problems += self.code(name, provenance)
        problems += self.identifiers(name, provenance)
        return problems

    def check_ods(self, name: str, data: bytes) -> list[Problem]:
        """The OpenDocument copy of the workbook: every sheet's cells as ``check_xlsx``
        checks them; macros (``Basic/``, ``Scripts/``) and links out of the workbook refused."""
        from pipeline.publish import read_ods

        problems: list[Problem] = []
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = archive.namelist()
                content = archive.read("content.xml") if "content.xml" in parts else b""
            sheets = read_ods(data)
        except (zipfile.BadZipFile, ValueError, SyntaxError) as exc:
            raise _Unreadable(f"not an OpenDocument spreadsheet ({exc})") from None
        if any(part.startswith(("Basic/", "Scripts/")) for part in parts):
            problems.append(Problem(name, CODE, "the spreadsheet contains macros"))
        outside = sorted(
            {
                link.decode("utf-8", "replace")
                for link in re.findall(rb'xlink:href="([^"]*)"', content)
                if not link.startswith(b"#")
            }
        )
        if outside:
            problems.append(
                Problem(name, EXTERNAL, f"the spreadsheet links outside itself: {outside[0]}")
            )
        for title, cells in sheets.items():
            rows = [[_cell_text(v) or "" for v in row] for row in cells]
            where = f"sheet {title!r}"
            problems += self.grid(name, where, rows, header_rows=None)
            problems += self.reviewer(
                name, [(f"{where}, row {n}", " ".join(r)) for n, r in enumerate(rows, 1)]
            )
            data_rows = sum(
                1
                for row in cells
                if any(isinstance(v, int | float) and not isinstance(v, bool) for v in row)
            )
            problems += self.table_rows(name, where, data_rows)
        segments = []
        if "meta.xml" in parts:
            from xml.etree import ElementTree

            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                try:
                    root = ElementTree.fromstring(archive.read("meta.xml"))
                except ElementTree.ParseError as exc:
                    raise _Unreadable(f"its document properties are not XML ({exc})") from None
            segments = [
                ("document properties", " | ".join(t.strip() for t in root.itertext() if t.strip()))
            ]
        problems += self.code(name, segments)
        problems += self.identifiers(name, segments)
        return problems

    def grid(
        self, name: str, where: str, rows: list[list[str]], *, header_rows: int | None
    ) -> list[Problem]:
        """Checks shared by CSV and XLSX: identifier headers, reprs, code, identifiers."""
        problems: list[Problem] = []
        headers = rows[:header_rows] if header_rows is not None else rows
        header_cells = [cell for row in headers for cell in row if len(cell) <= 40]
        problems += self.table_columns(name, where, header_cells)
        cells = [
            (f"{where} cell {_cell_ref(r, c)}", value)
            for r, row in enumerate(rows, start=1)
            for c, value in enumerate(row, start=1)
            if value
        ]
        problems += self.cells(name, cells)
        segments = [
            (f"{where} row {r}", " | ".join(row)) for r, row in enumerate(rows, start=1) if any(row)
        ]
        problems += self.code(name, segments)
        problems += self.identifiers(name, cells, rows=segments)
        return problems

    def check_csv(self, name: str, data: bytes, files: Mapping[str, bytes]) -> list[Problem]:
        rows = _read_csv(data, name)
        problems = self.grid(name, "the table", rows, header_rows=1)
        if name.endswith(".meta.csv"):
            return problems
        problems += self.table_rows(name, "the table", max(len(rows) - 1, 0))
        meta_name = name[: -len(".csv")] + ".meta.csv"
        if meta_name not in files:
            problems.append(
                Problem(
                    name,
                    SMALL_COUNT,
                    f"no {PurePosixPath(meta_name).name} beside it, so which columns are counts "
                    "cannot be known and suppression cannot be checked",
                )
            )
            return problems
        problems += self.small_counts(name, rows, _read_csv(files[meta_name], meta_name))
        return problems

    def small_counts(
        self, name: str, rows: list[list[str]], meta_rows: list[list[str]]
    ) -> list[Problem]:
        if not rows:
            return []
        meta = _records(meta_rows)
        if not meta or "col_name" not in meta[0] or "col_type" not in meta[0]:
            return [Problem(name, SMALL_COUNT, "its .meta.csv has no col_name/col_type columns")]
        counts = [
            m["col_name"]
            for m in meta
            if m.get("col_type", "").strip().lower() == "indicator"
            and not m.get("indicator_unit", "").strip()
            and not _counts_non_children(m["col_name"], m.get("label", ""))
        ]
        header = rows[0]
        problems: list[Problem] = []
        for column in counts:
            if column not in header:
                problems.append(
                    Problem(
                        name, SMALL_COUNT, f"count column {column!r} of the meta file is missing"
                    )
                )
                continue
            index = header.index(column)
            small: list[int] = []
            odd: list[int] = []
            for number, row in enumerate(rows[1:], start=2):
                value = row[index].strip() if index < len(row) else ""
                if value.lower() in EES_SYMBOLS:
                    continue
                try:
                    number_value = float(value.replace(",", ""))
                except ValueError:
                    odd.append(number)
                    continue
                if 0 < number_value < self.threshold:
                    small.append(number)
            if small:
                problems.append(
                    Problem(
                        name,
                        SMALL_COUNT,
                        f"count column {column!r} shows {len(small)} value(s) between 0 and "
                        f"{self.threshold} (line {', '.join(map(str, small[:10]))}"
                        f"{', ...' if len(small) > 10 else ''}); suppress them as 'c'",
                    )
                )
            if odd:
                problems.append(
                    Problem(
                        name,
                        SMALL_COUNT,
                        f"count column {column!r} has {len(odd)} value(s) that are neither a "
                        f"number nor a symbol (c, x, z) (line {', '.join(map(str, odd[:10]))}), "
                        "so suppression cannot be checked",
                    )
                )
        return problems

    # ---- JSON, text, notebooks

    def check_json(self, name: str, data: bytes) -> list[Problem]:
        try:
            document = json.loads(_decode(data, name))
        except json.JSONDecodeError as exc:
            raise _Unreadable(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
        segments: list[Segment] = []
        problems: list[Problem] = []
        for path, value in _walk_json(document):
            if isinstance(value, str):
                segments.append((path, value))
            elif isinstance(value, float) and not math.isfinite(value):
                problems.append(Problem(name, CODE, f"{path} is {value!r}, not a number"))
        problems += self.code(name, segments)
        problems += self.identifiers(name, segments)
        return problems

    def check_text_file(
        self, name: str, data: bytes, *, code: bool, reviewer: bool = False
    ) -> list[Problem]:
        text = _decode(data, name)
        segments = [("the file", text)]
        problems = self.code(name, segments) if code else []
        if reviewer:
            problems += self.reviewer(name, segments)
        return problems + self.identifiers(name, segments)

    def check_notebook(self, name: str, data: bytes) -> list[Problem]:
        """An internal record: identifiers and row-level output only (code is expected)."""
        try:
            notebook = json.loads(_decode(data, name))
        except json.JSONDecodeError as exc:
            raise _Unreadable(f"not a notebook ({exc.msg})") from None
        problems: list[Problem] = []
        segments: list[Segment] = []
        for index, cell in enumerate(notebook.get("cells", [])):
            for output in cell.get("outputs", []):
                where = f"cell {index} output"
                for key in ("text", "traceback", "evalue"):
                    if key in output:
                        segments.append((where, _joined(output[key])))
                for mimetype, value in (output.get("data") or {}).items():
                    text = value if isinstance(value, str) else _joined(value)
                    if not isinstance(value, str | list):
                        text = json.dumps(value)
                    if mimetype == "text/html":
                        soup = BeautifulSoup(text, "html.parser")
                        segments.append((f"{where} (HTML)", soup.get_text(" ")))
                        problems += [
                            Problem(p.file, p.check, f"{where}: {p.detail}")
                            for p in self.html_tables(name, soup)
                            if p.check == ROW_LEVEL
                        ]
                    elif mimetype == "image/svg+xml":
                        segments.append((f"{where} (SVG)", _svg_text(text)))
                    else:
                        segments.append((f"{where} ({mimetype})", text))
                        if mimetype == "text/plain":
                            problems += self.plain_table(name, where, text)
        problems += self.identifiers(name, segments)
        return problems

    def plain_table(self, name: str, where: str, text: str) -> list[Problem]:
        """A DataFrame printed as text with an identifier column in its header."""
        words = {w.lower() for w in re.findall(r"[A-Za-z_]+", text)}
        hits = sorted(w for w in words & _PLAIN_IDENTIFIER_WORDS)
        if not hits:
            return []
        return [
            Problem(
                name,
                ROW_LEVEL,
                f"{where} prints a table with identifier columns ({', '.join(hits)}): "
                "show summaries only, never rows of pupils",
            )
        ]


# --------------------------------------------------------------------------- helpers

_SCOPES = frozenset({"col", "row", "colgroup", "rowgroup"})
_RESOURCE_ATTRS = frozenset(
    {"src", "srcset", "imagesrcset", "href", "xlink:href", "poster", "data", "background",
     "action", "formaction", "manifest", "lowsrc", "dynsrc", "codebase", "archive", "ping"}
)  # fmt: skip
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_PLAIN_IDENTIFIER_WORDS = frozenset(
    {w for w in DIRECT_IDENTIFIERS if w != "name"}
    | {alias for alias, canonical in _LOOKUP.items() if canonical in ("pupil_id", "date_of_birth")}
)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"not UTF-8 text (byte {exc.start})") from None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _in_svg(tag: Tag | None) -> bool:
    while tag is not None:
        if getattr(tag, "name", None) == "svg":
            return True
        tag = tag.parent
    return False


def _loads_from_outside(url: str) -> bool:
    url = url.strip()
    return bool(url) and not url.startswith("#") and not url.lower().startswith("data:")


def _link_problem(url: str) -> tuple[str, str] | None:
    """A hyperlink may go to a public page or a fragment, nowhere else."""
    url = url.strip()
    lowered = url.lower()
    if lowered.startswith("javascript:"):
        return CODE, "a javascript: link"
    if not url or url.startswith("#") or url.startswith("//"):
        return None
    if lowered.split(":", 1)[0] in ("http", "https", "mailto", "tel"):
        return None
    return EXTERNAL, f"{_short(url)!r} points at a file beside the page, which is not published"


def _srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _css_problems(css: str) -> list[str]:
    problems = []
    if "@import" in css.lower():
        problems.append("a CSS @import")
    for match in _CSS_URL.finditer(css):
        if _loads_from_outside(match.group(2)):
            problems.append(f"url({_short(match.group(2))!r}) loads from outside the file")
    return problems


def _alt_problem(alt: object) -> str | None:
    if alt is None:
        return "no alt text"
    text = " ".join(str(alt).split())
    if not text:
        return "empty alt text"
    if text.lower().rstrip(".") in _PLACEHOLDER_ALTS or re.fullmatch(
        r"[\w-]+\.(?:png|svg|jpe?g|gif|webp)", text, re.I
    ):
        return f"placeholder alt text {text!r}: describe what the chart shows and its message"
    if len(text.split()) < _MIN_ALT_WORDS:
        return f"alt text {text!r} is too short to state the chart's message"
    return None


#: Where the stylesheet's text is, in a page's segments.
STYLESHEET = "the page's stylesheet"


def _html_segments(soup: BeautifulSoup | Tag) -> Iterator[tuple[str, str, bool]]:
    """(where, text, visible) for the text of a page: body text, comments, the stylesheet
    and attributes."""
    title = soup.find("title")
    if title is not None:
        yield "the page title", title.get_text(" "), True
    body = soup.find("body") or soup
    heading, pieces = None, []
    for node in body.descendants:
        if isinstance(node, Tag) and _HEADING.fullmatch(node.name):
            if pieces:
                yield _section(heading), "\n".join(pieces), True
            heading, pieces = node.get_text(" ", strip=True), []
        elif isinstance(node, NavigableString) and not isinstance(node, Comment):
            if node.parent is not None and node.parent.name not in ("style", "script"):
                pieces.append(str(node))
    if pieces:
        yield _section(heading), "\n".join(pieces), True
    comments = [str(c) for c in soup.find_all(string=lambda s: isinstance(s, Comment))]
    if comments:
        yield "an HTML comment", "\n".join(comments), False
    styles = [style.get_text() for style in soup.find_all("style")]
    if any(text.strip() for text in styles):
        yield STYLESHEET, "\n".join(styles), False
    for tag in soup.find_all(True):
        for attr, raw in tag.attrs.items():
            value = " ".join(raw) if isinstance(raw, list) else str(raw)
            if value.strip().lower().startswith("data:") or attr.lower() == "style":
                continue
            visible = attr.lower() in ("alt", "title", "aria-label", "content")
            where = f"<{tag.name} {attr}>"
            if attr.lower() == "alt":
                where = "the alt text of an image"
            yield where, value, visible


_HEADING = re.compile(r"h[1-6]")


def _section(heading: str | None) -> str:
    if heading is None:
        return "the page text before the first heading"
    return f"the page text under the heading {_short(heading, 50)!r}"


def _html_cells(soup: BeautifulSoup) -> Iterator[tuple[str, str]]:
    for number, table in enumerate(soup.find_all("table"), start=1):
        for cell in table.find_all(["td", "th"]):
            yield f"table {number}", cell.get_text(" ", strip=True)


def _svg_text(svg: str) -> str:
    """Text an SVG shows or carries: text nodes, titles and the comments matplotlib writes
    for each text drawn as paths. Path data and coordinates are left out."""
    comments = re.findall(r"<!--(.*?)-->", svg, re.DOTALL)
    without = re.sub(r"<!--.*?-->", " ", _without_prolog(svg), flags=re.DOTALL)
    soup = BeautifulSoup(without, "html.parser")
    texts = [s for s in soup.find_all(string=True) if s.strip() and s.parent.name != "style"]
    labels = [
        str(tag.get(attr))
        for tag in soup.find_all(True)
        for attr in ("aria-label", "title")
        if tag.get(attr)
    ]
    return "\n".join([*comments, *map(str, texts), *labels])


def _without_prolog(svg: str) -> str:
    """SVG markup without its XML declaration and DOCTYPE, ready for html.parser."""
    return re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>", " ", svg, flags=re.I)


def _decode_data_uri(uri: str) -> str:
    header, _, payload = uri.strip().partition(",")
    if not _:
        raise ValueError("a data: URI without data")
    try:
        if header.lower().endswith(";base64"):
            raw = base64.b64decode("".join(payload.split()), validate=False)
        else:
            raw = urllib.parse.unquote_to_bytes(payload)
        return raw.decode("utf-8-sig")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot decode the data: URI ({type(exc).__name__})") from None


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _xml(archive: zipfile.ZipFile, part: str) -> ET.Element:
    try:
        return ET.fromstring(archive.read(part))
    except ET.ParseError as exc:
        raise _Unreadable(f"{part} is not readable XML ({exc})") from None


def _docx_style(paragraph: ET.Element) -> str | None:
    style = paragraph.find(f"{{{_W}}}pPr/{{{_W}}}pStyle")
    return None if style is None else style.get(f"{{{_W}}}val")


def _docx_heading_levels(styles: ET.Element | None) -> dict[str, int]:
    """Style id -> heading level, from the styles' names (``heading 2``), whatever the ids."""
    levels = {f"Heading{n}": n for n in range(1, 10)}
    for style in styles.iter(f"{{{_W}}}style") if styles is not None else ():
        named = style.find(f"{{{_W}}}name")
        label = "" if named is None else (named.get(f"{{{_W}}}val") or "")
        match = re.fullmatch(r"heading (\d)", label.lower())
        if match:
            levels[style.get(f"{{{_W}}}styleId") or ""] = int(match.group(1))
    return levels


def _docx_paragraph_text(element: ET.Element) -> str:
    """The text a reader sees in an element: its w:t, tabs and breaks (field codes left out;
    their shown results are w:t)."""
    pieces = []
    for node in element.iter():
        if node.tag == f"{{{_W}}}t":
            pieces.append(node.text or "")
        elif node.tag in (f"{{{_W}}}tab", f"{{{_W}}}br"):
            pieces.append(" ")
        elif node.tag == f"{{{_W}}}p":
            pieces.append("\n")
    return "".join(pieces).strip()


def _docx_text(root: ET.Element, levels: Mapping[str, int]) -> tuple[list[Segment], list[Segment]]:
    """(segments, rows): the text under each heading, as the HTML's is grouped, and each
    table row's cells joined (a name split over two cells is still found)."""

    def under(heading: str | None) -> str:
        if heading is None:
            return "the text before the first heading"
        return f"the text under the heading {_short(heading, 50)!r}"

    segments: list[Segment] = []
    heading, pieces = None, []
    for paragraph in root.iter(f"{{{_W}}}p"):
        text = _docx_paragraph_text(paragraph)
        if levels.get(_docx_style(paragraph) or "") is not None:
            if pieces:
                segments.append((under(heading), "\n".join(pieces)))
            heading, pieces = text, [text]
        elif text:
            pieces.append(text)
    if pieces:
        segments.append((under(heading), "\n".join(pieces)))
    rows = [
        (
            f"table {number} row {index}",
            " | ".join(_docx_paragraph_text(cell) for cell in row.iter(f"{{{_W}}}tc")),
        )
        for number, table in enumerate(root.iter(f"{{{_W}}}tbl"), start=1)
        for index, row in enumerate(table.findall(f"{{{_W}}}tr"), start=1)
    ]
    return segments, rows


def _docx_cells(root: ET.Element) -> Iterator[tuple[str, str]]:
    for number, table in enumerate(root.iter(f"{{{_W}}}tbl"), start=1):
        for cell in table.iter(f"{{{_W}}}tc"):
            yield f"table {number}", _docx_paragraph_text(cell)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_text(data: bytes) -> list[tuple[str, str]]:
    """The (keyword, text) of a PNG's tEXt, zTXt and iTXt chunks."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _Unreadable("not a PNG image (no PNG signature)")
    found = []
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        at += 12 + length
        try:
            if kind == b"tEXt":
                key, _, text = body.partition(b"\0")
                found.append((key.decode("latin-1"), text.decode("latin-1")))
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                found.append((key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")))
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, rest = rest[0], rest[2:]
                _, _, rest = rest.partition(b"\0")  # language
                _, _, text = rest.partition(b"\0")  # translated keyword
                text = zlib.decompress(text) if compressed else text
                found.append((key.decode("latin-1"), text.decode("utf-8", "replace")))
            elif kind == b"IEND":
                break
        except (zlib.error, IndexError):
            raise _Unreadable(f"a {kind.decode('latin-1')} chunk cannot be read") from None
    return found


def _pdf_actions(data: bytes) -> set[str]:
    """The script keys (``/JavaScript``, ``/JS``) and action types (``/S /Launch``,
    ``/S /GoToR``, ``/S /JavaScript``) anywhere in the PDF's objects, read with pikepdf."""
    import pikepdf

    found: set[str] = set()

    def visit(obj) -> None:  # an object and the direct objects inside it
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            found.update(k for k in obj.keys() if k in ("/JavaScript", "/JS"))
            kind = obj.get("/S")
            if isinstance(kind, pikepdf.Name) and str(kind) in ("/JavaScript", "/Launch", "/GoToR"):
                found.add(str(kind))
            inside = list(obj.values())
        elif isinstance(obj, pikepdf.Array):
            inside = list(obj)
        else:
            return
        for item in inside:
            if isinstance(item, pikepdf.Dictionary | pikepdf.Array) and not item.is_indirect:
                visit(item)

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for obj in pdf.objects:
                visit(obj)
    except pikepdf.PdfError as exc:
        raise _Unreadable(f"pikepdf cannot read the PDF ({exc})") from None
    return found


def _pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream decompressed beside them (object streams
    hide the catalogue and the outline in compressed form)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        if end < 0:
            break
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end() : end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_text(data: bytes) -> str:
    """The PDF's text in reading order, pages separated by form feeds (poppler's pdftotext)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise _Unreadable(
            "cannot read the PDF's text to check it: pdftotext is not installed "
            "(apt-get install poppler-utils)"
        )
    with tempfile.TemporaryDirectory(prefix="gate-") as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(data)
        result = subprocess.run(
            [exe, "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=False,
            timeout=300,
        )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise _Unreadable(f"pdftotext could not read the PDF ({message[0][:120]})")
    return result.stdout.decode("utf-8", "replace")


def _read_csv(data: bytes, name: str) -> list[list[str]]:
    text = _decode(data, name)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise _Unreadable(f"not a readable CSV file ({exc})") from None


def _records(rows: list[list[str]]) -> list[dict[str, str]]:
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def _counts_non_children(col_name: str, label: str) -> bool:
    name = normalise_header(col_name)
    if _CHILD_WORDS.search(name) or _CHILD_WORDS.search(label or ""):
        return False
    return bool(_NON_CHILD_COUNT.search(name))


def _cell_ref(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _walk_json(value: object, path: str = "$") -> Iterator[tuple[str, object]]:
    """(path, value) for every leaf, and (path, key) for every key of an object."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"the key {_short(str(key), 30)!r} of {path}", str(key)
            yield from _walk_json(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_json(item, f"{path}[{index}]")
    else:
        yield path, value


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)
