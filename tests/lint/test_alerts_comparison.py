"""alerts/comparison: an alert expression must filter."""
import pytest

from compiler.lint.rules import alerts_comparison as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401


@pytest.mark.parametrize("expr, ok", [
    pytest.param("codeverify_queue_length > 100", True, id="a comparison"),
    pytest.param("absent(up{app='codeverify-worker'})", True, id="absent()"),
    pytest.param("codeverify_queue_length > 1 and codeverify_db_pool_available < 5", True, id="comparisons joined by and"),
    pytest.param("max by (queue) (codeverify_queue_length > 100)", True, id="an aggregation of a comparison"),
    pytest.param("codeverify_queue_length", False, id="a bare selector"),
    pytest.param("rate(codeverify_analyses_total[5m])", False, id="a rate without a threshold"),
    pytest.param("codeverify_queue_length > bool 100", False, id="a bool comparison does not filter"),
    pytest.param("codeverify_queue_length > 1 or codeverify_db_pool_available", False, id="or with an unfiltered side"),
])
def test_comparison(lint_alert, expr, ok):
    assert (lint_alert(expr, rule) == []) == ok
