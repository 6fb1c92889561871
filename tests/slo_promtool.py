"""Write an SLO's generated scenarios as a promtool unit-test file, and run promtool on it.

Firing is checked with `promql_expr_test` on the `ALERTS` series, not `alert_rule_test`:
the latter compares annotations exactly, and ours hold the burn rate (`$value`) and a
query of the budget left, numbers that depend on rate extrapolation and say nothing
about whether the alert fires. An expected-firing scenario lists the exact label sets
of `ALERTS{alertstate="firing"}` (alert name, severity, slo, service, namespace); a
quiet one expects no `ALERTS` series at all, so not even a pending alert. The
annotations are checked once, exactly, on a steady burn where their numbers are round
(tests/test_slo_promtool.py, test_page_annotations_render_the_burn_rate_and_the_budget_left).
"""
from __future__ import annotations

import subprocess

import yaml


def alerts_selector(slo, firing: bool) -> str:
    state = ', alertstate="firing"' if firing else ""
    return f'ALERTS{{slo="{slo.name}"{state}}}'


def test_file(slo, scenarios, rule_file: str, extra_checks=()) -> dict:
    tests = []
    for sc in scenarios:
        expected = [
            {"labels": "ALERTS" + _labels({**labels, "alertstate": "firing"}), "value": 1} for labels in sc.fires
        ]
        checks = [{"expr": alerts_selector(slo, bool(sc.fires)), "eval_time": sc.at, "exp_samples": expected}]
        tests.append({
            "name": f"{slo.name}: {sc.name}",
            "interval": sc.interval,
            "input_series": [{"series": s, "values": v} for s, v in sc.series.items()],
            "promql_expr_test": checks + [dict(c, eval_time=c.get("eval_time", sc.at)) for c in extra_checks],
        })
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": tests}


def _labels(labels: dict) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def run(promtool: str, path) -> subprocess.CompletedProcess:
    return subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)


def write(path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1 << 20))
