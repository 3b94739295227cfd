"""The layout's rules, checked from the code itself: the core names no report type and no
council; a report type reaches another only where the debt is written down here."""

from __future__ import annotations

import ast
from pathlib import Path

from pipeline.config import PROJECT_ROOT
from pipeline.provenance import _imports_of

PACKAGE = PROJECT_ROOT / "pipeline"
TYPES = sorted(p.name for p in (PACKAGE / "reports").iterdir() if (p / "__init__.py").exists())
#: Tools that measure the INMSS sample on purpose (they are not the core).
TOOLS = {"bench.py", "bench_render.py", "bench_startup.py", "bench_context.py"}
#: Imports from one report type into another that are allowed (none: each builds on the
#: shared kernel alone).
CROSS_TYPE: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def core_modules() -> list[Path]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        inside = path.relative_to(PACKAGE).parts
        if inside[0] == "reports" and len(inside) > 2:
            continue  # a report type's own package
        if path.name in TOOLS:
            continue
        modules.append(path)
    return modules


def test_the_core_imports_no_report_type():
    for path in core_modules():
        named = _imports_of(path, module_name(path))
        typed = sorted(
            n for n in named if any(n.startswith(f"pipeline.reports.{t}") for t in TYPES)
        )
        assert not typed, f"{path.relative_to(PROJECT_ROOT)} imports {typed}"


def test_a_report_type_imports_another_only_where_written_down():
    for own in TYPES:
        for path in sorted((PACKAGE / "reports" / own).rglob("*.py")):
            for name in _imports_of(path, module_name(path)):
                for other in TYPES:
                    if other != own and name.startswith(f"pipeline.reports.{other}"):
                        known = any(o == own and name.startswith(m) for o, m in CROSS_TYPE)
                        assert known, f"{path.name} of {own} imports {name}"


def _code_strings(path: Path) -> list[str]:
    """String constants of a module's code, without its docstrings (examples may name one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_core_names_no_council():
    councils = [p.stem.replace("-", " ") for p in (PACKAGE / "councils").glob("*.yml")]
    for path in core_modules():
        for text in _code_strings(path):
            for council in councils:
                assert council not in text.lower(), f"{path.relative_to(PROJECT_ROOT)}: {text!r}"
