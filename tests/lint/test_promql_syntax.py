"""promql/syntax: good and bad expressions, Grafana variables, and the Prometheus 2.42 dialect."""
import pytest

from compiler.lint.rules import promql_syntax as rule
from lintkit import lint_alert, lint_panel_expr, lint_text, project  # noqa: F401

GOOD = [
    pytest.param('sum(rate(codeverify_http_requests_total[5m])) > 1', id="a plain alert expression"),
    pytest.param('holt_winters(codeverify_queue_length[10m], 0.5, 0.5) > 1', id="holt_winters parses (Prometheus 2)"),
    pytest.param('histogram_count(rate(codeverify_http_request_duration_seconds[5m])) > 1', id="a 2.40 native-histogram function"),
    pytest.param('codeverify_queue_length @ start() > 1', id="the @ modifier"),
    pytest.param('label_replace(codeverify_queue_length, "q", "$1", "queue", "(\\\\w+)-.*") > 1', id="label_replace with an RE2 regex"),
    pytest.param('label_join(codeverify_queue_length, "q", "-", "queue", "namespace") > 1', id="label_join with label names"),
    pytest.param('label_join(codeverify_queue_length, ("q"), "-", "queue") > 1', id="a parenthesised argument keeps its position"),
    pytest.param('label_replace(codeverify_queue_length, "q", "$1", "queue", "x)|(y") > 1', id="a regex valid only anchored, as Prometheus anchors it"),
]
BAD = [
    pytest.param('sum(rate(codeverify_http_requests_total[5m])', "does not parse", id="an unclosed parenthesis"),
    pytest.param('rate(codeverify_http_requests_total) > 1', "expected type matrix", id="rate of an instant vector is a type error"),
    pytest.param('sort_by_label(codeverify_queue_length, "queue") > 1', "`sort_by_label` does not exist in Prometheus 2.42.0", id="a function newer than 2.42"),
    pytest.param('limitk(2, codeverify_queue_length) > 1', "`limitk` does not exist", id="an aggregation newer than 2.42"),
    pytest.param('{"codeverify.queue"} > 1', "needs UTF-8 names", id="a UTF-8 metric name (Prometheus 3)"),
    pytest.param('label_replace(codeverify_queue_length, "q", "$1", "queue", "(?!x)(.*)") > 1', "regex '(?!x)(.*)' is not Go's regexp (invalid perl operator", id="label_replace with a lookahead"),
    pytest.param('label_replace(codeverify_queue_length, "q", "$1", "queue", "(a)\\\\1") > 1', "is not Go's regexp (invalid escape sequence", id="label_replace with a backreference"),
    pytest.param('label_replace(codeverify_queue_length, "the-queue", "$1", "queue", "(.*)") > 1', "destination label 'the-queue' is not a label name", id="label_replace into a bad label name"),
    pytest.param('label_join(codeverify_queue_length, "q", "-", "queue", "9lives") > 1', "source label '9lives' is not a label name", id="label_join from a bad label name"),
    pytest.param('label_replace(codeverify_queue_length, ("q"), "$1", "queue", ("(?<n>.*)")) > 1', "regex '(?<n>.*)' is not Go's regexp", id="a parenthesised regex with a (?<name>) group (Go 1.22+)"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)


@pytest.mark.parametrize("expr", [
    pytest.param('sum(rate(codeverify_http_requests_total[$__rate_interval]))', id="$__rate_interval"),
    pytest.param('sum(increase(codeverify_http_requests_total[$__range]))', id="$__range"),
    pytest.param('rate(codeverify_http_requests_total[${__interval}])', id="${__interval}"),
    pytest.param('sum by (handler) (rate(codeverify_http_requests_total{handler=~"$handler"}[5m]))', id="$var in a regex"),
    pytest.param('sum(rate(codeverify_http_requests_total{handler="${handler:regex}"}[5m]))', id="${var:format}"),
    pytest.param('sum(rate(codeverify_http_requests_total{handler=~"[[handler]]"}[5m]))', id="[[var]]"),
    pytest.param('topk($limit, codeverify_queue_length)', id="a variable where a number stands"),
])
def test_grafana_variables_are_expanded_before_parsing(lint_panel_expr, expr):
    assert lint_panel_expr(expr, rule) == []
