"""Each false-positive class the linter had on real-world files, and the true finding next to it.

Examples are written in the style of the corpus (../shared/corpus: kube-prometheus, vendor
mixins, awesome-prometheus-alerts); each class has cases that must pass and cases that must
still be found, through the same external-file path as `build.py lint PATH`.
"""
from __future__ import annotations


import pytest
from click.testing import CliRunner

import build
from compiler.lint.rules import (
    alerts_comparison,
    alerts_template,
    dashboard_layout,
    promql_absent,
    promql_counter_raw,
    promql_histogram,
    promql_unknown_label,
    rule_duplicate,
    rule_record_name,
)
from conftest import ROOT
from lintkit import alert, dashboard, lint_alert, lint_dashboard, lint_panel_expr, lint_text, panel, project, rule_file  # noqa: F401


def case(rule, expr, found, id):
    return pytest.param(rule, expr, found, id=id)


ALERT_CASES = [
    # --- the catalog applies CodeVerify's scrape labels only to CodeVerify's series ---------
    case(promql_unknown_label, 'up{tier="lb"} == 0', None, "a foreign up with its own target label"),
    case(promql_unknown_label, "count by (cluster) (up == 0) > 1", None, "a foreign up grouped by cluster"),
    case(promql_unknown_label, 'up{app="codeverify-worker", tier="lb"} == 0', "`up` has no label `tier`",
         "CodeVerify's own up still has CodeVerify's labels"),
    case(promql_unknown_label, 'codeverify_queue_length{tier="x"} > 1', "no label `tier`",
         "a CodeVerify metric still has only its labels"),
    # --- histograms: joins, native histograms, VictoriaMetrics ------------------------------
    case(promql_histogram,
         "histogram_quantile(0.99, sum by (cluster, instance, le) (rate(kubelet_pleg_relist_duration_seconds_bucket[5m]))"
         " * on (cluster, instance) group_left (node) max by (cluster, instance, node) (kubelet_node_name)) > 1",
         None, "a join with group_left: the left side keeps le"),
    case(promql_histogram, "histogram_quantile(0.9, sum by (job) (rate(http_request_duration_seconds[5m]))) > 1",
         None, "a native histogram has no le"),
    case(promql_histogram, "histogram_quantile(0.9, sum by (vmrange) (rate(http_request_duration_seconds_bucket[5m]))) > 1",
         None, "VictoriaMetrics buckets are vmrange"),
    case(promql_histogram, "histogram_quantile(0.99, sum by (job) (rate(thanos_replicate_run_duration_seconds_bucket[5m]))) > 20",
         "drops the `le` label", "classic buckets summed without le are still found"),
    case(promql_histogram,
         "histogram_quantile(0.99, sum by (job) (rate(x_bucket[5m])) * on (job) group_left max by (job) (x_info)) > 1",
         "drops the `le` label", "and in the many side of a join"),
    # --- absent: guards are not the condition ------------------------------------------------
    case(promql_absent,
         '(sum by (cluster) (requests) - sum by (cluster) (allocatable) > 0) and '
         'count by (cluster) (max by (cluster, node) (kube_node_role{role="control-plane"})) < 3',
         None, "a count < 3 in an and guard"),
    case(promql_absent, "up == 0 unless on (job) (sum by (job) (up) == 0)", None, "a sum == 0 in an unless guard"),
    case(promql_absent, "sum without (type) (rate(prometheus_tsdb_head_samples_appended_total[5m])) <= 0",
         None, "without keeps each target"),
    case(promql_absent, "count by (cluster, group) (ceph_nvmeof_gateway_info) == 1", None, "== 1 asks for exactly one"),
    case(promql_absent, "sum(rabbitmq_running) < 3", "returns nothing when the selected series are missing",
         "a too-few sum is still found"),
    case(promql_absent, "count by (backend) (traefik_backend_server_up) == 0", "`count(...) == ...` can never fire",
         "count == 0, which can never fire, is still found"),
    # --- counter-raw: a counter joined with an info series stays a counter ---------------------
    case(promql_counter_raw,
         "rate((codeverify_analyses_total * on (pod) group_left (node) kube_pod_info)[5m:1m]) > 1",
         None, "rated through a subquery"),
    case(promql_counter_raw, "sum(codeverify_analyses_total) > 1", "is used raw", "a summed raw counter is still found"),
    # --- comparison idioms ---------------------------------------------------------------------
    case(alerts_comparison, "vector(1)", None, "a watchdog fires by design"),
    case(alerts_comparison, "count by (instance) (alloy_build_info offset 2h) unless count by (instance) (alloy_build_info)",
         None, "x offset 2h unless x"),
    case(alerts_comparison, 'ceph_nvmeof_subsystem_listener_iface_info{operstate="down"}', None,
         "an info series selected by label"),
    case(alerts_comparison,
         "max without (revision) (kube_statefulset_status_current_revision unless kube_statefulset_status_update_revision)"
         " * (kube_statefulset_replicas != kube_statefulset_status_replicas_updated)",
         None, "a filtering != inside a product"),
    case(alerts_comparison, 'rate(codeverify_http_requests_total{status=~"5.."}[5m])', "has no comparison",
         "a bare rate is still found"),
    case(alerts_comparison, 'codeverify_queue_length{queue="x"}', "has no comparison",
         "a gauge selected by label is still found"),
    # --- templates over a foreign series: only what the expression drops is known -----------
    case(alerts_template, 'up{job="node"} == 0', None, "a foreign up keeps whatever labels it has"),
]


