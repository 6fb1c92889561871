"""dashboard/units: a panel that shows numbers without a unit.

What it checks: every panel that displays values (time series, stat, gauge, table,
heatmap, ...) sets a unit; logs and text panels are exempt.
Why: without a unit Grafana prints `0.0023` where it could print `2.3 ms`, and
`97` where it means 97 %.
Bad:  a latency panel without `unit`
Good: `unit=c.SECONDS` (Grafana `s`)
"""
ID = "dashboard/units"
SEVERITY = "warning"
SCOPE = "panel"


def check(panel, ctx):
    if panel.unit is not None and not panel.unit:
        yield f"the `{panel.kind}` panel has no unit: set one (e.g. s, bytes, reqps, percentunit, short)"
