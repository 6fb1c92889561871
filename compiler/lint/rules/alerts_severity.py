"""alerts/severity: an alert without a valid `severity` label.

What it checks: every alert has a `severity` label, and it is one of
`config.SEVERITIES` (critical, warning, info).
Why: Alertmanager routes on severity (critical pages, warning goes to chat); an
alert without it, or with `severity: page`, goes to the default route or nowhere.
Bad:  `labels: {severity: high}`
Good: `labels: {severity: warning}`
"""
ID = "alerts/severity"
SEVERITY = "error"
SCOPE = "rule"

DEFAULT = ("critical", "warning", "info")


def check(rule, ctx):
    if rule.kind != "alert":
        return
    allowed = tuple(getattr(ctx.config, "SEVERITIES", DEFAULT))
    labels = rule.data.get("labels")
    severity = labels.get("severity") if isinstance(labels, dict) else None
    if severity in (None, ""):
        yield f"alert `{rule.name}` has no `severity` label (one of {', '.join(allowed)})"
    elif severity not in allowed:
        yield f"severity `{severity}` is not one of {', '.join(allowed)}"
