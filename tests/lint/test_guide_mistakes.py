"""The monitoring guide's mistakes, written back into our definitions, are each caught.

The guide (shared/seed/codeverify-monitoring-guide.md) is the client's spec; these are
its queries, panels and alerts as it wrote them, built with our model so that the
findings point at this file. The real definitions fix every one of them.
"""
import dataclasses

import pytest

from compiler import lint
from compiler.model import AlertRule, Dashboard, Panel, RuleGroup, Row, Target, Variable
from lintkit import project  # noqa: F401

DS = (Variable("datasource", "datasource", "prometheus"),)


def guide_panel(kind, title, expr, unit=""):
    return Panel(kind, title, "From the guide.", (Target(expr),), unit=unit)


def guide_alert(name, expr, for_="5m", description="{{ $value }}"):
    return AlertRule(name, expr, for_, "warning", "From the guide.", description, runbook="x")


MISTAKES = [
    pytest.param(guide_panel("piechart", "Findings by Severity", "sum by (severity) (codeverify_findings_total)", "short"),
                 "promql/counter-raw", id="a raw counter summed (Findings by Severity)"),
    pytest.param(guide_panel("table", "Find slow analyses",
                             'topk(10, codeverify_analysis_duration_seconds{quantile="0.95"}) by (repository)', "s"),
                 "promql/unknown-label", id="a quantile label on a histogram (Find slow analyses)"),
    pytest.param(guide_panel("graph", "Analyses per Hour", "sum(increase(codeverify_analyses_total[$__rate_interval]))", "short"),
                 "dashboard/panel-type", id="the deprecated graph panel (Analyses per Hour)"),
    pytest.param(guide_panel("timeseries", "Analyses per Hour", "sum(increase(codeverify_analyses_total[1h]))", "short"),
                 "dashboard/rate-interval", id="a fixed [1h] instead of $__rate_interval"),
    pytest.param(guide_panel("stat", "Analysis Pass Rate",
                             'sum(rate(codeverify_analyses_total{status="passed"}[$__rate_interval])) / '
                             'sum(rate(codeverify_analyses_total[$__rate_interval])) * 100'),
                 "dashboard/units", id="a stat without a unit (Analysis Pass Rate)"),
    pytest.param(guide_alert("WorkerDown", 'sum(up{app="codeverify-worker"}) < 2'),
                 "promql/absent", id="sum(up{...}) < 2 without a guard (WorkerDown)"),
    pytest.param(guide_alert("WorkerDown", 'sum(up{app="codeverify-worker"}) < 2', for_="5 minutes"),
                 "rule/schema", id="for: 5 minutes"),
    pytest.param(guide_alert("HighErrorRate",
                             'sum(rate(codeverify_http_requests_total{status=~"5.."}[5m])) / '
                             'sum(rate(codeverify_http_requests_total[5m])) > 0.05',
                             description="Error rate in {{ $labels.namespace }} is {{ $value }}"),
                 "alerts/template", id="a description naming a label the sum dropped"),
    pytest.param(guide_alert("SlowAnalyses", "histogram_quantile(0.95, sum(rate(codeverify_analysis_duration_seconds_bucket[5m]))) > 60"),
                 "promql/histogram", id="histogram_quantile over a sum that dropped le"),
    pytest.param(guide_alert("LlmErrors", 'rate(codeverify_llm_requests_total{status="errors"}[1h]) > 0'),
                 "promql/label-value", id="a label value that does not exist"),
]


def lint_with(project, obj):
    if isinstance(obj, Panel):
        dash = Dashboard("guide", "Guide", "The guide's dashboard.", (Row("Guide", (obj,)),), variables=DS)
        project = dataclasses.replace(project, dashboards=(dash,), groups=())
    else:
        project = dataclasses.replace(project, dashboards=(), groups=(RuleGroup("guide", (obj,)),))
    return lint.run(project, lint.subjects(project))


@pytest.mark.parametrize("obj, rule_id", MISTAKES)
def test_guide_mistake_is_caught(project, obj, rule_id):
    findings = lint_with(project, obj)
    hits = [f for f in findings if f.rule == rule_id]
    assert hits, [str(f) for f in findings]
    assert hits[0].location.file == "tests/lint/test_guide_mistakes.py"


def test_the_project_lints_clean(project):
    assert [str(f) for f in lint.run(project, lint.subjects(project))] == []
