"""alerts/severity: a severity label from config.SEVERITIES."""
import pytest

from compiler.lint.rules import alerts_severity as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

E = "codeverify_queue_length > 100"


@pytest.mark.parametrize("labels, message", [
    pytest.param({"severity": "critical"}, None, id="critical"),
    pytest.param({"severity": "info", "team": "x"}, None, id="info with other labels"),
    pytest.param({"team": "x"}, "has no `severity` label", id="missing"),
    pytest.param({"severity": "page"}, "severity `page` is not one of critical, warning, info", id="not one of the three"),
    pytest.param({"severity": ""}, "has no `severity` label", id="empty"),
])
def test_severity(lint_alert, labels, message):
    messages = lint_alert(E, rule, labels=labels)
    assert messages == [] if message is None else any(message in m for m in messages)
