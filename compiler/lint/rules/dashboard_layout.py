"""dashboard/layout: panels that overlap, share an id, or do not fit the 24-column grid.

What it checks: each panel's width is between 1 and 24 and it ends within column 24;
no two panels of the same level (the dashboard, or one collapsed row) overlap; no two
panels share an id.
Why: Grafana pushes overlapping panels around on load, so the saved dashboard never
matches the definition; duplicate ids break links to a panel and its edit view.
Bad:  two panels at `gridPos {x: 0, y: 0, w: 12, h: 8}`
Good: the second at `{x: 12, y: 0, w: 12, h: 8}`
"""
ID = "dashboard/layout"
SEVERITY = "error"
SCOPE = "dashboard"

COLUMNS = 24


def check(dash, ctx):
    ids: dict = {}
    placed: dict = {}
    for panel in dash.panels:
        width = panel.grid[2] if panel.grid else panel.width
        if width is None and panel.grid:  # gridPos without `w`: Grafana's schema default, 12 columns
            yield (f"panel '{panel.title}' has no width (gridPos.w): give it 1 to {COLUMNS} columns "
                   "(Grafana falls back to 12)", "warning")
        elif width is None:  # a dashboard's JSON without gridPos: Grafana gives the panel its default place
            yield (f"panel '{panel.title}' has no gridPos: Grafana places it by the schema's defaults "
                   "(12 columns by 9 at the top left), over whatever is there", "warning")
        elif isinstance(width, bool) or not isinstance(width, (int, float)):
            yield f"panel '{panel.title}' has width {width!r}, not a number of columns (1 to {COLUMNS})"
        elif not 1 <= width <= COLUMNS:
            yield f"panel '{panel.title}' is {width} columns wide: the grid has {COLUMNS}"
        elif panel.grid and isinstance(panel.grid[0], (int, float)) and panel.grid[0] + width > COLUMNS:
            yield f"panel '{panel.title}' ends at column {panel.grid[0] + width}, past column {COLUMNS}"
        if panel.id is not None:
            if panel.id in ids:
                yield f"panels '{ids[panel.id]}' and '{panel.title}' share id {panel.id}"
            else:
                ids[panel.id] = panel.title
        if panel.grid and all(isinstance(v, (int, float)) for v in panel.grid):
            level = placed.setdefault(panel.parent, [])
            for other in level:
                if _overlap(panel.grid, other.grid):
                    yield f"panels '{other.title}' and '{panel.title}' overlap"
                    break
            level.append(panel)


def _overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
