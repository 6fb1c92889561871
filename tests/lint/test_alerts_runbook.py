"""alerts/runbook: runbook_url required; the project's runbook files must exist (once runbooks/ exists)."""
import shutil

import pytest

from compiler import lint
from compiler.lint.rules import alerts_runbook as rule
from compiler.load import load
from conftest import FIXTURE_PROJECT
from lintkit import lint_alert, lint_text, project  # noqa: F401

E = "codeverify_queue_length > 100"


@pytest.mark.parametrize("annotations, ok", [
    pytest.param({"summary": "S.", "description": "D.", "runbook_url": "https://x/r.md"}, True, id="with a runbook_url"),
    pytest.param({"summary": "S.", "description": "D."}, False, id="without"),
])
def test_runbook_url(lint_alert, annotations, ok):
    assert (lint_alert(E, rule, annotations=annotations) == []) == ok


@pytest.mark.parametrize("files, messages", [
    pytest.param(None, [], id="no runbooks directory: the file check is skipped"),
    pytest.param(["shop-errors.md"], [], id="the runbook file exists"),
    # ShopErrors and ShopDown share the runbook: one finding each.
    pytest.param(["other.md"], ["runbook `runbooks/shop-errors.md` does not exist"] * 2, id="the runbook file is missing"),
])
def test_project_runbook_files(tmp_path, files, messages):
    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    if files is not None:
        (root / "runbooks").mkdir()
        for name in files:
            (root / "runbooks" / name).write_text("# runbook\n")
    project = load(str(root))
    found = [f.message.split(":")[0] for f in lint.run(project, lint.subjects(project), rules=(rule,)) if f.rule == rule.ID]
    assert found == messages
