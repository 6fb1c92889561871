"""What the four CodeVerify dashboards share: units, thresholds, selectors, query helpers, variables.

Panels and targets are built with `Panel(...)` / `Target(...)` directly in each
panel function rather than through factories here: the model records the file
and line of the constructor call, and lint findings should point at the panel
function, not at this module.
"""
from __future__ import annotations

import config
from compiler.model import LOKI, Link, Threshold, Variable
from compiler.selection import filter_matchers, filter_variables

# --- Grafana unit ids (never write these as literals in a panel) ---------------
PERCENT_UNIT = "percentunit"  # 0.0-1.0 shown as 0-100 %
PERCENT = "percent"  # 0-100 shown as %
REQUESTS_PER_SECOND = "reqps"
OPS_PER_SECOND = "ops"
SECONDS = "s"
MILLISECONDS = "ms"
BYTES = "bytes"
SHORT = "short"  # plain counts; Grafana scales with k/M suffixes
NONE = "none"  # logs panels: no numeric field to format

# --- Panel geometry (24 columns per line) ---------------------------------------
FULL, HALF, THIRD, QUARTER = 24, 12, 8, 6
STAT_HEIGHT = 5

# --- Threshold colours ------------------------------------------------------------
GREEN, YELLOW, ORANGE, RED = "green", "yellow", "orange", "red"

# --- Targets and alert thresholds from the guide (shared with alerts/) ----------
ERROR_RATE_ALERT = config.ERROR_RATE_ALERT
LATENCY_P95_SLO_SECONDS = config.LATENCY_P95_SLO_SECONDS
LATENCY_P95_ALERT_SECONDS = config.LATENCY_P95_ALERT_SECONDS
QUEUE_BACKLOG_JOBS = config.QUEUE_BACKLOG_JOBS
QUEUE_WAIT_SLO_SECONDS = config.QUEUE_WAIT_SLO_SECONDS
ANALYSIS_FAILURE_ALERT = config.ANALYSIS_FAILURE_ALERT
ANALYSIS_PASS_SLO = config.ANALYSIS_PASS_SLO
DB_POOL_MIN_AVAILABLE = config.DB_POOL_MIN_AVAILABLE
MIN_WORKERS = config.MIN_WORKERS

# Step lists. A step applies from its value upwards; None is the base step.
HIGH_IS_BAD_ERROR_RATE = (Threshold(None, GREEN), Threshold(ERROR_RATE_ALERT, RED))
HIGH_IS_BAD_LATENCY = (
    Threshold(None, GREEN),
    Threshold(LATENCY_P95_SLO_SECONDS, YELLOW),
    Threshold(LATENCY_P95_ALERT_SECONDS, RED),
)
HIGH_IS_BAD_QUEUE = (Threshold(None, GREEN), Threshold(QUEUE_BACKLOG_JOBS, RED))
HIGH_IS_BAD_QUEUE_WAIT = (Threshold(None, GREEN), Threshold(QUEUE_WAIT_SLO_SECONDS, RED))
HIGH_IS_BAD_ANALYSIS_FAILURES = (Threshold(None, GREEN), Threshold(ANALYSIS_FAILURE_ALERT, RED))
LOW_IS_BAD_PASS_RATE = (Threshold(None, RED), Threshold(ANALYSIS_PASS_SLO, GREEN))
LOW_IS_BAD_DB_POOL = (Threshold(None, RED), Threshold(DB_POOL_MIN_AVAILABLE, GREEN))
LOW_IS_BAD_WORKERS = (Threshold(None, RED), Threshold(MIN_WORKERS, GREEN))

# --- Selectors -------------------------------------------------------------------
# The installations the viewer picked: every query of every dashboard carries these
# matchers (lint rule dashboard/ignored-filter holds each query to them), so that two
# installations, in two namespaces or two clusters behind Thanos, never mix on a panel.
FILTERS = filter_matchers(config)
APPS_SELECTOR = f'app=~"{config.API_APP}|{config.WORKER_APP}"'
API = f"{config.API_SELECTOR}, {FILTERS}"
WORKER = f"{config.WORKER_SELECTOR}, {FILTERS}"
# The guide does not say which deployment exports the queue and DB-pool metrics
# (both talk to Redis and PostgreSQL), so those queries select either app.
CODEVERIFY = f"{APPS_SELECTOR}, {FILTERS}"
# cAdvisor, kube-state-metrics and the PostgreSQL and Redis exporters carry the pod's
# namespace, not our `app` label: the filters alone select CodeVerify's.
POD_NAMESPACE = FILTERS
# cAdvisor also reports a pod-level series (container="") and the pause container
# (container="POD"); both would double-count or divide by the wrong limit.
CONTAINERS = (FILTERS, 'container!=""', 'container!="POD"')
SERVER_ERRORS = 'status=~"5.."'
CLIENT_AND_SERVER_ERRORS = 'status=~"[45].."'

