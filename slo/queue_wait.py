"""Queue wait: the guide's "p95 < 60 s", as 95 % of jobs picked up within 60 s."""
from __future__ import annotations

import config
from compiler import model
from compiler.model import LatencySLI

# The worker observes the wait when it picks a job up, so the worker's series count.
# catalog.QUEUE_BUCKETS has 60.0 as a bound; the client writes it as le="60.0".
SLO = model.SLO(
    name="queue-wait",
    service=config.WORKER_APP,
    objective=0.95,
    description="95% of analysis jobs wait less than 60 s in the queue.",
    sli=LatencySLI(
        histogram="codeverify_queue_latency_seconds",
        threshold=config.QUEUE_WAIT_SLO_SECONDS,
        matchers=config.WORKER_SELECTOR,
        by=(config.CLUSTER_LABEL, "namespace"),  # per installation, behind Thanos too
        labels={"queue": "analysis"},
    ),
    min_bad_events=5,
    covered_by=("WorkerDown",),
)
