"""alerts/routing: an alert would reach no receiver meant for it.

What it checks: with the labels the alert carries when it fires (its expression's result
labels, rule labels, severity), Alertmanager's routing tree sends it to a receiver other
than the catch-all `default`, both in the plain alertmanager.yaml and in the tree the
prometheus-operator builds from our AlertmanagerConfig, which adds a
`namespace="<its namespace>"` matcher to the top route.
Why: an unknown severity lands in the catch-all channel instead of paging; an alert
without the right `namespace` label (e.g. `sum(...)` without `by (namespace)`) matches no
AlertmanagerConfig route and goes to the Alertmanager's "null" receiver: nobody is told.
Bad:  severity="page"; or expr `sum(rate(x[5m])) > 1` (no namespace label)
Good: severity="critical"; expr `sum by (namespace) (rate(x[5m])) > 1`
"""
from ... import promql

ID = "alerts/routing"
SEVERITY = "error"
SCOPE = "alert"


def check(rule, ctx):
    routing = ctx.project.routing
    if routing is None:
        return
    from ...routing import alert_labels, operator_view, receivers_for  # project definitions only
    try:
        labels = alert_labels(rule, ctx.project)
    except promql.ParseError:
        return  # promql/syntax reports it
    default = routing.route.receiver
    if receivers_for(routing.route, labels) == [default]:
        yield (
            f"with severity `{rule.severity}` the alert reaches only the catch-all receiver `{default}`: "
            "use a severity the routing tree routes (critical pages, warning goes to Slack)"
        )
        return
    config = ctx.config
    namespace = config.ALERTMANAGER_CONFIG_NAMESPACE
    view = operator_view(routing, namespace, config.ALERTMANAGER_CONFIG_NAME)
    if receivers_for(view.route, labels) == [view.route.receiver]:
        carried = labels.get("namespace")
        has = f'carries namespace="{carried}"' if carried else "carries no `namespace` label"
        yield (
            f"the alert {has}, but the AlertmanagerConfig in namespace `{namespace}` only receives alerts "
            f'with namespace="{namespace}" (the operator adds that matcher): keep `namespace` in the '
            "expression's aggregation (`by (namespace, ...)`) or set it as a rule label"
        )
