"""Alert scenarios for an SLO's burn-rate alerts, generated from the SLO object (pure).

Each scenario is a traffic profile (good and bad events per minute, phase by phase)
turned into the input series an exporter would expose: for a latency SLI, a histogram
observed by the Python client (cumulative `_bucket{le="0.5"}` series, `_count`, `_sum`);
for a ratio SLI, the SLO's `good_series`/`bad_series`. Every series carries the target
labels our ServiceMonitor attaches. The scenarios are the issue's promises:

- a burn well above 14.4x pages within an hour;
- a sustained burn of 8x pages through the 6h/30m pair;
- a sustained 3x-6x burn (4x) opens a ticket and does not page;
- a 1.5x burn opens a ticket through the 3d/6h pair;
- a burn below 1x (0.5x) raises nothing, not even a pending alert;
- at low traffic, a single bad event raises nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import promql_parser as pp

from .. import conventions as cv
from .. import promql
from ..model import SLO, AlertRule, LatencySLI, RatioSLI, RuleGroup, Scenario
from ..slo.rules import SLOError, error_budget, factor

INTERVAL = "1m"


@dataclass(frozen=True)
class Phase:
    minutes: int
    good: Fraction  # events per minute
    bad: Fraction
    every: int = 1  # the phase's events happen every `every` minutes (low traffic)


def target_labels(slo: SLO, config, labels: tuple[str, ...]) -> dict[str, str]:
    """Values for the target labels (`labels`, from the catalog source) a series of the SLO's service carries.

    prometheus-operator names the job and Service after the Service; our pods are
    labelled `app: <service>` (podTargetLabels). Labels it does not know get the service name.
    """
    known = {
        "endpoint": config.METRICS_PORT,
        "instance": "10.0.0.1:8000",
        "namespace": config.APP_NAMESPACE,
        "pod": f"{slo.service}-0",
    }
    return {name: known.get(name, slo.service) for name in labels}


def event_series(slo: SLO, catalog) -> dict[str, tuple[Fraction, Fraction]]:
    """Exposed series (without target labels) -> (increment per good event, per bad event)."""
    sli = slo.sli
    if isinstance(sli, RatioSLI):
        out: dict[str, list[Fraction]] = {}
        for weights, series in (((1, 0), sli.good_series), ((0, 1), sli.bad_series)):
            for text in series:
                key = _series(*_parse_series(text))
                old = out.get(key, [Fraction(0), Fraction(0)])
                out[key] = [old[0] + weights[0], old[1] + weights[1]]
        return {k: (v[0], v[1]) for k, v in out.items()}
    assert isinstance(sli, LatencySLI)
    metric = catalog.metrics.get(sli.histogram)
    if metric is None:
        raise SLOError(f"`{sli.histogram}` is not in the catalog")
    good, bad = Fraction(sli.threshold), _above(sli.threshold, metric.buckets)
    out = {}
    for bound in tuple(metric.buckets) + (math.inf,):
        labels = {**sli.labels, "le": cv.le(bound)}
        out[_series(f"{sli.histogram}_bucket", labels)] = (Fraction(int(good <= bound)), Fraction(int(bad <= bound)))
    out[_series(f"{sli.histogram}_count", dict(sli.labels))] = (Fraction(1), Fraction(1))
    out[_series(f"{sli.histogram}_sum", dict(sli.labels))] = (good, bad)
    return out


def _above(threshold: float, buckets) -> Fraction:
    """A latency clearly slower than the threshold: the next bucket bound, or twice the threshold."""
    higher = [b for b in buckets if b > threshold]
    return Fraction(higher[0]) if higher else Fraction(threshold) * 2


def _parse_series(text: str) -> tuple[str, dict[str, str]]:
    try:
        sel = promql.parse(text)
    except promql.ParseError as exc:
        raise SLOError(f"`{text}` does not parse: {exc}") from None
    name = promql.metric_name(sel) if isinstance(sel, pp.VectorSelector) else None
    if name is None:
        raise SLOError(f"`{text}` is not a series")
    if any(m.op != pp.MatchOp.Equal for m in sel.matchers.matchers):
        raise SLOError(f"`{text}` is not one series: give each label's value with `=`")
    return name, {m.name: m.value for m in sel.matchers.matchers if m.name != "__name__"}


def _series(name: str, labels: dict[str, str]) -> str:
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def input_series(slo: SLO, config, catalog, phases: list[Phase]) -> dict[str, str]:
    """promtool input series (selector -> values) for a traffic profile, one sample a minute."""
    out = {}
    for series, (per_good, per_bad) in sorted(event_series(slo, catalog).items()):
        name, labels = _parse_series(series)
        found = catalog.lookup(name)
        source = catalog.sources.get(found.metric.source) if found and found.metric else None
        extra = target_labels(slo, config, source.target_labels if source else ())
        steps = [(phase.good * per_good + phase.bad * per_bad) * phase.every for phase in phases]
        # Whole numbers in units of 1/scale, and minute-to-minute increments as runs
        # (increment, count): a phase is a handful of runs, not a sample per minute.
        scale = math.lcm(*(step.denominator for step in steps))
        runs: list[list[int]] = []
        for phase, step in zip(phases, steps):
            increment = int(step * scale)
            if phase.every == 1:
                _extend(runs, increment, phase.minutes)
            else:
                for minute in range(1, phase.minutes + 1):
                    _extend(runs, increment if minute % phase.every == 0 else 0, 1)
        out[_series(name, {**labels, **extra})] = compress_runs(runs, scale)
    return out


def _extend(runs: list[list[int]], increment: int, count: int) -> None:
    if runs and runs[-1][0] == increment:
        runs[-1][1] += count
    elif count:
        runs.append([increment, count])


def compress(values: list, scale: int = 1) -> str:
    """Values (in units of 1/scale) in promtool's expanding notation: runs of a constant step become `a+bxn`."""
    runs: list[list[int]] = []
    for a, b in zip(values, values[1:]):
        _extend(runs, b - a, 1)
    return compress_runs(runs, scale, values[0] if values else None)


