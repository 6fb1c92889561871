"""The series-vanish check: what each alert does when the numbers stop.

Written scenarios prove that an alert fires on bad numbers. A ratio of request rates
has no value without requests, so HighErrorRate is silent exactly when every API pod
is gone; `codeverify_queue_length > 100` is silent when nothing exports the queue
length. For every alert this module derives the scenarios "its input series vanish":
all of them at once, and each source separately (API pods, worker pods, the queue
and database exporters, the blackbox exporter) when the alert reads from it. Each
must make the alert itself, or one of the alerts it declares in `covered_by=`, fire
within a stated time of the last scrape (`config.VANISH_DEADLINE`; losing every API pod must page within
`config.VANISH_PAGE_DEADLINE`).

The input series come from the synthetic CodeVerify (compiler/proving/simulate.py), at
its steady rates: every series an alert reads (through recording rules too) is found
by matching the alert's selectors against it. Series vanish as they do when a target
goes away: Prometheus writes a staleness marker after the last scrape.

Two checks:
- `check(project)`, in every build (lint time, no tools): a located error for an alert
  whose vanish scenario no watched alert could even answer (none reads a vanished series
  through `absent()` or a `vector()` fallback), for a `covered_by` naming no alert, and for
  losing the API pods without a critical alert to page.
- `test_files(project)`: the same scenarios as promtool tests (tests/promtool/vanish-*.yaml),
  which `make test` and `build.py verify` run: they prove the timing, on the real rules.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import promql_parser as pp

from .. import conventions as cv
from .. import promql, regex
from ..lint.finding import ERROR, Finding
from ..model import COUNTER, GAUGE, HISTOGRAM, AlertRule, RecordingRule, RuleGroup
from . import simulate

RULE = "alerts/vanish"
# Minutes of healthy data before the vanish: rate windows have samples, `for` clocks are quiet.
LAST_SCRAPE_MINUTE = 10
DEFAULT_DEADLINE = "15m"
DEFAULT_PAGE_DEADLINE = "5m"


@dataclass(frozen=True)
class Series:
    """One synthetic series, growing linearly: `start`, then `step` more every minute."""

    name: str
    labels: tuple[tuple[str, str], ...]
    start: float
    step: float

    @functools.cached_property
    def selector(self) -> str:
        return self.name + "{" + ", ".join(f'{k}="{v}"' for k, v in self.labels) + "}"

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, "")

    def values(self, last: int, stale: bool, until: int) -> str:
        """promtool values: a sample a minute to `last`, then a staleness marker; else on to `until`."""
        return f"{cv.number(self.start)}+{cv.number(self.step)}x{last if stale else until}" + (" stale" if stale else "")


@dataclass(frozen=True)
class Source:
    """Targets that go away together: a Deployment's pods, an exporter."""

    name: str  # as a sentence reads it: "the API pods"
    label: str
    value: str
    page: bool = False  # losing it is an outage: a critical alert must fire within VANISH_PAGE_DEADLINE

    def has(self, series: Series) -> bool:
        return series.label(self.label) == self.value


def sources(config) -> tuple[Source, ...]:
    from . import scrape

    return (
        # Every API pod gone is CodeVerify down for its users: that pages.
        Source("the API pods", "app", config.API_APP, page=True),
        Source("the worker pods", "app", config.WORKER_APP),
        Source("the queue exporter (Redis)", "job", scrape.exporter(config, "redis", 0)["job"]),
        Source("the database exporter (PostgreSQL)", "job", scrape.exporter(config, "postgresql", 0)["job"]),
    ) + ((Source("the blackbox exporter", "job", config.PROBE_JOB),) if hasattr(config, "PROBE_JOB") else ())


@dataclass(frozen=True)
class Case:
    """One vanish scenario of one alert."""

    alert: AlertRule
    group: RuleGroup
    what: str  # "all its input series", "the API pods"
    series: tuple[Series, ...]  # what the watched alerts read
    vanished: frozenset[str]  # selectors of the series that stop
    watch: tuple[str, ...]  # the alert and its covers
    deadline: str
    page: bool

    @property
    def name(self) -> str:
        return f"vanish: {self.what} gone"


# --- the synthetic series -------------------------------------------------------------------


def synthetic(catalog, config) -> tuple[Series, ...]:
    """Every series of the synthetic CodeVerify at its steady rates (simulate.py's profiles, no wander)."""
    out = []
    for name, streams in sorted(simulate.streams(catalog, config).items()):
        metric = catalog.metrics[name]
        for s in streams:
            labels = dict(s.labels)
            per_minute = s.level * 60
            if metric.type == GAUGE:
                out.append(_series(name, labels, s.level if not s.integral else round(s.level), 0))
            elif metric.type == COUNTER:
                out.append(_series(name, labels, 0, per_minute))
            elif metric.type == HISTOGRAM:
                median = s.median or 1.0
                mean = median * math.exp(s.sigma ** 2 / 2)
                for bound in tuple(metric.buckets) + (math.inf,):
                    share = simulate._cdf(bound, median, s.sigma)
                    out.append(_series(f"{name}_bucket", {**labels, "le": cv.le(bound)}, 0, per_minute * share))
                out.append(_series(f"{name}_count", labels, 0, per_minute))
                out.append(_series(f"{name}_sum", labels, 0, per_minute * mean))
    return tuple(out)


