"""Routing -> an AlertmanagerConfig (prometheus-operator) and a plain alertmanager.yaml.

Neither holds a credential. The AlertmanagerConfig refers to keys of a Secret in its own
namespace (the operator requires that); the plain file reads the same keys from files
(`routing_key_file`, `api_url_file`, both in Alertmanager 0.25). Names in config.py.
"""
from __future__ import annotations

from ..routing import InhibitRule, Matcher, Receiver, Route, Routing


def _secret_file(config, key: str) -> str:
    return f"{config.ALERTMANAGER_SECRETS_DIR}/{key}"


# --- plain alertmanager.yaml ---------------------------------------------------------


def plain_config(routing: Routing, config) -> dict:
    out = {
        "route": _plain_route(routing.route),
        "receivers": [_plain_receiver(r, config) for r in routing.receivers],
    }
    if routing.inhibit_rules:
        out["inhibit_rules"] = [_plain_inhibit(r) for r in routing.inhibit_rules]
    return out


def _plain_route(route: Route) -> dict:
    out: dict = {"receiver": route.receiver}
    if route.matchers:
        out["matchers"] = [str(m) for m in route.matchers]
    for key, value in (
        ("group_by", list(route.group_by)),
        ("group_wait", route.group_wait),
        ("group_interval", route.group_interval),
        ("repeat_interval", route.repeat_interval),
    ):
        if value:
            out[key] = value
    if route.continue_:
        out["continue"] = True
    if route.routes:
        out["routes"] = [_plain_route(r) for r in route.routes]
    return out


def _plain_receiver(receiver: Receiver, config) -> dict:
    out: dict = {"name": receiver.name}
    if receiver.slack:
        out["slack_configs"] = [
            _drop_empty({
                "api_url_file": _secret_file(config, config.SLACK_WEBHOOK_URL_KEY),
                "channel": s.channel,
                "title": s.title,
                "text": s.text,
                "send_resolved": s.send_resolved,
            })
            for s in receiver.slack
        ]
    if receiver.pagerduty:
        out["pagerduty_configs"] = [
            _drop_empty({
                # Events API v2; the guide's `service_key` is the v1 field.
                "routing_key_file": _secret_file(config, config.PAGERDUTY_ROUTING_KEY_KEY),
                "severity": p.severity,
            })
            for p in receiver.pagerduty
        ]
    return out


def _plain_inhibit(rule: InhibitRule) -> dict:
    return {
        "source_matchers": [str(m) for m in rule.source],
        "target_matchers": [str(m) for m in rule.target],
        "equal": list(rule.equal),
    }


# --- AlertmanagerConfig ---------------------------------------------------------------


def alertmanager_config(routing: Routing, config) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": {
            "name": config.ALERTMANAGER_CONFIG_NAME,
            # The operator routes only alerts whose `namespace` label is this namespace.
            "namespace": config.ALERTMANAGER_CONFIG_NAMESPACE,
            "labels": {**config.COMMON_LABELS, **config.RELEASE_LABEL},
        },
        "spec": {
            "route": _crd_route(routing.route),
            "receivers": [_crd_receiver(r, config) for r in routing.receivers],
            "inhibitRules": [_crd_inhibit(r) for r in routing.inhibit_rules],
        },
    }


def _crd_matcher(m: Matcher) -> dict:
    return {"name": m.name, "value": m.value, "matchType": m.op}


def _crd_route(route: Route) -> dict:
    out: dict = {"receiver": route.receiver}
    if route.matchers:
        out["matchers"] = [_crd_matcher(m) for m in route.matchers]
    for key, value in (
        ("groupBy", list(route.group_by)),
        ("groupWait", route.group_wait),
        ("groupInterval", route.group_interval),
        ("repeatInterval", route.repeat_interval),
    ):
        if value:
            out[key] = value
    if route.continue_:
        out["continue"] = True
    if route.routes:
        out["routes"] = [_crd_route(r) for r in route.routes]
    return out


def _secret_ref(config, key: str) -> dict:
    return {"name": config.ALERTMANAGER_SECRET, "key": key}


def _crd_receiver(receiver: Receiver, config) -> dict:
    out: dict = {"name": receiver.name}
    if receiver.slack:
        out["slackConfigs"] = [
            _drop_empty({
                "apiURL": _secret_ref(config, config.SLACK_WEBHOOK_URL_KEY),
                "channel": s.channel,
                "title": s.title,
                "text": s.text,
                "sendResolved": s.send_resolved,
            })
            for s in receiver.slack
        ]
    if receiver.pagerduty:
        out["pagerdutyConfigs"] = [
            _drop_empty({"routingKey": _secret_ref(config, config.PAGERDUTY_ROUTING_KEY_KEY), "severity": p.severity})
            for p in receiver.pagerduty
        ]
    return out


def _crd_inhibit(rule: InhibitRule) -> dict:
    return {
        "sourceMatch": [_crd_matcher(m) for m in rule.source],
        "targetMatch": [_crd_matcher(m) for m in rule.target],
        "equal": list(rule.equal),
    }


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in ("", None)}
