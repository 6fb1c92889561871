"""Every PromQL string of a project becomes one Query before any lint rule runs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from . import promql
from .location import Location

PANEL, ALERT, RECORD, SLO = "panel", "alert", "record", "slo"


@dataclass
class Query:
    location: Location
    expr: str  # as written, Grafana variables included
    origin: str  # PANEL, ALERT, RECORD or SLO
    ignore: Mapping[str, str] = field(default_factory=dict)
    owner: object = None  # the Target, AlertRule or RecordingRule it came from
    expanded: str = ""
    ast: object = None
    error: str = ""

    def __post_init__(self) -> None:
        self.expanded = promql.expand(self.expr) if self.origin == PANEL else self.expr
        try:
            self.ast = promql.parse(self.expanded)
        except promql.ParseError as exc:
            self.error = str(exc)
