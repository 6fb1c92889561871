"""slo/threshold-bucket, and the SLO dashboard and rules going through the same lint as the rest."""
from __future__ import annotations

import pytest

from compiler import lint, pipeline
from compiler.lint import Subject
from compiler.lint.rules import slo_threshold_bucket
from compiler.load import load
from compiler.model import SLO, LatencySLI, RatioSLI
from conftest import ROOT

PROJECT = load(ROOT)
pipeline.expand(PROJECT)


def base_slo(sli) -> SLO:
    return SLO("test", "svc", 0.95, "Test.", sli)


def ratio(bucket_matcher: str) -> RatioSLI:
    bucket = f"codeverify_queue_latency_seconds_bucket{{{bucket_matcher}}}"
    return RatioSLI(
        f"sum(rate(codeverify_queue_latency_seconds_count[{{{{window}}}}])) - sum(rate({bucket}[{{{{window}}}}]))",
        "sum(rate(codeverify_queue_latency_seconds_count[{{window}}]))",
    )


CASES = [
    pytest.param(LatencySLI("codeverify_http_request_duration_seconds", 0.5), [], id="a threshold on a bucket bound passes"),
    pytest.param(LatencySLI("codeverify_queue_latency_seconds", 60), [], id="an int threshold equal to the 60.0 bound passes"),
    pytest.param(LatencySLI("codeverify_http_request_duration_seconds", 0.4), ["slo/threshold-bucket"],
                 id="a threshold between bounds is reported"),
    pytest.param(LatencySLI("codeverify_queue_latency_seconds", 45), ["slo/threshold-bucket"],
                 id="the guide's p95 on a missing bound is reported"),
    pytest.param(LatencySLI("codeverify_http_requests_total", 0.5), ["slo/threshold-bucket"],
                 id="a counter as latency histogram is reported"),
    pytest.param(ratio('le="60.0"'), [], id="a hand-written le as the client writes it passes"),
    pytest.param(ratio('le="60"'), ["slo/threshold-bucket"], id="a hand-written le=60 is reported"),
    pytest.param(ratio('le="45.0"'), ["slo/threshold-bucket"], id="a hand-written le on no bound is reported"),
    pytest.param(ratio('le="+Inf"'), [], id="the +Inf bucket passes"),
]


@pytest.mark.parametrize("sli, expected", CASES)
def test_threshold_bucket(sli, expected):
    slo = base_slo(sli)
    findings = lint.run(PROJECT, [Subject("slo", slo, PROJECT.locate(slo, "slo 'test'"))], rules=(slo_threshold_bucket,))
    assert sorted(f.rule for f in findings) == expected


def test_finding_names_the_bound_the_client_writes():
    slo = base_slo(ratio('le="60"'))
    [finding] = lint.run(PROJECT, [Subject("slo", slo, PROJECT.locate(slo, "slo 'test'"))], rules=(slo_threshold_bucket,))
    assert 'the client writes it as `le="60.0"`' in str(finding)
    assert str(finding).startswith("tests/test_slo_lint.py:")


def test_the_real_project_is_lint_clean():
    assert lint.run(PROJECT, lint.subjects(PROJECT)) == []


def test_the_slo_dashboard_and_rules_are_linted_like_the_others():
    subjects = list(lint.subjects(PROJECT))
    files = {s.location.file for s in subjects if s.scope in ("panel", "query", "record", "alert", "slo")}
    assert PROJECT.slos and {PROJECT.locate(slo).file for slo in PROJECT.slos} <= files
    assert any(s.scope == "dashboard" and s.obj.uid == "codeverify-slos" for s in subjects)


def test_an_unknown_metric_in_an_slo_points_at_the_slo_module(tmp_path):
    project = load(ROOT)
    bad = SLO("typo", "svc", 0.99, "Test.", RatioSLI(
        "sum(rate(codeverify_http_request_total[{{window}}]))", "sum(rate(codeverify_http_requests_total[{{window}}]))",
    ))
    project.slos = (bad,)
    pipeline.expand(project)
    findings = [f for f in lint.run(project, lint.subjects(project)) if f.rule == "promql/unknown-metric"]
    assert findings and {f.location.file for f in findings} == {"tests/test_slo_lint.py"}
    assert "did you mean `codeverify_http_requests_total`" in str(findings[0])


def test_a_problem_shared_by_the_generated_rules_is_reported_once_per_slo():
    project = load(ROOT)
    project.slos = (SLO("typo", "svc", 0.99, "Test.", RatioSLI(
        "sum by (namespace) (rate(codeverify_http_request_total[{{window}}]))",
        "sum by (namespace) (rate(codeverify_http_requests_total[{{window}}]))",
    )),)
    pipeline.expand(project)
    raw = lint.run(project, lint.subjects(project))
    findings = pipeline.collapse_generated(raw, project)
    # Every generated rule that reads the SLI's events repeats the typo.
    typos = sum("codeverify_http_request_total" in rule.expr for group in project.slo_groups for rule in group.rules)
    assert typos > 1 and len([f for f in raw if f.rule == "promql/unknown-metric"]) == typos
    [finding] = [f for f in findings if f.rule == "promql/unknown-metric"]
    assert finding.message.endswith(f"(and in {typos - 1} more rules generated from this SLO)")
