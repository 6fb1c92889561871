"""The series-vanish check (compiler/proving/vanish.py): the build's located errors, and promtool's proof."""
from __future__ import annotations

import copy
import subprocess
from dataclasses import replace

import pytest
import yaml

from compiler import pipeline
from compiler.load import load
from compiler.model import AlertRule
from compiler.proving import vanish
from conftest import ROOT

PROJECT = load(ROOT)
pipeline.expand(PROJECT)
CONFIG = PROJECT.config
ALERTS = {r.name: r for g in PROJECT.all_groups() for r in g.rules if isinstance(r, AlertRule)}


def changed(name: str, **fields):
    """A copy of the project with alert `name` changed (and its derived inputs forgotten)."""
    project = copy.copy(PROJECT)
    project.extra = {}

    def groups(gs):
        return tuple(replace(g, rules=tuple(replace(r, **fields) if getattr(r, "name", None) == name else r
                                            for r in g.rules)) for g in gs)

    project.groups, project.slo_groups = groups(PROJECT.groups), groups(PROJECT.slo_groups)
    return project


def findings(project) -> list[tuple[str, str]]:
    return [(f.location.path[-1], f.message) for f in vanish.check(project)]


def test_every_alert_of_the_project_is_covered():
    assert vanish.check(PROJECT) == []


def test_every_alert_has_its_vanish_scenarios():
    """Each alert reading synthetic series has "all its input series gone", and one case per source it reads."""
    cases = vanish.cases(PROJECT)
    for name, rule in ALERTS.items():
        mine = [c.what for c in cases if c.alert.name == name]
        assert mine and mine[0] == "all its input series", name
    whats = {(c.alert.name, c.what) for c in cases}
    assert ("HighErrorRate", "the API pods") in whats
    assert ("QueueBacklog", "the worker pods") in whats and ("QueueBacklog", "the API pods") in whats
    assert ("DatabaseExporterDown", "the database exporter (PostgreSQL)") in whats
    assert ("HighErrorRate", "the worker pods") not in whats, "a source an alert does not read is not its case"


@pytest.mark.parametrize(
    "name, fields, expected",
    [
        pytest.param("HighErrorRate", {"covered_by": ()}, "with all its input series gone, no alert can fire",
                     id="a ratio of rates without cover is a located error"),
        pytest.param("HighErrorRate", {"covered_by": ("APIDwn",)}, "`covered_by` names `APIDwn`",
                     id="a cover naming no alert is a located error"),
        pytest.param("QueueBacklog", {"covered_by": ("QueueMetricsAbsent", "WorkerDown")},
                     "with the API pods gone, CodeVerify is down and must page",
                     id="losing the API pods without a critical cover is a located error"),
        pytest.param("APIDown", {"for_": "10m"}, "would fire too late",
                     id="a cover whose `for` outlasts the deadline is a located error"),
    ],
)
def test_uncovered_alerts_fail_the_build_where_they_are_defined(name, fields, expected):
    found = findings(changed(name, **fields))
    assert any(where == f"alert '{name}'" and expected in message for where, message in found), found


def test_an_uncovered_alert_is_one_line_at_its_file():
    (finding, *_) = vanish.check(changed("HighLatency", covered_by=()))
    line = str(finding)
    assert line.startswith("alerts/api.py:") and "[alerts/vanish]" in line and "\n" not in line


def _case(project, alert: str, what: str) -> vanish.Case:
    (case,) = [c for c in vanish.cases(project) if c.alert.name == alert and c.what == what]
    return case


def _promtool(promtool, tmp_path, project, case: vanish.Case) -> subprocess.CompletedProcess:
    files, _ = pipeline.render(project)
    for rel, data in files.items():
        if rel.startswith("prometheus/"):
            (tmp_path / "out" / "prometheus").mkdir(parents=True, exist_ok=True)
            (tmp_path / "out" / rel).write_bytes(data)
    tests = tmp_path / "tests" / "promtool"
    tests.mkdir(parents=True)
    data = {"rule_files": vanish._rule_files(case, project), "evaluation_interval": "1m",
            "tests": [vanish.test_case(case)]}
    (tests / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False, width=1 << 20))
    return subprocess.run([promtool, "test", "rules", "case.yaml"], cwd=tests, capture_output=True, text=True)


def test_deleting_every_api_pod_pages_within_5_minutes_of_the_last_scrape(promtool, tmp_path):
    """The synthetic CodeVerify loses its API pods (staleness markers after the last scrape):
    a critical alert fires by the last scrape + VANISH_PAGE_DEADLINE, not sooner than the pods go."""
    case = _case(PROJECT, "HighErrorRate", "the API pods")
    assert case.page and case.deadline == CONFIG.VANISH_PAGE_DEADLINE == "5m"
    test = vanish.test_case(case)
    firing = test["promql_expr_test"][1]
    assert 'severity="critical"' in firing["expr"] and firing["eval_time"] == f"{vanish.LAST_SCRAPE_MINUTE + 5}m"
    assert all(s["values"].endswith(" stale") for s in test["input_series"] if 'app="codeverify-api"' in s["series"])
    result = _promtool(promtool, tmp_path, PROJECT, case)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_vanish_case_without_its_cover_fails_under_promtool(promtool, tmp_path):
    """The same case watching HighErrorRate alone: promtool reports that nothing fired."""
    case = replace(_case(PROJECT, "HighErrorRate", "all its input series"), watch=("HighErrorRate",))
    result = _promtool(promtool, tmp_path, PROJECT, case)
    assert result.returncode == 1 and "got: nil" in result.stdout + result.stderr, result.stdout


def test_a_cover_that_is_too_slow_fails_under_promtool(promtool, tmp_path):
    """APIDown with `for: 5m` passes the build's estimate only at 4m or less; at 5m promtool sees it late."""
    slow = changed("APIDown", for_="5m")
    case = _case(slow, "APIDown", "the API pods")
    result = _promtool(promtool, tmp_path, slow, case)
    assert result.returncode == 1, result.stdout


def test_the_baseline_is_quiet_before_the_vanish():
    """Every case first asks that none of its watched alerts is even pending at the last scrape."""
    for case in vanish.cases(PROJECT):
        quiet = vanish.test_case(case)["promql_expr_test"][0]
        assert quiet["exp_samples"] == [] and quiet["eval_time"] == f"{vanish.LAST_SCRAPE_MINUTE}m"


def test_synthetic_series_follow_the_simulator():
    world = {s.selector: s for s in vanish.synthetic(PROJECT.catalog, CONFIG)}
    up = [s for s in world.values() if s.name == "up" and s.label("app") == CONFIG.API_APP]
    assert len(up) == 2 and all(s.start == 1 and s.step == 0 for s in up)
    jobs = {s.label("job") for s in world.values() if s.name == "up"}
    assert {CONFIG.POSTGRES_EXPORTER_JOB, CONFIG.REDIS_EXPORTER_JOB} <= jobs
