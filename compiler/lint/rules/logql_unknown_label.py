"""logql/unknown-label: a stream selector on a label the log shipper does not attach.

What it checks: each matcher of a Loki stream selector names a stream label of the
log catalog (catalog.LOGS: the labels promtail attaches, and config.CLUSTER_LABEL,
which a multi-cluster setup adds to every stream). Checked for our own dashboards,
and for others' where the selector picks a catalogued app.
Why: a selector on a label no stream has matches nothing, so the panel says "No
logs" while the service logs errors.
Bad:  `{container="codeverify-api"}` (promtail attaches namespace, pod and app)
Good: `{namespace="codeverify", app="codeverify-api"}`
"""
from .. import logql_targets as lt

ID = "logql/unknown-label"
SEVERITY = "error"
SCOPE = ("dashboard", "panel")


def check(obj, ctx):
    for target, facts in lt.catalogued(obj, ctx):
        known = {label for stream in getattr(ctx.project, "logs", ()) for label in stream.labels}
        known |= lt.cluster_label(ctx)
        for label in dict.fromkeys(label for label, _, _ in facts.matchers):
            if label not in known:
                yield (f"target {target.ref_id}: the stream selector uses `{label}`, a label no log stream "
                       f"has (streams have {', '.join(sorted(known))})")
