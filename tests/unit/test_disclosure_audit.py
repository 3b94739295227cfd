"""The leaks issue 13 found, rebuilt through the real table builders: the old suppression
fails the attacker's audit, the new one (a mean travels with its count) passes it; and the
render refuses a table the audit can see through."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import disclosure, tables
from pipeline.audit import Cell, Dimension, Group, Measure, Universe, audit
from pipeline.errors import PublicationRefused

THRESHOLD = 5


def placements(rows: list[tuple[str, str, int, float]], by: str) -> pd.DataFrame:
    """(group, category, how many, each one's fee) -> one row per placement."""
    out = []
    for group, category, n, fee in rows:
        for i in range(n):
            out.append({by: group, "framework_status": category, "annual_fee": fee + 7 * i})
    return pd.DataFrame(out)


def old_cost_mask(table: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """The suppression before issue 13: counts of the whole row, averages over fewer than 5."""
    counts = pd.DataFrame({"n_total": table["n_total"]})
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    mask["n_total"] = disclosure.suppress(
        counts, counts=["n_total"], threshold=THRESHOLD, total_col=None
    )["n_total"]
    for name in [*categories, "total"]:
        small = disclosure.small_base_mask(
            table, base=f"n_{name}", columns=[f"avg_{name}"], threshold=THRESHOLD
        )
        mask[f"avg_{name}"] = small[f"avg_{name}"]
    mask["avg_total"] |= mask["n_total"]
    return mask


def cost_cells(
    table: pd.DataFrame, mask: pd.DataFrame, *, name: str, by: str, dim: str, cats: list[str]
) -> list[Cell]:
    """The published cells of a build_cost_by table: its means and its count of children."""
    cells = []
    for row in table.index:
        key = {} if row == tables.TOTAL else {by: row}
        for cat in [*cats, "total"]:
            group = Group.of({**key, **({dim: cat} if cat != "total" else {})})
            n, value = table.loc[row, f"n_{cat}"], table.loc[row, f"avg_{cat}"]
            common = dict(statistic="mean", measure="fee", half_width=0.5, unit="£")
            label = f"{row}, {cat}"
            if n == 0:
                cells.append(Cell(name, label, group, status="empty", **common))
            elif mask.loc[row, f"avg_{cat}"]:
                cells.append(Cell(name, label, group, status="hidden", true_value=value, **common))
            else:
                cells.append(Cell(name, label, group, value=round(value), **common))
        group = Group.of(key)
        n = float(table.loc[row, "n_total"])
        if mask.loc[row, "n_total"]:
            cells.append(Cell(name, f"{row}, children", group, status="hidden", true_value=n))
        else:
            cells.append(Cell(name, f"{row}, children", group, value=n))
    return cells


# --- res-2021-kent: private homes outside Kent, 4 children, mean recovered to a few pounds

PROVIDERS = ["Private", "Voluntary", "Local authority", "Not known"]
KENT = [
    ("Private", "in_area", 36, 4831.0),
    ("Private", "out_of_area", 4, 4610.0),
    ("Voluntary", "in_area", 4, 4300.0),
    ("Local authority", "in_area", 2, 4380.0),
    ("Not known", "out_of_area", 29, 4560.0),
]
LOCATIONS = ["in_area", "out_of_area"]
KENT_UNIVERSE = Universe(
    (Dimension("provider_type", tuple(PROVIDERS)), Dimension("location", tuple(LOCATIONS))),
    measures={"fee": Measure(lower=0.0)},
)


def kent_audit(mask_of) -> object:
    frame = placements(KENT, "provider_type")
    table = tables.build_cost_by(frame, by="provider_type", categories=LOCATIONS, order=PROVIDERS)
    cells = cost_cells(
        table,
        mask_of(table),
        name="weekly_cost",
        by="provider_type",
        dim="location",
        cats=LOCATIONS,
    )
    # the report's headline: children placed outside Kent, and in Kent
    for location in LOCATIONS:
        n = float(table.loc[tables.TOTAL, f"n_{location}"])
        cells.append(Cell("headline", location, Group.of(location=location), value=n))
    return audit(cells, KENT_UNIVERSE, threshold=THRESHOLD)


def test_kent_private_outside_kent_mean_leaks_under_the_old_suppression():
    result = kent_audit(lambda t: old_cost_mask(t, LOCATIONS))
    assert any(f.cell == "Private, out_of_area" for f in result.findings)


def test_kent_weekly_cost_passes_the_audit_when_a_mean_travels_with_its_count():
    result = kent_audit(
        lambda t: disclosure.suppress_means(t, categories=LOCATIONS, threshold=THRESHOLD)
    )
    assert result.findings == ()
    assert result.range_of("weekly_cost", "Private, out_of_area").cell.status == "hidden"


# --- 25-00065: DPS averages printed by need where the need table hides the DPS counts

NEEDS = ["ASD", "SLD", "HI"]
STATUSES = ["DPS", "Non-DPS"]
NEED = [
    ("ASD", "DPS", 40, 54000.0),
    ("ASD", "Non-DPS", 30, 62000.0),
    ("SLD", "DPS", 15, 63000.0),
    ("SLD", "Non-DPS", 3, 79000.0),
    ("HI", "DPS", 6, 69900.0),
    ("HI", "Non-DPS", 2, 73000.0),
]
NEED_UNIVERSE = Universe(
    (Dimension("need", tuple(NEEDS)), Dimension("framework_status", tuple(STATUSES))),
    measures={"fee": Measure(lower=0.0)},
    noun="placements",
)


def need_audit(new: bool):
    frame = placements(NEED, "need")
    profile = tables.build_profile_by(frame, column="need", categories=STATUSES, order=NEEDS)
    cats = [*STATUSES, "total"]
    profile_mask = disclosure.suppress(profile, counts=cats, threshold=THRESHOLD)
    cells = []
    for row in profile.index:
        for cat in cats:
            key = {} if row == tables.TOTAL else {"need": row}
            if cat != "total":
                key["framework_status"] = cat
            n = float(profile.loc[row, cat])
            if profile_mask.loc[row, cat]:
                cells.append(
                    Cell("need", f"{row}, {cat}", Group.of(key), status="hidden", true_value=n)
                )
            else:
                cells.append(Cell("need", f"{row}, {cat}", Group.of(key), value=n))
    table = tables.build_cost_by(frame, by="need", categories=STATUSES, order=NEEDS)
    if new:
        count_mask = profile_mask[cats].reindex(table.index, fill_value=True)
        mask = disclosure.suppress_means(
            table, categories=STATUSES, threshold=THRESHOLD, count_mask=count_mask
        )
    else:
        mask = old_cost_mask(table, STATUSES)
        mask["n_total"] = profile_mask["total"].reindex(table.index, fill_value=True)
    cells += cost_cells(table, mask, name="cost", by="need", dim="framework_status", cats=STATUSES)
    return audit(cells, NEED_UNIVERSE, threshold=THRESHOLD)


def test_non_dps_means_by_need_leak_under_the_old_suppression():
    result = need_audit(new=False)
    assert {f.cell for f in result.findings} & {"SLD, Non-DPS", "HI, Non-DPS", "HI, DPS"}


def test_means_by_need_pass_the_audit_when_hidden_counts_hide_their_means():
    result = need_audit(new=True)
    assert result.findings == ()


def test_a_mean_whose_count_is_hidden_elsewhere_is_hidden():
    frame = placements(NEED, "need")
    table = tables.build_cost_by(frame, by="need", categories=STATUSES, order=NEEDS)
    counts = pd.DataFrame(False, index=table.index, columns=[*STATUSES, "total"])
    counts.loc["HI", ["DPS", "Non-DPS"]] = True
    mask = disclosure.suppress_means(
        table, categories=STATUSES, threshold=THRESHOLD, count_mask=counts
    )
    assert mask.loc["HI", "avg_DPS"] and mask.loc["HI", "avg_Non-DPS"]


def test_two_hidden_cells_beside_a_total_of_five_may_each_be_empty_so_the_total_stays():
    # 2 and 3 hidden beside a shown 5: a [c] average does not say its cell holds a child
    # (the mean of a hidden zero is [c] too), so each is 0 to 5 and the total can be shown
    t = pd.DataFrame(
        {"a": [2, 30, 32], "b": [3, 40, 43], "total": [5, 70, 75]}, index=["x", "y", "Total"]
    )
    mask = disclosure.suppress(t, counts=["a", "b", "total"], threshold=THRESHOLD)
    assert mask.loc["x", ["a", "b"]].all() and not mask.loc["x", "total"]
    grid = [
        Cell(
            "t",
            f"{r}, {c}",
            Group.of(
                {**({} if r == "Total" else {"row": r}), **({} if c == "total" else {"col": c})}
            ),
            status="hidden" if mask.loc[r, c] else "shown",
            value=None if mask.loc[r, c] else float(t.loc[r, c]),
            true_value=float(t.loc[r, c]),
        )
        for r in t.index
        for c in t.columns
    ]
    universe = Universe((Dimension("row", ("x", "y")), Dimension("col", ("a", "b"))))
    assert audit(grid, universe, threshold=THRESHOLD).findings == ()


# --- the render refuses a table the audit sees through, one line per finding


def test_the_render_refuses_a_leaking_table_naming_the_table_the_cell_and_how(monkeypatch):
    from pipeline import publish, render, reports
    from pipeline.audit import TableSpec, count
    from pipeline.config import load_report_definition
    from pipeline.present import Column, HtmlTable

    definition = load_report_definition(render.PROJECT_ROOT / "reports" / "25-00065.yml")
    frame = pd.DataFrame({"children": [3, 20, 23]}, index=["F", "M", "Total"])
    mask = pd.DataFrame({"children": [True, False, False]}, index=frame.index)
    table = HtmlTable(
        frame,
        caption="Children by sex",
        columns=[Column("children", "Children")],
        row_header="Sex",
        mask=mask,
        name="leaky",
    )
    payload = publish.table_payload(
        table, row_filter="sex", time_period="2025", time_identifier="June", source=""
    )
    files = render.table_files(definition, [payload])
    files["figures.json"] = b'{"figures": {}}'
    spec = {"leaky": TableSpec({"children": count()})}
    universe = Universe((Dimension("sex", ("F", "M")),))
    declared = definition.type.audit
    real = reports.resolve

    def model(found):
        return lambda name: (lambda d: found) if name == declared else real(name)

    monkeypatch.setattr(reports, "resolve", model((spec, universe)))
    with pytest.raises(PublicationRefused) as refused:
        render.run_audit(definition, [payload], files)
    message = str(refused.value)
    assert "leaky: F, Children" in message and "must be 3" in message
    # a published table without a spec is refused too
    monkeypatch.setattr(reports, "resolve", model(({}, universe)))
    with pytest.raises(PublicationRefused, match="leaky has no audit spec"):
        render.run_audit(definition, [payload], files)


def test_a_figure_no_published_table_prints_is_refused_unless_declared(monkeypatch):
    # The tables hide the 3 girls; a headline figure computed from the data, outside every
    # table, would publish them where the audit of the tables never looks.
    import json

    from pipeline import publish, render, reports
    from pipeline.audit import TableSpec, count
    from pipeline.config import load_report_definition
    from pipeline.present import Column, HtmlTable

    definition = load_report_definition(render.PROJECT_ROOT / "reports" / "25-00065.yml")
    frame = pd.DataFrame({"children": [10, 20, 30]}, index=["F", "M", "Total"])
    table = HtmlTable(
        frame,
        caption="Children by sex",
        columns=[Column("children", "Children")],
        row_header="Sex",
        name="by_sex",
    )
    payload = publish.table_payload(
        table, row_filter="sex", time_period="2025", time_identifier="June", source=""
    )
    files = render.table_files(definition, [payload])
    figures = {
        "s25.girls": {"value": 10, "unit": "count", "label": "Girls"},
        "s25.girls_in_year_9": {"value": 3, "unit": "count", "label": "Girls in Year 9"},
        "projection.cost_m": {"value": 916.0, "unit": "gbp_millions_0dp", "label": "Cost"},
    }
    files["figures.json"] = json.dumps({"figures": figures}).encode()
    spec = {"by_sex": TableSpec({"children": count()})}
    universe = Universe((Dimension("sex", ("F", "M")),))
    declared = definition.type.audit
    real = reports.resolve
    monkeypatch.setattr(
        reports,
        "resolve",
        lambda name: (lambda d: (spec, universe)) if name == declared else real(name),
    )
    with pytest.raises(PublicationRefused) as refused:
        render.run_audit(definition, [payload], files)
    message = str(refused.value)
    assert "figure s25.girls_in_year_9 (3) is in no published table" in message
    assert "s25.girls " not in message  # 10 is printed in the table
    assert "projection.cost_m" not in message  # declared: the definition's assumptions
    del figures["s25.girls_in_year_9"]
    files["figures.json"] = json.dumps({"figures": figures}).encode()
    assert render.run_audit(definition, [payload], files)["findings"] == 0


def test_means_of_one_breakdown_alone_are_protected_by_the_rows_not_a_total_column():
    # Portsmouth's cost table unsplit: 2 children in local-authority homes hide their mean,
    # and their sum (25 x 4604 - 10 x 4746 - 13 x 4649) would give it: one more row is hidden
    table = pd.DataFrame(
        {"avg_total": [4746.0, 3595.0, 4649.0, 4604.0], "n_total": [10.0, 2.0, 13.0, 25.0]},
        index=["Private", "Local authority", "Not known", "Total"],
    )
    mask = disclosure.suppress_means(table, categories=[])
    assert mask.loc["Local authority", "avg_total"] and mask.loc["Local authority", "n_total"]
    assert mask["avg_total"].drop("Total").sum() == 2 and not mask.loc["Total", "avg_total"]
    # every group of 5 or more: nothing to hide
    safe = table.assign(n_total=[10.0, 5.0, 10.0, 25.0])
    assert not disclosure.suppress_means(safe, categories=[]).to_numpy().any()
