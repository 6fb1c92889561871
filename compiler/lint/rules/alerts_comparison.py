"""alerts/comparison: an alert expression that does not filter.

What it checks: an alert's expression filters: a comparison (`> 0.05`, `== 0`), an
`absent()`, an `unless` (a set difference: `x offset 1h unless x`), or a combination of
those, aggregated or inside arithmetic (`a * (b != c)` drops the series the comparison
drops). Idioms that fire by design pass too: a constant `vector(1)` (a watchdog), and an
info series selected by label (`x_info{state="down"}`: the series exists only while it holds).
Why: an alert fires for every series its expression returns; without a comparison
it returns every series all the time, so the alert always fires.
Bad:  `rate(codeverify_http_requests_total{status=~"5.."}[5m])`
Good: `rate(codeverify_http_requests_total{status=~"5.."}[5m]) > 1`
"""
import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "alerts/comparison"
SEVERITY = "warning"
SCOPE = "rule"


def check(rule, ctx):
    if rule.kind != "alert" or rule.query is None or rule.query.ast is None:
        return
    if not _filters(rule.query.ast):
        yield "the expression has no comparison (or absent()), so the alert fires for every series it returns"


def _filters(node) -> bool:
    node = a.strip(node)
    if isinstance(node, pp.BinaryExpr):
        name = a.op(node)
        if name in a.COMPARISONS:
            return not node.modifier or not node.modifier.return_bool
        if name == "unless":
            return True
        if name == "or":
            return _filters(node.lhs) and _filters(node.rhs)
        return _filters(node.lhs) or _filters(node.rhs)  # and, arithmetic: a filtered side filters the result
    if isinstance(node, pp.Call):
        if node.func.name in ("absent", "absent_over_time", "vector"):
            return True
        return any(_filters(arg) for arg in node.args if not a.is_scalar(arg))
    if isinstance(node, (pp.AggregateExpr, pp.SubqueryExpr, pp.UnaryExpr)):
        return _filters(node.expr)
    if isinstance(node, pp.VectorSelector):
        return _selects_state(node)
    return False


def _selects_state(sel) -> bool:
    """An info-style series picked by a label value: it exists only while that state holds."""
    name = promql.metric_name(sel) or ""
    if "_info" not in name and "metadata" not in name:
        return False
    return any(m.name != "__name__" for m in sel.matchers.matchers)
