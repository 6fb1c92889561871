"""promql/syntax: the expression does not parse.

What it checks: every PromQL expression of a panel, alert, recording rule or SLO
parses, after Grafana variables are expanded (`$__rate_interval` -> `2m`, `$var` ->
a placeholder valid where it stands). Type errors count: `rate()` of an instant
vector is rejected by Prometheus too. So does PromQL the target Prometheus
(`config.PROMETHEUS_VERSION`) does not have yet: functions such as `sort_by_label`,
aggregations such as `limitk`, UTF-8 names. `holt_winters` (removed in 3.0) parses.
Why: a query that does not parse shows an error panel or a rule group that fails to load.
Bad:  `sum(rate(codeverify_http_requests_total[5m])`
Good: `sum(rate(codeverify_http_requests_total[5m]))`
"""
from ... import promql

ID = "promql/syntax"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    if query.error:
        yield f"does not parse: {query.error.splitlines()[0]}"
        return
    for problem in promql.version_problems(query.ast, ctx.config.PROMETHEUS_VERSION, query.nodes):
        yield problem
