"""dashboard/ignored-filter: a query that ignores a filter variable of its dashboard.

What it checks: a dashboard's query variables of the form `label_values(..., <label>)`
are its filters (namespace, cluster, ...). Every series selector of every Prometheus
query on that dashboard must use each filter in a matcher (`<label>=~"$var"`, or
another label built from it, as the Grafana mixins' `job=~"($namespace)/querier"`).
LogQL stream selectors likewise.
Only the installation filters count (the `namespace` label and config.CLUSTER_LABEL): a
drill-down variable such as `$instance` picks one member for the panels that show one,
and a "Running Kubelets" stat that counts them all ignores it on purpose.
Exempt: a series that cannot carry the label (a catalog metric without it), and a
recorded series (a name with `:`) whose labels are unknown, since its rule may have
aggregated the label away (`apiserver_request:availability30d` has no `instance`).
Why: the dropdown says "production", yet the panel sums staging in: with two
installations behind one Prometheus (or two clusters behind Thanos) a query that
ignores the filter silently mixes them, and the on-call reads the wrong numbers.
Bad:  `sum(rate(codeverify_http_requests_total{app="codeverify-api"}[5m]))` on a dashboard with `$namespace`
Good: `sum(rate(codeverify_http_requests_total{app="codeverify-api", namespace=~"$namespace"}[5m]))`
"""
import re

import promql_parser as pp

from ... import logql, promql
from .. import logql_targets as lt

ID = "dashboard/ignored-filter"
SEVERITY = "error"
SCOPE = "dashboard"

# Grafana's own pattern for the Prometheus `label_values([metric or selector,] label)`
# variable query (public/app/plugins/datasource/prometheus, metricFindQuery).
_LABEL_VALUES = re.compile(r"^\s*label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$", re.S)
_FILTERING = (pp.MatchOp.Equal, pp.MatchOp.Re)


def filters(variables) -> dict[str, str]:
    """Variable name -> the label it filters, for the `label_values` query variables."""
    out = {}
    for v in variables:
        if v.kind != "query" or not isinstance(v.query, str):
            continue
        m = _LABEL_VALUES.match(v.query)
        if m and m.group(2) != "__name__":
            out[v.name] = m.group(2)
    return out


def marker(name: str) -> str:
    """What a variable becomes in the parsed query, so that a matcher's value shows which variable it holds."""
    return f"__grafana_variable_{name}__"


def check(dash, ctx):
    installation = {"namespace", getattr(ctx.project.config, "CLUSTER_LABEL", "") or "cluster"}
    wanted = {name: label for name, label in filters(dash.variables).items() if label in installation}
    if not wanted:
        return
    values = {name: marker(name) for name in wanted}
    for panel in dash.panels:
        for target in panel.targets:
            query = target.query
            if query is None:  # not Prometheus, or no expression
                continue
            try:
                tree = promql.parse(promql.expand(query.expr, values))
            except promql.ParseError:
                continue  # promql/syntax reports it
            ignored = {}
            for sel in promql.selectors(tree):
                for name, label in wanted.items():
                    if not _filtered(sel, marker(name)) and _can_have(sel, label, ctx.catalog):
                        ignored.setdefault(name, promql.metric_name(sel) or str(sel))
            for name, series in ignored.items():
                yield (f"`{series}` ignores the dashboard's `${name}` filter: "
                       f"add `{wanted[name]}=~\"${name}\"` to each of the query's selectors",
                       SEVERITY, query.location)
    yield from _loki(dash, wanted, values, ctx)


def _loki(dash, wanted: dict, values: dict, ctx):
    """The same for LogQL stream selectors, parsed by Grafana's grammar (compiler/logql.py)."""
    targets = [(p, t) for p, t in lt.loki_targets(dash)]
    texts = {id(t): promql.expand(t.expr, values) for _, t in targets}
    batch = list(texts.values())
    if dash.model is not None:
        batch += _project_batch(ctx)
    try:
        trees = logql.parse_many(batch)
    except logql.Unavailable:
        return  # logql/syntax says why
    for panel, target in targets:
        text = texts[id(target)]
        for name in sorted(_ignored_filters(text, trees[text], wanted)):
            yield (f"panel '{panel.title}' target {target.ref_id}: the LogQL stream selector ignores the "
                   f"dashboard's `${name}` filter: add `{wanted[name]}=~\"${name}\"`")


def _project_batch(ctx) -> list:
    # One Node start for the whole project, at its first dashboard: every dashboard's texts, for this
    # rule and the logql/* rules (logql keeps the trees; asking at each dashboard was quadratic).
    if getattr(ctx, "ignored_filter_project_parsed", False):
        return []
    ctx.ignored_filter_project_parsed = True
    batch = []
    for d in getattr(ctx.project, "dashboards", ()):
        own = {name: marker(name) for name in filters(d.variables)}
        for p in d.panels:
            for t in p.targets:
                if t.datasource == lt.LOKI and t.expr.strip():
                    batch += [promql.expand(t.expr, own), logql.prepare(t.expr)]
    return batch


def _ignored_filters(text: str, tree, wanted: dict) -> set:
    """The dashboard filters some stream selector of the query does not match on (with = or =~)."""
    ignored = set()
    for sel in (n for n in tree.walk() if n.name == "Selector"):
        values_used = [logql.unquote(text[m.children[2].start:m.children[2].end])
                       for m in sel.walk() if m.name == "Matcher" and len(m.children) >= 3
                       and text[m.children[1].start:m.children[1].end] in ("=", "=~")]
        ignored |= {name for name in wanted if not any(marker(name) in v for v in values_used)}
    return ignored


def _filtered(sel, mark: str) -> bool:
    return any(m.op in _FILTERING and mark in m.value for m in sel.matchers.matchers)


def _can_have(sel, label: str, catalog) -> bool:
    name = promql.metric_name(sel)
    series = catalog.lookup(name) if name is not None else None
    if series is not None and series.labels is not None:
        return label in series.labels
    return name is None or ":" not in name
