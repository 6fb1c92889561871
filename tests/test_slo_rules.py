"""The SLO rule generator, its conventions and the scenario series, without promtool."""
from __future__ import annotations

import dataclasses
import os
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.utils import floatToGoString

from compiler import conventions as cv
from compiler import pipeline, promql
from compiler.proving import slo_scenarios
from compiler.slo import rules as slo_rules
from compiler.errors import LoadError
from compiler.load import load
from compiler.model import SLO, AlertRule, RatioSLI, RecordingRule
from conftest import ROOT

PROJECT = load(ROOT)
pipeline.expand(PROJECT)
CONFIG, CATALOG = PROJECT.config, PROJECT.catalog
SLOS = {slo.name: slo for slo in PROJECT.slos}
GROUPS = {g.name: g for g in PROJECT.slo_groups}

SLOTH_RECORDS = [
    "slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate30m", "slo:sli_error:ratio_rate1h",
    "slo:sli_error:ratio_rate2h", "slo:sli_error:ratio_rate6h", "slo:sli_error:ratio_rate1d",
    "slo:sli_error:ratio_rate3d", "slo:sli_error:ratio_rate30d", "slo:objective:ratio",
    "slo:error_budget:ratio", "slo:time_period:days", "slo:current_burn_rate:ratio",
    "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio", "sloth_slo_info",
]


def base_slo(**changes) -> SLO:
    sli = changes.pop("sli", None) or RatioSLI(
        'sum(rate(codeverify_http_requests_total{status=~"5.."}[{{window}}]))',
        "sum(rate(codeverify_http_requests_total[{{window}}]))",
    )
    return SLO(**{"name": "test", "service": "svc", "objective": 0.999, "description": "Test.", "sli": sli, **changes})


def records(group) -> dict[str, RecordingRule]:
    return {r.record: r for r in group.rules if isinstance(r, RecordingRule)}


def alerts(group) -> dict[str, AlertRule]:
    """The burn-rate alerts, by severity (not the SLI-absent alert)."""
    return {r.severity: r for r in group.rules if isinstance(r, AlertRule) and not r.name.endswith("SLIAbsent")}


def absent_alert(group) -> AlertRule:
    (found,) = [r for r in group.rules if isinstance(r, AlertRule) and r.name.endswith("SLIAbsent")]
    return found


# --- the window table ------------------------------------------------------------


@pytest.mark.parametrize(
    "row, expected",
    [pytest.param(i, f, id=f"row {i} ({w.long}/{w.short}) burns at {f}x")
     for i, (w, f) in enumerate(zip(CONFIG.SLO_BURN_RATE_WINDOWS, ("14.4", "6", "3", "1")))],
)
def test_workbook_factors_follow_from_the_budget_shares(row, expected):
    assert cv.number(slo_rules.factor(base_slo(), CONFIG.SLO_BURN_RATE_WINDOWS[row])) == expected


def test_windows_are_the_sloth_windows():
    assert slo_rules.windows(CONFIG.SLO_BURN_RATE_WINDOWS) == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


# --- recording rules ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SLOS))
def test_each_slo_records_the_sloth_series_and_two_alerts(name):
    group = GROUPS[cv.group_name(SLOS[name])]
    assert sorted(records(group)) == sorted(SLOTH_RECORDS + [cv.BAD_EVENTS, cv.TOTAL_EVENTS])
    assert sorted(alerts(group)) == ["critical", "warning"]
    assert absent_alert(group).name == cv.absent_alert_name(SLOS[name])
    assert len(group.rules) == len(records(group)) + len(alerts(group)) + 1, "nothing but those"


@pytest.mark.parametrize("name", sorted(SLOS))
def test_every_generated_rule_carries_slo_and_service_and_points_at_the_slo_module(name):
    slo = SLOS[name]
    group = GROUPS[cv.group_name(slo)]
    assert group.src == slo.src
    sloth = {"sloth_id": f"{slo.service}-{slo.name}", "sloth_service": slo.service, "sloth_slo": slo.name}
    for rule in group.rules:
        assert {k: v for k, v in rule.labels.items() if k in ("slo", "service") or k in sloth} == {
            "slo": slo.name, "service": slo.service, **sloth}
        assert rule.src == slo.src
        assert PROJECT.locate(rule).file == f"slo/{name.replace('-', '_')}.py"


