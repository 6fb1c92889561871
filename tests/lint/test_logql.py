"""logql/syntax, logql/unknown-label, logql/unknown-field: Loki targets checked by Grafana's LogQL grammar."""
from __future__ import annotations

import json

import pytest

from compiler import logql
from compiler.lint.rules import logql_syntax, logql_unknown_field, logql_unknown_label
from lintkit import dashboard, lint_dashboard, lint_text, project  # noqa: F401

API = '{namespace="codeverify", app="codeverify-api"}'
WORKER = '{namespace="codeverify", app="codeverify-worker"}'
# The guide's three LogQL queries, as written there.
SEED = (
    '{app="codeverify-api"} |= "ERROR" | json | line_format "{{.message}}"',
    '{app="codeverify-worker"} | json | status="failed" | line_format "{{.analysis_id}}: {{.error_message}}"',
    '{app="codeverify-api"} | json | duration_ms > 1000',
)


def loki_dashboard(*exprs) -> dict:
    d = dashboard(variables=("datasource",))
    d["templating"]["list"].append({"name": "loki", "type": "datasource", "query": "loki"})
    d["panels"] = [{
        "id": 1, "type": "logs", "title": "Logs", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
        "datasource": {"type": "loki", "uid": "${loki}"},
        "targets": [{"refId": chr(65 + i), "expr": e} for i, e in enumerate(exprs)],
    }]
    return d


@pytest.fixture
def lint_logql(lint_dashboard):
    def run(expr: str, rule):
        return lint_dashboard(loki_dashboard(expr), rule)
    return run


@pytest.mark.parametrize("expr", SEED, ids=["recent errors", "analysis failures", "slow requests"])
def test_the_guides_queries_pass(lint_logql, expr):
    for rule in (logql_syntax, logql_unknown_label, logql_unknown_field):
        assert lint_logql(expr, rule) == [], rule.ID


@pytest.mark.parametrize("expr, message", [
    pytest.param(f"{API} | json", None, id="a selector and a parser"),
    pytest.param('sum by (level) (count_over_time({app="codeverify-api"} | json [$__auto]))', None,
                 id="a metric query with Grafana's interval"),
    pytest.param('{app="codeverify-api", namespace=~"$namespace"} |~ "(?i)error"', None, id="a variable and a regex filter"),
    pytest.param('{app="codeverify-api" | json', "LogQL does not parse", id="an unclosed selector"),
    pytest.param(f"{API} | jsn", "LogQL does not parse", id="a misspelt parser"),
    pytest.param(f'{API} | json | line_format', "unexpected end of query", id="line_format without a template"),
    pytest.param('count_over_time({app="codeverify-api"})', "LogQL does not parse", id="a range function without a range"),
    pytest.param('', None, id="an empty target is the no-query rule's"),
])
def test_syntax(lint_logql, expr, message):
    messages = lint_logql(expr, logql_syntax)
    assert messages == [] if message is None else any(message in m for m in messages), messages


@pytest.mark.parametrize("expr, message", [
    pytest.param(f'{API} | json', None, id="promtail's labels"),
    pytest.param('{app="codeverify-api", cluster=~"$cluster"}', None, id="the cluster label"),
    pytest.param('{container="codeverify-api", app="codeverify-api"}', "uses `container`", id="a label promtail does not attach"),
    pytest.param('{app="codeverify-api", job="codeverify/api"}', "uses `job`", id="the job label of another shipper config"),
])
def test_unknown_label(lint_logql, expr, message):
    messages = lint_logql(expr, logql_unknown_label)
    assert messages == [] if message is None else any(message in m for m in messages), messages


