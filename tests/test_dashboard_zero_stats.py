"""'Workers up' reads 0, not "No data", when no worker target exists (promtool evaluates the panel's query)."""
from __future__ import annotations

import subprocess

import pytest
import yaml

import dashboards
from compiler import promql, selection
from compiler.proving import scrape
import config

OVERVIEW = next(d for d in dashboards.DASHBOARDS if d.uid == "codeverify-overview")
PANEL = next(p for p in OVERVIEW.panels if p.title == "Workers up")


@pytest.mark.parametrize("workers_up, expected", [
    pytest.param((), 0, id="no worker target at all: 0"),
    pytest.param((1, 0), 1, id="one of two up: 1"),
    pytest.param((1, 1, 1), 3, id="three up: 3, the fallback adds nothing"),
])
def test_workers_up_counts_from_zero(promtool, tmp_path, workers_up, expected):
    expr = promql.expand(PANEL.targets[0].expr, selection.from_model(OVERVIEW))
    series = {scrape.series("up", scrape.api(config, 0)): "1x10"}
    series.update({scrape.series("up", scrape.worker(config, i)): f"{v}x10" for i, v in enumerate(workers_up)})
    test = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in series.items()],
            "promql_expr_test": [{"expr": expr, "eval_time": "5m",
                                  "exp_samples": [{"labels": "{}", "value": expected}]}],
        }],
    }
    path = tmp_path / "workers_up.yaml"
    path.write_text(yaml.safe_dump(test))
    result = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
