"""Shared facts of the CodeVerify monitoring setup (kubernetes-mixin's config.libsonnet).

Definitions read these instead of repeating literals, so that a change of
namespace, job name or scrape interval is one edit here.
"""

from compiler.model import BurnRateWindow

# Kubernetes: where the generated objects go, and the labels kube-prometheus-stack selects.
NAMESPACE = "monitoring"
# Namespace CodeVerify's own pods run in (the guide's memory query uses it).
APP_NAMESPACE = "codeverify"
# The guide installs kube-prometheus-stack as release `prometheus`; its default
# ruleSelector and serviceMonitorSelector match `release: prometheus`.
RELEASE_LABEL = {"release": "prometheus"}
COMMON_LABELS = {"app": "codeverify"}
# The Grafana chart's dashboard sidecar picks up ConfigMaps with this label, and
# files them into the folder named by this annotation.
DASHBOARD_LABEL = {"grafana_dashboard": "1"}
DASHBOARD_FOLDER_ANNOTATION = "grafana_folder"
DASHBOARD_FOLDER = "CodeVerify"

# Scrape: the ServiceMonitor's interval. Rate windows must cover at least two scrapes.
SCRAPE_INTERVAL = "30s"
# Pods carry `app: codeverify-api` / `app: codeverify-worker` (the guide's scrape
# configs keep targets on that pod label); the ServiceMonitor copies it onto every
# series so that `up{app="codeverify-worker"}` exists.
API_APP = "codeverify-api"
WORKER_APP = "codeverify-worker"
METRICS_PORT = "http"
METRICS_PATH = "/metrics"

# Selectors shared by queries.
API_SELECTOR = f'app="{API_APP}"'
WORKER_SELECTOR = f'app="{WORKER_APP}"'
APP_NAMESPACE_SELECTOR = f'namespace="{APP_NAMESPACE}"'

# Grafana.
PROMETHEUS_DATASOURCE_VAR = "datasource"
LOKI_DATASOURCE_VAR = "loki"
DASHBOARD_TAGS = ("codeverify",)

# The Prometheus version whose PromQL the linter and the emitted rules target
# (Debian bookworm's `prometheus` package, which CI runs).
PROMETHEUS_VERSION = "2.42.0"

# Alerting.
SEVERITIES = ("critical", "warning", "info")
# runbook_url = RUNBOOK_BASE_URL/<slug>.md. The files are this project's runbooks/; the
# project sits at deploy/monitoring/ of the CodeVerify repository (the guide's layout), so
# runbooks/ is deploy/monitoring/runbooks/ there. Change this if the project moves.
RUNBOOK_BASE_URL = "https://github.com/codeverify/codeverify/blob/main/deploy/monitoring/runbooks"
RULES_NAME = "codeverify-alerts"

# Thresholds stated by the guide, shared by the alerts (alerts/) and the dashboards'
# threshold lines, so that a panel turns red where the alert fires.
ERROR_RATE_ALERT = 0.05  # HighErrorRate: 5xx share of API requests > 5 %
LATENCY_P95_ALERT_SECONDS = 2  # HighLatency: p95 > 2 s (a bucket boundary of the HTTP histogram)
LATENCY_P95_SLO_SECONDS = 0.5  # SLO: p95 request latency < 500 ms
QUEUE_BACKLOG_JOBS = 100  # QueueBacklog: queue length > 100
QUEUE_WAIT_SLO_SECONDS = 60  # SLO: p95 time in queue < 60 s
ANALYSIS_FAILURE_ALERT = 0.1  # HighAnalysisFailureRate: failed share > 10 %
ANALYSIS_PASS_SLO = 0.95  # SLO: passed share > 95 %
DB_POOL_MIN_AVAILABLE = 5  # DatabaseConnectionPoolExhausted: available < 5
MIN_WORKERS = 2  # WorkerDown: fewer than 2 worker targets up
# Not in the guide (it names the runbook only): HighLLMErrorRate, failed share of LLM requests
# per provider > 10 % over 10 minutes, counted once a provider saw at least 20 requests.
LLM_ERROR_RATE_ALERT = 0.1
LLM_MIN_REQUESTS = 20

