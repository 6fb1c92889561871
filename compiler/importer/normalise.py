"""Grafana's own normalisation of a dashboard, so that two dashboards compare as Grafana sees them.

What Grafana does to a dashboard when it loads and saves it, and that an import
must not count as a difference: panel ids are reassigned, top-level panels are
sorted by position (DashboardModel.sortPanelsByGridPos), each panel's `pluginVersion`
(stamped by the plugin that rendered it last), the export-only keys
(`__inputs`, `__requires`, `__elements`) and the server's `id`/`version` go,
and the defaults a panel's plugin fills in on load are filled (defaults.py).
Legacy forms are migrated as Grafana migrates them (compiler/importer/legacy.py);
each migration is recorded in `notes`.
"""
from __future__ import annotations

import copy

from . import defaults, legacy

# Keys the Grafana server owns or the export adds: not settings of the dashboard.
SERVER_KEYS = ("id", "version", "iteration", "__inputs", "__requires", "__elements")
# Panel keys Grafana writes itself on load: the version of the plugin that last rendered it.
PANEL_STAMPS = ("id", "pluginVersion")


def normalise(dashboard: dict, notes: list[str] | None = None, fill: bool = True) -> dict:
    """A normalised deep copy of `dashboard`; migrations done are appended to `notes`.

    `fill=False` leaves out the plugin defaults (to count the settings the input itself has).
    """
    notes = [] if notes is None else notes
    d = copy.deepcopy(dashboard)
    legacy.migrate(d, notes)
    for key in SERVER_KEYS:
        d.pop(key, None)
    panels = d.setdefault("panels", [])  # DashboardModel: `data.panels ?? []`
    if isinstance(panels, list):
        for panel in _all_panels(panels):
            for key in PANEL_STAMPS:
                panel.pop(key, None)
        d["panels"] = sorted(panels, key=_position)
    if fill:
        defaults.fill(d)
    return d


def _all_panels(panels: list):
    for panel in panels:
        if isinstance(panel, dict):
            yield panel
            nested = panel.get("panels")
            if isinstance(nested, list):
                yield from _all_panels(nested)


def _position(panel) -> tuple:
    pos = panel.get("gridPos") if isinstance(panel, dict) else None
    pos = pos if isinstance(pos, dict) else {}
    y, x = pos.get("y", 0), pos.get("x", 0)
    return (y if isinstance(y, (int, float)) else 0, x if isinstance(x, (int, float)) else 0)


def strip_ids(dashboard: dict) -> dict:
    """`dashboard` (in place) without panel ids, which Grafana reassigns; panel order kept."""
    for panel in _all_panels(dashboard.get("panels", [])):
        panel.pop("id", None)
    return dashboard
