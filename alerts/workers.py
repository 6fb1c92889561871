"""Alerts on CodeVerify's workers and their job queue."""
from __future__ import annotations

import config
from compiler.conventions import by_keep
from compiler.proving import scrape
from compiler.model import AlertRule, RuleGroup, Scenario

from .absence import absent

# The guide's `codeverify_queue_length > 100` fires once per pod: every API and worker
# pod exports the same queue length (read from Redis). `max by (namespace, queue)` gives
# one alert per queue and keeps the labels routing and the description need.
QUEUE_BACKLOG = AlertRule(
    name="QueueBacklog",
    expr=f'max by ({by_keep(config, "namespace", "queue")}) (codeverify_queue_length) > {config.QUEUE_BACKLOG_JOBS}',
    for_="10m",
    severity="warning",
    summary="The analysis queue has held more than 100 jobs for 10 minutes.",
    description=(
        "{{ $value }} jobs are waiting in queue {{ $labels.queue }} in namespace "
        "{{ $labels.namespace }} (threshold 100)."
    ),
    runbook="queue-backup",
    # No queue length, no backlog alert: the series come from every API and worker pod.
    covered_by=("QueueMetricsAbsent", "APIDown", "WorkerDown"),
    # Every pod exports the same length: one alert per queue, not one per pod.
    scenarios=(
        Scenario(
            "fires once when 101 jobs wait for 10 minutes",
            {
                scrape.series("codeverify_queue_length", scrape.api(config, 0), queue="analysis"): "101x20",
                scrape.series("codeverify_queue_length", scrape.worker(config, 0), queue="analysis"): "101x20",
                scrape.series("codeverify_queue_length", scrape.worker(config, 1), queue="analysis"): "101x20",
            },
            at="15m",
            fires=({"namespace": config.APP_NAMESPACE, "queue": "analysis"},),
            value=101,
        ),
        Scenario(
            "stays quiet at exactly 100 jobs",
            {
                scrape.series("codeverify_queue_length", scrape.api(config, 0), queue="analysis"): "100x20",
                scrape.series("codeverify_queue_length", scrape.worker(config, 0), queue="analysis"): "100x20",
            },
            at="15m",
        ),
    ),
)

# The guide's `sum(up{app="codeverify-worker"}) < 2` returns nothing when no worker target
# exists at all (deployment scaled to 0, pods gone, ServiceMonitor broken): sum() of an
# empty vector is empty, so the alert never fires in a total outage. The fallback series
# is 0 for the app namespace whenever that namespace has no worker target; `or on
# (namespace)` drops it when a real sum exists for the namespace (the sums also carry the
# cluster label where there is one, which the fallback cannot know). label_replace gives
# the fallback the `namespace` label so that the alert still routes (see alerts/api.py).
# `up` has `app` only because the ServiceMonitor copies the pod label (podTargetLabels).
WORKER_DOWN = AlertRule(
    name="WorkerDown",
    expr=f"""
(
  sum by ({by_keep(config, "namespace")}) (up{{{config.WORKER_SELECTOR}}})
  or on (namespace)
  label_replace(vector(0), "namespace", "{config.APP_NAMESPACE}", "", "")
) < {config.MIN_WORKERS}
""".strip(),
    for_="5m",
    severity="critical",
    summary="Fewer than 2 CodeVerify workers are up.",
    description=(
        "Only {{ $value }} codeverify-worker targets are up in namespace {{ $labels.namespace }} "
        "(minimum 2); analyses will queue up."
    ),
    runbook="worker-down",
    scenarios=(
        Scenario(
            "fires when one of two workers is down",
            {
                scrape.series("up", scrape.worker(config, 0)): "1x15",
                scrape.series("up", scrape.worker(config, 1)): "0x15",
                scrape.series("up", scrape.api(config, 0)): "1x15",
            },
            at="10m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=1,
        ),
        Scenario(
            "stays quiet with two workers up",
            {
                scrape.series("up", scrape.worker(config, 0)): "1x15",
                scrape.series("up", scrape.worker(config, 1)): "1x15",
                scrape.series("up", scrape.api(config, 0)): "1x15",
            },
            at="10m",
        ),
        Scenario(
            "fires when no worker target exists at all",
            {scrape.series("up", scrape.api(config, 0)): "1x15"},
            at="10m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=0,
        ),
        # Behind Thanos every series carries the cluster label: the 0 fallback, which has
        # none, must not fire beside a cluster's real count.
        Scenario(
            "with a cluster label, stays quiet with two workers up",
            {
                scrape.series("up", {**scrape.worker(config, 0), config.CLUSTER_LABEL: "east"}): "1x15",
                scrape.series("up", {**scrape.worker(config, 1), config.CLUSTER_LABEL: "east"}): "1x15",
            },
            at="10m",
        ),
        Scenario(
            "with a cluster label, fires for the cluster whose worker is down",
            {
                scrape.series("up", {**scrape.worker(config, 0), config.CLUSTER_LABEL: "east"}): "1x15",
                scrape.series("up", {**scrape.worker(config, 1), config.CLUSTER_LABEL: "east"}): "1x15",
                scrape.series("up", {**scrape.worker(config, 0), config.CLUSTER_LABEL: "west"}): "1x15",
                scrape.series("up", {**scrape.worker(config, 1), config.CLUSTER_LABEL: "west"}): "0x15",
            },
            at="10m",
            fires=({config.CLUSTER_LABEL: "west", "namespace": config.APP_NAMESPACE},),
            value=1,
        ),
    ),
)

