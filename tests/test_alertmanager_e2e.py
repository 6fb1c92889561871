"""Inhibition on a real Alertmanager (Debian's prometheus-alertmanager) running out/'s config.

The test starts it on 127.0.0.1 with a free port, a temporary data dir and clustering off,
posts alerts with the labels our rules really carry to /api/v2/alerts, reads back each
alert's `status.inhibitedBy`, and stops the process by its pid.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from compiler import pipeline
from compiler.load import load
from compiler.model import AlertRule
from compiler.routing import alert_labels
from conftest import ROOT

pytestmark = pytest.mark.e2e

PLAIN = os.path.join(ROOT, "out", "alertmanager", "alertmanager.yaml")
# Waiting for Alertmanager to start and to see the alerts we posted: a limit, not a measurement.
PATIENCE_SECONDS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, data=None):
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        text = resp.read()
    return json.loads(text) if text.strip().startswith((b"[", b"{")) else text


@pytest.fixture(scope="module")
def alertmanager(alertmanager_bin, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("alertmanager")
    port = free_port()
    log = open(tmp / "alertmanager.log", "w")
    proc = subprocess.Popen(
        [alertmanager_bin, f"--config.file={PLAIN}", f"--storage.path={tmp / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"alertmanager exited with {proc.returncode}: {(tmp / 'alertmanager.log').read_text()}")
            try:
                http(url + "/-/ready")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail("alertmanager did not become ready: " + (tmp / "alertmanager.log").read_text())
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


PROJECT = load(ROOT)
pipeline.expand(PROJECT)  # the SLOs' burn-rate alerts
FIRING = {r.name: alert_labels(r, PROJECT) for g in PROJECT.all_groups() for r in g.rules if isinstance(r, AlertRule)}


def slo_alert(slo: str, severity: str) -> dict:
    """The labels an SLO's generated burn-rate alert carries when it fires (slo, service, severity, namespace)."""
    name = next(r.name for g in PROJECT.slo_groups for r in g.rules
                if isinstance(r, AlertRule) and r.labels.get("slo") == slo and r.severity == severity)
    return FIRING[name]


# name -> (labels, the name of the alert expected to inhibit it, or None)
CASES = {
    "worker-down": (FIRING["WorkerDown"], None),
    "queue-backlog": (FIRING["QueueBacklog"], "worker-down"),
    "queue-backlog-elsewhere": ({**FIRING["QueueBacklog"], "namespace": "staging"}, None),
    "availability-page": (slo_alert("availability", "critical"), None),
    "availability-ticket": (slo_alert("availability", "warning"), "availability-page"),
    "latency-ticket": (slo_alert("latency", "warning"), None),
    # A page without `slo` must not mute a ticket without `slo` (missing labels are equal).
    "high-error-rate": (FIRING["HighErrorRate"], None),
    "high-latency": (FIRING["HighLatency"], None),
    # A service down mutes its own health checks and SLI-absent tickets (each by its own
    # rule: the worker's check by worker-down, firing above, not by api-down).
    "api-down": (FIRING["APIDown"], None),
    "api-health-check": ({**FIRING["HealthCheckFailing"], "service": "codeverify-api", "health": "ready"}, "api-down"),
    "latency-sli-absent": (FIRING["LatencySLIAbsent"], "api-down"),
    "worker-health-check": ({**FIRING["HealthCheckFailing"], "service": "codeverify-worker", "health": "live"},
                            "worker-down"),
    "api-health-check-elsewhere": ({**FIRING["HealthCheckFailing"], "service": "codeverify-api", "health": "live",
                                   "namespace": "staging"}, None),
}


@pytest.fixture(scope="module")
def statuses(alertmanager):
    http(alertmanager + "/api/v2/alerts", [{"labels": labels} for labels, _ in CASES.values()])
    fingerprints: dict[str, str] = {}
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        alerts = http(alertmanager + "/api/v2/alerts")
        by_labels = {json.dumps(a["labels"], sort_keys=True): a for a in alerts}
        found = {name: by_labels.get(json.dumps(labels, sort_keys=True)) for name, (labels, _) in CASES.items()}
        fingerprints = {name: a["fingerprint"] for name, a in found.items() if a}
        # The inhibitor learns of source alerts asynchronously: wait until every expected
        # inhibition shows, or give up and let the assertions report what we saw.
        settled = len(fingerprints) == len(CASES) and all(
            found[name]["status"]["inhibitedBy"] for name, (_, by) in CASES.items() if by)
        if settled or time.monotonic() > deadline:
            return {name: (a["status"] if a else None) for name, a in found.items()}, fingerprints
        time.sleep(0.2)


@pytest.mark.parametrize("name", sorted(CASES))
def test_inhibition_on_a_real_alertmanager(statuses, name):
    status, fingerprints = statuses
    assert status[name] is not None, f"alert {name} was not accepted"
    expected_by = CASES[name][1]
    if expected_by is None:
        assert status[name]["inhibitedBy"] == [] and status[name]["state"] == "active", status[name]
    else:
        assert status[name]["inhibitedBy"] == [fingerprints[expected_by]], status[name]
        assert status[name]["state"] == "suppressed"
