#!/usr/bin/env python3
"""Generate a synthetic monitoring repository with this repository's layout.

N dashboards of 20 panels (one module each under dashboards/) and R rules (groups
of 10, the last one partial; one module each under alerts/), over a catalog of
services whose queries take the shapes real repositories use: ratios of rates,
histogram_quantile over buckets, joins with on()/group_left, subqueries, absent(),
label_replace.
Everything it writes lints clean, so a build of it measures the whole pipeline.

    python bench/gen_repo.py DIR --dashboards 100 --rules 1000
    python build.py --root DIR --out DIR/out --strict

The defaults, 23 dashboards and 136 rules, are the size of kubernetes-mixin.
"""
from __future__ import annotations

import argparse
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PANELS_PER_DASHBOARD = 20
RULES_PER_GROUP = 10


def service(i: int) -> str:
    return f"svc{i:04d}"


def catalog_module(services: int) -> str:
    lines = [
        '"""Synthetic catalog: per service a request counter, a latency histogram, a queue gauge."""',
        "from compiler.model import COUNTER, GAUGE, HISTOGRAM, Metric, MetricSource",
        "",
        "TARGET = ('job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container', 'app')",
        "SOURCES = (",
        "    MetricSource('app', 'synthetic services', TARGET),",
        "    MetricSource('prometheus', 'up for every target', TARGET),",
        "    MetricSource('kube-state-metrics', 'pod info', TARGET),",
        ")",
        "BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)",
        "METRICS = [",
        "    Metric('up', GAUGE, 'Whether the target was scraped.', 'prometheus', 'bool'),",
        "    Metric('kube_pod_info', GAUGE, 'Pod metadata.', 'kube-state-metrics', 'info', ('node', 'created_by_kind')),",
        "]",
        f"for i in range({services}):",
        "    s = f'svc{i:04d}'",
        "    METRICS += [",
        "        Metric(f'{s}_requests_total', COUNTER, 'Requests served.', 'app', 'requests',",
        "               ('method', 'handler', 'status'), values={'method': ('GET', 'POST')}),",
        "        Metric(f'{s}_request_duration_seconds', HISTOGRAM, 'Request latency.', 'app', 'seconds',",
        "               ('method', 'handler'), buckets=BUCKETS),",
        "        Metric(f'{s}_queue_length', GAUGE, 'Jobs waiting.', 'app', 'jobs', ('queue',)),",
        "    ]",
        "METRICS = tuple(METRICS)",
        "",
    ]
    return "\n".join(lines)


# Panel query shapes, cycled: (kind, unit, expr template). {s} is the service prefix.
PANEL_SHAPES = (
    ("timeseries", "reqps", 'sum by (handler) (rate({s}_requests_total{{app="{s}"}}[$__rate_interval]))'),
    ("timeseries", "percentunit",
     'sum(rate({s}_requests_total{{app="{s}", status=~"5.."}}[$__rate_interval]))'
     ' / sum(rate({s}_requests_total{{app="{s}"}}[$__rate_interval]))'),
    ("timeseries", "s",
     'histogram_quantile(0.95, sum by (le) (rate({s}_request_duration_seconds_bucket{{app="{s}"}}[$__rate_interval])))'),
    ("timeseries", "s",
     'sum(rate({s}_request_duration_seconds_sum{{app="{s}"}}[$__rate_interval]))'
     ' / sum(rate({s}_request_duration_seconds_count{{app="{s}"}}[$__rate_interval]))'),
    ("stat", "short", 'max(max_over_time({s}_queue_length{{app="{s}"}}[$__range]))'),
    ("timeseries", "short",
     'sum by (node) (max by (namespace, pod) ({s}_queue_length{{app="{s}"}})'
     ' * on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info))'),
    # A subquery over the shown range: the peak of the request rate (Grafana's variables, as
    # dashboard/rate-interval wants; the step is left to the evaluation interval).
    ("stat", "reqps",
     'max_over_time(sum(rate({s}_requests_total{{app="{s}"}}[$__rate_interval]))[$__range:])'),
    ("stat", "short", 'sum(up{{app="{s}"}})'),
    ("timeseries", "short",
     'sum by (code_class) (label_replace(rate({s}_requests_total{{app="{s}"}}[$__rate_interval]),'
     ' "code_class", "$1xx", "status", "(.).."))'),
    ("heatmap", "s",
     'sum by (le) (increase({s}_request_duration_seconds_bucket{{app="{s}"}}[$__rate_interval]))'),
)

