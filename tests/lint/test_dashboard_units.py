"""dashboard/units: value panels have a unit."""
import pytest

from compiler.lint.rules import dashboard_units as rule
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401

E = "sum(rate(codeverify_analyses_total[$__rate_interval]))"


@pytest.mark.parametrize("kind, unit, ok", [
    pytest.param("timeseries", "s", True, id="a timeseries with a unit"),
    pytest.param("logs", "", True, id="a logs panel needs none"),
    pytest.param("stat", "", False, id="a stat without a unit"),
    pytest.param("timeseries", None, False, id="no fieldConfig at all"),
])
def test_units(lint_dashboard, kind, unit, ok):
    assert (lint_dashboard(dashboard(panel(E, kind=kind, unit=unit)), rule) == []) == ok


def test_a_graph_panel_unit_comes_from_its_y_axis(lint_dashboard):
    p = panel(E, kind="graph", unit=None, yaxes=[{"format": "s"}, {"format": "short"}])
    assert lint_dashboard(dashboard(p), rule) == []
