"""Alerts on CodeVerify's use of its PostgreSQL database, and on the metrics that watch it."""
from __future__ import annotations

import config
from compiler.proving import scrape
from compiler.model import AlertRule, RuleGroup, Scenario

from .absence import absent

# Per pod on purpose (no aggregation): each API and worker process has its own connection
# pool, and one exhausted pool stalls that pod's requests even when the others are idle.
# The alert keeps pod, app and namespace, so it names the pod and routes. The absolute
# threshold assumes pools well above 5 connections (codeverify_db_pool_size).
DATABASE_CONNECTION_POOL_EXHAUSTED = AlertRule(
    name="DatabaseConnectionPoolExhausted",
    expr=f"codeverify_db_pool_available < {config.DB_POOL_MIN_AVAILABLE}",
    for_="5m",
    severity="critical",
    summary="A CodeVerify pod's database connection pool is nearly exhausted.",
    description=(
        "Only {{ $value }} database connections are available in the pool of pod "
        "{{ $labels.pod }} in namespace {{ $labels.namespace }} (threshold 5)."
    ),
    runbook="database-connection-issues",
    covered_by=("DatabasePoolMetricsAbsent", "APIDown", "WorkerDown"),
    # One API pod's pool is down to 4 (or 5) free connections; the others are fine.
    scenarios=(
        Scenario(
            "fires for the one pod with 4 connections left",
            {
                scrape.series("codeverify_db_pool_available", scrape.api(config, 0)): "4x15",
                scrape.series("codeverify_db_pool_available", scrape.api(config, 1)): "10x15",
                scrape.series("codeverify_db_pool_available", scrape.worker(config, 0)): "8x15",
            },
            at="10m",
            fires=({**scrape.api(config, 0)},),
            value=4,
        ),
        Scenario(
            "stays quiet with 5 connections left",
            {
                scrape.series("codeverify_db_pool_available", scrape.api(config, 0)): "5x15",
                scrape.series("codeverify_db_pool_available", scrape.api(config, 1)): "10x15",
            },
            at="10m",
        ),
    ),
)

# DatabaseConnectionPoolExhausted compares each pod's free connections with 5: with no
# series it cannot fire. Pods gone are APIDown's and WorkerDown's; this is the metric gone
# while pods run (a release that dropped the pool instrumentation).
DATABASE_POOL_METRICS_ABSENT = AlertRule(
    name="DatabasePoolMetricsAbsent",
    expr=absent(f"codeverify_db_pool_available{{{config.APP_NAMESPACE_SELECTOR}}}"),
    for_="10m",
    severity="warning",
    summary="No CodeVerify pod exports its database pool, so DatabaseConnectionPoolExhausted cannot fire.",
    description=(
        "No series of codeverify_db_pool_available has existed in namespace {{ $labels.namespace }} for "
        "10 minutes: an exhausted connection pool would not be noticed."
    ),
    runbook="database-pool-metrics-absent",
    # Pods gone take the metric with them: that is APIDown's and WorkerDown's to say.
    covered_by=("APIDown", "WorkerDown"),
    scenarios=(
        Scenario(
            "fires when no pod has exported its pool for 10 minutes",
            {
                scrape.series("up", scrape.api(config, 0)): "1x20",
                scrape.series("codeverify_db_pool_available", scrape.api(config, 0)): "16x4 stale",
            },
            at="16m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=1,
        ),
        Scenario(
            "stays quiet while one pod still exports it",
            {
                scrape.series("codeverify_db_pool_available", scrape.api(config, 0)): "16x4 stale",
                scrape.series("codeverify_db_pool_available", scrape.worker(config, 0)): "16x20",
            },
            at="16m",
        ),
    ),
)

_POSTGRES_UP = f"up{{{config.POSTGRES_EXPORTER_SELECTOR}}}"

# The PostgreSQL exporter feeds the Infrastructure dashboard's connection panels (backends
# against max_connections). Gone or failing, they go blank exactly when the database is
# the question. `or` a 0 fallback, as WorkerDown: a missing target is down too.
DATABASE_EXPORTER_DOWN = AlertRule(
    name="DatabaseExporterDown",
    expr=f"""
(
  sum by (namespace) ({_POSTGRES_UP})
  or
  label_replace(vector(0), "namespace", "{config.APP_NAMESPACE}", "", "")
) < 1
""".strip(),
    for_="10m",
    severity="warning",
    summary="The PostgreSQL exporter is down or gone: the database is not monitored.",
    description=(
        f"No {config.POSTGRES_EXPORTER_JOB} target in namespace {{{{ $labels.namespace }}}} has been up for "
        "10 minutes: PostgreSQL connections and activity are not monitored."
    ),
    runbook="database-exporter-down",
    scenarios=(
        Scenario(
            "fires when the exporter has been gone for 10 minutes",
            {
                scrape.series("up", scrape.exporter(config, "postgresql", 9187)): "1x4 stale",
                scrape.series("up", scrape.api(config, 0)): "1x20",
            },
            at="16m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=0,
        ),
        Scenario(
            "fires when its scrape has failed for 10 minutes",
            {scrape.series("up", scrape.exporter(config, "postgresql", 9187)): "0x20"},
            at="11m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=0,
        ),
        Scenario(
            "stays quiet while it is up",
            {scrape.series("up", scrape.exporter(config, "postgresql", 9187)): "1x20"},
            at="16m",
        ),
    ),
)

GROUP = RuleGroup(
    name="codeverify-database",
    rules=(DATABASE_CONNECTION_POOL_EXHAUSTED, DATABASE_POOL_METRICS_ABSENT, DATABASE_EXPORTER_DOWN),
)
