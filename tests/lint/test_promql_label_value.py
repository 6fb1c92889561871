"""promql/label-value: matchers against the declared values of enumerated labels."""
import pytest

from compiler.lint.rules import promql_label_value as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

GOOD = [
    pytest.param('rate(codeverify_analyses_total{status="passed"}[5m]) > 1', id="a declared value"),
    pytest.param('rate(codeverify_analyses_total{status=~"pass.*"}[5m]) > 1', id="a regex matching a value"),
    pytest.param('rate(codeverify_analyses_total{status=~"pa)|(zzz"}[5m]) > 1', id="anchored as ^(?:...)$: starts with pa"),
    pytest.param('rate(codeverify_http_requests_total{status="503"}[5m]) > 1', id="a label without declared values"),
    pytest.param('rate(codeverify_analyses_total{status!="passd"}[5m]) > 1', id="a negative matcher is not checked"),
]
BAD = [
    pytest.param('rate(codeverify_analyses_total{status="passd"}[5m]) > 1', "did you mean `passed`", id="a typo in a value"),
    pytest.param('rate(codeverify_analyses_total{status=~"error|timeout"}[5m]) > 1', "matches none of passed, failed", id="a regex matching no value"),
    pytest.param('rate(codeverify_http_requests_total{method="get"}[5m]) > 1', "`method` is one of GET", id="a value in the wrong case"),
]


@pytest.mark.parametrize("expr", GOOD)
def test_good(lint_alert, expr):
    assert lint_alert(expr, rule) == []


@pytest.mark.parametrize("expr, message", BAD)
def test_bad(lint_alert, expr, message):
    assert any(message in m for m in lint_alert(expr, rule)), lint_alert(expr, rule)
