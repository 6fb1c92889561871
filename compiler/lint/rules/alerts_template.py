"""alerts/template: an alert template that does not parse, or reads a label the alert cannot have.

What it checks: every label value and annotation of an alert is a valid Go template
for Prometheus (balanced `{{ }}` and `if`/`range`/`end`, known functions, defined
variables), and every `$labels.x` it reads is a label the alert expression's result
can carry (an aggregation `sum by (namespace)` keeps only `namespace`).
Why: Prometheus refuses a rule file with a broken template; a `$labels.pod` after
`sum by (namespace)` renders as an empty string in the notification.
Bad:  `sum by (namespace) (...) > 1` with description `"pod {{ $labels.pod }} is down"`
Good: `"namespace {{ $labels.namespace }} is down"`
"""
from .. import analysis as a
from .. import gotemplate

ID = "alerts/template"
SEVERITY = "error"
SCOPE = "rule"


def check(rule, ctx):
    if rule.kind != "alert":
        return
    texts = []
    for field in ("labels", "annotations"):
        values = rule.data.get(field)
        if isinstance(values, dict):
            texts.extend((f"{field[:-1]} `{k}`", v) for k, v in values.items() if isinstance(v, str))
    have = None
    if rule.query is not None and rule.query.ast is not None:
        have = a.labels(rule.query.ast, ctx.known).may
    for where, text in texts:
        if "{{" not in text:
            continue
        for problem in gotemplate.problems(text):
            yield f"{where}: template error: {problem}"
        if have is None:
            continue
        for label in dict.fromkeys(gotemplate.label_refs(text)):
            if label not in have:
                kept = ", ".join(sorted(have)) or "no labels"
                yield f"{where} reads `$labels.{label}`, which the expression's result does not carry (it keeps {kept})"
