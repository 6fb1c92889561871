"""CodeVerify Worker Performance: how long analyses, queues, Z3 verification and LLM calls take."""
from __future__ import annotations

import config
from compiler.model import LOKI, Dashboard, Panel, Row, Target

from . import common as c

QUANTILES = (0.5, 0.95, 0.99)


def analysis_duration_panel() -> Panel:
    # The guide's debug query `topk(10, codeverify_analysis_duration_seconds{quantile="0.95"}) by (repository)`
    # reads a summary's `quantile` label, which this histogram does not have (nor a
    # `repository` label): it returns nothing. Percentiles come from the buckets.
    return Panel(
        "timeseries", "Analysis duration",
        "How long an analysis takes from start to verdict, as p50 / p95 / p99 over all workers.",
        tuple(
            Target(c.quantile(q, "codeverify_analysis_duration_seconds", c.WORKER), legend=f"p{round(q * 100)}",
                   exemplar=True)
            for q in QUANTILES
        ),
        unit=c.SECONDS, width=c.HALF, min=0,
    )


def analyses_in_progress_panel() -> Panel:
    return Panel(
        "timeseries", "Analyses in progress",
        "Analyses the workers are running right now, per worker pod.",
        (Target(f"sum by (pod) (codeverify_analyses_in_progress{c.selector(c.WORKER)})", legend="{{pod}}"),),
        unit=c.SHORT, width=c.HALF, min=0, stack=True,
    )


def queue_wait_time_panel() -> Panel:
    return Panel(
        "timeseries", "Queue wait time (p95)",
        "How long jobs wait in each queue before a worker picks them up (p95); the SLO is under 60 s.",
        (Target(c.quantile(0.95, "codeverify_queue_latency_seconds", c.CODEVERIFY, by=("queue",)),
                legend="{{queue}}", exemplar=True),),
        unit=c.SECONDS, width=c.HALF, min=0, thresholds=c.HIGH_IS_BAD_QUEUE_WAIT,
    )


def job_retries_panel() -> Panel:
    return Panel(
        "timeseries", "Job retries",
        "Jobs retried per second by queue; retries usually follow LLM or database errors.",
        (Target(c.sum_rate("codeverify_job_retries_total", c.CODEVERIFY, by=("queue",)), legend="{{queue}}"),),
        unit=c.OPS_PER_SECOND, width=c.HALF, min=0, stack=True,
    )


def verification_success_rate_panel() -> Panel:
    # The verification histogram's `_count` counts verification runs by result.
    expr = c.ratio(
        c.sum_rate("codeverify_verification_duration_seconds_count", c.WORKER, 'result="verified"'),
        c.sum_rate("codeverify_verification_duration_seconds_count", c.WORKER),
    )
    return Panel(
        "timeseries", "Verification success rate",
        "Share of Z3 verification runs that proved the property (result verified) rather than falsified, timed out or errored.",
        (Target(expr, legend="verified"),),
        unit=c.PERCENT_UNIT, width=c.HALF, min=0, max=1,
    )


def verification_results_panel() -> Panel:
    return Panel(
        "timeseries", "Verification results",
        "Z3 verification runs per second by result; a rise in timeout points at solver limits.",
        (Target(c.sum_rate("codeverify_verification_duration_seconds_count", c.WORKER, by=("result",)),
                legend="{{result}}"),),
        unit=c.OPS_PER_SECOND, width=c.HALF, min=0, stack=True,
    )


def llm_latency_panel() -> Panel:
    return Panel(
        "timeseries", "LLM API latency (p95)",
        "p95 latency of calls to each LLM provider and model.",
        (Target(c.quantile(0.95, "codeverify_llm_request_duration_seconds", c.WORKER, by=("provider", "model")),
                legend="{{provider}} {{model}}", exemplar=True),),
        unit=c.SECONDS, width=c.THIRD, min=0,
    )


def llm_errors_panel() -> Panel:
    # The guide's debug query, on the rate interval instead of a fixed [1h].
    return Panel(
        "timeseries", "LLM API errors",
        "Failed LLM calls per second by provider and error type.",
        (Target(c.sum_rate("codeverify_llm_requests_total", c.WORKER, 'status="error"', by=("provider", "error_type")),
                legend="{{provider}} {{error_type}}"),),
        unit=c.REQUESTS_PER_SECOND, width=c.THIRD, min=0, stack=True,
    )


def llm_tokens_panel() -> Panel:
    return Panel(
        "timeseries", "LLM tokens",
        "LLM tokens used per second by provider and type (prompt or completion); this is what the bill counts.",
        (Target(c.sum_rate("codeverify_llm_tokens_total", c.WORKER, by=("provider", "type")),
                legend="{{provider}} {{type}}"),),
        unit=c.SHORT, width=c.THIRD, min=0, stack=True,
    )


def analysis_failures_panel() -> Panel:
    # Guide: prints `.error_message`, a field its documented log format does not
    # have; fall back to `.message` so a line never renders as "<no value>".
    # Adds the namespace, which promtail sets on every stream.
    expr = (
        f'{c.loki_selector(config.WORKER_APP)} | json | status="failed"'
        ' | line_format "{{.analysis_id}}: {{ or .error_message .message }}"'
    )
    return Panel(
        "logs", "Analysis failures",
        "Worker log lines of failed analyses with their analysis_id, newest first; a line's trace_id opens its trace in Tempo.",
        (Target(expr, datasource=LOKI),),
        unit=c.NONE, width=c.FULL, height=10,
    )


DASHBOARD = Dashboard(
    uid="codeverify-worker-performance",
    title="CodeVerify Worker Performance",
    description="Analysis duration, queue wait, Z3 verification and LLM calls of the CodeVerify workers.",
    tags=c.tags("worker"),
    variables=(c.PROMETHEUS_VARIABLE, c.LOKI_VARIABLE, c.TEMPO_VARIABLE, *c.FILTER_VARIABLES),
    links=c.DASHBOARD_LINKS,
    rows=(
        Row("Analyses", (
            analysis_duration_panel(),
            analyses_in_progress_panel(),
        )),
        Row("Queues", (
            queue_wait_time_panel(),
            job_retries_panel(),
        )),
        Row("Verification", (
            verification_success_rate_panel(),
            verification_results_panel(),
        )),
        Row("LLM", (
            llm_latency_panel(),
            llm_errors_panel(),
            llm_tokens_panel(),
        )),
        Row("Logs", (
            analysis_failures_panel(),
        )),
    ),
)
