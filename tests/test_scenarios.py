"""Alert scenarios: the template renderer, the series check, the generated promtool tests, and promtool itself."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import replace

import pytest
import yaml

from compiler import pipeline
from compiler.proving import scenarios, scrape
from compiler.load import load
from compiler.model import AlertRule, RuleGroup, Scenario
from conftest import ROOT

NS = {"namespace": "codeverify", "pod": "codeverify-api-0"}


@pytest.mark.parametrize(
    "template, value, expected",
    [
        pytest.param("{{ $value }}", 101.0, "101", id="an integral value prints without a decimal point"),
        pytest.param("{{ $value }}", 0.0, "0", id="zero prints as 0"),
        pytest.param("{{ $value }}", 0.051, "0.051", id="a fraction prints its shortest digits"),
        pytest.param("{{ $value }}", 123456.0, "123456", id="six integer digits print in full"),
        pytest.param("{{ $value }}", 1e6, "1e+06", id="a million switches to an exponent as Go does"),
        pytest.param("{{ $value }}", 0.00001234, "1.234e-05", id="a tiny value switches to an exponent"),
        pytest.param("{{ $value | humanizePercentage }}", 0.051, "5.1%", id="humanizePercentage scales by 100"),
        pytest.param("{{ humanizePercentage $value }}", 0.123456, "12.35%", id="a called function rounds to 4 digits"),
        pytest.param("{{ $value | humanize }}", 1234567.0, "1.235M", id="humanize picks a metric prefix"),
        pytest.param("{{ $value | humanize }}", 0.0025, "2.5m", id="humanize scales small values to milli"),
        pytest.param("{{ $value | humanizeDuration }}", 2.5, "2.5s", id="a duration under a minute keeps 4 digits"),
        pytest.param("{{ $value | humanizeDuration }}", 899.99, "14m 59s", id="minutes and whole seconds"),
        pytest.param("{{ $value | humanizeDuration }}", 90061.0, "1d 1h 1m 1s", id="days first"),
        pytest.param("{{ $value | humanizeDuration }}", 0.25, "250ms", id="a sub-second duration in milliseconds"),
        pytest.param("in {{ $labels.namespace }} pod {{.Labels.pod}}", None, "in codeverify pod codeverify-api-0",
                     id="labels need no value"),
        pytest.param("{{ $labels.missing }}|", None, "|", id="a missing label renders empty"),
    ],
)
def test_render(template, value, expected):
    assert scenarios.render(template, NS, value) == expected


@pytest.mark.parametrize(
    "template, value",
    [
        pytest.param("{{ $value }}", None, id="$value without an expected value is refused"),
        pytest.param("{{ $value | printf \"%.2f\" }}", 1.0, id="an unsupported pipeline is refused"),
        pytest.param("{{ $value | title }}", 1.0, id="an unknown function is refused"),
        pytest.param("{{ if gt $value 1.0 }}x{{ end }}", 1.0, id="control structures are refused"),
    ],
)
def test_render_refuses_what_it_cannot_render(template, value):
    with pytest.raises(scenarios.TemplateError):
        scenarios.render(template, NS, value)


# Values and templates rendered by us and by promtool's real Prometheus templates.
CROSS_CHECK = [
    (v, t)
    for v in (0.0, 0.051, 0.101, 1.0, 2.5, 4.0, 101.0, 123456.0, 1e6, 1234567.0, 0.00001234, 899.99, 90061.0, 0.25, 1 / 3)
    for t in ("{{ $value }}", "{{ $value | humanize }}", "{{ $value | humanizePercentage }}",
              "{{ $value | humanizeDuration }}")
]


def test_renderer_agrees_with_promtool(promtool, tmp_path):
    """One alert per value, `vector(v)`; promtool compares its rendering with ours."""
    rules, tests = [], []
    for i, (value, template) in enumerate(CROSS_CHECK):
        rules.append({"alert": f"A{i}", "expr": f"vector({value!r})", "annotations": {"t": template}})
        tests.append({"alertname": f"A{i}", "eval_time": "1m", "exp_alerts": [
            {"exp_labels": {}, "exp_annotations": {"t": scenarios.render(template, {}, value)}}]})
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}))
    (tmp_path / "t.yaml").write_text(yaml.safe_dump({"rule_files": ["r.yaml"], "tests": [
        {"interval": "1m", "input_series": [], "alert_rule_test": tests}]}))
    result = subprocess.run([promtool, "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_committed_promtool_tests_pass(promtool):
    """What `make test` runs: every scenario of every alert under the real promtool."""
    files = sorted(glob.glob(os.path.join(ROOT, pipeline.PROMTOOL_TESTS, "*.yaml")))
    assert files, f"{pipeline.PROMTOOL_TESTS} holds no test files: run `python build.py`"
    # One promtool per file, side by side: the SLO files take seconds each, on one core each.
    runs = [subprocess.Popen([promtool, "test", "rules", f], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for f in files]
    for path, run in zip(files, runs):
        output = run.communicate()[0]
        assert run.returncode == 0, f"{path}:\n{output}"
        assert "SUCCESS" in output, output


@pytest.fixture(scope="module")
def project():
    project = load(ROOT)
    pipeline.expand(project)  # the SLOs' alerts carry generated scenarios: they count too
    return project


def test_every_alert_has_a_firing_and_a_quiet_scenario(project):
    missing = []
    for group in project.all_groups():
        for rule in group.rules:
            if isinstance(rule, AlertRule):
                kinds = {bool(s.fires) for s in rule.scenarios}
                if kinds != {True, False}:
                    missing.append(rule.name)
    assert not missing, f"alerts without both a firing and a quiet scenario: {missing}"


def test_worker_down_is_tested_without_any_worker_target(project):
    import config

    rule = next(r for g in project.groups for r in g.rules if r.name == "WorkerDown")
    no_worker = [s for s in rule.scenarios
                 if s.fires and not any(config.WORKER_SELECTOR in sel for sel in s.series)]
    assert no_worker, "WorkerDown needs a firing scenario with no worker `up` series at all"


def test_the_real_project_has_no_scenario_findings(project):
    assert scenarios.check(project) == []


def _cfg():
    import config

    return config


@pytest.mark.parametrize(
    "series, problem",
    [
        pytest.param(scrape.series("up", scrape.worker(_cfg(), 0)), None, id="a worker's up is fine"),
        pytest.param(scrape.series("codeverify_queue_length", scrape.api(_cfg(), 1), queue="analysis"), None,
                     id="a CodeVerify series with every target label is fine"),
        pytest.param('up{app="codeverify-worker", namespace="codeverify"}', "lacks the target labels",
                     id="an up series without job and instance is reported"),
        pytest.param('codeverify_queue_length{queue="analysis"}', "lacks the target labels",
                     id="a series without its target labels is reported"),
        pytest.param(scrape.series("codeverify_queue_length", scrape.api(_cfg(), 0), queue="a", endpoint_="x"),
                     "neither the metric nor its source", id="an unknown label is reported"),
        pytest.param('codeverify_queue_lenght{queue="a"}', "not a series of the catalog", id="a typo is reported"),
        pytest.param('codeverify_http_request_duration_seconds{le="1.0"}', "not a series of the catalog",
                     id="a histogram's bare name is no series"),
        pytest.param('up{job=~"x"}', "only use `=` matchers", id="a regex matcher is refused"),
        pytest.param("sum(up)", "must be a metric name", id="an expression is refused"),
    ],
)
def test_series_problem(project, series, problem):
    found = scenarios.series_problem(series, project.catalog)
    if problem is None:
        assert found is None
    else:
        assert found and problem in found


def _with_scenario(project, rule_name: str, scenario: Scenario):
    """The project with `rule_name`'s scenarios replaced by one."""
    groups = []
    for g in project.groups:
        rules = tuple(replace(r, scenarios=(scenario,)) if r.name == rule_name else r for r in g.rules)
        groups.append(RuleGroup(g.name, rules, g.interval))
    return replace(project, groups=tuple(groups))


