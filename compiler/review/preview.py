"""A PNG per dashboard, laid out as Grafana lays it out, with data when there is a source.

Rendered with matplotlib's Agg backend: no browser to install or start, about a
second for four dashboards, and pixel geometry we control exactly (one figure
pixel per layout pixel), so tests can check where each panel lands.

Geometry follows Grafana's grid: 24 columns, rows of 30 px plus an 8 px gap,
panels at their `gridPos`; collapsed rows show as a row header only.
"""
from __future__ import annotations

import json
import math
import os
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on CI
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .. import promql, selection  # noqa: E402
from . import pretty  # noqa: E402
from .data import RANGE_SECONDS, DataSource, Series  # noqa: E402

COLUMN = 64  # px per grid column: 24 columns make a 1536 px wide dashboard
CELL, GAP = 30, 8  # Grafana's GRID_CELL_HEIGHT and GRID_CELL_VMARGIN
MARGIN = 16  # around the grid
HEADER = 56  # dashboard title bar
DPI = 100

# Grafana's dark theme.
PAGE, PANEL, BORDER, TEXT, MUTED = "#111217", "#181b1f", "#2c3235", "#ccccdc", "#8e8e99"
COLORS = {"green": "#73bf69", "yellow": "#fade2a", "orange": "#ff9830", "red": "#f2495c", "blue": "#5794f2",
          "purple": "#b877d9", "dark-orange": "#ff780a"}
PALETTE = ("#73bf69", "#fade2a", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#37872d")


@dataclass(frozen=True)
class Rect:
    """Where a panel was drawn, in image pixels from the top-left corner."""

    title: str
    kind: str
    x: int
    y: int
    w: int
    h: int


def size(dash: dict) -> tuple[int, int]:
    """The image size in pixels for a dashboard."""
    bottom = max((_grid(p)[1] + _grid(p)[3] for p in _visible(dash)), default=0)
    return MARGIN * 2 + 24 * COLUMN, HEADER + bottom * (CELL + GAP) + MARGIN


def rect(panel: dict) -> Rect:
    x, y, w, h = _grid(panel)
    return Rect(panel.get("title", ""), panel.get("type", ""), MARGIN + x * COLUMN, HEADER + y * (CELL + GAP),
                w * COLUMN - GAP, h * (CELL + GAP) - GAP)


def _grid(panel: dict) -> tuple[int, int, int, int]:
    g = panel.get("gridPos") or {}
    return int(g.get("x", 0)), int(g.get("y", 0)), int(g.get("w", 12)), int(g.get("h", 8))


def _visible(dash: dict) -> list[dict]:
    """Top-level panels: a collapsed row keeps its panels inside it, out of the layout."""
    return list(dash.get("panels") or [])


def render(dash: dict, path: str, source: DataSource | None = None) -> list[Rect]:
    """Draw `dash` (Grafana JSON) into the PNG at `path`; returns the panel rectangles."""
    width, height = size(dash)
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=PAGE)
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, width)
    canvas.set_ylim(height, 0)  # y grows downwards, as in the layout
    canvas.axis("off")
    mode = "data from Prometheus" if source else "layout only: no data source (pass --prometheus-url)"
    canvas.text(MARGIN, HEADER / 2, dash.get("title", dash.get("uid", "")), color=TEXT, fontsize=15,
                fontweight="bold", va="center")
    canvas.text(width - MARGIN, HEADER / 2, f"{dash.get('uid', '')} · {mode}", color=MUTED, fontsize=9,
                va="center", ha="right")
    if source is not None:
        source = _as_opened(source, selection.from_json(dash))
    rects = []
    for panel in _visible(dash):
        r = rect(panel)
        rects.append(r)
        if panel.get("type") == "row":
            _row(canvas, panel, r)
        else:
            _panel(fig, canvas, panel, r, (width, height), source)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # No metadata: the same dashboard gives the same bytes.
    fig.savefig(path, dpi=DPI, facecolor=PAGE, metadata={"Software": None})
    plt.close(fig)
    return rects


