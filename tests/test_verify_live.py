"""`build.py verify --prometheus-url` against Debian's real Prometheus on 127.0.0.1.

The server holds a few hours of the synthetic CodeVerify (backfilled), evaluates the
definitions' rules, and scrapes the generated client module served by a fresh process
as the API and the worker targets. All green; then, with one metric missing from the
data, every failure is that metric, named as the selector without series.
"""
from __future__ import annotations

import http.server
import json
import os
import signal
import threading
from types import SimpleNamespace
import subprocess
import sys
import time

import pytest
import yaml
from click.testing import CliRunner

import build
from compiler import pipeline
from compiler.catalog import Catalog
from compiler.proving import live, simulate, verify
from conftest import ROOT
from test_metrics_contract import GENERATED, SERVE

pytestmark = pytest.mark.e2e

RESULT = pipeline.build(ROOT, fork=False)
PROJECT = RESULT.project
HOURS = 2
MISSING = "codeverify_queue_length"


@pytest.fixture(scope="module")
def exposition():
    """The generated module, a sample in every metric, served on 127.0.0.1: the scrape target of both apps."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, GENERATED], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        yield f"127.0.0.1:{int(proc.stdout.readline())}"
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def start(tmp, promtool, prometheus_bin, exposition, catalog):
    """A Prometheus over HOURS of `catalog`'s synthetic data with our rules, scraping `exposition`; (url, proc)."""
    end = int(time.time()) // 30 * 30
    data = os.path.join(tmp, "codeverify.om")
    simulate.write(data, catalog, PROJECT.config, end - HOURS * 3600, end, 30)
    verify.backfill(promtool, data, os.path.join(tmp, "data"))
    os.remove(data)
    rule_files = []
    for rel, body in sorted(RESULT.files.items()):
        if rel.startswith("prometheus/"):
            rule_files.append(os.path.join(tmp, rel))
            os.makedirs(os.path.dirname(rule_files[-1]), exist_ok=True)
            with open(rule_files[-1], "wb") as fh:
                fh.write(body)
    # The ServiceMonitor's `app` target label tells API from worker targets. The scraped samples
    # are dropped (up is kept): the series under test are the backfilled ones.
    jobs = [{"job_name": app, "scrape_interval": "1s", "static_configs": [{"targets": [exposition], "labels": {"app": app}}],
             "metric_relabel_configs": [{"source_labels": ["__name__"], "regex": ".+", "action": "drop"}]}
            for app in (PROJECT.config.API_APP, PROJECT.config.WORKER_APP)]
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as fh:
        yaml.safe_dump({"global": {"evaluation_interval": "1s"}, "rule_files": rule_files, "scrape_configs": jobs}, fh)
    port = verify.free_port()
    log = os.path.join(tmp, "prometheus.log")
    with open(log, "w") as out:
        proc = subprocess.Popen([prometheus_bin, f"--config.file={config}", f"--storage.tsdb.path={tmp}/data",
                                 f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=3650d"],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        verify._wait_ready(url, proc, log)
        groups = {g.name for g in PROJECT.all_groups()}
        verify.wait_for_evaluations(url, groups)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # both targets scraped once
            targets = verify.api(url, "/api/v1/targets")["activeTargets"]
            if len(targets) == 2 and all(t["health"] == "up" for t in targets):
                break
            time.sleep(0.2)
    except BaseException:
        stop(proc)
        raise
    return url, proc


def stop(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def healthy(tmp_path_factory, promtool, prometheus_bin, exposition):
    url, proc = start(str(tmp_path_factory.mktemp("live-healthy")), promtool, prometheus_bin, exposition,
                      PROJECT.catalog)
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def one_metric_missing(tmp_path_factory, promtool, prometheus_bin, exposition):
    catalog = Catalog([m for m in PROJECT.catalog.metrics.values() if m.name != MISSING],
                      PROJECT.catalog.sources.values())
    url, proc = start(str(tmp_path_factory.mktemp("live-missing")), promtool, prometheus_bin, exposition, catalog)
    yield url
    stop(proc)


def run_cli(*args, env=None):
    result = CliRunner(env=env).invoke(build.cli, ["--root", ROOT, "verify", *args])
    return result.exit_code, result.stdout, result.stderr


def test_all_green_on_healthy_data(healthy):
    code, out, err = run_cli("--prometheus-url", healthy, "--since", "1h")
    assert code == 0, out + err
    last = out.splitlines()[-1]
    assert last.startswith("OK: 2/2 targets up, ") and "failed" not in last, last
    report = live.verify(PROJECT, healthy, "1h")
    assert report.panels and report.rules and report.groups
    assert all(c.series for c in report.panels if not c.skipped)


def test_one_missing_metric_is_reported_as_exactly_that(one_metric_missing):
    report = live.verify(PROJECT, one_metric_missing, "1h")
    failures = report.failures()
    assert failures, "a metric the dashboards and alerts read is missing: something must fail"
    wanted = f"no series: `{MISSING}` has no series in the last 1h: it is not scraped (or not recorded) at all"
    assert {c.error for c in failures} == {wanted}
    # ... and every query reading it fails, nothing else does.
    reading = {(c.group, c.item, c.what) for c in report.panels + report.rules if c.series == 0}
    assert {(c.group, c.item, c.what) for c in failures} == reading
    assert not [c for c in report.targets + report.groups if not c.ok]
    code, out, _ = run_cli("--prometheus-url", one_metric_missing)
    assert code == 1 and out.splitlines()[-1].startswith("FAILED:")
    code, out, _ = run_cli("--prometheus-url", one_metric_missing, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert {row["error"] for key in ("targets", "rules_loaded", "dashboard_targets", "rule_queries")
            for row in data[key] if not row["ok"]} == {wanted}


def test_a_label_value_that_never_appears_is_named(healthy):
    client = live.Client(healthy)
    why = live.diagnose(client, 'sum(rate(codeverify_http_requests_total{status=~"5..", handler="/nope"}[5m]))',
                        "1h", time.time())
    assert why.startswith('`codeverify_http_requests_total{handler="/nope"}` matches no series in the last 1h '
                          '(its `handler` values: "/api/v1/analyses"'), why


def test_the_token_comes_from_a_file_and_is_never_echoed(tmp_path, healthy):
    """Prometheus ignores a bearer token it does not ask for; the file is read, never echoed."""
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    code, out, err = run_cli("--prometheus-url", healthy, env={"PROMETHEUS_BEARER_TOKEN_FILE": str(token)})
    assert code == 0 and "s3cret" not in out + err
    assert live.read_token(str(token)) == "s3cret"
    token.write_text("")
    code, _, err = run_cli("--prometheus-url", healthy, "--bearer-token-file", str(token))
    assert code == 2 and "is empty" in err


def test_an_unreachable_server_is_one_line_and_exit_2():
    code, out, err = run_cli("--prometheus-url", f"http://127.0.0.1:{verify.free_port()}", "--query-timeout", "2")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Connection refused" in err


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A stand-in Prometheus API that answers every request with empty data and records it."""

    seen: list = []
    EMPTY = {"/api/v1/targets": {"activeTargets": []}, "/api/v1/rules": {"groups": []}}

    def _answer(self):
        path = self.path.split("?")[0]
        self.seen.append((self.command, path, self.headers.get("Authorization")))
        data = self.EMPTY.get(path, {"resultType": "matrix", "result": []})
        body = json.dumps({"status": "success", "data": data}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


def test_only_get_requests_each_with_the_token(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        token = tmp_path / "token"
        token.write_text("s3cret\n")
        code, out, err = run_cli("--prometheus-url", f"http://127.0.0.1:{server.server_port}",
                                 "--bearer-token-file", str(token))
    finally:
        server.shutdown()
        server.server_close()
    seen = _Recorder.seen
    assert code == 1 and "no active scrape target" in out  # nothing there: reported, not crashed
    assert {path for _, path, _ in seen} >= {"/api/v1/targets", "/api/v1/rules", "/api/v1/query_range"}
    assert {(method, auth) for method, _, auth in seen} == {("GET", "Bearer s3cret")}
    assert "s3cret" not in out + err


def test_dashboard_variables_take_the_values_grafana_would_pick(healthy):
    """Defaults first; else a label_values variable gets the server's first value (All: every value), custom its first."""
    from compiler.model import Dashboard, Panel, Row, Target, Variable

    handler = Variable("handler", "query", "label_values(codeverify_http_requests_total, handler)")
    every = Variable("every", "query", 'label_values(codeverify_http_requests_total{method=~"$method"}, handler)',
                     multi=True, include_all=True, default=("$__all",))
    method = Variable("method", "custom", "POST,GET")
    anything = Variable("anything", "query", "label_values(up, cluster)", include_all=True, default=("$__all",),
                        all_value=".*")
    status = Variable("status", "query", "label_values(codeverify_http_requests_total, status)", multi=True,
                      default=("200", "404"))
    targets = (Target('sum(rate(codeverify_http_requests_total{handler="$handler", method="$method"}[5m]))'),
               Target('sum(rate(codeverify_http_requests_total{handler=~"$every", cluster=~"$anything"}[5m]))'),
               Target('sum by (status) (rate(codeverify_http_requests_total{status=~"$status"}[5m]))'),
               Target('sum(rate(codeverify_http_requests_total{handler="$nobody"}[5m]))'))
    dash = Dashboard("vars", "Vars", "d.", (Row("r", (Panel("timeseries", "p", "d.", targets),)),),
                     variables=(handler, method, every, anything, status))
    client = live.Client(healthy)
    now = time.time()
    assert live.variable_values(client, dash, now - 3600, now) == {
        "handler": "/api/v1/analyses", "method": "POST",
        # Chained: only POST's handlers; as Grafana escapes them, the string unescaping once.
        "every": "/api/v1/analyses", "anything": ".*", "status": "(200|404)",
    }
    project = SimpleNamespace(dashboards=(dash,), config=PROJECT.config, all_groups=lambda: ())
    panels, _ = live.check_queries(project, client, "1h", now)
    assert [(c.what, c.ok, c.series) for c in panels][:3] == [("A", True, 1), ("B", True, 1), ("C", True, 2)]
    assert not panels[3].ok and '`codeverify_http_requests_total{handler="x"}` matches no series' in panels[3].error


def test_values_are_escaped_as_grafana_escapes_them():
    assert live._regex_literal("/api/v1/x.{id}") == r"/api/v1/x\\.\\{id\\}"
    assert live._regex_literal("codeverify-prod") == "codeverify-prod"  # `-` is no special character
