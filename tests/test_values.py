"""Values that would falsify the output are refused where they are defined, one located line.

Issue 20 (families 6 and 7): NaN thresholds written as `null` or `> nan` (an alert that
never fires), an invalid namespace, `SCRAPE_INTERVAL = "30"`, a negative
`min_bad_events`, `labels={"severity": ...}` silently overridden, a config.py mistake
reported in whichever definition first read it.
"""
from __future__ import annotations

import os
import subprocess

import pytest

from compiler.proving import verify
from conftest import ROOT
from test_bad_definitions import base, build_at, edit, project  # noqa: F401 - fixtures

CONFIG_CASES = [
    ("SCRAPE_INTERVAL = \"30s\"", "SCRAPE_INTERVAL = \"30\"",
     "SCRAPE_INTERVAL '30' is not a Prometheus duration of whole seconds"),
    ("SCRAPE_INTERVAL = \"30s\"", "SCRAPE_INTERVAL = \"1500ms\"",
     "SCRAPE_INTERVAL '1500ms' is not a Prometheus duration of whole seconds"),
    ("APP_NAMESPACE = \"codeverify\"", "APP_NAMESPACE = \"CodeVerify_Prod\"",
     "APP_NAMESPACE 'CodeVerify_Prod' is not a Kubernetes namespace"),
    ("NAMESPACE = \"monitoring\"", "NAMESPACE = \"monitoring-\"", "NAMESPACE 'monitoring-' is not a Kubernetes namespace"),
    ("COMMON_LABELS = {\"app\": \"codeverify\"}", "COMMON_LABELS = {\"app\": \"code verify\"}",
     "COMMON_LABELS {'app': 'code verify'} has app: 'code verify', which is not a Kubernetes label value"),
    ("SLO_MIN_BAD_EVENTS = 10", "SLO_MIN_BAD_EVENTS = -1", "SLO_MIN_BAD_EVENTS -1 cannot be negative"),
    ("SLO_ALERT_FOR = {\"critical\": \"2m\", \"warning\": \"15m\"}",
     "SLO_ALERT_FOR = {\"critical\": \"2 minutes\", \"warning\": \"15m\"}",
     "has critical: '2 minutes', which is not a Prometheus duration"),
    ("METRICS_PORT = \"http\"", "METRICS_PORT = \"8080\"", "METRICS_PORT '8080' is not a Service port name"),
    ("ALERTMANAGER_SECRETS_DIR = f\"/etc", "ALERTMANAGER_SECRETS_DIR = f\"etc", "is not an absolute path"),
]


def setting_line(root, name: str) -> int:
    return next(i for i, line in enumerate((root / "config.py").read_text().splitlines(), 1)
                if line.startswith(f"{name} ="))


@pytest.mark.parametrize("old, new, message", CONFIG_CASES, ids=[c[1][:40] for c in CONFIG_CASES])
def test_a_config_value_that_cannot_become_its_output_is_refused_at_its_line(project, old, new, message):  # noqa: F811
    edit(project, "config.py", old, new)
    code, output = build_at(project)
    assert code == 2, output
    name = new.split(" =")[0]
    assert output.strip() == f"error: config.py:{setting_line(project, name)}: {message}" or \
        (output.startswith(f"error: config.py:{setting_line(project, name)}: ") and message in output), output
    assert len(output.strip().splitlines()) == 1


def test_config_is_checked_before_a_definition_reads_it(project):  # noqa: F811
    # alerts/routing.py reads ALERTMANAGER_SECRETS_DIR' neighbours; dashboards read APP_NAMESPACE: the
    # mistake is config.py's, not theirs.
    edit(project, "config.py", 'APP_NAMESPACE = "codeverify"', "APP_NAMESPACE = 42")
    code, output = build_at(project)
    assert code == 2 and output.startswith("error: config.py: `APP_NAMESPACE` must be a str, not int 42"), output


def test_a_scrape_interval_in_milliseconds_is_read_as_prometheus_reads_it():
    assert verify._seconds("30000ms") == 30 and verify._seconds("1m30s") == 90


