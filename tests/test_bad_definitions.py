"""Bad definitions and settings: one line naming where, exit 1 or 2, never a traceback, out/ untouched.

Each case edits a copy of this repository's definitions (as a user would get it
wrong) and builds it. The cases come from a mutation run over every kind of
definition object and setting; each stands for a family that used to crash.
"""
from __future__ import annotations

import os
import re
import shutil
import types

import pytest
from click.testing import CliRunner

import build
from conftest import ROOT

DEFINITIONS = ("catalog.py", "config.py", "dashboards", "alerts", "slo", "runbooks")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("base")
    for name in DEFINITIONS:
        src = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, root / name)
    # One good build for every case: its out/ must survive each case's bad one.
    assert build_at(root)[0] == 0
    return root


@pytest.fixture
def project(base, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(base, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def edit(root, rel: str, old: str, new: str) -> str:
    """Replace the first `old` in `rel` by `new`; the file's text up to the end of `new`."""
    path = root / rel
    text = path.read_text()
    assert old in text, f"{rel} no longer holds {old!r}: update this case"
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):])
    return text[:at] + new


# `{Panel(}` in an expected message: the line of the last `Panel(` up to the edit, the
# call the error is reported at. Derived, so that moving a definition breaks no case.
_CALL_LINE = re.compile(r"\{(\w+\()\}")


def expected(message: str, before: str) -> str:
    def line_of(m: re.Match) -> str:
        call = m.group(1)
        assert call in before, f"no {call} before the edit: update this case"
        return str(before[:before.rindex(call)].count("\n") + 1)
    return _CALL_LINE.sub(line_of, message)