def test_a_scenario_without_the_value_its_template_needs_is_a_finding(project):
    rule = next(r for g in project.groups for r in g.rules if r.name == "QueueBacklog")
    broken = _with_scenario(project, "QueueBacklog", replace(rule.scenarios[0], value=None))
    findings = scenarios.check(broken)
    assert [f.rule for f in findings] == ["scenario/annotations"]
    assert "alert 'QueueBacklog'" in str(findings[0]) and "set the scenario's `value`" in str(findings[0])


@pytest.mark.parametrize("rule_name, fires, never", [
    pytest.param("QueueBacklog", {"namespace": "codeverify", "queue": "analysis", "pod": "codeverify-api-0"}, "`pod`",
                 id="a label the aggregation drops"),
    pytest.param("HighErrorRate", {"namespace": "codeverify", "status": "500"}, "`status`",
                 id="a label of the input series the ratio sums away"),
    pytest.param("QueueBacklog", {"namespace": "codeverify", "queue": "analysis"}, None,
                 id="exactly the labels the expression keeps"),
])
def test_a_scenario_expecting_a_label_the_expression_drops_is_a_finding(project, rule_name, fires, never):
    rule = next(r for g in project.groups for r in g.rules if r.name == rule_name)
    firing = next(s for s in rule.scenarios if s.fires)
    findings = scenarios.check(_with_scenario(project, rule_name, replace(firing, fires=(fires,), annotations={})))
    if never is None:
        assert [f for f in findings if f.rule == "scenario/labels"] == []
        return
    [finding] = [f for f in findings if f.rule == "scenario/labels"]
    assert finding.severity == "error" and f"alert '{rule_name}'" in str(finding)
    assert f"expects label {never} on the alert, which its expression's result never carries" in finding.message


