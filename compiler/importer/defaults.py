"""The defaults Grafana fills into a panel when its plugin loads, and into targets and variables.

PanelModel.pluginLoaded applies the plugin's option and field-config defaults
(applyPluginOptionDefaults) to every key the saved panel lacks, so a dashboard
saved by Grafana 10/11 carries them; a dashboard written by hand or an older
tool does not. Filling both sides of a comparison with the same defaults makes
them compare as Grafana shows them. Only keys that are absent are filled;
nothing set is changed. Values are those of Grafana 10.4 (timeseries, stat,
gauge, bargauge, table, piechart); other kinds are left as they are.
"""
from __future__ import annotations

import copy

from ..model import fill_ref_ids

_THRESHOLDS = {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}
_REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}
_HIDE_FROM = {"legend": False, "tooltip": False, "viz": False}

PANEL_DEFAULTS: dict[str, dict] = {
    "timeseries": {
        "fieldConfig": {"defaults": {
            "color": {"mode": "palette-classic"},
            "custom": {
                "axisBorderShow": False, "axisCenteredZero": False, "axisColorMode": "text", "axisLabel": "",
                "axisPlacement": "auto", "barAlignment": 0, "drawStyle": "line", "fillOpacity": 0,
                "gradientMode": "none", "hideFrom": _HIDE_FROM, "insertNulls": False, "lineInterpolation": "linear",
                "lineWidth": 1, "pointSize": 5, "scaleDistribution": {"type": "linear"}, "showPoints": "auto",
                "spanNulls": False, "stacking": {"group": "A", "mode": "none"}, "thresholdsStyle": {"mode": "off"},
            },
            "mappings": [], "thresholds": _THRESHOLDS,
        }, "overrides": []},
        "options": {"legend": {"calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "single", "sort": "none"}},
    },
    "stat": {
        "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}, "mappings": [], "thresholds": _THRESHOLDS},
                        "overrides": []},
        "options": {"colorMode": "value", "graphMode": "area", "justifyMode": "auto", "orientation": "auto",
                    "reduceOptions": _REDUCE, "showPercentChange": False, "textMode": "auto", "wideLayout": True},
    },
    "gauge": {
        "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}, "mappings": [], "thresholds": _THRESHOLDS},
                        "overrides": []},
        "options": {"minVizHeight": 75, "minVizWidth": 75, "orientation": "auto", "reduceOptions": _REDUCE,
                    "showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto"},
    },
    "bargauge": {
        "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}, "mappings": [], "thresholds": _THRESHOLDS},
                        "overrides": []},
        "options": {"displayMode": "gradient", "maxVizHeight": 300, "minVizHeight": 16, "minVizWidth": 8,
                    "namePlacement": "auto", "orientation": "auto", "reduceOptions": _REDUCE, "showUnfilled": True,
                    "sizing": "auto", "valueMode": "color"},
    },
    "table": {
        "fieldConfig": {"defaults": {
            "color": {"mode": "thresholds"},
            "custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False},
            "mappings": [], "thresholds": _THRESHOLDS,
        }, "overrides": []},
        "options": {"cellHeight": "sm", "footer": {"countRows": False, "fields": "", "reducer": ["sum"], "show": False},
                    "showHeader": True},
    },
    "piechart": {
        "fieldConfig": {"defaults": {"color": {"mode": "palette-classic"}, "custom": {"hideFrom": _HIDE_FROM},
                                     "mappings": []}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                    "pieType": "pie", "reduceOptions": _REDUCE, "tooltip": {"mode": "single", "sort": "none"}},
    },
}


def fill(dashboard: dict) -> None:
    """Fill `dashboard` (normalised, in place) with what Grafana fills on load."""
    for panel in _panels(dashboard.get("panels")):
        _fill_panel(panel)


def _panels(panels):
    for panel in panels if isinstance(panels, list) else ():
        if isinstance(panel, dict):
            yield panel
            yield from _panels(panel.get("panels"))


def _fill_panel(panel: dict) -> None:
    targets = panel.get("targets")
    if isinstance(targets, list) and all(isinstance(t, dict) for t in targets):
        # PanelModel.ensureQueryIds: a query without a refId gets the next free letter.
        own = [t.get("refId") if isinstance(t.get("refId"), str) else "" for t in targets]
        for target, ref in zip(targets, fill_ref_ids(own)):
            target.setdefault("refId", ref)
    kind = panel.get("type")
    defaults = PANEL_DEFAULTS.get(kind) if isinstance(kind, str) else None
    if defaults is not None:
        _setdefaults(panel, defaults)


def _setdefaults(data: dict, defaults: dict) -> None:
    for key, value in defaults.items():
        if key not in data:
            data[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(data[key], dict):
            _setdefaults(data[key], value)
