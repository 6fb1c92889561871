"""Integrity of the metric catalog and of the alerts that query it."""
from __future__ import annotations

import promql_parser as pp
import pytest

import alerts
import catalog
import config
from compiler.model import COUNTER, HISTOGRAM, METRIC_TYPES, AlertRule

METRICS = {m.name: m for m in catalog.METRICS}
SOURCES = {s.name: s for s in catalog.SOURCES}
ALERTS = [r for g in alerts.GROUPS for r in g.rules if isinstance(r, AlertRule)]
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def _metric_names(expr: str) -> set[str]:
    """Series names of every vector selector in a PromQL expression."""
    names: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, pp.VectorSelector):
            if node.name:
                names.add(node.name)
        elif isinstance(node, pp.MatrixSelector):
            walk(node.vector_selector)
        elif isinstance(node, pp.BinaryExpr):
            walk(node.lhs)
            walk(node.rhs)
        elif isinstance(node, pp.AggregateExpr):
            if node.param is not None:
                walk(node.param)
            walk(node.expr)
        elif isinstance(node, pp.Call):
            for arg in node.args:
                walk(arg)
        elif isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
            walk(node.expr)

    walk(pp.parse(expr))
    return names


def _family(series: str) -> str | None:
    """The catalog metric a series name belongs to (a histogram's _bucket/_sum/_count included)."""
    if series in METRICS and METRICS[series].type != HISTOGRAM:
        return series
    for suffix in HISTOGRAM_SUFFIXES:
        base = series[: -len(suffix)]
        if series.endswith(suffix) and base in METRICS and METRICS[base].type == HISTOGRAM:
            return base
    return None


# --- catalog -------------------------------------------------------------------


def test_metric_names_unique():
    names = [m.name for m in catalog.METRICS]
    assert len(names) == len(set(names))


def test_source_names_unique():
    names = [s.name for s in catalog.SOURCES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("metric", catalog.METRICS, ids=lambda m: m.name)
def test_metric_shape(metric):
    assert metric.type in METRIC_TYPES
    assert metric.help.strip() and metric.help.rstrip().endswith("."), "help must be a sentence"
    assert metric.source in SOURCES
    if metric.type == COUNTER:
        assert metric.name.endswith("_total")
    if metric.type == HISTOGRAM:
        assert not metric.name.endswith(HISTOGRAM_SUFFIXES)
        assert metric.buckets, "a histogram needs buckets"
        assert all(isinstance(b, float) and b > 0 for b in metric.buckets)
        assert all(a < b for a, b in zip(metric.buckets, metric.buckets[1:])), "buckets must increase"
    else:
        assert not metric.buckets
    assert len(metric.labels) == len(set(metric.labels))
    for label, values in metric.values.items():
        assert label in metric.labels
        assert values and len(values) == len(set(values))


@pytest.mark.parametrize("metric", catalog.METRICS, ids=lambda m: m.name)
def test_no_label_collides_with_target_labels(metric):
    # A colliding app label would be renamed exported_<label> by Prometheus.
    assert not set(metric.labels) & set(SOURCES[metric.source].target_labels)


def test_slo_and_alert_thresholds_are_bucket_bounds():
    assert 60.0 in METRICS["codeverify_queue_latency_seconds"].buckets
    http = METRICS["codeverify_http_request_duration_seconds"].buckets
    assert 0.5 in http and 2.0 in http


def test_http_route_label_is_handler_not_endpoint():
    for name in ("codeverify_http_requests_total", "codeverify_http_request_duration_seconds"):
        assert "handler" in METRICS[name].labels
        assert "endpoint" not in METRICS[name].labels


# --- alerts --------------------------------------------------------------------


# The guide's six and HighLLMErrorRate (the alert its llm-api-failures runbook implies):
# more may be added, none of these dropped.
GUIDE_ALERTS = {"HighErrorRate", "HighLatency", "QueueBacklog", "WorkerDown", "HighAnalysisFailureRate",
                "DatabaseConnectionPoolExhausted", "HighLLMErrorRate"}


def test_alert_names_unique_and_the_guides_alerts_kept():
    names = [a.name for a in ALERTS]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert GUIDE_ALERTS <= set(names), sorted(GUIDE_ALERTS - set(names))


@pytest.mark.parametrize("alert", ALERTS, ids=lambda a: a.name)
def test_alert_expression_uses_catalog_metrics(alert):
    names = _metric_names(alert.expr)
    assert names, "expression selects no metric"
    unknown = sorted(n for n in names if _family(n) is None)
    assert not unknown, f"not in the catalog: {unknown}"


@pytest.mark.parametrize("alert", ALERTS, ids=lambda a: a.name)
def test_alert_fields(alert):
    assert alert.severity in config.SEVERITIES
    assert "severity" not in alert.labels
    assert alert.summary.strip().endswith(".") and "{{" not in alert.summary
    assert alert.description.strip()
    assert alert.runbook and alert.runbook == alert.runbook.lower() and " " not in alert.runbook
    assert alert.for_
    assert "$__rate_interval" not in alert.expr
    assert "[1m]" not in alert.expr and "[30s]" not in alert.expr


def test_helper_resolves_histogram_series():
    assert _family("codeverify_http_request_duration_seconds_bucket") == "codeverify_http_request_duration_seconds"
    assert _family("codeverify_http_request_duration_seconds") is None
    assert _family("codeverify_http_requests_total_bucket") is None
    assert _metric_names("sum(rate(a_total[5m])) / on() group_left b") == {"a_total", "b"}
