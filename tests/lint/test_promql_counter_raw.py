"""promql/counter-raw: counters must go through rate()/increase()."""
import pytest

from compiler.lint.rules import promql_counter_raw as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

GOOD = [
    pytest.param("sum(rate(codeverify_analyses_total[5m])) > 1", id="a rated counter"),
    pytest.param("absent(codeverify_analyses_total)", id="absent() only looks at presence"),
    pytest.param("count(codeverify_analyses_total) < 1", id="count() only counts series"),
    pytest.param("time() - timestamp(codeverify_analyses_total) > 300", id="timestamp() only looks at time"),
    pytest.param("sum(codeverify_queue_length) > 1", id="a gauge summed raw"),
]
BAD = [
    pytest.param("sum by (severity) (codeverify_findings_total) > 1", "counter `codeverify_findings_total` is used raw", id="a counter summed raw"),
    pytest.param("codeverify_analyses_total / codeverify_http_requests_total > 1", "used raw", id="counters divided raw"),
    pytest.param("sum(codeverify_http_request_duration_seconds_count) > 1", "used raw", id="a histogram's _count summed raw"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)