def build_at(root, *args):
    result = CliRunner().invoke(build.cli, ["--root", str(root), "--out", str(root / "out"), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


CASES = [
    # Definition objects check their fields' types where they are built.
    ("dashboards/overview.py", '(Target(expr, legend="passed"),)', "None", 2,
     "dashboards/overview.py:{Panel(}: TypeError: Panel: `targets` must be a tuple of Target, not None"),
    ("dashboards/overview.py", '(Target(expr, legend="passed"),)', '(Target(expr, legend=["passed"]),)', 2,
     "TypeError: Target: `legend` must be a str, not list ['passed']"),
    ("dashboards/overview.py", '(Target(expr, legend="passed"),)', '["up"]', 2,
     "TypeError: Panel: `targets` must be a tuple of Target, not list ['up']"),
    ("alerts/api.py", "rules=(API_DOWN, HIGH_ERROR_RATE, HIGH_LATENCY)", 'rules=(API_DOWN, HIGH_ERROR_RATE, "HighLatency")', 2,
     "alerts/api.py:{RuleGroup(}: TypeError: RuleGroup: `rules[2]` must be an AlertRule or a RecordingRule, not str 'HighLatency'"),
    ("slo/latency.py", "objective=0.95,", 'objective="95%",', 2,
     "slo/latency.py:{SLO(}: TypeError: SLO: `objective` must be a number, not str '95%'"),
    ("alerts/routing.py", 'matchers=(eq("severity", "critical"),)', 'matchers=(__import__("compiler.routing").routing.Matcher("severity", "crit(", "=~"),)', 2,
     "ValueError: Matcher `severity=~'crit('`: not a regular expression (RE2): missing ): crit("),
    # Python's re would accept a lookahead; Alertmanager (Go, RE2) refuses to load it.
    ("alerts/routing.py", 'matchers=(eq("severity", "critical"),)', 'matchers=(__import__("compiler.routing").routing.Matcher("severity", "(?!info).*", "=~"),)', 2,
     "ValueError: Matcher `severity=~'(?!info).*'`: not a regular expression (RE2): invalid perl operator: (?!"),
    ("catalog.py", "target_labels=_SERVICE_MONITOR + (\"app\",)", "target_labels=None", 2,
     "TypeError: MetricSource: `target_labels` must be a tuple of str, not None"),
    # What types cannot say: durations promtool or Alertmanager would refuse, numbers a float cannot hold.
    ("alerts/api.py", 'at="15m"', 'at="15 minutes"', 2,
     "alerts/api.py:{Scenario(}: ValueError: Scenario 'fires just past 5% of 5xx responses': `at` '15 minutes' is not a Prometheus duration"),
    ("alerts/api.py", "value=0.051", "value=10**400", 2,
     "alerts/api.py:{Scenario(}: ValueError: Scenario 'fires just past 5% of 5xx responses': `value` 1000000000000000000000000000000000000000 is not a finite number"),
    ("alerts/routing.py", 'group_wait="30s"', 'group_wait="30 seconds"', 2,
     "alerts/routing.py:{Route(}: ValueError: Route to 'default': `group_wait` '30 seconds' is not a duration"),
    ("alerts/routing.py", 'repeat_interval="4h"', 'repeat_interval="0s"', 2,
     "alerts/routing.py:{Route(}: ValueError: Route to 'default': `repeat_interval` cannot be zero"),
    ("config.py", 'long="1h", short="5m"', 'long="1h", short="2h"', 2,
     "config.py:{BurnRateWindow(}: ValueError: BurnRateWindow: `short` '2h' must be shorter than `long` '1h'"),
    ("config.py", "budget_share=0.02", "budget_share=float('nan')", 2,
     "config.py:{BurnRateWindow(}: ValueError: BurnRateWindow: `budget_share` nan is not a share of the budget in (0, 1]"),
    ("slo/latency.py", "threshold=", "threshold=float('inf') or ", 2,
     "slo/latency.py:{LatencySLI(}: ValueError: LatencySLI: `threshold` inf is not a positive number of seconds"),
    ("dashboards/overview.py", '(Target(expr, legend="passed"),)', '(Target(expr, legend="passed", datasource="influxdb"),)', 2,
     "dashboards/overview.py:{Target(}: ValueError: Target: `datasource` must be PROMETHEUS or LOKI, not 'influxdb'"),
    # Settings: missing or mistyped, at config.py.
    ("config.py", 'RULES_NAME = "codeverify-alerts"', "", 2, "error: config.py: must define RULES_NAME"),
    # Issue 15's settings: the vanish deadline is a duration; the probes' settings come together.
    ("config.py", 'VANISH_DEADLINE = "15m"', 'VANISH_DEADLINE = "15 minutes"', 2,
     "error: config.py: VANISH_DEADLINE '15 minutes' is not a positive Prometheus duration"),
    ("config.py", 'HEALTH_ENDPOINTS = {"live": "/health/live", "ready": "/health/ready"}',
     'HEALTH_ENDPOINTS = {"Live Check": "/health/live"}', 2,
     "error: config.py: PROBED_SERVICES x HEALTH_ENDPOINTS: Probe 'codeverify-api-Live Check' cannot name a Kubernetes object"),
    ("config.py", 'COMMON_LABELS = {"app": "codeverify"}', "COMMON_LABELS = None", 2,
     "error: config.py: `COMMON_LABELS` must be a mapping of str to str, not None"),
    ("config.py", 'PROMETHEUS_VERSION = "2.42.0"', "PROMETHEUS_VERSION = 2.42", 2,
     "error: config.py: `PROMETHEUS_VERSION` must be a str, not float 2.42"),
    ("config.py", 'SLO_ALERT_FOR = {"critical": "2m", "warning": "15m"}', 'SLO_ALERT_FOR = {"critical": "2m"}', 2,
     "error: config.py: SLO_ALERT_FOR has no `for` for severity `warning`"),
    ("config.py", "SLO_BURN_RATE_WINDOWS = (", "SLO_BURN_RATE_WINDOWS = () and (", 2,
     "error: config.py: SLO_BURN_RATE_WINDOWS is empty"),
    ("config.py", 'PAGERDUTY_ROUTING_KEY_KEY = "pagerduty-routing-key"', "", 2,
     "error: config.py: must define PAGERDUTY_ROUTING_KEY_KEY (alerts define ROUTING)"),
    # What an SLO names must exist.
    ("slo/latency.py", 'histogram="codeverify_http_request_duration_seconds"', 'histogram="nope_seconds"', 2,
     "slo/latency.py:{SLO(}: slo 'latency': `nope_seconds` is not in the catalog"),
    ("slo/availability.py", "good_series=(f'", "good_series=('sum(up)', f'", 2,
     "slo/availability.py:{SLO(}: slo 'availability': `sum(up)` is not a series"),
    ("slo/availability.py", "good_series=(f'", "good_series=('{job=\"api\"}', f'", 2,
     "slo/availability.py:{SLO(}: slo 'availability': `{job=\"api\"}` is not a series"),
    ("slo/availability.py", "good_series=(f'", "good_series=('up{status=~\"2..\"}', f'", 2,
     "slo/availability.py:{SLO(}: slo 'availability': `up{status=~\"2..\"}` is not one series: give each label's value with `=`"),
    ("slo/availability.py", "good_series=(f'", "good_series=('sum(up', f'", 2,
     "slo/availability.py:{SLO(}: slo 'availability': `sum(up` does not parse: unclosed left parenthesis"),
    # Names that become file names stay inside out/.
    ("dashboards/overview.py", 'uid="codeverify-overview"', 'uid="../../evil"', 2,
     "dashboards/overview.py:{Dashboard(}: dashboard '../../evil': uid '../../evil' cannot name a dashboard (its file, ConfigMap and Grafana uid)"),
    # kubectl apply refuses an object named grafana-dashboard-CodeVerify_Overview; Grafana a uid over 40.
    ("dashboards/overview.py", 'uid="codeverify-overview"', 'uid="CodeVerify_Overview"', 2,
     "uid 'CodeVerify_Overview' cannot name a dashboard (its file, ConfigMap and Grafana uid): use at most 40 lowercase"),
    ("dashboards/overview.py", 'uid="codeverify-overview"', 'uid="codeverify-overview-of-the-whole-service-a"', 2,
     "uid 'codeverify-overview-of-the-whole-service-a' cannot name a dashboard"),
    ("config.py", 'RULES_NAME = "codeverify-alerts"', 'RULES_NAME = "a" * 240', 2,
     "error: config.py: RULES_NAME 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' cannot name a file in out/"),
    ("config.py", 'RULES_NAME = "codeverify-alerts"', 'RULES_NAME = "CodeVerify_Alerts"', 2,
     "error: config.py: RULES_NAME 'CodeVerify_Alerts' cannot name a Kubernetes object: use lowercase letters"),
    ("alerts/api.py", 'name="codeverify-api"', 'name="api/v1"', 2,
     "alerts/api.py:{RuleGroup(}: group 'api/v1': name 'api/v1' cannot name a file in out/"),
    ("alerts/api.py", 'name="codeverify-api"', 'name="api\\nv1"', 2,
     "alerts/api.py:{RuleGroup(}: group 'api\\nv1': name 'api\\nv1' cannot name a file in out/"),
    # A definition module that exits is a load error, not our exit status.
    ("alerts/api.py", "GROUP = RuleGroup(", "raise SystemExit(7)\nGROUP = RuleGroup(", 2,
     "alerts/api.py:{SystemExit(}: SystemExit: 7"),
]


@pytest.mark.parametrize("rel, old, new, code, message", CASES, ids=[c[4][:70] for c in CASES])
def test_bad_input_is_one_line_and_leaves_out_untouched(project, rel, old, new, code, message):
    before = {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()}
    message = expected(message, edit(project, rel, old, new))
    exit_code, output = build_at(project)
    assert exit_code == code, output
    assert message in output, output
    assert len(output.strip().splitlines()) == 1, output
    assert {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()} == before


def test_more_than_26_targets_get_grafanas_refids(project):
    expr = 'sum(rate(codeverify_http_requests_total{cluster=~"$cluster", namespace=~"$namespace", status=~"5.."}[$__rate_interval]))'
    targets = "(" + "".join(f"Target({expr!r}, legend='t{i}')," for i in range(28)) + ")"
    edit(project, "dashboards/overview.py", '(Target(expr, legend="passed"),)', targets)
    assert build_at(project)[0] == 0
    import json
    panels = json.loads((project / "out" / "grafana" / "codeverify-overview.json").read_text())["panels"]
    refs = [t["refId"] for p in panels for t in p.get("targets", ()) if len(p.get("targets", ())) == 28]
    assert refs[24:] == ["Y", "Z", "AA", "AB"]


def test_an_out_that_cannot_be_written_is_one_line(project):
    shutil.rmtree(project / "out")
    (project / "out").mkdir()
    (project / "out" / "grafana").write_text("a file where a directory must be")
    exit_code, output = build_at(project)
    assert exit_code == 2, output
    assert output.startswith("error: Not a directory: ") and "grafana" in output, output
    assert len(output.strip().splitlines()) == 1


@pytest.mark.parametrize("rel, old, new, message", [
    ("dashboards/overview.py", 'uid="codeverify-overview"', 'uid="a/b"', "uid 'a/b' cannot name a dashboard"),
    ("config.py", 'RULES_NAME = "codeverify-alerts"', 'RULES_NAME = "my alerts"',
     "config.py: RULES_NAME 'my alerts' cannot name a Kubernetes object"),
])
def test_lint_refuses_the_names_the_build_refuses(project, rel, old, new, message):
    edit(project, rel, old, new)
    result = CliRunner().invoke(build.cli, ["--root", str(project), "lint"])
    assert result.exit_code == 2, result.output
    assert message in result.output


def add_alert(project, expr: str) -> None:
    edit(project, "alerts/api.py", "GROUP = RuleGroup(", f"""DEEP = AlertRule(
    name="DeepChain", expr='{expr}', for_="5m", severity="warning",
    summary="x", description="y", runbook="high-error-rate")
GROUP = RuleGroup(""")
    edit(project, "alerts/api.py", "rules=(API_DOWN, HIGH_ERROR_RATE, HIGH_LATENCY)",
         "rules=(API_DOWN, HIGH_ERROR_RATE, HIGH_LATENCY, DEEP)")


def test_a_long_or_chain_builds(project):
    # The longest chain promql.parse accepts (about 490 terms): the label analysis
    # recurses about 1,500 frames deep, past Python's default limit of 1,000; the build
    # raises the limit to what its C stack allows.
    from compiler import promql

    terms = promql.MAX_OPERATORS - 10
    if build._stack_frames() < 3 * terms + 400:
        pytest.skip(f"this process's stack allows {build._stack_frames()} frames; the chain needs about {3 * terms}")
    chain = " or ".join(f'codeverify_queue_length{{queue="q{i}"}}' for i in range(terms))
    add_alert(project, f"({chain}) > 100")
    exit_code, output = build_at(project)
    assert exit_code == 0, output[-2000:]
    assert f'queue="q{terms - 1}"' in (project / "out" / "prometheus" / "codeverify-api.rules.yaml").read_text()


def test_recursion_in_a_lint_rule_is_a_located_error():
    from compiler import lint
    from compiler.load import load
    from compiler.pipeline import expand

    def recurse(node, depth=0):
        return recurse(node, depth + 1)

    deep = types.SimpleNamespace(ID="test/deep", SEVERITY="warning", SCOPE="alert",
                                 check=lambda alert, ctx: iter(recurse(alert)))
    project = load(ROOT)
    expand(project)
    findings = lint.run(project, lint.subjects(project), rules=[deep])
    assert findings and len(findings) == sum(1 for s in lint.subjects(project) if s.scope == "alert")
    for finding in findings:
        assert finding.rule == "test/deep" and finding.severity == "error"
        assert str(finding).startswith(("alerts/", "slo/")) and "nests too deeply to check" in str(finding)


def test_an_expression_too_large_for_the_parser_is_a_located_error(project):
    # promql-parser's recursion in Rust would crash the process (no Python limit applies).
    from compiler import promql

    add_alert(project, " or ".join(["codeverify_queue_length"] * (promql._NESTING_BOUND + 2)) + " > 1")
    exit_code, output = build_at(project)
    assert exit_code == 1, output[-2000:]
    assert "alert 'DeepChain': error [promql/syntax] does not parse: too large to check safely" in output


def test_check_with_an_unreadable_out_is_one_line(project):
    shutil.rmtree(project / "out")
    (project / "out").mkdir()
    (project / "out" / "grafana").write_text("a file where a directory must be")
    exit_code, output = build_at(project, "--check")
    assert exit_code == 2 and output.startswith("error: Not a directory: "), output
    assert len(output.strip().splitlines()) == 1, output


# A definition module copied from a listed one, with its name changed: the package's
# list (DASHBOARDS, GROUPS, SLOS) does not name it, so it must be a located error.
@pytest.mark.parametrize("rel, copy, old, new, message", [
    ("dashboards/overview.py", "dashboards/extra.py", 'uid="codeverify-overview"', 'uid="codeverify-extra"',
     "dashboards/extra.py:{Dashboard(}: dashboard 'codeverify-extra' is not in DASHBOARDS (dashboards/__init__.py), "
     "so it would not be built: add it there"),
    ("alerts/api.py", "alerts/extra.py", 'name="codeverify-api"', 'name="codeverify-extra"',
     "alerts/extra.py:{RuleGroup(}: group 'codeverify-extra' is not in GROUPS (alerts/__init__.py)"),
    ("slo/latency.py", "slo/extra.py", 'name="latency"', 'name="extra"',
     "slo/extra.py:{SLO(}: slo 'extra' is not in SLOS (slo/__init__.py)"),
])
def test_an_unlisted_definition_is_a_located_error(project, rel, copy, old, new, message):
    shutil.copy(project / rel, project / copy)
    message = expected(message, edit(project, copy, old, new))
    exit_code, output = build_at(project)
    assert exit_code == 2, output
    assert message in output and len(output.strip().splitlines()) == 1, output


def test_an_alert_in_no_group_is_a_located_error(project):
    before = edit(project, "alerts/api.py", "rules=(API_DOWN, HIGH_ERROR_RATE, HIGH_LATENCY)", "rules=(API_DOWN, HIGH_ERROR_RATE,)")
    line = before[:before.index('name="HighLatency"')].count("\n")  # the AlertRule( line above the name
    exit_code, output = build_at(project)
    assert exit_code == 2, output
    assert output.strip() == (f"error: alerts/api.py:{line}: alert 'HighLatency' is in no rule group of GROUPS, "
                              "so it would not be built: add it to a RuleGroup's rules"), output


def test_without_a_list_every_module_is_built_in_module_order(project):
    from compiler.load import load

    listed = [slo.name for slo in load(str(project)).slos]
    edit(project, "slo/__init__.py", "SLOS = (", "_UNUSED = (")
    discovered = load(str(project)).slos
    assert sorted(slo.name for slo in discovered) == sorted(listed)
    assert [project_file(slo) for slo in discovered] == sorted(project_file(slo) for slo in discovered)
    assert build_at(project)[0] == 0


def project_file(obj) -> str:
    return os.path.basename(obj.src.file)
