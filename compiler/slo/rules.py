"""SLO -> one rule group of Sloth-compatible recording rules and two burn-rate alerts (pure).

Per SLO, in evaluation order (a group's rules run in order, so later rules read the
samples earlier ones wrote in the same evaluation):

- `slo:sli_bad_events:rate5m`, `slo:sli_total_events:rate5m`: the SLI's two rates;
- `slo:sli_error:ratio_rate<W>` for every window of the burn-rate table (5m ... 3d)
  from the raw series, and for the period (30d) from the 5m rates above;
- `slo:objective:ratio`, `slo:error_budget:ratio`, `slo:time_period:days` (constants, written
  as bare numbers: Prometheus records a scalar as one series with the rule's labels);
- `slo:current_burn_rate:ratio`, `slo:period_burn_rate:ratio`,
  `slo:period_error_budget_remaining:ratio`;
- a page (critical) and a ticket (warning) alert, each the `or` of two window pairs
  of `config.SLO_BURN_RATE_WINDOWS`;
- the SLI-absent alert (Pyrra's "absent" alerts): the burn-rate alerts divide bad events
  by all events, and with no events there is no ratio and no alert. It fires when the
  series the SLI counts do not exist, and covers both burn-rate alerts (`covered_by`).

The period SLI. The guide computes it as `rate(...[30d])` at every dashboard refresh:
30 days of every raw series (each pod, handler, status and bucket), the slowest
query one can ask. Sloth records it as `avg_over_time(slo:sli_error:ratio_rate5m[30d])`,
which is cheap but (1) weights every 5 minutes equally, so a quiet night's 1-of-2
failure counts as much as a busy hour's 1-of-10000, and (2) is NaN for the whole
period as soon as one 5m window had no events (0/0). We record the 5m numerator and
denominator and divide their sums over the period: an event-weighted ratio (each
event counts once, which is what "99.9 % of requests" means), immune to empty windows,
and still one series per SLO to read.

Every generated rule carries the SLO's `src`, so lint findings point at `slo/<name>.py`.
"""
from __future__ import annotations

from .. import conventions as cv
from .. import promql
from ..model import SLO, AlertRule, BurnRateWindow, LatencySLI, RatioSLI, RecordingRule, RuleGroup


class SLOError(ValueError):
    """An SLO that cannot be compiled; the message says what to change."""


def rule_group(slo: SLO, config) -> RuleGroup:
    """The recording rules and burn-rate alerts of one SLO."""
    check(slo)
    table = tuple(config.SLO_BURN_RATE_WINDOWS)
    rules: list = [*_recording_rules(slo, table), *_alerts(slo, config, table)]
    return RuleGroup(cv.group_name(slo), tuple(rules), src=slo.src)


def check(slo: SLO) -> None:
    if not 0 < slo.objective < 1:
        raise SLOError(f"objective `{slo.objective}` must be a ratio between 0 and 1 (99.9 % is 0.999)")
    if slo.period_days <= 0:
        raise SLOError(f"period_days `{slo.period_days}` must be positive")
    if isinstance(slo.sli, RatioSLI):
        for name in ("error_query", "total_query"):
            if cv.WINDOW not in getattr(slo.sli, name):
                raise SLOError(f"`{name}` must contain `{cv.WINDOW}` where the rate window goes")


def windows(table: tuple[BurnRateWindow, ...]) -> list[str]:
    """The SLI windows the alerts need, shortest first, always including the 5m base window."""
    found = {cv.BASE_WINDOW} | {w.long for w in table} | {w.short for w in table}
    return sorted(found, key=cv.seconds)


def period(slo: SLO) -> str:
    return f"{slo.period_days}d"


def error_budget(slo: SLO) -> float:
    return 1 - slo.objective


def factor(slo: SLO, window: BurnRateWindow) -> float:
    """The burn rate at which `window.budget_share` of the budget is spent within `window.long`."""
    return window.budget_share * slo.period_days * 86400 / cv.seconds(window.long)


# --- SLI queries ------------------------------------------------------------------


def total_query(sli: RatioSLI | LatencySLI, window: str) -> str:
    if isinstance(sli, RatioSLI):
        return sli.total_query.replace(cv.WINDOW, window).strip()
    return _sum_rate(sli, f"{sli.histogram}_count", "", window)


def error_query(sli: RatioSLI | LatencySLI, window: str) -> str:
    if isinstance(sli, RatioSLI):
        return sli.error_query.replace(cv.WINDOW, window).strip()
    # Slower than the threshold = all events - events in the threshold's bucket.
    fast = _sum_rate(sli, f"{sli.histogram}_bucket", f'le="{cv.le(sli.threshold)}"', window)
    return f"{total_query(sli, window)}\n-\n{fast}"


