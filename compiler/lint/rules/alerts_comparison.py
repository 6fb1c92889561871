"""alerts/comparison: an alert expression that does not filter.

What it checks: an alert's expression is a comparison (`> 0.05`, `== 0`), an
`absent()`, or a combination of those with `and`/`or`/`unless`, possibly aggregated.
Why: an alert fires for every series its expression returns; without a comparison
it returns every series all the time, so the alert always fires.
Bad:  `rate(codeverify_http_requests_total{status=~"5.."}[5m])`
Good: `rate(codeverify_http_requests_total{status=~"5.."}[5m]) > 1`
"""
import promql_parser as pp

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
        if name in ("and", "unless"):
            return _filters(node.lhs) or (name == "and" and _filters(node.rhs))
        if name == "or":
            return _filters(node.lhs) and _filters(node.rhs)
        return False
    if isinstance(node, pp.Call):
        if node.func.name in ("absent", "absent_over_time"):
            return True
        return any(_filters(arg) for arg in node.args if not a.is_scalar(arg))
    if isinstance(node, pp.AggregateExpr):
        return _filters(node.expr)
    return False
