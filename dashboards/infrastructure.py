"""CodeVerify Infrastructure: pod resources and restarts, PostgreSQL and Redis."""
from __future__ import annotations

from compiler.model import Dashboard, Panel, Row, Target

from . import common as c

BY_CONTAINER = ("pod", "container")
CPU_LIMIT = 'resource="cpu"'


def cpu_utilization_panel() -> Panel:
    # CPU used as a share of the container's CPU limit. Both sides are summed by
    # (pod, container) so the division matches despite the different target labels
    # of cAdvisor and kube-state-metrics; containers without a limit have no
    # `resource="cpu"` limit series and drop out rather than divide by zero.
    expr = c.ratio(
        c.sum_rate("container_cpu_usage_seconds_total", *c.CONTAINERS, by=BY_CONTAINER),
        f"sum by (pod, container) (kube_pod_container_resource_limits{c.selector(c.POD_NAMESPACE, CPU_LIMIT)})",
    )
    return Panel(
        "timeseries", "CPU utilization",
        "CPU used by each CodeVerify container as a share of its CPU limit; near 100 % the container is throttled.",
        (Target(expr, legend="{{pod}} {{container}}"),),
        unit=c.PERCENT_UNIT, width=c.HALF, min=0,
    )


def memory_utilization_panel() -> Panel:
    # Guide: `container_memory_working_set_bytes{namespace="codeverify"} /
    # container_spec_memory_limit_bytes{namespace="codeverify"} * 100` includes the
    # pod-level (container="") and pause-container series, divides by 0 (+Inf) where
    # no limit is set, and multiplies by 100 for no unit. Exclude those series, keep
    # only limits above 0, aggregate both sides by (pod, container), use percentunit.
    expr = c.ratio(
        f"sum by (pod, container) (container_memory_working_set_bytes{c.selector(*c.CONTAINERS)})",
        f"(sum by (pod, container) (container_spec_memory_limit_bytes{c.selector(*c.CONTAINERS)}) > 0)",
    )
    return Panel(
        "timeseries", "Memory utilization",
        "Working-set memory of each CodeVerify container as a share of its memory limit; at 100 % it is OOM-killed.",
        (Target(expr, legend="{{pod}} {{container}}"),),
        unit=c.PERCENT_UNIT, width=c.HALF, min=0,
    )


def memory_usage_panel() -> Panel:
    return Panel(
        "timeseries", "Memory usage",
        "Working-set memory of each CodeVerify container, including those without a limit.",
        (Target(f"sum by (pod, container) (container_memory_working_set_bytes{c.selector(*c.CONTAINERS)})",
                legend="{{pod}} {{container}}"),),
        unit=c.BYTES, width=c.HALF, min=0,
    )


def pod_restarts_panel() -> Panel:
    return Panel(
        "timeseries", "Pod restarts",
        "Container restarts per interval of the CodeVerify pods; any bar here deserves a look at the pod's events.",
        (Target(c.sum_increase("kube_pod_container_status_restarts_total", c.POD_NAMESPACE, by=BY_CONTAINER),
                legend="{{pod}} {{container}}"),),
        unit=c.SHORT, width=c.HALF, min=0, decimals=0,
        options={"fieldConfig": {"defaults": {"custom": {"drawStyle": "bars", "fillOpacity": 80}}}},
    )


def database_connections_panel() -> Panel:
    # No database name is given in the guide, so backends are summed over all databases.
    return Panel(
        "timeseries", "Database connections",
        "PostgreSQL backends in use, against the server's max_connections; new connections fail at the limit.",
        (
            Target(f"sum(pg_stat_database_numbackends{c.selector(c.FILTERS)})", legend="connections in use"),
            Target(f"max(pg_settings_max_connections{c.selector(c.FILTERS)})", legend="max_connections"),
        ),
        unit=c.SHORT, width=c.HALF, min=0,
    )


def database_connection_states_panel() -> Panel:
    # "idle in transaction" holds locks and a connection while doing nothing: the state to watch.
    return Panel(
        "timeseries", "Database connections by state",
        "PostgreSQL connections by state; a growing 'idle in transaction' share holds locks and starves the pools.",
        (Target(f"sum by (state) (pg_stat_activity_count{c.selector(c.FILTERS)})", legend="{{state}}"),),
        unit=c.SHORT, width=c.HALF, min=0, stack=True,
    )


