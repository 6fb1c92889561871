"""alerts/runbook: an alert without a runbook.

What it checks: every alert has a `runbook_url` annotation (the name is
`config.LINT_RUNBOOK_ANNOTATION`). For the project's own
alerts, the runbook file `runbooks/<slug>.md` must also exist, where the slug is
`compiler.emit.rules.runbook_slug(rule)` (the rule's `runbook`, else its name in
kebab case). That file check is skipped while the project has no `runbooks/`
directory at all (runbooks arrive with the routing work).
Why: the person paged at night needs to know what to do; a link to a missing page
is worse than none.
Bad:  an alert whose `runbook="worker-down"` has no `runbooks/worker-down.md`
Good: `runbooks/worker-down.md` exists
"""
import os

ID = "alerts/runbook"
SEVERITY = "error"
SCOPE = "rule"


def check(rule, ctx):
    if rule.kind != "alert":
        return
    annotations = rule.data.get("annotations")
    key = getattr(ctx.config, "LINT_RUNBOOK_ANNOTATION", "runbook_url")
    url = annotations.get(key) if isinstance(annotations, dict) else None
    if not isinstance(url, str) or not url.strip():
        yield f"alert `{rule.name}` has no `{key}` annotation"
        return
    if rule.model is None or ctx.project is None:
        return
    runbooks = os.path.join(ctx.project.root, "runbooks")
    if not os.path.isdir(runbooks):
        return
    from ...emit.rules import runbook_slug

    slug = runbook_slug(rule.model)
    if not os.path.isfile(os.path.join(runbooks, f"{slug}.md")):
        yield f"runbook `runbooks/{slug}.md` does not exist: write it, or set `runbook=` to an existing one"