def _run_scenario(promtool, tmp_path, project, rule_name, scenario) -> subprocess.CompletedProcess:
    """Write out/prometheus and one scenario's test into tmp_path and run promtool on it."""
    changed = _with_scenario(project, rule_name, scenario)
    files, _ = pipeline.render(changed)
    for rel, data in files.items():
        if rel.startswith("prometheus/"):
            (tmp_path / "out" / "prometheus").mkdir(parents=True, exist_ok=True)
            (tmp_path / "out" / rel).write_bytes(data)
    tests = tmp_path / "tests" / "promtool"
    tests.mkdir(parents=True)
    (_, data), = [f for f in scenarios.scenario_files(changed) if any(a == rule_name for a, _ in f[0])]
    (tests / "t.yaml").write_text(yaml.safe_dump(data))
    return subprocess.run([promtool, "test", "rules", "t.yaml"], cwd=tests, capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    "rule_name, change",
    [
        pytest.param("HighErrorRate", {"value": 0.052}, id="a wrong expected value fails"),
        pytest.param("QueueBacklog", {"fires": ({"namespace": "codeverify", "queue": "other"},)},
                     id="wrong expected labels fail"),
        pytest.param("WorkerDown", {"at": "3m"}, id="expecting the alert before its `for` has passed fails"),
    ],
)
def test_a_wrong_expectation_fails_under_promtool(promtool, tmp_path, project, rule_name, change):
    rule = next(r for g in project.groups for r in g.rules if r.name == rule_name)
    firing = next(s for s in rule.scenarios if s.fires)
    assert _run_scenario(promtool, tmp_path / "right", project, rule_name, firing).returncode == 0
    result = _run_scenario(promtool, tmp_path / "wrong", project, rule_name, replace(firing, **change))
    assert result.returncode != 0, result.stdout


@pytest.fixture
def repo_copy(tmp_path):
    """The definitions of this repository in a temporary root, built once."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("config.py", "catalog.py"):
        shutil.copy(os.path.join(ROOT, name), root / name)
    for name in ("alerts", "dashboards", "slo"):
        shutil.copytree(os.path.join(ROOT, name), root / name, ignore=shutil.ignore_patterns("__pycache__"))
    code, output = _build("--root", str(root))
    assert code == 0, output
    return root


def _build(*args):
    from click.testing import CliRunner

    import build

    result = CliRunner().invoke(build.cli, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "change, expected",
    [
        pytest.param("modify", "stale: codeverify-api.yaml", id="an edited promtool test is stale"),
        pytest.param("delete", "missing: codeverify-workers.yaml", id="a deleted promtool test is missing"),
        pytest.param("extra", "extra: old.yaml", id="a promtool test no longer produced is extra"),
    ],
)
def test_check_covers_the_promtool_tests(repo_copy, change, expected):
    tests = repo_copy / "tests" / "promtool"
    assert (tests / "codeverify-api.yaml").exists()
    if change == "modify":
        with open(tests / "codeverify-api.yaml", "a") as fh:
            fh.write("# edited\n")
    elif change == "delete":
        os.remove(tests / "codeverify-workers.yaml")
    else:
        (tests / "old.yaml").write_text("tests: []\n")
        with open(tests / ".generated", "a") as fh:
            fh.write("old.yaml\n")
    code, output = _build("--root", str(repo_copy), "--check")
    assert code == 1
    assert expected in output


def test_out_option_builds_out_alone(repo_copy, tmp_path):
    shutil.rmtree(repo_copy / "tests")
    code, output = _build("--root", str(repo_copy), "--out", str(tmp_path / "elsewhere"))
    assert code == 0, output
    assert not (repo_copy / "tests").exists()
