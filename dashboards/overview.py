"""CodeVerify Overview: is the service healthy right now? The on-call's first stop."""
from __future__ import annotations

import config
from compiler.model import Dashboard, Panel, Row, Target, Threshold

from . import common as c


def analysis_pass_rate_panel() -> Panel:
    # Guide: `sum(rate(...{status="passed"}[1h])) / sum(rate(...[1h])) * 100` in a stat
    # without a unit. The fixed [1h] smooths away what the dashboard's time range
    # asks for; `* 100` without a percent unit shows a bare 97. Use the rate
    # interval and a 0-1 ratio with percentunit.
    expr = c.ratio(
        c.sum_rate("codeverify_analyses_total", c.WORKER, 'status="passed"'),
        c.sum_rate("codeverify_analyses_total", c.WORKER),
    )
    return Panel(
        "stat", "Analysis pass rate",
        "Share of finished analyses that passed; the SLO is above 95 %, below it is red.",
        (Target(expr, legend="passed"),),
        unit=c.PERCENT_UNIT, width=c.QUARTER, height=c.STAT_HEIGHT, decimals=1, min=0, max=1,
        thresholds=c.LOW_IS_BAD_PASS_RATE,
    )


def analysis_failure_rate_panel() -> Panel:
    # Same ratio as the HighAnalysisFailureRate alert (status="failed" only; `error`
    # is a crash of the analysis, not a failed verdict), on the rate interval.
    expr = c.ratio(
        c.sum_rate("codeverify_analyses_total", c.WORKER, 'status="failed"'),
        c.sum_rate("codeverify_analyses_total", c.WORKER),
    )
    return Panel(
        "stat", "Analysis failure rate",
        "Share of finished analyses that failed; HighAnalysisFailureRate fires above 10 %.",
        (Target(expr, legend="failed"),),
        unit=c.PERCENT_UNIT, width=c.QUARTER, height=c.STAT_HEIGHT, decimals=1, min=0, max=1,
        thresholds=c.HIGH_IS_BAD_ANALYSIS_FAILURES,
    )


def api_error_rate_stat_panel() -> Panel:
    expr = c.ratio(
        c.sum_rate("codeverify_http_requests_total", c.API, c.SERVER_ERRORS),
        c.sum_rate("codeverify_http_requests_total", c.API),
    )
    return Panel(
        "stat", "API error rate",
        "Share of API requests answered with a 5xx status; HighErrorRate fires above 5 %.",
        (Target(expr, legend="5xx"),),
        unit=c.PERCENT_UNIT, width=c.QUARTER, height=c.STAT_HEIGHT, decimals=2, min=0, max=1,
        thresholds=c.HIGH_IS_BAD_ERROR_RATE,
    )


def workers_up_panel() -> Panel:
    return Panel(
        "stat", "Workers up",
        "Number of worker pods Prometheus can scrape; WorkerDown fires below 2.",
        # Without any worker target (all scaled away, or none deployed yet) `sum` has no
        # series and the stat would read "No data": it is 0 workers, and must say so.
        # vector(0) has no labels, as the sum has none, so `or` adds it only when the sum
        # is empty (WorkerDown does the same per namespace).
        (Target(f"sum(up{c.selector(c.WORKER)}) or vector(0)", legend="workers"),),
        unit=c.SHORT, width=c.QUARTER, height=c.STAT_HEIGHT, decimals=0,
        thresholds=c.LOW_IS_BAD_WORKERS,
    )


def health_checks_panel() -> Panel:
    # probe_success of each Service's /health/live and /health/ready through the blackbox
    # exporter (config.py PROBE_JOB): 1 up, 0 down. A probe without series (exporter or
    # Probe gone, HealthProbeMissing) must read as such, not as a blank.
    probes = c.selector(f'job="{config.PROBE_JOB}"', c.FILTERS)
    return Panel(
        "stat", "Health checks",
        "Each Service's /health/live and /health/ready probed from outside by the blackbox exporter; "
        "HealthCheckFailing pages after 3 minutes DOWN.",
        (Target(f"max by (service, health) (probe_success{probes})", legend="{{service}} {{health}}"),),
        unit=c.NONE, width=c.FULL, height=c.STAT_HEIGHT, decimals=0, min=0, max=1,
        thresholds=(Threshold(None, c.RED), Threshold(1, c.GREEN)),
        options={"fieldConfig": {"defaults": {
            "mappings": [{"type": "value", "options": {
                "0": {"index": 0, "text": "DOWN", "color": c.RED},
                "1": {"index": 1, "text": "UP", "color": c.GREEN},
            }}],
            "noValue": "not probed",
        }}},
    )


