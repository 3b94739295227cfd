"""Verify a published appendix: rerun it from its manifest and compare every figure and table.

``verify_report`` refuses when an input's hash no longer matches the manifest (the data has
changed, so a rerun would prove nothing), renders the report afresh into a temporary folder
and compares every figure of ``figures.json`` and every published table file with the
published copy. ``compare_published`` sets a report's figures beside the figures printed in
the committee papers, with the paragraph of each.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import provenance
from pipeline.config import PROJECT_ROOT, load_report_definition, resolve_path
from pipeline.errors import VerifyError
from pipeline.figures import Comparison, compare_with_published


@dataclass
class Difference:
    """One figure or table that does not match."""

    item: str
    published: object
    recomputed: object


@dataclass
class VerifyResult:
    report_id: str
    figures: int
    tables: int
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def read_manifest(report_dir: Path) -> dict:
    path = Path(report_dir) / "manifest.json"
    if not path.exists():
        raise VerifyError(
            f"{path}: no manifest (render the report first: python -m pipeline render ...)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def check_inputs(manifest: dict) -> None:
    """Refuse when an input named in the manifest has changed or gone."""
    changed = []
    for record in manifest["inputs"].values():
        path = resolve_path(record["path"])
        if not path.exists():
            changed.append(f"{record['path']} is missing")
        elif provenance.sha256_file(path) != record["sha256"]:
            changed.append(f"{record['path']} has changed since the render (SHA-256 differs)")
    if changed:
        raise VerifyError(
            "inputs do not match the manifest: "
            + "; ".join(changed)
            + ". Restore the inputs the report was made from, or render it again."
        )


def verify_report(report_dir: str | Path) -> VerifyResult:
    """Re-execute a report from its manifest and compare it with what is published."""
    from pipeline.render import render_report

    report_dir = resolve_path(report_dir)
    manifest = read_manifest(report_dir)
    check_inputs(manifest)
    definition_path = resolve_path(manifest["definition_path"])
    variant = manifest.get("variant") or {}
    load_report_definition(definition_path, variant)
    published = json.loads((report_dir / "figures.json").read_text())["figures"]
    with tempfile.TemporaryDirectory(prefix="verify-") as folder:
        out = Path(folder) / "out"
        render_report(
            definition_path,
            variant=variant,
            force=True,
            out_dir=out,
            interim=Path(folder) / "interim",
        )
        fresh = json.loads((out / "figures.json").read_text())["figures"]
        differences = []
        for figure_id in sorted(set(published) | set(fresh)):
            old = published.get(figure_id, {}).get("value", "(absent)")
            new = fresh.get(figure_id, {}).get("value", "(absent)")
            if not _same(old, new):
                differences.append(Difference(figure_id, old, new))
        table_names = sorted(
            str(p.relative_to(report_dir)) for p in report_dir.glob("tables/*.csv")
        ) + ["tables.xlsx"]
        fresh_names = sorted(str(p.relative_to(out)) for p in out.glob("tables/*.csv"))
        for name in sorted(set(table_names) | set(fresh_names) | {"tables.xlsx"}):
            old_path, new_path = report_dir / name, out / name
            if not old_path.exists() or not new_path.exists():
                differences.append(Difference(name, old_path.exists(), new_path.exists()))
            elif old_path.read_bytes() != new_path.read_bytes():
                differences.append(Difference(name, "published file", "differs from rerun"))
    return VerifyResult(
        report_id=manifest["report"],
        figures=len(published),
        tables=len(table_names),
        differences=differences,
    )


def compare_published(report_dirs: list[str | Path], against: str | Path) -> list[Comparison]:
    """Every published figure found in the reports' figures.json, beside its recomputed value."""
    import yaml

    published = yaml.safe_load(Path(resolve_path(against)).read_text(encoding="utf-8"))
    figures: dict[str, dict] = {}
    for report_dir in report_dirs:
        path = resolve_path(report_dir) / "figures.json"
        figures.update(json.loads(path.read_text())["figures"])
    return compare_with_published(figures, published["figures"])


def format_comparisons(comparisons: list[Comparison]) -> str:
    """A plain-text table: figure, paper paragraph, published, recomputed, reproduced?"""
    rows = [("figure", "paper", "published", "recomputed", "reproduced")]
    for item in comparisons:
        recomputed = item.recomputed
        if isinstance(recomputed, float):
            recomputed = f"{recomputed:,.4f}".rstrip("0").rstrip(".")
        rows.append(
            (
                item.figure_id,
                item.source,
                str(item.published),
                str(recomputed),
                "yes" if item.reproduced else "NO",
            )
        )
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(5)]
    lines = []
    for row in rows:
        lines.append(
            "  ".join(cell[:60].ljust(width) for cell, width in zip(row, widths, strict=True))
        )
    done = sum(1 for c in comparisons if c.reproduced)
    lines.append(f"{done} of {len(comparisons)} published figures reproduced")
    return "\n".join(lines)


__all__ = ["PROJECT_ROOT", "VerifyError", "compare_published", "verify_report"]
