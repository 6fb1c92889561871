"""PromQL helpers: expand Grafana variables, parse once, walk the AST by plain recursion."""
from __future__ import annotations

import re
import resource
from functools import lru_cache
from collections.abc import Iterator

import promql_parser as pp

# --- the PromQL of the target Prometheus ------------------------------------------
# promql-parser follows a newer Prometheus than the one we deploy (config.PROMETHEUS_VERSION):
# it no longer knows `holt_winters` (renamed double_exponential_smoothing in 3.0) and
# accepts functions, aggregations and selector syntax that 2.42 rejects. We register
# the former and report the latter (version_problems), so that what parses here is
# what Prometheus 2.42 loads. tests/lint/test_promql_syntax.py checks both lists
# against the real promtool.
try:
    pp.register_extra_functions([pp.Function(
        "holt_winters", [pp.ValueType.Matrix, pp.ValueType.Scalar, pp.ValueType.Scalar], pp.ValueType.Vector)])
except ValueError:  # a parser version that knows it already
    pass

# Every function of Prometheus 2.42 (promql/parser/functions.go at v2.42.0).
FUNCTIONS_2_42 = frozenset("""
abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp
clamp_max clamp_min cos cosh count_over_time days_in_month day_of_month day_of_week day_of_year
deg delta deriv exp floor histogram_count histogram_sum histogram_fraction histogram_quantile
holt_winters hour idelta increase irate label_replace label_join last_over_time ln log10 log2
max_over_time min_over_time minute month pi predict_linear present_over_time quantile_over_time
rad rate resets round scalar sgn sin sinh sort sort_desc sqrt stddev_over_time stdvar_over_time
sum_over_time tan tanh time timestamp vector year
""".split())
AGGREGATIONS_2_42 = frozenset("sum avg count min max group stddev stdvar topk bottomk count_values quantile".split())

