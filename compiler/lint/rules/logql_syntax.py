"""logql/syntax: a Loki query that does not parse.

What it checks: every Loki target parses with Grafana's LogQL grammar
(@grafana/lezer-logql, run under Node: compiler/logql.py), after Grafana's
variables are replaced as it would (`$__auto`, `$namespace`).
Why: Loki answers a broken query with an error the panel shows only when someone
looks; nothing else checks it before it ships.
Bad:  `{app="codeverify-api" | json`
Good: `{app="codeverify-api"} | json`
"""
from .. import logql_targets as lt

ID = "logql/syntax"
SEVERITY = "error"
SCOPE = ("dashboard", "panel")


def check(obj, ctx):
    if hasattr(obj, "variables"):
        reason = lt.prepare(obj, ctx)
        if reason:
            yield f"its LogQL queries cannot be checked: {reason}"
        return
    for target, facts in lt.targets(obj):
        if facts.error:
            yield f"target {target.ref_id}: LogQL does not parse: {facts.error}"
