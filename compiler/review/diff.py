"""Compare two snapshots of out/ and describe the changes as a reviewer reads them.

Dashboards are compared panel by panel (by title, so that renumbered panel ids
are no noise), queries after prettify, alerts field by field with severity
called out, SLO objectives with the error budget they allow. Anything else that
changed inside a dashboard is still named, by its JSON path, so nothing hides.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import pretty
from .gitrev import Base
from .snapshot import SLO_OBJECTIVE, Rule, Snapshot, alert_labels, receivers

ADDED, REMOVED, CHANGED, RENAMED = "added", "removed", "changed", "renamed"
BUDGET_DAYS = 30


@dataclass
class Item:
    text: str  # one line; Markdown inline markup (`code`, **bold**)
    code: list[str] = field(default_factory=list)  # diff lines shown under the item
    loud: bool = False  # a change that changes who gets woken up


@dataclass
class Entry:
    kind: str  # "dashboard" | "alert" | "recording rule" | "SLO" | "file"
    name: str
    status: str
    items: list[Item] = field(default_factory=list)
    key: str = ""  # dashboard uid (new side), alert name, ...


@dataclass
class Report:
    base: Base | None
    entries: list[Entry]
    unchanged: dict[str, int]  # kind -> how many compared equal

    def changed_dashboards(self) -> list[str]:
        """Uids (current side) of dashboards added, renamed or changed."""
        return [e.key for e in self.entries if e.kind == "dashboard" and e.status != REMOVED]

    def __bool__(self) -> bool:
        return bool(self.entries)


def compare(old: Snapshot, new: Snapshot, base: Base | None = None) -> Report:
    entries: list[Entry] = []
    unchanged: dict[str, int] = {}
    dash_entries, unchanged["dashboard"] = _dashboards(old.dashboards, new.dashboards)
    entries += dash_entries
    slo_entries, folded, same_slos = _slos(old.rules, new.rules)
    rule_entries, unchanged["alert"], unchanged["recording rule"] = _rules(old, new, folded)
    unchanged["SLO"] = same_slos
    entries += rule_entries + slo_entries
    entries += _files(old.others, new.others)
    return Report(base, entries, {k: v for k, v in unchanged.items() if v})


# --- small formatting helpers --------------------------------------------------------


def q(value) -> str:
    """A value in backticks, numbers printed cleanly; `none` for a missing one."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"`{pretty.number(value)}`"
    if isinstance(value, (list, tuple)):
        return ", ".join(q(v) for v in value) or "none"
    text = str(value).replace("`", "'")
    return f"`{text}`"


def quote(text: str | None) -> str:
    if not text:
        return "none"
    text = " ".join(str(text).split())
    return f"“{text if len(text) <= 160 else text[:157] + '…'}”"


def _changed(label: str, old, new, fmt=q) -> Item | None:
    return None if old == new else Item(f"{label}: {fmt(old)} → {fmt(new)}")