@pytest.mark.parametrize("rule, expr, found", ALERT_CASES)
def test_alert_expressions(lint_text, rule, expr, found):
    text = rule_file(alert(expr, annotations={"summary": "{{ $labels.instance }} down.", "description": "d",
                                              "runbook_url": "https://example.com/r"}))
    messages = [f.message for f in lint_text(text, rule)]
    if found is None:
        assert messages == []
    else:
        assert any(found in m for m in messages), messages


def test_a_template_label_the_aggregation_dropped_is_still_found(lint_alert):
    messages = lint_alert("sum by (namespace) (up{job=\"node\"}) == 0", alerts_template,
                          annotations={"summary": "{{ $labels.instance }} down.", "description": "d"})
    assert any("`$labels.instance`" in m for m in messages), messages


@pytest.mark.parametrize("second, found", [
    pytest.param('code=~"3.."', False, id="disjoint on a kept label (kube-prometheus code_verb rules)"),
    pytest.param('code="500"', False, id="an equality against a regex it does not match"),
    pytest.param('code=~"2.."', True, id="the same selector twice is still a duplicate"),
    pytest.param('code=~"2..", verb="GET"', True, id="a label the result drops does not separate them"),
])
def test_duplicate_records_with_disjoint_selectors(lint_text, second, found):
    rules = [{"record": "code_verb:apiserver_request_total:increase1h",
              "expr": f'sum by (cluster, code, verb) (increase(apiserver_request_total{{job="apiserver",{sel}}}[1h]))'}
             for sel in ('code=~"2.."', second)]
    if "verb=" in second:
        rules = [{"record": r["record"], "expr": r["expr"].replace("code, verb", "code")} for r in rules]
    messages = [f.message for f in lint_text(rule_file(*rules), rule_duplicate)]
    assert bool(messages) == found, messages


@pytest.mark.parametrize("name, expr, suggested", [
    pytest.param("count_up", "count(up == 1)", ":up:count", id="a count is no rate"),
    pytest.param("http_errors", "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))", "job:http_requests:rate5m",
                 id="a rate keeps its window"),
    pytest.param("latency_p99", "histogram_quantile(0.99, sum by (le, job) (rate(x_seconds_bucket[5m])))",
                 "job:x_seconds:p99_rate5m", id="a quantile"),
    pytest.param("error_ratio", "sum(rate(a_errors_total[5m])) / sum(rate(a_total[5m]))", ":a_errors:ratio_rate5m",
                 id="a ratio"),
])
def test_record_name_suggestions_follow_what_the_rule_computes(lint_text, name, expr, suggested):
    (finding,) = lint_text(rule_file({"record": name, "expr": expr}), rule_record_name)
    assert f"`{suggested}`" in finding.message