def _as_opened(source: DataSource, values: dict[str, str]) -> DataSource:
    """`source` asked what Grafana asks as the dashboard opens: its filters on their defaults."""
    def fetch(target: dict):
        return source({**target, "expr": promql.expand(target.get("expr", ""), values)})
    return fetch


def _row(canvas, panel: dict, r: Rect) -> None:
    marker = "▸" if panel.get("collapsed") else "▾"
    hidden = len(panel.get("panels") or [])
    extra = f"  ({hidden} panels)" if panel.get("collapsed") and hidden else ""
    canvas.text(r.x, r.y + r.h / 2, f"{marker} {panel.get('title', '')}{extra}", color=TEXT, fontsize=11,
                fontweight="bold", va="center")
    canvas.plot([r.x, r.x + r.w], [r.y + r.h, r.y + r.h], color=BORDER, linewidth=1)


def _panel(fig, canvas, panel: dict, r: Rect, image: tuple[int, int], source: DataSource | None) -> None:
    canvas.add_patch(Rectangle((r.x, r.y), r.w, r.h, facecolor=PANEL, edgecolor=BORDER, linewidth=1,
                               antialiased=False))
    unit = _defaults(panel).get("unit") or ""
    canvas.text(r.x + 8, r.y + 14, _clip(panel.get("title", ""), r.w - 120), color=TEXT, fontsize=9.5,
                fontweight="bold", va="center")
    canvas.text(r.x + r.w - 8, r.y + 14, panel.get("type", "") + (f" · {unit}" if unit else ""), color=MUTED,
                fontsize=8, va="center", ha="right")
    body = (r.x + 8, r.y + 30, r.w - 16, r.h - 38)  # below the title line
    targets = panel.get("targets") or []
    if source is None or panel.get("type") == "logs":
        _placeholder(canvas, panel, body, "logs are not previewed" if source and panel.get("type") == "logs" else "")
        return
    series = [s for t in targets for s in source(t)]
    if not series:
        canvas.text(body[0] + body[2] / 2, body[1] + body[3] / 2, "No data", color=MUTED, fontsize=10,
                    ha="center", va="center")
        return
    kind = panel.get("type")
    if kind in ("stat", "gauge", "bargauge"):
        _stat(canvas, panel, body, series)
    elif kind == "piechart":
        _pie(fig, panel, body, image, series)
    elif kind == "table":
        _table(canvas, panel, body, series)
    elif kind == "heatmap" and _buckets(series):
        _heatmap(fig, panel, body, image, series)
    else:  # timeseries, anything new: lines over time
        _lines(fig, panel, body, image, series)


def _placeholder(canvas, panel: dict, body, note: str) -> None:
    """Layout-only content: the queries, so a reviewer still sees what the panel asks."""
    chars = max(10, int(body[2] / 6.6))  # 7.5 pt monospace is about 6.3 px a character
    shown = [note] if note else []
    for t in panel.get("targets") or []:
        text = " ".join(pretty.normalise(t.get("expr", ""), "promql").split())
        shown += textwrap.wrap(f"{t.get('refId', '')}: {text}", chars, subsequent_indent="   ")
    steps = _steps(panel)
    if len(steps) > 1:  # a lone base step colours nothing
        shown.append("thresholds: " + ", ".join(
            c if v is None else f"{c} from {format_value(v, _defaults(panel).get('unit') or '')}" for v, c in steps))
    max_lines = max(1, int(body[3] / 13))
    if len(shown) > max_lines:
        shown = shown[: max_lines - 1] + ["…"]
    for i, text in enumerate(shown):
        # parse_math=False: two `$var`s on a line would otherwise be read as TeX.
        canvas.text(body[0], body[1] + 6 + i * 13, text, color=MUTED, fontsize=7.5, family="monospace", va="center",
                    parse_math=False)