def _paths(old, new, prefix="") -> list[str]:
    """JSON paths where two values differ (the leaves, or a whole list when lengths differ)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            out += _paths(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += _paths(a, b, f"{prefix}[{i}]")
        return out
    return [] if old == new else [prefix]


def _other(old: dict, new: dict, handled: set[str]) -> Item | None:
    a = {k: v for k, v in old.items() if k not in handled}
    b = {k: v for k, v in new.items() if k not in handled}
    paths = _paths(a, b)
    if not paths:
        return None
    if len(paths) <= 3:  # few: show the values too
        shown = "; ".join(f"`{p}` {q(_get(a, p))} → {q(_get(b, p))}" for p in paths)
    else:
        shown = ", ".join(f"`{p}`" for p in paths[:8]) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")
    return Item(f"other settings changed: {shown}")


# --- dashboards --------------------------------------------------------------------


def _panel_titles(dash: dict) -> frozenset:
    return frozenset(p.get("title") for p in _flat_panels(dash) if p.get("type") != "row")


def _dashboards(old: dict, new: dict) -> tuple[list[Entry], int]:
    removed = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    renames: dict[str, str] = {}  # new uid -> old uid
    for uid in added:
        for old_uid in removed:
            if old_uid in renames.values():
                continue
            a, b = old[old_uid], new[uid]
            if a.get("title") == b.get("title") or (_panel_titles(a) and _panel_titles(a) == _panel_titles(b)):
                renames[uid] = old_uid
                break
    entries, same = [], 0
    for uid in sorted(set(old) | set(new)):
        if uid in renames.values():
            continue
        if uid in renames:
            items = [Item(f"uid `{renames[uid]}` → `{uid}`: links and bookmarks to the old uid stop working")]
            items += _dashboard_items(old[renames[uid]], new[uid])
            entries.append(Entry("dashboard", _dash_name(new[uid]), RENAMED, items, uid))
        elif uid not in old:
            entries.append(Entry("dashboard", _dash_name(new[uid]), ADDED, _dashboard_summary(new[uid]), uid))
        elif uid not in new:
            entries.append(Entry("dashboard", _dash_name(old[uid]), REMOVED, [], uid))
        else:
            items = _dashboard_items(old[uid], new[uid])
            if items:
                entries.append(Entry("dashboard", _dash_name(new[uid]), CHANGED, items, uid))
            else:
                same += 1
    return entries, same


def _dash_name(dash: dict) -> str:
    return f"{dash.get('title', '')} (`{dash.get('uid', '')}`)"


def _flat_panels(dash: dict) -> list[dict]:
    """Every panel in layout order; a collapsed row's panels follow the row."""
    out = []
    for panel in dash.get("panels") or []:
        out.append(panel)
        out += panel.get("panels") or []
    return out


def _keyed_panels(dash: dict) -> dict[str, tuple[dict, str]]:
    """Panels keyed by kind and title (`#2` for a repeated title), with the row each sits in."""
    keyed, row = {}, ""
    for panel in _flat_panels(dash):
        title = panel.get("title") or "(untitled)"
        if panel.get("type") == "row":
            row = title
            key = f"row {title}"
        else:
            key = f"panel {title}"
        base, n = key, 2
        while key in keyed:
            key, n = f"{base} #{n}", n + 1
        keyed[key] = (panel, row)
    return keyed


def _grid(panel: dict) -> str:
    g = panel.get("gridPos") or {}
    return f"{g.get('w', '?')}×{g.get('h', '?')} at column {g.get('x', '?')}, line {g.get('y', '?')}"


def _dashboard_summary(dash: dict) -> list[Item]:
    items = []
    for key, (panel, _row) in _keyed_panels(dash).items():
        if panel.get("type") == "row":
            items.append(Item(f"row **{panel.get('title', '')}**"))
        else:
            unit = _defaults(panel).get("unit")
            what = panel.get("type", "?") + (f", unit `{unit}`" if unit else "")
            items.append(Item(f"panel **{panel.get('title', '')}** ({what}, {_grid(panel)})"))
    return items


def _dashboard_items(old: dict, new: dict) -> list[Item]:
    items = [
        _changed("title", old.get("title"), new.get("title")),
        _changed("description", old.get("description"), new.get("description"), quote),
        _changed("tags", old.get("tags"), new.get("tags")),
    ]
    items += _named_list("variable", old.get("templating", {}).get("list") or [], new.get("templating", {}).get("list") or [], "name")
    items += _named_list("link", old.get("links") or [], new.get("links") or [], "title")
    items.append(_other(old, new, {"title", "description", "tags", "templating", "links", "panels", "uid", "id", "version"}))
    items += _panels(old, new)
    return [i for i in items if i]


