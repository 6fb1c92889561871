"""promql/counter-raw: a counter used without rate()/increase().

What it checks: a counter series (including a histogram's `_bucket`/`_sum`/`_count`)
is not used as an instant vector, summed, divided or compared, except inside
functions that only look at presence or time: `absent()`, `timestamp()`, `count`,
`group`, `count_values`. Under histogram_quantile() promql/histogram reports it.
Not raw: a counter rated through a subquery (`rate((a_total * on(pod) group_left(node)
kube_pod_info)[5m:])`), and a recording rule that joins a counter with an info series
(`a_total * on(pod) group_left(node) kube_pod_info`, value 1): its output is the same
counter with one more label, to be rated where it is read.
Why: a counter's raw value is the total since the process started; it drops to zero
on every restart, so sums and ratios of raw counters jump and mean nothing.
Bad:  `sum by (severity) (codeverify_findings_total)`
Good: `sum by (severity) (increase(codeverify_findings_total[$__range]))`
"""
import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "promql/counter-raw"
SEVERITY = "error"
SCOPE = "query"

_EXEMPT_CALLS = frozenset({"absent", "timestamp", "histogram_quantile"})
_EXEMPT_AGGS = frozenset({"count", "group", "count_values"})


def check(query, ctx):
    found: list = []
    root = a.strip(query.ast)
    if query.origin == "record" and _info_join(root) is not None:
        root = _info_join(root)  # the record is the counter itself, labelled
        if isinstance(a.strip(root), pp.VectorSelector):
            return
    _walk(root, ctx.known, found)
    for name in dict.fromkeys(found):
        yield (f"counter `{name}` is used raw: its value is a total since the process started "
               f"and resets on restart; use rate({name}[...]) or increase({name}[...])")


def _walk(node, catalog, found) -> None:
    if isinstance(node, pp.VectorSelector):
        s = a.series(node, catalog)
        if s is not None and s.type == "counter":
            found.append(promql.metric_name(node))
        return
    if isinstance(node, (pp.MatrixSelector, pp.NumberLiteral, pp.StringLiteral)):
        return
    if isinstance(node, pp.Call) and node.func.name in _EXEMPT_CALLS:
        return
    if isinstance(node, pp.Call) and node.func.name in a.COUNTER_FUNCS and node.args \
            and isinstance(a.strip(node.args[0]), pp.SubqueryExpr):
        return  # rate((counter expression)[5m:]): the counters are rated
    if isinstance(node, pp.AggregateExpr) and a.op(node) in _EXEMPT_AGGS:
        return
    for child in promql.children(node):
        _walk(child, catalog, found)


def _info_join(node):
    """The counter side of `counter * on(...) group_left(...) info`, or None."""
    if not isinstance(node, pp.BinaryExpr) or a.op(node) != "*" or node.modifier is None:
        return None
    card = node.modifier.card
    if card == a.ManyToOne:
        many, one = node.lhs, node.rhs
    elif card == a.OneToMany:
        many, one = node.rhs, node.lhs
    else:
        return None
    names = [promql.metric_name(s) or "" for s in promql.selectors(one)]
    return many if names and all(n.endswith("_info") for n in names) else None
