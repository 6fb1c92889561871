"""Alerts, recording rules and SLOs compared: alerts field by field with severity and route
called out, SLO objectives with the error budget they allow."""
from __future__ import annotations

from . import pretty
from .changes import ADDED, CHANGED, REMOVED, Entry, Item, q, quote
from .snapshot import SLO_OBJECTIVE, Rule, Snapshot, alert_labels, receivers

BUDGET_DAYS = 30


def _objectives(rules: dict[str, Rule]) -> dict[str, tuple[float | None, str]]:
    """SLO name -> (objective ratio, service), from the `slo:objective:ratio` recording rules."""
    out = {}
    for rule in rules.values():
        if rule.kind == "record" and rule.name == SLO_OBJECTIVE and rule.slo:
            try:
                value = float(str(rule.data.get("expr", "")).strip())
            except ValueError:
                value = None
            out[rule.slo] = (value, str(rule.labels.get("service", "")))
    return out


def budget(objective: float, days: int = BUDGET_DAYS) -> str:
    """The time of full outage an objective allows over `days`: 99.9% -> `43.2 minutes`."""
    minutes = (1 - objective) * days * 24 * 60
    for unit, size in (("days", 24 * 60), ("hours", 60), ("minutes", 1)):
        if minutes >= size * (2 if unit == "days" else 1):
            value = minutes / size
            break
    else:
        unit, value = "seconds", minutes * 60
    return f"{pretty.number(round(value, 1))} {unit}"


def percent(objective: float) -> str:
    return f"{pretty.number(round(objective * 100, 6))}%"


def describe_objective(value: float | None) -> str:
    if value is None:
        return "an objective that is not a number"
    return f"{percent(value)} (error budget {budget(value)} per {BUDGET_DAYS} days)"


def slos(old: dict[str, Rule], new: dict[str, Rule]) -> tuple[list[Entry], set[str], int]:
    """SLO entries, the SLOs whose generated rules are summarised in them, and how many SLOs are unchanged."""
    a, b = _objectives(old), _objectives(new)
    entries, folded, same = [], set(), 0
    for slo in sorted(set(a) | set(b)):
        service = (b.get(slo) or a.get(slo))[1]
        name = f"`{slo}`" + (f" (service `{service}`)" if service else "")
        generated = _generated_changes(old, new, slo)
        count = f"; {generated} generated rule{'s' if generated != 1 else ''} updated to match" if generated else ""
        if slo not in a:
            entries.append(Entry("SLO", name, ADDED, [Item(f"objective {describe_objective(b[slo][0])}{count}")], slo))
        elif slo not in b:
            entries.append(Entry("SLO", name, REMOVED, [Item(f"was {describe_objective(a[slo][0])}{count}")], slo))
        elif a[slo][0] != b[slo][0]:
            loosened = a[slo][0] is not None and b[slo][0] is not None and b[slo][0] < a[slo][0]
            how = " (looser: more errors allowed before alerts fire)" if loosened else " (stricter)" if a[slo][0] is not None and b[slo][0] is not None else ""
            entries.append(Entry("SLO", name, CHANGED, [Item(f"objective {describe_objective(a[slo][0])} → {describe_objective(b[slo][0])}{how}{count}")], slo))
        else:
            same += 1
            continue
        folded.add(slo)
    return entries, folded, same


def _generated_changes(old: dict[str, Rule], new: dict[str, Rule], slo: str) -> int:
    keys = {k for k, r in {**old, **new}.items() if r.slo == slo and r.name != SLO_OBJECTIVE}
    return sum(1 for k in keys if (old.get(k) and old[k].data) != (new.get(k) and new[k].data))


def rules(old: Snapshot, new: Snapshot, folded: set[str]) -> tuple[list[Entry], int, int]:
    """Entries of alerts and recording rules, and how many of each compared equal.

    The rules an SLO generates are told with the SLO when its objective changed
    (`folded`); those of them that did not change still count as unchanged, so
    that changed and unchanged add up to what the build counts.
    """
    entries, same = [], {"alert": 0, "recording rule": 0}
    routed = old.route is not None or new.route is not None
    for key in sorted(set(old.rules) | set(new.rules), key=lambda k: ((old.rules.get(k) or new.rules.get(k)).kind, k)):
        a, b = old.rules.get(key), new.rules.get(key)
        kind = "alert" if (b or a).kind == "alert" else "recording rule"
        if (b or a).slo in folded:
            same[kind] += a is not None and b is not None and a.data == b.data
            continue
        entry = _rule_entry(kind, key, a, b, old.route if routed else None, new.route if routed else None)
        if entry is None:
            same[kind] += 1
        else:
            entries.append(entry)
    return entries, same["alert"], same["recording rule"]


