"""Alerts on the CodeVerify API: errors and latency of HTTP requests."""
from __future__ import annotations

import config
from compiler.model import AlertRule, RuleGroup

# The guide's ratio used `sum(...)` without `by`: both sides had no labels, so they
# matched, but the alert lost every label, `namespace` included. prometheus-operator's
# AlertmanagerConfig only routes alerts whose namespace label is its own namespace, so a
# namespace-less alert reaches only the global route. `by (namespace)` on both sides keeps
# the sides matching and costs nothing (one series per CodeVerify installation).
HIGH_ERROR_RATE = AlertRule(
    name="HighErrorRate",
    expr=f"""
sum by (namespace) (rate(codeverify_http_requests_total{{{config.API_SELECTOR}, status=~"5.."}}[5m]))
/
sum by (namespace) (rate(codeverify_http_requests_total{{{config.API_SELECTOR}}}[5m]))
> {config.ERROR_RATE_ALERT}
""".strip(),
    for_="5m",
    severity="critical",
    summary="More than 5% of API requests are failing with a 5xx status.",
    description=(
        "{{ $value | humanizePercentage }} of API requests in namespace {{ $labels.namespace }} "
        "returned a 5xx status over the last 5 minutes (threshold 5%)."
    ),
    runbook="high-error-rate",
    scenarios=(),
)

# The guide's `> 2` only works because catalog.HTTP_BUCKETS has 2.0 as a bucket bound
# (with the client's default buckets, 2 s would be interpolated between 1.0 and 2.5).
# `by (namespace, le)` instead of `by (le)`: same reason as HighErrorRate.
HIGH_LATENCY = AlertRule(
    name="HighLatency",
    expr=f"""
histogram_quantile(0.95,
  sum by (namespace, le) (rate(codeverify_http_request_duration_seconds_bucket{{{config.API_SELECTOR}}}[5m]))
) > {config.LATENCY_P95_ALERT_SECONDS}
""".strip(),
    for_="5m",
    severity="warning",
    summary="The 95th percentile of API request latency is above 2 seconds.",
    description=(
        "P95 latency of API requests in namespace {{ $labels.namespace }} is "
        "{{ $value | humanizeDuration }} over the last 5 minutes (threshold 2s)."
    ),
    runbook="high-latency",
    scenarios=(),
)

GROUP = RuleGroup(name="codeverify-api", rules=(HIGH_ERROR_RATE, HIGH_LATENCY))
