"""The objects definition modules build: catalog, dashboards, alerts, SLOs.

Every object records where it was defined (`src`), so that lint findings and load
errors name the file and line a user has to edit. Definition authors never set it.
"""
from __future__ import annotations

import functools
import math
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from . import conventions, promql
from .names import (  # noqa: F401 (re-exported: the model's vocabulary)
    COUNTER, GAUGE, HISTOGRAM, LOKI, METRIC_TYPES, PROMETHEUS, SUMMARY, fill_ref_ids, ref_ids)
from .typecheck import checked

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class Source:
    """The file and line of the call that created an object."""

    file: str  # absolute path; rendered relative to the project root by Location
    line: int | None = None


# A module's objects share its file name: resolve it once (loads do not chdir).
_abspath = functools.lru_cache(maxsize=None)(os.path.abspath)


def _caller() -> Source:
    # Walk out of this package (and dataclass-generated __init__ code) to the
    # definition module that called the constructor.
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<"):
            return Source(_abspath(filename), frame.f_lineno)
        frame = frame.f_back
    return Source("<unknown>", None)


def _src_field():
    return field(default_factory=_caller, compare=False, repr=False, kw_only=True)


# --- catalog -----------------------------------------------------------------

@dataclass(frozen=True)
@checked
class Metric:
    """One metric family as its exporter exposes it.

    `labels` are the metric's own labels; the target labels that the scrape adds
    come from the metric's `source` (see `catalog.SOURCES`). `values` lists the
    allowed values of enumerated labels. `buckets` are a histogram's upper bounds
    without `+Inf`, as floats (the Python client prints them as `0.5`, `60.0`).
    """

    name: str
    type: str
    help: str
    source: str
    unit: str = ""
    labels: tuple[str, ...] = ()
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    buckets: tuple[float, ...] = ()
    # {"catalog/unused-metric": "why no panel, alert or rule reads it"}
    lint_ignore: Mapping[str, str] = field(default_factory=dict)
    src: Source = _src_field()


@dataclass(frozen=True)
@checked
class MetricSource:
    """Where series come from (a job or exporter) and the target labels every series carries."""

    name: str
    description: str
    target_labels: tuple[str, ...]
    src: Source = _src_field()


@dataclass(frozen=True)
@checked
class LogStream:
    """The log lines of one app as Loki holds them.

    `labels` are the stream labels the log shipper (promtail) attaches; `fields` are
    the keys of each JSON line, which `| json` turns into labels. The lint holds LogQL
    stream selectors and field references to them.
    """

    app: str
    description: str
    labels: tuple[str, ...]
    fields: tuple[str, ...]
    src: Source = _src_field()


# --- dashboards ----------------------------------------------------------------

@dataclass(frozen=True)
@checked
class Target:
    """One query of a panel. `ref_id` is assigned A, B, ... in order when empty."""

    expr: str
    legend: str = ""
    ref_id: str = ""
    instant: bool = False
    format: str = "time_series"  # time_series | table | heatmap
    datasource: str = PROMETHEUS  # PROMETHEUS (PromQL) or LOKI (LogQL)
    # Ask Prometheus for the exemplars of the series read (a histogram's trace ids):
    # Grafana draws them as points that open the trace in Tempo.
    exemplar: bool = False
    # Grafana JSON no field holds, merged over the emitted JSON (compiler/passthrough.py).
    passthrough: Mapping[str, object] = field(default_factory=dict)
    src: Source = _src_field()

    def validate(self) -> None:
        if self.datasource not in (PROMETHEUS, LOKI):
            raise ValueError(f"Target: `datasource` must be PROMETHEUS or LOKI, not {self.datasource!r}")
        if self.format not in ("time_series", "table", "heatmap"):
            raise ValueError(f"Target: `format` must be time_series, table or heatmap, not {self.format!r}")
        if self.exemplar and self.datasource != PROMETHEUS:
            raise ValueError("Target: `exemplar` needs a PROMETHEUS target (exemplars come from Prometheus)")


@dataclass(frozen=True)
@checked
class Threshold:
    """A threshold step: from `value` upwards the panel shows `color`. None is the base step."""

    value: float | None
    color: str

    def validate(self) -> None:
        # JSON has no NaN or Infinity: the step would be written `null`, a second base step.
        if self.value is not None and not is_finite(self.value):
            raise ValueError(f"Threshold: `value` {self.value!r} is not a finite number (None is the base step)")


