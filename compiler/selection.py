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

ALL = "$__all"
# What "All" becomes where the listed values are unknown here (no Grafana to ask).
ANY = ".*"


def regex_value(values: Iterable[str], all_value: str = "") -> str:
    values = list(values)
    if ALL in values:
        return all_value or ANY
    escaped = [re.escape(v) for v in values]
    if len(escaped) == 1:
        return escaped[0]
    return "(" + "|".join(escaped) + ")"


def from_model(dash) -> dict[str, str]:
    """Variable name -> value, for a Dashboard's query and custom variables that have a default."""
    return {v.name: regex_value(v.default, v.all_value) for v in dash.variables
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
        out[v["name"]] = regex_value(value if isinstance(value, list) else [value], v.get("allValue") or "")
    return out
