"""promql/rate-range: rate-style ranges of at least two scrape intervals (30 s in config.py)."""
import pytest

from compiler.lint.rules import promql_rate_range as rule
from lintkit import lint_alert, lint_panel_expr, lint_text, project  # noqa: F401

GOOD = [
    pytest.param("rate(codeverify_analyses_total[1m]) > 1", id="exactly two scrapes"),
    pytest.param("increase(codeverify_analyses_total[1h]) > 1", id="a long range"),
    pytest.param("max_over_time(codeverify_queue_length[30s]) > 1", id="an _over_time function is not rate-style"),
]
BAD = [
    pytest.param("rate(codeverify_analyses_total[30s]) > 1", "at least two scrapes (1m at the 30s", id="one scrape interval"),
    pytest.param("irate(codeverify_analyses_total[45s]) > 1", "over [45s]", id="irate over 1.5 scrapes"),
    pytest.param("deriv(codeverify_queue_length[15s]) > 1", "deriv()", id="deriv over half a scrape"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)


def test_rate_interval_in_dashboards_is_long_enough(lint_panel_expr):
    assert lint_panel_expr("rate(codeverify_analyses_total[$__rate_interval])", rule) == []
