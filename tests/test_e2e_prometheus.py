"""End to end: the emitted rules and every dashboard query in Debian's real Prometheus, on synthetic data.

A few hours of a healthy synthetic CodeVerify are backfilled with promtool; a
Prometheus on 127.0.0.1 evaluates out/prometheus/*.rules.yaml over them. Runs in CI
(make test installs the prometheus package); skipped locally without it.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
import time
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

import build
from compiler import conventions as cv
from compiler import pipeline, selection
from compiler.proving import simulate, vanish, verify
from compiler.load import load
from compiler.slo import rules as slo_rules
from compiler.model import AlertRule, RecordingRule, RuleGroup, ref_ids
from conftest import ROOT

pytestmark = pytest.mark.e2e

PROJECT = load(ROOT)
pipeline.expand(PROJECT)  # the SLOs' rules and dashboard
PROBE = RuleGroup("e2e-probe", (
    RecordingRule("namespace:codeverify_queue_length:max", "max by (namespace) (codeverify_queue_length)"),
    RecordingRule("namespace:nothing:max", 'max by (namespace) (codeverify_queue_length{app="nobody"})'),
))
# A second group reading the first one's output, and an alert on it: queries on
# recorded series must wait for the server's evaluations (as SLO burn-rate rules do).
CHAIN = RuleGroup("e2e-probe-chain", (
    RecordingRule("codeverify:queue_length:max", "max(namespace:codeverify_queue_length:max)"),
    AlertRule("ProbeQueueOnRecord", "codeverify:queue_length:max > 1000", "1m", "info", "s.", "d."),
))
SCRAPE = 30
HOURS = 3
RANGE, STEP = 3600, SCRAPE


@pytest.fixture(scope="module")
def server(promtool, prometheus_bin):
    """(url, end of data): a Prometheus over HOURS of healthy data and the committed rule files."""
    with tempfile.TemporaryDirectory(prefix="codeverify-e2e-") as tmp:
        end = int(time.time()) // SCRAPE * SCRAPE
        data = os.path.join(tmp, "codeverify.om")
        simulate.write(data, PROJECT.catalog, PROJECT.config, end - HOURS * 3600, end, SCRAPE)
        verify.backfill(promtool, data, os.path.join(tmp, "data"))
        os.remove(data)
        rules = sorted(glob.glob(os.path.join(ROOT, "out", "prometheus", "*.rules.yaml")))
        # A recording rule of our own, so that the recorded-series check runs before the SLOs bring theirs.
        probe = os.path.join(tmp, "probe.rules.yaml")
        with open(probe, "w") as fh:
            yaml.safe_dump({"groups": [
                {"name": g.name, "rules": [{"record": r.record, "expr": r.expr} if isinstance(r, RecordingRule)
                                           else {"alert": r.name, "expr": r.expr} for r in g.rules]}
                for g in (PROBE, CHAIN)]}, fh)
        rules.append(probe)
        with verify.running_prometheus(prometheus_bin, os.path.join(tmp, "data"), rules) as url:
            yield url, end


TARGETS = [
    pytest.param(dash, panel, ref, target, id=f"{dash.uid} › {panel.title} › {ref}")
    for dash in PROJECT.dashboards
    for panel in dash.panels
    for ref, target in zip(ref_ids(panel.targets), panel.targets)
]


@pytest.fixture(scope="module")
def query_time(server):
    """When to run a query: targets on recorded series (the SLO dashboard) after the server's evaluations."""
    url, end = server
    return verify.query_time(PROJECT, url, end)


@pytest.mark.parametrize("dash, panel, ref, target", TARGETS)
def test_dashboard_target_returns_series(server, query_time, dash, panel, ref, target):
    if target.datasource != "prometheus":
        pytest.skip(f"{target.datasource} target: Loki logs have no Prometheus data to check against")
    url, _ = server
    check = verify.Check(dash.uid, panel.title, ref)
    values = {**verify.grafana_values(RANGE, STEP, SCRAPE), **selection.from_model(dash)}
    expr = verify.promql.expand(target.expr, values)
    verify._run(check, url, expr, query_time(expr), 0 if target.instant else RANGE, STEP, want_series=True)
    assert check.ok, f"{check.error}\n{target.expr}"


