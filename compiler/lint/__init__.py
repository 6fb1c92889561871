"""The linter: an explicit registry of rules, and the walk that feeds each rule its scope.

Rules never iterate a project themselves: the framework hands each one the objects
of its SCOPE with their location, and attaches that location to what the rule yields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..location import Location
from ..model import ref_ids
from ..queries import Query
from .finding import ERROR, WARNING, Finding
from .rules import alerts_routing, load_duplicate, promql_syntax, promql_unknown_metric, slo_threshold_bucket

RULES = (
    alerts_routing,
    load_duplicate,
    promql_syntax,
    promql_unknown_metric,
    slo_threshold_bucket,
)

SCOPES = ("query", "dashboard", "panel", "alert", "record", "group", "project", "slo")


@dataclass
class Subject:
    """One object a rule looks at: the object, where it is, and what it suppresses."""

    scope: str
    obj: object
    location: Location
    ignore: dict = field(default_factory=dict)


@dataclass
class Context:
    project: object
    catalog: object
    config: object


def run(project, subjects: Iterable[Subject], rules=RULES) -> list[Finding]:
    """Run `rules` over `subjects`; findings sorted by location then rule id."""
    ctx = Context(project, project.catalog, project.config)
    by_scope: dict[str, list] = {}
    for rule in rules:
        by_scope.setdefault(rule.SCOPE, []).append(rule)
    findings: list[Finding] = []
    for subject in subjects:
        for rule in by_scope.get(subject.scope, ()):
            if rule.SCOPE == "query" and rule is not promql_syntax and subject.obj.ast is None:
                continue  # a query that does not parse gets promql/syntax only
            if rule.ID in subject.ignore:
                continue
            for result in rule.check(subject.obj, ctx):
                # A rule yields a message, or (message, severity[, location]).
                message, severity, location = (*result, subject.location)[:3] if isinstance(result, tuple) else (
                    result, rule.SEVERITY, subject.location)
                findings.append(Finding(location, rule.ID, severity, message))
    return sorted(findings)


def has_errors(findings: Iterable[Finding], strict: bool = False) -> bool:
    return any(f.severity == ERROR or (strict and f.severity == WARNING) for f in findings)


def subjects(project) -> Iterator[Subject]:
    """Every object of a project with its location, parents before children."""
    yield Subject("project", project, Location("config.py"))
    for dash in project.dashboards:
        dloc = project.locate(dash, f"dashboard '{dash.uid}'")
        dignore = dict(dash.lint_ignore)
        yield Subject("dashboard", dash, dloc, dignore)
        for panel in dash.panels:
            ploc = project.locate(panel, f"dashboard '{dash.uid}'", f"panel '{panel.title}'")
            pignore = {**dignore, **panel.lint_ignore}
            yield Subject("panel", panel, ploc, pignore)
            for ref_id, target in zip(ref_ids(panel.targets), panel.targets):
                if target.datasource != "prometheus":
                    continue
                tloc = ploc.child(f"target {ref_id}")
                yield Subject("query", Query(tloc, target.expr, "panel", pignore, target), tloc, pignore)
    for slo in project.slos:
        yield Subject("slo", slo, project.locate(slo, f"slo '{slo.name}'"), dict(slo.lint_ignore))
    for group in project.all_groups():
        yield Subject("group", group, project.locate(group, f"group '{group.name}'"))
        for rule in group.rules:
            kind = "alert" if hasattr(rule, "severity") else "record"
            name = rule.name if kind == "alert" else rule.record
            loc = project.locate(rule, f"{kind} '{name}'")
            ignore = dict(rule.lint_ignore)
            yield Subject(kind, rule, loc, ignore)
            yield Subject("query", Query(loc, rule.expr, kind, ignore, rule), loc, ignore)

