"""promql/unknown-metric: catalog metrics, histogram suffixes, recorded outputs; typos get a suggestion."""
import pytest

from compiler.lint.rules import promql_unknown_metric as rule
from lintkit import alert, lint_alert, lint_text, project, rule_file  # noqa: F401

GOOD = [
    pytest.param("codeverify_queue_length > 1", id="a gauge of the catalog"),
    pytest.param("rate(codeverify_http_request_duration_seconds_count[5m]) > 1", id="a histogram's _count"),
    pytest.param('{__name__="codeverify_queue_length"} > 1', id="a name given as __name__"),
    pytest.param("nginx_up > 0", id="a metric from elsewhere: the catalog cannot judge it, the note counts it"),
]
BAD = [
    pytest.param("rate(codeverify_http_request_total[5m]) > 1", "did you mean `codeverify_http_requests_total`", id="a typo gets a suggestion"),
    pytest.param("codeverify_http_request_duration_seconds > 1", "is a histogram and has no series of its own", id="a histogram's bare name"),
    pytest.param("codeverify_nginx_up > 0", "`codeverify_nginx_up` is not in the catalog", id="a name in the catalog's namespace"),
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


def test_foreign_metrics_are_counted_in_one_note_or_errors_with_catalog_strict(project, tmp_path):
    from compiler.lint import external

    path = tmp_path / "rules.yaml"
    path.write_text(rule_file(alert("nginx_up == 0"), alert("rate(haproxy_errors_total[5m]) > 1 and nginx_up == 1"),
                              alert("codeverify_queu_length > 1")))
    relaxed = [f for f in external.lint_files(project, [str(path)]) if f.rule == rule.ID]
    assert [(f.severity, f.message.split(" (")[0]) for f in relaxed] == [
        ("note", "2 metric names outside the catalog not checked"),
        ("error", "metric `codeverify_queu_length` is not in the catalog"),
    ]
    assert "did you mean `codeverify_queue_length`" in relaxed[1].message
    strict = [f for f in external.lint_files(project, [str(path)], catalog_strict=True) if f.rule == rule.ID]
    assert {f.message.split(" ")[1] for f in strict} == {"`codeverify_queu_length`", "`haproxy_errors_total`", "`nginx_up`"}
    assert {f.severity for f in strict} == {"error"}


def test_series_every_prometheus_writes_are_not_counted_as_unchecked(project, tmp_path):
    from compiler.lint import external

    path = tmp_path / "rules.yaml"
    path.write_text(rule_file(alert('ALERTS{alertstate="firing"} > 0'), alert("scrape_duration_seconds > 10")))
    assert [f for f in external.lint_files(project, [str(path)]) if f.rule == rule.ID] == []
