"""The DfE's published statistics on EHC plans (SEN2), read as carefully as a council's export.

The release "Education, health and care plans" (Explore Education Statistics, each June) is
open data under the Open Government Licence v3.0. Two of its files are read here, exactly as
released:

* ``caseload.csv``: EHC plans in January of each year by type of placement, for England
  (``geographic_level`` National, whose region cells are blank), each region and each local
  authority; only the ``All EHC plans`` breakdown is used;
* ``sen_needs_all_plans.csv`` (optional): primary need by ``Type of placement`` for the
  latest year.

Values are numbers or the GSS symbols ``x`` (not available), ``z`` (not applicable), ``c``
(confidential) and ``low``; every symbol is read as "no figure" (NaN), never as zero, and a
value that is neither is an error naming the file, the line and the column. A file in
another layout (the long ``sen2_estab_caseload.csv`` of releases up to 2022, a file of some
other kind) is refused with one line naming the layouts this reader supports.
"""

from __future__ import annotations

import csv
import functools
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import InputFileError

CASELOAD_FILE = "caseload.csv"
NEEDS_FILE = "sen_needs_all_plans.csv"
#: What a reader is told when a file is not one this module reads.
SUPPORTED = (
    "supported: the Explore Education Statistics layout of the 'Education, health and care "
    "plans' releases of 2023 onwards (caseload.csv, gzipped or not, with one column per type "
    "of placement, e.g. special_independent, and optionally sen_needs_all_plans.csv); the long "
    "sen2_estab_caseload.csv of earlier releases is not read: download the 2023 or a later "
    "release from explore-education-statistics.service.gov.uk"
)
#: The GSS symbols a published cell may hold instead of a number.
SYMBOLS = frozenset({"x", "z", "c", "low", "u"})
#: The EES columns every file of the release starts with.
EES_COLUMNS = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "new_la_code",
    "old_la_code",
    "la_name",
    "breakdown_topic",
    "breakdown",
)
LEVELS = {"National": "national", "Regional": "regional", "Local authority": "la"}
#: caseload.csv's columns read, and the names they get.
CASELOAD_VALUES = {
    "ehcplans": "ehc_plans",
    "special_independent": "independent",
    "special_non_maintained": "non_maintained",
}
#: sen_needs_all_plans.csv's primary-need columns -> the need's code in the appendix.
NEED_COLUMNS = {
    "number_asd": "ASD",
    "number_hi": "HI",
    "number_mld": "MLD",
    "number_msi": "MSI",
    "number_oth": "OTH",
    "number_pd": "PD",
    "number_pmld": "PMLD",
    "number_semh": "SEMH",
    "number_slcn": "SLCN",
    "number_sld": "SLD",
    "number_spld": "SPLD",
    "number_vi": "VI",
    "number_need_unknown": "Not recorded",
}
#: The "Type of placement" breakdowns that make up the INMSS sector.
INMSS_PLACEMENTS = ("Special - independent", "Special - non-maintained")
#: Files of the 2022 and earlier releases, named in the refusal.
OLD_LAYOUT = re.compile(r"sen2_estab|sen2_mi|sen2_age", re.I)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Release:
    """What the section needs of one release.

    Attributes
    ----------
    caseload : DataFrame
        One row per area and year (``All EHC plans``): ``year`` (``2024/25``),
        ``time_period`` (``202425``), ``level`` (national, regional, la), ``code`` (the ONS
        code: E92000001, a region's, an authority's), ``name``, ``region_code``,
        ``region_name``, ``old_la_code``, ``ehc_plans``, ``independent``,
        ``non_maintained`` (floats, NaN where the release has a symbol).
    needs : DataFrame or None
        Children with EHC plans in independent or non-maintained special schools by primary
        need, latest year: ``code``, ``need`` (a code of ``NEED_COLUMNS``, or ``Total``: the
        plans of the two rows), ``plans`` (NaN where not available); None
        when the release has no needs file.
    latest : str
        The latest year (``2024/25``).
    folder : Path
    """

    caseload: pd.DataFrame
    needs: pd.DataFrame | None
    latest: str
    folder: Path

    @property
    def years(self) -> list[str]:
        return sorted(self.caseload["year"].unique())

    def authorities(self, year: str | None = None) -> pd.DataFrame:
        """The local authorities of a year (default: the latest), with codes and region."""
        frame = self.caseload
        rows = frame.loc[(frame["level"] == "la") & (frame["year"] == (year or self.latest))]
        return rows[["code", "old_la_code", "name", "region_code", "region_name"]].reset_index(
            drop=True
        )