@dataclass(frozen=True)
@checked
class Panel:
    kind: str  # timeseries | stat | gauge | piechart | heatmap | table | logs | bargauge
    title: str
    description: str
    targets: tuple[Target, ...]
    unit: str = ""
    width: int = 12
    height: int = 8
    thresholds: tuple[Threshold, ...] = ()
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    stack: bool = False
    # Grafana panel options/fieldConfig overrides that the emitter copies verbatim.
    options: Mapping[str, object] = field(default_factory=dict)
    lint_ignore: Mapping[str, str] = field(default_factory=dict)
    # Grafana JSON no field holds, merged over the emitted JSON (compiler/passthrough.py).
    passthrough: Mapping[str, object] = field(default_factory=dict)
    src: Source = _src_field()

    def validate(self) -> None:
        for name in ("min", "max"):
            value = getattr(self, name)
            if value is not None and not is_finite(value):
                raise ValueError(f"Panel {self.title!r}: `{name}` {value!r} is not a finite number")
        for name in ("width", "height"):
            if getattr(self, name) < 1:
                raise ValueError(f"Panel {self.title!r}: `{name}` {getattr(self, name)} must be at least 1 grid unit")
        if self.decimals is not None and not 0 <= self.decimals <= 20:
            raise ValueError(f"Panel {self.title!r}: `decimals` {self.decimals} must be from 0 to 20")


@dataclass(frozen=True)
@checked
class Row:
    title: str
    panels: tuple[Panel, ...]
    collapsed: bool = False
    # False: the panels sit above every row header, outside any row (Grafana's top of a dashboard).
    header: bool = True
    # Grafana JSON no field holds, merged over the emitted JSON (compiler/passthrough.py).
    passthrough: Mapping[str, object] = field(default_factory=dict)
    src: Source = _src_field()


@dataclass(frozen=True)
@checked
class Variable:
    """A dashboard template variable.

    kind `datasource`: `query` is the plugin type (`prometheus`, `loki`).
    kind `query`: `query` is a `label_values(...)` query on `datasource`.
    kind `custom`: `query` is a comma-separated list of values.
    """

    name: str
    kind: str
    query: str
    label: str = ""
    datasource: str = "${datasource}"
    multi: bool = False
    include_all: bool = False
    regex: str = ""
    # Grafana JSON no field holds, merged over the emitted JSON (compiler/passthrough.py).
    passthrough: Mapping[str, object] = field(default_factory=dict)
    # `.*` where "All" must also match series without the label (an absent `cluster`);
    # empty: Grafana's default, the alternation of the listed values.
    all_value: str = ""
    # Selected when the dashboard opens (Grafana falls back to the first value when absent).
    default: tuple[str, ...] = ()
    hidden: bool = False
    src: Source = _src_field()


@dataclass(frozen=True)
@checked
class Link:
    title: str
    url: str = ""
    tags: tuple[str, ...] = ()  # a tag link lists every dashboard with these tags
    # Grafana JSON no field holds, merged over the emitted JSON (compiler/passthrough.py).
    passthrough: Mapping[str, object] = field(default_factory=dict)
    src: Source = _src_field()


@dataclass(frozen=True)
@checked
class Dashboard:
    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    tags: tuple[str, ...] = ()
    variables: tuple[Variable, ...] = ()
    links: tuple[Link, ...] = ()
    folder: str = "CodeVerify"
    refresh: str = "1m"
    time_from: str = "now-6h"
    lint_ignore: Mapping[str, str] = field(default_factory=dict)
    # Grafana JSON no field holds, merged over the emitted JSON (compiler/passthrough.py).
    passthrough: Mapping[str, object] = field(default_factory=dict)
    src: Source = _src_field()

    @property
    def panels(self) -> tuple[Panel, ...]:
        return tuple(p for row in self.rows for p in row.panels)


# --- rules -------------------------------------------------------------------


