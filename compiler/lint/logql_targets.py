"""The Loki targets of a dashboard, parsed in one batch for the logql/* rules.

The rules have scope ("dashboard", "panel"): at the dashboard they call `prepare`,
which parses every Loki target of its panels with one Node process and keeps the
results on the panel views; at each panel they read `targets(panel)`.
"""
from __future__ import annotations

from .. import logql

LOKI = "loki"


def prepare(dash, ctx=None) -> str:
    """Parse the Loki targets of `dash`'s panels; the reason LogQL cannot be checked, or ''."""
    reason = getattr(dash, "logql_unavailable", None)
    if reason is not None:
        return reason
    found = _found_targets(dash)
    texts = [logql.prepare(t.expr) for ts in found.values() for t in ts]
    if dash.model is not None and ctx is not None:
        texts += _project_texts(ctx)
    trees, reason = _parse_all(texts)
    for panel in dash.panels:
        panel.logql_targets = [(t, logql.read(t.expr, trees[logql.prepare(t.expr)])) for t in found[id(panel)]
                               if logql.prepare(t.expr) in trees]
    dash.logql_unavailable = reason
    return reason


def _found_targets(dash) -> dict:
    """id(panel) -> the panel's Loki targets with a query."""
    plugins = {v.name: v.query for v in dash.variables if v.kind == "datasource"}
    return {id(p): [t for t in p.targets if _is_loki(t.datasource, p.datasource, plugins)
                    and isinstance(t.expr, str) and t.expr.strip()] for p in dash.panels}


def _project_texts(ctx) -> list:
    """Every LogQL text of the project's dashboards, at the first dashboard of a lint run only:
    one Node start parses them all, and logql keeps the trees for the other dashboards (asking
    at each dashboard walked every dashboard again: 1,000 dashboards took 8 s)."""
    if getattr(ctx, "logql_project_parsed", False):
        return []
    ctx.logql_project_parsed = True
    return [logql.prepare(t.expr) for d in getattr(ctx.project, "dashboards", ()) for p in d.panels
            for t in p.targets if t.datasource == LOKI and isinstance(t.expr, str) and t.expr.strip()]


def _parse_all(texts: list) -> tuple[dict, str]:
    """(the trees of `texts`, '') or ({}, the reason LogQL cannot be parsed)."""
    try:
        return logql.parse_many(texts), ""
    except logql.Unavailable as exc:
        return {}, str(exc)


def loki_targets(dash) -> list:
    """(PanelView, TargetView) of each Loki target of `dash` with a query."""
    plugins = {v.name: v.query for v in dash.variables if v.kind == "datasource"}
    return [(p, t) for p in dash.panels for t in p.targets
            if _is_loki(t.datasource, p.datasource, plugins) and isinstance(t.expr, str) and t.expr.strip()]


def targets(panel) -> list:
    """(TargetView, logql.Facts) of each Loki target of a prepared panel."""
    return getattr(panel, "logql_targets", [])


def _is_loki(ds, panel_ds, plugins: dict) -> bool:
    if ds is None or ds == "":
        ds = panel_ds
    if isinstance(ds, dict):
        if ds.get("type") is not None:
            return ds.get("type") == LOKI
        ds = ds.get("uid")
    if isinstance(ds, str):
        name = ds.strip("${}[]").split(":")[0]
        if ds.startswith(("$", "[[")):
            return plugins.get(name) == LOKI
        return ds == LOKI or "loki" in ds.lower()
    return False


def streams(ctx, facts) -> list:
    """The catalog's log streams a query's selectors may pick: those whose app it matches by equality, else all."""
    logs = getattr(ctx.project, "logs", ()) or ()
    apps = {value for label, op, value in facts.matchers if label == "app" and op == "="}
    picked = [s for s in logs if s.app in apps]
    return picked or (list(logs) if not apps else [])


def catalogued(obj, ctx):
    """For the rules that hold LogQL to the log catalog: at a dashboard, parse its targets
    (nothing to yield); at a panel, (TargetView, Facts) of each target that parsed and whose
    streams the catalog speaks for."""
    if hasattr(obj, "variables"):
        prepare(obj, ctx)
        return
    for target, facts in targets(obj):
        if not facts.error and checked(ctx, obj, facts):
            yield target, facts


def cluster_label(ctx) -> set:
    """{config.CLUSTER_LABEL} when set: the label Thanos or Mimir adds to every stream."""
    return {ctx.config.CLUSTER_LABEL} if getattr(ctx.config, "CLUSTER_LABEL", "") else set()


def checked(ctx, panel, facts) -> bool:
    """Whether the log catalog speaks for this query: our own definitions, or a selector on a catalogued app."""
    if getattr(panel, "model", None) is not None:
        return bool(getattr(ctx.project, "logs", ()))
    apps = {value for label, op, value in facts.matchers if label == "app" and op == "="}
    return any(s.app in apps for s in getattr(ctx.project, "logs", ()) or ())
