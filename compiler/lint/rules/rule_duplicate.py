"""rule/duplicate: the same alert or recording rule, with the same labels, twice.

What it checks: no two rules (across all groups of the project, or of one file) share
kind, name and static labels, unless their expressions select disjoint series on a
label their results keep (`sum by (code) (x{code=~"2.."})` and the same with
`code=~"5.."` write different series of one name, as kube-prometheus does).
Why: two recording rules with the same output write the same series and Prometheus
drops samples as duplicates; two identical alerts fire twice or hide a copy-paste
whose edit went to the wrong one.
Bad:  two `record: job:requests:rate5m` without distinguishing labels
Good: one of them, or different `labels`
"""
import re

import promql_parser as pp

from ... import promql, regex
from .. import analysis as a

ID = "rule/duplicate"
SEVERITY = "error"
SCOPE = "ruleset"


def check(ruleset, ctx):
    first: dict = {}
    for rule, location in ruleset.rules:
        labels = rule.data.get("labels")
        labels = labels if isinstance(labels, dict) else {}
        key = (rule.kind, rule.name, tuple(sorted((str(k), str(v)) for k, v in labels.items())))
        earlier = first.setdefault(key, [])
        clash = next((where for other, where in earlier if not _disjoint(rule, other, ctx)), None)
        earlier.append((rule, location))
        if clash is None:
            continue
        at = f"{clash.file}:{clash.line}" if clash.line else clash.file
        severity = "error" if rule.kind == "record" else "warning"
        yield f"{rule.kind} `{rule.name}` with these labels is also defined at {at}", severity, location


def _disjoint(rule, other, ctx) -> bool:
    """Whether the two rules' results can never share a series: a kept label pinned apart."""
    mine, theirs = _pins(rule, ctx), _pins(other, ctx)
    return any(_apart(mine[label], theirs[label]) for label in mine.keys() & theirs.keys())


def _pins(rule, ctx) -> dict:
    """Label -> the matchers every selector of the expression puts on it, for labels the result keeps."""
    query = rule.query
    if query is None or query.error and query.ast is None and not query.error.startswith("tree dropped"):
        return {}
    try:  # the query rules have run and dropped the tree: the parse cache has it, or parses it again
        ast = query.ast if query.ast is not None else promql.parse(query.expanded)
    except promql.ParseError:
        return {}
    sels = promql.selectors(ast)
    if not sels:
        return {}
    kept = a.labels(ast, ctx.known)
    pins: dict = {}
    for label in set.intersection(*({m.name for m in s.matchers.matchers} for s in sels)) - {"__name__"}:
        if kept.has(label) and (kept.may is not None or label in kept.sure):
            pins[label] = [m for s in sels for m in s.matchers.matchers if m.name == label]
    return pins


def _apart(ours, theirs) -> bool:
    return any(_never_both(x, y) for x in ours for y in theirs)


def _never_both(x, y) -> bool:
    """No label value satisfies both matchers (decided for equality and literal alternations/prefixes)."""
    xs, ys = _values(x), _values(y)
    if xs is not None and ys is not None:
        return not (xs & ys)
    for finite, m in ((xs, y), (ys, x)):
        if finite is not None and m.op in (pp.MatchOp.Re, pp.MatchOp.Equal):
            return not any(_accepts(m, v) for v in finite)
    px, py = _prefix(x), _prefix(y)
    return px is not None and py is not None and not (px.startswith(py) or py.startswith(px))


def _values(m) -> set | None:
    if m.op == pp.MatchOp.Equal:
        return {m.value}
    if m.op == pp.MatchOp.Re and _LITERALS.fullmatch(m.value):
        return set(m.value.split("|"))
    return None


def _accepts(m, value: str) -> bool:
    if m.op == pp.MatchOp.Equal:
        return m.value == value
    return regex.valid(m.value) and regex.fullmatch(m.value, value) is True


def _prefix(m) -> str | None:
    """The literal start every value of a regex matcher has (`2..` -> `2`), if any."""
    if m.op != pp.MatchOp.Re or "|" in m.value:
        return None
    lit = _PREFIX.match(m.value).group(0)
    return lit or None


# Regexes that are plain alternations of literals (`GET|LIST`): no metacharacter, no dot.
_LITERALS = re.compile(r"[A-Za-z0-9_\-:/ ]+(?:\|[A-Za-z0-9_\-:/ ]+)*")
_PREFIX = re.compile(r"[A-Za-z0-9_\-:/ ]*")
