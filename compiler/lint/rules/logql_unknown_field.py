"""logql/unknown-field: a LogQL pipeline reads a field the log lines do not have.

What it checks: after `| json`, every label a label filter, `line_format` or
`label_format` template, `unwrap`, `by`/`without`, `keep` or `drop` reads is a JSON
field of the selected app's lines (catalog.LOGS), a stream label, a label the query
made itself (`| json x="a.b"`, `| label_format x=...`) or one Loki adds (`__error__`).
Before any parser stage only stream labels exist. After `logfmt`, `regexp`,
`pattern` or `unpack` the fields are not the catalog's to know: not checked.
Why: Loki gives a missing field the empty value: `status="failed"` on a field the
line lacks keeps nothing, and `{{.error_message}}` prints `<no value>`.
Bad:  `{app="codeverify-api"} | json | latency_ms > 1000` (the field is duration_ms)
Good: `{app="codeverify-api"} | json | duration_ms > 1000`
"""

from ... import logql
from .. import logql_targets as lt

ID = "logql/unknown-field"
SEVERITY = "error"
SCOPE = ("dashboard", "panel")


def check(obj, ctx):
    for target, facts in lt.catalogued(obj, ctx):
        streams = lt.streams(ctx, facts)
        if not streams:
            continue
        yield from _target_problems(target, facts, streams, ctx)


def _target_problems(target, facts, streams: list, ctx):
    """One message per field the target reads that its streams' lines lack (each field once)."""
    labels = {label for s in streams for label in s.labels}
    labels |= lt.cluster_label(ctx)
    fields = {f for s in streams for f in s.fields}
    apps = ", ".join(sorted(s.app for s in streams))
    seen = set()
    for use in facts.uses:
        if use.name in seen or use.name in labels or use.name in facts.created or use.name in logql.BUILTIN_LABELS:
            continue
        if any(p != "json" for p in use.after):
            continue  # logfmt, regexp, pattern: fields the catalog does not describe
        seen.add(use.name)
        problem = _use_problem(target, use, fields, labels, apps)
        if problem:
            yield problem


def _use_problem(target, use, fields: set, labels: set, apps: str) -> str | None:
    """What is wrong with one read of a field the query did not create, or None."""
    if "json" not in use.after:
        if use.name in fields:
            return (f"target {target.ref_id}: {use.where} reads `{use.name}` before a `| json` stage "
                    "has extracted it")
        return (f"target {target.ref_id}: {use.where} reads `{use.name}`, which is no stream label "
                "(and no `| json` stage precedes it)")
    if use.name not in fields:
        import difflib  # only when there is something to suggest: not on every lint's start-up
        close = difflib.get_close_matches(use.name, sorted(fields | labels), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        return (f"target {target.ref_id}: {use.where} reads `{use.name}`, a field the {apps} log lines "
                f"do not have{hint}")
    return None
