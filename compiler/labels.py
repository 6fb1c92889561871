"""The labels of a PromQL result: the one analysis that routing and every lint rule use.

For an expression, `labels(node, known)` answers two questions at once:

- `sure`: the labels every result series carries (routing needs them: an alert routes
  on its labels, and a `$labels.x` in a notification prints them);
- `may`: the labels a result series can carry at all, or None when that is open
  (a series the catalog does not describe). A label outside `may` is an error to group
  by, match on, or print.

Both follow Prometheus' evaluation (promql/engine.go): aggregations keep their `by`
labels or drop their `without` labels; one-to-one matching with `on(...)` keeps only
those labels, `ignoring(...)` drops them; `group_left/right(...)` keep the "many"
side and copy the listed labels from the "one" side; `and`/`unless` keep the left
side, `or` either side; `label_replace`/`label_join` add their destination; `absent`
has the equality matchers of its selector; `histogram_quantile` drops `le`.

`Known` says what may be assumed about a selector's series: the catalog's label set
and type apply where the catalog knows the scrape (CodeVerify's own metrics, and the
exporters it declares when the selector picks CodeVerify's targets), and recording
rules contribute the labels of their expressions.
"""
from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

import promql_parser as pp

from . import promql, regex

EMPTY: frozenset = frozenset()
Vector, Scalar = pp.ValueType.Vector, pp.ValueType.Scalar
By, Without = pp.AggModifierType.By, pp.AggModifierType.Without
On = pp.LabelModifierType.Include
ManyToOne, OneToMany = pp.VectorMatchCardinality.ManyToOne, pp.VectorMatchCardinality.OneToMany
SET_OPS = frozenset({"and", "or", "unless"})
# Aggregations whose result keeps each input series' labels.
KEEP_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
# Functions whose result has no labels whatever their arguments.
_NO_LABELS = frozenset({"vector", "time", "scalar", "pi"})


class LabelSet(namedtuple("LabelSet", ("sure", "may"))):
    """sure: labels every result series carries; may: the labels any can carry (None: unknown)."""

    __slots__ = ()

    def has(self, label: str) -> bool:
        """Whether a result series can carry `label` (True when unknown)."""
        return self.may is None or label in self.may

    def lacks(self, label: str) -> bool:
        """Whether no result series can carry `label` (known for certain)."""
        return self.may is not None and label not in self.may


NONE = LabelSet(EMPTY, EMPTY)
OPEN = LabelSet(EMPTY, None)


# Series every Prometheus writes itself (rule evaluation, scrapes): known to any Prometheus,
# so not "outside the catalog" in other people's files.
PROMETHEUS_SERIES = frozenset({
    "ALERTS", "ALERTS_FOR_STATE", "up", "scrape_duration_seconds", "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling", "scrape_series_added", "scrape_timeout_seconds",
    "scrape_sample_limit", "scrape_body_size_bytes",
})


class Known:
    """What the analysis may assume about series: the catalog where it applies, and recorded outputs.

    strict: the catalog describes every series it names (CodeVerify's own definitions,
    `--catalog-strict`). Otherwise a catalog metric from a shared exporter (`up`,
    cAdvisor, kube-state-metrics, ...) is described only when its selector picks one
    of the scrapes named in `scrapes` (source name -> {label: values}), and a metric
    name in one of `namespaces` (e.g. `codeverify_`) always is.
    `recorded`: record name -> [(expression, static labels)] of the linted rules.
    """

    def __init__(self, catalog, strict: bool = True, namespaces=(), scrapes=None, recorded=None):
        self.catalog = catalog
        self.strict = strict
        self.namespaces = tuple(namespaces)
        self.scrapes = dict(scrapes or {})
        self.recorded: dict[str, list] = dict(recorded or {})
        self.visiting: set[str] = set()  # recording rules being expanded (a rule reading itself)

    def owns(self, name: str) -> bool:
        """Whether `name` is in the catalog's namespace, so that a missing metric is a mistake."""
        return name.startswith(self.namespaces) if self.namespaces else False

    def checks(self, name: str) -> bool:
        """Whether promql/unknown-metric judges `name` (else it is only counted as unchecked)."""
        return self.strict or self.owns(name)

    def series(self, sel):
        """The catalog Series describing what `sel` reads, or None where the catalog does not know."""
        name = promql.metric_name(sel)
        if name is None:
            return None
        s = self.catalog.lookup(name)
        if s is None or s.metric is None or self.strict or self.owns(name):
            return s
        return s if self._scrape_known(s.metric.source, sel) else None

    def _scrape_known(self, source: str, sel) -> bool:
        wanted = self.scrapes.get(source)
        if not wanted:
            return False
        for m in sel.matchers.matchers:
            values = wanted.get(m.name, ())
            if m.op == pp.MatchOp.Equal and m.value in values:
                return True
            if m.op == pp.MatchOp.Re and m.value and all(part in values for part in m.value.split("|")):
                return True  # an alternation of listed values: `app=~"codeverify-api|codeverify-worker"`
        return False


