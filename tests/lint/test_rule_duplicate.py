"""rule/duplicate: the same rule name with the same labels twice."""
import pytest

from compiler.lint.rules import rule_duplicate as rule
from lintkit import alert, lint_text, project, rule_file  # noqa: F401

A = alert("codeverify_queue_length > 100")
R = {"record": "job:x:sum", "expr": "sum(codeverify_queue_length)"}


@pytest.mark.parametrize("rules, expected", [
    pytest.param([A, {**A, "labels": {"severity": "critical"}}], [], id="same alert, other labels"),
    pytest.param([A, {**A, "expr": "codeverify_queue_length > 200"}], ["warning"], id="same alert, same labels"),
    pytest.param([R, R], ["error"], id="the same record twice"),
    pytest.param([R, {**R, "labels": {"q": "a"}}], [], id="records told apart by labels"),
])
def test_duplicate(lint_text, rules, expected):
    findings = lint_text(rule_file(*rules), rule)
    assert [f.severity for f in findings] == expected
    assert all("is also defined at" in f.message for f in findings)
