"""dashboard/layout: the 24-column grid, no overlaps, unique ids."""
import pytest

from compiler.lint.rules import dashboard_layout as rule
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401

E = "sum(rate(codeverify_analyses_total[$__rate_interval]))"


@pytest.mark.parametrize("panels, message", [
    pytest.param([panel(E, grid=(0, 0, 12, 8), pid=1), panel(E, grid=(12, 0, 12, 8), pid=2, title="Q")], None, id="side by side"),
    pytest.param([panel(E, grid=(0, 0, 12, 8), pid=1), panel(E, grid=(6, 4, 12, 8), pid=2, title="Q")], "overlap", id="overlapping"),
    pytest.param([panel(E, grid=(0, 0, 12, 8), pid=1), panel(E, grid=(12, 0, 12, 8), pid=1, title="Q")], "share id 1", id="a duplicate id"),
    pytest.param([panel(E, grid=(0, 0, 30, 8), pid=1)], "30 columns wide", id="wider than the grid"),
    pytest.param([panel(E, grid=(18, 0, 12, 8), pid=1)], "ends at column 30", id="running off the right edge"),
    pytest.param([panel(E, grid=(0, 0, None, 8), pid=1)], "has no width (gridPos.w): give it 1 to 24 columns",
                 id="no width, not 'None columns wide'"),
    pytest.param([panel(E, grid=(0, 0, "12", 8), pid=1)], "has width '12', not a number of columns", id="a width in quotes"),
])
def test_layout(lint_dashboard, panels, message):
    messages = lint_dashboard(dashboard(*panels), rule)
    assert messages == [] if message is None else any(message in m for m in messages), messages


def test_collapsed_row_children_are_their_own_level(lint_dashboard):
    row = {"id": 10, "type": "row", "title": "R", "collapsed": True, "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1},
           "panels": [panel(E, grid=(0, 9, 24, 8), pid=11)]}
    later = panel(E, grid=(0, 9, 24, 8), pid=12, title="After")
    assert lint_dashboard(dashboard(panel(E), row, later), rule) == []


def legacy(*spans) -> dict:
    """A pre-5.0 dashboard: one row of panels sized by `span` (of 12), no gridPos."""
    panels = []
    for i, span in enumerate(spans):
        p = panel(E, pid=i + 1, title=f"P{i}")
        del p["gridPos"]
        if span is not None:
            p["span"] = span
        panels.append(p)
    return {**dashboard(), "panels": [], "rows": [{"title": "R", "panels": panels}]}


@pytest.mark.parametrize("spans, message", [
    pytest.param((6, 6), None, id="two half-width panels"),
    pytest.param((None, 12), None, id="no span is Grafana's default of 4"),
    pytest.param((14,), "28 columns wide", id="a span past the 12 of the old grid"),
])
def test_legacy_rows_are_sized_by_span_as_grafana_migrates_them(lint_dashboard, spans, message):
    messages = lint_dashboard(legacy(*spans), rule)
    assert messages == [] if message is None else any(message in m for m in messages), messages
