"""A real Alertmanager running out/'s configuration delivers a warning to Slack and a critical to PagerDuty.

Issue 20 (family 3): a routing configuration Alertmanager loads can still deliver
nothing (a notification template that does not run). Here Debian's
prometheus-alertmanager runs out/alertmanager/alertmanager.yaml on 127.0.0.1, with
what a deployment supplies instead of the secrets (each receiver's webhook URL and
routing key files, pointing at a local HTTP receiver, and PagerDuty's endpoint)
and with `group_wait` shortened; the routing tree, receivers and templates are
out/'s. Each notification is checked for its receiver and its rendered text.
"""
from __future__ import annotations

import glob
import http.server as httpserver
import json
import os
import subprocess
import threading
import time
import urllib.error

import pytest
import yaml

from compiler import pipeline
from compiler.load import load
from compiler.model import AlertRule
from compiler.routing import alert_labels
from conftest import ROOT
from test_alertmanager_e2e import PATIENCE_SECONDS, PLAIN, free_port, http

pytestmark = pytest.mark.e2e


class _Sink(httpserver.BaseHTTPRequestHandler):
    received: list  # (path, JSON body), set per server

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path, json.loads(body)))
        self.send_response(202 if self.path.startswith("/pagerduty") else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "success", "message": "ok", "dedup_key": "k"}' if "pagerduty" in self.path else b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sink():
    handler = type("Sink", (_Sink,), {"received": []})
    server = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.received
    server.shutdown()
    server.server_close()


def deployed_config(plain: dict, sink_url: str, secrets) -> dict:
    """out/'s configuration with each secret file replaced by a local one, and group_wait 1s."""
    for receiver in plain["receivers"]:
        name = receiver["name"]
        for slack in receiver.get("slack_configs", ()):
            path = secrets / f"slack-{name}"
            path.write_text(f"{sink_url}/slack/{name}\n")
            assert slack["api_url_file"].startswith("/"), slack
            slack["api_url_file"] = str(path)
        for pager in receiver.get("pagerduty_configs", ()):
            path = secrets / f"pagerduty-{name}"
            path.write_text("0123456789abcdef0123456789abcdef\n")
            pager["routing_key_file"] = str(path)
            pager["url"] = f"{sink_url}/pagerduty/{name}"
    plain["route"]["group_wait"] = "1s"
    return plain


@pytest.fixture(scope="module")
def alertmanager(alertmanager_bin, sink, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("delivery")
    secrets = tmp / "secrets"
    secrets.mkdir()
    with open(PLAIN) as fh:
        config = deployed_config(yaml.safe_load(fh), sink[0], secrets)
    (tmp / "alertmanager.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    log_path = tmp / "alertmanager.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [alertmanager_bin, f"--config.file={tmp / 'alertmanager.yaml'}", f"--storage.path={tmp / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            assert proc.poll() is None, f"alertmanager exited with {proc.returncode}: {log_path.read_text()}"
            try:
                http(url + "/-/ready")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "alertmanager did not become ready: " + log_path.read_text()
                time.sleep(0.2)
        yield url, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


PROJECT = load(ROOT)
pipeline.expand(PROJECT)
RULES = {r.name: r for g in PROJECT.all_groups() for r in g.rules if isinstance(r, AlertRule)}


# The annotations as out/ writes them (templates unexpanded: Alertmanager passes them through).
ANNOTATIONS = {rule["alert"]: rule.get("annotations", {})
               for path in glob.glob(os.path.join(ROOT, "out", "prometheus", "*.rules.yaml"))
               for group in yaml.safe_load(open(path))["groups"] for rule in group["rules"] if "alert" in rule}


def firing(name: str) -> dict:
    return {"labels": alert_labels(RULES[name], PROJECT), "annotations": ANNOTATIONS[name]}


def test_a_warning_reaches_slack_and_a_critical_reaches_pagerduty(alertmanager, sink):
    url, log_path = alertmanager
    warning = next(n for n, r in sorted(RULES.items()) if r.severity == "warning" and not r.labels.get("slo"))
    critical = next(n for n, r in sorted(RULES.items()) if r.severity == "critical" and not r.labels.get("slo"))
    alerts = [firing(warning), firing(critical)]
    http(url + "/api/v2/alerts", alerts)
    received = sink[1]
    deadline = time.monotonic() + PATIENCE_SECONDS
    while len({path for path, _ in received}) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    paths = sorted({path for path, _ in received})
    assert paths == ["/pagerduty/pagerduty-critical", "/slack/slack-warnings"], \
        f"received {paths}; alertmanager log:\n{log_path.read_text()}"
    slack = next(body for path, body in received if path.startswith("/slack/"))
    attachment = slack["attachments"][0]
    assert attachment["title"] == warning
    assert attachment["text"] == (f"{alerts[0]['annotations']['description']}\n"
                                  f"Runbook: {alerts[0]['annotations']['runbook_url']}\n")
    pager = next(body for path, body in received if path.startswith("/pagerduty/"))
    assert pager["payload"]["severity"] == "critical" and pager["event_action"] == "trigger"
    assert critical in pager["payload"]["summary"]
