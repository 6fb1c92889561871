"""Suppressions: `lint_ignore` on definitions and `# lint: ignore` in YAML need a reason and a match."""
import dataclasses

import pytest

from compiler import lint
from compiler.lint import external
from compiler.lint.rules import promql_counter_raw, promql_histogram
from compiler.model import Dashboard, Panel, Row, Target, Variable
from lintkit import project  # noqa: F401

RAW = "sum by (severity) (codeverify_findings_total)"


def panel_with(ignore):
    return Panel("table", "Findings", "Findings since start.", (Target(RAW),), unit="short", lint_ignore=ignore)


@pytest.mark.parametrize("ignore, expected", [
    pytest.param({}, [("promql/counter-raw", "error")], id="no ignore: the finding"),
    pytest.param({"promql/counter-raw": "totals since start are what this table shows"}, [], id="an ignore with a reason"),
    pytest.param({"promql/counter-raw": ""}, [("lint/ignore", "warning")], id="an ignore without a reason"),
    pytest.param({"promql/counter-raw": "why", "promql/histogram": "nothing to ignore"},
                 [("lint/ignore", "warning")], id="an ignore that matches nothing"),
    pytest.param({"promql/counter-raw": "why", "promql/no-such-rule": "x"}, [("lint/ignore", "warning")], id="an unknown rule id"),
])
def test_definition_ignores(project, ignore, expected):
    dash = Dashboard("t", "T", "T.", (Row("R", (panel_with(ignore),)),),
                     variables=(Variable("datasource", "datasource", "prometheus"),))
    p = dataclasses.replace(project, dashboards=(dash,), groups=())
    # Without the project's other dashboards and rules most catalog metrics are unread: not this test's point.
    found = [(f.rule, f.severity) for f in lint.run(p, lint.subjects(p)) if f.rule != "catalog/unused-metric"]
    assert found == expected


@pytest.mark.parametrize("comment, expected", [
    pytest.param("", ["promql/counter-raw"], id="no comment"),
    pytest.param("# lint: ignore promql/counter-raw totals since start", [], id="a comment above the rule"),
    pytest.param("# lint: ignore promql/counter-raw", ["lint/ignore"], id="a comment without a reason"),
    pytest.param("# lint: ignore promql/histogram no histogram here", ["lint/ignore", "promql/counter-raw"], id="a comment that matches nothing"),
])
def test_yaml_comment_ignores(project, tmp_path, comment, expected):
    path = tmp_path / "rules.yaml"
    path.write_text(f"groups:\n- name: g\n  rules:\n  {comment}\n  - record: job:findings:sum\n    expr: {RAW}\n")
    # "Matches nothing" only for a rule that ran: a disabled rule's ignore is not known to be stale.
    findings = external.lint_files(project, [str(path)], rules=(promql_counter_raw, promql_histogram))
    assert sorted(f.rule for f in findings) == expected
