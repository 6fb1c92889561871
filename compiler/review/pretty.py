"""PromQL formatted by promql-parser's prettify, with Grafana variables kept as written.

The parser does not know `$__rate_interval` or `$job`, so each variable is swapped
for a unique placeholder that is valid where it stands (a duration inside `[...]`,
a name elsewhere, a word inside strings), the result is prettified, and the
placeholders are swapped back. Whitespace-only edits then vanish from the diff.
"""
from __future__ import annotations

import difflib
import re

import promql_parser as pp

from .. import promql

# Variable syntax and string literals, as compiler.promql.expand recognises them.
_VAR = promql._VAR
_STRING = promql._STRING


def _duration(i: int) -> tuple[str, str]:
    """A duration placeholder and the text prettify prints for it."""
    # `1xh11m13s`: the same shape for every i, so that no placeholder contains another.
    written = f"{(10 + i % 80) * 3600 + 11 * 60 + 13}s"
    printed = pp.parse(f"x[{written}]").prettify()[2:-1]
    return written, printed


def prettify(expr: str) -> str | None:
    """The prettified expression with its variables restored, or None when it does not parse."""
    originals: dict[str, str] = {}  # printed placeholder -> original variable text
    strings = [(m.start(), m.end()) for m in _STRING.finditer(expr)]
    pieces, last = [], 0
    for i, m in enumerate(_VAR.finditer(expr)):
        in_string = any(start < m.start() < end for start, end in strings)
        before = expr[: m.start()].rstrip()
        if not in_string and before.endswith(("[", ":")):
            written, printed = _duration(i)
        else:
            written = printed = f"__grafana_var_{i}__"
        if written in expr or printed in expr:
            return None
        originals[printed] = m.group(0)
        pieces += [expr[last : m.start()], written]
        last = m.end()
    pieces.append(expr[last:])
    try:
        text = promql.parse("".join(pieces)).prettify()
    except promql.ParseError:
        return None
    for printed, original in originals.items():
        if text.count(printed) != 1:
            return None
        text = text.replace(printed, original)
    return text


def normalise(expr: str, language: str = "promql") -> str:
    """What a reviewer compares: prettified PromQL, or the stripped text of anything else."""
    if language == "promql":
        pretty = prettify(expr)
        if pretty is not None:
            return pretty
    return "\n".join(line.rstrip() for line in expr.strip().splitlines())


def same(old: str, new: str, language: str = "promql") -> bool:
    return normalise(old, language) == normalise(new, language)


def inline_diff(old: str, new: str, language: str = "promql", context: int = 2) -> list[str]:
    """`-`/`+`/` ` lines of the normalised expressions: whole when short, else hunks with context."""
    a, b = normalise(old, language).splitlines(), normalise(new, language).splitlines()
    short = len(a) + len(b) <= 16
    lines = list(difflib.unified_diff(a, b, lineterm="", n=max(len(a), len(b)) if short else context))[2:]
    return [line for line in lines if not (short and line.startswith("@@"))]


def threshold_change(old: str, new: str) -> tuple[str, str] | None:
    """(`> 0.05`, `> 0.1`) when two expressions differ only in a top-level comparison's number."""
    try:
        a, b = promql.parse(promql.expand(old)), promql.parse(promql.expand(new))
    except promql.ParseError:
        return None
    if not (isinstance(a, pp.BinaryExpr) and isinstance(b, pp.BinaryExpr)):
        return None
    if not (isinstance(a.rhs, pp.NumberLiteral) and isinstance(b.rhs, pp.NumberLiteral)):
        return None
    if a.lhs.prettify() != b.lhs.prettify() or a.rhs.val == b.rhs.val:
        return None
    # The operator token prints as its symbol in the prettified tail: `... > 0.05`.
    op_a, op_b = _op(a), _op(b)
    if op_a is None or op_b is None:
        return None
    return f"{op_a} {number(a.rhs.val)}", f"{op_b} {number(b.rhs.val)}"


_TAIL = re.compile(r"\s(==|!=|>=|<=|>|<)(\s+bool)?\s+\S+$")


def _op(node) -> str | None:
    m = _TAIL.search(node.prettify())
    return (m.group(1) + (" bool" if m.group(2) else "")) if m else None


def number(value: float) -> str:
    """`0.001`, `2`, `99.9`: the shortest text that reads back as the value."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(round(value, 12))  # 12 digits drop float noise: 0.1 + 0.2 prints 0.3
