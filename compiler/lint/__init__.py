"""The linter: an explicit registry of rules, and the walk that feeds each rule its scope.

Rules never iterate a project themselves: the framework hands each one the objects
of its SCOPE with their location, and attaches that location to what the rule yields.
Project definitions and external files (lint/external.py) are turned into the same
views (lint/views.py), so every rule checks both.

Scopes: project (the Project), ruleset (views.RuleSet), group (GroupView), rule
(RuleView, alerts and records), query (queries.Query), dashboard (DashboardView),
panel (PanelView); and, for the project's definitions only, alert and record (the
AlertRule/RecordingRule objects themselves, for checks that need the model, such as
alerts/routing). A rule's SCOPE is one of them or a tuple of them.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping

from ..location import Location
from ..names import ref_ids
from ..queries import ALERT, PANEL, RECORD, Query
from . import views
from .finding import ERROR, WARNING, Finding


def __getattr__(name: str):
    if name == "RULES":  # the registry, imported on first use (see registry.py)
        from .registry import RULES
        return RULES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SCOPES = ("project", "ruleset", "group", "rule", "alert", "record", "query", "dashboard", "panel", "slo", "metric")
IGNORE_RULE = "lint/ignore"  # problems with suppressions themselves
SYNTAX = "promql/syntax"  # the one rule that sees queries that do not parse


def scopes(rule) -> tuple[str, ...]:
    return (rule.SCOPE,) if isinstance(rule.SCOPE, str) else tuple(rule.SCOPE)


# Plain classes, not dataclasses, for the start-up of `build.py lint FILE` (compiler/names.py).
class Suppression:
    """One `lint_ignore` entry (or `# lint: ignore` comment): a rule id and its reason."""

    def __init__(self, rule: str, reason: object, location: Location, used: bool = False):
        self.rule, self.reason, self.location, self.used = rule, reason, location, used


def suppressions(ignore: Mapping | None, location: Location) -> dict[str, Suppression]:
    if not isinstance(ignore, Mapping):
        return {}
    return {str(rule): Suppression(str(rule), reason, location) for rule, reason in ignore.items()}


class Subject:
    """One object a rule looks at: the object, where it is, and what it suppresses."""

    def __init__(self, scope: str, obj: object, location: Location, ignore: dict | None = None):
        self.scope, self.obj, self.location = scope, obj, location
        self.ignore = ignore if ignore is not None else {}  # rule id -> Suppression


class Context:
    def __init__(self, project: object, catalog: object, config: object, known: object = None):
        self.project, self.catalog, self.config = project, catalog, config
        # labels.Known: what may be assumed of a selector's series (default: strict)
        self.known = known if known is not None else _strict(project, catalog, config)


# CodeVerify's defaults for the lint settings of config.py (a project may omit them).
DEFAULT_NAMESPACES = ("codeverify_",)


def known(project, catalog, config, strict: bool, recorded=()):
    """labels.Known for a lint run: the project's recording rules, plus `recorded` (name, expr, labels)."""
    from ..labels import Known

    table: dict = {}
    if project is not None:
        for group in project.all_groups():
            for rule in group.rules:
                if hasattr(rule, "record"):
                    table.setdefault(rule.record, []).append((rule.expr, rule.labels))
    for name, expr, labels in recorded:
        table.setdefault(name, []).append((expr, labels))
    return Known(catalog, strict=strict,
                 namespaces=getattr(config, "LINT_CATALOG_NAMESPACES", DEFAULT_NAMESPACES),
                 scrapes=getattr(config, "LINT_KNOWN_SCRAPES", None), recorded=table)


def _strict(project, catalog, config):
    return known(project, catalog, config, strict=True)


def run(project, subjects: Iterable[Subject], rules=None, ctx: Context | None = None) -> list[Finding]:
    """Run `rules` (default: all of them) over `subjects`; findings sorted by location then rule id."""
    rules = _registry(rules)
    findings, seen = _check(project, subjects, rules, ctx)
    findings.extend(_suppression_findings(seen.values(), {r.ID for r in rules}))
    return sorted(findings, key=Finding.sort_key)


def _registry(rules):
    if rules is None:
        from .registry import RULES
        return RULES
    return rules


def _check(project, subjects: Iterable[Subject], rules, ctx: Context | None,
           memo: bool = True) -> tuple[list[Finding], dict]:
    """The rules' findings, and the suppressions met (by id; each knows whether it was `used`).

    A query's rule results are computed once per Query.key and reused for every
    query with the same key (a repository repeats queries across dashboards);
    suppressions and locations stay each query's own. `memo=False` recomputes them
    (the tests compare both).
    """
    from . import analysis  # with the rules, which only a lint imports

    analysis.clear()
    ctx = ctx or Context(project, project.catalog, project.config)
    by_scope: dict[str, list] = {}
    for rule in rules:
        for scope in scopes(rule):
            by_scope.setdefault(scope, []).append(rule)
    findings: list[Finding] = []
    seen: dict[int, Suppression] = {}
    known: dict[tuple, list] | None = {} if memo else None  # Query.key -> [(rule, results)]
    for subject in subjects:
        for sup in subject.ignore.values():
            seen[id(sup)] = sup
        if subject.scope == "query":
            per_rule = _query_results(subject.obj, by_scope.get("query", ()), ctx, known)
        else:
            per_rule = [(rule, _results(rule, subject.obj, ctx)) for rule in by_scope.get(subject.scope, ())]
        findings += _findings(subject, per_rule)
    return findings, seen


