"""CodeVerify API Performance: latency, traffic and errors of the API, per endpoint, with its logs."""
from __future__ import annotations

import config
from compiler.model import LOKI, Dashboard, Panel, Row, Target

from . import common as c

DURATION = "codeverify_http_request_duration_seconds"
REQUESTS = "codeverify_http_requests_total"


def request_latency_panel() -> Panel:
    # The guide's HighLatency alert writes `sum(rate(..._bucket[5m])) by (le)`; the
    # panel uses the same shape on the rate interval.
    return Panel(
        "timeseries", "Request latency p50 / p95 / p99",
        "API request latency percentiles over all endpoints; yellow is the 500 ms p95 SLO, red the 2 s HighLatency alert.",
        # Exemplars: the trace ids of sampled requests, drawn as points that open the trace.
        tuple(
            Target(c.quantile(q, DURATION, c.API), legend=f"p{round(q * 100)}", exemplar=True)
            for q in (0.5, 0.95, 0.99)
        ),
        unit=c.SECONDS, width=c.HALF, min=0, thresholds=c.HIGH_IS_BAD_LATENCY,
    )


def requests_per_second_panel() -> Panel:
    return Panel(
        "timeseries", "Requests per second",
        "API requests per second by HTTP method and handler.",
        (Target(c.sum_rate(REQUESTS, c.API, by=("method", "handler")), legend="{{method}} {{handler}}"),),
        unit=c.REQUESTS_PER_SECOND, width=c.HALF, min=0, stack=True,
    )


def error_breakdown_panel() -> Panel:
    return Panel(
        "timeseries", "Error breakdown",
        "Requests per second answered with a 4xx or 5xx status, by status code and handler; "
        "5xx are the API's fault, 4xx usually the client's.",
        (Target(c.sum_rate(REQUESTS, c.API, c.CLIENT_AND_SERVER_ERRORS, by=("status", "handler")),
                legend="{{status}} {{handler}}"),),
        unit=c.REQUESTS_PER_SECOND, width=c.HALF, min=0, stack=True,
    )


def requests_in_progress_panel() -> Panel:
    return Panel(
        "timeseries", "Requests in progress",
        "Requests the API is handling right now, by handler; a steady climb means requests are piling up.",
        (Target(f"sum by (handler) (codeverify_http_requests_in_progress{c.selector(c.API)})", legend="{{handler}}"),),
        unit=c.SHORT, width=c.HALF, min=0, stack=True,
    )


def latency_heatmap_panel() -> Panel:
    # The guide's "Endpoint heatmap": a heatmap of the latency distribution of all
    # endpoints (one cell column per interval, one row per bucket), which shows
    # bimodal latency that percentiles hide. A per-handler view is the table next
    # to it; a heatmap with handlers on the y axis would have no bucket structure.
    # `increase` per interval, summed by `le`, is what format=heatmap expects.
    expr = c.sum_increase(DURATION + "_bucket", c.API, by=("le",))
    return Panel(
        "heatmap", "Endpoint latency heatmap",
        "How many API requests fell into each latency bucket over time; darker cells mean more requests.",
        (Target(expr, legend="{{le}}", format="heatmap", exemplar=True),),
        unit=c.SECONDS, width=c.HALF,
    )


def slowest_endpoints_panel() -> Panel:
    expr = f"topk(10, {c.quantile(0.95, DURATION, c.API, by=('handler',))})"
    return Panel(
        "table", "Slowest endpoints (p95)",
        "The ten handlers with the highest p95 latency at the end of the selected range.",
        (Target(expr, legend="{{handler}}", instant=True, format="table"),),
        unit=c.SECONDS, width=c.HALF, decimals=3, thresholds=c.HIGH_IS_BAD_LATENCY,
    )


def recent_errors_panel() -> Panel:
    # Guide: `{app="codeverify-api"} |= "ERROR" | json | ...` keeps every line that
    # merely contains "ERROR" (a message quoting it, an INFO line about an error
    # code). Keep the substring filter as a cheap pre-filter, then match the parsed
    # `level` field; also select the namespace, as promtail labels streams with it.
    expr = f'{c.loki_selector(config.API_APP)} |= "ERROR" | json | level="ERROR" | line_format "{{{{.message}}}}"'
    return Panel(
        "logs", "Recent errors",
        "API log lines at level ERROR, newest first; expand a line and follow its trace_id to the trace in Tempo.",
        (Target(expr, datasource=LOKI),),
        unit=c.NONE, width=c.HALF, height=10,
    )


def slow_requests_panel() -> Panel:
    # A table rather than raw lines: one row per slow request with its duration, and its
    # trace_id a link to the trace in Tempo (where the time went). The `| json` fields
    # arrive as the frame's `labels`; extractFields turns them into columns.
    expr = f"{c.loki_selector(config.API_APP)} | json | duration_ms > 1000"
    columns = ("Time", "duration_ms", "analysis_id", "message", c.TRACE_ID)
    return Panel(
        "table", "Slow requests",
        "API requests that took over a second, newest first; a trace_id opens the request's trace in Tempo.",
        (Target(expr, datasource=LOKI),),
        unit=c.NONE, width=c.HALF, height=10,
        options={
            "transformations": [
                {"id": "extractFields", "options": {"source": "labels", "format": "json", "replace": False}},
                # Label values are strings: as a number, duration_ms sorts and takes its unit.
                {"id": "convertFieldType", "options": {
                    "conversions": [{"targetField": "duration_ms", "destinationType": "number"}], "fields": {}}},
                {"id": "organize", "options": {
                    "excludeByName": {"Line": True, "id": True, "labels": True, "tsNs": True},
                    "includeByName": {name: True for name in columns},
                    "indexByName": {name: i for i, name in enumerate(columns)},
                }},
                {"id": "sortBy", "options": {"sort": [{"field": "Time", "desc": True}]}},
            ],
            "fieldConfig": {"overrides": [
                {"matcher": {"id": "byName", "options": "duration_ms"},
                 "properties": [{"id": "unit", "value": c.MILLISECONDS}]},
                c.trace_link(),
            ]},
        },
    )


DASHBOARD = Dashboard(
    uid="codeverify-api-performance",
    title="CodeVerify API Performance",
    description="Latency, traffic and errors of the CodeVerify API, per endpoint, with its error and slow-request logs.",
    tags=c.tags("api"),
    variables=(c.PROMETHEUS_VARIABLE, c.LOKI_VARIABLE, c.TEMPO_VARIABLE, *c.FILTER_VARIABLES),
    links=c.DASHBOARD_LINKS,
    rows=(
        Row("Latency", (
            request_latency_panel(),
            latency_heatmap_panel(),
            slowest_endpoints_panel(),
            requests_in_progress_panel(),
        )),
        Row("Traffic and errors", (
            requests_per_second_panel(),
            error_breakdown_panel(),
        )),
        Row("Logs", (
            recent_errors_panel(),
            slow_requests_panel(),
        )),
    ),
)
