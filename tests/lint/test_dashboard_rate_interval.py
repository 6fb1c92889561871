"""dashboard/rate-interval: dashboard ranges follow the zoom."""
import pytest

from compiler.lint.rules import dashboard_rate_interval as rule
from lintkit import lint_alert, lint_panel_expr, lint_text, project  # noqa: F401

GOOD = [
    pytest.param("sum(rate(codeverify_analyses_total[$__rate_interval]))", id="$__rate_interval"),
    pytest.param("sum(increase(codeverify_analyses_total[$__range]))", id="a total over $__range"),
    pytest.param('label_replace(codeverify_queue_length, "q", "$1", "queue", "(.*)[5m]")', id="a range-like text inside a string"),
]
BAD = [
    pytest.param("sum(rate(codeverify_analyses_total[1h]))", "fixed range `[1h]`", id="the guide's fixed [1h]"),
    pytest.param("sum(rate(codeverify_analyses_total[5m]))", "fixed range `[5m]`", id="a fixed [5m]"),
    pytest.param("max_over_time(codeverify_queue_length[1h:1m])", "fixed range `[1h]`", id="a fixed subquery range"),
    pytest.param("rate(codeverify_analyses_total[$__interval])", "`[$__interval]` can be shorter", id="rate over $__interval"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_panel_expr, expr):
    assert lint_panel_expr(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_panel_expr, expr, message):
    assert any(message in m for m in lint_panel_expr(expr, rule))


def test_alerts_may_use_fixed_ranges(lint_alert):
    assert lint_alert("rate(codeverify_analyses_total[1h]) > 1", rule) == []
