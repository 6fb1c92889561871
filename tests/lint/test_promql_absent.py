"""promql/absent: "too few" alerts over aggregations need a guard for when the series are gone."""
import pytest

from compiler.lint.rules import promql_absent as rule
from lintkit import lint_alert, lint_panel_expr, lint_text, project  # noqa: F401

GOOD = [
    pytest.param('(sum(up{app="codeverify-worker"}) or vector(0)) < 2', id="guarded with or vector(0)"),
    pytest.param('sum(up{app="codeverify-worker"}) < 2 or absent(up{app="codeverify-worker"})', id="an absent() branch"),
    pytest.param('sum(rate(codeverify_analyses_total[5m])) > 1', id="a too-many condition fires on presence"),
    pytest.param('up{app="codeverify-worker"} == 0', id="no aggregation: per target"),
    pytest.param('max(codeverify_queue_length) < 1', id="max of nothing has no meaningful zero"),
]
BAD = [
    pytest.param('sum(up{app="codeverify-worker"}) < 2', "never fires when they are all gone", id="the guide's WorkerDown"),
    pytest.param('count(up{app="codeverify-worker"} == 1) <= 1', "`count(...) <= ...`", id="count below a threshold"),
    pytest.param('2 > sum(up{app="codeverify-worker"})', "never fires", id="the comparison written the other way"),
    pytest.param('count(up{app="codeverify-worker"} == 1) == 0', "can never fire: over no series count()",
                 id="count == 0 never fires at all"),
    pytest.param('0 == count(up{app="codeverify-worker"} == 1)', "can never fire", id="written the other way"),
    pytest.param('count(up{app="codeverify-worker"} == 1) < 1', "can never fire", id="count below one"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)


def test_dashboards_are_not_alerts(lint_panel_expr):
    assert lint_panel_expr('sum(up{app="codeverify-worker"}) < 2', rule) == []
