"""dashboard/panel-type: no Angular panel types; definitions use a kind the emitter builds."""
import pytest

from compiler.emit import grafana
from compiler.lint.rules import dashboard_panel_type as rule
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401

E = "sum(rate(codeverify_analyses_total[$__rate_interval]))"


@pytest.mark.parametrize("kind, message", [
    pytest.param("timeseries", None, id="timeseries"),
    pytest.param("stat", None, id="stat"),
    pytest.param("graph", "`graph` is deprecated (Angular): use `timeseries`", id="the guide's graph panel"),
    pytest.param("singlestat", "use `stat`", id="singlestat"),
    pytest.param("grafana-piechart-panel", "use `piechart`", id="the old piechart plugin"),
])
def test_panel_type(lint_dashboard, kind, message):
    messages = lint_dashboard(dashboard(panel(E, kind=kind)), rule)
    assert messages == ([] if message is None else [m for m in messages if message in m])
    assert (messages == []) == (message is None)


def test_supported_kinds_are_what_the_emitter_builds():
    assert set(rule.SUPPORTED) == set(grafana._BUILDERS)
