"""compiler/labels.py against Prometheus itself: what each expression's result series really carry.

`promtool test rules` evaluates every expression of the table on the same input series
and, asked for no samples, prints the series it got. For each of them the analysis must
hold: the `sure` labels are on every result series, no series has a label outside `may`,
and an expression the analysis calls never-matching returns nothing. The catalog here
describes exactly the input series, so `may` is closed and the check has teeth.
"""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from compiler import labels, promql
from compiler.catalog import Catalog
from compiler.model import COUNTER, GAUGE, HISTOGRAM, Metric, MetricSource

TARGET = ("job", "instance")
CATALOG = Catalog(
    (Metric("req_total", COUNTER, "requests", "app", labels=("code", "handler", "namespace", "pod")),
     Metric("lat_seconds", HISTOGRAM, "latency", "app", labels=("handler",), buckets=(0.1, 1.0)),
     Metric("pod_info", GAUGE, "pod facts, value 1", "ksm", labels=("namespace", "pod", "node")),
     Metric("queue_length", GAUGE, "jobs waiting", "app", labels=("queue",))),
    (MetricSource("app", "the application", TARGET), MetricSource("ksm", "kube-state-metrics", TARGET)),
)
KNOWN = labels.Known(CATALOG, strict=True)

SERIES = []
for inst, pod, node in (("i1", "p1", "n1"), ("i2", "p2", "n2")):
    for code in ("200", "500"):
        for handler in ("/a", "/b"):
            SERIES.append((f'req_total{{job="app", instance="{inst}", code="{code}", handler="{handler}", '
                           f'namespace="ns", pod="{pod}"}}', "0+1x20"))
    for le in ("0.1", "1.0", "+Inf"):
        SERIES.append((f'lat_seconds_bucket{{job="app", instance="{inst}", handler="/a", le="{le}"}}', "0+1x20"))
    SERIES.append((f'pod_info{{job="ksm", instance="k", namespace="ns", pod="{pod}", node="{node}"}}', "1x20"))
    SERIES.append((f'queue_length{{job="app", instance="{inst}", queue="q"}}', "5x20"))

EXPRESSIONS = [
    "req_total",
    "sum by (code) (rate(req_total[5m]))",
    "sum without (instance, pod) (rate(req_total[5m]))",
    "sum(rate(req_total[5m]))",
    "count_values(\"value\", queue_length)",
    "topk(1, rate(req_total[5m]))",
    "histogram_quantile(0.9, sum by (le, handler) (rate(lat_seconds_bucket[5m])))",
    "histogram_quantile(0.9, rate(lat_seconds_bucket[5m]))",
    "rate(req_total[5m]) > 0",
    "rate(req_total[5m]) > bool 0",
    "sum by (namespace, pod) (rate(req_total[5m])) * on (namespace, pod) group_left (node) pod_info",
    "pod_info * on (namespace, pod) group_right (node) sum by (namespace, pod, code) (rate(req_total[5m]))",
    "sum by (pod) (rate(req_total[5m])) / on (pod) sum by (pod, namespace) (rate(req_total[5m]))",
    "rate(req_total{code=\"500\"}[5m]) / ignoring (code) rate(req_total{code=\"200\"}[5m])",
    "sum by (code) (rate(req_total[5m])) or sum by (handler) (rate(req_total[5m]))",
    "rate(req_total[5m]) and on (pod) pod_info",
    "rate(req_total[5m]) unless on (pod) pod_info{node=\"n1\"}",
    "label_replace(queue_length, \"team\", \"core\", \"\", \"\")",
    "label_replace(queue_length, \"host\", \"$1\", \"instance\", \"(.*)\")",
    "label_join(queue_length, \"where\", \"/\", \"job\", \"instance\")",
    "absent(nosuch{job=\"app\", env=~\"p.*\"})",
    "absent(queue_length{job=\"app\", queue=\"missing\"})",
    "vector(1)",
    "1 - sum by (namespace) (rate(req_total[5m])) / 2",
    "sum by (namespace) (rate(req_total[5m])) / sum by (pod) (rate(req_total[5m]))",
    "sum by (code) (rate(req_total[5m])) / sum(rate(req_total[5m]))",
    "sum by (code) (rate(req_total[5m])) / on () group_left sum(rate(req_total[5m]))",
    "sum by (namespace) (rate(req_total[5m])) and sum by (node) (pod_info)",
]


@pytest.fixture(scope="module")
def evaluated(promtool, tmp_path_factory) -> dict[str, list[dict]]:
    """Each expression -> the label sets (without __name__) of the series Prometheus returns."""
    tests = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [{"series": s, "values": v} for s, v in SERIES],
        "promql_expr_test": [{"expr": e, "eval_time": "10m", "exp_samples": []} for e in EXPRESSIONS],
    }]}
    path = tmp_path_factory.mktemp("labels") / "labels_test.yaml"
    path.write_text(yaml.safe_dump(tests, sort_keys=False))
    out = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)
    text = out.stdout + out.stderr
    got: dict[str, list[dict]] = {e: [] for e in EXPRESSIONS}
    for m in re.finditer(r'expr: "((?:[^"\\]|\\.)*)", time: [^\n]*\n\s*exp: [^\n]*\n\s*got: ([^\n]*)', text):
        expr = m.group(1).encode().decode("unicode_escape")
        assert expr in got, expr
        got[expr] = [dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', series))
                     for series in re.findall(r"\{([^}]*)\}", m.group(2))]
    assert "could not parse" not in text and "error" not in text.lower().replace("0 errors", ""), text
    for series in got.values():
        for s in series:
            s.pop("__name__", None)
    return got


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_the_analysis_bounds_what_prometheus_returns(evaluated, expr):
    node = promql.parse(expr)
    labels.clear()
    found = labels.labels(node, KNOWN)
    never = labels.never_matching(node, KNOWN)
    result = evaluated[expr]
    if never is not None:
        assert result == [], f"called never-matching ({never}) but Prometheus returned {result}"
        return
    assert result, "every expression of the table returns series (else this case proves nothing)"
    for series in result:
        assert found.sure <= set(series), f"sure {sorted(found.sure)} not all on {series}"
        if found.may is not None:
            assert set(series) <= found.may, f"{series} has labels outside may {sorted(found.may)}"


def test_the_table_has_never_matching_cases(evaluated):
    never = [e for e in EXPRESSIONS if labels.never_matching(promql.parse(e), KNOWN)]
    assert len(never) == 3, never
