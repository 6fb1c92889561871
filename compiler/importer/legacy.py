"""Legacy dashboard forms, migrated the way Grafana's DashboardMigrator does it.

- `rows` with `span`/`height` (schema < 16) become row panels and grid positions
  (upgradeToGridLayout);
- `graph` panels become `timeseries`, `singlestat` become `stat` (Grafana 11
  migrates these Angular panels on load; graphPanelChangedHandler, sharedSingleStatMigrationHandler).
"""
from __future__ import annotations


def migrate(d: dict, notes: list[str]) -> None:
    if isinstance(d.get("rows"), list):
        rows = d.pop("rows")
        if rows and _rows_to_panels(d, rows):
            notes.append(f"legacy `rows` ({len(rows)}) converted to row panels and grid positions, as Grafana migrates them")
        elif rows:
            notes.append(f"legacy `rows` ({len(rows)}) dropped: Grafana reads them only below schemaVersion {GRID_LAYOUT_SCHEMA}")


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
            row_panel = {"type": "row", "title": row.get("title", ""), "collapsed": bool(row.get("collapse", False)),
                         "panels": [], "gridPos": {"x": 0, "y": y, "w": GRID_COLUMNS, "h": row_height}}
            if row.get("repeat"):
                row_panel["repeat"] = row["repeat"]
            y += 1
        area = _RowArea(row_height, GRID_COLUMNS, y)
        for panel in row.get("panels") or ():
            if not isinstance(panel, dict):
                continue
            span = panel.pop("span", None) or DEFAULT_PANEL_SPAN
            if panel.get("minSpan"):
                panel["minSpan"] = min(GRID_COLUMNS, GRID_COLUMNS // 12 * panel["minSpan"])
            width = int(span) * GRID_COLUMNS // 12
            height = _grid_height(panel["height"]) if panel.get("height") else row_height
            x, rel_y = area.position(height, width)
            y = area.y
            panel["gridPos"] = {"x": x, "y": y + rel_y, "w": width, "h": height}
            area.add(panel["gridPos"])
            if row_panel is not None and row_panel["collapsed"]:
                row_panel["panels"].append(panel)
            else:
                panels.append(panel)
        if row_panel is not None:
            panels.append(row_panel)
        if not (row_panel is not None and row_panel["collapsed"]):
            y += row_height
    return True


def _grid_height(height) -> int:
    if isinstance(height, str):
        digits = "".join(ch for ch in height.replace("px", "").strip() if ch.isdigit())
        height = int(digits) if digits else DEFAULT_ROW_HEIGHT
    height = max(height, MIN_PANEL_HEIGHT)
    return -(-height // (GRID_CELL_HEIGHT + GRID_CELL_VMARGIN))


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
