"""The target labels each scrape attaches to a series, per catalog source.

Alert scenarios (alerts/*.py) and the simulator (compiler/proving/simulate.py) both build
their series from these, so that a rule is tested with the labels Prometheus really
stores: prometheus-operator gives every ServiceMonitor target job (the Service
name), instance (pod IP and port), namespace, service, endpoint (the port *name*),
pod and container, plus the pod labels listed in `podTargetLabels` (our `app`).
Names that the cluster decides (pod hashes, IPs, exporter Service names) are
plausible kube-prometheus-stack / Bitnami chart defaults; no query depends on them.
"""
from __future__ import annotations

from ..conventions import le

# ReplicaSet pod-name suffixes, so that pod names look like the real thing.
_SUFFIXES = ("7xk2p", "b9q4m", "c3n8d", "f5t1w", "h2r6z", "k8v3j", "m4p9s", "q6w2e")
_HASH = {"api": "6d9f8b7c5d", "worker": "5b7c9d8f6a"}
_SUBNET = {"api": 1, "worker": 2}
APP_PORT = 8000  # the guide's container port for /metrics and the probes


def pod_name(app: str, index: int) -> str:
    short = app.rsplit("-", 1)[-1]
    return f"{app}-{_HASH.get(short, '7f8e9d6c5b')}-{_SUFFIXES[index % len(_SUFFIXES)]}"


def codeverify(config, app: str, index: int) -> dict[str, str]:
    """Target labels of pod `index` of a CodeVerify Deployment (`config.API_APP` or `config.WORKER_APP`).

    The Service is named like the app label; the container is `api` / `worker` (the guide's Deployment).
    """
    short = app.rsplit("-", 1)[-1]
    return {
        "app": app,
        "container": short,
        "endpoint": config.METRICS_PORT,
        "instance": f"10.42.{_SUBNET.get(short, 3)}.{10 + index}:{APP_PORT}",
        "job": app,
        "namespace": config.APP_NAMESPACE,
        "pod": pod_name(app, index),
        "service": app,
    }


def api(config, index: int) -> dict[str, str]:
    return codeverify(config, config.API_APP, index)


def worker(config, index: int) -> dict[str, str]:
    return codeverify(config, config.WORKER_APP, index)


def cadvisor(node_index: int) -> dict[str, str]:
    """Target labels of a kubelet's cAdvisor endpoint (kube-prometheus-stack's kubelet ServiceMonitor).

    cAdvisor's own namespace/pod/container/id/image/name are per series: see `cadvisor_container`.
    """
    return {
        "endpoint": "https-metrics",
        "instance": f"192.168.10.{11 + node_index}:10250",
        "job": "kubelet",
        "metrics_path": "/metrics/cadvisor",
        "node": f"node-{node_index + 1}",
        "service": "prometheus-kube-prometheus-kubelet",
    }


def cadvisor_container(node_index: int, namespace: str, pod: str, container: str) -> dict[str, str]:
    """A cAdvisor series of one container: the kubelet target plus the cgroup's own labels."""
    uid = f"{abs(hash_str(pod)) % 10**12:012d}"
    return {
        **cadvisor(node_index),
        "container": container,
        "id": f"/kubepods/burstable/pod{uid}/{container}",
        "image": f"registry.example.com/codeverify/{container}:1.4.2",
        "name": f"k8s_{container}_{pod}_{namespace}_{uid}_0",
        "namespace": namespace,
        "pod": pod,
    }


def kube_state_metrics(namespace: str, pod: str, container: str) -> dict[str, str]:
    """kube-state-metrics labels of an object (honorLabels: the object's namespace/pod/container win)."""
    return {
        "container": container,
        "endpoint": "http",
        "instance": "10.42.0.5:8080",
        "job": "kube-state-metrics",
        "namespace": namespace,
        "pod": pod,
        "service": "prometheus-kube-state-metrics",
    }


def exporter(config, name: str, port: int) -> dict[str, str]:
    """A Bitnami chart's metrics sidecar (`postgresql`, `redis`) next to CodeVerify.

    The job (the metrics Service's name) is config.py's `POSTGRES_EXPORTER_JOB` / `REDIS_EXPORTER_JOB`.
    """
    setting = {"postgresql": "POSTGRES_EXPORTER_JOB", "redis": "REDIS_EXPORTER_JOB"}.get(name, "")
    service = getattr(config, setting, None) or f"codeverify-{name}-metrics"
    return {
        "container": "metrics",
        "endpoint": "http-metrics",
        "instance": f"10.42.4.{20 + len(name)}:{port}",
        "job": service,
        "namespace": config.APP_NAMESPACE,
        "pod": f"codeverify-{name}-0",
        "service": service,
    }


def probe(config, service: str, health: str) -> dict[str, str]:
    """Labels of the series of the Probe of `service`'s health endpoint `health` (config.HEALTH_ENDPOINTS)."""
    return {
        "health": health,
        "instance": probe_url(config, service, health),
        "job": config.PROBE_JOB,
        "namespace": config.APP_NAMESPACE,
        "service": service,
    }


def probe_url(config, service: str, health: str) -> str:
    """The URL the blackbox exporter asks: the Service's DNS name, the app port, the endpoint."""
    return f"http://{service}.{config.APP_NAMESPACE}.svc:{config.APP_PORT}{config.HEALTH_ENDPOINTS[health]}"


def selector(name: str, labels: dict[str, str], sep: str = ", ") -> str:
    """`name{a="1", b="2"}` with sorted labels: a scenario's series key (OpenMetrics wants `sep=","`)."""
    body = sep.join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{body}}}"


def series(name: str, target: dict[str, str], **labels: str) -> str:
    """The selector of one series of `target` with the metric's own `labels`."""
    return selector(name, {**target, **labels})


def histogram_buckets(name: str, target: dict[str, str], bounds, per_step, steps: int, **labels: str) -> dict[str, str]:
    """Scenario series of a histogram's buckets and count, growing linearly.

    `per_step[i]` is the cumulative count added per sample to bucket `bounds[i]`;
    its last entry is the `+Inf` bucket (and `_count`). Values are promtool
    expressions `0+NxSTEPS`.
    """
    if len(per_step) != len(bounds) + 1 or list(per_step) != sorted(per_step):
        raise ValueError("per_step needs one non-decreasing count per bound plus +Inf")
    out = {
        series(f"{name}_bucket", target, le=le(b), **labels): f"0+{n}x{steps}"
        for b, n in zip(tuple(bounds) + (float("inf"),), per_step)
    }
    out[series(f"{name}_count", target, **labels)] = f"0+{per_step[-1]}x{steps}"
    return out


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def hash_str(text: str) -> int:
    """A stable hash (Python's hash() is salted per process)."""
    h = 0
    for ch in text.encode():
        h = (h * 131 + ch) % (1 << 61)
    return h
