"""Legacy dashboard forms, migrated the way Grafana's DashboardMigrator does it.

- `rows` with `span`/`height` (schema < 16) become row panels and grid positions
  (upgradeToGridLayout);
- `graph` panels become `timeseries`, `singlestat` become `stat` (Grafana 11
  migrates these Angular panels on load; graphPanelChangedHandler, sharedSingleStatMigrationHandler).
"""
from __future__ import annotations

import re


def migrate(d: dict, notes: list[str]) -> None:
    _migrate_layout(d, notes)
    for panel in _panels(d.get("panels")):
        kind = panel.get("type")
        if isinstance(kind, str) and kind in PANEL_MIGRATIONS:
            new_kind, handler = PANEL_MIGRATIONS[kind]
            dropped = _change_plugin(panel, new_kind, handler)
            title = panel.get("title", "")
            note = f"legacy panel '{title}': `{kind}` converted to `{new_kind}` as Grafana migrates it"
            if dropped:
                note += f"; settings Grafana's migration drops: {', '.join(dropped)}"
            notes.append(note)


def _panels(panels):
    for panel in panels if isinstance(panels, list) else ():
        if isinstance(panel, dict):
            yield panel
            yield from _panels(panel.get("panels"))


def _migrate_layout(d: dict, notes: list[str]) -> None:
    if isinstance(d.get("rows"), list):
        rows = d.pop("rows")
        if rows and _rows_to_panels(d, rows):
            notes.append(f"legacy `rows` ({len(rows)}) converted to row panels and grid positions, "
                         "as Grafana migrates them")
        elif rows:
            notes.append(f"legacy `rows` ({len(rows)}) dropped: Grafana reads them only below "
                         f"schemaVersion {GRID_LAYOUT_SCHEMA}")


# Grafana's grid: 24 columns of cells 30 px high with an 8 px margin; a legacy
# row was 250 px high by default, and a panel 4 of its 12 spans wide.
GRID_COLUMNS = 24
GRID_CELL_HEIGHT, GRID_CELL_VMARGIN = 30, 8
MIN_PANEL_HEIGHT = GRID_CELL_HEIGHT * 3
DEFAULT_ROW_HEIGHT = 250
DEFAULT_PANEL_SPAN = 4
GRID_LAYOUT_SCHEMA = 16  # the schema version that introduced gridPos


def _rows_to_panels(d: dict, rows: list) -> bool:
    """DashboardMigrator.upgradeToGridLayout: rows of spans -> row panels and gridPos; False if Grafana would not."""
    schema = d.get("schemaVersion")
    if isinstance(schema, int) and schema >= GRID_LAYOUT_SCHEMA:
        return False
    panels = d.setdefault("panels", [])
    y = 0
    show_rows = any(isinstance(r, dict) and (r.get("collapse") or r.get("showTitle") or r.get("repeat")) for r in rows)
    for row in rows:
        if not isinstance(row, dict) or row.get("repeatIteration"):
            continue
        row_height = _grid_height(row.get("height") or DEFAULT_ROW_HEIGHT)
        row_panel = None
        if show_rows:
            row_panel = _row_panel(row, y, row_height)
            y += 1
        collapsed = row_panel is not None and row_panel["collapsed"]
        area = _RowArea(row_height, GRID_COLUMNS, y)
        for panel in row.get("panels") if isinstance(row.get("panels"), list) else ():
            if not isinstance(panel, dict):
                continue
            _place_panel(panel, area, row_height)
            (row_panel["panels"] if collapsed else panels).append(panel)
        # Placing a panel may move the row area down; the next row starts below where it ended.
        y = area.y
        if row_panel is not None:
            panels.append(row_panel)
        if not collapsed:
            y += row_height
    return True


def _row_panel(row: dict, y: int, row_height: int) -> dict:
    """The row panel a legacy row becomes, at height y."""
    row_panel = {"type": "row", "title": row.get("title", ""), "collapsed": bool(row.get("collapse", False)),
                 "panels": [], "gridPos": {"x": 0, "y": y, "w": GRID_COLUMNS, "h": row_height}}
    if row.get("repeat"):
        row_panel["repeat"] = row["repeat"]
    return row_panel


