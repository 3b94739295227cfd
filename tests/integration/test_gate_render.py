"""The publication gate on real renders: planted identifiers never reach a published file,
and a render whose output would leak one publishes nothing."""

from __future__ import annotations

import csv
import hashlib
import io as stdio
import shutil

import pytest
import yaml

from pipeline import render
from pipeline.config import PROJECT_ROOT

PLANTED = {
    "Forename": "Philippa",
    "Surname": "Quenby-Marsh",
    "UPN": "K886401234567",
    "Postcode": "CT99 9ZZ",
}


@pytest.fixture(scope="module")
def planted_definition(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    source = (PROJECT_ROOT / "data" / "raw" / "snapshot_2024_01.csv").read_text()
    rows = list(csv.DictReader(stdio.StringIO(source)))
    for number, row in enumerate(rows):
        row["Forename"] = f"{PLANTED['Forename']}{number}" if number else PLANTED["Forename"]
        row["Surname"] = PLANTED["Surname"]
        row["UPN"] = f"K8864{number:08d}" if number else PLANTED["UPN"]
        row["Postcode"] = PLANTED["Postcode"]
    out = stdio.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    export = folder / "planted.csv"
    export.write_text(out.getvalue())
    definition = yaml.safe_load((PROJECT_ROOT / "reports" / "25-00007.yml").read_text())
    definition["id"] = "planted-identifiers-test"
    definition["inputs"] = {
        "snapshot_2024_01": {**definition["inputs"]["snapshot_2024_01"], "path": str(export)}
    }
    definition["sections"] = {
        "demand_profile": "snapshot_2024_01",
        "equality_profile": "snapshot_2024_01",
    }
    # its own narrative (25-00007's names the period's figures, which this report has not)
    narrative = folder / "planted.narrative.md"
    narrative.write_text(
        "In {{ s24.as_at | month_year }} {{ s24.pupils }} pupils were placed in "
        "{{ s24.schools }} schools, {{ s24.need_pct.ASD }} of them with ASD.\n"
    )
    definition["narrative"] = str(narrative)
    path = folder / "planted.yml"
    path.write_text(yaml.safe_dump(definition))
    yield path, rows
    shutil.rmtree(PROJECT_ROOT / "reports" / "planted-identifiers-test", ignore_errors=True)
    shutil.rmtree(
        PROJECT_ROOT / "data" / "interim" / "planted-identifiers-test", ignore_errors=True
    )


def test_planted_identifiers_are_dropped_and_never_published(planted_definition):
    path, rows = planted_definition
    result = render.render_report(path, force=True)
    published = [p for p in result.out_dir.rglob("*") if p.is_file() and "internal" not in p.parts]
    assert {"narrative.md", "narrative.html", "narrative.docx"} <= {p.name for p in published}
    for file in published:
        text = file.read_bytes().decode("utf-8", errors="ignore")
        for value in (*PLANTED.values(), rows[0]["date_of_birth"], rows[0]["pupil_id"]):
            assert value not in text, f"{value} reached {file.name}"


def test_a_leak_is_refused_and_nothing_is_published(planted_definition, monkeypatch):
    from pipeline import document
    from pipeline.gate import PublicationRefused

    path, _ = planted_definition
    render.render_report(path, force=True)
    out = PROJECT_ROOT / "reports" / "planted-identifiers-test"
    before = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()
    }
    real = document.build_html

    def leaky(nb, meta):
        return real(nb, meta).replace(
            "</main>", f"<p>{PLANTED['Forename']} {PLANTED['Surname']}</p></main>"
        )

    monkeypatch.setattr(document, "build_html", leaky)
    with pytest.raises(PublicationRefused) as refused:
        render.render_report(path, force=True)
    assert any(p.check == "identifier" for p in refused.value.problems)
    assert PLANTED["Surname"] not in str(refused.value), "the refusal must not echo the name"
    after = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()
    }
    assert after == before