def year_label(time_period: str) -> str:
    """``202425`` -> ``2024/25`` (an EES academic-year period).

    >>> year_label("201819")
    '2018/19'
    """
    return f"{time_period[:4]}/{time_period[4:]}"


def census_month(year: str) -> str:
    """The January census date of an academic year: ``2024/25`` -> ``January 2025``.

    >>> census_month("2023/24")
    'January 2024'
    """
    return f"January {int(year[:4]) + 1}"


def _release_file(folder: Path, name: str) -> Path | None:
    """A release file in ``folder``, as released (``name``) or gzipped unchanged (``name.gz``,
    as this project commits the files over 5 MB)."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.exists():
            return candidate
    return None


def _files(path: Path) -> tuple[Path, Path | None]:
    """The caseload and needs files of a release folder, or of a caseload file given alone."""
    if path.is_dir():
        caseload = _release_file(path, CASELOAD_FILE)
        if caseload is None:
            found = sorted(p.name for p in path.glob("*.csv*"))
            old = [name for name in found if OLD_LAYOUT.search(name)]
            problem = (
                f"the folder holds {', '.join(old)}, a release in the older long layout"
                if old
                else f"the folder has no {CASELOAD_FILE} (found: {', '.join(found) or 'none'})"
            )
            raise InputFileError(path, problem, SUPPORTED)
        return caseload, _release_file(path, NEEDS_FILE)
    if not path.exists():
        raise InputFileError(path, "does not exist", "give the release folder or its caseload.csv")
    if OLD_LAYOUT.search(path.name):
        raise InputFileError(path, "is a file of a release in the older long layout", SUPPORTED)
    return path, _release_file(path.parent, NEEDS_FILE)


def open_release_file(path: Path):
    """A released CSV opened as text (UTF-8, with or without the BOM EES writes), gzipped or
    not."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a released CSV."""
    try:
        with open_release_file(path) as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise InputFileError(path, "is not UTF-8 text", SUPPORTED) from None
    except (OSError, EOFError) as exc:  # a damaged gzip file
        raise InputFileError(path, f"cannot be read ({exc})", SUPPORTED) from None
    if not rows:
        raise InputFileError(path, "is empty", SUPPORTED)
    return [h.strip() for h in rows[0]], rows[1:]


def _check_layout(path: Path, header: list[str], wanted: list[str]) -> None:
    missing = [c for c in (*EES_COLUMNS, *wanted) if c not in header]
    if missing:
        shown = ", ".join(missing[:6]) + (", ..." if len(missing) > 6 else "")
        raise InputFileError(
            path, f"is not in the layout this section reads (no column {shown})", SUPPORTED
        )


def _numbers(path: Path, frame: pd.DataFrame, columns: list[str], lines: pd.Series) -> None:
    """Turn ``columns`` into floats in place: symbols become NaN, anything else is refused."""
    for column in columns:
        text = frame[column].str.strip()
        symbol = text.str.lower().isin(SYMBOLS)
        number = text.str.fullmatch(_NUMBER)
        bad = ~(symbol | number)
        if bad.any():
            first = bad.idxmax()
            raise InputFileError(
                path,
                f"line {lines[first]}, column {column} holds {frame.at[first, column]!r}, "
                "neither a number nor a symbol (x, z, c, low)",
                "use the file exactly as the release publishes it",
            )
        frame[column] = pd.to_numeric(text.where(~symbol), errors="coerce")