def _place_panel(panel: dict, area: "_RowArea", row_height: int) -> None:
    """Turn a panel's span (and height) into a gridPos in the row's area, as Grafana does."""
    span = _number(panel.pop("span", None)) or DEFAULT_PANEL_SPAN
    if isinstance(panel.get("minSpan"), int) and not isinstance(panel["minSpan"], bool):
        panel["minSpan"] = min(GRID_COLUMNS, GRID_COLUMNS // 12 * panel["minSpan"])
    width = min(max(int(span), 1), 12) * GRID_COLUMNS // 12
    height = _grid_height(panel["height"]) if panel.get("height") else row_height
    x, rel_y = area.position(height, width)
    panel["gridPos"] = {"x": x, "y": area.y + rel_y, "w": width, "h": height}
    area.add(panel["gridPos"])


def _grid_height(height) -> int:
    if isinstance(height, str):  # parseInt("250px")
        digits = re.match(r"\s*(\d+)", height)
        height = int(digits.group(1)) if digits else DEFAULT_ROW_HEIGHT
    elif _number(height) is None:
        height = DEFAULT_ROW_HEIGHT
    height = max(height, MIN_PANEL_HEIGHT)
    return int(-(-height // (GRID_CELL_HEIGHT + GRID_CELL_VMARGIN)))


class _RowArea:
    """Grafana's RowArea: the filled height of each column of one legacy row."""

    def __init__(self, height: int, width: int, y: int):
        self.area = [0] * width
        self.y = y
        self.height = height

    def add(self, pos: dict) -> None:
        for i in range(pos["x"], min(pos["x"] + pos["w"], len(self.area))):
            bottom = pos["y"] + pos["h"] - self.y
            if not self.area[i] or bottom > self.area[i]:
                self.area[i] = bottom

    def position(self, height: int, width: int, once: bool = False) -> tuple[int, int]:
        start = end = None
        for i in range(len(self.area) - 1, -1, -1):
            if self.height - self.area[i] <= 0:
                break
            if end is None:
                end = i
            elif i < len(self.area) - 1 and self.area[i] <= self.area[i + 1]:
                start = i
            else:
                break
        if start is not None and end is not None and end - start >= width - 1:
            return start, max(self.area[start:])
        if once:  # wider than a whole row: Grafana would fail here; put it at the left
            return 0, max(self.area)
        self.y += self.height  # wrap to a new line of the row
        self.area = [0] * len(self.area)
        return self.position(height, width, True)


# --- Angular panels -> their React successors ------------------------------------------------

# PanelModel's mustKeepProps: what survives a change of plugin; the rest of the old
# panel's keys are its plugin's options, which the migration handler reads.
KEEP = frozenset((
    "id", "gridPos", "type", "title", "scopedVars", "repeat", "repeatIteration", "repeatPanelId", "repeatDirection",
    "repeatedByRow", "minSpan", "collapsed", "panels", "targets", "datasource", "timeFrom", "timeShift",
    "hideTimeOverride", "description", "links", "transparent", "pluginVersion", "queryCachingTTL",
    "transformations", "maxDataPoints", "interval", "maxPerRow", "libraryPanel",
))
# Keys the handlers below read; any other old key is dropped by Grafana, and reported.
GRAPH_READS = frozenset((
    "yaxes", "fieldConfig", "dashes", "dashLength", "spaceLength", "aliasColors", "seriesOverrides", "bars", "lines",
    "points", "pointradius", "linewidth", "fill", "fillGradient", "legend", "tooltip", "thresholds", "stack",
    "percentage", "nullPointMode", "steppedLine",
))
SINGLESTAT_READS = frozenset((
    "valueName", "format", "decimals", "nullText", "gauge", "thresholds", "colors", "sparkline", "colorBackground",
    "colorValue", "fieldConfig", "options",
))
# Grafana's fieldReducers ids and the aliases the old panels used.
REDUCERS = {"avg": "mean", "mean": "mean", "current": "lastNotNull", "last": "last", "lastNotNull": "lastNotNull",
            "max": "max", "min": "min", "total": "sum", "sum": "sum", "first": "first", "count": "count",
            "range": "range", "diff": "diff", "delta": "delta", "median": "median"}
THRESHOLD_COLORS = {"critical": "red", "warning": "orange", "ok": "green"}
# Old legend keys that are flags of the legend itself, not of a reducer.
_LEGEND_FLAGS = {"show", "values", "alignAsTable", "rightSide", "sideWidth", "hideEmpty", "hideZero", "sort",
                 "sortDesc"}
# Old keys whose default value means "nothing set" (Grafana's migration reads them the same way).
_IDLE = {"renderer": "flot", "xaxis": None, "timeRegions": [], "spaceLength": 10, "dashLength": 10}


def _lookup(table: dict, key, default):
    return table.get(key, default) if isinstance(key, str) else default


def _change_plugin(panel: dict, new_kind: str, handler) -> list[str]:
    """Change `panel` to `new_kind` as PanelModel.changePlugin does; the old keys nothing read."""
    old = {k: v for k, v in panel.items() if k not in KEEP}
    reads = GRAPH_READS if handler is graph_to_timeseries else SINGLESTAT_READS
    for key in old:
        panel.pop(key)
    panel["type"] = new_kind
    field_config, options = handler(old)
    panel["fieldConfig"] = field_config
    panel["options"] = options
    return sorted(k for k, v in old.items() if k not in reads and k != "type" and not _idle(k, v))


def _idle(key: str, value) -> bool:
    if key not in _IDLE:
        return value in (None, [], {}, "")
    return key == "xaxis" or value == _IDLE[key]


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


def _axis(axis) -> dict:
    """getFieldConfigFromOldAxis."""
    if not isinstance(axis, dict):
        return {}
    custom = {"axisPlacement": "auto" if axis.get("show") else "hidden"}
    if axis.get("label"):
        custom["axisLabel"] = axis["label"]
    if axis.get("logBase") in (2, 10):
        custom["scaleDistribution"] = {"type": "log", "log": axis["logBase"]}
    out = {"unit": axis.get("format"), "decimals": _number(axis.get("decimals")),
           "min": _number(axis.get("min")), "max": _number(axis.get("max")), "custom": custom}
    return {k: v for k, v in out.items() if v is not None}


def graph_to_timeseries(old: dict) -> tuple[dict, dict]:
    """graphToTimeseriesOptions (public/app/plugins/panel/timeseries/migrations.ts), its common paths."""
    old_fc = old.get("fieldConfig") if isinstance(old.get("fieldConfig"), dict) else {}
    yaxes = old.get("yaxes") if isinstance(old.get("yaxes"), list) else []
    y1 = _axis(yaxes[0] if yaxes else None)
    if isinstance(old_fc.get("defaults"), dict):
        y1 = {**old_fc["defaults"], **y1}
    overrides = _graph_overrides(old, old_fc, yaxes)
    custom = _graph_custom(old, y1)
    thresholds = _graph_thresholds(old.get("thresholds"))
    if thresholds:
        y1["thresholds"], custom["thresholdsStyle"] = thresholds
    y1["custom"] = custom
    options = {"legend": _graph_legend(old.get("legend") if isinstance(old.get("legend"), dict) else None),
               "tooltip": _graph_tooltip(old.get("tooltip") if isinstance(old.get("tooltip"), dict) else None)}
    return {"defaults": y1, "overrides": overrides}, options


def _graph_overrides(old: dict, old_fc: dict, yaxes: list) -> list:
    """The field overrides: the old ones, then one per alias colour, then one per series override."""
    overrides = list(old_fc.get("overrides") or [])
    alias_colors = old.get("aliasColors") if isinstance(old.get("aliasColors"), dict) else {}
    for alias, color in alias_colors.items():
        if color:
            overrides.append({"matcher": {"id": "byName", "options": alias},
                              "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]})
    for override in old.get("seriesOverrides") if isinstance(old.get("seriesOverrides"), list) else ():
        rule = _series_override(override, yaxes)
        if rule:
            overrides.append(rule)
    return overrides


def _graph_custom(old: dict, y1: dict) -> dict:
    """fieldConfig.defaults.custom: the y1 axis's custom plus the graph's draw style, lines, fill and stacking."""
    custom = dict(y1.get("custom") or {})
    custom["drawStyle"] = "bars" if old.get("bars") else "line" if old.get("lines", True) else "points"
    _graph_points(old, custom)
    _graph_lines(old, custom)
    _graph_fill(old, custom)
    if old.get("stack"):
        custom["stacking"] = {"mode": "percent" if old.get("percentage") else "normal", "group": "A"}
    return custom


def _graph_points(old: dict, custom: dict) -> None:
    if old.get("points"):
        custom["showPoints"] = "always"
        if _number(old.get("pointradius")) is not None:
            custom["pointSize"] = 2 + _number(old["pointradius"]) * 2
    elif custom["drawStyle"] != "points":
        custom["showPoints"] = "never"


def _graph_lines(old: dict, custom: dict) -> None:
    if old.get("linewidth") is not None:
        custom["lineWidth"] = old["linewidth"]
    if old.get("dashes"):
        custom["lineStyle"] = {"fill": "dash", "dash": [old.get("dashLength", 10), old.get("spaceLength", 10)]}


def _graph_fill(old: dict, custom: dict) -> None:
    # The order of these keys is the order Grafana writes them, so it is kept (fill before interpolation).
    if _number(old.get("fill")) is not None:
        custom["fillOpacity"] = _number(old["fill"]) * 10
    if (_number(old.get("fillGradient")) or 0) > 0:
        custom["gradientMode"] = "opacity"
        custom["fillOpacity"] = _number(old["fillGradient"]) * 10
    if old.get("steppedLine"):
        custom["lineInterpolation"] = "stepAfter"
    if old.get("nullPointMode") == "connected":
        custom["spanNulls"] = True


def _graph_legend(legend: dict | None) -> dict:
    out = {"displayMode": "list", "showLegend": True, "placement": "bottom", "calcs": []}
    if not legend:
        return out
    if legend.get("show"):
        out["displayMode"] = "table" if legend.get("alignAsTable") else "list"
    else:
        out["showLegend"] = False
    if legend.get("rightSide"):
        out["placement"] = "right"
    if legend.get("values"):
        out["calcs"] = [REDUCERS[k] for k, v in legend.items() if v and k not in _LEGEND_FLAGS and k in REDUCERS]
    if legend.get("sideWidth"):
        out["width"] = legend["sideWidth"]
    return out


def _graph_tooltip(tooltip: dict | None) -> dict:
    out = {"mode": "single", "sort": "none"}
    if not tooltip:
        return out
    if "shared" in tooltip:
        out["mode"] = "multi" if tooltip["shared"] else "single"
    if "sort" in tooltip and tooltip.get("shared"):
        sort = tooltip["sort"]
        out["sort"] = {1: "asc", 2: "desc"}.get(sort, "none") if isinstance(sort, int) else "none"
    return out


def _series_override(override, yaxes: list) -> dict | None:
    if not isinstance(override, dict) or not isinstance(override.get("alias"), str) or not override["alias"]:
        return None
    alias = override["alias"]
    regex = alias.startswith("/") and alias.endswith("/")
    props = []
    for key, value in override.items():
        props.extend(_series_override_props(key, value, yaxes))
    if not props:
        return None
    return {"matcher": {"id": "byRegexp" if regex else "byName", "options": alias}, "properties": props}


def _series_override_props(key: str, value, yaxes: list) -> list:
    """The field-override properties one key of a series override becomes ([] for keys not migrated)."""
    if key == "yaxis" and value == 2:
        return _right_axis_props(yaxes)
    if key in _SERIES_DRAW_KEYS:
        return _series_draw_props(key, value)
    if key == "stack":
        mode = "normal" if value is True else "none" if value is False else "normal"
        return [{"id": "custom.stacking", "value": {"mode": mode, "group": value if isinstance(value, str) else "A"}}]
    if key == "color":
        return [{"id": "color", "value": {"fixedColor": value, "mode": "fixed"}}]
    if key == "transform" and value == "negative-Y":
        return [{"id": "custom.transform", "value": "negative-Y"}]
    return []


def _right_axis_props(yaxes: list) -> list:
    y2 = _axis(yaxes[1] if len(yaxes) > 1 else None)
    props = [{"id": "custom.axisPlacement", "value": "right"}]
    for name in ("unit", "decimals", "min", "max"):
        if name in y2:
            props.append({"id": name, "value": y2[name]})
    return props


_SERIES_DRAW_KEYS = ("fill", "fillBelowTo", "points", "bars", "lines", "linewidth", "pointradius")


def _series_draw_props(key: str, value) -> list:
    """The series-override keys about how the series is drawn (fill, points, bars, lines)."""
    if key == "fill" and _number(value) is not None:
        return [{"id": "custom.fillOpacity", "value": _number(value) * 10}]
    if key == "fillBelowTo":
        return [{"id": "custom.fillBelowTo", "value": value}]
    if key == "points":
        return [{"id": "custom.showPoints", "value": "always" if value else "never"}]
    if key == "bars" and value:
        return [{"id": "custom.drawStyle", "value": "bars"}]
    if key == "lines":
        return [{"id": "custom.drawStyle", "value": "line"} if value else {"id": "custom.lineWidth", "value": 0}]
    if key == "linewidth":
        return [{"id": "custom.lineWidth", "value": value}]
    if key == "pointradius" and _number(value) is not None:
        return [{"id": "custom.pointSize", "value": 2 + _number(value) * 2}]
    return []


def _graph_thresholds(thresholds) -> tuple[dict, dict] | None:
    if not isinstance(thresholds, list) or not thresholds:
        return None
    items = sorted((t for t in thresholds if isinstance(t, dict) and _number(t.get("value")) is not None),
                   key=lambda t: _number(t["value"]))
    if not items:
        return None
    steps, area, line = [], False, False
    for t in items:
        area = area or bool(t.get("fill"))
        line = line or bool(t.get("line"))
        color = _lookup(THRESHOLD_COLORS, t.get("colorMode"), t.get("fillColor") or t.get("lineColor") or "red")
        if t.get("op") == "lt":
            if not steps:
                steps.append({"color": color, "value": None})
            steps.append({"color": "transparent", "value": _number(t["value"])})
        else:
            steps.append({"color": color, "value": _number(t["value"])})
    if steps[0]["value"] is not None:
        steps.insert(0, {"color": "transparent", "value": None})
    mode = "line+area" if line and area else "area" if area else "line"
    return {"mode": "absolute", "steps": steps}, {"mode": mode}


def singlestat_to_stat(old: dict) -> tuple[dict, dict]:
    """sharedSingleStatPanelChangedHandler + statPanelChangedHandler, for an Angular singlestat."""
    defaults: dict = {}
    if old.get("format"):
        defaults["unit"] = old["format"]
    if old.get("decimals"):
        defaults["decimals"] = old["decimals"]
    if old.get("nullText"):
        defaults["noValue"] = old["nullText"]
    gauge = old.get("gauge") if isinstance(old.get("gauge"), dict) else {}
    if gauge:
        defaults["min"], defaults["max"] = gauge.get("minValue"), gauge.get("maxValue")
    colors = old.get("colors") if isinstance(old.get("colors"), list) else None
    if isinstance(old.get("thresholds"), str) and colors:
        levels = [_number(v.strip()) for v in old["thresholds"].split(",") if v.strip()]
        steps = []
        for color in colors:
            i = len(steps) - 1
            steps.append({"color": color, "value": levels[i] if 0 <= i < len(levels) else None})
        defaults["thresholds"] = {"mode": "absolute", "steps": steps}
    options = {"reduceOptions": {"calcs": [_lookup(REDUCERS, old.get("valueName"), "mean")]}, "orientation": "horizontal"}
    if gauge.get("show"):
        options["showThresholdLabels"] = gauge.get("thresholdLabels")
        options["showThresholdMarkers"] = gauge.get("thresholdMarkers")
    sparkline = old.get("sparkline") if isinstance(old.get("sparkline"), dict) else {}
    options["graphMode"] = "area" if sparkline.get("show") else "none"
    if old.get("colorBackground"):
        options["colorMode"] = "background"
    elif old.get("colorValue"):
        options["colorMode"] = "value"
    else:
        options["colorMode"] = "none"
    if old.get("valueName") == "name":
        options["textMode"] = "name"
    return {"defaults": defaults, "overrides": []}, options


PANEL_MIGRATIONS = {"graph": ("timeseries", graph_to_timeseries), "singlestat": ("stat", singlestat_to_stat)}
