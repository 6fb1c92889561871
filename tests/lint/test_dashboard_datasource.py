"""dashboard/datasource: datasources through the template variable."""
import pytest

from compiler.lint.rules import dashboard_datasource as rule
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401

E = "sum(rate(codeverify_analyses_total[$__rate_interval]))"


@pytest.mark.parametrize("ds, ok", [
    pytest.param({"type": "prometheus", "uid": "${datasource}"}, True, id="the variable as uid"),
    pytest.param("$datasource", True, id="the variable as a string"),
    pytest.param({"type": "prometheus"}, True, id="the default datasource of a type"),
    pytest.param({"type": "datasource", "uid": "-- Mixed --"}, True, id="mixed"),
    pytest.param("Prometheus", False, id="a datasource name"),
    pytest.param({"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}, False, id="a datasource uid"),
])
def test_panel_datasource(lint_dashboard, ds, ok):
    assert (lint_dashboard(dashboard(panel(E, datasource=ds)), rule) == []) == ok


def test_query_variable_with_hard_coded_datasource(lint_dashboard):
    d = dashboard(panel(E))
    d["templating"]["list"].append({"name": "pod", "type": "query", "query": "label_values(up, pod)", "datasource": "Prometheus"})
    assert lint_dashboard(d, rule) == ["variable `pod` uses the hard-coded datasource `Prometheus`"]
