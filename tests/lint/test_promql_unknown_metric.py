"""promql/unknown-metric: catalog metrics, histogram suffixes, recorded outputs; typos get a suggestion."""
import pytest

from compiler.lint.rules import promql_unknown_metric as rule
from lintkit import alert, lint_alert, lint_text, project, rule_file  # noqa: F401

GOOD = [
    pytest.param("codeverify_queue_length > 1", id="a gauge of the catalog"),
    pytest.param("rate(codeverify_http_request_duration_seconds_count[5m]) > 1", id="a histogram's _count"),
    pytest.param('{__name__="codeverify_queue_length"} > 1', id="a name given as __name__"),
]
BAD = [
    pytest.param("rate(codeverify_http_request_total[5m]) > 1", "did you mean `codeverify_http_requests_total`", id="a typo gets a suggestion"),
    pytest.param("codeverify_http_request_duration_seconds > 1", "is a histogram and has no series of its own", id="a histogram's bare name"),
    pytest.param("nginx_up > 0", "`nginx_up` is not in the catalog", id="a metric from elsewhere"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule))


def test_recording_rules_of_the_file_are_known(lint_text):
    text = rule_file({"record": "job:codeverify_queue_length:max", "expr": "max(codeverify_queue_length)"},
                     alert("job:codeverify_queue_length:max > 1"))
    assert lint_text(text, rule) == []
