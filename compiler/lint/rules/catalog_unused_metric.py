"""catalog/unused-metric: a catalog metric that no panel, alert, SLO or recording rule reads.

What it checks: each metric of catalog.py is read by at least one PromQL query of
the project: a dashboard target or variable, an alert, a recording rule (those an
SLO generates included). A histogram counts as read through any of its `_bucket`,
`_sum` or `_count` series. Silence it per metric with a reason:
`Metric(..., lint_ignore={"catalog/unused-metric": "why"})`.
Why: a catalogued metric is a promise that someone watches it; one nobody reads is
either a missing panel (the guide's database view had none) or a catalog entry to
drop, and the synthetic data and contract keep paying for it.
Bad:  `codeverify_db_queries_total` catalogued, on no panel and in no rule
Good: a "Database queries" panel, or `lint_ignore={"catalog/unused-metric": "exported for ad-hoc queries"}`
"""
import re

from ... import promql

ID = "catalog/unused-metric"
SEVERITY = "warning"
SCOPE = "metric"

_SUFFIXES = ("_bucket", "_sum", "_count")
_LABEL_VALUES = re.compile(r"^\s*label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)\s*$", re.S)


def check(metric, ctx):
    used = _read_series(ctx)
    names = {metric.name} | {metric.name + s for s in _SUFFIXES}
    if not names & used:
        yield (f"no panel, alert, SLO or recording rule reads `{metric.name}`: draw it, or say why not with "
               f'lint_ignore={{"{ID}": "..."}}')


def _read_series(ctx) -> frozenset:
    """Every series name the project's queries read (computed once per lint)."""
    cached = getattr(ctx, "_series_read", None)
    if cached is None:
        cached = frozenset(name for expr in _queries(ctx.project) for name in _names(expr))
        ctx._series_read = cached
    return cached


def _queries(project):
    for dash in project.dashboards:
        for v in dash.variables:
            m = _LABEL_VALUES.match(v.query) if v.kind == "query" and isinstance(v.query, str) else None
            if m:
                yield m.group(1)
        for panel in dash.panels:
            for t in panel.targets:
                if t.datasource == "prometheus" and isinstance(t.expr, str):
                    yield t.expr
    for group in project.all_groups():
        for rule in group.rules:
            yield rule.expr


def _names(expr: str):
    try:
        tree = promql.parse(promql.expand(expr))
    except promql.ParseError:
        return []  # promql/syntax reports it
    return [name for sel in promql.selectors(tree) if (name := promql.metric_name(sel))]
