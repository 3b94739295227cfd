"""Report types as plug-ins: the one registry through which the core finds every type.

A report type (``inmss``, ``residential``, or one of a council's own) is a sub-package that
declares, in one ``ReportType``, everything the core needs: the definition keys it adds and
their models, its input kinds (each with its cleaner and the identifier columns the
publication gate must search for), the notebook that builds its appendix, and its
sample-data generator. The core (definitions, cleaning, rendering, the gate, the command
line) asks this registry and names no type itself.

Types are found, as papermill finds its engines, in three places, in this order: the
built-in ones (``pipeline.reports.inmss``, ``pipeline.reports.residential``), modules named
in the environment variable ``INMSS_APPENDIX_PLUGINS`` (comma-separated; each registers its
type when imported), and the ``inmss_appendix.report_types`` entry points of installed
packages. The last two are only looked at when a name is not found among the others, so the
common case imports nothing extra.

The declarations hold dotted names (``"module:function"``) rather than functions, so that
finding a type imports no pandas: a cached render and ``--help`` stay light.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UnknownReportType

PLUGINS_ENV = "INMSS_APPENDIX_PLUGINS"
ENTRY_POINT_GROUP = "inmss_appendix.report_types"
BUILT_IN = ("pipeline.reports.inmss", "pipeline.reports.residential")


def resolve(target: str) -> Callable[..., Any]:
    """The object a ``"package.module:name"`` string names, imported on demand."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class InputKind:
    """One kind of input a report type reads (``placements``, ``homes``, ...).

    Attributes
    ----------
    name : str
        The value of ``kind:`` in a report definition's input.
    cleaner : str or None
        ``"module:function"`` called as ``function(raw, definition=..., extract=...)``
        returning a ``pipeline.clean.CleanResult``; None for an input the type reads itself
        (e.g. finance records), which is not cleaned into the interim layer.
    identifiers : tuple of str
        Columns of the clean table that hold pseudonyms; the gate refuses any file that
        shows one of their values.
    standalone : str or None
        ``"module:function"`` that cleans an export of this kind without a report
        definition, for ``python -m pipeline clean``: called with the raw frame and the
        keywords ``framework``, ``council``, ``snapshot_date``, ``fee_ceiling``, ``salt``,
        ``source`` (a kind uses those it needs).
    missing : str or None
        ``"module:function"`` taking an export's headers and returning the required columns
        they lack, so ``clean`` can tell which kind an export is.
    authorities : str or None
        ``"module:function"`` taking an input's path and returning the local authorities it
        covers (mappings of ``name``, ``full_name``, ``old_la_code``, ``new_la_code``,
        ``region_name``, ``region_code``), for a fan-out over them
        (``fan_out: {over: local_authorities, input: ...}``).
    """

    name: str
    cleaner: str | None = None
    identifiers: tuple[str, ...] = ()
    standalone: str | None = None
    missing: str | None = None
    authorities: str | None = None

    @property
    def cleaned(self) -> bool:
        return self.cleaner is not None


@dataclass(frozen=True)
class ReportType:
    """Everything the core needs to know about one report type.

    Attributes
    ----------
    name : str
        The value of ``report_type:`` in a report definition.
    notebook : Path
        The notebook that builds the appendix (cleaning is the shared ``01-clean``).
    kinds : tuple of InputKind
        The input kinds this type reads; the first is the default ``kind``.
    settings : mapping of str to (model, default)
        The top-level definition keys this type adds, each with its pydantic model (or
        type) and default (``...`` for a required key).
    check : str or None
        ``"module:function"`` called with the validated definition; raises ``ValueError``
        with a message naming the key when the parts of a definition disagree.
    samples : str or None
        ``"module:function"`` called as ``function(folder, seed=None)`` that writes the
        type's synthetic sample exports and returns their paths.
    samples_folder : str
        Where under ``data/raw/`` the samples go (``""`` for ``data/raw/`` itself).
    audit : str or None
        ``"module:function"`` called with the definition, returning the disclosure audit's
        table specs and universe (``pipeline.audit``): how an attacker reads each published
        table. A type without it cannot publish a table (nothing could check it).
    """

    name: str
    notebook: Path
    kinds: tuple[InputKind, ...]
    settings: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    check: str | None = None
    samples: str | None = None
    samples_folder: str = ""
    audit: str | None = None
    description: str = ""

    def kind(self, name: str) -> InputKind | None:
        return next((k for k in self.kinds if k.name == name), None)

    @property
    def identifier_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for k in self.kinds for c in k.identifiers))


_REGISTRY: dict[str, ReportType] = {}
_loaded_built_ins = False


def register(report_type: ReportType, *, replace: bool = False) -> ReportType:
    """Add a report type; a second type of the same name is refused unless ``replace``."""
    known = _REGISTRY.get(report_type.name)
    if known is not None and known != report_type and not replace:
        raise ValueError(f"a report type named '{report_type.name}' is already registered")
    _REGISTRY[report_type.name] = report_type
    return report_type


def unregister(name: str) -> None:
    """Remove a report type (tests that register one of their own tidy up with this)."""
    _REGISTRY.pop(name, None)


def _load_built_ins() -> None:
    global _loaded_built_ins
    if not _loaded_built_ins:
        _loaded_built_ins = True
        for module in BUILT_IN:
            importlib.import_module(module)


def _load_plugins() -> None:
    for module in filter(None, (m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(","))):
        importlib.import_module(module)
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if isinstance(loaded, ReportType):
            register(loaded)


def get(name: str) -> ReportType:
    """The registered report type called ``name``.

    Raises
    ------
    UnknownReportType
        Naming the registered types, when none is called ``name``.
    """
    _load_built_ins()
    if name not in _REGISTRY:
        _load_plugins()
    if name not in _REGISTRY:
        raise UnknownReportType(
            f"report_type '{name}' is not a known report type (known: "
            f"{', '.join(sorted(_REGISTRY))}; a plug-in's module goes in {PLUGINS_ENV})"
        )
    return _REGISTRY[name]


def cleanable_kinds() -> dict[str, InputKind]:
    """Every input kind ``python -m pipeline clean`` can clean on its own, by name."""
    return {k.name: k for t in all_types() for k in t.kinds if k.standalone and k.missing}


def all_types() -> list[ReportType]:
    """Every registered report type, built-in ones first."""
    _load_built_ins()
    return list(_REGISTRY.values())
