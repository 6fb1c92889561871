"""alerts/annotations: summary and description are required."""
import pytest

from compiler.lint.rules import alerts_annotations as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

E = "codeverify_queue_length > 100"


@pytest.mark.parametrize("annotations, missing", [
    pytest.param({"summary": "S.", "description": "D."}, [], id="both"),
    pytest.param({"summary": "S."}, ["description"], id="no description"),
    pytest.param({"description": "D.", "summary": "  "}, ["summary"], id="a blank summary"),
    pytest.param({}, ["summary", "description"], id="none"),
])
def test_annotations(lint_alert, annotations, missing):
    messages = lint_alert(E, rule, annotations=annotations)
    assert sorted(messages) == sorted(f"alert `TestAlert` has no `{key}` annotation" for key in missing)
