"""dashboard/datasource: a hard-coded datasource instead of the dashboard's variable.

What it checks: panels, targets and query variables name their datasource through a
template variable (`${datasource}`, or Grafana's built-in `-- Mixed --`/`-- Grafana --`
/`-- Dashboard --`), and a dashboard whose panels query Prometheus defines a datasource
variable of type prometheus.
Why: a datasource name or uid is specific to one Grafana; the dashboard breaks in
every other one (staging, a colleague's laptop, after a datasource is recreated).
Bad:  `"datasource": "Prometheus"` or `{"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}`
Good: `{"type": "prometheus", "uid": "${datasource}"}`
"""
ID = "dashboard/datasource"
SEVERITY = "error"
SCOPE = ("dashboard", "panel")

BUILTIN = ("-- Mixed --", "-- Grafana --", "-- Dashboard --", "grafana")


def check(obj, ctx):
    if hasattr(obj, "variables"):
        yield from _dashboard(obj)
        return
    for where, ds in [("the panel", obj.datasource)] + [(f"target {t.ref_id}", t.datasource) for t in obj.targets]:
        if obj.model is None and _hard_coded(ds):
            yield f"{where} uses the hard-coded datasource `{_show(ds)}`: use a datasource variable such as `${{datasource}}`"


def _dashboard(dash):
    for v in dash.variables:
        if v.kind == "query" and _hard_coded(v.datasource):
            yield f"variable `{v.name}` uses the hard-coded datasource `{_show(v.datasource)}`"
    if dash.model is not None:
        uses_prometheus = any(t.datasource == "prometheus" for p in dash.panels for t in p.targets)
        has_variable = any(v.kind == "datasource" and v.query == "prometheus" for v in dash.variables)
        if uses_prometheus and not has_variable:
            yield "panels query Prometheus but the dashboard has no datasource variable of type prometheus"


def _hard_coded(ds) -> bool:
    if ds is None or ds == "":
        return False  # the panel's (or dashboard's) default
    if isinstance(ds, dict):
        uid = ds.get("uid")
        if uid is None:
            return False  # {"type": "prometheus"} alone: Grafana's default of that type
        ds = uid
    if not isinstance(ds, str):
        return False
    return not (ds.startswith("$") or ds.startswith("[[") or ds in BUILTIN)


def _show(ds) -> str:
    return ds.get("uid") if isinstance(ds, dict) else str(ds)
