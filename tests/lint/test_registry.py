"""The lint registry checks itself: a rule that is not registered, or is registered wrong, never runs silently.

Derived from compiler/lint/rules/ as it is: a new rule module is held to the
same contract without editing this file.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import types

import pytest

from compiler import lint
from compiler.lint import rules as rules_package
from compiler.lint.finding import ERROR, WARNING
from compiler.lint.registry import RULES
from compiler.load import load
from compiler.pipeline import expand
from conftest import ROOT

MODULES = sorted(info.name for info in pkgutil.iter_modules(rules_package.__path__))
DOC_PARTS = ("What it checks:", "Why:", "Bad:", "Good:")


def rule(name: str):
    return importlib.import_module(f"{rules_package.__name__}.{name}")


def test_every_rule_module_is_registered_once():
    registered = [r.__name__.rsplit(".", 1)[-1] for r in RULES]
    assert sorted(registered) == MODULES, "register each module of compiler/lint/rules/ in compiler/lint/registry.py"
    assert len(set(registered)) == len(registered)


@pytest.mark.parametrize("name", MODULES)
def test_the_id_is_the_file_name(name):
    assert rule(name).ID.replace("/", "_").replace("-", "_") == name, \
        "a rule's ID is its file name with `_` for `/` and `-` (alerts/severity -> alerts_severity.py)"


@pytest.mark.parametrize("name", MODULES)
def test_scope_and_severity_are_ones_the_linter_knows(name):
    module = rule(name)
    assert lint.scopes(module), "SCOPE names at least one scope"
    unknown = [s for s in lint.scopes(module) if s not in lint.SCOPES]
    assert not unknown, f"SCOPE {unknown} is not one of {lint.SCOPES}: the rule would never run"
    assert module.SEVERITY in (ERROR, WARNING)
    assert callable(module.check)


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_says_what_why_bad_and_good(name):
    doc = rule(name).__doc__ or ""
    assert doc.startswith(f"{rule(name).ID}: "), "the first line opens with the rule's ID"
    missing = [part for part in DOC_PARTS if part not in doc]
    assert not missing, f"the docstring lacks {missing}: SARIF output (lint/report.py) shows it to reviewers"


@pytest.mark.parametrize("name", MODULES)
def test_every_rule_is_tested(name):
    """Each rule's ID appears in a test: its table in tests/lint/test_<module>.py, as a rule of its own kind."""
    tests = os.path.join(ROOT, "tests")
    wanted = (rule(name).ID, name)
    for folder, _dirs, files in os.walk(tests):
        for file in files:
            if file.endswith(".py") and file != os.path.basename(__file__):
                with open(os.path.join(folder, file), encoding="utf-8") as fh:
                    text = fh.read()
                if any(w in text for w in wanted):
                    return
    pytest.fail(f"no test names {rule(name).ID}: add tests/lint/test_{name}.py with good and bad cases")


def test_a_crash_inside_a_rule_is_a_finding_naming_the_rule_and_the_object():
    project = load(ROOT)
    expand(project)

    def check(alert, ctx):
        yield alert.labels["no-such-label"]

    crashing = types.SimpleNamespace(ID="test/crash", SEVERITY=WARNING, SCOPE="alert", check=check)
    findings = lint.run(project, lint.subjects(project), rules=[crashing])
    alerts = [s for s in lint.subjects(project) if s.scope == "alert"]
    assert len(findings) == len(alerts) > 0
    for finding in findings:
        assert finding.rule == "test/crash" and finding.severity == ERROR
        text = str(finding)
        assert text.startswith(f"{finding.location}: error [test/crash] the rule crashed on this object ("), text
        assert "KeyError: 'no-such-label'" in text and "test_registry.py:" in text, text
        assert "alert '" in text  # the object, by the framework's location