def _named_list(what: str, old: list, new: list, key: str) -> list[Item]:
    a = {str(x.get(key)): x for x in old}
    b = {str(x.get(key)): x for x in new}
    items = []
    for name in [n for n in b if n not in a]:
        items.append(Item(f"{what} `{name}` added"))
    for name in [n for n in a if n not in b]:
        items.append(Item(f"{what} `{name}` removed"))
    for name in [n for n in b if n in a]:
        paths = _paths(a[name], b[name])
        if paths:
            details = "; ".join(f"`{p}` {q(_get(a[name], p))} → {q(_get(b[name], p))}" for p in paths[:6])
            items.append(Item(f"{what} `{name}` changed: {details}"))
    return items


def _get(obj, path: str):
    """The value at a `_paths` path, for showing; lists are shown whole."""
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            index = int(part[1:-1])
            obj = obj[index] if isinstance(obj, list) and index < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
    if isinstance(obj, (dict, list)):
        return " ".join(str(obj).split())
    return obj


def _panels(old: dict, new: dict) -> list[Item]:
    a, b = _keyed_panels(old), _keyed_panels(new)
    gone = [k for k in a if k not in b]
    renamed = _renamed_panels(a, b, gone)
    items: list[Item] = []
    shifts: list[tuple[str, int]] = []  # panels only pushed up or down by a change above them
    for key in b:
        panel, row = b[key]
        label = _panel_label(panel)
        if key in renamed:
            before, before_row = a[renamed[key]]
            items.append(Item(f"{label}: renamed from **{before.get('title', '')}**"))
            items += _panel_items(label, before, before_row, panel, row, shifts)
        elif key not in a:
            items.append(_added_panel(label, panel))
        else:
            items += _panel_items(label, a[key][0], a[key][1], panel, row, shifts)
    items += [Item(f"{_panel_label(a[key][0])} removed") for key in gone if key not in renamed.values()]
    return items + _shift_items(shifts)


def _renamed_panels(a: dict, b: dict, gone: list[str]) -> dict[str, str]:
    """New key -> old key of panels whose title changed but whose queries did not."""
    renamed: dict[str, str] = {}
    for k in (k for k in b if k not in a):
        exprs = _exprs(b[k][0])
        match = next((g for g in gone if g not in renamed.values() and exprs and _exprs(a[g][0]) == exprs), None)
        if match:
            renamed[k] = match
    return renamed


def _added_panel(label: str, panel: dict) -> Item:
    unit = _defaults(panel).get("unit")
    extra = f", unit `{unit}`" if unit else ""
    kind = "" if panel.get("type") == "row" else f" ({panel.get('type')}{extra}, {_grid(panel)})"
    code = [f"+{t.get('refId', '?')}: {pretty.normalise(t.get('expr', ''), _language(t))}" for t in panel.get("targets") or []]
    return Item(f"{label} added{kind}", code)


def _shift_items(shifts: list[tuple[str, int]]) -> list[Item]:
    """One line for the knock-on effect of a resize or insertion, not one per panel."""
    items = []
    for delta in sorted({d for _, d in shifts}):
        names = [n for n, d in shifts if d == delta]
        way = f"down {delta}" if delta > 0 else f"up {-delta}"
        items.append(Item(f"{_count_panels(len(names))} below shifted {way} "
                          f"line{'s' if abs(delta) != 1 else ''}: {', '.join(names)}"))
    return items


def _panel_label(panel: dict) -> str:
    kind = "row" if panel.get("type") == "row" else "panel"
    return f"{kind} **{panel.get('title', '')}**"


def _exprs(panel: dict) -> tuple:
    return tuple(pretty.normalise(t.get("expr", ""), _language(t)) for t in panel.get("targets") or [])


def _defaults(panel: dict) -> dict:
    return (panel.get("fieldConfig") or {}).get("defaults") or {}


def _language(target: dict) -> str:
    ds = target.get("datasource") or {}
    kind = ds.get("type", "prometheus") if isinstance(ds, dict) else "prometheus"
    return "promql" if kind == "prometheus" else kind


def _steps(panel: dict):
    steps = ((_defaults(panel).get("thresholds") or {}).get("steps")) or []
    return [(s.get("value"), s.get("color")) for s in steps]


