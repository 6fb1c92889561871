"""rule/record-name: a recording rule not named `level:metric:operations`.

What it checks: a recording rule's name has at least three colon-separated parts:
the aggregation level (labels kept; empty when none are, `:metric:sum`, as the
kube-prometheus and Thanos mixins write it), the metric, and the operations applied. The
suggested name is read from what the rule computes: its outer `by (...)` labels, the
metric it reads (`_total` dropped once rated) and its operations, outermost first
(`rate5m`, `max`, `ratio`; a `sum` is implied by the level).
Why: the convention (Prometheus' "Recording rules" best practices) tells readers
what a recorded series holds and keeps recorded names apart from scraped ones.
Not reported: an info series, `<name>_info` recorded as a constant (`1`, `vector(1)`), such
as Sloth's `sloth_slo_info`: it holds labels, not a computation, and `_info` is the
convention for that.
Bad:  `record: http_error_ratio`
Good: `record: namespace:codeverify_http_requests:rate5m`
"""
import re

import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "rule/record-name"
SEVERITY = "warning"
SCOPE = "rule"

_NAME = re.compile(r"[a-zA-Z0-9_]*(:[a-zA-Z0-9_]+){2,}")  # (rule/schema checks it is a metric name)
_RATED = frozenset({"rate", "irate", "increase"})


def check(rule, ctx):
    if rule.kind == "record" and isinstance(rule.name, str) and rule.name.endswith("_info") \
            and rule.query is not None and _constant(rule.query.ast):
        return
    if rule.kind == "record" and isinstance(rule.name, str) and rule.name and not _NAME.fullmatch(rule.name):
        better = suggestion(rule.query.ast if rule.query is not None else None)
        hint = f" (e.g. `{better}`, from what it computes)" if better else ""
        yield f"recording rule `{rule.name}` is not named level:metric:operations{hint}"


def _constant(ast) -> bool:
    """`1`, `vector(1)` (in parentheses or not): a series that only carries its rule's labels."""
    while isinstance(ast, pp.ParenExpr):
        ast = ast.expr
    if isinstance(ast, pp.NumberLiteral):
        return True
    return isinstance(ast, pp.Call) and ast.func.name == "vector" and len(ast.args) == 1 \
        and isinstance(ast.args[0], pp.NumberLiteral)


def suggestion(ast) -> str | None:
    """level:metric:operations for an expression, or None when it reads no metric."""
    if ast is None:
        return None
    found = {"level": None, "metric": None, "rated": False, "quantile": False}
    ops: list[str] = []
    _walk(ast, found, ops)
    metric = found["metric"]
    if metric is None:
        return None
    if ":" in metric:  # a recorded series: its metric part
        parts = metric.split(":")
        metric = parts[1] if len(parts) >= 3 else parts[-1]
    if found["rated"] and metric.endswith("_total"):
        metric = metric[: -len("_total")]
    level = found["level"] or ""
    if found["quantile"]:
        metric = metric.removesuffix("_bucket")
        level = "_".join(part for part in level.split("_") if part != "le") if level != "le" else ""
    return f"{level}:{metric}:{'_'.join(dict.fromkeys(ops)) or 'sum'}"


def _walk(node, found: dict, ops: list) -> None:
    node = a.strip(node)
    if isinstance(node, pp.AggregateExpr):
        _aggregate(node, found, ops)
        _walk(node.expr, found, ops)
    elif isinstance(node, pp.BinaryExpr):
        vectors = [s for s in (node.lhs, node.rhs) if not a.is_scalar(s)]
        if a.op(node) == "/" and len(vectors) == 2:
            ops.append("ratio")
        if vectors:
            _walk(vectors[0], found, ops)
    elif isinstance(node, pp.Call):
        args = [x for x in node.args if not a.is_scalar(x)]
        _call(node, args, found, ops)
        if args:
            _walk(args[0], found, ops)
    elif isinstance(node, (pp.MatrixSelector, pp.SubqueryExpr, pp.UnaryExpr)):
        _walk(node.vector_selector if isinstance(node, pp.MatrixSelector) else node.expr, found, ops)
    elif isinstance(node, pp.VectorSelector) and found["metric"] is None:
        found["metric"] = promql.metric_name(node)


def _aggregate(node, found: dict, ops: list) -> None:
    """The outermost aggregation's `by` labels are the level; any aggregation but sum is an op."""
    name, mod = a.op(node), node.modifier
    if found["level"] is None:
        labels = [x for x in mod.labels if not (found["quantile"] and x == "le")] if mod is not None else []
        found["level"] = "_".join(labels) if mod is not None and mod.type == a.By else ""
    if name != "sum":
        ops.append(name)


def _call(node, args: list, found: dict, ops: list) -> None:
    """A function's op: p99 for a quantile, rate5m for a range function, the name otherwise."""
    fn = node.func.name
    if fn == "histogram_quantile" and node.args and isinstance(a.strip(node.args[0]), pp.NumberLiteral):
        ops.append(f"p{a.strip(node.args[0]).val * 100:g}".replace(".", "_"))
        found["quantile"] = True
    elif args and isinstance(a.strip(args[0]), (pp.MatrixSelector, pp.SubqueryExpr)):
        arg = a.strip(args[0])
        ops.append(f"{fn.removesuffix('_over_time')}{pp.display_duration(arg.range)}")
        found["rated"] = found["rated"] or fn in _RATED
    elif fn not in ("label_replace", "label_join", "clamp_min", "clamp_max", "clamp", "abs"):
        ops.append(fn)
