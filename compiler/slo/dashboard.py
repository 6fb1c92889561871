"""The SLO dashboard, generated from the SLO objects: one row per SLO, so a new SLO needs no dashboard code.

Every query reads the recording rules of compiler/slo/rules.py, never raw series:
the guide's error-budget query, `rate(...[30d])` over every raw series at each
refresh, becomes a read of one recorded series per SLO. Panels carry their SLO's
`src`, so lint findings point at `slo/<name>.py`.
"""
from __future__ import annotations

import dataclasses
import os
import re

from .. import conventions as cv
from .. import selection
from ..model import SLO, Dashboard, LatencySLI, Link, Panel, Row, Source, Target, Threshold, Variable
from .rules import factor, period

# Grafana unit ids.
_PERCENT_UNIT = "percentunit"
_SHORT = "short"
_SEVERITY_COLOR = {cv.PAGE: "red", cv.TICKET: "orange"}


def dashboard(slos: tuple[SLO, ...], config, root: str) -> Dashboard:
    src = Source(os.path.join(root, "slo", "__init__.py"))
    tags = tuple(config.DASHBOARD_TAGS)
    return Dashboard(
        uid=config.SLO_DASHBOARD_UID,
        title="CodeVerify SLOs",
        description=(
            "Each SLO's level over its period against the objective, the error budget left and "
            "spent, and the burn rate with the thresholds of the page and ticket alerts."
        ),
        rows=tuple(_row(slo, config) for slo in slos),
        tags=tags + ("slo",),
        variables=(Variable(config.PROMETHEUS_DATASOURCE_VAR, "datasource", "prometheus", label="Prometheus", src=src),)
        + _filter_variables(config, src),
        links=(Link("CodeVerify dashboards", tags=tags, src=src),),
        folder=config.DASHBOARD_FOLDER,
        time_from="now-7d",
        src=src,
    )


def _filter_variables(config, src: Source) -> tuple[Variable, ...]:
    """The installation filters of the other dashboards (compiler/selection.py), when config names them."""
    if not all(hasattr(config, name) for name in ("CLUSTER_LABEL", "CLUSTER_VAR", "NAMESPACE_VAR", "MULTI_CLUSTER")):
        return ()
    apps = f'app=~"{config.API_APP}|{config.WORKER_APP}"'
    return tuple(dataclasses.replace(v, src=src) for v in selection.filter_variables(config, apps))


def _installation(slo: SLO, config) -> str:
    """The filter matchers for the SLO's per-installation series: its selector with them, when the SLI
    keeps the namespace (and so the cluster) label; else its plain selector."""
    sel = cv.selector(slo)
    if not (_filter_variables(config, slo.src) and "namespace" in _kept(slo.sli)):
        return sel
    return sel[:-1] + ", " + selection.filter_matchers(config) + "}"


def _kept(sli) -> set[str]:
    """Labels every aggregation of the SLI keeps (LatencySLI.by; the `by (...)` of both RatioSLI queries)."""
    if isinstance(sli, LatencySLI):
        return set(sli.by)
    lists = [re.findall(r"\bby\s*\(([^)]*)\)", q) for q in (sli.error_query, sli.total_query)]
    if not all(lists):
        return set()
    return set.intersection(*({label.strip() for found in q for label in found.split(",")} for q in lists))


def _row(slo: SLO, config) -> Row:
    sel = _installation(slo, config)
    return Row(
        f"{slo.name}: {slo.description.rstrip('.')}",
        (_sli_panel(slo, sel), _budget_left_panel(slo, sel), _burn_rate_panel(slo, config, sel),
         _budget_spent_panel(slo, sel)),
        src=slo.src,
    )


def _target(slo: SLO, expr: str, legend: str) -> Target:
    return Target(expr, legend=legend, src=slo.src)


# No events means no SLI: the recorded ratios are NaN (0/0) or have no series. A stat
# would show a blank or a misleading number; it shows the state instead, in the colour
# of a warning, as the SLO's SLI-absent alert does.
NO_DATA = "No data: SLI absent"
_NO_DATA_OPTIONS = {"fieldConfig": {"defaults": {
    "noValue": NO_DATA,
    "mappings": [{"type": "special", "options": {
        "match": "null+nan", "result": {"index": 0, "text": NO_DATA, "color": "orange"}}}],
}}}


def _sli_panel(slo: SLO, sel: str) -> Panel:
    span = period(slo)
    return Panel(
        "stat", f"SLI over {span}",
        f"Share of good events over the last {slo.period_days} days; green from the "
        f"{cv.number(slo.objective * 100)}% objective up.",
        (_target(slo, f"1 - {cv.sli_error(span)}{sel}", "SLI"),),
        unit=_PERCENT_UNIT, width=4, decimals=3 if slo.objective > 0.99 else 2,
        thresholds=(Threshold(None, "red"), Threshold(slo.objective, "green")),
        options=_NO_DATA_OPTIONS,
        src=slo.src,
    )


def _budget_left_panel(slo: SLO, sel: str) -> Panel:
    # The guide's "Error Budget Remaining", from slo:period_error_budget_remaining:ratio.
    return Panel(
        "stat", "Error budget left",
        f"Share of the {slo.period_days}-day error budget not yet spent; below 0 the SLO is missed.",
        (_target(slo, f"{cv.PERIOD_BUDGET_REMAINING}{sel}", "budget left"),),
        unit=_PERCENT_UNIT, width=4, decimals=1,
        thresholds=(Threshold(None, "red"), Threshold(0, "orange"), Threshold(0.25, "green")),
        options=_NO_DATA_OPTIONS,
        src=slo.src,
    )


def _burn_rate_panel(slo: SLO, config, sel: str) -> Panel:
    table = tuple(config.SLO_BURN_RATE_WINDOWS)
    longs = sorted({w.long for w in table}, key=cv.seconds)
    targets = tuple(
        _target(
            slo,
            # The error budget is one constant series per SLO, for every installation.
            f"{cv.sli_error(w)}{sel}\n/ on ({cv.SLO_LABEL}, {cv.SERVICE_LABEL}) group_left\n"
            f"{cv.ERROR_BUDGET}{cv.selector(slo)}",
            f"{w} window",
        )
        for w in longs
    )
    steps = sorted({(cv.tidy(factor(slo, w)), _SEVERITY_COLOR.get(w.severity, "yellow")) for w in table})
    conditions = ", ".join(f"{cv.number(factor(slo, w))}x over {w.long} ({w.severity})" for w in table)
    return Panel(
        "timeseries", "Burn rate",
        f"How many times faster than sustainable the error budget is spent, per alert window; "
        f"1x spends it exactly in {slo.period_days} days. Lines: the alert thresholds, {conditions}.",
        targets,
        unit=_SHORT, width=8, min=0,
        thresholds=(Threshold(None, "green"),) + tuple(Threshold(v, c) for v, c in steps),
        src=slo.src,
    )


def _budget_spent_panel(slo: SLO, sel: str) -> Panel:
    return Panel(
        "timeseries", "Error budget spent",
        f"Share of the error budget spent over the {slo.period_days} days up to each point; at 100% the SLO is missed.",
        (_target(slo, f"{cv.PERIOD_BURN_RATE}{sel}", "budget spent"),),
        unit=_PERCENT_UNIT, width=8, min=0,
        thresholds=(Threshold(None, "green"), Threshold(1, "red")),
        src=slo.src,
    )