def _series(name: str, labels: dict, start: float, step: float) -> Series:
    # Rounded as the files print them (cv.number), so that what is checked is what is written.
    return Series(name, tuple(sorted(labels.items())), float(cv.number(start)), float(cv.number(step)))


def _matches(sel: pp.VectorSelector, series: Series) -> bool:
    name = promql.metric_name(sel)
    if name is not None and name != series.name:
        return False
    labels = dict(series.labels)
    labels["__name__"] = series.name
    for m in sel.matchers.matchers:
        value = labels.get(m.name, "")
        if m.op == pp.MatchOp.Equal:
            ok = value == m.value
        elif m.op == pp.MatchOp.NotEqual:
            ok = value != m.value
        elif m.op == pp.MatchOp.Re:
            ok = regex.fullmatch(m.value, value)
        else:
            ok = not regex.fullmatch(m.value, value)
        if not ok:
            return False
    return True


# --- what an alert reads ----------------------------------------------------------------------


class Inputs:
    """The synthetic series each expression reads, through recording rules."""

    def __init__(self, project, world: tuple[Series, ...]):
        self.world = world
        self.by_name: dict[str, list[Series]] = {}
        for s in world:
            self.by_name.setdefault(s.name, []).append(s)
        self.records: dict[str, list[RecordingRule]] = {}
        for group in project.all_groups():
            for rule in group.rules:
                if isinstance(rule, RecordingRule):
                    self.records.setdefault(rule.record, []).append(rule)
        self._memo: dict[str, frozenset[Series]] = {}

    def of(self, expr: str, seen: frozenset[str] = frozenset()) -> frozenset[Series]:
        if expr in self._memo:
            return self._memo[expr]
        try:
            tree = promql.parse(expr)
        except promql.ParseError:
            return frozenset()  # promql/syntax reports it
        found: set[Series] = set()
        for sel in promql.selectors(tree):
            name = promql.metric_name(sel)
            if name in self.records:
                for rule in self.records[name]:
                    if rule.record not in seen and _compatible(sel, rule):
                        found |= self.of(rule.expr, seen | {rule.record})
                continue
            candidates = self.by_name.get(name, ()) if name else self.world
            found.update(s for s in candidates if _matches(sel, s))
        self._memo[expr] = frozenset(found)
        return self._memo[expr]


def _compatible(sel: pp.VectorSelector, rule: RecordingRule) -> bool:
    """Whether `sel` may select the output of `rule`: no equality matcher contradicts the rule's own labels."""
    for m in sel.matchers.matchers:
        if m.op == pp.MatchOp.Equal and m.name in rule.labels and rule.labels[m.name] != m.value:
            return False
    return True


def answers_absence(expr: str) -> bool:
    """Whether the expression can return a value when its series are gone: `absent()` or a `vector()` fallback."""
    try:
        tree = promql.parse(expr)
    except promql.ParseError:
        return False
    return any(isinstance(n, pp.Call) and n.func.name in ("absent", "absent_over_time", "vector")
               for n in promql.nodes(tree))


# --- the scenarios --------------------------------------------------------------------------


def _alerts(project) -> dict[str, tuple[RuleGroup, AlertRule]]:
    return {r.name: (g, r) for g in project.all_groups() for r in g.rules if isinstance(r, AlertRule)}


def deadlines(config) -> tuple[str, str]:
    return (getattr(config, "VANISH_DEADLINE", DEFAULT_DEADLINE),
            getattr(config, "VANISH_PAGE_DEADLINE", DEFAULT_PAGE_DEADLINE))


def _inputs(project) -> Inputs:
    """The project's Inputs over the synthetic CodeVerify, built once per (expanded) project."""
    found = project.extra.get("vanish_inputs")
    if found is None:
        found = project.extra["vanish_inputs"] = Inputs(project, synthetic(project.catalog, project.config))
    return found


def cases(project) -> list[Case]:
    """Every alert's vanish scenarios, in the order the alerts are defined."""
    inputs = _inputs(project)
    alerts = _alerts(project)
    deadline, page_deadline = deadlines(project.config)
    out = []
    for name, (group, rule) in alerts.items():
        own = inputs.of(rule.expr)
        if not own:
            continue  # reads nothing the synthetic CodeVerify has (e.g. `vector(1)`): nothing can vanish
        watch = (name, *[c for c in rule.covered_by if c in alerts and c != name])
        read = frozenset().union(*(inputs.of(alerts[w][1].expr) for w in watch))
        series = tuple(sorted(read, key=lambda s: s.selector))
        out.append(Case(rule, group, "all its input series", series,
                        frozenset(s.selector for s in own), watch, deadline, False))
        for source in sources(project.config):
            if any(source.has(s) for s in own):
                gone = frozenset(s.selector for s in series if source.has(s))
                out.append(Case(rule, group, source.name, series, gone, watch,
                                page_deadline if source.page else deadline, source.page))
    return out


