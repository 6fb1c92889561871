"""Alerts on the LLM APIs CodeVerify's workers call during analyses."""
from __future__ import annotations

import config
from compiler.model import AlertRule, RuleGroup

_LLM = f"codeverify_llm_requests_total{{{config.WORKER_SELECTOR}"

# The guide has a runbook for LLM API failures (llm-api-failures.md) but no alert that
# links to it; this is the alert its debugging query implies: the share of failed LLM
# requests, per provider (a provider outage or an expired key hits one provider at a time).
# `and ... >= N` keeps a provider with a handful of calls from firing on one timeout.
# `by (namespace, provider)` keeps the labels routing and the description need.
HIGH_LLM_ERROR_RATE = AlertRule(
    name="HighLLMErrorRate",
    expr=f"""
(
  sum by (namespace, provider) (rate({_LLM}, status="error"}}[10m]))
  /
  sum by (namespace, provider) (rate({_LLM}}}[10m]))
) > {config.LLM_ERROR_RATE_ALERT}
and
sum by (namespace, provider) (increase({_LLM}}}[10m])) >= {config.LLM_MIN_REQUESTS}
""".strip(),
    for_="10m",
    severity="warning",
    summary="More than 10% of requests to an LLM provider are failing.",
    description=(
        "{{ $value | humanizePercentage }} of requests to LLM provider {{ $labels.provider }} in namespace "
        "{{ $labels.namespace }} failed over the last 10 minutes (threshold 10%); analyses that need it "
        "retry or fail."
    ),
    runbook="llm-api-failures",
    scenarios=(),
)

GROUP = RuleGroup(name="codeverify-llm", rules=(HIGH_LLM_ERROR_RATE,))
