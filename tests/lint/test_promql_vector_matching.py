"""promql/vector-matching: binary operations whose sides can never match."""
import pytest

from compiler.lint.rules import promql_vector_matching as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

GOOD = [
    pytest.param("sum by (namespace) (rate(a_total[5m])) / sum by (namespace) (rate(b_total[5m])) > 1",
                 id="the same grouping on both sides"),
    pytest.param("sum by (namespace) (rate(a_total[5m])) / on (namespace) group_left sum by (namespace, pod) (rate(b_total[5m])) > 1",
                 id="on() lists only the shared label"),
    pytest.param("sum by (job, le) (rate(x_bucket[5m])) / ignoring (le) group_left sum by (job) (rate(x_count[5m])) > 1",
                 id="ignoring() the extra label"),
    pytest.param("rate(a_total[5m]) / rate(b_total[5m]) > 1", id="nothing known of either side"),
    pytest.param("sum by (namespace) (rate(a_total[5m])) / on () group_left sum(rate(b_total[5m])) > 1",
                 id="on () with group_left: a ratio to a total"),
    pytest.param("sum by (namespace) (rate(a_total[5m])) > 1 or sum by (pod) (rate(b_total[5m])) > 1",
                 id="or takes either side, it needs no match"),
    pytest.param("sum by (namespace) (a) unless sum by (pod) (b)", id="unless without a match keeps the left side"),
    pytest.param("sum by (namespace) (codeverify_queue_length) / sum by (namespace) (up{app=\"codeverify-worker\"}) > 1",
                 id="catalog series with the label"),
]
BAD = [
    pytest.param("sum by (namespace) (rate(a_total[5m])) / sum by (pod) (rate(b_total[5m])) > 1",
                 "every left-hand series has `namespace`", id="two groupings that share nothing"),
    pytest.param("sum by (namespace) (rate(a_total[5m])) / sum(rate(b_total[5m])) > 1",
                 "matched on all their labels", id="a per-namespace rate over a total, without on()"),
    pytest.param("sum by (job) (rate(a_total[5m])) > 1 and sum by (instance) (up) == 1",
                 "`and` can never match", id="an and guard that never matches"),
    pytest.param("sum by (namespace, queue) (codeverify_queue_length) / on (queue) sum by (namespace) (up{app=\"codeverify-worker\"}) > 1",
                 "`queue`", id="on() a label only the catalog's left side has"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    found = lint_alert(expr, rule)
    assert any(message in m for m in found), found
