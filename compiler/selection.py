"""What a dashboard's filter variables hold when it opens, as Grafana puts them into a PromQL query.

verify and the previews run panel queries outside Grafana: they must send what
Grafana sends, or a `cluster=~"$cluster"` filter matches nothing (no `cluster`
label) or everything. Grafana writes a multi-value selection into a regex matcher
as `(a|b)` with each value regex-escaped, one value as itself (escaped), and "All"
as the variable's `allValue`, else as all of its listed values.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from .model import Variable

ALL = "$__all"
# What "All" becomes where the listed values are unknown here (no Grafana to ask).
ANY = ".*"


# What Grafana's Prometheus data source escapes in a regex variable's value (prometheusSpecialRegexEscape).
_REGEX_META = re.compile(r"[$^*{}\[\]'+?.()|]")


def escape(value: str, regex: bool) -> str:
    r"""`value` as Grafana writes it into a PromQL string: a multi-value or All variable's value
    regex-escaped with doubled backslashes (`a.b` -> `a\\.b`, which the string reads as `a\.b`), any
    other value with its backslashes and quotes escaped only. `-` stays as it is: `\-` is no
    escape a PromQL string knows, and Prometheus would refuse the query."""
    if regex:
        return _REGEX_META.sub(lambda m: "\\\\" + m.group(0), value.replace("\\", "\\\\\\\\"))
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def regex_value(values: Iterable[str], all_value: str = "", regex: bool = True) -> str:
    """What Grafana puts in place of a variable with `values` selected (interpolateQueryExpr)."""
    values = list(values)
    if ALL in values:
        return all_value or ANY
    escaped = [escape(v, regex) for v in values]
    if len(escaped) == 1:
        return escaped[0]
    return "(" + "|".join(escaped) + ")"


def from_model(dash) -> dict[str, str]:
    """Variable name -> value, for a Dashboard's query and custom variables that have a default."""
    return {v.name: regex_value(v.default, v.all_value, v.multi or v.include_all) for v in dash.variables
            if v.kind in ("query", "custom") and v.default}


def from_json(dash: Mapping) -> dict[str, str]:
    """The same for an emitted Grafana dashboard (its `current` selections)."""
    out = {}
    for v in (dash.get("templating") or {}).get("list") or ():
        if not isinstance(v, dict) or v.get("type") not in ("query", "custom"):
            continue
        current = v.get("current") or {}
        value = current.get("value")
        if value in (None, "", []):
            continue
        out[v["name"]] = regex_value(value if isinstance(value, list) else [value], v.get("allValue") or "",
                                     bool(v.get("multi") or v.get("includeAll")))
    return out


def filter_variables(config, apps_selector: str) -> tuple[Variable, Variable]:
    """The `cluster` and `namespace` variables every CodeVerify dashboard carries.

    Values come from `up` of CodeVerify's own targets (`apps_selector`), which every
    installation has even while it serves no traffic. "All" of the clusters is `.*`,
    which also matches series without the label (one Prometheus, no Thanos); "All" of
    the namespaces is the listed ones, so that cAdvisor and kube-state-metrics panels
    never show other workloads. The cluster dropdown shows only with config.MULTI_CLUSTER.
    """
    cluster = Variable(
        config.CLUSTER_VAR, "query", f"label_values(up{{{apps_selector}}}, {config.CLUSTER_LABEL})",
        label="Cluster", multi=True, include_all=True, all_value=".*", default=(ALL,),
        hidden=not config.MULTI_CLUSTER,
    )
    namespace = Variable(
        config.NAMESPACE_VAR, "query",
        f'label_values(up{{{apps_selector}, {config.CLUSTER_LABEL}=~"${config.CLUSTER_VAR}"}}, namespace)',
        label="Namespace", multi=True, include_all=True, default=(config.APP_NAMESPACE,),
    )
    return cluster, namespace


def filter_matchers(config) -> str:
    """The matchers that narrow a query to the installations the filter variables hold."""
    return f'{config.CLUSTER_LABEL}=~"${config.CLUSTER_VAR}", namespace=~"${config.NAMESPACE_VAR}"'
