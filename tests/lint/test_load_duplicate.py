"""load/duplicate: dashboard uids, group names and SLOs are unique in a project."""
import dataclasses

import pytest

from compiler import lint
from compiler.lint.rules import load_duplicate as rule
from compiler.load import load
from conftest import FIXTURE_PROJECT

@pytest.mark.parametrize("twice, message", [
    pytest.param(None, None, id="the fixture project is clean"),
    pytest.param("dashboards", "dashboard uid `shop-overview` is defined twice", id="a dashboard uid twice"),
    pytest.param("groups", "rule group `shop.rules` is defined twice", id="a group name twice"),
])
def test_duplicate(twice, message):
    project = load(FIXTURE_PROJECT)
    if twice:
        project = dataclasses.replace(project, **{twice: getattr(project, twice) * 2})
    messages = [f.message for f in lint.run(project, lint.subjects(project), rules=(rule,)) if f.rule == rule.ID]
    assert messages == [] if message is None else any(message in m for m in messages)
