"""Every PromQL string of a project becomes one Query before any lint rule runs.

A Query is parsed once, on first use (promql.parse caches small trees by text, so a
repeated expression is parsed once per process); what several rules need from its tree (the nodes, the
selectors) is computed on first use and kept.

A lint rule of scope "query" reads only what `key` determines (the text, the
origin, the legend, and what follows from them: `expanded`, `ast`, `error`,
`nodes`), so the lint reuses its findings for every query with the same key
(compiler/lint/__init__.py; tests/lint/test_query_memo.py holds the rules to it).
"""
from __future__ import annotations

from collections.abc import Mapping

from . import promql
from .location import Location

PANEL, ALERT, RECORD, SLO = "panel", "alert", "record", "slo"


class Query:
    """A plain class, not a dataclass, for the lint's start-up (compiler/names.py)."""

    __slots__ = ("location", "expr", "origin", "ignore", "legend", "expanded", "_ast", "_error", "_nodes")

    def __init__(self, location: Location, expr: str, origin: str, ignore: Mapping[str, str] | None = None,
                 legend: str = ""):
        self.location = location
        self.expr = expr  # as written, Grafana variables included
        self.origin = origin  # PANEL, ALERT, RECORD or SLO
        self.ignore = ignore if ignore is not None else {}
        self.legend = legend  # a panel target's legend format
        self.expanded = promql.expand(expr) if origin == PANEL else expr
        self._ast = None
        self._error: str | None = None  # None: not parsed yet
        self._nodes: list | None = None

    def __repr__(self) -> str:
        return f"Query({self.location!r}, {self.expr!r}, {self.origin!r})"

    # Parsed on first use, not when made: every query of a file is made before the lint
    # starts, and a large tree costs memory quadratic in its operators (promql.parse),
    # so only the trees being linted are alive at once (drop_tree frees each after).
    @property
    def ast(self):
        if self._error is None:
            self._parse()
        return self._ast

    @property
    def error(self) -> str:
        if self._error is None:
            self._parse()
        return self._error

    def _parse(self) -> None:
        try:
            self._ast, self._error = promql.parse(self.expanded), ""
        except promql.ParseError as exc:
            self._ast, self._error = None, str(exc)

    @property
    def key(self) -> tuple:
        """What a query rule's findings depend on: equal keys, equal findings."""
        return (self.expr, self.origin, self.legend)

    def drop_tree(self) -> None:
        """Free the parsed tree once every rule has seen it (a large project's trees are most of its memory)."""
        if self._ast is not None:
            self._ast, self._nodes, self._error = None, None, "tree dropped after lint"

    def release(self) -> None:
        """Forget the tree until it is asked for again (parsed again then): for a pass over
        every query before the lint, which would otherwise keep every tree alive at once."""
        if self._ast is not None:
            self._ast, self._nodes, self._error = None, None, None

    @property
    def nodes(self) -> list:
        """Every node of the tree, parents first (empty when it does not parse)."""
        if self._nodes is None:
            self._nodes = list(promql.nodes(self.ast)) if self.ast is not None else []
        return self._nodes