def test_rules_run_alerts_stay_quiet_and_their_signals_have_series(server):
    url, end = server
    checks = verify.check_rules(PROJECT, url, end)
    alerts = [r for g in PROJECT.all_groups() for r in g.rules if isinstance(r, AlertRule)]
    assert len([c for c in checks if c.what.startswith("alert")]) == len(alerts)
    assert [f"{c.item}: {c.what}: {c.error}" for c in checks if not c.ok] == []


# The longest SLI window the HOURS of data cover: the error ratio over it is the burn of healthy data.
HEALTHY_WINDOW = "2h"


@pytest.mark.parametrize("slo", PROJECT.slos, ids=lambda s: s.name)
def test_healthy_data_stays_inside_the_slos_error_budget(server, slo):
    """A new SLO, or a new simulator profile, whose healthy data burns the budget is caught here, not by a page."""
    url, end = server
    group = next(g for g in PROJECT.slo_groups if g.name == cv.group_name(slo))
    [rule] = [r for r in group.rules if isinstance(r, RecordingRule) and r.record == cv.sli_error(HEALTHY_WINDOW)]
    result = verify.api(url, "/api/v1/query", query=rule.expr, time=end)["result"]
    assert result, f"no {cv.sli_error(HEALTHY_WINDOW)} series for {slo.name}: the simulator lacks its events"
    budget = slo_rules.error_budget(slo)
    burns = {str(s["metric"]): float(s["value"][1]) / budget for s in result}
    assert all(burn < 1 for burn in burns.values()), f"healthy data burns {slo.name}'s budget: {burns}"


def test_recording_rules_produce_series(server):
    records = [r for g in PROJECT.all_groups() for r in g.rules if isinstance(r, RecordingRule)]
    if not records:
        pytest.skip("the project has no recording rules yet (they come with the SLOs)")
    url, _ = server
    checks = verify.check_recorded(PROJECT, url)
    assert len(checks) == len(records)
    assert [f"{c.item}: {c.error}" for c in checks if not c.ok] == []


def test_recorded_series_are_checked_after_evaluation(server):
    url, _ = server
    probe = SimpleNamespace(all_groups=lambda: (PROBE,))
    checks = {c.item: c for c in verify.check_recorded(probe, url)}
    assert checks["namespace:codeverify_queue_length:max"].ok and checks["namespace:codeverify_queue_length:max"].series
    assert checks["namespace:nothing:max"].error == "no series"


def test_queries_on_recorded_series_run_after_evaluation(server):
    url, end = server
    checks = verify.check_rules(SimpleNamespace(all_groups=lambda: (PROBE, CHAIN)), url, end)
    assert [c.item for c in checks if not c.ok] == ["namespace:nothing:max"] * 2, "its expr and its recorded series"
    assert [(c.item, c.what, c.ok) for c in checks if c.group == CHAIN.name] == [
        ("codeverify:queue_length:max", "expr", True),
        ("ProbeQueueOnRecord", "alert (quiet on this data)", True),
        ("ProbeQueueOnRecord", "signal 1 (threshold removed)", True),
        ("codeverify:queue_length:max", "recorded series", True),
    ], checks


def _project(*rules):
    return SimpleNamespace(all_groups=lambda: (RuleGroup("g", rules),), dashboards=())


@pytest.mark.parametrize(
    "rule, error",
    [
        pytest.param(AlertRule("Always", "vector(1) > 0", "1m", "info", "s.", "d."), "fires on the simulated data",
                     id="an alert firing on healthy data is reported"),
        pytest.param(AlertRule("Typo", "sum(rate(codeverify_http_request_total[5m])) > 1", "1m", "info", "s.", "d."),
                     "no series", id="an alert whose signal has no series is reported"),
        pytest.param(RecordingRule("x:y", "sum by (nope) (codeverify_queue_length{app=\"nobody\"})"), "no series",
                     id="a recording rule without series is reported"),
        pytest.param(RecordingRule("x:z", "rate(codeverify_queue_length)"), "bad_data",
                     id="a query Prometheus refuses is reported"),
    ],
)
def test_the_checks_can_fail(server, rule, error):
    url, end = server
    checks = verify.check_rules(_project(rule), url, end)
    assert any(error in c.error for c in checks if not c.ok), checks


