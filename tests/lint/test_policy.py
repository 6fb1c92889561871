"""Policy is configuration: --disable, --severity, config.LINT_RULES per path glob, --catalog-strict."""
from __future__ import annotations

import re
import types

import pytest
from click.testing import CliRunner

import build
from compiler.errors import UsageError
from compiler.lint.finding import Finding
from compiler.lint.policy import Policy
from compiler.location import Location
from conftest import ROOT
from lintkit import alert, rule_file

IDS = ["alerts/runbook", "alerts/severity", "promql/absent", "promql/unknown-metric"]


def finding(rule, file="vendor/x.yaml", severity="error"):
    return Finding(Location(file, 1), rule, severity, "m")


def config(**settings):
    return types.SimpleNamespace(**settings)


@pytest.mark.parametrize("table, disable, severity, rule, file, expected", [
    pytest.param({}, (), (), "alerts/runbook", "a.yaml", "error", id="the rule's own severity by default"),
    pytest.param({}, ("alerts/runbook",), (), "alerts/runbook", "a.yaml", None, id="--disable drops it"),
    pytest.param({}, (), ("alerts/runbook=warning",), "alerts/runbook", "a.yaml", "warning", id="--severity changes it"),
    pytest.param({"vendor/**": {"alerts/*": "off"}}, (), (), "alerts/severity", "vendor/x.yaml", None,
                 id="a family is off for a glob"),
    pytest.param({"vendor/**": {"alerts/*": "off"}}, (), (), "alerts/severity", "mine/x.yaml", "error",
                 id="and on elsewhere"),
    pytest.param({"*": {"promql/absent": "warning"}, "vendor/**": {"promql/absent": "error"}}, (), (),
                 "promql/absent", "vendor/x.yaml", "error", id="a later glob wins"),
    pytest.param({"vendor/**": {"alerts/runbook": "off"}}, (), ("alerts/runbook=warning",), "alerts/runbook",
                 "vendor/x.yaml", "warning", id="the command line wins over config"),
])
def test_levels(table, disable, severity, rule, file, expected):
    policy = Policy.build(config(LINT_RULES=table), disable, severity, IDS)
    out = policy.apply([finding(rule, file)])
    assert [f.severity for f in out] == ([expected] if expected else [])


def test_a_note_stays_a_note_unless_its_rule_is_off():
    policy = Policy.build(config(LINT_RULES={}), (), ("promql/unknown-metric=error",), IDS)
    assert [f.severity for f in policy.apply([finding("promql/unknown-metric", severity="note")])] == ["note"]
    policy = Policy.build(config(LINT_RULES={}), ("promql/unknown-metric",), (), IDS)
    assert policy.apply([finding("promql/unknown-metric", severity="note")]) == []


@pytest.mark.parametrize("table, disable, severity, message", [
    pytest.param({}, ("alerts/runbok",), (), "`alerts/runbok` is not a lint rule", id="a misspelt rule"),
    pytest.param({}, (), ("alerts/runbook",), "write RULE=LEVEL", id="no level"),
    pytest.param({}, (), ("alerts/runbook=info",), "must be one of error, warning, off", id="an unknown level"),
    pytest.param({"x/**": {"alerts/runbook": "loud"}}, (), (), "LINT_RULES['x/**']", id="a bad level in config"),
])
def test_what_the_policy_cannot_read_is_a_usage_error(table, disable, severity, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        Policy.build(config(LINT_RULES=table), disable, severity, IDS)


@pytest.fixture
def vendor_file(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "vendor.yaml"
    path.write_text(rule_file(alert("up{job=\"lb\"} == 0", labels={"severity": "page"}, annotations={"summary": "Down."})))
    return str(path)


def run(*args):
    result = CliRunner().invoke(build.cli, ["--root", ROOT, "lint", *args])
    return result.exit_code, result.stdout, result.stderr


def test_house_rules_off_on_the_command_line(vendor_file):
    code, out, _ = run(vendor_file)
    assert code == 1 and {"[alerts/severity]", "[alerts/runbook]", "[alerts/annotations]"} <= set(out.split())
    code, out, err = run(vendor_file, "--disable", "alerts/*")
    assert code == 0 and out == "", out
    code, out, err = run(vendor_file, "--severity", "alerts/severity=warning", "--disable", "alerts/runbook",
                         "--disable", "alerts/annotations")
    assert code == 0 and "warning [alerts/severity]" in out and err.strip() == "0 errors, 1 warning"


def test_a_bad_option_exits_2(vendor_file):
    code, out, err = run(vendor_file, "--disable", "no/such-rule")
    assert code == 2 and "`no/such-rule` is not a lint rule" in err and "Traceback" not in out + err


def test_the_projects_policy_applies_to_its_build_too(fixture_project):
    """A rule config.LINT_RULES turns off fails neither `build.py lint` nor the build (--strict here)."""
    dash = fixture_project / "dashboards" / "__init__.py"
    dash.write_text(dash.read_text().replace('unit="short"', 'unit=""'))
    runner = CliRunner()
    build_and_lint = (["--strict"], ["lint", "--strict"])  # the build, then the linter alone

    def run_(args):
        return runner.invoke(build.cli, ["--root", str(fixture_project), "--out", str(fixture_project / "out"), *args])

    for args in build_and_lint:
        result = run_(args)
        assert result.exit_code == 1 and "[dashboard/units]" in result.output, result.output
    config = fixture_project / "config.py"
    config.write_text(config.read_text() + '\nLINT_RULES = {"dashboards/*": {"dashboard/units": "off"}}\n')
    for args in build_and_lint:
        result = run_(args)
        assert result.exit_code == 0, result.output