@pytest.mark.parametrize(
    "objective, budget", [("0.999", "0.001"), ("0.95", "0.05"), ("0.9995", "0.0005"), ("0.99", "0.01")],
    ids=lambda v: v,
)
def test_numbers_print_exactly(objective, budget):
    group = slo_rules.rule_group(base_slo(objective=float(objective)), CONFIG)
    assert records(group)[cv.OBJECTIVE].expr == objective
    assert records(group)[cv.ERROR_BUDGET].expr == budget
    assert f"/ {budget} > 14.4" in alerts(group)["critical"].expr


def test_no_long_float_in_the_emitted_slo_rules():
    for name in os.listdir(os.path.join(ROOT, "out", "prometheus")):
        text = open(os.path.join(ROOT, "out", "prometheus", name)).read()
        assert not re.search(r"\d\.\d*0000000|\d\.\d*9999999", text), name


@pytest.mark.parametrize("name", sorted(SLOS))
def test_period_sli_reads_the_recorded_5m_rates_not_raw_series(name):
    slo = SLOS[name]
    expr = records(GROUPS[cv.group_name(slo)])[cv.sli_error("30d")].expr
    used = {promql.metric_name(s) for s in promql.selectors(promql.parse(expr))}
    assert used == {cv.BAD_EVENTS, cv.TOTAL_EVENTS}


def test_latency_sli_counts_requests_slower_than_the_threshold_bucket():
    expr = records(GROUPS["codeverify-slo-latency"])[cv.BAD_EVENTS].expr
    assert expr == (
        'sum by (cluster, namespace) (rate(codeverify_http_request_duration_seconds_count{app="codeverify-api"}[5m]))\n-\n'
        'sum by (cluster, namespace) (rate(codeverify_http_request_duration_seconds_bucket{app="codeverify-api", le="0.5"}[5m]))'
    )
    assert 'le="60.0"' in records(GROUPS["codeverify-slo-queue-wait"])[cv.BAD_EVENTS].expr


# --- alerts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "min_bad, config_default, expected",
    [
        pytest.param(None, 10, ">= 10", id="the config default applies when the SLO sets none"),
        pytest.param(3, 10, ">= 3", id="an SLO's own minimum wins"),
        pytest.param(0, 10, None, id="zero turns the guard off"),
    ],
)
def test_low_traffic_guard(min_bad, config_default, expected):
    config = dataclasses.replace(_Config(), SLO_MIN_BAD_EVENTS=config_default)
    group = slo_rules.rule_group(base_slo(min_bad_events=min_bad), config)
    for alert in alerts(group).values():
        guards = re.findall(r"\) \* \d+ (>= \d+)", alert.expr)
        assert guards == ([expected, expected] if expected else [])


@dataclasses.dataclass
class _Config:
    APP_NAMESPACE: str = CONFIG.APP_NAMESPACE
    SLO_BURN_RATE_WINDOWS: tuple = CONFIG.SLO_BURN_RATE_WINDOWS
    SLO_ALERT_FOR: dict = dataclasses.field(default_factory=lambda: dict(CONFIG.SLO_ALERT_FOR))
    SLO_MIN_BAD_EVENTS: int = 10


@pytest.mark.parametrize("name", sorted(SLOS))
def test_alerts_page_and_ticket_with_runbook_and_sentences(name):
    slo = SLOS[name]
    by_severity = alerts(GROUPS[cv.group_name(slo)])
    for severity, alert in by_severity.items():
        assert alert.runbook == f"slo-{name}"
        assert alert.summary.endswith(".") and "{{" not in alert.summary
        assert "$value" in alert.description and cv.PERIOD_BUDGET_REMAINING in alert.description
        assert alert.for_ == CONFIG.SLO_ALERT_FOR[severity]
        assert len(alert.name) < 40 and re.fullmatch(r"(?:[A-Z][a-z]+)+", alert.name)
    assert "> 14.4" in by_severity["critical"].expr and "> 6" in by_severity["critical"].expr
    assert "> 3" in by_severity["warning"].expr and "> 1\n" in by_severity["warning"].expr


@pytest.mark.parametrize(
    "change, message",
    [
        pytest.param({"objective": 99.9}, "must be a ratio between 0 and 1", id="a percentage as objective is refused"),
        pytest.param(
            {"sli": RatioSLI("sum(rate(codeverify_http_requests_total[5m]))", "sum(rate(x[{{window}}]))")},
            "`error_query` must contain `{{window}}`", id="a query without the window placeholder is refused",
        ),
        pytest.param({"period_days": 0}, "period_days", id="an empty period is refused"),
    ],
)
def test_bad_slo_is_a_load_error_naming_the_slo(change, message):
    project = load(ROOT)
    project.slos = (base_slo(**change),)
    with pytest.raises(LoadError) as err:
        pipeline.expand(project)
    assert str(err.value).startswith("tests/test_slo_rules.py:") and "slo 'test'" in str(err.value)
    assert message in str(err.value)


