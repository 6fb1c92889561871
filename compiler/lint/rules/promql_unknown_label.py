"""promql/unknown-label: a label the series cannot have.

What it checks: every label named in a matcher, in `by`/`without`, in `on`/`ignoring`/
`group_left`/`group_right`, and in a panel's legend (`{{handler}}`) is a label of the
series involved: the metric's own labels, its source's target labels, `le` on a
histogram's `_bucket` and `quantile` on a summary. Series of unknown metrics and of
recording rules are not checked.
Why: a matcher on a missing label selects nothing (or everything, for `!=`), a
`by (endpoint)` that does not exist merges all series into one, and a legend shows
an empty string. `{{__name__}}` is fine where the result keeps the metric name (a bare
selector, `topk`, a filter).
Bad:  `codeverify_analysis_duration_seconds_bucket{quantile="0.95"}` (a histogram has no quantile)
Good: `histogram_quantile(0.95, sum by (le) (rate(codeverify_analysis_duration_seconds_bucket[5m])))`
"""
import re

import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "promql/unknown-label"
SEVERITY = "error"
SCOPE = "query"

_LEGEND = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


def check(query, ctx):
    catalog = ctx.known
    for node in query.nodes:
        if isinstance(node, pp.VectorSelector):
            yield from _matchers(node, catalog)
        elif isinstance(node, pp.AggregateExpr):
            mod = node.modifier
            if mod is not None and mod.type == a.By:
                have = a.labels(node.expr, catalog).may
                if have is not None:
                    for label in mod.labels:
                        if label not in have:
                            yield f"`{a.op(node)} by ({label})`: the aggregated series have no label `{label}`{_have(have)}"
        elif isinstance(node, pp.BinaryExpr) and node.modifier is not None and not (
                a.is_scalar(node.lhs) or a.is_scalar(node.rhs)):
            yield from _matching(node, catalog)
    legend = query.legend
    if legend and "{{" in legend:
        have = a.labels(query.ast, catalog).may
        if have is not None:
            for label in dict.fromkeys(_LEGEND.findall(legend)):
                if label == "__name__" and _keeps_name(query.ast):
                    continue
                if label not in have:
                    yield f"the legend uses `{{{{{label}}}}}`, a label the query result does not have{_have(have)}"


def _have(have) -> str:
    return f" (it has {', '.join(sorted(have))})" if have else " (it has none)"


def _matchers(sel, catalog):
    s = a.series(sel, catalog)
    if s is None or s.labels is None:
        return
    for m in sel.matchers.matchers:
        if m.name == "__name__" or m.name in s.labels:
            continue
        if m.op == pp.MatchOp.Equal and m.value == "":
            continue  # `{x=""}` selects series without x: valid whatever the labels
        name = promql.metric_name(sel)
        hint = ""
        if m.name == "quantile" and s.metric is not None and s.metric.type == "histogram":
            hint = ": a histogram has no quantile label; compute one with histogram_quantile() over its _bucket series"
        elif m.name == "le" and s.metric is not None and s.metric.type == "histogram":
            hint = f": only `{s.metric.name}_bucket` has `le`"
        yield f"`{name}` has no label `{m.name}`{hint}"


def _matching(node, catalog):
    mod = node.modifier
    names = list(mod.matching.labels) if mod.matching is not None and mod.matching.type == a.On else []
    sides = (("left", a.labels(node.lhs, catalog).may), ("right", a.labels(node.rhs, catalog).may))
    for label in names:
        for side, have in sides:
            if have is not None and label not in have:
                yield f"`on({label})`: the {side}-hand side has no label `{label}`{_have(have)}"
    one = sides[1][1] if mod.card == a.ManyToOne else sides[0][1] if mod.card == a.OneToMany else None
    for label in mod.group_labels or ():
        if one is not None and label not in one:
            yield f"`group_{'left' if mod.card == a.ManyToOne else 'right'}({label})`: the one side has no label `{label}`"


# Functions that return their input series unchanged but for the value: the name stays.
_NAME_KEEPING = frozenset({"sort", "sort_desc", "label_replace", "label_join", "last_over_time", "clamp",
                           "clamp_min", "clamp_max"})


def _keeps_name(node) -> bool:
    """Whether the result series keep `__name__` (a bare selector, topk of one, ...): `{{__name__}}` is set."""
    node = a.strip(node)
    if isinstance(node, pp.VectorSelector):
        return True
    if isinstance(node, pp.AggregateExpr):
        return a.op(node) in a.KEEP_LABELS and _keeps_name(node.expr)
    if isinstance(node, pp.Call):
        return node.func.name in _NAME_KEEPING and bool(node.args) and _keeps_name(node.args[0])
    if isinstance(node, pp.BinaryExpr):
        name = a.op(node)
        if name in a.SET_OPS:
            return _keeps_name(node.lhs) and (name != "or" or _keeps_name(node.rhs))
        # A comparison without bool filters and keeps the left side's name.
        return name in a.COMPARISONS and not (node.modifier and node.modifier.return_bool) \
            and not a.is_scalar(node.lhs) and _keeps_name(node.lhs)
    return False
