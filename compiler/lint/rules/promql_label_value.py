"""promql/label-value: a matcher no declared value of an enumerated label can satisfy.

What it checks: an `=` or `=~` matcher on a label whose values the catalog lists
(`values=` in catalog.py) matches at least one of them. Regexes are anchored, as in
Prometheus.
Why: `status="passd"` selects nothing, so the panel is empty and the alert never fires.
Bad:  `codeverify_analyses_total{status="passd"}`
Good: `codeverify_analyses_total{status="passed"}`
"""

import promql_parser as pp

from ... import promql, regex
from .. import analysis as a

ID = "promql/label-value"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    for sel in query.nodes:
        if not isinstance(sel, pp.VectorSelector):
            continue
        s = a.series(sel, ctx.known)
        if s is None or s.metric is None:
            continue
        for m in sel.matchers.matchers:
            allowed = ctx.catalog.values(s, m.name)
            if not allowed:
                continue
            name = promql.metric_name(sel)
            if m.op == pp.MatchOp.Equal and m.value not in allowed and m.value != "":
                import difflib  # only when there is something to suggest: not on every lint's start-up
                close = difflib.get_close_matches(m.value, allowed, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                yield f'`{name}{{{m.name}="{m.value}"}}` matches nothing: `{m.name}` is one of {", ".join(allowed)}{hint}'
            elif m.op == pp.MatchOp.Re:
                if not regex.valid(m.value):
                    continue  # the parser already refused it
                if not any(regex.fullmatch(m.value, v) for v in allowed):
                    yield f'`{name}{{{m.name}=~"{m.value}"}}` matches none of {", ".join(allowed)}'
