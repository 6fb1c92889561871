"""promql/rate-type: rate(), irate(), increase() or resets() over a series that is no counter.

What it checks: the series these functions read is a counter: a counter metric, or a
histogram's or summary's `_bucket`/`_sum`/`_count`. Gauges, a summary's quantiles and
a histogram's bare name are not. Recording-rule outputs are not checked.
Why: rate() treats every decrease as a counter reset, so on a gauge it reports
nonsense; a histogram's bare name has no series at all.
Bad:  `rate(codeverify_queue_length[5m])`
Good: `deriv(codeverify_queue_length[5m])`, or `rate(codeverify_analyses_total[5m])`
"""
import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "promql/rate-type"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    for node in query.nodes:
        if not isinstance(node, pp.Call) or node.func.name not in a.COUNTER_FUNCS or not node.args:
            continue
        sel = a.selector_of(node.args[0])
        s = a.series(sel, ctx.known) if sel is not None else None
        if s is None or s.metric is None:
            continue
        fn, name = node.func.name, promql.metric_name(sel)
        if s.type is None:
            yield (f"`{fn}({name}[...])`: `{name}` is a histogram's name, not a series; "
                   f"use `{name}_bucket`, `{name}_sum` or `{name}_count`")
        elif s.type != "counter":
            alt = "deriv()/delta()" if fn != "resets" else "changes()"
            yield f"`{fn}()` over `{name}`, a {s.type}: only counters can be rated; use {alt} for a {s.type}"
