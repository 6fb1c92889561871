"""rule/schema: a rule group or rule that Prometheus would refuse to load.

What it checks: the fields of groups and rules, as promtool does: known keys only,
a non-empty name, `alert` xor `record`, a non-empty `expr`, `for`, `keep_firing_for`
and `interval` as Prometheus durations (`5m`, `1h30m`), `limit` an integer, labels
and annotations as maps of valid label names to strings (`__name__` is not a rule
label), recording rules without `for`/annotations and with a valid metric name.
Why: one bad field fails the whole rule file, and every rule in it stops evaluating.
Bad:  `for: 5 minutes`
Good: `for: 5m`
"""
import re

from ... import promql

ID = "rule/schema"
SEVERITY = "error"
SCOPE = ("group", "rule")

_GROUP_KEYS = frozenset({"name", "interval", "rules", "limit"})
_ALERT_KEYS = frozenset({"alert", "expr", "for", "keep_firing_for", "labels", "annotations"})
_RECORD_KEYS = frozenset({"record", "expr", "labels"})
_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def check(obj, ctx):
    data = obj.data
    if hasattr(obj, "rules"):
        yield from _group(obj, data)
    else:
        yield from _rule(obj, data)


def _group(group, data):
    for key in data:
        if key not in _GROUP_KEYS:
            yield f"unknown group field `{key}`"
    if not isinstance(data.get("name"), str) or not data.get("name"):
        yield "the group has no name"
    yield from _duration(data, "interval")
    if "limit" in data and not isinstance(data["limit"], int):
        yield f"`limit` must be an integer, not `{data['limit']}`"
    if group.model is None and not isinstance(data.get("rules"), list):
        yield "`rules` must be a list of rules"


def _rule(rule, data):
    if "alert" in data and "record" in data:
        yield "a rule has either `alert` or `record`, not both"
    keys = _ALERT_KEYS if rule.kind == "alert" else _RECORD_KEYS
    for key in data:
        if key not in keys:
            yield f"field `{key}` is not allowed in {'an alerting' if rule.kind == 'alert' else 'a recording'} rule"
    name = data.get(rule.kind)
    if not isinstance(name, str) or not name:
        yield f"`{rule.kind}` must be a non-empty string"
    elif rule.kind == "record" and not _METRIC.fullmatch(name):
        yield f"`{name}` is not a valid metric name for a recording rule"
    expr = data.get("expr")
    if expr is None or expr == "" or isinstance(expr, (dict, list, bool)):
        yield "`expr` must be a non-empty PromQL expression"
    yield from _duration(data, "for")
    yield from _duration(data, "keep_firing_for")
    for field in ("labels", "annotations"):
        yield from _string_map(data, field)


def _duration(data, key):
    if key in data and data[key] not in (None, ""):
        value = data[key]
        if promql.duration_seconds(value) is None:
            yield f"`{key}: {value}` is not a Prometheus duration (write e.g. `5m`, `1h30m`)"


def _string_map(data, field):
    values = data.get(field)
    if values is None:
        return
    if not isinstance(values, dict):
        yield f"`{field}` must be a map of label names to strings"
        return
    for key, value in values.items():
        if not isinstance(key, str) or not promql.is_label_name(key):
            yield f"`{key}` in `{field}` is not a valid label name"
        elif field == "labels" and key == "__name__":
            yield "`__name__` cannot be set in `labels` (promtool: invalid label name)"
        if isinstance(value, (dict, list)):
            yield f"`{field}.{key}` must be a string"