def clear() -> None:
    """Forget cached answers (a lint run starts afresh: its Known objects are new)."""
    labels.cache_clear()
    promql.is_scalar.cache_clear()


def strip(node):
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def op(node) -> str:
    return str(node.op).lower()


def _matcher_labels(sel) -> tuple[frozenset, frozenset]:
    """(labels a matcher requires to be non-empty, every label a matcher names), `__name__` aside."""
    sure, named = set(), set()
    for m in sel.matchers.matchers:
        if m.name == "__name__":
            continue
        named.add(m.name)
        if m.op == pp.MatchOp.Equal and m.value != "":
            sure.add(m.name)
        elif m.op == pp.MatchOp.Re and regex.valid(m.value) and not regex.fullmatch(m.value, ""):
            sure.add(m.name)
    return frozenset(sure), frozenset(named)


# Cached by node (the parser's nodes hash by identity and a cached node stays alive):
# an `a or b or c ...` chain asks at every level about the chain below it.
@lru_cache(maxsize=8192)
def labels(node, known: Known) -> LabelSet:
    """The LabelSet of `node`'s result (see the module docstring)."""
    node = strip(node)
    if isinstance(node, pp.VectorSelector):
        return _selector(node, known)
    if isinstance(node, pp.MatrixSelector):
        return labels(node.vector_selector, known)
    if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
        return NONE
    if isinstance(node, (pp.UnaryExpr, pp.SubqueryExpr)):
        return labels(node.expr, known)
    if isinstance(node, pp.Call):
        return _call(node, known)
    if isinstance(node, pp.AggregateExpr):
        return _aggregate(node, known)
    if isinstance(node, pp.BinaryExpr):
        return _binary(node, known)
    return OPEN


def _selector(sel, known: Known) -> LabelSet:
    required, named = _matcher_labels(sel)
    name = promql.metric_name(sel)
    definitions = known.recorded.get(name) if name is not None else None
    if definitions and name not in known.visiting:
        known.visiting.add(name)  # a recording rule that reads itself would loop
        try:
            found = [_recorded(expr, static, known) for expr, static in definitions]
        finally:
            known.visiting.discard(name)
        sure = frozenset.intersection(*(f.sure for f in found)) | required
        mays = [f.may for f in found]
        may = None if any(m is None for m in mays) else frozenset.union(*mays) | named
        return LabelSet(sure, may)
    s = known.series(sel)
    if s is None or s.labels is None:
        return LabelSet(required, None)
    # The catalog's labels are the target's and the metric's own: every series has them.
    return LabelSet(s.labels | required, s.labels | named)


def _recorded(expr: str, static, known: Known) -> LabelSet:
    try:
        inner = labels(promql.parse(expr), known)
    except promql.ParseError:
        inner = OPEN
    extra = frozenset(k for k, v in (static or {}).items() if isinstance(k, str) and v not in ("", None))
    return LabelSet(inner.sure | extra, None if inner.may is None else inner.may | extra)


def _aggregate(node, known: Known) -> LabelSet:
    name, mod = op(node), node.modifier
    inner = labels(node.expr, known)
    if name in KEEP_LABELS:
        return inner
    extra = EMPTY
    if name == "count_values":
        value = promql.string_value(node.param) if node.param is not None else None
        extra = frozenset({value}) if value else EMPTY
    if mod is None:
        return LabelSet(extra, extra)
    listed = frozenset(mod.labels)
    if mod.type == By:
        if inner.may is None:
            # Nothing is known of the input: the author's `by` says these labels exist.
            return LabelSet(listed | extra, listed | extra)
        return LabelSet((listed & inner.sure) | extra, (listed & inner.may) | extra)
    return LabelSet((inner.sure - listed) | extra, None if inner.may is None else (inner.may - listed) | extra)


def _call(node, known: Known) -> LabelSet:
    name = node.func.name
    if node.func.return_type == Scalar or name in _NO_LABELS:
        return NONE
    args = node.args
    if name in ("absent", "absent_over_time"):
        return _absent(args)
    vector_args = [a for a in args if not promql.is_scalar(a)]
    if not vector_args:
        return NONE
    if name == "histogram_quantile" and len(args) == 2:
        inner = labels(args[1], known)
        return LabelSet(inner.sure - {"le"}, None if inner.may is None else inner.may - {"le"})
    inner = labels(vector_args[0], known)
    if name in ("label_replace", "label_join") and len(args) > 1:
        return _relabel(name, args, inner)
    return inner


def _absent(args) -> LabelSet:
    """absent() returns one series with the selector's equality matchers as labels."""
    arg = strip(args[0]) if args else None
    sel = arg.vector_selector if isinstance(arg, pp.MatrixSelector) else arg
    if not isinstance(sel, pp.VectorSelector):
        return NONE
    eq = frozenset(m.name for m in sel.matchers.matchers
                   if m.op == pp.MatchOp.Equal and m.name != "__name__" and m.value != "")
    return LabelSet(eq, eq)


