"""Rule groups -> Prometheus rule-file dicts (what promtool, Prometheus, Thanos and Mimir read)."""
from __future__ import annotations

from ..model import AlertRule, RecordingRule, RuleGroup
from ..write import clean_multiline


def runbook_url(rule: AlertRule, config) -> str:
    return f"{config.RUNBOOK_BASE_URL}/{runbook_slug(rule)}.md"


def runbook_slug(rule: AlertRule) -> str:
    if rule.runbook:
        return rule.runbook
    # CamelCase alert name -> kebab-case file name.
    out = []
    for i, ch in enumerate(rule.name):
        if ch.isupper() and i and not rule.name[i - 1].isupper():
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


def alert_labels(rule: AlertRule) -> dict:
    return {**rule.labels, "severity": rule.severity}


def rule_dict(rule: AlertRule | RecordingRule, config) -> dict:
    if isinstance(rule, RecordingRule):
        out = {"record": rule.record, "expr": clean_multiline(rule.expr)}
        if rule.labels:
            out["labels"] = dict(rule.labels)
        return out
    out = {
        "alert": rule.name,
        "expr": clean_multiline(rule.expr),
        "labels": alert_labels(rule),
        "annotations": {
            "summary": rule.summary,
            "description": rule.description,
            "runbook_url": runbook_url(rule, config),
            **rule.annotations,
        },
    }
    if rule.for_:
        out["for"] = rule.for_
    if rule.keep_firing_for:
        out["keep_firing_for"] = rule.keep_firing_for
    return out


def group_dict(group: RuleGroup, config) -> dict:
    out = {"name": group.name, "rules": [rule_dict(r, config) for r in group.rules]}
    if group.interval:
        out["interval"] = group.interval
    return out
