"""alerts/annotations: an alert without a summary or a description.

What it checks: every alert has non-empty `summary` and `description` annotations
(the names are `config.LINT_REQUIRED_ANNOTATIONS`).
Why: the notification shows the summary as its title and the description as its
body; without them the on-call sees only an alert name.
Bad:  `annotations: {summary: "Workers down."}`
Good: `annotations: {summary: "Workers down.", description: "Only {{ $value }} workers are up."}`
"""
ID = "alerts/annotations"
SEVERITY = "error"
SCOPE = "rule"


def check(rule, ctx):
    if rule.kind != "alert":
        return
    annotations = rule.data.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    for key in getattr(ctx.config, "LINT_REQUIRED_ANNOTATIONS", ("summary", "description")):
        value = annotations.get(key)
        if not isinstance(value, str) or not value.strip():
            yield f"alert `{rule.name}` has no `{key}` annotation"
