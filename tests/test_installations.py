"""verify tells installations apart: a query that ignores a filter mixes the other installations in, and fails."""
from __future__ import annotations

import dataclasses

import pytest

from compiler import pipeline
from compiler.model import Dashboard, Panel, Row, Target
from compiler.proving import installations, simulate
from conftest import ROOT

pytestmark = pytest.mark.e2e

QUEUE = "max by (queue) (codeverify_queue_length{%s})"
APPS = 'app=~"codeverify-api|codeverify-worker"'


def test_the_simulated_installations_differ_and_share_only_cluster_series():
    result = pipeline.build(ROOT, fork=False)
    project = result.project
    every = [(ns, {"cluster": c}) for c, ns in installations.INSTALLATIONS]
    lines = list(simulate.installations_lines(project.catalog, project.config, every, 0, 60, 30))
    samples = [line for line in lines if not line.startswith("#")]
    assert len(samples) == len(set(samples))  # shared series (a cluster's kubelets) once
    queue = [line for line in samples if line.startswith("codeverify_queue_length{") and line.endswith(" 0")]
    # Every installation has its own series, with its own values.
    assert {tuple(sorted(k for k in ("east", "west", "staging") if k in line)) for line in queue} == {
        ("east",), ("east", "staging"), ("staging", "west"), ("west",)}
    alone = list(simulate.installations_lines(project.catalog, project.config, every[:1], 0, 60, 30))
    assert set(alone) - {"# EOF"} <= set(lines)  # one installation's series are the same among others


def test_a_query_ignoring_a_filter_is_caught(promtool, prometheus_bin):
    result = pipeline.build(ROOT, fork=False)
    targets = (
        Target(QUEUE % f'{APPS}, cluster=~"$cluster", namespace=~"$namespace"'),  # both filters
        Target(QUEUE % f'{APPS}, namespace=~"$namespace"'),  # mixes in the other cluster's namespace
        Target(QUEUE % f'{APPS}, cluster=~"$cluster"'),  # mixes in staging
        Target(f'sum(codeverify_queue_length{{{APPS}}})'),  # mixes in everything
    )
    overview = next(d for d in result.project.dashboards if d.uid == "codeverify-overview")
    probe = dataclasses.replace(overview, rows=(Row("r", (Panel("timeseries", "Queue", "d.", targets, unit="short"),)),))
    result.project.dashboards = (probe,)
    checks, what = installations.check(result, hours=0.5, range_s=900)
    assert "2 clusters x 2 namespaces" in what
    assert [c.ok for c in checks] == [True, False, False, False], [c.error for c in checks]
    assert all("other installations leak in" in c.error for c in checks[1:])
    assert checks[0].series == 1
