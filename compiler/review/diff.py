"""Compare two snapshots of out/ and describe the changes as a reviewer reads them.

Dashboards (review/diff_dashboards.py) are compared panel by panel, alerts, recording
rules and SLOs (review/diff_rules.py) field by field; any other generated file is
named when it changed. Nothing hides: what no builder describes is named by its
JSON path.
"""
from __future__ import annotations

from dataclasses import dataclass

from .changes import ADDED, CHANGED, REMOVED, RENAMED, Entry, Item
from .diff_dashboards import dashboards
from .diff_rules import BUDGET_DAYS, budget, describe_objective, percent, rules, slos
from .gitrev import Base
from .snapshot import Snapshot

# What callers use: the report, its vocabulary, and how an objective's budget is said.
__all__ = ["ADDED", "BUDGET_DAYS", "CHANGED", "REMOVED", "RENAMED", "Entry", "Item", "Report",
           "budget", "compare", "describe_objective", "percent"]


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
    dash_entries, unchanged["dashboard"] = dashboards(old.dashboards, new.dashboards)
    entries += dash_entries
    slo_entries, folded, same_slos = slos(old.rules, new.rules)
    rule_entries, unchanged["alert"], unchanged["recording rule"] = rules(old, new, folded)
    unchanged["SLO"] = same_slos
    entries += rule_entries + slo_entries
    entries += _files(old.others, new.others)
    return Report(base, entries, {k: v for k, v in unchanged.items() if v})


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
