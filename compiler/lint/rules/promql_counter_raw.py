"""promql/counter-raw: a counter used without rate()/increase().

What it checks: a counter series (including a histogram's `_bucket`/`_sum`/`_count`)
is not used as an instant vector, summed, divided or compared, except inside
functions that only look at presence or time: `absent()`, `timestamp()`, `count`,
`group`, `count_values`. Under histogram_quantile() promql/histogram reports it.
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
    _walk(query.ast, ctx.known, found)
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
    if isinstance(node, pp.AggregateExpr) and a.op(node) in _EXEMPT_AGGS:
        return
    for child in promql.children(node):
        _walk(child, catalog, found)
