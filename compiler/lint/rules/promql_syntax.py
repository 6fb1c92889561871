"""promql/syntax: the expression does not parse.

What it checks: every PromQL expression of a panel, alert, recording rule or SLO
parses, after Grafana variables are expanded (`$__rate_interval` -> `2m`, `$var` ->
a placeholder valid where it stands). Type errors count: `rate()` of an instant
vector is rejected by Prometheus too. So does PromQL the target Prometheus
(`config.PROMETHEUS_VERSION`) does not have yet: functions such as `sort_by_label`,
aggregations such as `limitk`, UTF-8 names. `holt_winters` (removed in 3.0) parses.
Also what parses but fails at every evaluation: a `label_replace` regex Go's regexp
refuses (no lookarounds, no backreferences), and a destination or source label name
that is not a label name.
Why: a query that does not parse shows an error panel or a rule group that fails to load;
one that fails to evaluate leaves a rule that never fires, and promtool passes it.
Bad:  `sum(rate(codeverify_http_requests_total[5m])`
Good: `sum(rate(codeverify_http_requests_total[5m]))`
"""
import promql_parser as pp

from ... import promql, regex

ID = "promql/syntax"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    if query.error:
        yield f"does not parse: {query.error.splitlines()[0]}"
        return
    for problem in promql.version_problems(query.ast, ctx.config.PROMETHEUS_VERSION, query.nodes):
        yield problem
    if "label_" not in query.expanded:
        return  # the common case, without a second pass over the nodes
    utf8 = promql.version_tuple(ctx.config.PROMETHEUS_VERSION) >= (3,)
    for node in query.nodes:
        if isinstance(node, pp.Call) and node.func.name in ("label_replace", "label_join"):
            yield from _label_function_problems(node, utf8)


def _label_function_problems(call, utf8: bool):
    # Prometheus checks these arguments only when it evaluates the call, and fails it.
    fname = call.func.name
    strings = [promql.string_value(a) for a in call.args[1:]]  # by position; None: not a literal

    def is_label_name(text):
        return text != "" if utf8 else promql.is_label_name(text)

    if strings and strings[0] is not None and not is_label_name(strings[0]):
        yield f"`{fname}` fails at every evaluation: destination label {strings[0]!r} is not a label name"
    if fname == "label_replace" and len(strings) == 4 and strings[3] is not None:
        try:
            regex.compile(strings[3])
        except regex.RegexError as exc:
            yield f"`label_replace` fails at every evaluation: regex {strings[3]!r} is not Go's regexp ({exc})"
    if fname == "label_join":
        for src in strings[2:]:
            if src is not None and not is_label_name(src):
                yield f"`label_join` fails at every evaluation: source label {src!r} is not a label name"