# --- conventions --------------------------------------------------------------------


@pytest.mark.parametrize("bound", [0.005, 0.5, 1.0, 2.5, 10.0, 60.0, 600.0, 1200.0, 1e6, 1234567.0, 0.0001],
                         ids=lambda b: repr(b))
def test_le_is_written_as_the_python_client_writes_it(bound):
    assert cv.le(bound) == floatToGoString(bound)


@pytest.mark.parametrize("name", ["latency", "queue-wait"])
def test_scenario_histogram_series_are_what_the_python_client_exposes(name):
    """The generated input series have exactly the names and labels of a real client's histogram."""
    slo = SLOS[name]
    metric = CATALOG.metrics[slo.sli.histogram]
    registry = CollectorRegistry()
    hist = Histogram(metric.name, metric.help, tuple(slo.sli.labels), buckets=metric.buckets, registry=registry)
    hist.labels(**slo.sli.labels).observe(slo.sli.threshold)
    exposed = {
        slo_scenarios._series(s.name, s.labels)
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples if not s.name.endswith("_created")
    }
    assert set(slo_scenarios.event_series(slo, CATALOG)) == exposed


@pytest.mark.parametrize(
    "values, expected",
    [
        pytest.param([0, 5, 10, 15], "0+5x3", id="a constant step is one run"),
        pytest.param([0, 0, 1, 1], "0+0x1 1+0x1", id="a step change starts a new run"),
        pytest.param([7], "7", id="a single value stays a value"),
        pytest.param([0, 0.5, 1], "0+0.5x2", id="fractions print as decimals"),
    ],
)
def test_compress_writes_promtool_expanding_notation(values, expected):
    from fractions import Fraction
    assert slo_scenarios.compress([Fraction(v).limit_denominator() for v in values]) == expected


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=30))
def test_compress_from_runs_matches_the_expanded_samples(values):
    """compress_runs (what the scenarios use) reads back to the samples, term by term."""
    text = slo_scenarios.compress(values)
    expanded = []
    for term in text.split():
        if "+" in term[1:]:
            start, rest = term[0] + term[1:].split("+", 1)[0], term[1:].split("+", 1)[1]
            step, count = rest.split("x")
            expanded += [int(start) + int(step) * k for k in range(int(count) + 1)]
        else:
            expanded.append(int(term))
    assert expanded == values


def test_burn_scenarios_inject_the_burn_they_name():
    for slo in SLOS.values():
        phase = slo_scenarios.burn(slo, 4, 10)
        assert phase.bad / (phase.good + phase.bad) == pytest.approx(4 * slo_rules.error_budget(slo))
        assert phase.bad.denominator == 1, "whole events per minute"



def _events(phases, first: int, last: int) -> tuple[int, int]:
    """(good, bad) events sent in minutes first..last (1-based), as input_series sends them."""
    good = bad = Fraction(0)
    start = 0
    for phase in phases:
        for minute in range(1, phase.minutes + 1):
            if first <= start + minute <= last and minute % phase.every == 0:
                good += phase.good * phase.every
                bad += phase.bad * phase.every
        start += phase.minutes
    assert good.denominator == bad.denominator == 1, "whole events"
    return int(good), int(bad)


@pytest.mark.parametrize("objective", [0.9995, 0.999, 0.99, 0.95])
@pytest.mark.parametrize("name", sorted(SLOS))
def test_the_low_traffic_trickle_is_what_its_docstring_says(name, objective):
    """At most 12 events an hour, and the one bad event alone would page without the guard."""
    slo = dataclasses.replace(SLOS[name], objective=objective)
    fast = max(slo_rules.factor(slo, w) for w in CONFIG.SLO_BURN_RATE_WINDOWS)
    phases = slo_scenarios.low_traffic(slo, fast)
    good_hour, bad_hour = _events(phases, 60, 119)  # a whole hour of the trickle
    assert good_hour <= 12 and bad_hour == 0
    good, bad = _events(phases, 61, 120)  # the hour that ends with the bad event
    assert bad == 1
    if good:
        assert bad / (good + bad) / slo_rules.error_budget(slo) > 2 * fast, "the one bad event burns past twice the page"
