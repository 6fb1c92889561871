"""The synthetic CodeVerify: series for every catalog metric, with the labels and shapes the real ones have."""
from __future__ import annotations

import math
import re
import subprocess
from collections import defaultdict

import pytest

from compiler import conventions as cv
from compiler.proving import scenarios, scrape, simulate
from compiler.load import load
from compiler.catalog import Catalog
from compiler.model import COUNTER, GAUGE, HISTOGRAM, Metric
from conftest import ROOT

START, END, STEP = 1_700_000_000, 1_700_000_000 + 20 * 60, 30
_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+) (\d+)$")
_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def project():
    return load(ROOT)


def parse(text: str) -> dict[tuple, list[tuple[int, float]]]:
    """(name, sorted label pairs) -> [(timestamp, value)], checking the line format on the way."""
    series = defaultdict(list)
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = _LINE.match(line)
        assert m, f"not an OpenMetrics sample with labels and a timestamp: {line!r}"
        name, body, value, ts = m.groups()
        labels = tuple(sorted(_PAIR.findall(body)))
        series[(name, labels)].append((int(ts), float(value)))
    return series


def generated(project, **knobs):
    return parse(simulate.generate(project.catalog, project.config, START, END, STEP, simulate.Knobs(**knobs)))


@pytest.fixture(scope="module")
def healthy(project):
    return generated(project)


def test_text_is_openmetrics_with_families_and_eof(project):
    text = simulate.generate(project.catalog, project.config, START, START + 60, STEP)
    assert text.endswith("# EOF\n")
    assert "# TYPE codeverify_http_requests counter\n" in text, "a counter's family name drops `_total`"
    assert "# TYPE codeverify_http_request_duration_seconds histogram\n" in text
    assert ", " not in text.split("# TYPE up gauge")[1].splitlines()[1], "OpenMetrics allows no space in label sets"


def test_every_catalog_metric_has_series(project, healthy):
    names = {name for name, _ in healthy}
    missing = []
    for m in project.catalog.metrics.values():
        expected = f"{m.name}_bucket" if m.type == HISTOGRAM else m.name
        if expected not in names:
            missing.append(m.name)
    assert not missing


def test_every_series_carries_its_sources_target_labels(project, healthy):
    problems = {scenarios.series_problem(scrape.selector(name, dict(labels)), project.catalog)
                for name, labels in healthy}
    assert problems == {None}


def test_counters_never_decrease_and_each_family_grows(project, healthy):
    grows = defaultdict(bool)
    for (name, labels), samples in healthy.items():
        series = project.catalog.lookup(name)
        if series.type == COUNTER:
            values = [v for _, v in samples]
            assert values == sorted(values), f"{name}{labels} decreases: a counter reset on every step"
            grows[name] |= values[-1] > values[0]
    assert grows and all(grows.values()), [n for n, g in grows.items() if not g]


def test_histograms_are_cumulative_and_consistent(project, healthy):
    by_group = defaultdict(dict)  # (family, labels without le, ts) -> {le: value}
    sums, counts = {}, {}
    for (name, labels), samples in healthy.items():
        base = dict(labels)
        le = base.pop("le", None)
        key = tuple(sorted(base.items()))
        for ts, v in samples:
            if name.endswith("_bucket"):
                by_group[(name.removesuffix("_bucket"), key, ts)][le] = v
            elif name.endswith("_sum"):
                sums[(name.removesuffix("_sum"), key, ts)] = v
            elif name.endswith("_count"):
                counts[(name.removesuffix("_count"), key, ts)] = v
    assert by_group
    for (family, key, ts), buckets in by_group.items():
        metric = project.catalog.metrics[family]
        assert list(buckets) == [cv.le(b) for b in metric.buckets] + ["+Inf"], "every bucket, in order"
        values = list(buckets.values())
        assert values == sorted(values), f"{family} buckets are not cumulative"
        count, total = counts[(family, key, ts)], sums[(family, key, ts)]
        assert buckets["+Inf"] == count
        if count:
            # The mean lies where the buckets put the observations.
            bounds = list(metric.buckets) + [math.inf]
            low = next(i for i, v in enumerate(values) if v >= 0.01 * count)
            high = next(i for i, v in enumerate(values) if v >= 0.99 * count)
            lower = bounds[low - 1] if low else 0
            assert lower <= total / count <= bounds[high], (family, key, total / count)


