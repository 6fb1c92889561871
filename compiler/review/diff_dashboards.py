"""Dashboards compared as a reviewer reads them: panel by panel (by title, so that renumbered
panel ids are no noise), queries after prettify, anything else by its JSON path."""
from __future__ import annotations

from . import pretty
from .changes import ADDED, CHANGED, REMOVED, RENAMED, Entry, Item, changed_item, differing_paths, other_settings, q, quote, value_at


def _panel_titles(dash: dict) -> frozenset:
    return frozenset(p.get("title") for p in _flat_panels(dash) if p.get("type") != "row")


def dashboards(old: dict, new: dict) -> tuple[list[Entry], int]:
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
        changed_item("title", old.get("title"), new.get("title")),
        changed_item("description", old.get("description"), new.get("description"), quote),
        changed_item("tags", old.get("tags"), new.get("tags")),
    ]
    items += _named_list("variable", old.get("templating", {}).get("list") or [], new.get("templating", {}).get("list") or [], "name")
    items += _named_list("link", old.get("links") or [], new.get("links") or [], "title")
    items.append(other_settings(old, new, {"title", "description", "tags", "templating", "links", "panels", "uid", "id", "version"}))
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
        paths = differing_paths(a[name], b[name])
        if paths:
            details = "; ".join(f"`{p}` {q(value_at(a[name], p))} → {q(value_at(b[name], p))}" for p in paths[:6])
            items.append(Item(f"{what} `{name}` changed: {details}"))
    return items


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
    other = other_settings(rest_old, rest_new, handled)
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
        other = other_settings(s, t, {"expr", "legendFormat", "refId"})
        if other:
            items.append(Item(f"{label}: query `{ref}` {other.text}"))
    for ref in a:
        if ref not in b:
            items.append(Item(f"{label}: query `{ref}` removed", ["-" + line for line in pretty.normalise(a[ref].get("expr", ""), _language(a[ref])).splitlines()]))
    return items


def _count_panels(n: int) -> str:
    return f"{n} panel{'s' if n != 1 else ''} (rows included)" if n > 1 else "1 panel"