def _axes(fig, body, image):
    width, height = image
    x, y, w, h = body
    left, bottom = 52, 18  # room for tick labels
    ax = fig.add_axes(((x + left) / width, 1 - (y + h) / height + bottom / height,
                       max(w - left, 10) / width, max(h - bottom, 10) / height), facecolor=PANEL)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(colors=MUTED, labelsize=7, length=0)
    ax.grid(color=BORDER, linewidth=0.6)
    return ax


def _lines(fig, panel: dict, body, image, series: list[Series]) -> None:
    ax = _axes(fig, body, image)
    unit = _defaults(panel).get("unit") or ""
    stacked = ((_defaults(panel).get("custom") or {}).get("stacking") or {}).get("mode") == "normal"
    base = None
    for i, s in enumerate(series[:12]):
        values = list(s.values)
        if stacked and base is not None and len(base) == len(values):
            values = [a + b for a, b in zip(base, values)]
        ax.plot(s.times, values, color=PALETTE[i % len(PALETTE)], linewidth=1.2, label=s.name)
        base = values
    for value, color in _steps(panel):
        if value is not None:
            ax.axhline(value, color=COLORS.get(color, color), linewidth=0.9, linestyle="--")
    lo = _defaults(panel).get("min")
    if lo is not None:
        ax.set_ylim(bottom=lo)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v, unit)))
    last = max((s.times[-1] for s in series if s.times), default=None)
    if last is not None:  # the whole window, as Grafana's time picker shows it, however little data
        ax.set_xlim(last - RANGE_SECONDS, last)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _clock(v)))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
    if len(series) <= 6:
        ax.legend(loc="upper left", fontsize=6.5, frameon=False, labelcolor=TEXT, ncol=min(len(series), 3))


def _buckets(series: list[Series]) -> list[tuple[float, Series]] | None:
    """Histogram bucket series (legend `{{le}}`), by bound; None unless every series is one."""
    out = []
    for s in series:
        try:
            out.append((float(s.name), s))  # "0.5", "+Inf"
        except ValueError:
            return None
    lengths = {len(s.values) for _, s in out}
    return sorted(out, key=lambda b: b[0]) if len(lengths) == 1 and 0 not in lengths else None


def _heatmap(fig, panel: dict, body, image, series: list[Series]) -> None:
    """Cumulative `le` buckets as Grafana's heatmap shows them: a row per bucket, counts by colour."""
    buckets = _buckets(series)
    bounds = [b for b, _ in buckets]
    cumulative = [list(s.values) for _, s in buckets]
    rows = [[max(v - (cumulative[i - 1][j] if i else 0), 0) for j, v in enumerate(row)]
            for i, row in enumerate(cumulative)]  # per bucket, as Grafana de-accumulates `le`
    ax = _axes(fig, body, image)
    ax.grid(False)
    times = buckets[0][1].times
    # Grafana's dark "Oranges" scheme: from the panel's background to orange, exponent 0.5.
    colours = matplotlib.colors.LinearSegmentedColormap.from_list("grafana-oranges", [PANEL, COLORS["orange"]])
    ax.imshow(rows, aspect="auto", origin="lower", cmap=colours, norm=matplotlib.colors.PowerNorm(0.5),
              interpolation="nearest", extent=(times[0], times[-1], 0, len(rows)))
    unit = _defaults(panel).get("unit") or ""
    labels = [("+Inf" if math.isinf(b) else format_value(b, unit)) for b in bounds]
    step = max(1, len(labels) // 8)  # at most about eight labels on the axis
    ax.set_yticks([i + 0.5 for i in range(0, len(labels), step)], labels[::step])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _clock(v)))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))


