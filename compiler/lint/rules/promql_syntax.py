"""promql/syntax: the expression does not parse.

What it checks: every PromQL expression of a panel, alert, recording rule or SLO
parses, after Grafana variables are expanded (`$__rate_interval` -> `2m`, ...).
Type errors count: `rate()` of an instant vector is rejected by Prometheus too.
Why: a query that does not parse shows an error panel or a rule group that fails to load.
Bad:  `sum(rate(codeverify_http_requests_total[5m])`
Good: `sum(rate(codeverify_http_requests_total[5m]))`
"""
ID = "promql/syntax"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    if query.error:
        yield f"does not parse: {query.error.splitlines()[0]}"