# Alert routing (alerts/routing.py, out/alertmanagerconfig-*.yaml, out/alertmanager/).
# The AlertmanagerConfig lives in the app namespace: the operator only routes alerts whose
# `namespace` label equals the object's namespace, and every CodeVerify alert carries
# namespace=APP_NAMESPACE (see README "Alert routing").
ALERTMANAGER_CONFIG_NAME = "codeverify"
ALERTMANAGER_CONFIG_NAMESPACE = APP_NAMESPACE
# The Secret (in ALERTMANAGER_CONFIG_NAMESPACE) holding the notification credentials; the
# build never sees their values. Create it with kubectl (README).
ALERTMANAGER_SECRET = "codeverify-alertmanager"
PAGERDUTY_ROUTING_KEY_KEY = "pagerduty-routing-key"  # PagerDuty Events API v2 integration key
SLACK_WEBHOOK_URL_KEY = "slack-webhook-url"  # Slack incoming-webhook URL
# Plain alertmanager.yaml reads the same values from files: <dir>/<key>. This is where the
# prometheus-operator mounts an Alertmanager's `secrets:` (and where a Secret volume fits).
ALERTMANAGER_SECRETS_DIR = f"/etc/alertmanager/secrets/{ALERTMANAGER_SECRET}"
SLACK_CHANNEL = "#codeverify-alerts"

# SLOs (slo/): the PrometheusRule holding their recording rules and burn-rate alerts.
SLO_RULES_NAME = "codeverify-slos"
SLO_DASHBOARD_UID = "codeverify-slos"
# Multi-window multi-burn-rate alerts, from the Google SRE workbook ("Alerting on SLOs",
# table 5-8). Each row alerts when both windows burn faster than the rate that would
# spend `budget_share` of the period's error budget within the long window; that rate
# is budget_share * period / long: 14.4, 6, 3 and 1 for a 30-day period. The short
# window (1/12 of the long one) makes the alert resolve soon after the burn stops.
# Only change these windows when you understand the detection-time / precision trade-off.
SLO_BURN_RATE_WINDOWS = (
    BurnRateWindow("critical", long="1h", short="5m", budget_share=0.02),
    BurnRateWindow("critical", long="6h", short="30m", budget_share=0.05),
    BurnRateWindow("warning", long="1d", short="2h", budget_share=0.10),
    BurnRateWindow("warning", long="3d", short="6h", budget_share=0.10),
)
# `for` of the page (critical) and ticket (warning) alert: rides over a single bad
# evaluation (e.g. right after a counter reset) without delaying a real page much.
SLO_ALERT_FOR = {"critical": "2m", "warning": "15m"}
# Low-traffic guard: a burn-rate alert needs at least this many bad events in its long
# window. At 12 requests an hour, one failed request is a 1/12 error ratio, an 83x burn of
# a 99.9 % SLO: without the guard it pages. Each SLO may set its own `min_bad_events`.
SLO_MIN_BAD_EVENTS = 10

# Lint policy (`build.py lint`, docs/lint.md). Per path glob, in order (a later match wins):
# {rule id or family `alerts/*` or "*": "error" | "warning" | "off"}. The command line's
# --disable/--severity override these for every file.
LINT_RULES: dict = {
    # e.g. "vendor/**": {"alerts/runbook": "off", "alerts/severity": "warning"},
}
# House rules: what alerts/annotations requires, where alerts/runbook looks (SEVERITIES above
# is what alerts/severity allows).
LINT_REQUIRED_ANNOTATIONS = ("summary", "description")
LINT_RUNBOOK_ANNOTATION = "runbook_url"
# Metric names the catalog speaks for: in other people's files, a missing metric with this
# prefix is an error; any other unknown name is only counted (--catalog-strict: all errors).
LINT_CATALOG_NAMESPACES = ("codeverify_",)
# The shared exporters' series (up, cAdvisor, kube-state-metrics, postgres, redis) carry the
# catalog's labels only where a selector picks CodeVerify's scrapes: one of these matchers
# (source name -> {label: values}). A foreign `up{tier="lb"}` is someone else's scrape.
_OURS = {"namespace": (APP_NAMESPACE,), "app": (API_APP, WORKER_APP)}
LINT_KNOWN_SCRAPES = {
    "prometheus": _OURS,
    "cadvisor": _OURS,
    "kube-state-metrics": _OURS,
    "postgres-exporter": _OURS,
    "redis-exporter": _OURS,
}