def _rule_entry(kind: str, key: str, a: Rule | None, b: Rule | None,
                old_route: dict | None, new_route: dict | None) -> Entry | None:
    """The entry of a rule added, removed or changed; None when it compares equal."""
    name = f"`{key}`"
    if a is None:
        return Entry(kind, name, ADDED, _new_rule(b, new_route), key)
    if b is None:
        return Entry(kind, name, REMOVED, [Item(f"was in group `{a.group}`")], key)
    items = _rule_items(a, b, old_route, new_route)
    return Entry(kind, name, CHANGED, items, key) if items else None


def _new_rule(rule: Rule, route: dict | None) -> list[Item]:
    code = ["+" + line for line in pretty.normalise(str(rule.data.get("expr", ""))).splitlines()]
    if rule.kind == "record":
        return [Item(f"in group `{rule.group}`", code)]
    severity = rule.labels.get("severity")
    text = f"severity {q(severity)}, for {q(rule.data.get('for') or '0s')}, in group `{rule.group}`"
    if route is not None:
        text += f", reaches {q(receivers(route, alert_labels(rule)))}"
    return [Item(text, code, loud=severity == "critical")]


def _rule_items(a: Rule, b: Rule, old_route: dict | None, new_route: dict | None) -> list[Item]:
    items: list[Item] = []
    if a.group != b.group:
        items.append(Item(f"moved from group `{a.group}` to `{b.group}`"))
    items += _expr_items(str(a.data.get("expr", "")), str(b.data.get("expr", "")))
    for field_name in ("for", "keep_firing_for"):
        if a.data.get(field_name) != b.data.get(field_name):
            items.append(Item(f"`{field_name}` {q(a.data.get(field_name) or '0s')} → {q(b.data.get(field_name) or '0s')}"))
    items += _label_items(a.labels, b.labels)
    an_a, an_b = a.data.get("annotations") or {}, b.data.get("annotations") or {}
    for key in sorted(set(an_a) | set(an_b)):
        if an_a.get(key) != an_b.get(key):
            items.append(Item(f"annotation `{key}` {quote(an_a.get(key))} → {quote(an_b.get(key))}"))
    if a.kind == "alert" and (old_route is not None or new_route is not None):
        items += _route_items(a, b, old_route, new_route)
    return items


def _expr_items(old_expr: str, new_expr: str) -> list[Item]:
    """A threshold change said as one, any other change as a diff of the prettified expressions."""
    if pretty.same(old_expr, new_expr):
        return []
    threshold = pretty.threshold_change(old_expr, new_expr)
    if threshold:
        return [Item(f"threshold `{threshold[0]}` → `{threshold[1]}`")]
    return [Item("expression changed", pretty.inline_diff(old_expr, new_expr))]


def _label_items(la: dict, lb: dict) -> list[Item]:
    """Severity first and loud (it decides who is paged), then the other labels."""
    items = []
    old, new = la.get("severity"), lb.get("severity")
    if old != new:
        pages = " (now pages)" if new == "critical" else " (no longer pages)" if old == "critical" else ""
        items.append(Item(f"**severity {q(old)} → {q(new)}**{pages}", loud=True))
    for label in sorted((set(la) | set(lb)) - {"severity"}):
        if la.get(label) != lb.get(label):
            items.append(Item(f"label `{label}` {q(la.get(label))} → {q(lb.get(label))}"))
    return items


def _route_items(a: Rule, b: Rule, old_route: dict | None, new_route: dict | None) -> list[Item]:
    r_old = receivers(old_route, alert_labels(a)) if old_route else []
    r_new = receivers(new_route, alert_labels(b)) if new_route else []
    return [Item(f"**route {q(r_old)} → {q(r_new)}**", loud=True)] if r_old != r_new else []
