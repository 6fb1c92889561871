"""A Probe object (monitoring.coreos.com/v1) as the scrape job prometheus-operator makes of it.

The operator turns a Probe with static targets into one scrape job: path and module
from the Probe, each target passed to the prober as `target`, `instance` the target,
the Probe's namespace and static labels on every series, and `job` its jobName
(prometheus-operator pkg/prometheus/promcfg.go, generateProbeConfig). The probe test
(tests/test_probe_e2e.py) scrapes a real blackbox exporter with this job, so what it
proves holds for what the cluster's Prometheus will run.
"""
from __future__ import annotations


def scrape_config(probe: dict, prober: str | None = None, targets: list[str] | None = None,
                  interval: str | None = None) -> dict:
    """The Prometheus scrape config of `probe`; `prober`, `targets` and `interval` replace the Probe's (tests)."""
    spec, meta = probe["spec"], probe["metadata"]
    static = spec["targets"]["staticConfig"]
    relabel = [
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"source_labels": ["__param_target"], "target_label": "instance"},
        {"target_label": "__address__", "replacement": prober or spec["prober"]["url"]},
    ]
    if spec.get("jobName"):
        relabel.append({"target_label": "job", "replacement": spec["jobName"]})
    return {
        "job_name": f"probe/{meta['namespace']}/{meta['name']}",
        "metrics_path": spec["prober"].get("path", "/probe"),
        "scheme": spec["prober"].get("scheme", "http"),
        "scrape_interval": interval or spec.get("interval", "30s"),
        "params": {"module": [spec["module"]]},
        "static_configs": [{
            "targets": list(targets if targets is not None else static["static"]),
            "labels": {"namespace": meta["namespace"], **static.get("labels", {})},
        }],
        "relabel_configs": relabel,
    }
