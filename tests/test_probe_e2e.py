"""The health probes for real: Debian's blackbox exporter, a real Prometheus, our Probe objects and alerts.

A small HTTP server plays CodeVerify's Services: it answers /health/live and /health/ready
with 200, then with 503. The blackbox exporter runs with the module config.py names (as
the prometheus-community chart defines it); Prometheus scrapes it with the job the
operator makes of each generated Probe (compiler/proving/probes.py), targets pointed at
the small server, and evaluates the generated probe alerts. HealthCheckFailing must go
pending, then firing, with the Service and endpoint as labels. The alerts' `for` is cut to
seconds in a copy of the rule file: the real `for` is proven by the promtool scenarios.
Everything listens on 127.0.0.1 on free ports and is stopped by pid.
"""
from __future__ import annotations

import contextlib
import http.server
import os
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest
import yaml

from compiler import pipeline
from compiler.emit import kube
from compiler.load import load
from compiler.proving import probes, verify
from conftest import ROOT, need_tool

pytestmark = pytest.mark.e2e

PROJECT = load(ROOT)
CONFIG = PROJECT.config
FOR = "4s"
# The chart's default http_2xx module (prometheus-community/prometheus-blackbox-exporter values.yaml).
CHART_MODULES = {CONFIG.BLACKBOX_MODULE: {
    "prober": "http", "timeout": "5s",
    "http": {"valid_http_versions": ["HTTP/1.1", "HTTP/2.0"], "follow_redirects": True,
             "preferred_ip_protocol": "ip4"},
}}


@pytest.fixture(scope="module")
def blackbox_bin() -> str:
    return need_tool("prometheus-blackbox-exporter", "prometheus-blackbox-exporter")


class Health:
    """The status every health endpoint answers with."""
    status = 200


@contextlib.contextmanager
def codeverify_services():
    paths = set(CONFIG.HEALTH_ENDPOINTS.values())

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # the chart's module accepts HTTP/1.1 and 2 only, as real servers speak

        def do_GET(self):  # noqa: N802 (http.server's name)
            code = Health.status if self.path in paths else 404
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def blackbox(binary: str, workdir: str):
    path = os.path.join(workdir, "blackbox.yml")
    with open(path, "w") as fh:
        yaml.safe_dump({"modules": CHART_MODULES}, fh)
    address = f"127.0.0.1:{verify.free_port()}"
    log = open(os.path.join(workdir, "blackbox.log"), "w")
    proc = subprocess.Popen([binary, f"--config.file={path}", f"--web.listen-address={address}"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, open(os.path.join(workdir, "blackbox.log")).read()
            try:
                with urllib.request.urlopen(f"http://{address}/metrics", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the blackbox exporter did not start"
                time.sleep(0.2)
        yield address
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _local(url: str, server: str) -> str:
    """The Probe's target URL with the small server in place of the Service's DNS name and port."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, server, parts.path, "", ""))


def _rule_file(workdir: str) -> str:
    """The generated probe alerts, `for` cut to seconds."""
    result = pipeline.build(ROOT, fork=False)
    data = yaml.safe_load(result.files["prometheus/codeverify-probes.rules.yaml"])
    for group in data["groups"]:
        for rule in group["rules"]:
            rule["for"] = FOR
    path = os.path.join(workdir, "probes.rules.yaml")
    with open(path, "w") as fh:
        yaml.safe_dump(data, fh)
    return path


def _alerts(url: str) -> list[dict]:
    return verify.api(url, "/api/v1/alerts")["alerts"]


def _wait(what: str, check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_the_scrape_job_is_the_operators(tmp_path):
    """The job the operator makes of a generated Probe: module, target, instance, namespace, job, static labels."""
    probe = kube.probes(CONFIG)[f"{CONFIG.API_APP}-ready"]
    job = probes.scrape_config(probe)
    assert job["job_name"] == f"probe/{CONFIG.APP_NAMESPACE}/{CONFIG.API_APP}-ready"
    assert job["params"] == {"module": [CONFIG.BLACKBOX_MODULE]} and job["metrics_path"] == "/probe"
    assert job["static_configs"] == [{
        "targets": [f"http://{CONFIG.API_APP}.{CONFIG.APP_NAMESPACE}.svc:{CONFIG.APP_PORT}/health/ready"],
        "labels": {"namespace": CONFIG.APP_NAMESPACE, "service": CONFIG.API_APP, "health": "ready"},
    }]
    assert {"target_label": "job", "replacement": CONFIG.PROBE_JOB} in job["relabel_configs"]
    assert {"target_label": "__address__", "replacement": CONFIG.BLACKBOX_EXPORTER_URL} in job["relabel_configs"]


def test_a_failing_health_endpoint_goes_pending_then_firing(tmp_path, blackbox_bin, prometheus_bin):
    Health.status = 200
    with codeverify_services() as server, blackbox(blackbox_bin, str(tmp_path)) as exporter:
        jobs = [probes.scrape_config(p, prober=exporter, interval="1s",
                                     targets=[_local(u, server) for u in p["spec"]["targets"]["staticConfig"]["static"]])
                for p in kube.probes(CONFIG).values()]
        with verify.running_prometheus(prometheus_bin, str(tmp_path / "data"), [_rule_file(str(tmp_path))],
                                       scrape_configs=jobs) as url:
            expected = len(CONFIG.PROBED_SERVICES) * len(CONFIG.HEALTH_ENDPOINTS)
            selector = f'probe_success{{job="{CONFIG.PROBE_JOB}", namespace="{CONFIG.APP_NAMESPACE}"}}'

            def probed(value: str):
                result = verify.api(url, "/api/v1/query", query=selector)["result"]
                return len(result) == expected and all(r["value"][1] == value for r in result) and result

            healthy = _wait("every probe to succeed", lambda: probed("1"))
            assert {(r["metric"]["service"], r["metric"]["health"]) for r in healthy} == {
                (s, h) for s in CONFIG.PROBED_SERVICES for h in CONFIG.HEALTH_ENDPOINTS}
            time.sleep(3)  # a few evaluations on healthy data
            assert [a for a in _alerts(url) if a["labels"]["alertname"] == "HealthCheckFailing"] == []

            Health.status = 503
            _wait("every probe to fail", lambda: probed("0"))
            states = []

            def firing():
                alerts = [a for a in _alerts(url) if a["labels"]["alertname"] == "HealthCheckFailing"]
                states.extend(a["state"] for a in alerts)
                fired = [a for a in alerts if a["state"] == "firing"]
                return fired if len(fired) == expected else []

            fired = _wait("HealthCheckFailing to fire", firing)
            assert "pending" in states, "the alert fired without a pending phase"
            assert {(a["labels"]["service"], a["labels"]["health"]) for a in fired} == {
                (s, h) for s in CONFIG.PROBED_SERVICES for h in CONFIG.HEALTH_ENDPOINTS}
            for alert in fired:
                assert alert["labels"]["namespace"] == CONFIG.APP_NAMESPACE
                assert alert["labels"]["severity"] == "critical"
            # The probes report, so the probe-missing alert stays quiet.
            assert not [a for a in _alerts(url) if a["labels"]["alertname"] == "HealthProbeMissing"]
