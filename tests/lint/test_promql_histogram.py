"""promql/histogram: histogram_quantile() over rated _bucket series that keep `le`."""
import pytest

from compiler.lint.rules import promql_histogram as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

B = "codeverify_http_request_duration_seconds_bucket"
GOOD = [
    pytest.param(f"histogram_quantile(0.95, sum by (le) (rate({B}[5m]))) > 1", id="sum by (le) of rated buckets"),
    pytest.param(f"histogram_quantile(0.95, sum without (pod) (rate({B}[5m]))) > 1", id="without keeps le"),
    pytest.param(f"histogram_quantile(0.95, rate({B}[5m])) > 1", id="no aggregation at all"),
    pytest.param("histogram_quantile(0.95, sum by (le) (job:latency_bucket:rate5m)) > 1", id="a recorded output is trusted"),
]
BAD = [
    pytest.param(f"histogram_quantile(0.95, sum(rate({B}[5m]))) > 1", "drops the `le` label", id="sum without by (le)"),
    pytest.param(f"histogram_quantile(0.95, sum by (handler) (rate({B}[5m]))) > 1", "drops the `le` label", id="by without le"),
    pytest.param(f"histogram_quantile(0.95, sum by (le) ({B})) > 1", "rate the buckets first", id="raw buckets"),
    pytest.param("histogram_quantile(0.95, sum by (le) (rate(codeverify_http_request_duration_seconds_count[5m]))) > 1", "not a histogram's `_bucket` series", id="a histogram's _count"),
    pytest.param("histogram_quantile(0.95, sum by (le) (rate(codeverify_analyses_total[5m]))) > 1", "not a histogram's `_bucket`", id="a counter"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)
