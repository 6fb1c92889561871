"""`build.py lint`: the text output on a set of external files (one snapshot), formats, exit codes."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

import build
from conftest import FIXTURE_PROJECT, ROOT

FILES = "tests/fixtures/lint"
SNAPSHOT = os.path.join(ROOT, "tests", "lint", "snapshots", "lint-fixtures.txt")


@pytest.fixture
def run(monkeypatch):
    monkeypatch.chdir(ROOT)  # findings name files relative to the working directory

    def invoke(*args):
        result = CliRunner().invoke(build.cli, ["--root", ROOT, "lint", *args])
        return result.exit_code, result.stdout, result.stderr
    return invoke


def test_text_output_matches_the_snapshot(run, update_goldens):
    code, out, err = run(FILES)
    assert code == 1
    assert "Traceback" not in out + err
    if update_goldens:
        with open(SNAPSHOT, "w") as fh:
            fh.write(out)
    with open(SNAPSHOT) as fh:
        assert out == fh.read(), "run pytest --update-goldens and review the diff"
    assert err.strip() == "14 errors, 5 warnings"


def test_json_output(run):
    code, out, _ = run(FILES, "--format", "json")
    findings = json.loads(out)
    assert code == 1
    assert {tuple(sorted(f)) for f in findings} == {("file", "line", "message", "object", "rule", "severity")}
    parse = next(f for f in findings if f["rule"] == "input/parse")
    assert (parse["file"], parse["line"]) == ("tests/fixtures/lint/broken.yaml", 4)
    assert any(f["line"] is None for f in findings), "findings inside a ConfigMap string have no file line"


def test_sarif_output(run):
    code, out, _ = run(FILES, "--format", "sarif")
    sarif = json.loads(out)
    assert code == 1 and sarif["version"] == "2.1.0"
    (run_,) = sarif["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert "promql/histogram" in {r["id"] for r in rules}
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(FILES)
    assert len(run_["results"]) == 19


@pytest.mark.parametrize("args, code, message", [
    pytest.param([], 0, "0 errors, 0 warnings", id="the project's definitions lint clean"),
    pytest.param(["--strict", "out"], 0, "0 errors, 0 warnings",
                 id="our own out/ lints clean, ServiceMonitor and Alertmanager files skipped silently"),
    pytest.param([f"{FILES}/misspelt-kind.yaml"], 0, "0 errors, 1 warning", id="warnings alone exit 0"),
    pytest.param(["--strict", f"{FILES}/misspelt-kind.yaml"], 1, "1 warning", id="--strict fails on warnings"),
    pytest.param(["no/such/file.yaml"], 2, "no/such/file.yaml: no such file or directory", id="a missing path is a usage error"),
    pytest.param(["--format", "xml", FILES], 2, "Invalid value for '--format'", id="an unknown format is a usage error"),
])
def test_exit_codes(run, args, code, message):
    status, out, err = run(*args)
    assert status == code, out + err
    assert message in out + err
    assert "Traceback" not in out + err


def test_fixture_project_lints_clean():
    result = CliRunner().invoke(build.cli, ["--root", FIXTURE_PROJECT, "lint"])
    assert result.exit_code == 0, result.output


def test_linting_in_two_processes_finds_exactly_what_one_finds(monkeypatch):
    """run_split gives half of the units (dashboards, rule groups) to a forked child."""
    from compiler import forked, lint
    from compiler.lint import external
    from compiler.load import load

    if not forked.available():
        pytest.skip("fork or a second core is missing: run_split runs in one process here")
    project = load(ROOT)
    paths = [os.path.join(ROOT, FILES), os.path.join(ROOT, "out")]
    monkeypatch.setattr(lint, "SPLIT_FROM", 10 ** 9)
    alone = external.lint_files(project, paths)
    monkeypatch.setattr(lint, "SPLIT_FROM", 0)
    split = external.lint_files(project, paths)
    assert len(alone) > 10 and split == alone
