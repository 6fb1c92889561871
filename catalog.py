"""The metric catalog: every series our dashboards and alerts may use, and where it comes from.

Sources carry the *target labels* Prometheus attaches to every series of a scrape target
(kube-prometheus-stack ServiceMonitors: job, instance, namespace, service, endpoint, pod,
container, plus any `podTargetLabels`). Metrics carry only their *own* labels; a metric label
must never repeat a target label of its source (see the `endpoint` note below).

Naming and layout follow the Python prometheus_client: a Counter created as `foo` is
exposed as `foo_total`; histogram buckets are listed without `+Inf`, as the floats the
client prints (`le="0.5"`, `le="60.0"`).
"""
from __future__ import annotations

import config
from compiler.model import COUNTER, GAUGE, HISTOGRAM, LogStream, Metric, MetricSource

# --- sources ---------------------------------------------------------------------

# Labels prometheus-operator puts on every target of a ServiceMonitor endpoint
# (role endpoints): job (the Service name), instance, namespace, service, endpoint
# (the *port name*, here "http"), and pod/container when the endpoint is a pod.
_SERVICE_MONITOR = ("job", "instance", "namespace", "service", "endpoint", "pod", "container")

CODEVERIFY = MetricSource(
    name="codeverify",
    description=(
        "CodeVerify's own /metrics (API and worker pods), scraped by our ServiceMonitor on port "
        "'http' every 30 s. `app` is copied from the pod label by `podTargetLabels: [app]`, so "
        "series can be told apart as app=\"codeverify-api\" or app=\"codeverify-worker\"."
    ),
    target_labels=_SERVICE_MONITOR + ("app",),
)

# cAdvisor's own labels, honored (honorLabels: true) over the target's; listed with the
# target labels below because every cAdvisor series carries them.
_CADVISOR_SERIES_LABELS = ("id", "image", "name")

CADVISOR = MetricSource(
    name="cadvisor",
    description=(
        "The kubelet's embedded cAdvisor (/metrics/cadvisor), scraped by kube-prometheus-stack's "
        "kubelet ServiceMonitor with honorLabels: true. job=\"kubelet\", node is the kubelet's node "
        "and metrics_path=\"/metrics/cadvisor\"; namespace, pod and container are cAdvisor's own "
        "labels for the *workload* container (honored over the target's), and id, image, name "
        "identify the cgroup. Pod-level and root cgroups have container=\"\"."
    ),
    target_labels=(
        "job", "instance", "namespace", "pod", "container", "node", "service", "endpoint",
        "metrics_path",
    ) + _CADVISOR_SERIES_LABELS,
)

KUBE_STATE_METRICS = MetricSource(
    name="kube-state-metrics",
    description=(
        "kube-state-metrics, scraped by kube-prometheus-stack with honorLabels: true, so namespace, "
        "pod and container name the described object, not the kube-state-metrics pod."
    ),
    target_labels=_SERVICE_MONITOR,
)

POSTGRES_EXPORTER = MetricSource(
    name="postgres-exporter",
    description="prometheus-community/postgres_exporter next to CodeVerify's PostgreSQL, scraped by its chart's ServiceMonitor.",
    target_labels=_SERVICE_MONITOR,
)

REDIS_EXPORTER = MetricSource(
    name="redis-exporter",
    description="oliver006/redis_exporter next to CodeVerify's Redis (the job queue), scraped by its chart's ServiceMonitor.",
    target_labels=_SERVICE_MONITOR,
)

# The Probes of config.py: the operator labels each probe's series with the Probe's
# namespace, its jobName, the probed URL as instance, and its static labels (`service`,
# `health`: which Service and which of its health endpoints).
BLACKBOX_EXPORTER = MetricSource(
    name="blackbox-exporter",
    description=(
        "The prometheus-community blackbox exporter probing CodeVerify's /health/live and /health/ready "
        "through its Services, one Probe object per Service and endpoint (config.py PROBE_JOB)."
    ),
    target_labels=("job", "instance", "namespace", "service", "health"),
)

_SCRAPED = (CODEVERIFY, CADVISOR, KUBE_STATE_METRICS, POSTGRES_EXPORTER, REDIS_EXPORTER, BLACKBOX_EXPORTER)