def _sum_rate(sli: LatencySLI, series: str, extra: str, window: str) -> str:
    matchers = ", ".join(m for m in (sli.matchers, extra) if m)
    by = f" by ({', '.join(sli.by)})" if sli.by else ""
    return f"sum{by} (rate({series}{{{matchers}}}[{window}]))"


def _paren(expr: str) -> str:
    return f"(\n{_indent(expr)}\n)"


def _indent(text: str, by: str = "  ") -> str:
    return "\n".join(by + line for line in text.splitlines())


# --- recording rules ----------------------------------------------------------------


def _recording_rules(slo: SLO, table) -> list[RecordingRule]:
    sel = cv.selector(slo)
    labels = cv.labels(slo)
    base = cv.BASE_WINDOW

    def record(name: str, expr: str, **extra: str) -> RecordingRule:
        return RecordingRule(name, expr, labels={**labels, **extra}, src=slo.src)

    rules = [
        record(cv.BAD_EVENTS, error_query(slo.sli, base)),
        record(cv.TOTAL_EVENTS, total_query(slo.sli, base)),
    ]
    for window in windows(table):
        if window == base:
            expr = f"{cv.BAD_EVENTS}{sel}\n/\n{cv.TOTAL_EVENTS}{sel}"
        else:
            expr = f"{_paren(error_query(slo.sli, window))}\n/\n{_paren(total_query(slo.sli, window))}"
        rules.append(record(cv.sli_error(window), expr, **{cv.SLOTH_WINDOW: window}))
    span = period(slo)
    rules += [
        record(
            cv.sli_error(span),
            f"sum_over_time({cv.BAD_EVENTS}{sel}[{span}])\n/\nsum_over_time({cv.TOTAL_EVENTS}{sel}[{span}])",
            **{cv.SLOTH_WINDOW: span},
        ),
        record(cv.OBJECTIVE, cv.number(slo.objective)),
        record(cv.ERROR_BUDGET, cv.number(error_budget(slo))),
        record(cv.TIME_PERIOD, str(slo.period_days)),
        record(cv.CURRENT_BURN_RATE, _burn(cv.sli_error(base), sel)),
        record(cv.PERIOD_BURN_RATE, _burn(cv.sli_error(span), sel)),
        record(cv.PERIOD_BUDGET_REMAINING, f"1 - {cv.PERIOD_BURN_RATE}{sel}"),
        # Sloth's description of the SLO, which its dashboards list SLOs from. Sloth's
        # mode/spec/version labels say how the rules were made: here by this compiler.
        record(cv.SLO_INFO, "1", sloth_objective=cv.number(slo.objective * 100), sloth_mode="cli-gen-prom",
               sloth_spec="codeverify/v1", sloth_version="codeverify"),
    ]
    return rules


def _burn(ratio: str, sel: str) -> str:
    on = f"{cv.SLO_LABEL}, {cv.SERVICE_LABEL}"
    return f"{ratio}{sel}\n/ on ({on}) group_left\n{cv.ERROR_BUDGET}{sel}"


# --- alerts ---------------------------------------------------------------------


def min_bad_events(slo: SLO, config) -> int:
    return config.SLO_MIN_BAD_EVENTS if slo.min_bad_events is None else slo.min_bad_events


def alert_expr(slo: SLO, rows, min_bad: int) -> str:
    """`or` of the rows' conditions; the value is the long window's burn rate.

    A row holds when both windows burn faster than its factor and, at low traffic,
    when the long window saw at least `min_bad` bad events: one failed request out
    of a dozen is a huge ratio but no outage.
    """
    sel = cv.selector(slo)
    budget = cv.number(error_budget(slo))
    # Each SLI window carries its own `sloth_window`: dropped, as Sloth does, so that the
    # windows match and every row gives the same labels (one alert, not one per row).
    window = f"max without ({cv.SLOTH_WINDOW})"
    generated = ", ".join(cv.labels(slo))
    parts = []
    for row in rows:
        threshold = cv.number(factor(slo, row))
        lines = [
            f"{window} ({cv.sli_error(row.long)}{sel}) / {budget} > {threshold}",
            "and",
            f"{window} ({cv.sli_error(row.short)}{sel}) / {budget} > {threshold}",
        ]
        if min_bad:
            lines += [
                f"and ignoring ({generated})",
                f"{_paren(error_query(slo.sli, row.long))} * {cv.seconds(row.long)} >= {min_bad}",
            ]
        parts.append(_paren("\n".join(lines)))
    return "\nor\n".join(parts)


