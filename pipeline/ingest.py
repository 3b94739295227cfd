"""Read placement exports (CSV or XLSX) into a frame of text, exactly as the author sent them.

Reading never interprets a value: every cell arrives as a string (blank = ``""``) so that the
cleaner sees what the source system wrote and can quarantine what it cannot use. Whole-file
faults raise ``InputFileError`` with one message naming the file, the problem and the fix.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp1252")
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


class InputFileError(ValueError):
    """A whole-file fault: the file cannot be read as a placement export."""

    def __init__(self, path: Path | str, problem: str, fix: str) -> None:
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem}. Fix: {fix}")


def _decode(path: Path, data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        path,
        "the text encoding is not UTF-8 or Windows-1252",
        "save the file as CSV UTF-8 from Excel and try again",
    )


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read a CSV export as text, accepting UTF-8, UTF-8 with BOM and Windows-1252."""
    text = _decode(path, path.read_bytes())
    if not text.strip():
        raise InputFileError(path, "the file is empty", "export the placements again")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise InputFileError(
            path, f"the CSV cannot be parsed ({exc})", "check the delimiter and quoting"
        ) from None
    return frame


def read_xlsx_text(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read one worksheet of an XLSX export as text (the first sheet unless named)."""
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for unreadable books
        raise InputFileError(
            path,
            f"the workbook cannot be opened ({type(exc).__name__}); it may be password-protected "
            "or not really an XLSX file",
            "remove the password (File > Info > Protect Workbook) or save it again as .xlsx",
        ) from None
    if sheet is not None and sheet not in book.sheet_names:
        raise InputFileError(
            path,
            f"there is no sheet named '{sheet}' (sheets: {', '.join(book.sheet_names)})",
            "pass one of those names with --sheet",
        )
    frame = book.parse(sheet if sheet is not None else 0, dtype=str, header=0)
    return frame.fillna("").astype(str)


def read_export(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a placement export as a frame of strings.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` file.
    sheet : str, optional
        Worksheet name for XLSX files.

    Returns
    -------
    pandas.DataFrame
        One row per data row, every cell a string; the header row as columns.

    Raises
    ------
    InputFileError
        When the file is missing, of the wrong type, empty or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(
            path, "the file does not exist", "check the path in the report definition"
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = read_csv_text(path)
    elif suffix in EXCEL_SUFFIXES:
        frame = read_xlsx_text(path, sheet)
    else:
        raise InputFileError(
            path,
            f"'{suffix or 'no extension'}' is not a supported file type",
            "export as .csv or .xlsx",
        )
    if frame.shape[1] == 0:
        raise InputFileError(
            path, "no header row was found", "put the column names in the first row"
        )
    return frame


def read_spend_history(path: str | Path) -> pd.DataFrame:
    """Read the finance file of annual spend (financial_year, spend_gbp, basis, source)."""
    frame = read_export(path)
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
