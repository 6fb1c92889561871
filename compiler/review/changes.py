"""What a diff entry is made of, and how values print in it (shared by the dashboard and rule diffs)."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import pretty

ADDED, REMOVED, CHANGED, RENAMED = "added", "removed", "changed", "renamed"


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


def changed_item(label: str, old, new, fmt=q) -> Item | None:
    return None if old == new else Item(f"{label}: {fmt(old)} → {fmt(new)}")


def differing_paths(old, new, prefix="") -> list[str]:
    """JSON paths where two values differ (the leaves, or a whole list when lengths differ)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            out += differing_paths(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += differing_paths(a, b, f"{prefix}[{i}]")
        return out
    return [] if old == new else [prefix]


def other_settings(old: dict, new: dict, handled: set[str]) -> Item | None:
    a = {k: v for k, v in old.items() if k not in handled}
    b = {k: v for k, v in new.items() if k not in handled}
    paths = differing_paths(a, b)
    if not paths:
        return None
    if len(paths) <= 3:  # few: show the values too
        shown = "; ".join(f"`{p}` {q(value_at(a, p))} → {q(value_at(b, p))}" for p in paths)
    else:
        shown = ", ".join(f"`{p}`" for p in paths[:8]) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")
    return Item(f"other settings changed: {shown}")


def value_at(obj, path: str):
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
