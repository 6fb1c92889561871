"""A generated file set read as what a reviewer cares about: dashboards, rules, routes.

Works on any file set keyed like out/ (`grafana/<uid>.json`,
`prometheus/<group>.rules.yaml`, `alertmanager/alertmanager.yaml`, top-level
Kubernetes objects), so the base revision and the current build are read alike.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import yaml

from .. import regex

# Top-level files that repeat what the raw files hold (the ConfigMaps wrap
# grafana/*.json, the PrometheusRules wrap prometheus/*.rules.yaml) and the manifest.
DERIVED = re.compile(r"^(configmap-grafana-dashboard-.*|prometheusrule-.*)\.yaml$|^\.generated$")
SLO_OBJECTIVE = "slo:objective:ratio"
# libyaml's loader where PyYAML was built with it (as the pinned wheels are): the
# pure-Python one took most of a `build.py diff` reading two copies of out/.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SLO_LABELS = ("slo", "slo_id", "sloth_slo")


@dataclass(frozen=True)
class Rule:
    kind: str  # "alert" | "record"
    name: str
    group: str
    data: dict

    @property
    def labels(self) -> dict:
        return self.data.get("labels") or {}

    @property
    def slo(self) -> str | None:
        return next((self.labels[k] for k in SLO_LABELS if k in self.labels), None)


@dataclass
class Snapshot:
    dashboards: dict[str, dict] = field(default_factory=dict)  # uid -> dashboard JSON
    rules: dict[str, Rule] = field(default_factory=dict)  # unique key -> rule
    route: dict | None = None  # the Alertmanager route tree, when the output has one
    others: dict[str, bytes] = field(default_factory=dict)  # files read as opaque bytes


def read(files: dict[str, bytes]) -> Snapshot:
    snap = Snapshot()
    for path in sorted(files):
        data = files[path]
        if path.startswith("grafana/") and path.endswith(".json"):
            dash = json.loads(data)
            snap.dashboards[dash.get("uid") or path[len("grafana/") : -len(".json")]] = dash
        elif path.startswith("prometheus/") and path.endswith(".yaml"):
            for group in (yaml.load(data, Loader=_LOADER) or {}).get("groups") or []:
                for rule in group.get("rules") or []:
                    _add_rule(snap.rules, group.get("name", ""), rule)
        elif DERIVED.match(path):
            continue
        else:
            snap.others[path] = data
            if path.endswith((".yaml", ".yml")):
                snap.route = _route(data) or snap.route
    return snap


def _add_rule(rules: dict, group: str, rule: dict) -> None:
    if "alert" in rule:
        kind, name = "alert", rule["alert"]
        key = name
    else:
        kind, name = "record", rule.get("record", "")
        labels = rule.get("labels") or {}
        key = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
    base, n = key, 2
    while key in rules:  # the same alert name in two groups: keep both
        key, n = f"{base} #{n}", n + 1
    rules[key] = Rule(kind, name, group, rule)


def _route(data: bytes) -> dict | None:
    """The route tree of an Alertmanager config or an AlertmanagerConfig object."""
    try:
        docs = list(yaml.load_all(data, Loader=_LOADER))
    except yaml.YAMLError:
        return None
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "AlertmanagerConfig":
            return (doc.get("spec") or {}).get("route")
        if "route" in doc and "receivers" in doc:
            return doc["route"]
    return None


# --- routing: which receivers an alert reaches ------------------------------------

_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$')


def _matchers(route: dict) -> list[tuple[str, str, str]]:
    out = []
    for name, value in (route.get("match") or {}).items():
        out.append((name, "=", str(value)))
    for name, value in (route.get("match_re") or {}).items():
        out.append((name, "=~", str(value)))
    for m in route.get("matchers") or []:
        if isinstance(m, dict):  # AlertmanagerConfig: {name, value, matchType | regex}
            op = m.get("matchType") or ("=~" if m.get("regex") else "=")
            out.append((m.get("name", ""), op, str(m.get("value", ""))))
        else:
            found = _MATCHER.match(str(m))
            if found:
                name, op, value = found.groups()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                out.append((name, op, value))
    return out


def _matches(route: dict, labels: dict) -> bool:
    for name, op, value in _matchers(route):
        actual = labels.get(name, "")
        if op in ("=", "!="):
            ok = (actual == value) == (op == "=")
        elif regex.valid(value):
            ok = regex.fullmatch(value, actual) == (op == "=~")
        else:
            ok = False  # a revision Alertmanager would refuse: its route matches nothing
        if not ok:
            return False
    return True


def receivers(route: dict, labels: dict) -> list[str]:
    """Alertmanager's walk: the first matching child wins unless it says `continue`."""

    def walk(node: dict, inherited: str) -> list[str]:
        receiver = node.get("receiver") or inherited
        found: list[str] = []
        for child in node.get("routes") or []:
            if _matches(child, labels):
                found += walk(child, receiver)
                if not child.get("continue"):
                    break
        return found or [receiver]

    return walk(route, "")


def alert_labels(rule: Rule) -> dict:
    return {"alertname": rule.name, **{k: str(v) for k, v in rule.labels.items()}}
