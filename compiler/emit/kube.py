"""Kubernetes objects for kube-prometheus-stack: PrometheusRule, dashboard ConfigMaps, ServiceMonitor, Probes."""
from __future__ import annotations

from ..write import JsonBlock

# Client-side `kubectl apply` stores the whole object in the
# kubectl.kubernetes.io/last-applied-configuration annotation, and annotations
# may hold at most 256 KiB in total.
ANNOTATION_LIMIT = 262144


def _meta(name: str, config, labels: dict, annotations: dict | None = None) -> dict:
    meta = {"name": name, "namespace": config.NAMESPACE, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def prometheus_rule(name: str, groups: list[dict], config) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": _meta(name, config, {**config.COMMON_LABELS, **config.RELEASE_LABEL}),
        "spec": {"groups": groups},
    }


def dashboard_configmap(uid: str, dashboard_json: JsonBlock, folder: str, config) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(
            f"grafana-dashboard-{uid}",
            config,
            {**config.COMMON_LABELS, **config.DASHBOARD_LABEL},
            {config.DASHBOARD_FOLDER_ANNOTATION: folder},
        ),
        "data": {f"{uid}.json": dashboard_json},
    }


def service_monitor(config) -> dict:
    """The guide's ServiceMonitor, made to select what it must and label what alerts rely on."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        # The guide's Prometheus values select ServiceMonitors by `app: codeverify`;
        # the chart's default selector is `release: prometheus`. Carry both.
        "metadata": _meta("codeverify", config, {**config.COMMON_LABELS, **config.RELEASE_LABEL}),
        "spec": {
            # The guide's selector `app: codeverify` matches neither the API's nor the
            # worker's Service (their pods are `app: codeverify-api` / `codeverify-worker`).
            "selector": {
                "matchExpressions": [
                    {"key": "app", "operator": "In", "values": [config.API_APP, config.WORKER_APP]}
                ]
            },
            # The ServiceMonitor lives in the monitoring namespace; without this it
            # would only look for Services there.
            "namespaceSelector": {"matchNames": [config.APP_NAMESPACE]},
            # Copies the pod label `app` onto every series, so `up{app="codeverify-worker"}` exists.
            "podTargetLabels": ["app"],
            "endpoints": [
                {"port": config.METRICS_PORT, "path": config.METRICS_PATH, "interval": config.SCRAPE_INTERVAL}
            ],
        },
    }


def probes(config) -> dict[str, dict]:
    """A Probe per CodeVerify Service and health endpoint (config.PROBED_SERVICES x HEALTH_ENDPOINTS), by name.

    In the app namespace: the operator labels probe series with the Probe's namespace,
    the label our alerts route by. `jobName` makes `job` the same for all of them; the
    static labels say which Service and endpoint a series is about (the instance is the URL).
    """
    from ..proving import scrape  # the labels the scenarios and the simulator give probe series

    out = {}
    for service in config.PROBED_SERVICES:
        for health in config.HEALTH_ENDPOINTS:
            name = f"{service}-{health}"
            out[name] = {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "Probe",
                "metadata": {
                    "name": name,
                    "namespace": config.APP_NAMESPACE,
                    "labels": {**config.COMMON_LABELS, **config.RELEASE_LABEL},
                },
                "spec": {
                    "jobName": config.PROBE_JOB,
                    "interval": config.PROBE_INTERVAL,
                    "module": config.BLACKBOX_MODULE,
                    "prober": {"url": config.BLACKBOX_EXPORTER_URL, "path": "/probe"},
                    "targets": {"staticConfig": {
                        "static": [scrape.probe_url(config, service, health)],
                        "labels": {"service": service, "health": health},
                    }},
                },
            }
    return out