def _fmt_steps(steps) -> str:
    if not steps:
        return "none"
    return ", ".join(f"{color}" if value is None else f"{color} from {pretty.number(value)}" for value, color in steps)


def _panel_items(label: str, old: dict, old_row: str, new: dict, new_row: str, shifts: list) -> list[Item]:
    said = _placement(old, old_row, new, new_row, shifts) + _display(old, new)
    items = [Item(f"{label}: {text}") for text in said]
    items += _targets(label, old.get("targets") or [], new.get("targets") or [])
    handled = {"type", "gridPos", "description", "targets", "id", "title", "panels", "collapsed"}
    rest_old = {**old, "fieldConfig": _strip_defaults(old)}
    rest_new = {**new, "fieldConfig": _strip_defaults(new)}
    other = _other(rest_old, rest_new, handled)
    if other:
        items.append(Item(f"{label}: {other.text}"))
    return items


def _placement(old: dict, old_row: str, new: dict, new_row: str, shifts: list) -> list[str]:
    """Kind, row, position and size; a panel only pushed down by one above goes to `shifts`."""
    said = []
    if old.get("type") != new.get("type"):
        said.append(f"type {q(old.get('type'))} → {q(new.get('type'))}")
    if old_row != new_row and new.get("type") != "row":
        said.append(f"moved from row **{old_row or '(none)'}** to row **{new_row or '(none)'}**")
    g_old, g_new = old.get("gridPos") or {}, new.get("gridPos") or {}
    if g_old.get("x") == g_new.get("x") and g_old.get("y") != g_new.get("y") and old_row == new_row:
        shifts.append((f"**{new.get('title', '')}**", (g_new.get("y") or 0) - (g_old.get("y") or 0)))
    elif (g_old.get("x"), g_old.get("y")) != (g_new.get("x"), g_new.get("y")):
        said.append(f"moved from column {g_old.get('x')}, line {g_old.get('y')} "
                    f"to column {g_new.get('x')}, line {g_new.get('y')}")
    if (g_old.get("w"), g_old.get("h")) != (g_new.get("w"), g_new.get("h")):
        said.append(f"resized from {g_old.get('w')}×{g_old.get('h')} to {g_new.get('w')}×{g_new.get('h')}")
    return said


def _display(old: dict, new: dict) -> list[str]:
    """Description, unit and scale, thresholds, a row's collapsed state."""
    said = []
    if old.get("description") != new.get("description"):
        said.append(f"description {quote(old.get('description'))} → {quote(new.get('description'))}")
    d_old, d_new = _defaults(old), _defaults(new)
    for field_name in ("unit", "min", "max", "decimals"):
        if d_old.get(field_name) != d_new.get(field_name):
            said.append(f"{field_name} {q(d_old.get(field_name))} → {q(d_new.get(field_name))}")
    if _steps(old) != _steps(new):
        said.append(f"thresholds {_fmt_steps(_steps(old))} → {_fmt_steps(_steps(new))}")
    if old.get("collapsed") != new.get("collapsed") and new.get("type") == "row":
        said.append("now collapsed" if new.get("collapsed") else "now expanded")
    return said


def _strip_defaults(panel: dict) -> dict:
    config = dict(panel.get("fieldConfig") or {})
    defaults = {k: v for k, v in _defaults(panel).items() if k not in ("unit", "min", "max", "decimals", "thresholds")}
    thresholds = {k: v for k, v in (_defaults(panel).get("thresholds") or {}).items() if k != "steps"}
    if thresholds:
        defaults["thresholds"] = thresholds
    config["defaults"] = defaults
    return config