# `up` is synthesised by Prometheus for *every* target, so it carries the target labels of
# whichever target it describes. We model it as its own source whose labels are the union
# of all scraped sources' target labels (rather than pretending it is a CodeVerify series):
# up{app="codeverify-worker"} (WorkerDown) and up{job="kubelet", node=...} are both valid.
PROMETHEUS = MetricSource(
    name="prometheus",
    description="Series Prometheus itself synthesises per scrape target (`up`); labels are the target's, so the union of all sources.",
    # Not cAdvisor's id/image/name: those are per-series labels of cAdvisor, not labels
    # of the kubelet target, so `up` never has them.
    target_labels=tuple(dict.fromkeys(
        label for s in _SCRAPED for label in s.target_labels if label not in _CADVISOR_SERIES_LABELS
    )),
)

SOURCES: tuple[MetricSource, ...] = _SCRAPED + (PROMETHEUS,)

_CV = CODEVERIFY.name

# --- label schema ----------------------------------------------------------------

# HTTP: the route template goes in `handler`, NOT `endpoint`. The ServiceMonitor attaches
# the target label `endpoint` (the scraped port's name, "http"); an application label
# `endpoint` would collide and Prometheus would rename ours to `exported_endpoint`.
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# `status` is the numeric HTTP status code as a string ("200", "503"); not enumerated
# because the set of codes is open, and queries match classes with status=~"5..".

# Outcome of an analysis run (operational, not the verdict on the user's code; the verdict
# is in codeverify_findings_total). passed = the analysis ran to completion; failed = it
# aborted (exception, timeout, verifier/LLM failure). "Analysis pass rate", the Analysis
# Success SLI (> 95 %) and HighAnalysisFailureRate all divide by these two values.
ANALYSIS_STATUSES = ("passed", "failed")
SEVERITIES = ("critical", "high", "medium", "low", "info")
# Outcome of one Z3 verification. verified (unsat: property holds) and falsified (sat:
# counterexample) are definitive answers; unknown, timeout and error are not.
VERIFICATION_RESULTS = ("verified", "falsified", "unknown", "timeout", "error")
LLM_STATUSES = ("success", "error")
# "none" on successful calls, so that status and error_type never contradict each other.
LLM_ERROR_TYPES = ("none", "timeout", "rate_limit", "auth", "bad_request", "server_error", "connection", "invalid_response")
LLM_TOKEN_TYPES = ("prompt", "completion")
DB_OPERATIONS = ("select", "insert", "update", "delete", "other")
RETRY_REASONS = ("timeout", "error", "worker_lost")

# --- buckets -----------------------------------------------------------------------

# 0.5 is the latency SLO (p95 < 500 ms), 2.0 the HighLatency threshold (p95 > 2 s): both
# are bucket bounds, so histogram_quantile need not interpolate across them.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
DB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Analyses take seconds to minutes (the guide's log example: 4.5 s).
ANALYSIS_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0)
VERIFICATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LLM_BUCKETS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
# The queue-wait SLO is p95 < 60 s; the client's default buckets stop at 10 s, so 60.0
# must be an explicit bound.
QUEUE_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)

# --- metrics ---------------------------------------------------------------------