@pytest.mark.parametrize("expr, message", [
    pytest.param(f'{API} | json | level="ERROR" | line_format "{{{{.message}}}} {{{{.trace_id}}}}"', None,
                 id="fields of every line"),
    pytest.param(f'{WORKER} | json | status="failed" | line_format "{{{{ or .error_message .message }}}}"', None,
                 id="worker fields"),
    pytest.param(f'{API} | json | __error__=""', None, id="Loki's own error label"),
    pytest.param(f'{API} | json | label_format ms=duration_ms | ms > 10', None, id="a label the query made"),
    pytest.param(f'{API} | json dur="duration_ms" | dur > 10', None, id="a json extraction names its label"),
    pytest.param(f'{API} | logfmt | anything="x"', None, id="fields after logfmt are not the catalog's"),
    pytest.param(f'{API} | json | latency_ms > 1000', "`latency_ms`, a field the codeverify-api log lines do not have",
                 id="a field the format does not have"),
    pytest.param(f'{API} | json | durations_ms > 1000', "did you mean `duration_ms`", id="with a suggestion"),
    pytest.param(f'{API} | json | status="failed"', "reads `status`", id="a worker field on API lines"),
    pytest.param(f'{WORKER} | json | line_format "{{{{.error_msg}}}}"', "line_format reads `error_msg`",
                 id="a template field"),
    pytest.param(f'{API} | level="ERROR" | json', "before a `| json` stage", id="a field read before json"),
    pytest.param(f'sum by (handler) (count_over_time({API} | json [5m]))', "by reads `handler`", id="a grouping label"),
    pytest.param(f'sum(rate({API} | json | unwrap latency [5m]))', "unwrap reads `latency`", id="an unwrapped field"),
])
def test_unknown_field(lint_logql, expr, message):
    messages = lint_logql(expr, logql_unknown_field)
    assert messages == [] if message is None else any(message in m for m in messages), messages


def test_others_streams_are_only_syntax_checked(lint_logql):
    # Loki's own dashboards select Loki's logs: our catalog cannot speak for them.
    expr = '{cluster="$cluster", namespace="$namespace", job=~"($namespace)/distributor"} |= "level=error"'
    assert lint_logql(expr, logql_unknown_label) == []
    assert lint_logql(expr, logql_unknown_field) == []


def test_build_py_lint_holds_a_file_to_the_log_catalog(tmp_path):
    """Through the command (its light project, cached or not), as through the table above:
    `build.py lint PATH` once loaded no log streams, so it never reported a field typo."""
    import subprocess
    import sys

    from conftest import ROOT

    path = tmp_path / "d.json"
    path.write_text(json.dumps(loki_dashboard(f"{API} | json | durration_ms > 1000")))
    for cache in ("--no-cache", None, None):  # fresh, then written (if stale) and read back
        args = [sys.executable, "build.py", "lint", str(path)] + ([cache] if cache else [])
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 1 and "[logql/unknown-field]" in proc.stdout, proc.stdout + proc.stderr
        assert "did you mean `duration_ms`" in proc.stdout


def test_the_parser_is_grafanas_grammar_under_node():
    trees = logql.parse_many([SEED[0]])
    names = {n.name for n in trees[SEED[0]].walk()}
    assert {"Selector", "LineFilter", "LabelParser", "LineFormatExpr"} <= names


def test_without_node_the_build_says_why(project, monkeypatch, tmp_path):
    from compiler.lint import external

    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)  # compiler/logql.py imports it when it runs node
    monkeypatch.setattr(logql, "_trees", {})
    path = tmp_path / "d.json"
    path.write_text(json.dumps(loki_dashboard(SEED[0])))
    findings = [f for f in external.lint_files(project, [str(path)], rules=(logql_syntax,))]
    assert [f.severity for f in findings] == ["error"]
    assert "`node` not found" in findings[0].message and "make build" in findings[0].message


def test_a_project_dashboard_finding_is_located_at_its_panel(project):
    from compiler import lint
    from compiler.model import LOKI, Dashboard, Panel, Row, Target
    import dashboards.common as c

    panel = Panel("logs", "Broken", "d.", (Target(f"{API} | json | latency_ms > 1", datasource=LOKI),), unit="none")
    dash = Dashboard("x", "X", "d.", (Row("r", (panel,)),), variables=(c.PROMETHEUS_VARIABLE, c.LOKI_VARIABLE))
    findings = lint.run(project, list(lint._dashboard_subjects(project, dash)), rules=(logql_unknown_field,))
    assert [(f.rule, f.location.line, f.location.path[-1]) for f in findings] == [
        ("logql/unknown-field", panel.src.line, "panel 'Broken'")]
    assert str(findings[0]).startswith("tests/lint/test_logql.py:")