@pytest.mark.parametrize(
    "bound, text",
    [
        pytest.param(0.5, "0.5", id="a fraction prints as is"),
        pytest.param(60.0, "60.0", id="a whole bound keeps its .0"),
        pytest.param(0.005, "0.005", id="a small bound prints its shortest digits"),
        pytest.param(1e7, "1e+07", id="a large bound switches to Go's exponent"),
        pytest.param(math.inf, "+Inf", id="the last bucket is +Inf"),
    ],
)
def test_le_is_formatted_as_the_python_client_does(bound, text):
    assert cv.le(bound) == text


def _total(series, name, **match) -> float:
    """Sum over matching series of the increase from the first to the last sample."""
    out = 0.0
    for (n, labels), samples in series.items():
        d = dict(labels)
        if n == name and all(d.get(k) == v for k, v in match.items()):
            out += samples[-1][1] - samples[0][1]
    return out


@pytest.mark.slow
def test_knob_error_ratio(project, healthy):
    broken = generated(project, error_ratio=0.2)
    for series, low, high in ((healthy, 0, 0.01), (broken, 0.17, 0.23)):
        errors = sum(_total(series, "codeverify_http_requests_total", status=s) for s in ("500", "503"))
        assert low <= errors / _total(series, "codeverify_http_requests_total") <= high


@pytest.mark.slow
def test_knob_workers_down(project):
    series = generated(project, workers_down=2)
    up = {dict(labels)["pod"]: samples[-1][1] for (n, labels), samples in series.items()
          if n == "up" and dict(labels).get("app") == "codeverify-worker"}
    assert sorted(up.values()) == [0, 0, 1]
    down = {pod for pod, v in up.items() if v == 0}
    assert not [n for n, labels in series if n.startswith("codeverify_") and dict(labels).get("pod") in down], \
        "a target whose scrape fails has no series of its own"


@pytest.mark.slow
def test_knob_queue_backlog(project):
    series = generated(project, queue_backlog=500)
    lengths = [v for (n, _), samples in series.items() if n == "codeverify_queue_length" for _, v in samples]
    assert min(lengths) > 250


@pytest.mark.slow
def test_knob_latency_shift(project, healthy):
    def mean(series):
        name = "codeverify_http_request_duration_seconds"
        return _total(series, f"{name}_sum") / _total(series, f"{name}_count")
    assert mean(generated(project, latency_shift=3.0)) == pytest.approx(3 * mean(healthy), rel=0.05)


def test_generation_is_deterministic(project):
    a = simulate.generate(project.catalog, project.config, START, START + 300, STEP)
    assert a == simulate.generate(project.catalog, project.config, START, START + 300, STEP)


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra, label, values",
    [
        pytest.param(Metric("codeverify_cache_hits_total", COUNTER, "Cache hits.", "codeverify", labels=("cache",),
                            values={"cache": ("repo", "ast")}), "cache", {"repo", "ast"},
                     id="a new CodeVerify counter gets a series per enumerated value"),
        pytest.param(Metric("pg_locks_count", GAUGE, "Locks.", "postgres-exporter", labels=("mode",)),
                     "mode", {"default"}, id="a new exporter gauge gets the exporter's target labels"),
        pytest.param(Metric("codeverify_cache_seconds", HISTOGRAM, "Cache time.", "codeverify", buckets=(0.1, 1.0)),
                     "le", {"0.1", "1.0", "+Inf"}, id="a new histogram gets its buckets"),
    ],
)
def test_a_metric_without_profile_still_gets_series(project, extra, label, values):
    catalog = Catalog(tuple(project.catalog.metrics.values()) + (extra,), tuple(project.catalog.sources.values()))
    series = parse(simulate.generate(catalog, project.config, START, START + 120, STEP))
    mine = [(n, dict(labels)) for n, labels in series if n.startswith(extra.name)]
    assert {labels[label] for _, labels in mine if label in labels} == values
    assert {scenarios.series_problem(scrape.selector(n, labels), catalog) for n, labels in mine} == {None}, \
        "every series carries its source's target labels"


def test_promtool_backfills_the_text(promtool, project, tmp_path):
    path = tmp_path / "data.om"
    samples = simulate.write(str(path), project.catalog, project.config, START, START + 600, STEP)
    assert samples > 1000
    result = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(path), str(tmp_path / "tsdb")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "tsdb").iterdir()), "no block written"
