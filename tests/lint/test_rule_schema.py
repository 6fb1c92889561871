"""rule/schema: fields, types and durations as promtool checks them."""
import pytest
import yaml

from compiler.lint.rules import rule_schema as rule
from lintkit import alert, lint_text, project, rule_file  # noqa: F401

E = "codeverify_queue_length > 100"


@pytest.mark.parametrize("text, message", [
    pytest.param(rule_file(alert(E)), None, id="a clean alert"),
    pytest.param(rule_file(alert(E, keep_firing_for="10m")), None, id="keep_firing_for (2.42)"),
    pytest.param(rule_file({"record": "job:x:sum", "expr": "sum(codeverify_queue_length)"}), None, id="a clean record"),
    pytest.param(rule_file(alert(E, **{"for": "5 minutes"})), "`for: 5 minutes` is not a Prometheus duration", id="the guide's for: 5 minutes"),
    pytest.param(rule_file(alert(E, **{"for": 5})), "`for: 5` is not a Prometheus duration", id="a number as for"),
    pytest.param(rule_file(alert("")), "`expr` must be a non-empty", id="an empty expr"),
    pytest.param(rule_file(alert(E, severity="critical")), "field `severity` is not allowed", id="severity outside labels"),
    pytest.param(rule_file({"record": "job:x:sum", "expr": "1", "for": "5m"}), "field `for` is not allowed in a recording rule", id="for on a record"),
    pytest.param(rule_file({"record": "job-x", "expr": "1"}), "not a valid metric name", id="a bad record name"),
    pytest.param(rule_file(alert(E, labels={"bad-name": "x"})), "`bad-name` in `labels` is not a valid label name", id="a bad label name"),
    pytest.param(rule_file(alert(E, labels={"__name__": "x"})), "`__name__` cannot be set in `labels`", id="__name__ as an alert label"),
    pytest.param(rule_file({"record": "job:x:sum", "expr": "1", "labels": {"__name__": "y"}}), "`__name__` cannot be set", id="__name__ as a record label"),
    pytest.param(yaml.safe_dump({"groups": [{"name": "g", "interval": "1 minute", "rules": []}]}), "`interval: 1 minute`", id="a bad group interval"),
    pytest.param(yaml.safe_dump({"groups": [{"name": "g", "rules": [], "extra": 1}]}), "unknown group field `extra`", id="an unknown group field"),
    pytest.param(yaml.safe_dump({"groups": {"name": "g"}}), "`groups` must be a list", id="groups not a list"),
])
def test_schema(lint_text, text, message):
    messages = [f.message for f in lint_text(text, rule)]
    assert messages == [] if message is None else any(message in m for m in messages), messages
