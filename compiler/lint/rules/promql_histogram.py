"""promql/histogram: histogram_quantile() over something that is no rated bucket series.

What it checks: the second argument of histogram_quantile() reads a histogram's
`_bucket` series (not its name, `_count`, `_sum`, a summary or a gauge), through
rate()/increase()/irate(), and every aggregation on the way keeps `le`.
Recording-rule outputs are trusted to be rated buckets, but an aggregation that
drops `le` is reported over them too.
Why: without `le` histogram_quantile() has no buckets and returns nothing; over raw
bucket counters it computes the quantile of everything since the pods started.
Bad:  `histogram_quantile(0.95, sum(rate(codeverify_http_request_duration_seconds_bucket[5m])))`
Good: `histogram_quantile(0.95, sum by (le) (rate(codeverify_http_request_duration_seconds_bucket[5m])))`
"""
import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "promql/histogram"
SEVERITY = "error"
SCOPE = "query"

_RATES = frozenset({"rate", "increase", "irate"})
# Functions that pass bucket series through with their labels.
_PASS = frozenset({"label_replace", "label_join", "clamp_min", "clamp_max", "clamp", "abs", "sort", "sort_desc"})


def check(query, ctx):
    for node in query.nodes:
        if isinstance(node, pp.Call) and node.func.name == "histogram_quantile" and len(node.args) == 2:
            yield from _buckets(node.args[1], ctx.known, rated=False, dropped=None)


def _buckets(node, catalog, rated, dropped):
    """Findings on the buckets under `node`: `rated` once a rate() is above, `dropped` says
    which aggregation above lost `le` (None while it is kept)."""
    node = a.strip(node)
    if isinstance(node, pp.AggregateExpr):
        yield from _buckets(node.expr, catalog, rated, dropped or _drops_le(node))
    elif isinstance(node, pp.Call):
        fn = node.func.name
        if fn in _RATES and node.args:
            yield from _buckets(node.args[0], catalog, True, dropped)
        elif fn in _PASS and node.args:
            yield from _buckets(node.args[0], catalog, rated, dropped)
    elif isinstance(node, pp.BinaryExpr):
        for side in _bucket_sides(node):
            if not a.is_scalar(side):
                yield from _buckets(side, catalog, rated, dropped)
    elif isinstance(node, (pp.MatrixSelector, pp.SubqueryExpr)):
        inner = node.vector_selector if isinstance(node, pp.MatrixSelector) else node.expr
        yield from _buckets(inner, catalog, rated, dropped)
    elif isinstance(node, pp.VectorSelector):
        yield from _selector(node, catalog, rated, dropped)


def _drops_le(node) -> str | None:
    """How an aggregation loses the `le` label, in its own words; None when it keeps it."""
    mod, name = node.modifier, a.op(node)
    if name in a.KEEP_LABELS or _keeps(mod, "vmrange"):
        return None
    if mod is None:
        return f"`{name}(...)` without `by (le)`"
    if mod.type == a.By and "le" not in mod.labels:
        return f"`{name} by ({', '.join(mod.labels)})`"
    if mod.type == a.Without and "le" in mod.labels:
        return f"`{name} without (le)`"
    return None


def _selector(node, catalog, rated, dropped):
    name = promql.metric_name(node)
    s = a.series(node, catalog)
    if dropped and _classic(node, name, s, catalog):
        yield f"histogram_quantile() over {dropped}, which drops the `le` label it needs: keep `le` in the `by` clause"
    if s is None or s.metric is None:
        return
    if s.metric.type == "summary":
        yield f"`{name}` belongs to a summary: read its quantiles from the `quantile` label instead"
    elif s.metric.type != "histogram" or s.suffix != "_bucket":
        yield f"histogram_quantile() over `{name}`, which is not a histogram's `_bucket` series"
    elif not rated:
        yield (f"histogram_quantile() over raw `{name}`: rate the buckets first, "
               f"e.g. `sum by (le) (rate({name}[5m]))`")


def _bucket_sides(node):
    """The operands of a binary operation that can carry the buckets into the result."""
    name, mod = a.op(node), node.modifier
    if mod is not None and mod.card == a.ManyToOne:
        return (node.lhs,)  # the right side only lends labels (`* on(pod) group_left(node) kube_pod_info`)
    if mod is not None and mod.card == a.OneToMany:
        return (node.rhs,)
    if name in ("and", "unless"):
        return (node.lhs,)
    return (node.lhs, node.rhs)


def _keeps(mod, label: str) -> bool:
    if mod is None:
        return False
    return (label in mod.labels) if mod.type == a.By else (label not in mod.labels)


def _classic(sel, name, series, known) -> bool:
    """Whether a selector reads classic buckets (`_bucket` with `le`), so dropping `le` is a mistake."""
    if series is not None and series.metric is not None:
        return series.suffix == "_bucket"
    if name is not None and name.endswith("_bucket"):
        return True
    return a.labels(sel, known).may is not None and "le" in a.labels(sel, known).may
