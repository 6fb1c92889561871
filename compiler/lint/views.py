"""What rules see: one shape per kind of object, whether it comes from our Python
definitions or from an external file.

A project alert and an alert read from someone's rule file are both a RuleView whose
`data` is the rule as a rule file holds it, so one rule module checks both. `model`
is the definition object for project subjects and None for external ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..queries import Query

ALERT, RECORD = "alert", "record"


@dataclass
class RuleView:
    kind: str  # ALERT or RECORD
    name: str
    data: Mapping  # alert/record, expr, for, keep_firing_for, labels, annotations
    query: Query | None  # None when `expr` is not a string
    model: object = None


@dataclass
class GroupView:
    name: object
    data: Mapping  # name, interval, limit, rules
    rules: list[RuleView] = field(default_factory=list)
    model: object = None


@dataclass
class RuleSet:
    """All rules of a project or of one file, each with its location (rule/duplicate)."""

    rules: list  # [(RuleView, Location)]


@dataclass
class TargetView:
    ref_id: str
    expr: str
    legend: str = ""
    datasource: object = None  # as written: None, a name, or {"type", "uid"}
    query: Query | None = None


@dataclass
class PanelView:
    title: str
    kind: str
    unit: str | None  # None: the panel kind has no unit
    targets: list[TargetView] = field(default_factory=list)
    id: object = None
    grid: tuple | None = None  # (x, y, w, h) when known
    width: object = None
    datasource: object = None
    parent: object = None  # id of the collapsed row holding it
    model: object = None


@dataclass
class VariableView:
    name: str
    kind: str
    query: str = ""
    datasource: object = None


@dataclass
class DashboardView:
    uid: str
    title: str
    variables: list[VariableView] = field(default_factory=list)
    panels: list[PanelView] = field(default_factory=list)
    model: object = None