RULE_SHAPES = (
    ("alert", "critical",
     '(sum(rate({s}_requests_total{{app="{s}", status=~"5.."}}[5m])) / sum(rate({s}_requests_total{{app="{s}"}}[5m]))) > 0.05'),
    ("alert", "warning",
     'histogram_quantile(0.99, sum by (le) (rate({s}_request_duration_seconds_bucket{{app="{s}"}}[5m]))) > 2.5'),
    ("alert", "critical", 'absent(up{{app="{s}"}})'),
    ("alert", "warning", '(sum(up{{app="{s}"}}) or vector(0)) < 1'),
    ("alert", "warning", 'max by (queue) ({s}_queue_length{{app="{s}"}}) > 100'),
    ("record", "", 'sum by (handler, status) (rate({s}_requests_total{{app="{s}"}}[5m]))'),
    ("record", "", 'sum by (le) (rate({s}_request_duration_seconds_bucket{{app="{s}"}}[5m]))'),
    ("record", "", 'max_over_time(sum(rate({s}_requests_total{{app="{s}"}}[5m]))[30m:1m])'),
    ("record", "", 'sum by (node) (max by (namespace, pod) ({s}_queue_length{{app="{s}"}}) * on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info))'),
    ("alert", "info", 'sum by (code_class) (label_replace(rate({s}_requests_total{{app="{s}"}}[5m]), "code_class", "$1xx", "status", "(.).."))> 100'),
)


def dashboard_module(d: int, services: int) -> str:
    panels = []
    for p in range(PANELS_PER_DASHBOARD):
        s = service((d * 7 + p) % services)
        kind, unit, expr = PANEL_SHAPES[p % len(PANEL_SHAPES)]
        fmt = ", format='heatmap'" if kind == "heatmap" else ""
        panels.append(
            f"        Panel({kind!r}, 'Panel {p} of {s}', 'What panel {p} shows for {s}.',\n"
            f"              (Target({expr.format(s=s)!r}, legend='{s}'{fmt}),), unit={unit!r}, width=8),"
        )
    rows = "\n".join(panels)
    return f'''"""Synthetic dashboard {d}."""
from compiler.model import Dashboard, Link, Panel, Row, Target, Variable

DASHBOARD = Dashboard(
    uid="bench-{d:04d}",
    title="Bench dashboard {d}",
    description="A synthetic dashboard of {PANELS_PER_DASHBOARD} panels.",
    tags=("bench",),
    variables=(Variable("datasource", "datasource", "prometheus", label="Data source"),),
    links=(Link("Bench dashboards", tags=("bench",)),),
    rows=(Row("Panels", (
{rows}
    )),),
)
'''


def alerts_module(g: int, rules: int, services: int) -> str:
    items = []
    for r in range(rules):
        n = g * RULES_PER_GROUP + r
        s = service(n % services)
        kind, severity, expr = RULE_SHAPES[n % len(RULE_SHAPES)]
        expr = expr.format(s=s)
        if kind == "alert":
            items.append(
                f"    AlertRule({f'Bench{n:05d}'!r}, {expr!r}, '5m', {severity!r},\n"
                f"              'Synthetic alert {n} fired.', 'Value is {{{{ $value }}}} for {s}.', runbook='bench'),"
            )
        else:
            record = f"{s}:rule{n:05d}:rate5m"
            items.append(f"    RecordingRule({record!r}, {expr!r}),")
    body = "\n".join(items)
    return f'''"""Synthetic rule group {g}."""
from compiler.model import AlertRule, RecordingRule, RuleGroup

GROUP = RuleGroup("bench-{g:04d}", (
{body}
))
'''


def generate(dest: str, dashboards: int, rules: int, services: int = 0) -> None:
    """Write the repository to `dest` (replaced); `services` defaults to one per dashboard, at least 10."""
    services = services or max(10, dashboards)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    for pkg in ("dashboards", "alerts", "slo"):
        os.makedirs(os.path.join(dest, pkg))
    shutil.copy(os.path.join(ROOT, "config.py"), os.path.join(dest, "config.py"))
    write(dest, "catalog.py", catalog_module(services))
    for d in range(dashboards):
        write(dest, f"dashboards/d{d:04d}.py", dashboard_module(d, services))
    names = ", ".join(f"d{d:04d}" for d in range(dashboards))
    write(dest, "dashboards/__init__.py",
          f"from . import {names}\n\nDASHBOARDS = tuple(m.DASHBOARD for m in ({names}{',' if dashboards == 1 else ''}))\n"
          if dashboards else "DASHBOARDS = ()\n")
    groups = (rules + RULES_PER_GROUP - 1) // RULES_PER_GROUP
    for g in range(groups):
        write(dest, f"alerts/g{g:04d}.py", alerts_module(g, min(RULES_PER_GROUP, rules - g * RULES_PER_GROUP), services))
    gnames = ", ".join(f"g{g:04d}" for g in range(groups))
    write(dest, "alerts/__init__.py",
          f"from . import {gnames}\n\nGROUPS = tuple(m.GROUP for m in ({gnames}{',' if groups == 1 else ''}))\n"
          if groups else "GROUPS = ()\n")
    write(dest, "slo/__init__.py", "SLOS = ()\n")


def write(dest: str, rel: str, text: str) -> None:
    with open(os.path.join(dest, rel), "w", encoding="utf-8") as fh:
        fh.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dest")
    parser.add_argument("--dashboards", type=int, default=23)
    parser.add_argument("--rules", type=int, default=136)
    parser.add_argument("--services", type=int, default=0,
                        help="services in the catalog (default: one per dashboard, at least 10)")
    args = parser.parse_args()
    generate(args.dest, args.dashboards, args.rules, args.services)


if __name__ == "__main__":
    main()
