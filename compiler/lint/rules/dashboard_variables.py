"""dashboard/variables: a query uses a variable the dashboard does not define.

What it checks: every `$var`, `${var}` and `[[var]]` in a panel query or a variable's
query is a variable of the dashboard or one of Grafana's built-ins (`$__rate_interval`,
`$__interval`, `$__range`, ...).
Why: Grafana leaves an undefined variable in the query text, so it fails to parse
or matches nothing.
Bad:  `up{namespace="$namespace"}` in a dashboard without a `namespace` variable
Good: define the variable, or drop the matcher
"""
from ... import promql

ID = "dashboard/variables"
SEVERITY = "error"
SCOPE = "dashboard"

GRAFANA = frozenset({"__all", "__dashboard", "__from", "__to", "__name", "__org", "__user", "__timeFilter",
                     "__timezone", "__auto_interval", "__auto", "timeFilter", "__rate_interval_ms", "__url_time_range"})


def check(dash, ctx):
    defined = {v.name for v in dash.variables} | set(promql.BUILTINS) | GRAFANA
    for v in dash.variables:
        if isinstance(v.query, str):
            for name in dict.fromkeys(promql.variables(v.query)):
                if name not in defined and not name.startswith("__auto_interval"):
                    yield f"variable `{v.name}` uses `${name}`, which the dashboard does not define"
    for panel in dash.panels:
        for t in panel.targets:
            if not isinstance(t.expr, str):
                continue
            for name in dict.fromkeys(promql.variables(t.expr)):
                if name not in defined and not name.startswith("__auto_interval"):
                    yield f"panel '{panel.title}' target {t.ref_id} uses `${name}`, which the dashboard does not define"