def _line_of(rel: str, needle: str) -> int:
    """The line of `rel` holding `needle`: derived, so moving the definition breaks no case."""
    with open(os.path.join(ROOT, rel)) as fh:
        return next(n for n, line in enumerate(fh, 1) if needle in line)


DEFINITION_CASES = [
    ("config.py", "ERROR_RATE_ALERT = 0.05", 'ERROR_RATE_ALERT = float("nan")',
     f"dashboards/common.py:{_line_of('dashboards/common.py', 'Threshold(ERROR_RATE_ALERT')}: ValueError: Threshold: `value` nan is not a finite number"),
    ("config.py", "LLM_ERROR_RATE_ALERT = 0.1", 'LLM_ERROR_RATE_ALERT = float("nan")',
     "compares with a number that is not finite: the alert never fires"),
    ("config.py", "LLM_ERROR_RATE_ALERT = 0.1", 'LLM_ERROR_RATE_ALERT = float("inf")',
     "compares with a number that is not finite"),
    ("alerts/api.py", 'severity="critical",', 'severity="critical", labels={"severity": "warning"},',
     "`labels` sets 'severity', which `severity=` sets: remove it from `labels`"),
    ("slo/availability.py", "SLO(", "SLO(min_bad_events=-5, ",
     "SLO 'availability': `min_bad_events` -5 cannot be negative"),
    ("slo/availability.py", "objective=0.999", 'objective=float("nan")',
     "slo 'availability': objective `nan` must be a ratio between 0 and 1"),
]


@pytest.mark.parametrize("rel, old, new, message", DEFINITION_CASES, ids=[c[2][:40] for c in DEFINITION_CASES])
def test_a_value_that_would_falsify_the_output_is_refused_where_it_is_defined(project, rel, old, new, message):  # noqa: F811
    edit(project, rel, old, new)
    code, output = build_at(project)
    assert code == 2 and message in output, output
    assert len(output.strip().splitlines()) == 1 and output.startswith("error: ") and ".py:" in output, output


@pytest.mark.parametrize("expr", ["x > nan", "x > bool Inf", "-Inf < x", "x == NaN"])
def test_comparisons_with_non_finite_literals_are_found(expr):
    from compiler.model import non_finite_comparison
    assert non_finite_comparison(expr)


@pytest.mark.parametrize("expr", ["x > 0.05", "x > 1e300", "x + Inf", "sum(rate(x[5m]))", "x >"])
def test_finite_comparisons_and_other_uses_pass(expr):
    from compiler.model import non_finite_comparison
    assert not non_finite_comparison(expr)


def test_a_threshold_that_json_cannot_hold_is_refused():
    from compiler.model import Panel, Target, Threshold
    with pytest.raises(ValueError, match="not a finite number"):
        Threshold(float("nan"), "red")
    with pytest.raises(ValueError, match="`max` inf is not a finite number"):
        Panel("stat", "t", "d", (Target("up"),), max=float("inf"))


SERIES_VALUES = ["0+10x20", "1 _x3 stale", "1-1x10", "10++1x2", "1x3", "0 0+1 x3", "1 + 2", "0+10x", "abc",
                 "0x1F", "Inf -Inf", "1e3 2.5 -3"]


@pytest.mark.parametrize("values", SERIES_VALUES)
def test_scenario_series_values_are_refused_as_promtool_refuses_them(promtool, tmp_path, values):
    from compiler.model import Scenario
    (tmp_path / "rules.yaml").write_text("groups: []\n")
    (tmp_path / "t.yaml").write_text(
        "rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n- interval: 1m\n  input_series:\n"
        f"  - series: 'up{{job=\"a\"}}'\n    values: '{values}'\n"
        "  promql_expr_test:\n  - expr: up\n    eval_time: 0m\n    exp_samples: []\n")
    done = subprocess.run([promtool, "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    refused = any(word in (done.stdout + done.stderr).lower() for word in ("parse", "unexpected", "invalid"))
    try:
        Scenario("s", {'up{job="a"}': values}, at="0m")
        ours = False
    except ValueError as exc:
        ours = "promtool's notation" in str(exc)
    assert ours == refused, done.stdout + done.stderr