# `by (namespace)` on both sides, as in HighErrorRate. The 1h window smooths out the small
# number of analyses per minute; `for: 15m` then requires it to stay high.
HIGH_ANALYSIS_FAILURE_RATE = AlertRule(
    name="HighAnalysisFailureRate",
    expr=f"""
sum by ({by_keep(config, "namespace")}) (rate(codeverify_analyses_total{{{config.WORKER_SELECTOR}, status="failed"}}[1h]))
/
sum by ({by_keep(config, "namespace")}) (rate(codeverify_analyses_total{{{config.WORKER_SELECTOR}}}[1h]))
> {config.ANALYSIS_FAILURE_ALERT}
""".strip(),
    for_="15m",
    severity="warning",
    summary="More than 10% of analyses are failing.",
    description=(
        "{{ $value | humanizePercentage }} of analyses in namespace {{ $labels.namespace }} "
        "failed over the last hour (threshold 10%)."
    ),
    runbook="high-analysis-failure-rate",
    # A ratio of analysis rates has no value without analyses: the analysis-success SLO's
    # SLI-absent alert watches the same counter, WorkerDown the workers.
    covered_by=("AnalysisSuccessSLIAbsent", "WorkerDown"),
    # Two workers finish 1000 analyses a minute between them; 101 (10.1 %) or 99 (9.9 %) fail.
    scenarios=(
        Scenario(
            "fires just past 10% of failed analyses",
            {
                scrape.series("codeverify_analyses_total", scrape.worker(config, 0), status="passed"): "0+450x40",
                scrape.series("codeverify_analyses_total", scrape.worker(config, 0), status="failed"): "0+50x40",
                scrape.series("codeverify_analyses_total", scrape.worker(config, 1), status="passed"): "0+449x40",
                scrape.series("codeverify_analyses_total", scrape.worker(config, 1), status="failed"): "0+51x40",
            },
            at="30m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=0.101,
        ),
        Scenario(
            "stays quiet just under 10% of failed analyses",
            {
                scrape.series("codeverify_analyses_total", scrape.worker(config, 0), status="passed"): "0+451x40",
                scrape.series("codeverify_analyses_total", scrape.worker(config, 0), status="failed"): "0+49x40",
                scrape.series("codeverify_analyses_total", scrape.worker(config, 1), status="passed"): "0+450x40",
                scrape.series("codeverify_analyses_total", scrape.worker(config, 1), status="failed"): "0+50x40",
            },
            at="30m",
        ),
    ),
)

_QUEUE_LENGTH = f"codeverify_queue_length{{{config.APP_NAMESPACE_SELECTOR}}}"

# QueueBacklog reads the queue length every API and worker pod exports (read from Redis).
# When no pod exports it (a release that renamed it, the queue client failing before it
# sets the gauge), QueueBacklog cannot fire however long the queue gets. Pods gone are
# APIDown's and WorkerDown's; this is the metric gone while pods run.
QUEUE_METRICS_ABSENT = AlertRule(
    name="QueueMetricsAbsent",
    expr=absent(_QUEUE_LENGTH),
    for_="10m",
    severity="warning",
    summary="No CodeVerify pod exports the queue length, so QueueBacklog cannot fire.",
    description=(
        "No series of codeverify_queue_length has existed in namespace {{ $labels.namespace }} for 10 minutes: "
        "the job queue is unwatched, and a backlog would not be noticed."
    ),
    runbook="queue-metrics-absent",
    # Pods gone take the metric with them: that is APIDown's and WorkerDown's to say.
    covered_by=("APIDown", "WorkerDown"),
    scenarios=(
        Scenario(
            "fires when no pod has exported the queue length for 10 minutes",
            {
                scrape.series("up", scrape.api(config, 0)): "1x20",
                scrape.series("codeverify_queue_length", scrape.api(config, 0), queue="analysis"): "3x4 stale",
            },
            at="16m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=1,
        ),
        Scenario(
            "stays quiet while one pod still exports it",
            {
                scrape.series("codeverify_queue_length", scrape.api(config, 0), queue="analysis"): "3x4 stale",
                scrape.series("codeverify_queue_length", scrape.worker(config, 0), queue="analysis"): "3x20",
            },
            at="16m",
        ),
    ),
)

GROUP = RuleGroup(
    name="codeverify-workers",
    rules=(QUEUE_BACKLOG, QUEUE_METRICS_ABSENT, WORKER_DOWN, HIGH_ANALYSIS_FAILURE_RATE),
)
