"""The catalog's redis_exporter metrics against the real exporter: names, types and labels exist.

The catalog describes what the dashboards and alerts may read of the shared exporters; a
name it gets wrong is a panel that stays empty in production, which no lint of ours can
see. Debian's redis-server and prometheus-redis-exporter run on 127.0.0.1 on free ports
(stopped by compiler/children.py's supervisor), and `build.py metrics check --source redis-exporter` reads the real
/metrics: no error, and every catalogued redis metric has series.

(postgres_exporter is not checked this way: Debian's 0.11 labels every series `server`,
which the exporter's newer collectors, the ones the chart ships, do not.)
"""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from compiler import children
from compiler.proving import verify
from conftest import ROOT, need_tool

pytestmark = pytest.mark.e2e
PATIENCE_SECONDS = 30  # for a server to answer: a limit, not a measurement


def scrape(url: str) -> str:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                text = resp.read().decode()
            if "redis_up 1" in text:
                return text
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url} did not report redis_up 1"
        time.sleep(0.2)


def test_the_catalogs_redis_metrics_are_what_the_redis_exporter_exposes():
    redis = need_tool("redis-server", "redis-server")
    exporter = need_tool("prometheus-redis-exporter", "prometheus-redis-exporter")
    redis_port, exporter_port = verify.free_port(), verify.free_port()
    url = f"http://127.0.0.1:{exporter_port}/metrics"
    with children.supervised("exporter-contract-") as servers:  # stopped, their directory removed, on leaving
        servers.popen([redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                       "--dir", servers.dir], cwd=servers.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.popen([exporter, f"--redis.addr=redis://127.0.0.1:{redis_port}",
                       f"--web.listen-address=127.0.0.1:{exporter_port}"], cwd=servers.dir,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        exposition = scrape(url)
        proc = subprocess.run([sys.executable, "build.py", "metrics", "check", "--source", "redis-exporter", url],
                              cwd=ROOT, capture_output=True, text=True)
    findings = proc.stdout + proc.stderr
    assert proc.returncode == 0, findings
    assert " error " not in findings and "contract/missing" not in findings, findings
    for name in ("redis_commands_processed_total", "redis_commands_total", "redis_connected_clients",
                 "redis_memory_used_bytes"):
        assert f"\n{name}" in exposition, f"{name} has no series"
