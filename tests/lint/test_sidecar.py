"""Dashboards take no comments: suppressions come from a `.lint` file next to them."""
from __future__ import annotations

import json

import pytest

from compiler.lint import external
from lintkit import dashboard, panel, project  # noqa: F401

BAD_UNITS = dashboard(panel("sum(rate(codeverify_analyses_total[$__rate_interval]))", unit="", title="Runs", pid=1),
                      panel("sum(rate(codeverify_analyses_total[$__rate_interval]))", unit="", title="Other", pid=2,
                            grid=(12, 0, 12, 8)))


def lint(project, tmp_path, sidecar: str | None):
    (tmp_path / "d.json").write_text(json.dumps(BAD_UNITS))
    if sidecar is not None:
        (tmp_path / ".lint").write_text(sidecar)
    return [(f.rule, f.severity, f.message) for f in external.lint_files(project, [str(tmp_path)])]


def units_on(found):
    return sorted(m for rule, _, m in found if rule == "dashboard/units")


def test_without_a_sidecar_both_panels_are_found(project, tmp_path):
    assert len(units_on(lint(project, tmp_path, None))) == 2


@pytest.mark.parametrize("sidecar, left", [
    pytest.param("exclusions:\n  dashboard/units:\n    reason: vendor panels count things\n", 0,
                 id="a rule for every dashboard of the directory"),
    pytest.param("exclusions:\n  dashboard/units:\n    reason: r\n    entries:\n    - dashboard: test\n", 0,
                 id="for one dashboard by uid"),
    pytest.param("exclusions:\n  dashboard/units:\n    reason: r\n    entries:\n    - dashboard: Test\n      panel: Runs\n", 1,
                 id="for one panel by title"),
    pytest.param("exclusions:\n  dashboard/units:\n    reason: r\n    entries:\n    - dashboard: elsewhere\n", 2,
                 id="another dashboard's entry"),
])
def test_exclusions(project, tmp_path, sidecar, left):
    assert len(units_on(lint(project, tmp_path, sidecar))) == left


@pytest.mark.parametrize("sidecar, message", [
    pytest.param("exclusions:\n  dashboard/untis:\n    reason: r\n", "`dashboard/untis`, which is not a lint rule",
                 id="a misspelt rule"),
    pytest.param("exclusions:\n  dashboard/units: {}\n", "gives no reason", id="no reason"),
    pytest.param("exclusions:\n  dashboard/layout:\n    reason: r\n", "matches nothing", id="an exclusion with nothing to exclude"),
    pytest.param("exclusions: [", "cannot read the lint sidecar", id="not YAML"),
    pytest.param("- dashboard/units\n", "a .lint file maps `exclusions`", id="the wrong shape"),
])
def test_problems_with_the_sidecar_are_findings(project, tmp_path, sidecar, message):
    found = lint(project, tmp_path, sidecar)
    assert any(message in m for _, _, m in found), found


def test_an_empty_entry_list_excludes_nothing(project, tmp_path):
    found = lint(project, tmp_path, "exclusions:\n  dashboard/units:\n    reason: r\n    entries: []\n")
    assert len(units_on(found)) == 2
