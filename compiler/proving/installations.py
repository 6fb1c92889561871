"""verify: the dashboards tell installations apart.

Two clusters with two CodeVerify namespaces each (production and staging) are
backfilled into one Prometheus, as Thanos or Mimir would show them; one of the four
installations alone is backfilled into a second. Every Prometheus target of every
dashboard runs on both with the dashboard's filters set to that installation (as
Grafana sends them): the results must be the same, series for series and value for
value, and not empty. A query that ignores the namespace or the cluster filter sums
the other installations in, and differs.
"""
from __future__ import annotations

import math
import os
import re
import tempfile
import time

from .. import promql
from ..model import ref_ids
from . import simulate
from .verify import Check, QueryError, api, backfill, grafana_values, running_prometheus, tools

# (cluster, namespace) of each simulated installation; the first is the one selected.
INSTALLATIONS = (("east", "codeverify"), ("east", "codeverify-staging"),
                 ("west", "codeverify"), ("west", "codeverify-staging"))
TOLERANCE = 1e-9


def _write(path: str, lines) -> int:
    samples = 0
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
            samples += not line.startswith("#")
    return samples


def check(result, hours: float = 1.0, range_s: int = 1800) -> tuple[list[Check], str]:
    """One Check per dashboard target; and a description of what was compared."""
    promtool, prometheus = tools()
    project = result.project
    config = project.config
    cluster_label = getattr(config, "CLUSTER_LABEL", "") or "cluster"
    scrape_s = _scrape_seconds(config.SCRAPE_INTERVAL)
    end = int(time.time()) // scrape_s * scrape_s
    start = end - int(hours * 3600)
    every = [(ns, {cluster_label: cluster}) for cluster, ns in INSTALLATIONS]
    with tempfile.TemporaryDirectory(prefix="codeverify-installations-") as tmp:
        dirs = {}
        for name, installs in (("all", every), ("one", every[:1])):
            path = os.path.join(tmp, f"{name}.om")
            _write(path, simulate.installations_lines(project.catalog, config, installs, start, end, scrape_s))
            dirs[name] = os.path.join(tmp, name)
            backfill(promtool, path, dirs[name])
        with running_prometheus(prometheus, dirs["all"]) as all_url, running_prometheus(prometheus, dirs["one"]) as one_url:
            checks = _compare(project, all_url, one_url, end, range_s, scrape_s)
    cluster, namespace = INSTALLATIONS[0]
    what = (f"{len(INSTALLATIONS)} installations ({len({c for c, _ in INSTALLATIONS})} clusters x "
            f"{len({n for _, n in INSTALLATIONS})} namespaces) against {cluster}/{namespace} alone")
    return checks, what


def _compare(project, all_url: str, one_url: str, end: float, range_s: int, scrape_s: int) -> list[Check]:
    from .. import selection

    config = project.config
    cluster, namespace = INSTALLATIONS[0]
    chosen = {getattr(config, "CLUSTER_VAR", "cluster"): re.escape(cluster),
              getattr(config, "NAMESPACE_VAR", "namespace"): re.escape(namespace)}
    recorded = {r.record for g in project.all_groups() for r in g.rules if hasattr(r, "record")}
    step = scrape_s
    checks = []
    for dash in project.dashboards:
        values = {**grafana_values(range_s, step, scrape_s), **selection.from_model(dash), **chosen}
        for panel in dash.panels:
            for ref, target in zip(ref_ids(panel.targets), panel.targets):
                check = Check(dash.uid, panel.title, ref)
                checks.append(check)
                if target.datasource != "prometheus":
                    check.skipped = f"{target.datasource} target: no Prometheus data"
                    continue
                expr = promql.expand(target.expr, values)
                if _names(expr) & recorded:
                    check.skipped = "reads recorded series (no rules evaluated here)"
                    continue
                try:
                    ours = _result(all_url, expr, end, 0 if target.instant else range_s, step)
                    alone = _result(one_url, expr, end, 0 if target.instant else range_s, step)
                except QueryError as exc:
                    check.ok, check.error = False, str(exc)
                    continue
                check.series = len(alone)
                if not alone:
                    check.ok, check.error = False, "no series for the selected installation"
                elif not _same(ours, alone):
                    check.ok, check.error = False, _difference(ours, alone)
    return checks


def _names(expr: str) -> set[str]:
    try:
        return {promql.metric_name(s) for s in promql.selectors(promql.parse(expr))}
    except promql.ParseError:
        return set()


def _result(url: str, expr: str, end: float, range_s: int, step: int) -> dict:
    """Series labels -> values of a query as Grafana runs it."""
    if range_s:
        data = api(url, "/api/v1/query_range", query=expr, start=end - range_s, end=end, step=step)
    else:
        data = api(url, "/api/v1/query", query=expr, time=end)
    if data.get("resultType") == "scalar":
        return {(): [float(data["result"][1])]}
    out = {}
    for series in data["result"]:
        key = tuple(sorted(series.get("metric", {}).items()))
        points = series.get("values") or [series.get("value")]
        out[key] = [float(v) for _, v in points]
    return out


def _same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    return all(len(a[k]) == len(b[k]) and all(_close(x, y) for x, y in zip(a[k], b[k])) for k in a)


def _close(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _difference(ours: dict, alone: dict) -> str:
    if ours.keys() != alone.keys():
        extra = len(ours.keys() - alone.keys())
        return f"other installations leak in: {len(ours)} series where the installation alone has {len(alone)}" + \
            (f" ({extra} not its own)" if extra else "")
    return "other installations leak in: the values differ from the installation's own"


def _scrape_seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(duration[:-1]) * units[duration[-1]]
