"""Councils as configuration: each English council is one YAML file in this folder.

A report definition names its council (``council: kent``); the council's file gives its
name, its DfE and ONS codes, its region, its districts (none for a unitary authority), the
other spellings of those districts that exports use, and the committee its papers usually go
to. Nothing in the core names a council: a new council is a new file here (or a file of the
council's own, named by path), never a code change.

>>> kent = load_council("kent")
>>> kent.outside, len(kent.districts)
('Outside Kent', 12)
>>> load_council("portsmouth").districts
()
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ReportDefinitionError

FOLDER = Path(__file__).resolve().parent


class Council(BaseModel):
    """One local authority: who it is, where it is, and how its area divides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    full_name: str
    old_la_code: str = Field(pattern=r"^\d{3}$")
    new_la_code: str = Field(pattern=r"^E(06|08|09|10)\d{6}$")
    region_name: str
    region_code: str = Field(pattern=r"^E12\d{6}$")
    committee: str | None = None
    #: The typeface of the council's house style (PDF and Word), e.g. ``Arial``.
    font: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$")
    districts: tuple[str, ...] = ()
    district_aliases: dict[str, str] = Field(default_factory=dict)

    @property
    def outside(self) -> str:
        """The label of a home outside the council's area (``Outside Kent``)."""
        return f"Outside {self.name}"

    @property
    def unitary(self) -> bool:
        return not self.districts


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@functools.cache
def load_council(name: str) -> Council:
    """The council called ``name`` (a slug such as ``west-sussex``, its name, or a path).

    Raises
    ------
    ReportDefinitionError
        Naming the known councils, when there is no such file, or the key at fault.
    """
    path = Path(name)
    if path.suffix not in (".yml", ".yaml"):
        path = FOLDER / f"{_slug(name)}.yml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in FOLDER.glob("*.yml")))
        raise ReportDefinitionError(
            f"council '{name}' is not known (known: {known}); add a file "
            f"pipeline/councils/<name>.yml or give the path of one"
        )
    try:
        return Council.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        keys = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ReportDefinitionError(f"{path}: {keys}") from None


def find_council(name: str) -> Council | None:
    """The council called ``name`` (its slug or its name), or None where no file has it.

    >>> find_council("West Sussex").new_la_code, find_council("Narnia")
    ('E10000032', None)
    """
    return load_council(name) if _slug(name) in known_councils() else None


def known_councils() -> list[str]:
    """The slugs of the councils that have a file here."""
    return sorted(p.stem for p in FOLDER.glob("*.yml"))