def test_build_verify_prints_every_panel_and_scenario(promtool, prometheus_bin):
    result = CliRunner().invoke(build.cli, ["--root", ROOT, "verify", "--hours", "2"])
    assert result.exit_code == 0, result.output
    for dash in PROJECT.dashboards:
        assert f"dashboard {dash.uid}" in result.output
        for panel in dash.panels:
            assert panel.title in result.output
    scenarios = [s for g in PROJECT.all_groups() for r in g.rules if isinstance(r, AlertRule) for s in r.scenarios]
    cases = vanish.cases(PROJECT)  # every alert's series-vanish scenarios, reported beside its written ones
    assert result.output.count("  pass  ") == len(scenarios) + len(cases)
    assert "LogQL checked statically" in result.output
    # The four installations (two clusters, two namespaces), filtered to one, give that one's results.
    apart = re.search(r"installations told apart by (\d+)/(\d+) targets", result.output)
    assert apart and apart.group(1) == apart.group(2) and int(apart.group(2)) > 0, result.output[-500:]
    for case in cases:
        line = rf"^  pass  {re.escape(case.alert.name)} +{re.escape(case.name)}$"
        assert re.search(line, result.output, re.M), f"{case.alert.name}: {case.name}"


def test_build_verify_names_the_package_when_tools_are_missing(tmp_path):
    result = CliRunner(env={"PATH": str(tmp_path)}).invoke(build.cli, ["--root", ROOT, "verify"])
    assert result.exit_code == 2
    assert "apt-get install prometheus" in result.output


def test_build_verify_fails_on_a_panel_without_data(promtool, prometheus_bin, tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("config.py", "catalog.py"):
        shutil.copy(os.path.join(ROOT, name), root / name)
    for name in ("alerts", "dashboards", "slo"):
        shutil.copytree(os.path.join(ROOT, name), root / name, ignore=shutil.ignore_patterns("__pycache__"))
    overview = root / "dashboards" / "overview.py"
    before = "codeverify_queue_length{c.selector(c.CODEVERIFY)}"
    assert before in overview.read_text()
    text = overview.read_text().replace(before, "codeverify_queue_length{c.selector(c.CODEVERIFY, NOWHERE)}")
    head = "from . import common as c\n"
    assert head in text
    overview.write_text(text.replace(head, head + "NOWHERE = 'queue=\"nowhere\"'  # a queue no pod reports\n"))
    result = CliRunner().invoke(build.cli, ["--root", str(root), "verify", "--hours", "1"])
    assert result.exit_code == 1, result.output
    assert "✗ Queue depth" in result.output and "no series" in result.output
    assert "FAILED" in result.output


@pytest.mark.parametrize(
    "expr, expected",
    [
        pytest.param("sum(a) / sum(b) > 0.05", ["sum(a) / sum(b)"], id="a ratio over a threshold"),
        pytest.param("(x > 0.1) and y >= 20", ["x", "y"], id="both sides of an and"),
        pytest.param("up == 0", ["up"], id="a comparison with zero"),
        pytest.param("slo:burn:1h > (14.4 * 0.001) and slo:burn:5m > (14.4 * 0.001)",
                     ["slo:burn:1h", "slo:burn:5m"], id="a burn-rate threshold computed from numbers"),
        pytest.param("absent(up)", [], id="no threshold, no signal"),
        pytest.param("a > b", [], id="a comparison of two series has no fixed threshold"),
    ],
)
def test_signals(expr, expected):
    def canonical(text):
        return str(verify.promql.parse(text))
    assert [canonical(s) for s in verify.signals(expr)] == [canonical(e) for e in expected]
