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
from compiler.lint import registry
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
def test_the_table_repeats_each_rules_id_and_scope(name):
    """The registry's TABLE decides when a rule is imported (registry.lazy): a wrong scope there
    would skip the rule in `build.py lint FILE` while the build still ran it."""
    module = rule(name)
    assert (module.ID, module.SCOPE) in registry.TABLE, \
        f"compiler/lint/registry.py: TABLE needs ({module.ID!r}, {module.SCOPE!r}), as {name}.py says"
    assert registry.load(module.ID) is module


def test_lazy_rules_import_their_module_only_when_used():
    import subprocess
    import sys

    script = ("import sys; from compiler.lint import registry; r = registry.lazy(['dashboard/unit-id'])[0]; "
              "name = 'compiler.lint.rules.dashboard_unit_id'; before = name in sys.modules; "
              "r.check; print(before, name in sys.modules, r.SEVERITY)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", rule("dashboard_unit_id").SEVERITY]


def test_a_lazy_rule_describes_copies_and_pickles_as_its_module():
    import copy
    import pickle

    for lazy, module in zip(registry.lazy(), RULES):
        assert (lazy.ID, lazy.__doc__, lazy.SEVERITY) == (module.ID, module.__doc__, module.SEVERITY)
        assert copy.copy(lazy).ID == pickle.loads(pickle.dumps(lazy)).ID == module.ID


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
    # (Only this rule's: the project's ignores of rules not run here are findings of their own.)
    findings = [f for f in lint.run(project, lint.subjects(project), rules=[crashing]) if f.rule == "test/crash"]
    alerts = [s for s in lint.subjects(project) if s.scope == "alert"]
    assert len(findings) == len(alerts) > 0
    for finding in findings:
        assert finding.rule == "test/crash" and finding.severity == ERROR
        text = str(finding)
        assert text.startswith(f"{finding.location}: error [test/crash] the rule crashed on this object ("), text
        assert "KeyError: 'no-such-label'" in text and "test_registry.py:" in text, text
        assert "alert '" in text  # the object, by the framework's location
