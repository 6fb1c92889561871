"""Every name and label the SLO compiler generates, in one place (sloth's pkg/common/conventions).

Recording-rule names and labels are Sloth's, so that Sloth's Grafana dashboards and
queries work on our series: every generated series and alert carries `sloth_id`,
`sloth_service` and `sloth_slo`, the SLI windows `sloth_window`, the burn-rate alerts
`sloth_severity`, and `sloth_slo_info` describes each SLO. Our own `slo`/`service` labels
stay beside them: the alerts, routing and dashboards of this project select on those.
"""
from __future__ import annotations

import re

# Where an SLI query's range goes: `rate(x[{{window}}])`.
WINDOW = "{{window}}"

SLO_LABEL = "slo"
SERVICE_LABEL = "service"
# Sloth's labels (sloth pkg/common/conventions): what its dashboards select on.
SLOTH_ID, SLOTH_SERVICE, SLOTH_SLO = "sloth_id", "sloth_service", "sloth_slo"
SLOTH_WINDOW, SLOTH_SEVERITY = "sloth_window", "sloth_severity"
SLOTH_LABELS = (SLOTH_ID, SLOTH_SERVICE, SLOTH_SLO)
# Sloth's metadata series: 1, labelled with the SLO and its objective.
SLO_INFO = "sloth_slo_info"

# Recording rules (Sloth's names).
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"
TIME_PERIOD = "slo:time_period:days"
CURRENT_BURN_RATE = "slo:current_burn_rate:ratio"
PERIOD_BURN_RATE = "slo:period_burn_rate:ratio"
PERIOD_BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
# Ours, not Sloth's: the 5m numerator and denominator, from which the period SLI is an
# event-weighted ratio (see compiler/slo/rules.py).
BAD_EVENTS = "slo:sli_bad_events:rate5m"
TOTAL_EVENTS = "slo:sli_total_events:rate5m"
BASE_WINDOW = "5m"

PAGE, TICKET = "critical", "warning"
# Sloth's alert severities (its `sloth_severity` label) for ours.
SLOTH_SEVERITIES = {PAGE: "page", TICKET: "ticket"}
_ALERT_SUFFIX = {PAGE: "ErrorBudgetFastBurn", TICKET: "ErrorBudgetSlowBurn"}


def sli_error(window: str) -> str:
    """`slo:sli_error:ratio_rate<window>`: the share of bad events over `window`."""
    return f"slo:sli_error:ratio_rate{window}"


def group_name(slo) -> str:
    return f"codeverify-slo-{slo.name}"


def alert_name(slo, severity: str) -> str:
    return camel(slo.name) + _ALERT_SUFFIX[severity]


def absent_alert_name(slo) -> str:
    """The SLO's SLI-absent alert (Pyrra's `SLOMetricAbsent`, one per SLO here)."""
    return camel(slo.name) + "SLIAbsent"


def runbook(slo) -> str:
    return slo.runbook or f"slo-{slo.name}"


def identity(slo) -> dict[str, str]:
    """The labels that name `slo` in this project's queries: `slo` and `service`."""
    return {SLO_LABEL: slo.name, SERVICE_LABEL: slo.service}


def labels(slo) -> dict[str, str]:
    """The labels every generated series and alert of `slo` carries: ours and Sloth's."""
    return {**identity(slo), SLOTH_ID: f"{slo.service}-{slo.name}", SLOTH_SERVICE: slo.service, SLOTH_SLO: slo.name}


def selector(slo) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in identity(slo).items()) + "}"


def sloth_selector(slo) -> str:
    """`{sloth_service="...", sloth_slo="..."}`: how Sloth's dashboards select an SLO's series."""
    return "{" + f'{SLOTH_SERVICE}="{slo.service}", {SLOTH_SLO}="{slo.name}"' + "}"


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_ ]", name) if part)


def number(value: float) -> str:
    """A number as people write it: 0.001 and 14.4, never 0.0010000000000000009."""
    return f"{value:.12g}"


def tidy(value: float) -> float | int:
    """A computed number as it should appear in JSON: 6 not 6.0, 14.4 not 14.399999999999999."""
    value = float(number(value))
    return int(value) if value.is_integer() else value


def le(bound: float) -> str:
    """A bucket bound as the Python client writes its `le` label (`0.5`, `60.0`, `1e+06`).

    prometheus_client.utils.floatToGoString: Python's repr, switched to Go's exponent
    form from 1e6 on. Checked against the real client in tests/test_slo_rules.py.
    """
    if bound == float("inf"):
        return "+Inf"
    text = repr(float(bound))
    dot = text.find(".")
    if bound > 0 and dot > 6:
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1:]}".rstrip("0.")
        return f"{mantissa}e+0{dot - 1}"
    return text


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def seconds(duration: str) -> int:
    """Seconds of a simple Prometheus duration (`5m`, `1h`, `30d`)."""
    m = re.fullmatch(r"(\d+)([smhdw])", duration)
    if not m:
        raise ValueError(f"`{duration}` is not a duration like 5m, 1h or 30d")
    return int(m.group(1)) * _UNITS[m.group(2)]


def by_keep(config, *labels: str) -> str:
    """The label list of an alert's or recording rule's `by (...)`: the cluster label, then `labels`.

    kubernetes-mixin's `%(clusterLabel)s` in every aggregation: behind Thanos or Mimir two
    clusters' series would otherwise sum into one alert. Where no series has the label (one
    Prometheus) `by (cluster, ...)` changes nothing.
    """
    cluster = getattr(config, "CLUSTER_LABEL", "")
    return ", ".join(dict.fromkeys(([cluster] if cluster else []) + list(labels)))