def _targets(label: str, old: list, new: list) -> list[Item]:
    a = {t.get("refId", str(i)): t for i, t in enumerate(old)}
    b = {t.get("refId", str(i)): t for i, t in enumerate(new)}
    items = []
    for ref in b:
        t = b[ref]
        lang = _language(t)
        if ref not in a:
            items.append(Item(f"{label}: query `{ref}` added", ["+" + line for line in pretty.normalise(t.get("expr", ""), lang).splitlines()]))
            continue
        s = a[ref]
        if not pretty.same(s.get("expr", ""), t.get("expr", ""), lang):
            items.append(Item(f"{label}: query `{ref}` changed", pretty.inline_diff(s.get("expr", ""), t.get("expr", ""), lang)))
        if s.get("legendFormat") != t.get("legendFormat"):
            items.append(Item(f"{label}: query `{ref}` legend {q(s.get('legendFormat'))} → {q(t.get('legendFormat'))}"))
        other = _other(s, t, {"expr", "legendFormat", "refId"})
        if other:
            items.append(Item(f"{label}: query `{ref}` {other.text}"))
    for ref in a:
        if ref not in b:
            items.append(Item(f"{label}: query `{ref}` removed", ["-" + line for line in pretty.normalise(a[ref].get("expr", ""), _language(a[ref])).splitlines()]))
    return items


# --- SLOs -----------------------------------------------------------------------------


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


def _describe_objective(value: float | None) -> str:
    if value is None:
        return "an objective that is not a number"
    return f"{percent(value)} (error budget {budget(value)} per {BUDGET_DAYS} days)"


def _slos(old: dict[str, Rule], new: dict[str, Rule]) -> tuple[list[Entry], set[str], int]:
    """SLO entries, the SLOs whose generated rules are summarised in them, and how many SLOs are unchanged."""
    a, b = _objectives(old), _objectives(new)
    entries, folded, same = [], set(), 0
    for slo in sorted(set(a) | set(b)):
        service = (b.get(slo) or a.get(slo))[1]
        name = f"`{slo}`" + (f" (service `{service}`)" if service else "")
        generated = _generated_changes(old, new, slo)
        count = f"; {generated} generated rule{'s' if generated != 1 else ''} updated to match" if generated else ""
        if slo not in a:
            entries.append(Entry("SLO", name, ADDED, [Item(f"objective {_describe_objective(b[slo][0])}{count}")], slo))
        elif slo not in b:
            entries.append(Entry("SLO", name, REMOVED, [Item(f"was {_describe_objective(a[slo][0])}{count}")], slo))
        elif a[slo][0] != b[slo][0]:
            loosened = a[slo][0] is not None and b[slo][0] is not None and b[slo][0] < a[slo][0]
            how = " (looser: more errors allowed before alerts fire)" if loosened else " (stricter)" if a[slo][0] is not None and b[slo][0] is not None else ""
            entries.append(Entry("SLO", name, CHANGED, [Item(f"objective {_describe_objective(a[slo][0])} → {_describe_objective(b[slo][0])}{how}{count}")], slo))
        else:
            same += 1
            continue
        folded.add(slo)
    return entries, folded, same


def _generated_changes(old: dict[str, Rule], new: dict[str, Rule], slo: str) -> int:
    keys = {k for k, r in {**old, **new}.items() if r.slo == slo and r.name != SLO_OBJECTIVE}
    return sum(1 for k in keys if (old.get(k) and old[k].data) != (new.get(k) and new[k].data))


# --- alerts and recording rules --------------------------------------------------------


def _rules(old: Snapshot, new: Snapshot, folded: set[str]) -> tuple[list[Entry], int, int]:
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


# --- other files -------------------------------------------------------------------------


def _files(old: dict[str, bytes], new: dict[str, bytes]) -> list[Entry]:
    entries = []
    for path in sorted(set(old) | set(new)):
        if path not in old:
            entries.append(Entry("file", f"`{path}`", ADDED, [], path))
        elif path not in new:
            entries.append(Entry("file", f"`{path}`", REMOVED, [], path))
        elif old[path] != new[path]:
            entries.append(Entry("file", f"`{path}`", CHANGED, [], path))
    return entries


def _count_panels(n: int) -> str:
    return f"{n} panel{'s' if n != 1 else ''} (rows included)" if n > 1 else "1 panel"
