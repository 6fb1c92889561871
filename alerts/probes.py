"""Alerts on CodeVerify's health endpoints as the blackbox exporter sees them from outside the pods."""
from __future__ import annotations

import config
from compiler.model import AlertRule, RuleGroup, Scenario
from compiler.proving import scrape

_PROBES = f'probe_success{{{config.APP_NAMESPACE_SELECTOR}, job="{config.PROBE_JOB}"}}'
_EXPECTED = len(config.PROBED_SERVICES) * len(config.HEALTH_ENDPOINTS)
# The scenarios' subjects: the API's last endpoint (readiness) fails; the workers' first one goes missing.
_API, _FAILING = config.API_APP, list(config.HEALTH_ENDPOINTS)[-1]
_WORKER, _MISSING = config.WORKER_APP, list(config.HEALTH_ENDPOINTS)[0]


def _probe(service: str, health: str) -> str:
    return scrape.series("probe_success", scrape.probe(config, service, health))


def _all(values: str) -> dict[str, str]:
    return {_probe(s, h): values for s in config.PROBED_SERVICES for h in config.HEALTH_ENDPOINTS}


# The pods' own liveness and readiness probes restart or unlist a pod; nothing tells a
# person when an endpoint fails through its Service, from outside (a broken Service or
# NetworkPolicy, every pod unready because Redis or PostgreSQL is gone). One alert per
# Service and endpoint; `max` in case two blackbox exporters probe the same URL.
HEALTH_CHECK_FAILING = AlertRule(
    name="HealthCheckFailing",
    expr=f"max by (namespace, service, health) ({_PROBES}) == 0",
    for_="3m",
    severity="critical",
    summary="A CodeVerify health endpoint fails when probed through its Service.",
    description=(
        "The {{ $labels.health }} endpoint of {{ $labels.service }} in namespace {{ $labels.namespace }} "
        "has failed every blackbox probe through its Service for 3 minutes."
    ),
    runbook="health-check-failing",
    # With no probe series there is nothing to compare with 0.
    covered_by=("HealthProbeMissing",),
    scenarios=(
        Scenario(
            "fires when the API's readiness has failed for 3 minutes",
            {**_all("1x15"), _probe(_API, _FAILING): "1x4 0x10"},
            at="10m",
            fires=({"namespace": config.APP_NAMESPACE, "service": _API, "health": _FAILING},),
            value=0,
        ),
        Scenario(
            "stays quiet when one probe failed once",
            {**_all("1x15"), _probe(_API, _FAILING): "1x4 0x1 1x10"},
            at="10m",
        ),
    ),
)

# The probe itself gone: the blackbox exporter down (its scrape fails, no probe_success),
# a Probe not selected by the Prometheus, or deleted. Then HealthCheckFailing cannot fire.
HEALTH_PROBE_MISSING = AlertRule(
    name="HealthProbeMissing",
    expr=f"""
(
  count by (namespace) ({_PROBES})
  or
  label_replace(vector(0), "namespace", "{config.APP_NAMESPACE}", "", "")
) < {_EXPECTED}
""".strip(),
    for_="10m",
    severity="warning",
    summary="Some CodeVerify health endpoints are not probed, so HealthCheckFailing cannot fire for them.",
    description=(
        f"Only {{{{ $value }}}} of the {_EXPECTED} health probes of namespace {{{{ $labels.namespace }}}} have "
        "reported for 10 minutes: the blackbox exporter is down, or Probe objects are missing or not selected."
    ),
    runbook="health-probe-missing",
    scenarios=(
        Scenario(
            "fires when the blackbox exporter has been gone for 10 minutes",
            _all("1x4 stale"),
            at="16m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=0,
        ),
        Scenario(
            "fires when one probe is missing",
            {k: v for k, v in _all("1x15").items() if k != _probe(_WORKER, _MISSING)},
            at="11m",
            fires=({"namespace": config.APP_NAMESPACE},),
            value=_EXPECTED - 1,
        ),
        Scenario("stays quiet while every probe reports", _all("1x15"), at="11m"),
    ),
)

GROUP = RuleGroup(name="codeverify-probes", rules=(HEALTH_CHECK_FAILING, HEALTH_PROBE_MISSING))