def _relabel(name: str, args, inner: LabelSet) -> LabelSet:
    """label_replace/label_join add their destination (on every series only for a constant replace)."""
    dst = promql.string_value(args[1])
    if dst is None:
        return LabelSet(inner.sure, None)
    sure = inner.sure
    if name == "label_replace" and _constant_replace(args):
        sure = sure | {dst}
    return LabelSet(sure, None if inner.may is None else inner.may | {dst})


def _constant_replace(args) -> bool:
    """label_replace(v, dst, "value", src, regex) that sets a non-empty constant on every series."""
    if len(args) != 5:
        return False
    replacement, src, pattern = (promql.string_value(a) for a in args[2:5])
    return (replacement not in (None, "") and "$" not in replacement and src == ""
            and pattern is not None and regex.valid(pattern) and regex.fullmatch(pattern, "") is True)


def _binary(node, known: Known) -> LabelSet:
    lhs_scalar, rhs_scalar = promql.is_scalar(node.lhs), promql.is_scalar(node.rhs)
    if lhs_scalar and rhs_scalar:
        return NONE
    if rhs_scalar:
        return labels(node.lhs, known)
    if lhs_scalar:
        return labels(node.rhs, known)
    lhs, rhs = labels(node.lhs, known), labels(node.rhs, known)
    name = op(node)
    if name == "or":
        return LabelSet(lhs.sure & rhs.sure, None if lhs.may is None or rhs.may is None else lhs.may | rhs.may)
    if name in SET_OPS:
        return lhs
    mod = node.modifier
    card = mod.card if mod is not None else None
    if card in (ManyToOne, OneToMany):
        many, one = (lhs, rhs) if card == ManyToOne else (rhs, lhs)
        copied = frozenset(mod.group_labels or ())
        # Each copied label takes the "one" side's value, or disappears where that is empty.
        return LabelSet((many.sure - copied) | (copied & one.sure),
                        None if many.may is None else many.may | copied)
    matching = mod.matching if mod is not None else None
    if matching is None:
        return lhs
    listed = frozenset(matching.labels)
    if matching.type == On:
        return LabelSet(lhs.sure & listed, listed if lhs.may is None else lhs.may & listed)
    return LabelSet(lhs.sure - listed, None if lhs.may is None else lhs.may - listed)


def never_matching(node, known: Known) -> str | None:
    """Why the two vector sides of `node` can never match (so the result is always empty), or None.

    One side's series all carry a label the other side's series can never carry, and
    the matching compares that label (it is in `on(...)`, or not in `ignoring(...)`).
    """
    if not isinstance(node, pp.BinaryExpr) or op(node) in ("or", "unless"):
        return None
    if promql.is_scalar(node.lhs) or promql.is_scalar(node.rhs):
        return None
    lhs, rhs = labels(node.lhs, known), labels(node.rhs, known)
    matching = node.modifier.matching if node.modifier is not None else None
    on = matching is not None and matching.type == On
    listed = frozenset(matching.labels) if matching is not None else EMPTY

    def compared(label: str) -> bool:
        return label in listed if on else label not in listed

    for side, this, other in (("left", lhs, rhs), ("right", rhs, lhs)):
        for label in sorted(this.sure):
            if compared(label) and other.lacks(label):
                how = f"`on({', '.join(sorted(listed))})`" if on else (
                    f"`ignoring({', '.join(sorted(listed))})`" if matching is not None else "all their labels")
                return (f"every {side}-hand series has `{label}`, which no "
                        f"{'right' if side == 'left' else 'left'}-hand series has, and the sides are matched on "
                        f"{how}")
    return None


def pinned(node, known: Known) -> dict[str, str]:
    """Label values the expression fixes: equality matchers, constant label_replace, rule labels.

    Values of recorded series' static labels override the others (they are set last).
    """
    found: dict[str, str] = {}
    overrides: dict[str, str] = {}
    _pin(node, known, found, overrides, set())
    found.update(overrides)
    return found


def _pin(node, known: Known, found: dict, overrides: dict, seen: set) -> None:
    for n in promql.nodes(node):
        if isinstance(n, pp.VectorSelector):
            for m in n.matchers.matchers:
                if m.name != "__name__" and m.op == pp.MatchOp.Equal and m.value:
                    found.setdefault(m.name, m.value)
            name = promql.metric_name(n)
            if name in known.recorded and name not in seen:
                seen.add(name)
                for expr, static in known.recorded[name]:
                    try:
                        _pin(promql.parse(expr), known, found, overrides, seen)
                    except promql.ParseError:
                        pass
                    overrides.update({k: v for k, v in (static or {}).items() if isinstance(v, str)})
        elif isinstance(n, pp.Call) and n.func.name == "label_replace" and _constant_replace(n.args):
            found[promql.string_value(n.args[1])] = promql.string_value(n.args[2])