def compress_runs(runs: list[list[int]], scale: int = 1, start=0) -> str:
    """The series that starts at `start` and grows by `runs` of (increment, count), as `compress` writes it.

    A term `a+bxn` covers n increments of b from a; the increment after it is
    implied by the next term's start, so each term after the first skips one.
    """
    if start is None:
        return ""
    parts, value = [], start
    runs = [list(r) for r in runs]
    i = 0
    while True:
        while i < len(runs) and runs[i][1] == 0:
            i += 1
        if i == len(runs):
            parts.append(_num(Fraction(value, scale)))
            break
        step, count = runs[i]
        parts.append(f"{_num(Fraction(value, scale))}+{_num(Fraction(step, scale))}x{count}")
        value += step * count
        runs[i][1] = 0
        # the next increment is the jump to the next term's start
        while i < len(runs) and runs[i][1] == 0:
            i += 1
        if i == len(runs):
            break
        value += runs[i][0]
        runs[i][1] -= 1
    return " ".join(parts)


def _num(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else cv.number(float(value))


# --- the scenarios ---------------------------------------------------------------------


def traffic(slo: SLO) -> int:
    """Events per minute in the burn scenarios: 2/budget, so that every burn below is whole events."""
    return round(2 / error_budget(slo))


def burn(slo: SLO, rate: float, minutes: int) -> Phase:
    total = traffic(slo)
    bad = Fraction(rate * total * error_budget(slo)).limit_denominator(1000)
    return Phase(minutes, Fraction(total) - bad, bad)


def alert_labels(slo: SLO, config, severity: str) -> dict[str, str]:
    return {
        "alertname": cv.alert_name(slo, severity),
        "severity": severity,
        "namespace": config.APP_NAMESPACE,
        **cv.labels(slo),
        cv.SLOTH_SEVERITY: cv.SLOTH_SEVERITIES[severity],
    }


def scenarios(slo: SLO, config, catalog) -> tuple[Scenario, ...]:
    page, ticket = (alert_labels(slo, config, s) for s in (cv.PAGE, cv.TICKET))
    fast = max(factor(slo, w) for w in config.SLO_BURN_RATE_WINDOWS)

    def make(name, phases, at, fires=()):
        return Scenario(
            name, input_series(slo, config, catalog, phases), at, tuple(fires), interval=INTERVAL, src=slo.src,
        )

    return (
        make("healthy traffic raises nothing", [Phase(60, Fraction(traffic(slo)), Fraction(0))], "60m"),
        make(
            "a 20x burn pages within an hour of its start",
            [Phase(60, Fraction(traffic(slo)), Fraction(0)), burn(slo, 20, 60)], "120m", [page, ticket],
        ),
        make("a sustained 8x burn pages through the 6h window", [burn(slo, 8, 180)], "180m", [page, ticket]),
        make("a sustained 4x burn opens a ticket and does not page", [burn(slo, 4, 180)], "180m", [ticket]),
        make("a sustained 1.5x burn opens a ticket through the 3d window", [burn(slo, 1.5, 420)], "420m", [ticket]),
        make("a 0.5x burn raises nothing", [burn(slo, 0.5, 420)], "420m"),
        make("one bad event at low traffic raises nothing", low_traffic(slo, fast), "124m"),
    )


def low_traffic(slo: SLO, fast: float) -> list[Phase]:
    """A trickle of good events and one bad event at minute 120.

    The trickle is slow enough that the one bad event alone burns more than twice the
    fastest alert factor over an hour (so that, without the guard, it would page):
    12 events an hour for 99.9 %, none at all for 95 % (a 95 % SLO burns at most 20x).
    """
    per_hour = max(0, min(12, math.floor(1 / (2 * fast * error_budget(slo))) - 1))
    # One good event every 60/per_hour minutes: a phase's rate is per minute, averaged
    # over `every`, so the rate is per_hour/60 (a rate of 1 sent 60 an hour).
    good = [Phase(119, Fraction(per_hour, 60), Fraction(0), every=60 // per_hour)] if per_hour else [
        Phase(119, Fraction(0), Fraction(0))
    ]
    return good + [Phase(1, Fraction(per_hour and 1), Fraction(1)), Phase(60, Fraction(0), Fraction(0))]


def attach(group: RuleGroup, slo: SLO, config, catalog) -> RuleGroup:
    """The SLO's rule group with the scenarios on its alerts, as a hand-written alert carries them.

    Each alert gets every scenario, expecting its own share of the scenario's alerts
    (the 4x burn: the ticket fires, the page stays quiet). Firing is checked on
    `ALERTS`; the annotations are checked once, on a steady burn where their numbers
    are round (tests/test_slo_promtool.py).
    """
    all_scenarios = scenarios(slo, config, catalog)

    def own(rule: AlertRule) -> tuple[Scenario, ...]:
        return tuple(
            replace(
                sc,
                fires=tuple(_expr_labels(f, rule) for f in sc.fires if f["alertname"] == rule.name),
                check_annotations=False,
            )
            for sc in all_scenarios
        )

    burn = {cv.alert_name(slo, severity) for severity in (cv.PAGE, cv.TICKET)}
    absent = cv.absent_alert_name(slo)
    rules = tuple(
        replace(r, scenarios=own(r)) if isinstance(r, AlertRule) and r.name in burn
        else replace(r, scenarios=absent_scenarios(slo, config, catalog)) if isinstance(r, AlertRule) and r.name == absent
        else r
        for r in group.rules
    )
    return replace(group, rules=rules)


def absent_scenarios(slo: SLO, config, catalog) -> tuple[Scenario, ...]:
    """The SLI-absent alert fires once the SLI's series have been gone for its `for`, and not while they exist.

    Healthy traffic for 5 minutes, then every series of the SLI goes stale (its pods or
    its metric gone); the alert fires a minute after its `for` has run out.
    """
    healthy = input_series(slo, config, catalog, [Phase(30, Fraction(traffic(slo)), Fraction(0))])
    short = input_series(slo, config, catalog, [Phase(5, Fraction(traffic(slo)), Fraction(0))])
    gone = {series: values + " stale" for series, values in short.items()}
    wait = cv.seconds(getattr(config, "SLO_ABSENT_FOR", "10m")) // 60
    fires = ({"namespace": config.APP_NAMESPACE},)
    return (
        Scenario(f"fires when the SLI's series have been gone for {wait}m", gone, f"{6 + wait + 1}m", fires,
                 value=1, src=slo.src),
        Scenario("stays quiet while the SLI's series exist", healthy, f"{6 + wait + 1}m", src=slo.src),
    )


def _expr_labels(fired: dict, rule: AlertRule) -> dict[str, str]:
    """An alert's labels without those the rule adds (what `Scenario.fires` holds)."""
    own = {"alertname", "severity", *rule.labels}
    return {k: v for k, v in fired.items() if k not in own}