# Grafana picks `$__rate_interval` so that every window holds at least four
# scrapes whatever the zoom; a fixed window ([1h], [5m]) hides or smears spikes.
RATE_INTERVAL = "$__rate_interval"
# The dashboard's whole time range, for instant "over the range" totals.
RANGE = "$__range"


def selector(*matchers: str) -> str:
    """`{a="b", c!=""}` from matchers; empty matchers are skipped."""
    present = [m for m in matchers if m]
    return "{" + ", ".join(present) + "}" if present else ""


def rate(metric: str, *matchers: str, window: str = RATE_INTERVAL) -> str:
    return f"rate({metric}{selector(*matchers)}[{window}])"


def sum_rate(metric: str, *matchers: str, by: tuple[str, ...] = ()) -> str:
    """`sum [by (...)] (rate(metric{...}[$__rate_interval]))`."""
    return _sum(rate(metric, *matchers), by)


def sum_increase(metric: str, *matchers: str, by: tuple[str, ...] = (), window: str = RATE_INTERVAL) -> str:
    return _sum(f"increase({metric}{selector(*matchers)}[{window}])", by)


def ratio(numerator: str, denominator: str) -> str:
    return f"{numerator}\n/\n{denominator}"


def quantile(q: float, histogram: str, *matchers: str, by: tuple[str, ...] = ()) -> str:
    """The q-quantile of a histogram: rate the buckets first, then sum keeping `le`.

    histogram_quantile needs the `le` label of every bucket, so the sum must keep
    it; rate before sum, so that a restarted pod's counter reset is handled.
    """
    keep = ("le",) + tuple(by)
    return f"histogram_quantile({q}, {sum_rate(histogram + '_bucket', *matchers, by=keep)})"


def _sum(expr: str, by: tuple[str, ...]) -> str:
    return f"sum by ({', '.join(by)}) ({expr})" if by else f"sum({expr})"


# --- Dashboard-level defaults ------------------------------------------------------
PROMETHEUS_VARIABLE = Variable(config.PROMETHEUS_DATASOURCE_VAR, "datasource", "prometheus", label="Prometheus")
LOKI_VARIABLE = Variable(config.LOKI_DATASOURCE_VAR, "datasource", LOKI, label="Loki")
# The installation filters (compiler/selection.py), shared with the generated SLO dashboard.
CLUSTER_VARIABLE, NAMESPACE_VARIABLE = filter_variables(config, APPS_SELECTOR)
FILTER_VARIABLES = (CLUSTER_VARIABLE, NAMESPACE_VARIABLE)
# Traces: exemplar points and trace-id links open a trace in this datasource.
TEMPO_VARIABLE = Variable(config.TEMPO_DATASOURCE_VAR, "datasource", "tempo", label="Tempo")
TRACE_ID = config.TRACE_ID_FIELD


def trace_link(field: str = TRACE_ID) -> dict:
    """A field override that makes each `field` value (a trace id) open that trace in Tempo's Explore view."""
    pane = (
        '{"trace":{"datasource":"${%s}","queries":[{"refId":"A","datasource":{"type":"tempo","uid":"${%s}"},'
        '"queryType":"traceql","query":"${__value.raw}"}],"range":{"from":"${__from}","to":"${__to}"}}}'
    ) % (config.TEMPO_DATASOURCE_VAR, config.TEMPO_DATASOURCE_VAR)
    return {
        "matcher": {"id": "byName", "options": field},
        "properties": [{"id": "links", "value": [
            {"title": "Open the trace in Tempo", "url": f"/explore?schemaVersion=1&panes={pane}"},
        ]}],
    }
# One dropdown listing every CodeVerify dashboard (all carry the shared tag);
# the emitter keeps the time range and variables when following it.
DASHBOARD_LINKS = (Link("CodeVerify dashboards", tags=config.DASHBOARD_TAGS),)


def tags(subject: str) -> tuple[str, ...]:
    return tuple(config.DASHBOARD_TAGS) + (subject,)


def loki_selector(app: str) -> str:
    """The stream selector of an app's logs in the chosen installations; promtail sets `namespace` and `app`."""
    return f'{{{FILTERS}, app="{app}"}}'
