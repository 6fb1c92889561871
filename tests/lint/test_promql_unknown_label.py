"""promql/unknown-label: matchers, grouping, vector matching and legends against the catalog's labels."""
import pytest

from compiler.lint.rules import promql_unknown_label as rule
from lintkit import lint_alert, lint_panel_expr, lint_text, project  # noqa: F401

GOOD = [
    pytest.param('codeverify_queue_length{queue="default", app="codeverify-api"} > 1', id="own and target labels"),
    pytest.param('sum by (le, namespace) (rate(codeverify_http_request_duration_seconds_bucket[5m])) > 1', id="le on _bucket"),
    pytest.param('codeverify_queue_length{nosuch=""} > 1', id='`x=""` selects series without x'),
    pytest.param('sum by (namespace) (codeverify_db_pool_available) / on (namespace) sum by (namespace) (codeverify_db_pool_size) < 1', id="on() a label both sides keep"),
    pytest.param('label_replace(vector(0), "namespace", "x", "", "") or sum by (namespace) (up) < 1', id="labels added by label_replace"),
]
BAD = [
    pytest.param('codeverify_analysis_duration_seconds_bucket{quantile="0.95"} > 1', "a histogram has no quantile label", id="a quantile label on a histogram"),
    pytest.param('codeverify_http_requests_total{endpoint_name="x"} > 1', "has no label `endpoint_name`", id="a matcher on a missing label"),
    pytest.param('sum by (repository) (rate(codeverify_analyses_total[5m])) > 1', "have no label `repository`", id="by a label the series lack"),
    pytest.param('sum by (namespace) (codeverify_db_pool_available) / on (pod) sum by (namespace) (codeverify_db_pool_size) < 1', "`on(pod)`", id="on() a label an aggregation dropped"),
    pytest.param('rate(codeverify_http_request_duration_seconds_count{le="1"}[5m]) > 1', "only `codeverify_http_request_duration_seconds_bucket` has `le`", id="le on _count"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)


@pytest.mark.parametrize("legend, ok", [
    pytest.param("{{handler}}", True, id="a legend label the query keeps"),
    pytest.param("{{ pod }}", False, id="a legend label the aggregation dropped"),
])
def test_legend(lint_panel_expr, legend, ok):
    messages = lint_panel_expr("sum by (handler) (rate(codeverify_http_requests_total[$__rate_interval]))", rule, legend=legend)
    assert (messages == []) == ok, messages


def test_a_long_or_chain_is_analysed_once_per_node(project, monkeypatch):
    """Each level of `a or b or ...` asks about the chain below it: without the cache, cubic work."""
    from compiler import lint
    from compiler import labels
    from compiler.queries import RECORD, Query

    calls = []
    binary = labels._binary
    monkeypatch.setattr(labels, "_binary", lambda node, known: calls.append(1) or binary(node, known))
    labels.clear()
    n = 100
    expr = " or ".join(f'sum by (namespace) (rate(codeverify_http_requests_total{{status="{500 + i}"}}[5m]))'
                       for i in range(n))
    assert list(rule.check(Query(None, expr, RECORD), lint.Context(project, project.catalog, project.config))) == []
    assert len(calls) < n  # one per `or`; 5,000 without the cache