def _alerts(slo: SLO, config, table) -> list[AlertRule]:
    alerts = []
    for severity in (cv.PAGE, cv.TICKET):
        rows = [w for w in table if w.severity == severity]
        if not rows:
            continue
        alerts.append(_alert(slo, config, severity, rows))
    return alerts + [absent_alert(slo, config)]


# How long an SLI may have no series before its absent alert fires, unless config.py says
# SLO_ABSENT_FOR: long enough to ride over a rolling update, short against a 30-day budget.
ABSENT_FOR = "10m"


def sli_selectors(sli: RatioSLI | LatencySLI) -> list[str]:
    """The selectors whose series must exist for the SLI to have a value.

    A ratio SLI's total query (its error query may rightly select nothing: no 5xx yet);
    a latency SLI's `_count` and the threshold's bucket, which its error query subtracts.
    """
    if isinstance(sli, LatencySLI):
        matchers = f"{sli.matchers}, " if sli.matchers else ""
        return [f"{sli.histogram}_count{{{sli.matchers}}}",
                f'{sli.histogram}_bucket{{{matchers}le="{cv.le(sli.threshold)}"}}']
    found = []
    for sel in promql.selectors(promql.parse(total_query(sli, cv.BASE_WINDOW))):
        text = str(sel)
        if text not in found:
            found.append(text)
    return found


def absent_alert(slo: SLO, config) -> AlertRule:
    """The alert that fires while the SLI's events have no series (Pyrra's absent alert).

    One alert per namespace, as every CodeVerify alert: absent() yields the labels of its
    equality matchers; label_replace states the app namespace (which the alerts/routing
    lint reads) and `sum by (namespace)` drops the rest.
    """
    either = " or ".join(f"absent({s})" for s in sli_selectors(slo.sli))
    expr = (f"sum by (namespace) (\n"
            f'  label_replace({either}, "namespace", "{config.APP_NAMESPACE}", "", "")\n'
            f")")
    wait = getattr(config, "SLO_ABSENT_FOR", ABSENT_FOR)
    return AlertRule(
        name=cv.absent_alert_name(slo),
        expr=expr,
        for_=wait,
        severity=cv.TICKET,
        summary=(f"The {slo.name} SLO's events have no series, so its burn-rate alerts cannot fire."),
        description=(
            f"No series of the {slo.name} SLO's events ({slo.description.rstrip('.')}) has existed in namespace "
            f"{{{{ $labels.namespace }}}} for {wait}: the SLO is not measured, and its error budget could burn "
            "unseen. Either nothing is served or the metric is gone (a renamed metric, a broken scrape)."
        ),
        runbook=cv.runbook(slo),
        labels=cv.labels(slo),
        covered_by=tuple(slo.covered_by),
        src=slo.src,
    )


def _alert(slo: SLO, config, severity: str, rows) -> AlertRule:
    slowest = min(factor(slo, r) for r in rows)
    days = slo.period_days / slowest
    pace = "fast" if severity == cv.PAGE else "steadily"
    conditions = " or ".join(
        f"{cv.number(factor(slo, r))}x over {r.long} and {r.short}" for r in rows
    )
    remaining = f'{cv.PERIOD_BUDGET_REMAINING}{{{cv.SLO_LABEL}="{slo.name}"}}'
    description = (
        f"{{{{ $labels.service }}}} is spending the error budget of SLO {{{{ $labels.slo }}}} "
        f"({slo.description.rstrip('.')}) {{{{ $value | humanize }}}} times as fast as the "
        f"{cv.number(slo.objective * 100)}% objective allows (this alert: {conditions}). "
        f"Error budget left this {slo.period_days}-day period: "
        f"{{{{ with query `{remaining}` }}}}{{{{ . | first | value | humanizePercentage }}}}"
        f"{{{{ else }}}}unknown{{{{ end }}}}."
    )
    return AlertRule(
        name=cv.alert_name(slo, severity),
        # With no events there is no ratio to burn: the SLI-absent alert fires instead.
        covered_by=(cv.absent_alert_name(slo), *slo.covered_by),
        expr=alert_expr(slo, rows, min_bad_events(slo, config)),
        for_=config.SLO_ALERT_FOR[severity],
        severity=severity,
        summary=(
            f"The {slo.name} SLO is burning its error budget {pace}: at this pace the "
            f"{slo.period_days}-day budget is gone within {cv.number(days)} days."
        ),
        description=description,
        runbook=cv.runbook(slo),
        labels={**cv.labels(slo), cv.SLOTH_SEVERITY: cv.SLOTH_SEVERITIES[severity]},
        src=slo.src,
    )