def db_pool_available_panel() -> Panel:
    # The pool size gives the free connections their scale: 6 free of 10 is not 6 free of 50.
    return Panel(
        "timeseries", "DB pool available connections",
        "Free connections in each CodeVerify pod's database pool, against the pool size; "
        "DatabaseConnectionPoolExhausted fires below 5.",
        (
            Target(f"min by (pod) (codeverify_db_pool_available{c.selector(c.CODEVERIFY)})", legend="{{pod}}"),
            Target(f"max(codeverify_db_pool_size{c.selector(c.CODEVERIFY)})", legend="pool size"),
        ),
        unit=c.SHORT, width=c.HALF, min=0, thresholds=c.LOW_IS_BAD_DB_POOL,
    )


def db_queries_panel() -> Panel:
    # The guide's database view: CodeVerify's own count of the queries it sends, by kind.
    return Panel(
        "timeseries", "Database queries",
        "Queries per second the API and workers send to PostgreSQL, by operation.",
        (Target(c.sum_rate("codeverify_db_queries_total", c.CODEVERIFY, by=("operation",)), legend="{{operation}}"),),
        unit=c.OPS_PER_SECOND, width=c.HALF, min=0, stack=True,
    )


def db_query_latency_panel() -> Panel:
    return Panel(
        "timeseries", "Database query latency (p95)",
        "p95 time a database query takes as the API and workers see it, waiting for the result included, by operation.",
        (Target(c.quantile(0.95, "codeverify_db_query_duration_seconds", c.CODEVERIFY, by=("operation",)),
                legend="{{operation}}", exemplar=True),),
        unit=c.SECONDS, width=c.HALF, min=0,
    )


def redis_operations_panel() -> Panel:
    return Panel(
        "timeseries", "Redis operations",
        "Commands per second Redis processes in total and for its five busiest commands.",
        (
            Target(f"sum({c.rate('redis_commands_processed_total', c.FILTERS)})", legend="all commands"),
            Target(f"topk(5, {c.sum_rate('redis_commands_total', c.FILTERS, by=('cmd',))})", legend="{{cmd}}"),
        ),
        unit=c.OPS_PER_SECOND, width=c.HALF, min=0,
    )


def redis_memory_panel() -> Panel:
    return Panel(
        "timeseries", "Redis memory",
        "Memory Redis has allocated; the job queue lives in it, so a backlog shows here as well.",
        (Target(f"sum(redis_memory_used_bytes{c.selector(c.FILTERS)})", legend="used"),),
        unit=c.BYTES, width=c.HALF, min=0,
    )


def redis_clients_panel() -> Panel:
    return Panel(
        "timeseries", "Redis connected clients",
        "Client connections open to Redis; a steady climb points at a connection leak.",
        (Target(f"sum(redis_connected_clients{c.selector(c.FILTERS)})", legend="clients"),),
        unit=c.SHORT, width=c.HALF, min=0,
    )


DASHBOARD = Dashboard(
    uid="codeverify-infrastructure",
    title="CodeVerify Infrastructure",
    description="Resources and restarts of the CodeVerify pods, and the PostgreSQL and Redis they depend on.",
    tags=c.tags("infrastructure"),
    variables=(c.PROMETHEUS_VARIABLE, c.TEMPO_VARIABLE, *c.FILTER_VARIABLES),
    links=c.DASHBOARD_LINKS,
    rows=(
        Row("Pods", (
            cpu_utilization_panel(),
            memory_utilization_panel(),
            memory_usage_panel(),
            pod_restarts_panel(),
        )),
        Row("PostgreSQL", (
            database_connections_panel(),
            db_pool_available_panel(),
            db_queries_panel(),
            db_query_latency_panel(),
            database_connection_states_panel(),
        )),
        Row("Redis", (
            redis_operations_panel(),
            redis_clients_panel(),
            redis_memory_panel(),
        )),
    ),
)