def request_throughput_panel() -> Panel:
    return Panel(
        "timeseries", "Request throughput",
        "API requests per second by handler; a sudden drop usually means clients cannot reach the API.",
        (Target(c.sum_rate("codeverify_http_requests_total", c.API, by=("handler",)), legend="{{handler}}"),),
        unit=c.REQUESTS_PER_SECOND, width=c.HALF, min=0, stack=True,
    )


def error_rate_panel() -> Panel:
    expr = c.ratio(
        c.sum_rate("codeverify_http_requests_total", c.API, c.SERVER_ERRORS),
        c.sum_rate("codeverify_http_requests_total", c.API),
    )
    return Panel(
        "timeseries", "Error rate",
        "Share of API requests answered with a 5xx status over time; the red line is the 5 % HighErrorRate threshold.",
        (Target(expr, legend="5xx share"),),
        unit=c.PERCENT_UNIT, width=c.HALF, min=0, thresholds=c.HIGH_IS_BAD_ERROR_RATE,
    )


def queue_depth_panel() -> Panel:
    # Each pod reports the same Redis queue length, so take max, not sum, per queue.
    return Panel(
        "timeseries", "Queue depth",
        "Jobs waiting in each analysis queue; QueueBacklog fires when a queue stays above 100 for 10 minutes.",
        (Target(f"max by (queue) (codeverify_queue_length{c.selector(c.CODEVERIFY)})", legend="{{queue}}"),),
        unit=c.SHORT, width=c.THIRD, min=0, thresholds=c.HIGH_IS_BAD_QUEUE,
    )


def analyses_per_hour_panel() -> Panel:
    # Guide: a `graph` panel (removed from current Grafana) of
    # `sum(increase(...[1h]))`, a fixed window that lags an hour behind. Plot the
    # per-second rate scaled to an hour instead, split by outcome.
    expr = f'{c.sum_rate("codeverify_analyses_total", c.WORKER, by=("status",))} * 3600'
    return Panel(
        "timeseries", "Analyses per hour",
        "Analyses finished per hour by outcome (passed, failed, error), at the current rate.",
        (Target(expr, legend="{{status}}"),),
        unit=c.SHORT, width=c.THIRD, min=0, stack=True,
    )


def findings_by_severity_panel() -> Panel:
    # Guide: `sum by (severity) (codeverify_findings_total)` sums raw counters:
    # all-time totals since each pod started, which drop whenever a pod restarts.
    # Count the findings raised within the dashboard's time range instead, as one
    # instant query ($__range is the whole range).
    expr = c.sum_increase("codeverify_findings_total", c.WORKER, by=("severity",), window=c.RANGE)
    return Panel(
        "piechart", "Findings by severity",
        "Findings reported in the selected time range, by severity.",
        (Target(expr, legend="{{severity}}", instant=True),),
        unit=c.SHORT, width=c.THIRD, decimals=0,
    )


DASHBOARD = Dashboard(
    uid="codeverify-overview",
    title="CodeVerify Overview",
    description="Service health at a glance: analysis outcomes, API traffic and errors, queue depth.",
    tags=c.tags("overview"),
    variables=(c.PROMETHEUS_VARIABLE, *c.FILTER_VARIABLES),
    links=c.DASHBOARD_LINKS,
    rows=(
        Row("Health", (
            analysis_pass_rate_panel(),
            analysis_failure_rate_panel(),
            api_error_rate_stat_panel(),
            workers_up_panel(),
        )),
        Row("Health endpoints", (health_checks_panel(),)),
        Row("API", (
            request_throughput_panel(),
            error_rate_panel(),
        )),
        Row("Analyses", (
            queue_depth_panel(),
            analyses_per_hour_panel(),
            findings_by_severity_panel(),
        )),
    ),
)