@dataclass(frozen=True)
@checked
class Scenario:
    """A promtool test scenario for an alert, compiled by compiler/proving/scenarios.py.

    `series` maps a series selector (`metric{label="v"}`, with the target labels the
    scrape attaches: see compiler/proving/scrape.py) to a promtool values expression
    (`0+10x20`), sampled every `interval`. `fires` lists the expression's output
    labels of each alert expected to fire at `at`; the rule's own labels (severity)
    are added. An empty tuple means the alert must stay quiet at `at`.

    The expected annotations are the rule's annotation templates rendered with each
    alert's labels and `value`, the `$value` expected at `at` (one float for every
    alert, or one per `fires` entry). Choose data that make the value exact. Where
    a template uses more than compiler/proving/scenarios.py renders, state `annotations`.
    `check_annotations=False` checks only which alerts fire (their `ALERTS` series):
    for generated alerts whose annotations hold numbers that depend on rate
    extrapolation (SLO burn rates), tested exactly elsewhere.
    """

    name: str
    series: Mapping[str, str]
    at: str
    fires: tuple[Mapping[str, str], ...] = ()
    value: float | tuple[float, ...] | None = None
    annotations: Mapping[str, str] | None = None
    interval: str = "1m"
    check_annotations: bool = True
    src: Source = _src_field()

    def validate(self) -> None:
        # promtool would refuse the test file; a value that is no float would crash the build.
        for name in ("at", "interval"):
            seconds = promql.duration_seconds(getattr(self, name))
            if seconds is None or (name == "interval" and seconds <= 0):
                raise ValueError(f"Scenario {self.name!r}: `{name}` {getattr(self, name)!r} is not a "
                                 f"{'positive ' if name == 'interval' else ''}Prometheus duration (write e.g. `15m`)")
        for value in self.value if isinstance(self.value, tuple) else (self.value,):
            if value is not None and not is_finite(value):
                raise ValueError(f"Scenario {self.name!r}: `value` {repr(value)[:40]} is not a finite number")
        for selector, values in self.series.items():
            if "{{" not in values and not _SERIES_VALUES.fullmatch(values.strip()):
                raise ValueError(f"Scenario {self.name!r}: the values of `{selector[:60]}` {values[:60]!r} are not "
                                 "promtool's notation (e.g. `0+10x20`, `1 _x3 stale`)")


# promtool's expanding notation for input series (native histograms, `{{...}}`, left to promtool).
_UNSIGNED = r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|Inf|inf|NaN|nan)"
_SERIES_TERM = rf"(?:_|stale|[-+]?{_UNSIGNED})(?:[-+]{_UNSIGNED})?(?:x\d+)?"
_SERIES_VALUES = re.compile(rf"{_SERIES_TERM}(?:\s+{_SERIES_TERM})*")


def is_finite(number) -> bool:
    """A number a float can hold (not 10**400, nan or inf)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


@dataclass(frozen=True)
@checked
class AlertRule:
    name: str
    expr: str
    for_: str
    severity: str
    summary: str
    description: str
    runbook: str = ""  # runbook file slug under runbooks/; derived from the name when empty
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    keep_firing_for: str = ""
    scenarios: tuple[Scenario, ...] = ()
    # Alerts that fire when this one cannot, because its input series are gone (a ratio
    # of rates has no value without requests): the series-vanish check
    # (compiler/proving/vanish.py) proves that one of them, or this alert, fires.
    covered_by: tuple[str, ...] = ()
    lint_ignore: Mapping[str, str] = field(default_factory=dict)
    src: Source = _src_field()

    def validate(self) -> None:
        # The emitter writes `severity` and Prometheus sets `alertname`: either in `labels`
        # would be silently replaced.
        for name, by in (("severity", "`severity=`"), ("alertname", "the alert's name")):
            if name in self.labels:
                raise ValueError(f"AlertRule {self.name!r}: `labels` sets {name!r}, which {by} sets: "
                                 "remove it from `labels`")
        where = non_finite_comparison(self.expr)
        if where:
            raise ValueError(f"AlertRule {self.name!r}: `{where}` compares with a number that is not finite: "
                             "the alert never fires (or always does)")


@dataclass(frozen=True)
@checked
class RecordingRule:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)
    lint_ignore: Mapping[str, str] = field(default_factory=dict)
    src: Source = _src_field()

    def validate(self) -> None:
        where = non_finite_comparison(self.expr)
        if where:
            raise ValueError(f"RecordingRule {self.record!r}: `{where}` compares with a number that is not finite")


_COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})


def non_finite_comparison(expr: str) -> str:
    """The first comparison in `expr` with a NaN or infinite literal (`x > nan`: what a float
    threshold of NaN formats as), or "". An expression that does not parse is the lint's."""
    try:
        tree = promql.parse(expr)
    except promql.ParseError:
        return ""
    for node in promql.nodes(tree):
        if type(node).__name__ == "BinaryExpr" and str(node.op).strip().lower() in _COMPARISONS:
            for side in (node.lhs, node.rhs):
                if type(side).__name__ == "NumberLiteral" and not math.isfinite(side.val):
                    return str(node)[:80]
    return ""