# --- the build check -------------------------------------------------------------------------


def check(project) -> list[Finding]:
    """Located errors for alerts no alert would answer when their series vanish (see the module docstring)."""
    alerts = _alerts(project)
    findings = []
    for name, (_, rule) in alerts.items():
        for cover in rule.covered_by:
            if cover not in alerts:
                findings.append(Finding(project.locate(rule, f"alert '{name}'"), RULE, ERROR,
                                        f"`covered_by` names `{cover}`, which is no alert of this project"))
    inputs = _inputs(project)
    for case in cases(project):
        where = project.locate(case.alert, f"alert '{case.alert.name}'")
        answering = [w for w in case.watch if answers_absence(alerts[w][1].expr)
                     and any(s.selector in case.vanished for s in inputs.of(alerts[w][1].expr))]
        if not answering:
            findings.append(Finding(where, RULE, ERROR, (
                f"with {case.what} gone, no alert can fire: `{case.alert.name}`"
                + (f" and its covers {_names(case.watch[1:])}" if len(case.watch) > 1 else "")
                + (" read" if len(case.watch) > 1 else " reads") + " no vanished series through `absent()` or a "
                "`vector()` fallback; declare `covered_by=` an alert that fires then (e.g. one on `up` or "
                "`absent(...)` of these series)")))
            continue
        if case.page:
            answering = [w for w in answering if alerts[w][1].severity == "critical"]
            if not answering:
                findings.append(Finding(where, RULE, ERROR, (
                    f"with {case.what} gone, CodeVerify is down and must page, but no critical alert answers it: "
                    "cover it with a critical alert such as one on `up` of these targets")))
                continue
        if not any(_fires_by(alerts[w][1], case.deadline) for w in answering):
            setting = "VANISH_PAGE_DEADLINE" if case.page else "VANISH_DEADLINE"
            findings.append(Finding(where, RULE, ERROR, (
                f"with {case.what} gone, {_names(answering)} would fire too late: `for` plus an evaluation "
                f"exceeds the {case.deadline} after the last scrape that config.{setting} allows: shorten "
                "its `for`, or cover it with a faster alert")))
    return findings


def _fires_by(rule: AlertRule, deadline: str) -> bool:
    """Whether `rule` can fire within `deadline` of the last scrape: the staleness marker a minute
    after it, then `for`."""
    wait = promql.duration_seconds(rule.for_ or "0s") or 0
    return wait + 60 <= (promql.duration_seconds(deadline) or 0)


def _names(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


# --- promtool tests --------------------------------------------------------------------------

# Where the rule files are, seen from a test file: tests/promtool/x.yaml -> out/prometheus/.
RULES_FROM_TESTS = "../../out/prometheus"


def test_case(case: Case) -> dict:
    """One promtool test: nothing watched stirs before the vanish; one of them fires by the deadline."""
    last = LAST_SCRAPE_MINUTE
    until = last + promql.duration_seconds(case.deadline) // 60
    pattern = "|".join(case.watch)
    severity = ', severity="critical"' if case.page else ""
    return {
        "name": f"{case.alert.name}: {case.name}",
        "interval": "1m",
        "input_series": [{"series": s.selector, "values": s.values(last, s.selector in case.vanished, int(until))}
                         for s in case.series],
        "promql_expr_test": [
            {"expr": f'ALERTS{{alertname=~"{pattern}"}}', "eval_time": f"{last}m", "exp_samples": []},
            {"expr": f'max(ALERTS{{alertname=~"{pattern}", alertstate="firing"{severity}}})',
             "eval_time": f"{int(until)}m", "exp_samples": [{"labels": "{}", "value": 1}]},
        ],
    }


def _rule_files(case: Case, project) -> list[str]:
    alerts = _alerts(project)
    groups = dict.fromkeys(alerts[w][0].name for w in case.watch)
    return [f"{RULES_FROM_TESTS}/{g}.rules.yaml" for g in groups]


def test_files(project) -> dict[str, dict]:
    """`vanish-<group>.yaml` -> a promtool test file holding the vanish cases of the group's alerts."""
    files: dict[str, dict] = {}
    for case in cases(project):
        data = files.setdefault(f"vanish-{case.group.name}.yaml",
                                {"rule_files": [], "evaluation_interval": "1m", "tests": []})
        for rule_file in _rule_files(case, project):
            if rule_file not in data["rule_files"]:
                data["rule_files"].append(rule_file)
        data["tests"].append(test_case(case))
    return files


def scenario_files(project) -> list[tuple[list[tuple[str, str]], dict]]:
    """One test file per vanish case: ([(alert, scenario name)], promtool test file)."""
    return [([(case.alert.name, case.name)],
             {"rule_files": _rule_files(case, project), "evaluation_interval": "1m", "tests": [test_case(case)]})
            for case in cases(project)]
