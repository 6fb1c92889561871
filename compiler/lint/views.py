"""What rules see: one shape per kind of object, whether it comes from our Python
definitions or from an external file.

A project alert and an alert read from someone's rule file are both a RuleView whose
`data` is the rule as a rule file holds it, so one rule module checks both. `model`
is the definition object for project subjects and None for external ones.

Plain classes, not dataclasses: `build.py lint FILE` starts in promtool's time only
without dataclasses (compiler/names.py).
"""
from __future__ import annotations

from collections.abc import Mapping

from ..queries import Query

ALERT, RECORD = "alert", "record"


class RuleView:
    def __init__(self, kind: str, name: str, data: Mapping, query: Query | None, model: object = None):
        self.kind = kind  # ALERT or RECORD
        self.name = name
        self.data = data  # alert/record, expr, for, keep_firing_for, labels, annotations
        self.query = query  # None when `expr` is not a string
        self.model = model


class GroupView:
    def __init__(self, name: object, data: Mapping, rules: list[RuleView] | None = None, model: object = None):
        self.name = name
        self.data = data  # name, interval, limit, rules
        self.rules = rules if rules is not None else []
        self.model = model


class RuleSet:
    """All rules of a project or of one file, each with its location (rule/duplicate)."""

    def __init__(self, rules: list):
        self.rules = rules  # [(RuleView, Location)]


class TargetView:
    def __init__(self, ref_id: str, expr: str, legend: str = "", datasource: object = None,
                 query: Query | None = None):
        self.ref_id = ref_id
        self.expr = expr
        self.legend = legend
        self.datasource = datasource  # as written: None, a name, or {"type", "uid"}
        self.query = query


class PanelView:
    def __init__(self, title: str, kind: str, unit: str | None, targets: list[TargetView] | None = None,
                 id: object = None, grid: tuple | None = None, width: object = None, datasource: object = None,
                 parent: object = None, model: object = None):
        self.title = title
        self.kind = kind
        self.unit = unit  # None: the panel kind has no unit
        self.targets = targets if targets is not None else []
        self.id = id
        self.grid = grid  # (x, y, w, h) when known
        self.width = width
        self.datasource = datasource
        self.parent = parent  # id of the collapsed row holding it
        self.model = model


class VariableView:
    def __init__(self, name: str, kind: str, query: str = "", datasource: object = None):
        self.name = name
        self.kind = kind
        self.query = query
        self.datasource = datasource


class DashboardView:
    def __init__(self, uid: str, title: str, variables: list[VariableView] | None = None,
                 panels: list[PanelView] | None = None, model: object = None):
        self.uid = uid
        self.title = title
        self.variables = variables if variables is not None else []
        self.panels = panels if panels is not None else []
        self.model = model
