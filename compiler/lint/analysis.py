"""What the PromQL rules need to know about an expression beyond its syntax.

The result labels come from compiler/labels.py, the one analysis routing uses too;
here are the rules' shared vocabulary and the catalog lookup of a selector, which
answers only where the catalog knows the series (labels.Known).
"""
from __future__ import annotations

import promql_parser as pp

from .. import labels as _labels
from .. import promql

Vector, Scalar = pp.ValueType.Vector, pp.ValueType.Scalar
By, Without, On = _labels.By, _labels.Without, _labels.On
ManyToOne, OneToMany = _labels.ManyToOne, _labels.OneToMany

EMPTY = _labels.EMPTY
COMPARISONS = frozenset({">", "<", ">=", "<=", "==", "!="})
SET_OPS = _labels.SET_OPS
KEEP_LABELS = _labels.KEEP_LABELS
# Functions that only make sense on counters, and those that need a range of two samples.
COUNTER_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
RATE_STYLE = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})

strip, op, clear = _labels.strip, _labels.op, _labels.clear
is_scalar = promql.is_scalar


def series(sel, known):
    """The catalog Series describing what a selector reads, or None (no name, unknown, or not ours to judge)."""
    return known.series(sel)


def labels(node, known) -> _labels.LabelSet:
    return _labels.labels(node, known)


def selector_of(node):
    """The VectorSelector a rate-style function argument reads, if it is a plain one."""
    node = strip(node)
    if isinstance(node, pp.MatrixSelector):
        return node.vector_selector
    if isinstance(node, pp.VectorSelector):
        return node
    return None
