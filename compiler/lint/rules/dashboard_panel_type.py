"""dashboard/panel-type: a deprecated or unknown panel type.

What it checks: no panel uses an Angular panel type that current Grafana no longer
renders (`graph`, `singlestat`, `table-old`, the old piechart and worldmap plugins);
the project's own panels also use a kind the emitter supports.
Why: Grafana 11 disables Angular plugins: such a panel shows an error, or is
auto-migrated on load so that the saved dashboard never matches the code.
Bad:  `"type": "graph"`
Good: `"type": "timeseries"`
"""
ID = "dashboard/panel-type"
SEVERITY = "error"
SCOPE = "panel"

DEPRECATED = {
    "graph": "timeseries",
    "singlestat": "stat",
    "table-old": "table",
    "grafana-singlestat-panel": "stat",
    "grafana-piechart-panel": "piechart",
    "grafana-worldmap-panel": "geomap",
    "flant-statusmap-panel": "state-timeline",
}
# What compiler/emit/grafana.py can build (a test keeps the two in step).
SUPPORTED = ("timeseries", "stat", "gauge", "bargauge", "piechart", "heatmap", "table", "logs", "text")


def check(panel, ctx):
    if panel.kind in DEPRECATED:
        yield f"panel type `{panel.kind}` is deprecated (Angular): use `{DEPRECATED[panel.kind]}`"
    elif panel.model is not None and panel.kind not in SUPPORTED:
        yield f"panel kind `{panel.kind}` is not supported: use one of {', '.join(SUPPORTED)}"