def _query_results(query, query_rules, ctx, known: dict | None) -> list:
    """[(rule, results)] for a query, reused from `known` for an equal Query.key (None: no reuse)."""
    per_rule = known.get(query.key) if known is not None else None
    if per_rule is None:
        # A query that does not parse gets promql/syntax only.
        per_rule = [(rule, _results(rule, query, ctx)) for rule in query_rules
                    if query.ast is not None or rule.ID == SYNTAX]
        if known is not None and not any(isinstance(r, tuple) and len(r) > 2 for _, found in per_rule for r in found):
            known[query.key] = per_rule  # (a result with its own location stays unshared)
    query.drop_tree()  # parents come first: nothing after a query reads its tree
    from . import analysis

    analysis.clear()  # caches keyed by its nodes would keep the tree alive (issue 20: memory)
    return per_rule


def _findings(subject: Subject, per_rule) -> list[Finding]:
    """The subject's findings from its rules' results, minus what it suppresses (marking those used)."""
    found = []
    for rule, results in per_rule:
        sup = subject.ignore.get(rule.ID)
        if sup is not None:
            sup.used = sup.used or bool(results)
            continue
        for result in results:
            # A rule yields a message, or (message, severity[, location]).
            if isinstance(result, tuple):
                message, severity, location = (*result, subject.location)[:3]
            else:
                message, severity, location = result, rule.SEVERITY, subject.location
            found.append(Finding(location, rule.ID, severity, message))
    return found


def _results(rule, obj, ctx) -> list:
    try:
        return list(rule.check(obj, ctx))
    except RecursionError:  # the rules recurse over expressions, some of them over sub-chains
        return [(f"nests too deeply to check (more than Python's {sys.getrecursionlimit()} frames): "
                 "split the expression, e.g. into recording rules", "error")]
    except Exception as exc:  # a bug in the rule: the finding names the rule and the object, not a traceback
        return [(f"the rule crashed on this object ({_where(exc)}{type(exc).__name__}: {exc}): "
                 "a bug in the lint rule, not in the definition", "error")]


