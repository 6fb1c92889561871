"""dashboard/variables: queries use only defined variables."""
import pytest

from compiler.lint.rules import dashboard_variables as rule
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401


@pytest.mark.parametrize("expr, variables, message", [
    pytest.param('rate(codeverify_analyses_total{namespace="$namespace"}[$__rate_interval])', ("datasource", "namespace"), None, id="a defined variable"),
    pytest.param('label_replace(up, "a", "$1", "b", "(.*)")', ("datasource",), None, id="a regex back-reference is no variable"),
    pytest.param('rate(codeverify_analyses_total{namespace="$namespace"}[$__rate_interval])', ("datasource",), "uses `$namespace`", id="an undefined variable"),
    pytest.param('rate(codeverify_analyses_total{namespace="[[ns]]"}[5m])', ("datasource",), "uses `$ns`", id="an undefined [[var]]"),
])
def test_variables(lint_dashboard, expr, variables, message):
    messages = lint_dashboard(dashboard(panel(expr), variables=variables), rule)
    assert messages == [] if message is None else any(message in m for m in messages), messages
