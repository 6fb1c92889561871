"""Every dashboard can be narrowed to one installation: namespace and cluster filters on every query."""
from __future__ import annotations

import pytest

import config
import dashboards
from compiler.emit.grafana import dashboard_json
from compiler.lint.rules import dashboard_ignored_filter

DASHBOARDS = {d.uid: d for d in dashboards.DASHBOARDS}


@pytest.fixture(scope="module", params=sorted(DASHBOARDS))
def dash(request):
    return DASHBOARDS[request.param]


def variables(d) -> dict:
    return {v["name"]: v for v in dashboard_json(d)["templating"]["list"]}


def test_every_dashboard_has_both_filters(dash):
    found = variables(dash)
    for name, label in ((config.NAMESPACE_VAR, "namespace"), (config.CLUSTER_VAR, config.CLUSTER_LABEL)):
        v = found[name]
        assert v["type"] == "query" and v["multi"] and v["includeAll"], v
        assert v["query"].startswith("label_values(") and v["query"].endswith(f", {label})"), v
    assert dashboard_ignored_filter.filters(dash.variables) == {
        config.NAMESPACE_VAR: "namespace", config.CLUSTER_VAR: config.CLUSTER_LABEL}


def test_the_cluster_dropdown_shows_only_with_several_clusters(dash):
    found = variables(dash)
    assert found[config.CLUSTER_VAR]["hide"] == (0 if config.MULTI_CLUSTER else 2)
    # "All" clusters must also match series without the label (one Prometheus, no Thanos)...
    assert found[config.CLUSTER_VAR]["allValue"] == ".*"
    # ...while "All" namespaces are the listed ones only: cAdvisor panels must not show other workloads.
    assert "allValue" not in found[config.NAMESPACE_VAR]
    assert found[config.NAMESPACE_VAR]["current"]["value"] == [config.APP_NAMESPACE]


def test_every_target_uses_both_filters(dash):
    """Prometheus and Loki targets alike name each filter variable in their selectors."""
    for panel in dash.panels:
        for target in panel.targets:
            for name in (config.NAMESPACE_VAR, config.CLUSTER_VAR):
                assert f"=~\"${name}\"" in target.expr, (panel.title, target.expr)


def test_the_project_has_no_ignored_filter():
    from compiler import lint
    from compiler.load import load
    from conftest import ROOT

    project = load(ROOT)
    findings = lint.run(project, lint.subjects(project), rules=(dashboard_ignored_filter,))
    assert findings == []
