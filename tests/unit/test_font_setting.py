"""The typeface as a setting: the definition's, else its council's, else Liberation Sans."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat
import pytest

from pipeline import document
from pipeline.config import DEFAULT_FONT, PROJECT_ROOT, load_report_definition
from pipeline.errors import ReportDefinitionError
from tests.fixtures.documents import SAMPLE_META


def write_definition(tmp_path: Path, text: str = "", **extra: str) -> Path:
    base = (PROJECT_ROOT / "reports" / "25-00007.yml").read_text()
    base += text + "".join(f"\n{key}: {value}" for key, value in extra.items()) + "\n"
    path = tmp_path / "report.yml"
    path.write_text(base)
    return path


def test_the_default_font_is_liberation_sans(tmp_path: Path) -> None:
    assert DEFAULT_FONT == "Liberation Sans"
    assert load_report_definition(write_definition(tmp_path)).typeface == "Liberation Sans"


def test_a_definition_names_its_font(tmp_path: Path) -> None:
    definition = load_report_definition(write_definition(tmp_path, font="Arial"))
    assert definition.typeface == "Arial"


def test_a_council_names_its_house_font_and_a_definition_overrides_it(tmp_path: Path) -> None:
    council = tmp_path / "council.yml"
    council.write_text(
        (PROJECT_ROOT / "pipeline" / "councils" / "kent.yml").read_text() + "font: Verdana\n"
    )
    text = write_definition(tmp_path).read_text().replace("council: kent", f"council: {council}")
    path = tmp_path / "report.yml"
    path.write_text(text)
    assert load_report_definition(path).typeface == "Verdana"
    path.write_text(text + "font: Arial\n")
    assert load_report_definition(path).typeface == "Arial"


def test_a_font_that_is_not_a_family_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportDefinitionError, match="font"):
        load_report_definition(write_definition(tmp_path, font="'Arial; } body {'"))
    with pytest.raises(ValueError, match="font"):
        dataclasses.replace(SAMPLE_META, font="x; } @import")


def test_the_page_and_the_pdf_margin_boxes_are_set_in_the_font_and_its_metric_twins() -> None:
    assert document.font_stack("Arial") == '"Arial", "Liberation Sans", "Arimo", sans-serif'
    assert document.font_stack("Verdana") == '"Verdana", sans-serif'
    css = document.font_css("Liberation Sans")
    assert css.count('"Liberation Sans", "Arial", "Arimo", sans-serif') == 5
    html = document.build_html(nbformat.v4.new_notebook(), SAMPLE_META)
    assert 'html { font-family: "Liberation Sans", "Arial", "Arimo", sans-serif; }' in html
    arial = document.build_html(
        nbformat.v4.new_notebook(), dataclasses.replace(SAMPLE_META, font="Arial")
    )
    assert 'html { font-family: "Arial", "Liberation Sans"' in arial
