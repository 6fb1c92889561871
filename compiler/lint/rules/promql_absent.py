"""promql/absent: an alert that cannot fire when the series it counts are gone.

What it checks: an alert condition comparing `sum(...)`, `count(...)` or `group(...)`
with `<`, `<=` or `== 0` (a "too few" condition) also covers the case where the
aggregated series do not exist, with `or vector(0)` (or `or label_replace(vector(0), ...)`)
or a separate `absent()` branch. Not the condition: the right-hand side of `and`/`unless`
(a guard that limits when the alert may fire). Not a blind spot: an aggregation that keeps
each target (`without (...)`, `by (instance)`, `by (pod)`), whose absence is what `up` alerts
report.
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
# An aggregation that keeps a target's identity counts per target: that a target is gone
# is what `up`/TargetDown alerts are for, not a blind spot of this one.
_PER_TARGET = frozenset({"instance", "pod"})


def check(query, ctx):
    if query.origin != "alert" or _guarded(query):
        return
    for node in _conditions(query.ast):
        if not isinstance(node, pp.BinaryExpr) or a.op(node) not in a.COMPARISONS:
            continue
        name = a.op(node)
        lhs, rhs = a.strip(node.lhs), a.strip(node.rhs)
        if a.is_scalar(rhs) and _too_few(name, rhs):
            agg = lhs
        elif a.is_scalar(lhs) and _too_few(_FLIP.get(name, ""), lhs):
            agg = rhs
        else:
            continue
        if isinstance(agg, pp.AggregateExpr) and a.op(agg) in _COUNTING and _collapses(agg):
            threshold = a.strip(rhs if agg is lhs else lhs)
            if a.op(agg) in ("count", "group") and _below_one(name if agg is lhs else _FLIP[name], threshold):
                yield (f"`{a.op(agg)}(...) {name} ...` can never fire: over no series {a.op(agg)}() returns "
                       f"nothing, never 0; use `absent(...)`, or `or vector(0)` before comparing")
                continue
            yield (f"`{a.op(agg)}(...) {name} ...` returns nothing when the selected series are missing, "
                   f"so the alert never fires when they are all gone: add `or vector(0)` to the "
                   f"aggregation, or an `absent()` branch")


_FLIP = {">": "<", ">=": "<=", "==": "=="}


def _too_few(name: str, threshold) -> bool:
    """`< n`, `<= n`, `== 0`: a condition that absence should also meet (`== 3` asks for exactly 3)."""
    if name in ("<", "<="):
        return True
    value = a.strip(threshold)
    return name == "==" and isinstance(value, pp.NumberLiteral) and value.val == 0


def _below_one(name: str, threshold) -> bool:
    """`== 0`, `< 1`, `<= 0`: what a count of at least one series never meets."""
    if not isinstance(threshold, pp.NumberLiteral):
        return False
    value = threshold.val
    return (name == "==" and value == 0) or (name == "<" and value <= 1) or (name == "<=" and value < 1)


def _collapses(agg) -> bool:
    mod = agg.modifier
    if mod is None:
        return True
    if mod.type == a.Without:
        return False  # keeps every label but the listed ones: one result per target
    return not _PER_TARGET & set(mod.labels)


def _conditions(node):
    """The nodes that make up the alert's condition: `and`/`unless` right-hand sides are guards, not it."""
    node = a.strip(node)
    yield node
    if isinstance(node, pp.BinaryExpr):
        name = a.op(node)
        sides = (node.lhs,) if name in ("and", "unless") else (node.lhs, node.rhs)
        for side in sides:
            yield from _conditions(side)
    else:
        for child in promql.children(node):
            yield from _conditions(child)


def _guarded(query) -> bool:
    for node in query.nodes:
        if isinstance(node, pp.Call) and node.func.name in ("absent", "absent_over_time"):
            return True
        if isinstance(node, pp.BinaryExpr) and a.op(node) == "or":
            for n in promql.nodes(node.rhs):
                if isinstance(n, pp.Call) and n.func.name == "vector":
                    return True
    return False
