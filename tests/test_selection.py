"""Dashboard variables put into PromQL as Grafana's Prometheus data source puts them (compiler/selection.py).

verify and the installations check run panel queries with the variables' values in place:
each value must give a query Prometheus parses, whose matcher selects exactly the chosen values.
"""
from __future__ import annotations

import promql_parser as pp
import pytest

from compiler import promql, regex, selection


def matcher(expr: str, values: dict) -> tuple[str, object]:
    """The (value, op) of the one matcher of `expr` with the variables in place, parsed as Prometheus parses it."""
    tree = promql.parse(promql.expand(expr, values))
    (m,) = [m for m in tree.matchers.matchers if m.name != "__name__"]
    return m.value, m.op


@pytest.mark.parametrize("chosen, multi, selects, not_selects", [
    pytest.param(["codeverify-prod"], True, ["codeverify-prod"], ["codeverify-pro"], id="a dash: no \\- escape"),
    pytest.param(["team.a"], True, ["team.a"], ["teamxa"], id="a dot matches only a dot"),
    pytest.param(["a(b)|c"], True, ["a(b)|c"], ["c", "ab"], id="regex metacharacters are literal"),
    pytest.param(["a\\b"], True, ["a\\b"], ["ab"], id="a backslash"),
    pytest.param(["dev", "prod-eu"], True, ["dev", "prod-eu"], ["staging"], id="two values: an alternation"),
    pytest.param(["codeverify-prod"], False, ["codeverify-prod"], ["other"], id="a single-value variable"),
])
def test_a_value_gives_a_query_prometheus_parses_that_selects_it(chosen, multi, selects, not_selects):
    value = selection.regex_value(chosen, regex=multi)
    pattern, op = matcher('up{namespace=~"$namespace"}', {"namespace": value})
    assert op == pp.MatchOp.Re
    assert all(regex.fullmatch(pattern, v) for v in selects), pattern
    assert not any(regex.fullmatch(pattern, v) for v in not_selects), pattern


def test_a_quote_in_a_plain_value_is_escaped_as_grafana_escapes_it():
    """Grafana writes `'` as `\\'`: inside a double-quoted matcher that reads `\'`, a literal quote."""
    value = selection.regex_value(["it's"], regex=False)
    pattern, _ = matcher('up{namespace=~"$namespace"}', {"namespace": value})
    assert regex.fullmatch(pattern, "it's"), pattern


def test_all_is_the_variables_all_value_as_written():
    assert selection.regex_value([selection.ALL], "codeverify-.*") == "codeverify-.*"
    assert selection.regex_value([selection.ALL]) == selection.ANY
