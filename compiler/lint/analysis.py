"""What the PromQL rules need to know about an expression beyond its syntax:
which catalog series a selector reads, and which labels a (sub)expression's
result carries. Plain recursion over promql_parser's tree.
"""
from __future__ import annotations

from functools import lru_cache

import promql_parser as pp

from .. import promql

Vector, Scalar = pp.ValueType.Vector, pp.ValueType.Scalar
By, Without = pp.AggModifierType.By, pp.AggModifierType.Without
On = pp.LabelModifierType.Include
ManyToOne, OneToMany = pp.VectorMatchCardinality.ManyToOne, pp.VectorMatchCardinality.OneToMany

EMPTY: frozenset = frozenset()
COMPARISONS = frozenset({">", "<", ">=", "<=", "==", "!="})
SET_OPS = frozenset({"and", "or", "unless"})
# Aggregations whose result keeps each input series' labels.
KEEP_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
# Functions that only make sense on counters, and those that need a range of two samples.
COUNTER_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
RATE_STYLE = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})


def series(sel, catalog):
    """The catalog Series a selector reads, or None (no name, or unknown)."""
    name = promql.metric_name(sel)
    return catalog.lookup(name) if name is not None else None


def strip(node):
    """The node under any parentheses."""
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def op(node) -> str:
    return str(node.op).lower()


is_scalar = promql.is_scalar


# Cached by node, as promql.is_scalar: an `a or b or c ...` chain asks about every
# sub-chain from every level, cubic without it (a 200-term chain took 2 s). A lint run
# starts with empty caches (clear()), so a catalog that gained recorded series since
# an earlier run is never answered from that run.
def clear() -> None:
    is_scalar.cache_clear()
    labels.cache_clear()


def selector_of(node):
    """The VectorSelector a rate-style function argument reads, if it is a plain one."""
    node = strip(node)
    if isinstance(node, pp.MatrixSelector):
        return node.vector_selector
    if isinstance(node, pp.VectorSelector):
        return node
    return None


@lru_cache(maxsize=4096)
def labels(node, catalog) -> frozenset | None:
    """The label names every series of `node`'s result may carry; None when unknown.

    Follows Prometheus' rules: aggregations keep their `by` labels (or drop their
    `without` labels), one-to-one matching with on() keeps only the on() labels,
    group_left/right add their labels from the other side, `or` may return either side.
    """
    node = strip(node)
    if isinstance(node, pp.VectorSelector):
        s = series(node, catalog)
        return s.labels if s is not None else None
    if isinstance(node, pp.MatrixSelector):
        return labels(node.vector_selector, catalog)
    if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
        return EMPTY
    if isinstance(node, (pp.UnaryExpr, pp.SubqueryExpr)):
        return labels(node.expr, catalog)
    if isinstance(node, pp.Call):
        return _call_labels(node, catalog)
    if isinstance(node, pp.AggregateExpr):
        name, mod = op(node), node.modifier
        inner = labels(node.expr, catalog)
        if name in KEEP_LABELS:
            return inner
        extra = frozenset({node.param.val}) if name == "count_values" and isinstance(node.param, pp.StringLiteral) else EMPTY
        if mod is None:
            return extra
        if mod.type == By:
            return frozenset(mod.labels) | extra
        return None if inner is None else (inner - frozenset(mod.labels)) | extra
    if isinstance(node, pp.BinaryExpr):
        return _binary_labels(node, catalog)
    return None


def _call_labels(node, catalog):
    name = node.func.name
    if node.func.return_type == Scalar or name in ("vector", "time"):
        return EMPTY
    args = node.args
    if name in ("absent", "absent_over_time"):
        sel = selector_of(args[0]) if args else None
        if sel is None:
            return EMPTY
        return frozenset(m.name for m in sel.matchers.matchers if m.op == pp.MatchOp.Equal and m.name != "__name__")
    vector_args = [a for a in args if not isinstance(strip(a), (pp.NumberLiteral, pp.StringLiteral))]
    if not vector_args:
        return EMPTY
    if name == "histogram_quantile":
        inner = labels(args[1], catalog)
        return None if inner is None else inner - {"le"}
    inner = labels(vector_args[0], catalog)
    if name in ("label_replace", "label_join") and inner is not None and len(args) > 1:
        dst = strip(args[1])
        if isinstance(dst, pp.StringLiteral):
            return inner | {dst.val}
    return inner


def _binary_labels(node, catalog):
    lhs_scalar, rhs_scalar = is_scalar(node.lhs), is_scalar(node.rhs)
    if lhs_scalar and rhs_scalar:
        return EMPTY
    if rhs_scalar:
        return labels(node.lhs, catalog)
    if lhs_scalar:
        return labels(node.rhs, catalog)
    lhs, rhs = labels(node.lhs, catalog), labels(node.rhs, catalog)
    name = op(node)
    if name == "or":
        return None if lhs is None or rhs is None else lhs | rhs
    if name in SET_OPS:
        return lhs
    mod = node.modifier
    matching = mod.matching if mod is not None else None
    group = frozenset(mod.group_labels or ()) if mod is not None else EMPTY
    if mod is not None and mod.card == ManyToOne:
        return None if lhs is None else lhs | group
    if mod is not None and mod.card == OneToMany:
        return None if rhs is None else rhs | group
    if matching is None:
        return lhs
    if matching.type == On:
        return frozenset(matching.labels)
    return None if lhs is None else lhs - frozenset(matching.labels)
