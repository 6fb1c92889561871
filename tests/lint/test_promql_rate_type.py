"""promql/rate-type: rate-style functions over counters only."""
import pytest

from compiler.lint.rules import promql_rate_type as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

GOOD = [
    pytest.param("rate(codeverify_analyses_total[5m]) > 1", id="rate of a counter"),
    pytest.param("increase(codeverify_http_request_duration_seconds_bucket[5m]) > 1", id="increase of a histogram's buckets"),
    pytest.param("deriv(codeverify_queue_length[5m]) > 1", id="deriv of a gauge"),
    pytest.param("rate(nosuch_total[5m]) > 1", id="an unknown metric is another rule's business"),
    pytest.param('resets(container_memory_working_set_bytes{namespace="kube-system"}[5m]) > 1',
                 id="a shared exporter's series outside CodeVerify's scrapes: the catalog does not know its type"),
]
BAD = [
    pytest.param("rate(codeverify_queue_length[5m]) > 1", "a gauge: only counters can be rated", id="rate of a gauge"),
    pytest.param("irate(codeverify_db_pool_available[5m]) > 1", "a gauge", id="irate of a gauge"),
    pytest.param("rate(codeverify_http_request_duration_seconds[5m]) > 1", "a histogram's name", id="rate of a histogram's bare name"),
    pytest.param('resets(container_memory_working_set_bytes{namespace="codeverify"}[5m]) > 1', "use changes()", id="resets of a gauge"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)
