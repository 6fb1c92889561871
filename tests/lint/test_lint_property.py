"""Robustness: generated and mutated expressions, rule files and dashboards never crash the linter.

The linter must return findings (or none) for any input, never raise: external
files are whatever people have lying around.
"""
from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.lint import external
from lintkit import alert, dashboard, panel, project, rule_file  # noqa: F401

pytestmark = pytest.mark.slow  # hundreds of generated or real-world documents

SEEDS = [
    'sum by (namespace) (rate(codeverify_http_requests_total{app="codeverify-api", status=~"5.."}[5m]))',
    "histogram_quantile(0.95, sum by (le) (rate(codeverify_http_request_duration_seconds_bucket[$__rate_interval])))",
    '(sum(up{app="codeverify-worker"}) or label_replace(vector(0), "namespace", "x", "", "")) < 2',
    "max by (queue) (codeverify_queue_length) > 100 and on (queue) codeverify_job_retries_total offset 5m",
    'topk($n, count_values("v", codeverify_db_pool_available)) / ignoring(v) group_left sum(x)',
    "holt_winters(codeverify_queue_length[10m:1m], 0.5, 0.5) @ end() - -1e3",
]
ALPHABET = st.sampled_from(list('()[]{},"=~!<>+-*/^%:$ 0123456789abylezs_') + ["sum", "by", "rate", "[5m]", "{{", "}}", "le"])


@st.composite
def mutated(draw):
    expr = list(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(expr)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert" or not expr:
            expr.insert(pos, draw(ALPHABET))
        elif action == "delete":
            del expr[min(pos, len(expr) - 1)]
        else:
            expr[min(pos, len(expr) - 1)] = draw(ALPHABET)
    return "".join(expr)


KEYS = st.sampled_from(["groups", "name", "rules", "alert", "record", "expr", "for", "labels", "annotations",
                        "severity", "description", "interval", "kind", "spec", "data", "panels", "targets",
                        "gridPos", "x", "y", "w", "h", "id", "type", "datasource", "uid", "templating", "list",
                        "fieldConfig", "defaults", "unit", "legendFormat", "refId", "rows", "metadata", "items"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 30), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=12), st.sampled_from(SEEDS + ["5m", "5 minutes", "{{ $labels.x }}", "PrometheusRule",
                                                                    "ConfigMap", "graph", "prometheus", "$datasource"]))
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)


def lint(project, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    findings = external.lint_files(project, [str(path)])
    assert isinstance(findings, list)


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(expr=mutated())
def test_mutated_expressions(project, tmp_path, expr):
    lint(project, tmp_path, "rules.yaml", rule_file(alert(expr), {"record": "a:b:c", "expr": expr}))
    lint(project, tmp_path, "d.json", json.dumps(dashboard(panel(expr, legend="{{le}}"))))


@SETTINGS
@given(doc=DOCS)
def test_generated_documents(project, tmp_path, doc):
    lint(project, tmp_path, "doc.yaml", yaml.safe_dump(doc))
    lint(project, tmp_path, "doc.json", json.dumps(doc))


@SETTINGS
@given(groups=st.lists(st.dictionaries(KEYS, DOCS, max_size=4), max_size=3), rules=st.lists(DOCS, max_size=4))
def test_rule_files_with_odd_fields(project, tmp_path, groups, rules):
    lint(project, tmp_path, "r.yaml", yaml.safe_dump({"groups": groups + [{"name": "g", "rules": rules}]}))


@SETTINGS
@given(text=st.text(max_size=200))
def test_arbitrary_text(project, tmp_path, text):
    lint(project, tmp_path, "t.yaml", text)
    lint(project, tmp_path, "t.json", text)