# Installations: the label that tells clusters apart (kubernetes-mixin's `clusterLabel`).
# Thanos, Mimir or a federating Prometheus adds it to every series (an external label);
# a single Prometheus has no such label, and a matcher `cluster=~".*"` still selects its
# series (the dashboards' "All").
CLUSTER_LABEL = "cluster"
# Whether dashboards show the cluster dropdown: with one cluster it only takes room.
MULTI_CLUSTER = False

# The dashboards' filter variables: each narrows every query to the chosen installations.
NAMESPACE_VAR = "namespace"
CLUSTER_VAR = "cluster"

# Traces: Tempo receives CodeVerify's OpenTelemetry spans (the guide's Tracing). Every log
# line carries the trace's id in this JSON field, and exemplars on the latency histograms
# carry it under this label name (the Python client's `exemplar={"trace_id": ...}`).
TRACE_ID_FIELD = "trace_id"
TEMPO_DATASOURCE_VAR = "tempo"
# The Grafana datasources out/helm/kube-prometheus-stack-values.yaml provisions. The uids
# are what derived fields and exemplar links point at; "prometheus" is the uid
# kube-prometheus-stack gives its own Prometheus datasource.
DATASOURCE_UIDS = {"prometheus": "prometheus", "loki": "loki", "tempo": "tempo"}
# The services of the guide's `loki` and `tempo` Helm releases in NAMESPACE (both charts
# serve their HTTP API on port 3100).
LOKI_URL = "http://loki.monitoring.svc:3100"
TEMPO_URL = "http://tempo.monitoring.svc:3100"

# The exporters next to CodeVerify's PostgreSQL and Redis (Bitnami charts' metrics
# sidecars): their ServiceMonitors name the job after the metrics Service.
POSTGRES_EXPORTER_JOB = "codeverify-postgresql-metrics"
REDIS_EXPORTER_JOB = "codeverify-redis-metrics"
POSTGRES_EXPORTER_SELECTOR = f'{APP_NAMESPACE_SELECTOR}, job="{POSTGRES_EXPORTER_JOB}"'

# The series-vanish check (compiler/proving/vanish.py): when an alert's input series stop
# (all of them, or those of one source: API pods, worker pods, an exporter), the alert or
# one of its `covered_by` alerts must fire within VANISH_DEADLINE of the last scrape.
# Losing every API pod is CodeVerify down: a critical alert must fire within
# VANISH_PAGE_DEADLINE (APIDown's `for` of 3m plus an evaluation or two).
VANISH_DEADLINE = "15m"
VANISH_PAGE_DEADLINE = "5m"
# An SLO's SLI-absent alert (compiler/slo/rules.py) fires when the series its SLI counts
# have not existed for this long: rides over a rolling update, well inside VANISH_DEADLINE.
SLO_ABSENT_FOR = "10m"

# Health endpoints probed from outside (out/probe-*.yaml, alerts/probes.py): a Probe
# (monitoring.coreos.com/v1) per CodeVerify Service and endpoint, through the blackbox
# exporter of the prometheus-community/prometheus-blackbox-exporter chart, installed as
# release `prometheus-blackbox-exporter` in the monitoring namespace (its Service, port 9115).
# The chart's default config has module `http_2xx` (prober http, 2xx is success).
BLACKBOX_EXPORTER_URL = f"prometheus-blackbox-exporter.{NAMESPACE}.svc:9115"
BLACKBOX_MODULE = "http_2xx"
# The Probes' `jobName`: the `job` label of every probe series.
PROBE_JOB = "codeverify-health"
PROBE_INTERVAL = "30s"
# The guide's health endpoints (Health Checks), on the container port every Service maps.
HEALTH_ENDPOINTS = {"live": "/health/live", "ready": "/health/ready"}
PROBED_SERVICES = (API_APP, WORKER_APP)
APP_PORT = 8000