# Values Grafana substitutes for its built-in variables. `$__rate_interval` is
# max($__interval + scrape, 4 x scrape): 2m at the 30s scrape interval.
BUILTINS = {
    "__rate_interval": "2m",
    "__interval": "1m",
    "__range": "1h",
    "__interval_ms": "60000",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

# $name, ${name}, ${name:format}, [[name]]
# (not `$1`: a regex back-reference in label_replace, which Grafana leaves alone too)
_VAR = re.compile(r"\$\{([a-zA-Z_]\w*)(?::[^}]*)?\}|\$([a-zA-Z_]\w*)|\[\[([a-zA-Z_]\w*)(?::[^\]]*)?\]\]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def variables(expr: str) -> list[str]:
    """Names of the Grafana variables an expression uses, built-ins included."""
    return [next(g for g in m.groups() if g) for m in _VAR.finditer(expr)]


def expand(expr: str, values: dict[str, str] | None = None) -> str:
    """Replace Grafana variables so that the result is plain PromQL.

    Built-ins get the durations Grafana would use; other variables get `values`
    where given, else a placeholder that keeps the query valid where it stands:
    `.+` inside a regex matcher, `x` inside other strings, `5m` inside a range.
    """
    if "$" not in expr and "[[" not in expr:
        return expr
    values = values or {}
    strings = [(m.start(), m.end()) for m in _STRING.finditer(expr)]

    def inside(pos: int) -> tuple[int, int] | None:
        for start, end in strings:
            if start < pos < end:
                return start, end
        return None

    def replace(m: re.Match) -> str:
        name = next(g for g in m.groups() if g)
        if name in values:
            return values[name]
        if name in BUILTINS:
            return BUILTINS[name]
        span = inside(m.start())
        if span is not None:
            before = expr[: span[0]].rstrip()
            return ".+" if before.endswith(("=~", "!~")) else "x"
        before = expr[: m.start()].rstrip()
        if before.endswith(("[", ":")):
            return "5m"
        if before.endswith(tuple("(,+-*/%^<>=")) and not _LABEL_LIST.search(before):
            return "1"  # a number where an operand stands: `topk($n, ...)`, `> $threshold`
        return "x"

    return _VAR.sub(replace, expr)


# The open label list of `by (`, `on (`, ... that a position is inside of.
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([\w\s,]*$")


class ParseError(ValueError):
    pass


# promql-parser recurses on the C stack, where no Python limit applies: at 8 MiB it
# crashed the process at about 5,000 terms of `a or b or ...`, 3,000 of right-nested
# `a + (a + ...)` (6,000 operators and parentheses), 20,000 nested parentheses. Counting
# operators and parentheses, a bound of one per 4 KiB of stack (2,048 at 8 MiB) refuses
# an expression well before that, and no expression shorter than the bound needs counting.
# And at most MAX_OPERATORS whatever the stack: each `.lhs`/`.rhs` of the parser's Python
# nodes is a copy of the subtree, so the lint's walk (and the caches keyed by node) holds
# memory quadratic in the length of a chain: 160 MB for one of 1,000 terms, 660 MB for
# 2,000, and six of 2,000 took 5.5 GB (issue 20). The largest expression of the corpus
# (tests/lint/test_corpus.py) has far fewer.
def stack_bytes() -> int:
    """This process's C stack limit, counted as at most 64 MiB (also when unlimited)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return 64 << 20 if soft == resource.RLIM_INFINITY else min(soft, 64 << 20)


MAX_OPERATORS = 500
_NESTING_BOUND = min(stack_bytes() // 4096, MAX_OPERATORS)
_NESTING = re.compile(r"\b(?:or|and|unless|atan2)\b|==|!=|>=|<=|[-+*/%^<>(]")  # every binary operator, and `(`


# A repeated expression is parsed once while the lint passes over it, but the trees of
# a very large repository are not all kept (bench/run.py: peak memory), and no large
# tree is kept at all: the parser's Python tree holds a copy of each node's subtree,
# quadratic in the operators (37 MB for a 490-term `or` chain), so fifty of them
# cached took 1.9 GB. Parsed again when asked again: rare, and cheap beside the lint.
_CACHED = 16384  # trees
_CACHED_UP_TO = 64  # operators and parentheses
_trees: dict[str, pp.Expr] = {}


def parse(expr: str) -> pp.Expr:
    """Parse once per distinct expression (small ones); raises ParseError with the parser's message."""
    tree = _trees.get(expr)
    if tree is not None:
        return tree
    nesting = len(_NESTING.findall(_STRING.sub('""', expr))) if len(expr) > _CACHED_UP_TO else 0
    if nesting > _NESTING_BOUND:
        raise ParseError(f"too large to check safely: {nesting} operators and parentheses, at most "
                         f"{_NESTING_BOUND} (split it, e.g. into recording rules)")
    try:
        tree = pp.parse(expr)
    except BaseException as exc:  # the Rust binding raises ValueError, or a panic for odd input
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise ParseError(str(exc).strip() or type(exc).__name__) from None
    if nesting <= _CACHED_UP_TO:
        if len(_trees) >= _CACHED:
            del _trees[next(iter(_trees))]  # the oldest
        _trees[expr] = tree
    return tree


parse.cache_clear = _trees.clear  # as functools' caches are cleared (pipeline.build, tests)


# Cached by node (the parser's nodes hash and compare by identity, and a cached node
# stays alive, so its id is not reused): an `a or b or c ...` chain asks at every level
# about the chain below it, quadratic without the cache.
@lru_cache(maxsize=4096)
def is_scalar(node) -> bool:
    """Whether `node` evaluates to a scalar (or a string): a literal, `scalar(...)`, `time()`, ..."""
    while isinstance(node, (pp.ParenExpr, pp.UnaryExpr)):
        node = node.expr
    if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
        return True
    if isinstance(node, pp.Call):
        return node.func.return_type == pp.ValueType.Scalar
    if isinstance(node, pp.BinaryExpr):
        return is_scalar(node.lhs) and is_scalar(node.rhs)
    return False


@lru_cache(maxsize=64)  # asked once per query, for the same few versions
def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def version_problems(node, version: str, all_nodes=None) -> list[str]:
    """What in a parsed expression the target Prometheus `version` would reject.

    For 2.x the function and aggregation lists are those of 2.42 (older 2.x versions
    lack a few of them, which we do not track); from 3.0 on only the removal of
    `holt_winters` is checked.
    """
    v2 = version_tuple(version) < (3,)
    problems = []
    for n in all_nodes if all_nodes is not None else nodes(node):
        if isinstance(n, pp.Call):
            name = n.func.name
            if v2 and name not in FUNCTIONS_2_42:
                problems.append(f"function `{name}` does not exist in Prometheus {version}")
            elif not v2 and name == "holt_winters":
                problems.append(f"`holt_winters` was renamed `double_exponential_smoothing` in Prometheus 3.0 ({version})")
        elif isinstance(n, pp.AggregateExpr) and v2:
            op = str(n.op).lower()
            if op not in AGGREGATIONS_2_42:
                problems.append(f"aggregation `{op}` does not exist in Prometheus {version}")
        elif isinstance(n, pp.VectorSelector) and v2:
            if n.matchers.or_matchers:
                problems.append(f"`or` inside a selector's braces does not exist in Prometheus {version}")
            name = metric_name(n)
            if name is not None and not _NAME.fullmatch(name):
                problems.append(f"metric name `{name}` needs UTF-8 names (Prometheus 3), not {version}")
            for m in n.matchers.matchers:
                if not _LABEL.fullmatch(m.name):
                    problems.append(f"label name `{m.name}` needs UTF-8 names (Prometheus 3), not {version}")
    return problems


_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def is_label_name(text: str) -> bool:
    """A classic (pre-UTF-8) label name, as `label_replace` and `label_join` require."""
    return _LABEL.fullmatch(text) is not None


_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")
_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


def duration_seconds(text) -> float | None:
    """Seconds of a Prometheus duration (`1h30m`, `5m`, `0`), or None if it is not one."""
    if not isinstance(text, str):
        return None
    if text == "0":
        return 0.0
    m = _DURATION.fullmatch(text)
    if not text or m is None:
        return None
    return float(sum(int(g) * u for g, u in zip(m.groups(), _UNITS) if g))


def string_value(node) -> str | None:
    """The value of a string literal, through any parentheses; None for anything else."""
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node.val if isinstance(node, pp.StringLiteral) else None


def children(node) -> Iterator:
    """The direct sub-expressions of a node."""
    if isinstance(node, pp.BinaryExpr):
        yield node.lhs
        yield node.rhs
    elif isinstance(node, pp.AggregateExpr):
        if node.param is not None:
            yield node.param
        yield node.expr
    elif isinstance(node, pp.Call):
        yield from node.args
    elif isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        yield node.expr
    elif isinstance(node, pp.MatrixSelector):
        yield node.vector_selector


def nodes(node) -> Iterator:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(children(n))))


def selectors(node) -> list[pp.VectorSelector]:
    return [n for n in nodes(node) if isinstance(n, pp.VectorSelector)]


def metric_name(sel: pp.VectorSelector) -> str | None:
    """The series name a selector selects: its name, or an `__name__="..."` matcher."""
    if sel.name:
        return sel.name
    for m in sel.matchers.matchers:
        if m.name == "__name__" and m.op == pp.MatchOp.Equal:
            return m.value
    return None
