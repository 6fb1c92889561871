"""The SLO dashboard: generated from the SLO objects, reading recording rules only."""
from __future__ import annotations

import dataclasses
import json
import os

import pytest

from compiler import conventions as cv
from compiler import pipeline, promql
from compiler.slo import dashboard as slo_dashboard
from compiler.emit.grafana import dashboard_json
from compiler.load import load
from conftest import ROOT

PROJECT = load(ROOT)
pipeline.expand(PROJECT)
DASHBOARD = next(d for d in PROJECT.dashboards if d.uid == "codeverify-slos")


def test_one_row_per_slo_with_the_four_panels():
    assert [r.title.split(":")[0] for r in DASHBOARD.rows] == [s.name for s in PROJECT.slos]
    for row in DASHBOARD.rows:
        assert [p.title for p in row.panels] == ["SLI over 30d", "Error budget left", "Burn rate", "Error budget spent"]
        assert sum(p.width for p in row.panels) == 24


def test_a_fifth_slo_appears_without_dashboard_code():
    fifth = dataclasses.replace(PROJECT.slos[0], name="fifth")
    dash = slo_dashboard.dashboard(PROJECT.slos + (fifth,), PROJECT.config, ROOT)
    assert len(dash.rows) == len(PROJECT.slos) + 1 and dash.rows[-1].title.startswith("fifth:")
    assert 'slo="fifth"' in dash.rows[-1].panels[0].targets[0].expr


@pytest.mark.parametrize("panel", DASHBOARD.panels, ids=lambda p: f"{p.src.file.rsplit('/', 1)[-1]} {p.title}")
def test_every_query_reads_recorded_slo_series_only(panel):
    for target in panel.targets:
        names = {promql.metric_name(s) for s in promql.selectors(promql.parse(target.expr))}
        assert names and all(n.startswith("slo:") for n in names), target.expr


def test_burn_rate_panel_draws_the_alert_thresholds():
    burn = next(p for p in DASHBOARD.panels if p.title == "Burn rate")
    assert [t.value for t in burn.thresholds] == [None, 1, 3, 6, 14.4]
    assert [t.legend for t in burn.targets] == ["1h window", "6h window", "1d window", "3d window"]


def test_emitted_dashboard_matches_out():
    with open(os.path.join(ROOT, "out", "grafana", "codeverify-slos.json")) as fh:
        assert json.load(fh) == json.loads(json.dumps(dashboard_json(DASHBOARD)))


def test_panels_point_at_their_slo_module():
    for row, slo in zip(DASHBOARD.rows, PROJECT.slos):
        assert all(p.src == slo.src for p in row.panels)
    assert PROJECT.locate(DASHBOARD).file == "slo/__init__.py"
    # The SLO's own selector, narrowed to the installations the dashboard's filters hold.
    assert cv.selector(PROJECT.slos[0])[:-1] + ", " in DASHBOARD.rows[0].panels[1].targets[0].expr


def test_per_installation_series_are_filtered_and_the_budget_constant_is_not():
    names = [v.name for v in DASHBOARD.variables]
    assert names[-2:] == ["cluster", "namespace"]
    for row, slo in zip(DASHBOARD.rows, PROJECT.slos):
        for panel in row.panels:
            for target in panel.targets:
                for line in target.expr.splitlines():
                    if cv.ERROR_BUDGET in line:
                        assert line.endswith(cv.selector(slo)), line
                    elif "slo:" in line:
                        assert 'cluster=~"$cluster", namespace=~"$namespace"}' in line, line


def test_the_stats_show_no_data_as_a_state():
    """Without events the SLI is NaN or absent: the stats say so instead of going blank."""
    data = dashboard_json(DASHBOARD)
    stats = [p for p in data["panels"] if p.get("type") == "stat"]
    assert len(stats) == 2 * len(PROJECT.slos)
    for panel in stats:
        defaults = panel["fieldConfig"]["defaults"]
        assert defaults["noValue"] == slo_dashboard.NO_DATA
        (special,) = [m for m in defaults["mappings"] if m["type"] == "special"]
        assert special["options"]["match"] == "null+nan" and special["options"]["result"]["text"] == slo_dashboard.NO_DATA