@dataclass(frozen=True)
@checked
class RuleGroup:
    name: str
    rules: tuple[AlertRule | RecordingRule, ...]
    interval: str = ""
    src: Source = _src_field()


# --- SLOs --------------------------------------------------------------------


@dataclass(frozen=True)
@checked
class RatioSLI:
    """Bad events over all events, as two PromQL rates with `{{window}}` where the range goes.

    `good_series`/`bad_series` are the series (as the exporter writes them, without
    target labels) that one good / one bad event increments; the generated alert
    tests feed them to promtool.
    """

    error_query: str
    total_query: str
    good_series: tuple[str, ...] = ()
    bad_series: tuple[str, ...] = ()
    src: Source = _src_field()


@dataclass(frozen=True)
@checked
class LatencySLI:
    """Events slower than `threshold`: a histogram's `_count` minus its `_bucket{le=threshold}`.

    `threshold` must be one of the histogram's bucket bounds in the catalog (lint rule
    `slo/threshold-bucket`); `matchers` select the series (without braces) and `by`
    are the labels the SLI keeps. `labels` are sample values of the histogram's own
    labels, used by the generated alert tests.
    """

    histogram: str
    threshold: float
    matchers: str = ""
    by: tuple[str, ...] = ("namespace",)
    labels: Mapping[str, str] = field(default_factory=dict)
    src: Source = _src_field()

    def validate(self) -> None:
        if not (is_finite(self.threshold) and self.threshold > 0):
            raise ValueError(f"LatencySLI: `threshold` {self.threshold!r} is not a positive number of seconds")


@dataclass(frozen=True)
@checked
class BurnRateWindow:
    """One row of the multi-window multi-burn-rate table (Google SRE workbook, ch. 5).

    Alert with `severity` when both the `long` and the `short` window burn faster
    than the rate that spends `budget_share` of the period's error budget in `long`.
    """

    severity: str
    long: str
    short: str
    budget_share: float

    def validate(self) -> None:
        seconds = {}
        for name in ("long", "short"):
            try:
                seconds[name] = conventions.seconds(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"BurnRateWindow: `{name}`: {exc}") from None
            if seconds[name] <= 0:
                raise ValueError(f"BurnRateWindow: `{name}` {getattr(self, name)!r} is not a positive duration")
        if seconds["short"] >= seconds["long"]:
            # The short window tells that the burn still goes on: longer, it would
            # only delay the reset the long window already has.
            raise ValueError(f"BurnRateWindow: `short` {self.short!r} must be shorter than `long` {self.long!r}")
        if not (0 < self.budget_share <= 1):
            raise ValueError(f"BurnRateWindow: `budget_share` {self.budget_share!r} is not a share of the budget in (0, 1]")


@dataclass(frozen=True)
@checked
class SLO:
    """A service level objective: `objective` of the SLI's events are good over `period_days`.

    `min_bad_events` is the low-traffic guard: a burn-rate alert needs at least this
    many bad events in its long window (None: `config.SLO_MIN_BAD_EVENTS`; 0: no guard).
    """

    name: str  # kebab-case, unique: the `slo` label of every generated series
    service: str  # the `service` label
    objective: float  # 0.999 means 99.9 % of events are good
    description: str
    sli: RatioSLI | LatencySLI
    period_days: int = 30
    min_bad_events: int | None = None
    runbook: str = ""  # runbook slug; `slo-<name>` when empty
    # Alerts that fire when the service's targets are gone (APIDown, WorkerDown): every alert
    # generated from the SLO declares them, beside its SLI-absent alert, as its `covered_by`.
    covered_by: tuple[str, ...] = ()
    lint_ignore: Mapping[str, str] = field(default_factory=dict)
    src: Source = _src_field()

    def validate(self) -> None:
        # (objective and period_days: compiler/slo/rules.py, with the SLO's other rules)
        if self.min_bad_events is not None and self.min_bad_events < 0:
            raise ValueError(f"SLO {self.name!r}: `min_bad_events` {self.min_bad_events} cannot be negative "
                             "(0: no low-traffic guard)")
