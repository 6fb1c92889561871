"""Alerts on the LLM APIs CodeVerify's workers call during analyses."""
from __future__ import annotations

import config
from compiler.conventions import by_keep
from compiler.proving import scrape
from compiler.model import AlertRule, RuleGroup, Scenario

from .absence import absent

_LLM = f"codeverify_llm_requests_total{{{config.WORKER_SELECTOR}"
_BY = by_keep(config, "namespace", "provider")  # and the cluster label (compiler/conventions.py)

# The guide has a runbook for LLM API failures (llm-api-failures.md) but no alert that
# links to it; this is the alert its debugging query implies: the share of failed LLM
# requests, per provider (a provider outage or an expired key hits one provider at a time).
# `and ... >= N` keeps a provider with a handful of calls from firing on one timeout.
# `by (namespace, provider)` keeps the labels routing and the description need.
HIGH_LLM_ERROR_RATE = AlertRule(
    name="HighLLMErrorRate",
    expr=f"""
(
  sum by ({_BY}) (rate({_LLM}, status="error"}}[10m]))
  /
  sum by ({_BY}) (rate({_LLM}}}[10m]))
) > {config.LLM_ERROR_RATE_ALERT}
and
sum by ({_BY}) (increase({_LLM}}}[10m])) >= {config.LLM_MIN_REQUESTS}
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
    # A ratio of request rates has no value without requests.
    covered_by=("LLMMetricsAbsent", "WorkerDown"),
    # Two workers make 1000 requests a minute to openai between them; 101 (10.1 %) or 99
    # (9.9 %) fail. anthropic, healthy, must not fire. Half of a trickle of one request a
    # minute failing (10 in 10 minutes, under LLM_MIN_REQUESTS) must not fire either.
    scenarios=(
        Scenario(
            "fires for the provider just past 10% of failed requests",
            {
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                               model="gpt-4o", status="success", error_type="none"): "0+450x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                               model="gpt-4o", status="error", error_type="timeout"): "0+50x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 1), provider="openai",
                               model="gpt-4o", status="success", error_type="none"): "0+449x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 1), provider="openai",
                               model="gpt-4o", status="error", error_type="rate_limit"): "0+51x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="anthropic",
                               model="claude-sonnet-4", status="success", error_type="none"): "0+300x30",
            },
            at="25m",
            fires=({"namespace": config.APP_NAMESPACE, "provider": "openai"},),
            value=0.101,
        ),
        Scenario(
            "stays quiet just under 10% of failed requests",
            {
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                               model="gpt-4o", status="success", error_type="none"): "0+451x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                               model="gpt-4o", status="error", error_type="timeout"): "0+49x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 1), provider="openai",
                               model="gpt-4o", status="success", error_type="none"): "0+450x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 1), provider="openai",
                               model="gpt-4o", status="error", error_type="rate_limit"): "0+50x30",
            },
            at="25m",
        ),
        Scenario(
            "stays quiet when too few requests were made",
            {
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                               model="gpt-4o", status="success", error_type="none"): "0+1x30",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                               model="gpt-4o", status="error", error_type="timeout"): "0+1x30",
            },
            at="25m",
            interval="2m",  # one sample of each series every 2 minutes
        ),
    ),
)

# HighLLMErrorRate needs the request counter. With workers running and no series of it
# (a release that renamed it, a client wrapper bypassed), an LLM outage would go unseen.
# The workers should create the counter's label sets at start (prometheus_client:
# `.labels(...)` once per provider and status) so that a quiet night is not an absence.
LLM_METRICS_ABSENT = AlertRule(
    name="LLMMetricsAbsent",
    expr=absent(f"{_LLM}, {config.APP_NAMESPACE_SELECTOR}}}"),
    for_="10m",
    severity="warning",
    summary="No CodeVerify worker exports LLM request metrics, so HighLLMErrorRate cannot fire.",
    description=(
        "No series of codeverify_llm_requests_total from the workers has existed in namespace "
        "{{ $labels.namespace }} for 10 minutes: failing LLM providers would not be noticed."
    ),
    runbook="llm-metrics-absent",
    covered_by=("WorkerDown",),
    scenarios=(
        Scenario(
            "fires when no worker has exported LLM requests for 10 minutes",
            {
                scrape.series("up", scrape.worker(config, 0)): "1x25",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                              model="gpt-4o", status="success", error_type="none"): "0+10x4 stale",
            },
            at="16m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=1,
        ),
        Scenario(
            "stays quiet while one worker still exports them",
            {
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 0), provider="openai",
                              model="gpt-4o", status="success", error_type="none"): "0+10x4 stale",
                scrape.series("codeverify_llm_requests_total", scrape.worker(config, 1), provider="openai",
                              model="gpt-4o", status="success", error_type="none"): "0+10x25",
            },
            at="16m",
        ),
    ),
)

GROUP = RuleGroup(name="codeverify-llm", rules=(HIGH_LLM_ERROR_RATE, LLM_METRICS_ABSENT))
