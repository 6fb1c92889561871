"""PromQL helpers: expand Grafana variables, parse once, walk the AST by plain recursion."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import promql_parser as pp

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
_VAR = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]")
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
        if expr[: m.start()].rstrip().endswith("[") or expr[: m.start()].rstrip().endswith(":"):
            return "5m"
        return "x"

    return _VAR.sub(replace, expr)


class ParseError(ValueError):
    pass


@lru_cache(maxsize=None)
def parse(expr: str) -> pp.Expr:
    """Parse once per distinct expression; raises ParseError with the parser's message."""
    try:
        return pp.parse(expr)
    except BaseException as exc:  # the Rust binding raises ValueError, or a panic for odd input
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise ParseError(str(exc).strip() or type(exc).__name__) from None


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
