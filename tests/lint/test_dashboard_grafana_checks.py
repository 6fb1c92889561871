"""dashboard/unit-id, dashboard/title, dashboard/no-query: what grafana/dashboard-linter checks, here too."""
import pytest

from compiler.lint import grafana_units
from compiler.lint.rules import dashboard_no_query, dashboard_title, dashboard_unit_id
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401

E = "sum(rate(codeverify_analyses_total[$__rate_interval]))"


@pytest.mark.parametrize("unit, message", [
    pytest.param("s", None, id="seconds"),
    pytest.param("percentunit", None, id="a ratio"),
    pytest.param("reqps", None, id="requests per second"),
    pytest.param("binBps", None, id="a unit of a later Grafana"),
    pytest.param("suffix:jobs", None, id="a custom suffix"),
    pytest.param("", None, id="no unit is dashboard/units' finding"),
    pytest.param("notaunit", "unit `notaunit` is not a Grafana unit id", id="the issue's typo"),
    pytest.param("secs", "did you mean", id="a near miss"),
    pytest.param("percentage", "did you mean `percent`", id="percentage"),
    # kube-prometheus node-rsrc-use: page faults per second; difflib alone said `radsv` (a radiation dose).
    pytest.param("rds", "did you mean `rps`", id="a one-letter slip beats a longer id sharing more letters"),
    pytest.param("Bytes", "did you mean `bytes`", id="case"),
    pytest.param("Ms", "did you mean `ms`", id="case before a longer id one edit away (MBs)"),
    pytest.param("GBITS", "did you mean `Gbits`", id="a slip of case in several letters"),
    pytest.param("mbs", "did you mean `MBs`", id="case: MBs, not ms one deletion away"),
    pytest.param("qps", "did you mean `reqps`", id="the first letter kept: not Bps or cps, one edit away"),
    pytest.param("C", "(or a custom unit", id="one letter: no id one edit away stands for it"),
    pytest.param("suffix:", "not a Grafana unit id", id="an empty custom unit"),
])
def test_unit_id(lint_dashboard, unit, message):
    messages = lint_dashboard(dashboard(panel(E, unit=unit)), dashboard_unit_id)
    assert messages == [] if message is None else any(message in m for m in messages), messages


def test_logs_panels_have_no_unit_to_check(lint_dashboard):
    assert lint_dashboard(dashboard(panel(E, kind="logs", unit="whatever")), dashboard_unit_id) == []


def test_every_unit_the_project_uses_is_known():
    import dashboards
    units = {p.unit for d in dashboards.DASHBOARDS for p in d.panels}
    assert units and all(grafana_units.known(u) for u in units), units


@pytest.mark.parametrize("dash_title, panel_title, message", [
    pytest.param("Test", "Requests", None, id="both titled"),
    pytest.param("Test", "", "a `timeseries` panel has no title", id="an untitled panel"),
    pytest.param("Test", "   ", "has no title", id="a blank panel title"),
    pytest.param("", "Requests", "the dashboard has no title", id="an untitled dashboard"),
])
def test_title(lint_dashboard, dash_title, panel_title, message):
    d = dashboard(panel(E, title=panel_title))
    d["title"] = dash_title
    messages = lint_dashboard(d, dashboard_title)
    assert messages == [] if message is None else any(message in m for m in messages), messages


def test_a_row_needs_no_title(lint_dashboard):
    d = dashboard(panel(E, title="P", grid=(0, 1, 12, 8), pid=2))
    d["panels"].insert(0, {"id": 1, "type": "row", "title": "", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
                           "panels": []})
    assert lint_dashboard(d, dashboard_title) == []


@pytest.mark.parametrize("kind, exprs, message", [
    pytest.param("timeseries", (E,), None, id="a query"),
    pytest.param("text", (), None, id="a text panel needs none"),
    pytest.param("timeseries", (), "the `timeseries` panel has no query", id="no target"),
    pytest.param("stat", ("  ",), "has no query", id="an empty expression"),
])
def test_no_query(lint_dashboard, kind, exprs, message):
    messages = lint_dashboard(dashboard(panel(*exprs, kind=kind)), dashboard_no_query)
    assert messages == [] if message is None else any(message in m for m in messages), messages


def test_a_panel_reusing_another_panels_results_has_its_queries(lint_dashboard):
    p = panel(kind="stat")
    p["datasource"] = {"type": "datasource", "uid": "-- Dashboard --"}
    assert lint_dashboard(dashboard(p), dashboard_no_query) == []