def _areas(path: Path, frame: pd.DataFrame, lines: pd.Series) -> pd.DataFrame:
    """The area columns of every row: level, ONS code and name, with the region's."""
    level = frame["geographic_level"].map(LEVELS)
    if level.isna().any():
        first = level.isna().idxmax()
        raise InputFileError(
            path,
            f"line {lines[first]}: geographic_level {frame.at[first, 'geographic_level']!r} "
            f"is not one of {', '.join(LEVELS)}",
            "use the file exactly as the release publishes it",
        )
    code = frame["new_la_code"].where(level == "la", frame["region_code"])
    code = code.where(level != "national", frame["country_code"])
    name = frame["la_name"].where(level == "la", frame["region_name"])
    name = name.where(level != "national", frame["country_name"])
    blank = code.str.strip().eq("") | name.str.strip().eq("")
    # national rows leave the region cells blank, as EES does; every other row names its area
    if blank.any():
        first = blank.idxmax()
        raise InputFileError(
            path,
            f"line {lines[first]}: a {frame.at[first, 'geographic_level']} row without its "
            "area's code or name",
            "use the file exactly as the release publishes it",
        )
    if ((level == "la") & frame["old_la_code"].str.strip().eq("")).any():
        first = ((level == "la") & frame["old_la_code"].str.strip().eq("")).idxmax()
        raise InputFileError(
            path,
            f"line {lines[first]}: a local authority row without its old_la_code",
            "use the file exactly as the release publishes it",
        )
    return pd.DataFrame(
        {
            "level": level,
            "code": code.str.strip(),
            "name": name.str.strip(),
            "region_code": frame["region_code"].str.strip(),
            "region_name": frame["region_name"].str.strip(),
            "old_la_code": frame["old_la_code"].str.strip(),
        }
    )


