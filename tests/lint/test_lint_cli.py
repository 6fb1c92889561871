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


@pytest.mark.parametrize("used", [True, False], ids=["used in one group only", "used nowhere"])
def test_a_file_wide_ignore_is_judged_once_across_both_processes(tmp_path, monkeypatch, used):
    """A `# lint: ignore` before `groups:` covers every group, whichever process lints it."""
    from compiler import forked, lint
    from compiler.lint import external
    from compiler.load import load

    if not forked.available():
        pytest.skip("fork or a second core is missing: run_split runs in one process here")
    lines = ["# lint: ignore promql/unknown-metric legacy metric, being renamed", "groups:"]
    for g in range(20):
        lines += [f"- name: g{g}", "  rules:"]
        metric = "codeverify_legacy_requests_total" if used and g == 0 else "codeverify_http_requests_total"
        lines += [f"  - record: job:x{g}:rate5m", f"    expr: sum by (job) (rate({metric}[5m]))"]
    path = tmp_path / "rules.yaml"
    path.write_text("\n".join(lines) + "\n")
    project = load(ROOT)
    monkeypatch.setattr(lint, "SPLIT_FROM", 10 ** 9)
    alone = [str(f) for f in external.lint_files(project, [str(path)])]
    monkeypatch.setattr(lint, "SPLIT_FROM", 0)
    split = [str(f) for f in external.lint_files(project, [str(path)])]
    assert split == alone
    unused = [f for f in split if "lint/ignore" in f]
    assert len(unused) == (0 if used else 1), split


def test_targets_without_refid_are_named_as_grafana_names_them(tmp_path):
    """A..Z, then AA, AB: as Grafana continues, and as our own dashboards number them."""
    from compiler.lint import external
    from compiler.load import load

    targets = [{"expr": "sum(rate(codeverify_http_requests_total[5m]))"} for _ in range(27)]
    targets.append({"expr": "rate(codeverify_no_such_metric_total[5m])"})
    targets[1]["refId"] = "AA"  # taken: the 28th target, with none, gets the next free name
    path = tmp_path / "dash.json"
    path.write_text(json.dumps({"uid": "x", "title": "x", "panels": [{"type": "timeseries", "title": "p", "targets": targets}]}))
    findings = [str(f) for f in external.lint_files(load(ROOT), [str(path)]) if "unknown-metric" in str(f)]
    assert len(findings) == 1 and "target AB" in findings[0], findings


@pytest.mark.parametrize("args", [
    pytest.param([FILES], id="text"),
    pytest.param([FILES, "--format", "json", "--disable", "alerts/*"], id="json, a family disabled"),
    pytest.param(["--severity=promql/absent=warning", "--strict", FILES], id="options before the path"),
    pytest.param([FILES, "--disable", "no/such-rule"], id="a usage error"),
])
def test_the_fast_path_of_a_command_line_is_the_click_command(run, args):
    """`python build.py lint PATH` starts without click (compiler/lint/cli.py): same output, same status."""
    import subprocess
    import sys

    code, out, err = run(*args)
    proc = subprocess.run([sys.executable, "build.py", "--root", ROOT, "lint", *args], cwd=ROOT,
                          capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (code, out)
    assert proc.stderr.strip().splitlines()[-1] == err.strip().splitlines()[-1]


def test_what_the_fast_path_does_not_know_goes_to_click():
    from compiler.lint.cli import parse

    assert parse(["--help"]) is None
    assert parse(["--format", "xml", "x.yaml"]) is None
    assert parse(["--strict"]) is None  # no path: the project's definitions, which need the full load
    assert parse(["--format=json", "--disable", "alerts/*", "a.yaml", "--", "-b.yaml"])["paths"] == ["a.yaml", "-b.yaml"]
    from compiler.lint.cli import split_root

    assert split_root(["--root", "r", "lint", "a.yaml"], ".") == (["a.yaml"], "r")
    assert split_root(["--root=r", "lint", "a.yaml"], ".") == (["a.yaml"], "r")
    assert split_root(["lint", "--strict", "a.yaml"], ".") == (["--strict", "a.yaml"], ".")
    assert split_root(["--strict", "lint", "a.yaml"], ".") is None  # a group option: click's
    assert split_root(["verify", "lint"], ".") is None