def _where(exc: BaseException) -> str:
    """`compiler/lint/rules/x.py:12: `: where the exception was raised, for the rule's author."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    path = frames[-1].filename
    if path.startswith(_REPO):
        path = os.path.relpath(path, _REPO).replace(os.sep, "/")
    return f"{path}:{frames[-1].lineno}: "


_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep


def run_split(project, subjects: list[Subject], rules=None, ctx: Context | None = None) -> list[Finding]:
    """run(), with half of the subjects linted by a forked child (compiler/forked.py).

    The halves are whole units, a dashboard or a rule group with everything under
    it; the project and the ruleset (all rules, for duplicates) stay here. A
    suppression may span units (a file-level `# lint: ignore`): the child reports
    which suppressions it used, and unused ones are reported once, here. Same
    findings as run(), on two cores.
    """
    if len(subjects) < SPLIT_FROM:
        return run(project, subjects, rules, ctx)
    from .. import forked  # (pickle, signal: only for large runs)

    if not forked.available():
        return run(project, subjects, rules, ctx)
    rules = _registry(rules)
    here, there, unit = [], [], 0
    for subject in subjects:
        if subject.scope in ("dashboard", "group"):
            unit += 1
        (there if unit % 2 and subject.scope not in ("project", "ruleset") else here).append(subject)

    def child_part():
        found, seen = _check(project, there, rules, ctx)
        return found, [key for key, sup in seen.items() if sup.used]  # ids: the objects predate the fork

    child = forked.Forked(child_part)
    try:
        found, seen = _check(project, here, rules, ctx)
    except BaseException:
        child.cancel()
        raise
    found_there, used_there = child.result()
    every = {id(sup): sup for subject in subjects for sup in subject.ignore.values()}
    for key in used_there:
        every[key].used = True
    found += found_there
    found.extend(_suppression_findings(every.values(), {r.ID for r in rules}))
    return sorted(found, key=Finding.sort_key)


SPLIT_FROM = 2000  # subjects; below this a fork costs more than it saves


def _suppression_findings(sups: Iterable[Suppression], ran: set[str]) -> Iterator[Finding]:
    """Ignores of no rule, without a reason, or (for the rules that ran) matching nothing."""
    from .registry import IDS  # a subset run (one rule's tests) still knows every rule's id

    known = ran | set(IDS)
    for sup in sups:
        if sup.rule not in known:
            yield Finding(sup.location, IGNORE_RULE, WARNING, f"ignores `{sup.rule}`, which is not a lint rule")
        elif not isinstance(sup.reason, str) or not sup.reason.strip():
            yield Finding(sup.location, IGNORE_RULE, WARNING, f"the ignore of `{sup.rule}` gives no reason")
        elif sup.rule in ran and not sup.used:
            yield Finding(sup.location, IGNORE_RULE, WARNING,
                          f"the ignore of `{sup.rule}` matches nothing: remove it")


def has_errors(findings: Iterable[Finding], strict: bool = False) -> bool:
    return any(f.severity == ERROR or (strict and f.severity == WARNING) for f in findings)


# --- the project's subjects ------------------------------------------------------------


def subjects(project) -> Iterator[Subject]:
    """Every object of a project with its location, parents before children."""
    yield Subject("project", project, Location("config.py"))
    for dash in project.dashboards:
        yield from _dashboard_subjects(project, dash)
    for slo in project.slos:
        sloc = project.locate(slo, f"slo '{slo.name}'")
        yield Subject("slo", slo, sloc, suppressions(slo.lint_ignore, sloc))
    ruleset = []
    for group in project.all_groups():
        gloc = project.locate(group, f"group '{group.name}'")
        gview = views.GroupView(group.name, {"name": group.name, "interval": group.interval}, model=group)
        rule_subjects = []
        for rule in group.rules:
            kind = views.ALERT if hasattr(rule, "severity") else views.RECORD
            name = rule.name if kind == views.ALERT else rule.record
            loc = project.locate(rule, f"group '{group.name}'", f"{kind} '{name}'")
            ignore = suppressions(rule.lint_ignore, loc)
            view = views.RuleView(kind, name, _rule_data(rule, kind, project.config), None, model=rule)
            view.query = Query(loc, rule.expr, ALERT if kind == views.ALERT else RECORD, ignore)
            gview.rules.append(view)
            ruleset.append((view, loc))
            rule_subjects.append(Subject("rule", view, loc, ignore))
            rule_subjects.append(Subject(kind, rule, loc, ignore))
            rule_subjects.append(Subject("query", view.query, loc, ignore))
        yield Subject("group", gview, gloc)
        yield from rule_subjects
    yield Subject("ruleset", views.RuleSet(ruleset), Location("alerts"))
    for metric in project.catalog.metrics.values():  # last: a rule may weigh everything above
        mloc = project.locate(metric, f"metric '{metric.name}'")
        yield Subject("metric", metric, mloc, suppressions(getattr(metric, "lint_ignore", None), mloc))


def _rule_data(rule, kind: str, config) -> dict:
    """A definition as the rule file will hold it (what emit/rules.py writes)."""
    from ..emit.rules import runbook_url

    if kind == views.RECORD:
        data = {"record": rule.record, "expr": rule.expr}
        if rule.labels:
            data["labels"] = rule.labels
        return data
    annotations = {"summary": rule.summary, "description": rule.description,
                   "runbook_url": runbook_url(rule, config), **rule.annotations}
    data = {"alert": rule.name, "expr": rule.expr, "labels": {**rule.labels, "severity": rule.severity},
            "annotations": annotations}
    if rule.for_ != "":
        data["for"] = rule.for_
    if rule.keep_firing_for != "":
        data["keep_firing_for"] = rule.keep_firing_for
    return data


_NO_UNIT_KINDS = ("logs", "text", "news", "dashlist", "alertlist", "row", "nodeGraph", "traces")


def _dashboard_subjects(project, dash) -> Iterator[Subject]:
    dloc = project.locate(dash, f"dashboard '{dash.uid}'")
    dignore = suppressions(dash.lint_ignore, dloc)
    dview = views.DashboardView(
        dash.uid, dash.title,
        [views.VariableView(v.name, v.kind, v.query, v.datasource) for v in dash.variables],
        model=dash,
    )
    children = []
    for panel in dash.panels:
        ploc = project.locate(panel, f"dashboard '{dash.uid}'", f"panel '{panel.title}'")
        pignore = {**dignore, **suppressions(panel.lint_ignore, ploc)}
        pview = views.PanelView(
            panel.title, panel.kind, None if panel.kind in _NO_UNIT_KINDS else panel.unit,
            width=panel.width, model=panel,
        )
        children.append(Subject("panel", pview, ploc, pignore))
        for ref_id, target in zip(ref_ids(panel.targets), panel.targets):
            tview = views.TargetView(ref_id, target.expr, target.legend, target.datasource)
            pview.targets.append(tview)
            if target.datasource != "prometheus":
                continue
            tloc = ploc.child(f"target {ref_id}", getattr(target.src, "line", None))
            tview.query = Query(tloc, target.expr, PANEL, pignore, legend=tview.legend)
            children.append(Subject("query", tview.query, tloc, pignore))
        dview.panels.append(pview)
    yield Subject("dashboard", dview, dloc, dignore)
    yield from children
