"""dashboard/no-query: a panel that shows data but has no query.

What it checks: every panel of a kind that draws query results (time series, stat,
gauge, table, heatmap, logs, ...) has at least one target with a non-empty query.
Text, row, news, dashboard-list and alert-list panels need none.
Why: such a panel says "No data" forever, which reads as an outage of what it was
meant to show.
Bad:  `Panel("timeseries", "Request rate", "...", ())`
Good: `Panel("timeseries", "Request rate", "...", (Target(...),))`
"""
ID = "dashboard/no-query"
SEVERITY = "error"
SCOPE = "panel"

# Kinds that draw no query result.
NO_QUERY = frozenset({"text", "row", "news", "dashlist", "alertlist", "annolist", "welcome", "gettingstarted"})


def check(panel, ctx):
    if panel.kind in NO_QUERY:
        return
    if not any(isinstance(t.expr, str) and t.expr.strip() for t in panel.targets) and not _library(panel):
        yield f"the `{panel.kind}` panel has no query: it will always show \"No data\""


def _library(panel) -> bool:
    """A library panel or one that reuses another panel's results (`-- Dashboard --`) brings its own queries."""
    ds = panel.datasource
    uid = ds.get("uid") if isinstance(ds, dict) else ds
    return uid == "-- Dashboard --" or getattr(panel, "library", False)