def _frame(
    path: Path, wanted: list[str], topics: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows of ``topics`` (``breakdown_topic``), every cell as text, and their line numbers
    in the file; the rows of other breakdowns are checked for shape only."""
    header, rows = _read_csv(path)
    _check_layout(path, header, wanted)
    width = len(header)
    short = next((i for i, row in enumerate(rows) if len(row) != width), None)
    if short is not None:
        raise InputFileError(
            path,
            f"line {short + 2} has {len(rows[short])} cells where the header has {width}",
            "use the file exactly as the release publishes it",
        )
    topic = header.index("breakdown_topic")
    kept = [(n, row) for n, row in enumerate(rows, start=2) if row[topic].strip() in topics]
    columns = [*EES_COLUMNS, *wanted]
    at = [header.index(c) for c in columns]
    frame = pd.DataFrame([[row[i] for i in at] for _, row in kept], columns=columns, dtype=object)
    frame = frame.astype(str)
    lines = pd.Series([n for n, _ in kept], index=frame.index)
    identifier = frame["time_identifier"].str.strip()
    if not identifier.eq("Academic year").all():
        other = identifier.loc[~identifier.eq("Academic year")].iloc[0]
        raise InputFileError(
            path,
            f"time_identifier {other!r}: this section reads January census figures by "
            "academic year",
            SUPPORTED,
        )
    bad_period = ~frame["time_period"].str.fullmatch(r"\d{6}")
    if bad_period.any():
        first = bad_period.idxmax()
        raise InputFileError(
            path,
            f"line {lines[first]}: time_period {frame.at[first, 'time_period']!r} is not an "
            "academic year such as 202425",
            "use the file exactly as the release publishes it",
        )
    return frame, lines


def read_caseload(path: str | Path) -> pd.DataFrame:
    """The ``All EHC plans`` rows of ``caseload.csv``: plans and INMSS plans by area and year.

    Raises
    ------
    InputFileError
        Naming the file, the problem and the layouts supported.
    """
    path = Path(path)
    frame, lines = _frame(path, list(CASELOAD_VALUES), ("All EHC plans",))
    if frame.empty:
        raise InputFileError(path, "has no 'All EHC plans' rows", SUPPORTED)
    _numbers(path, frame, list(CASELOAD_VALUES), lines)
    areas = _areas(path, frame, lines)
    out = pd.concat(
        [
            frame["time_period"].rename("time_period"),
            frame["time_period"].map(year_label).rename("year"),
            areas,
            frame[list(CASELOAD_VALUES)].rename(columns=CASELOAD_VALUES),
        ],
        axis=1,
    )
    repeated = out.duplicated(["year", "level", "code"])
    if repeated.any():
        first = repeated.idxmax()
        raise InputFileError(
            path,
            f"line {lines[first]}: a second 'All EHC plans' row for {out.at[first, 'name']} "
            f"in {out.at[first, 'year']}",
            "use the file exactly as the release publishes it",
        )
    return out.sort_values(["year", "level", "code"]).reset_index(drop=True)


def read_inmss_needs(path: str | Path) -> pd.DataFrame:
    """Children in independent or non-maintained special schools by primary need, per area:
    the sum of the two ``Type of placement`` rows of ``sen_needs_all_plans.csv``, latest year.

    A need is NaN for an area where either row has a symbol (no figure, never a zero).
    """
    path = Path(path)
    frame, lines = _frame(path, ["ehc_plans", *NEED_COLUMNS], ("Type of placement",))
    latest = frame["time_period"].max()
    chosen = frame["breakdown"].str.strip().isin(INMSS_PLACEMENTS) & (
        frame["time_period"] == latest
    )
    frame = frame.loc[chosen]
    if frame.empty:
        raise InputFileError(
            path,
            "has no 'Type of placement' rows for independent and non-maintained special schools",
            SUPPORTED,
        )
    lines = lines.loc[frame.index]
    columns = ["ehc_plans", *NEED_COLUMNS]
    _numbers(path, frame, columns, lines)
    areas = _areas(path, frame, lines)
    joined = pd.concat([areas[["level", "code"]], frame[columns]], axis=1)
    # An area without one of the two rows has no children there (Telford and Wrekin has no
    # non-maintained row in 2025: 0 in caseload.csv); a symbol in either row leaves the
    # need without a figure, never a partial sum.
    grouped = joined.groupby(["level", "code"], sort=True)[columns]
    summed = grouped.sum().mask(grouped.count() < grouped.size().to_numpy()[:, None])
    long = summed.rename(columns={"ehc_plans": "Total", **NEED_COLUMNS})
    long = long.reset_index().melt(id_vars=["level", "code"], var_name="need", value_name="plans")
    long["year"] = year_label(latest)
    return long


def read_release(path: str | Path) -> Release:
    """Read a release folder (or its ``caseload.csv``; the needs file beside it is optional).

    Raises
    ------
    InputFileError
        When a file is missing, in another layout, or holds a value that is neither a number
        nor a symbol; one line naming the file, the problem and the layouts supported.
    """
    path = Path(path)
    caseload_path, needs_path = _files(path)
    caseload = read_caseload(caseload_path)
    latest = caseload["year"].max()
    for level in ("national", "regional", "la"):
        if not (caseload.loc[caseload["year"] == latest, "level"] == level).any():
            raise InputFileError(
                caseload_path,
                f"has no {level} row for {latest}; the section compares the council with its "
                "region and England",
                "use the whole file as the release publishes it",
            )
    needs = read_inmss_needs(needs_path) if needs_path is not None else None
    return Release(caseload, needs, latest, caseload_path.parent)


@functools.cache
def _summary(path: Path, stamp: tuple[int, int]) -> tuple[str, tuple[dict, ...]]:
    frame = read_caseload(path)
    latest = frame["year"].max()
    rows = frame.loc[(frame["level"] == "la") & (frame["year"] == latest)].sort_values("name")
    return latest, tuple(
        {
            "name": row.name,
            # the release gives no council's full name; its name is what it prints
            "full_name": row.name,
            "old_la_code": row.old_la_code,
            "new_la_code": row.code,
            "region_name": row.region_name,
            "region_code": row.region_code,
        }
        for row in rows.itertuples(index=False)
    )


def local_authorities(path: str | Path) -> list[dict]:
    """The local authorities of a release's latest year, by name: each one's name, codes and
    region as the release prints them (for a fan-out over every council). Read once per
    process for each version of the file.

    Raises
    ------
    InputFileError
        As ``read_release``.
    """
    return [dict(a) for a in _summarised(path)[1]]


def latest_year(path: str | Path) -> str:
    """The latest academic year of a release (``2024/25``), read once per process."""
    return _summarised(path)[0]


def _summarised(path: str | Path) -> tuple[str, tuple[dict, ...]]:
    caseload, _ = _files(Path(path))
    info = caseload.stat()
    return _summary(caseload.resolve(), (info.st_mtime_ns, info.st_size))
