#!/usr/bin/env python3
"""`python build.py lint FILE` against `promtool check rules FILE` on generated rule files.

Generates rule files of realistic alerts and recording rules over the catalog's metrics
(every expression distinct, as in a real file), runs both tools cold in fresh processes,
alternating so that machine load hits both alike, and prints the medians, their ratio,
and our cost per 1,000 rules from 1k to 50k rules (linear growth keeps it flat).
Every expression distinct, unlike bench/run.py's lint row (the rules a generated
repository emits); this one shows the growth. Usage:
    .venv/bin/python bench/lint_bench.py [--runs 5] [--sizes 1000,10000,50000]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COUNTERS = ["codeverify_http_requests_total", "codeverify_analyses_total", "codeverify_llm_requests_total",
            "codeverify_db_queries_total", "codeverify_job_retries_total"]
HISTOGRAMS = ["codeverify_http_request_duration_seconds", "codeverify_queue_latency_seconds",
              "codeverify_analysis_duration_seconds"]


def rule(i: int) -> dict:
    kind = i % 4
    if kind == 0:
        return {"record": f"namespace:bench_{i}:rate5m",
                "expr": f'sum by (namespace) (rate({COUNTERS[i % 5]}{{app="codeverify-api", pod!="p{i}"}}[5m]))'}
    if kind == 1:
        h = HISTOGRAMS[i % 3]
        return {"alert": f"BenchLatency{i}",
                "expr": f'histogram_quantile(0.95, sum by (namespace, le) (rate({h}_bucket{{app="codeverify-api"}}[5m]))) > {i % 97 + 1}',
                "for": "5m", "labels": {"severity": "warning"},
                "annotations": {"summary": f"Latency {i} is high.", "runbook_url": f"https://example.com/{i}.md",
                                "description": "p95 is {{ $value | humanizeDuration }} in {{ $labels.namespace }}."}}
    if kind == 2:
        c = COUNTERS[i % 5]
        return {"alert": f"BenchErrors{i}",
                "expr": f'sum by (namespace) (rate({c}{{app="codeverify-worker"}}[10m])) / '
                        f'sum by (namespace) (rate({c}[10m])) > 0.{i % 9 + 1}',
                "for": "10m", "labels": {"severity": "critical"},
                "annotations": {"summary": f"Errors {i}.", "runbook_url": f"https://example.com/{i}.md",
                                "description": "{{ $value | humanizePercentage }} in {{ $labels.namespace }}."}}
    return {"alert": f"BenchQueue{i}", "expr": f"max by (namespace, queue) (codeverify_queue_length) > {i}",
            "for": "15m", "labels": {"severity": "info"},
            "annotations": {"summary": f"Queue {i}.", "description": "{{ $labels.queue }} holds {{ $value }} jobs.",
                            "runbook_url": f"https://example.com/{i}.md"}}


def write_rules(path: str, n: int) -> None:
    rules = [rule(i) for i in range(n)]
    groups = [{"name": f"bench-{g}", "rules": rules[g:g + 50]} for g in range(0, n, 50)]
    with open(path, "w") as fh:
        yaml.dump({"groups": groups}, fh, Dumper=yaml.CSafeDumper, sort_keys=False, width=1000)


def wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    # Python as a user runs it, with its bytecode cache (see bench/run.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000,50000")
    args = parser.parse_args()
    promtool = shutil.which("promtool")
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        print("| rules | ours median (s) | promtool median (s) | ratio | ours per 1k rules (s) | runs |")
        print("|---|---|---|---|---|---|")
        for n in sizes:
            path = os.path.join(tmp, f"bench-{n}.rules.yaml")
            write_rules(path, n)
            ours_cmd = [sys.executable, "build.py", "lint", path]
            prom_cmd = [promtool, "check", "rules", path] if promtool else None
            runs = args.runs if n <= 10_000 else max(1, args.runs // 2)
            ours, prom = [], []
            wall(ours_cmd)  # warm the OS file cache
            for _ in range(runs):
                ours.append(wall(ours_cmd))
                if prom_cmd:
                    prom.append(wall(prom_cmd))
            o = statistics.median(ours)
            p = statistics.median(prom) if prom else float("nan")
            print(f"| {n} | {o:.3f} | {p:.3f} | {o / p:.2f} | {o / n * 1000:.4f} | {runs} |")
    if not promtool:
        print("promtool not found: install Debian's `prometheus` package for the comparison")


if __name__ == "__main__":
    main()
