"""Alerts on CodeVerify's use of its PostgreSQL database."""
from __future__ import annotations

import config
from compiler.proving import scrape
from compiler.model import AlertRule, RuleGroup, Scenario

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

GROUP = RuleGroup(name="codeverify-database", rules=(DATABASE_CONNECTION_POOL_EXHAUSTED,))
