"""dashboard/ignored-filter: every query of a dashboard uses each of its filter variables."""
import pytest

from compiler.lint.rules import dashboard_ignored_filter as rule
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401

FILTERS = ("datasource", "cluster", "namespace")
REQUESTS = "codeverify_http_requests_total"


@pytest.mark.parametrize("expr, variables, ignored", [
    pytest.param(f'sum(rate({REQUESTS}{{cluster=~"$cluster", namespace=~"$namespace"}}[5m]))', FILTERS, [],
                 id="both filters"),
    pytest.param(f'sum(rate({REQUESTS}{{cluster="$cluster", namespace="${{namespace}}"}}[5m]))', FILTERS, [],
                 id="equality and the braced form"),
    pytest.param(f'sum(rate({REQUESTS}{{job=~"($namespace)/api", cluster=~"$cluster"}}[5m]))', FILTERS, [],
                 id="a label built from the variable, as the Grafana mixins do"),
    pytest.param(f'sum(rate({REQUESTS}[5m]))', ("datasource",), [], id="a dashboard without filters"),
    pytest.param(f'sum(rate({REQUESTS}{{namespace=~"$namespace"}}[5m]))', FILTERS, ["cluster"],
                 id="one filter missing"),
    pytest.param(f'sum(rate({REQUESTS}{{cluster=~"$cluster", namespace=~"$namespace", status=~"5.."}}[5m]))\n/\n'
                 f'sum(rate({REQUESTS}{{cluster=~"$cluster"}}[5m]))', FILTERS, ["namespace"],
                 id="one side of a ratio unfiltered"),
    pytest.param(f'sum(rate({REQUESTS}{{cluster!~"$cluster", namespace=~"$namespace"}}[5m]))', FILTERS, ["cluster"],
                 id="a negative matcher does not filter"),
    pytest.param('sum(pg_settings_max_connections)', FILTERS, ["cluster", "namespace"], id="an exporter series"),
    pytest.param('sum(slo:sli_error:ratio_rate5m{cluster=~"$cluster"})', FILTERS, [],
                 id="a recorded series may have aggregated the label away"),
    pytest.param('sum(rate(unknown_metric_total[5m]))', FILTERS, ["cluster", "namespace"],
                 id="an unknown series may have the label"),
    # kube-prometheus kubelet "Running Kubelets": counts every kubelet of the cluster on purpose.
    pytest.param('sum(kubelet_node_name{cluster=~"$cluster", namespace=~"$namespace"})', FILTERS + ("instance",), [],
                 id="a drill-down variable is not an installation filter"),
])
def test_ignored_filter(lint_dashboard, expr, variables, ignored):
    messages = lint_dashboard(dashboard(panel(expr), variables=variables), rule)
    assert sorted(m.split("`$")[1].split("`")[0] for m in messages) == ignored, messages


@pytest.mark.parametrize("target_labels, ignored", [
    pytest.param(("job", "instance"), [], id="a scrape without namespace: exempt"),
    pytest.param(("job", "instance", "namespace"), ["namespace"], id="the same series with namespace: reported"),
])
def test_a_series_that_cannot_carry_the_label_is_exempt(project, tmp_path, target_labels, ignored):
    """A catalog metric whose scrape gives no `namespace` (a managed database behind a static
    scrape config) cannot be filtered by namespace; the cluster label every series may carry."""
    import json

    from compiler.catalog import Catalog
    from compiler.lint import external
    from compiler.lint.project_cache import CatalogMetric, CatalogSource, LightProject

    metric = CatalogMetric("edge_requests_total", "counter", "edge", (), {}, ())
    catalog = Catalog([*project.catalog.metrics.values(), metric],
                      [*project.catalog.sources.values(), CatalogSource("edge", target_labels)],
                      project.catalog.external_labels)
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard(panel('sum(rate(edge_requests_total{cluster=~"$cluster"}[5m]))'),
                                         variables=FILTERS)))
    findings = external.lint_files(LightProject(project.root, project.config, catalog), [str(path)],
                                   rules=(rule,), catalog_strict=True)
    messages = [f.message for f in findings if f.rule == rule.ID]
    assert sorted(m.split("`$")[1].split("`")[0] for m in messages) == ignored, messages


def test_the_finding_names_the_target_line(project):
    from compiler import lint
    from compiler.model import Dashboard, Panel, Row, Target
    import dashboards.common as c

    dash = Dashboard("x", "X", "d.", (Row("r", (Panel("stat", "P", "d.", (
        Target(f"sum(up{c.selector(c.API)})"), Target("sum(up)"),
    ), unit="short"),)),), variables=(c.PROMETHEUS_VARIABLE, *c.FILTER_VARIABLES))
    subjects = list(lint._dashboard_subjects(project, dash))
    findings = lint.run(project, subjects, rules=(rule,))
    assert [(f.location.path[-1], f.location.line) for f in findings] == [("target B", dash.rows[0].panels[0].targets[1].src.line)] * 2


def loki_dashboard(expr: str) -> dict:
    d = dashboard(variables=FILTERS)
    d["templating"]["list"].append({"name": "loki", "type": "datasource", "query": "loki"})
    d["panels"] = [{"id": 1, "type": "logs", "title": "Logs", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
                    "datasource": {"type": "loki", "uid": "${loki}"}, "targets": [{"refId": "A", "expr": expr}]}]
    return d


@pytest.mark.parametrize("expr, ignored", [
    pytest.param('{cluster=~"$cluster", namespace=~"$namespace", app="codeverify-api"} | json', [], id="both"),
    pytest.param('{cluster="$cluster", job=~"($namespace)/distributor"} |= "error"', [],
                 id="a label built from the variable"),
    pytest.param('{namespace=~"$namespace", app="codeverify-api"}', ["cluster"], id="the cluster missing"),
    pytest.param('sum(count_over_time({app="codeverify-api"} [5m]))', ["cluster", "namespace"],
                 id="a metric query on an unfiltered stream"),
])
def test_logql_stream_selectors(lint_dashboard, expr, ignored):
    messages = lint_dashboard(loki_dashboard(expr), rule)
    assert sorted(m.split("`$")[1].split("`")[0] for m in messages) == ignored, messages
    assert all("LogQL stream selector" in m and "target A" in m for m in messages)