METRICS: tuple[Metric, ...] = (
    # ---- CodeVerify API (guide table "API Metrics") ----
    Metric(
        "codeverify_http_requests_total", COUNTER,
        "Total number of HTTP requests the API has finished serving.",
        _CV, unit="requests", labels=("method", "handler", "status"),
        values={"method": HTTP_METHODS},
    ),
    Metric(
        "codeverify_http_request_duration_seconds", HISTOGRAM,
        "Time the API took to serve an HTTP request, from receipt to the last response byte.",
        _CV, unit="seconds", labels=("method", "handler"),
        values={"method": HTTP_METHODS}, buckets=HTTP_BUCKETS,
    ),
    Metric(
        "codeverify_http_requests_in_progress", GAUGE,
        "Number of HTTP requests the API is serving right now.",
        _CV, unit="requests", labels=("method", "handler"),
        values={"method": HTTP_METHODS},
    ),
    Metric(
        "codeverify_db_queries_total", COUNTER,
        "Total number of database queries issued.",
        _CV, unit="queries", labels=("operation",),
        values={"operation": DB_OPERATIONS},
    ),
    Metric(
        "codeverify_db_query_duration_seconds", HISTOGRAM,
        "Time a database query took, including waiting for the result.",
        _CV, unit="seconds", labels=("operation",),
        values={"operation": DB_OPERATIONS}, buckets=DB_BUCKETS,
    ),
    # Not in the guide's tables: alert DatabaseConnectionPoolExhausted needs it. Per process
    # (each pod has its own SQLAlchemy pool): connections the pool can still hand out.
    Metric(
        "codeverify_db_pool_available", GAUGE,
        "Number of database connections the pool can still hand out before callers must wait.",
        _CV, unit="connections",
    ),
    # Not in the guide's tables: gives codeverify_db_pool_available its scale on the
    # Infrastructure "DB pool available connections" panel.
    Metric(
        "codeverify_db_pool_size", GAUGE,
        "Maximum number of database connections the pool may hold, overflow included.",
        _CV, unit="connections",
    ),

    # ---- CodeVerify workers (guide table "Worker Metrics") ----
    # No `repository` label (the guide's "slow analyses" query groups by it): repositories
    # are unbounded; find slow analyses in logs and traces by analysis_id instead.
    Metric(
        "codeverify_analyses_total", COUNTER,
        "Total number of analyses that finished, by outcome.",
        _CV, unit="analyses", labels=("status",),
        values={"status": ANALYSIS_STATUSES},
    ),
    Metric(
        "codeverify_analyses_in_progress", GAUGE,
        "Number of analyses the worker is running right now.",
        _CV, unit="analyses",
    ),
    Metric(
        "codeverify_analysis_duration_seconds", HISTOGRAM,
        "Time an analysis took from start to finish, by outcome.",
        _CV, unit="seconds", labels=("status",),
        values={"status": ANALYSIS_STATUSES}, buckets=ANALYSIS_BUCKETS,
    ),
    Metric(
        "codeverify_findings_total", COUNTER,
        "Total number of findings reported by analyses, by severity.",
        _CV, unit="findings", labels=("severity",),
        values={"severity": SEVERITIES},
    ),
    # `result` is not in the guide: Worker Performance "Verification success rate" needs a
    # verification outcome. We put it on the histogram (its _count{result} is the counter)
    # instead of adding a separate codeverify_verifications_total.
    Metric(
        "codeverify_verification_duration_seconds", HISTOGRAM,
        "Time one Z3 verification took, by result.",
        _CV, unit="seconds", labels=("result",),
        values={"result": VERIFICATION_RESULTS}, buckets=VERIFICATION_BUCKETS,
    ),
    # provider and model are not enumerated: they change with configuration.
    Metric(
        "codeverify_llm_requests_total", COUNTER,
        "Total number of requests made to LLM APIs, by outcome.",
        _CV, unit="requests", labels=("provider", "model", "status", "error_type"),
        values={"status": LLM_STATUSES, "error_type": LLM_ERROR_TYPES},
    ),
    Metric(
        "codeverify_llm_tokens_total", COUNTER,
        "Total number of LLM tokens used, by token type.",
        _CV, unit="tokens", labels=("provider", "model", "type"),
        values={"type": LLM_TOKEN_TYPES},
    ),
    # Not in the guide's tables: Worker Performance "LLM API latency" needs it.
    Metric(
        "codeverify_llm_request_duration_seconds", HISTOGRAM,
        "Time an LLM API request took until the complete response arrived.",
        _CV, unit="seconds", labels=("provider", "model"), buckets=LLM_BUCKETS,
    ),

    # ---- CodeVerify queue (guide table "Queue Metrics") ----
    # Every API and worker pod exports the queue length it reads from Redis, so series are
    # duplicated per pod: aggregate with max by (namespace, queue), never sum.
    Metric(
        "codeverify_queue_length", GAUGE,
        "Number of jobs waiting in the queue.",
        _CV, unit="jobs", labels=("queue",),
    ),
    Metric(
        "codeverify_queue_latency_seconds", HISTOGRAM,
        "Time a job waited in the queue before a worker picked it up.",
        _CV, unit="seconds", labels=("queue",), buckets=QUEUE_BUCKETS,
    ),
    Metric(
        "codeverify_job_retries_total", COUNTER,
        "Total number of times a job was put back on the queue to be retried.",
        _CV, unit="jobs", labels=("queue", "reason"),
        values={"reason": RETRY_REASONS},
    ),

    # ---- Prometheus ----
    # WorkerDown counts worker targets; Infrastructure panels use it for scrape health.
    Metric(
        "up", GAUGE,
        "Whether the last scrape of the target succeeded (1) or failed (0).",
        PROMETHEUS.name, unit="",
    ),

    # ---- blackbox exporter (alerts/probes.py, Overview "Health checks") ----
    Metric(
        "probe_success", GAUGE,
        "Whether the probe of the health endpoint succeeded (1) or failed (0).",
        BLACKBOX_EXPORTER.name, unit="",
    ),
    Metric(
        "probe_duration_seconds", GAUGE,
        "How long the probe took to complete, in seconds.",
        BLACKBOX_EXPORTER.name, unit="seconds",
        lint_ignore={"catalog/unused-metric": "read by runbooks/health-check-failing.md's first queries: "
                     "a slow health endpoint is diagnosis, not a page"},
    ),
    Metric(
        "probe_http_status_code", GAUGE,
        "The HTTP status code of the probe's response; 0 when none arrived.",
        BLACKBOX_EXPORTER.name, unit="",
        lint_ignore={"catalog/unused-metric": "read by runbooks/health-check-failing.md's first queries: "
                     "which status a failing probe got"},
    ),

    # ---- cAdvisor (Infrastructure "CPU/Memory utilization", guide's memory query) ----
    # The kubelet collects no per-CPU usage, so `cpu` is always "total".
    Metric(
        "container_cpu_usage_seconds_total", COUNTER,
        "Cumulative CPU time the container consumed, in seconds.",
        CADVISOR.name, unit="seconds", labels=("cpu",),
    ),
    Metric(
        "container_memory_working_set_bytes", GAUGE,
        "Current working set of the container: the memory the OOM killer looks at.",
        CADVISOR.name, unit="bytes",
    ),
    Metric(
        "container_spec_memory_limit_bytes", GAUGE,
        "Memory limit of the container; 0 when it has none.",
        CADVISOR.name, unit="bytes",
    ),

    # ---- kube-state-metrics (Infrastructure "Pod restarts", CPU utilization vs limit) ----
    Metric(
        "kube_pod_container_status_restarts_total", COUNTER,
        "Number of times the container has been restarted.",
        KUBE_STATE_METRICS.name, unit="restarts", labels=("uid",),
    ),
    # resource is open (extended resources such as nvidia_com_gpu); unit is a closed set.
    Metric(
        "kube_pod_container_resource_limits", GAUGE,
        "Resource limit the container requested, in the unit named by the unit label.",
        KUBE_STATE_METRICS.name, labels=("uid", "node", "resource", "unit"),
        values={"unit": ("core", "byte", "integer")},
    ),

    # ---- postgres_exporter (Infrastructure "Database connections") ----
    Metric(
        "pg_stat_database_numbackends", GAUGE,
        "Number of backends currently connected to the database.",
        POSTGRES_EXPORTER.name, unit="connections", labels=("datid", "datname"),
    ),
    Metric(
        "pg_settings_max_connections", GAUGE,
        "The server's max_connections setting.",
        POSTGRES_EXPORTER.name, unit="connections",
    ),
    Metric(
        "pg_stat_activity_count", GAUGE,
        "Number of connections to the database in each state.",
        POSTGRES_EXPORTER.name, unit="connections", labels=("datname", "state"),
        values={"state": ("active", "idle", "idle in transaction", "idle in transaction (aborted)", "fastpath function call", "disabled")},
    ),

    # ---- redis_exporter (Infrastructure "Redis operations") ----
    Metric(
        "redis_commands_processed_total", COUNTER,
        "Total number of commands the Redis server has processed.",
        REDIS_EXPORTER.name, unit="commands",
    ),
    Metric(
        "redis_commands_total", COUNTER,
        "Total number of calls per Redis command.",
        REDIS_EXPORTER.name, unit="commands", labels=("cmd",),
    ),
    Metric(
        "redis_connected_clients", GAUGE,
        "Number of client connections to the Redis server.",
        REDIS_EXPORTER.name, unit="connections",
    ),
    Metric(
        "redis_memory_used_bytes", GAUGE,
        "Memory the Redis server has allocated, in bytes.",
        REDIS_EXPORTER.name, unit="bytes",
    ),
)

# --- logs ------------------------------------------------------------------------

# The stream labels promtail attaches: the relabelling of the guide's loki-values.yaml
# copies the pod's namespace, name and `app` label. Nothing else (no job, no container).
PROMTAIL_LABELS = ("namespace", "pod", "app")
# The keys of every CodeVerify log line (the guide's "Log Format": structured JSON).
_EVERY_LINE = ("timestamp", "level", "logger", "message", "trace_id")
# The guide's example line comes from the API (logger codeverify.api) reporting an analysis.
_ANALYSIS = ("analysis_id", "duration_ms", "findings_count")

LOGS: tuple[LogStream, ...] = (
    LogStream(
        config.API_APP,
        "The API's JSON log lines; request lines carry duration_ms (the guide's slow-request query).",
        PROMTAIL_LABELS, _EVERY_LINE + _ANALYSIS,
    ),
    LogStream(
        config.WORKER_APP,
        "The workers' JSON log lines; a finished analysis logs its `status`, a failed one its "
        "`error_message` (the fields the guide's analysis-failures query reads).",
        PROMTAIL_LABELS, _EVERY_LINE + _ANALYSIS + ("status", "error_message"),
    ),
)
