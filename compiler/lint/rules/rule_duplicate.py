"""rule/duplicate: the same alert or recording rule, with the same labels, twice.

What it checks: no two rules (across all groups of the project, or of one file) share
kind, name and static labels.
Why: two recording rules with the same output write the same series and Prometheus
drops samples as duplicates; two identical alerts fire twice or hide a copy-paste
whose edit went to the wrong one.
Bad:  two `record: job:requests:rate5m` without distinguishing labels
Good: one of them, or different `labels`
"""
ID = "rule/duplicate"
SEVERITY = "error"
SCOPE = "ruleset"


def check(ruleset, ctx):
    first: dict = {}
    for rule, location in ruleset.rules:
        labels = rule.data.get("labels")
        labels = labels if isinstance(labels, dict) else {}
        key = (rule.kind, rule.name, tuple(sorted((str(k), str(v)) for k, v in labels.items())))
        if key not in first:
            first[key] = location
            continue
        where = first[key]
        at = f"{where.file}:{where.line}" if where.line else where.file
        severity = "error" if rule.kind == "record" else "warning"
        yield f"{rule.kind} `{rule.name}` with these labels is also defined at {at}", severity, location