@pytest.mark.parametrize("rows, found", [
    pytest.param([{"panels": [{"id": 1, "span": 12, "title": "A"}]}], None, id="span 12 is the full width"),
    pytest.param([{"panels": [{"id": 1, "span": 6, "title": "A"}, {"id": 2, "span": 6, "title": "B"},
                              {"id": 3, "span": 6, "title": "C"}]}], None, id="panels wrap as Grafana flows them"),
    pytest.param([{"panels": [{"id": 1, "title": "A"}]}, {"panels": [{"id": 2, "title": "B"}]}], None,
                 id="default spans, two rows"),
    pytest.param([{"panels": [{"id": 1, "span": 16, "title": "A"}]}], "32 columns wide", id="a span over 12 is still found"),
    pytest.param([{"panels": [{"id": 1, "span": "6", "title": "A"}, {"id": 2, "span": 6.5, "title": "B"}]}], None,
                 id="spans as strings and fractions, as JavaScript reads them"),
    pytest.param([{"panels": [{"id": 1, "span": 6, "title": "A"}]}, {"panels": [{"id": 1, "span": 6, "title": "B"}]}],
                 "share id 1", id="a shared id is still found"),
])
def test_legacy_rows_are_read_as_grafana_migrates_them(lint_dashboard, rows, found):
    for row in rows:
        for p in row["panels"]:
            p.update(type="timeseries", targets=[])
    messages = lint_dashboard({"uid": "old", "title": "Old", "schemaVersion": 14, "rows": rows}, dashboard_layout)
    assert (messages == []) if found is None else any(found in m for m in messages), messages


def test_rows_sharing_an_id_are_still_two_rows(lint_dashboard):
    def row(y, child_id):
        return {"id": 78, "type": "row", "collapsed": True, "title": "R", "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
                "panels": [dict(panel("up", pid=child_id, grid=(0, 10, 24, 8)), title=f"P{child_id}")]}
    messages = lint_dashboard(dashboard(row(37, 79), row(38, 80)), dashboard_layout)
    assert messages == ["panels 'R' and 'R' share id 78"]


@pytest.mark.parametrize("expr, legend, ok", [
    pytest.param('up{job="x"}', "{{__name__}}", True, id="a bare selector keeps its name"),
    pytest.param('topk(5, node_load1)', "{{__name__}}", True, id="topk keeps it"),
    pytest.param('sum(node_load1)', "{{__name__}}", False, id="an aggregation drops it"),
])
def test_legend_name(lint_panel_expr, expr, legend, ok):
    messages = lint_panel_expr(expr, promql_unknown_label, legend=legend)
    assert (messages == []) == ok, messages


TARGET_DOWN = """groups:
- name: general.rules
  rules:
  - alert: TargetDown
    expr: 100 * (count(up == 0) BY (cluster, job, namespace, service) / count(up) BY (cluster, job, namespace, service)) > 10
    for: 10m
    labels:
      severity: warning
    annotations:
      description: '{{ printf "%.4g" $value }}% of the {{ $labels.job }}/{{ $labels.service }} targets in {{ $labels.namespace }} namespace are down.'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/general/targetdown
      summary: One or more targets are unreachable.
"""


def test_kube_prometheus_target_down_through_build_py_lint(tmp_path, monkeypatch):
    """A plain scalar starting with a digit and holding commas reaches the parser whole."""
    path = tmp_path / "general.yaml"
    path.write_text(TARGET_DOWN)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(build.cli, ["--root", ROOT, "lint", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr.strip() == "0 errors, 0 warnings"
