"""Provenance of a render: input hashes, code version, environment and the cache key.

A reviewer reads these from ``reports/<id>/manifest.json`` and reruns the report from them;
the renderer uses the cache key to skip a render whose inputs, parameters, notebooks and code
have not changed.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import platform
import subprocess
from collections.abc import Iterable
from pathlib import Path

from pipeline.config import PROJECT_ROOT, ReportDefinition

PACKAGES: tuple[str, ...] = (
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "afcharts",
    "pandera",
    "pydantic",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "weasyprint",
    "pikepdf",
    "gptables",
    "openpyxl",
    "python-calamine",
)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(path: Path) -> int | None:
    """Data rows of a CSV, gzipped or not (lines after the header); None for other files."""
    name = path.name.lower()
    if name.endswith(".csv.gz"):
        opened = gzip.open(path, "rb")
    elif name.endswith(".csv"):
        opened = open(path, "rb")
    else:
        return None
    with opened as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(lines - 1, 0)


def _input_files(path: Path) -> list[Path]:
    """The files of an input: itself, or a release folder's CSV files (gzipped or not) by
    name."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.name.lower().endswith((".csv", ".csv.gz")))
    return [path]


def sha256_input(path: Path) -> str:
    """An input's SHA-256: the file's, or for a release folder one hash of each CSV file's
    name and SHA-256 (``name NUL sha256 newline``, in name order)."""
    if not path.is_dir():
        return sha256_file(path)
    digest = hashlib.sha256()
    for file in _input_files(path):
        digest.update(f"{file.name}\0{sha256_file(file)}\n".encode())
    return digest.hexdigest()


def input_records(definition: ReportDefinition) -> dict[str, dict]:
    """Every input of a report with its path, SHA-256 and row count."""
    records = {}
    for name, extract in definition.inputs.items():
        path = extract.resolved_path()
        records[name] = {
            "path": str(extract.path),
            "sha256": sha256_input(path),
            "rows": sum(count_rows(file) for file in _input_files(path)),
        }
    return records


def git_state(root: Path = PROJECT_ROOT) -> dict[str, object]:
    """The commit the code is at and whether the work tree has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def environment() -> dict[str, object]:
    """Python and package versions."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": platform.python_version(), "packages": versions}


def code_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files whose content decides what a render produces (package, templates, notebooks)."""
    files = sorted((root / "pipeline").rglob("*"))
    files += sorted((root / "notebooks").glob("*.ipynb"))
    return [f for f in files if f.is_file() and "__pycache__" not in f.parts]


def _module_file(name: str, root: Path) -> Path | None:
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports_of(path: Path, module: str) -> set[str]:
    """Every ``pipeline`` module ``path`` imports, at the top or inside a function."""
    import ast

    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)  # a submodule
    return {name for name in found if name == "pipeline" or name.startswith("pipeline.")}


def module_closure(modules: Iterable[str], root: Path = PROJECT_ROOT) -> list[Path]:
    """The files of ``modules`` and of every ``pipeline`` module they import, transitively.

    Read from the code itself (imports inside functions included), so a cache keyed on it
    follows the code that runs: a new module a cleaner imports is in the key without anyone
    listing it. Each package a module sits in is included (its ``__init__`` runs first).

    >>> names = {p.name for p in module_closure(["pipeline.errors"])}
    >>> sorted(names)
    ['__init__.py', 'errors.py']
    """
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(name, root)
        if path is None:
            continue  # a name imported from a module, not a module
        seen[name] = path
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        todo += sorted(_imports_of(path, name))
    return sorted(set(seen.values()))


def files_digest(files: Iterable[Path]) -> str:
    """One hash of a set of files' names (relative to the project) and contents."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def cache_key(
    definition_text: str,
    inputs: dict[str, dict],
    files: Iterable[Path],
    env: dict[str, object],
) -> str:
    """One hash of everything a render depends on."""
    digest = hashlib.sha256()
    digest.update(definition_text.encode("utf-8"))
    for name in sorted(inputs):
        digest.update(f"{name}={inputs[name]['sha256']}".encode())
    digest.update(files_digest(files).encode())
    digest.update(repr(sorted(env["packages"].items())).encode())
    digest.update(str(env["python"]).encode())
    return digest.hexdigest()