def _stat(canvas, panel: dict, body, series: list[Series]) -> None:
    value = next((s.values[-1] for s in series if s.values), math.nan)
    color = TEXT
    for step_value, step_color in _steps(panel):
        if step_value is None or (not math.isnan(value) and value >= step_value):
            color = COLORS.get(step_color, step_color)
    unit = _defaults(panel).get("unit") or ""
    canvas.text(body[0] + body[2] / 2, body[1] + body[3] / 2, format_value(value, unit, _defaults(panel).get("decimals")),
                color=color, fontsize=max(12, min(30, body[3] / 3)), fontweight="bold", ha="center", va="center")


def _pie(fig, panel: dict, body, image, series: list[Series]) -> None:
    ax = _axes(fig, body, image)
    values = [max(s.values[-1], 0) if s.values else 0 for s in series]
    if sum(values) <= 0:
        return
    ax.pie(values, labels=[s.name for s in series], colors=PALETTE[: len(values)],
           textprops={"color": TEXT, "fontsize": 7}, wedgeprops={"linewidth": 0})
    ax.set_aspect("equal")


def _table(canvas, panel: dict, body, series: list[Series]) -> None:
    unit = _defaults(panel).get("unit") or ""
    rows = sorted(((s.name, s.values[-1]) for s in series if s.values), key=lambda r: -r[1])
    for i, (name, value) in enumerate(rows[: max(1, int(body[3] / 16))]):
        y = body[1] + 8 + i * 16
        canvas.text(body[0], y, _clip_chars(name, int(body[2] / 7) - 12), color=TEXT, fontsize=8, va="center")
        canvas.text(body[0] + body[2], y, format_value(value, unit), color=TEXT, fontsize=8, va="center", ha="right")


def _defaults(panel: dict) -> dict:
    return (panel.get("fieldConfig") or {}).get("defaults") or {}


def _steps(panel: dict) -> list[tuple]:
    steps = (_defaults(panel).get("thresholds") or {}).get("steps") or []
    return [(s.get("value"), s.get("color")) for s in steps]


def _clip(text: str, pixels: float) -> str:
    return _clip_chars(text, int(pixels / 6.5))


def _clip_chars(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


def _clock(t: float) -> str:
    seconds = int(t) % 86400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def format_value(value: float, unit: str, decimals: int | None = None) -> str:
    """A value with its Grafana unit, roughly as Grafana prints it."""
    if value is None:
        return "No data"
    value = float(value)  # matplotlib hands numpy floats to tick formatters
    if math.isnan(value):
        return "No data"
    digits = 1 if decimals is None else decimals
    if unit == "percentunit":
        return f"{value * 100:.{digits}f}%"
    if unit == "percent":
        return f"{value:.{digits}f}%"
    if unit == "s":
        if abs(value) < 1 and value:
            return f"{value * 1000:.0f} ms"
        return f"{value:.{digits}f} s" if abs(value) < 60 else f"{value / 60:.{digits}f} min"
    if unit == "bytes":
        for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024 or suffix == "TiB":
                return f"{value:.{digits}f} {suffix}" if suffix != "B" else f"{value:.0f} B"
            value /= 1024
    suffix = {"reqps": " req/s", "ops": " ops/s"}.get(unit, "")
    for scale, letter in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:.{digits}f}{letter}{suffix}"
    if decimals is None and 0 < abs(value) < 1:  # small rates keep two significant digits: 0.04, not 0
        return f"{pretty.number(float(f'{value:.2g}'))}{suffix}"
    return f"{pretty.number(round(value, digits if abs(value) < 100 else 0))}{suffix}"


def render_all(files: dict[str, bytes], out_dir: str, uids: list[str] | None = None,
               source: DataSource | None = None) -> dict[str, list[Rect]]:
    """PNG per dashboard in a build's files (`grafana/<uid>.json`), or only `uids`."""
    done = {}
    for path in sorted(files):
        if not (path.startswith("grafana/") and path.endswith(".json")):
            continue
        dash = json.loads(files[path])
        uid = dash.get("uid") or os.path.basename(path)[:-5]
        if uids is not None and uid not in uids:
            continue
        done[uid] = render(dash, os.path.join(out_dir, f"{uid}.png"), source)
    return done
