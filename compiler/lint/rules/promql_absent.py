"""promql/absent: an alert that cannot fire when the series it counts are gone.

What it checks: an alert expression comparing `sum(...)`, `count(...)` or `group(...)`
with `<`, `<=` or `==` (a "too few" condition) also covers the case where the
aggregated series do not exist, with `or vector(0)` (or `or label_replace(vector(0), ...)`)
or a separate `absent()` branch.
Why: an aggregation over no series returns nothing, not 0, so `sum(up{...}) < 2` is
silent exactly when every target is gone: the outage it was written for.
Bad:  `sum(up{app="codeverify-worker"}) < 2`
Good: `(sum(up{app="codeverify-worker"}) or vector(0)) < 2`
"""
import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "promql/absent"
SEVERITY = "error"
SCOPE = "query"

_COUNTING = frozenset({"sum", "count", "group"})
_LOW = frozenset({"<", "<=", "=="})
_FLIP = {"<": ">", "<=": ">=", "==": "=="}


def check(query, ctx):
    if query.origin != "alert" or _guarded(query):
        return
    for node in query.nodes:
        if not isinstance(node, pp.BinaryExpr) or a.op(node) not in a.COMPARISONS:
            continue
        name = a.op(node)
        lhs, rhs = a.strip(node.lhs), a.strip(node.rhs)
        if a.is_scalar(rhs) and name in _LOW:
            agg = lhs
        elif a.is_scalar(lhs) and name in (">", ">=", "=="):
            agg = rhs
        else:
            continue
        if isinstance(agg, pp.AggregateExpr) and a.op(agg) in _COUNTING:
            yield (f"`{a.op(agg)}(...) {name} ...` returns nothing when the selected series are missing, "
                   f"so the alert never fires when they are all gone: add `or vector(0)` to the "
                   f"aggregation, or an `absent()` branch")


def _guarded(query) -> bool:
    for node in query.nodes:
        if isinstance(node, pp.Call) and node.func.name in ("absent", "absent_over_time"):
            return True
        if isinstance(node, pp.BinaryExpr) and a.op(node) == "or":
            for n in promql.nodes(node.rhs):
                if isinstance(n, pp.Call) and n.func.name == "vector":
                    return True
    return False
