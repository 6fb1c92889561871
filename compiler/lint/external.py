"""Lint files that are not our definitions against our catalog: `build.py lint PATH...`.

Reads Prometheus rule files, PrometheusRule objects, Grafana dashboard JSON (plain,
or as the API's `{"dashboard": ...}`), ConfigMaps wrapping dashboards or rule files,
GrafanaDashboard objects and `kind: List`; several YAML documents per file;
directories are walked for *.yaml, *.yml and *.json. Each becomes the same views our
definitions become (lint/views.py), so the same rules run.

A path that does not exist is a usage error (exit 2). A file that cannot be read or
parsed, or whose shape is none of the above, is a finding naming the file (`input/*`).
Suppressions in YAML: a comment `# lint: ignore <rule-id> <reason>` applies to the rule
it stands in or right above, or to the whole file when it comes before the first rule.
"""
from __future__ import annotations

import os
import re
from typing import Iterator

import orjson

from ..errors import UsageError
from ..location import Location
from ..model import fill_ref_ids
from ..queries import ALERT, PANEL, RECORD, Query
from . import Context, Subject, run_split, suppressions, views, yamldoc
from .finding import ERROR, WARNING, Finding

EXTENSIONS = (".yaml", ".yml", ".json")
READ, PARSE, SHAPE = "input/read", "input/parse", "input/unknown"
# Kubernetes kinds that hold no PromQL and no dashboard: skipped without a finding. Anything
# else of unknown shape (a misspelt kind included) is an input/unknown warning.
NOTHING_TO_LINT = frozenset({
    "ServiceMonitor", "PodMonitor", "Probe", "ScrapeConfig", "AlertmanagerConfig", "Alertmanager",
    "Prometheus", "PrometheusAgent", "ThanosRuler", "Service", "Deployment", "StatefulSet", "DaemonSet",
    "Secret", "Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
    "Ingress", "NetworkPolicy", "PersistentVolumeClaim",
})
# Top-level keys of kube-prometheus-stack Helm values (out/helm/): datasource settings, no PromQL.
HELM_VALUES = frozenset({"grafana", "prometheus", "alertmanager", "prometheusOperator", "kubeStateMetrics",
                         "nodeExporter", "defaultRules", "global"})
_IGNORE = re.compile(r"#\s*lint:\s*ignore\s+(\S+)[ \t]*([^\n]*)")
_NO_UNIT_KINDS = ("logs", "text", "news", "dashlist", "alertlist", "row", "nodeGraph", "traces",
                  "annolist", "welcome", "gettingstarted")


def files(paths) -> list[str]:
    out = []
    for path in paths:
        if os.path.isdir(path):
            for dirpath, dirnames, names in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                out.extend(os.path.join(dirpath, n) for n in sorted(names) if n.endswith(EXTENSIONS))
        elif os.path.exists(path):
            out.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return out


def lint_files(project, paths, rules=None) -> list[Finding]:
    """Findings for the files under `paths`, checked against `project`'s catalog and config."""
    catalog = project.catalog.copy()
    catalog.add_recorded(r.record for g in project.all_groups() for r in g.rules if hasattr(r, "record"))
    findings: list[Finding] = []
    subjects: list[Subject] = []
    for path in files(paths):
        reader = _File(path)
        reader.read()
        findings.extend(reader.findings)
        subjects.extend(reader.subjects)
        catalog.add_recorded(reader.recorded)
    ctx = Context(project, catalog, project.config)
    kwargs = {"rules": rules} if rules is not None else {}
    return sorted(findings + run_split(project, subjects, ctx=ctx, **kwargs), key=Finding.sort_key)


def display(path: str) -> str:
    rel = os.path.relpath(path)
    return (path if rel.startswith("..") else rel).replace(os.sep, "/")


class _File:
    """One input file: its subjects, the recording rules it defines, and input findings."""

    def __init__(self, path: str):
        self.path = path
        self.name = display(path)
        self.subjects: list[Subject] = []
        self.findings: list[Finding] = []
        self.recorded: list[str] = []
        self.rule_ignores: list = []  # (line, Subject list) of rules, for comments

    def finding(self, rule: str, message: str, line=None, path=(), severity=ERROR) -> None:
        self.findings.append(Finding(Location(self.name, line, tuple(path)), rule, severity, message))

    def read(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.finding(READ, f"cannot read the file: {exc}")
            return
        if self.path.endswith(".json") or text.lstrip().startswith(("{", "[")):
            try:
                docs = [orjson.loads(raw)]
            except orjson.JSONDecodeError as exc:
                self.finding(PARSE, f"invalid JSON: {exc.msg}", exc.lineno)
                return
            try:  # the same document again through the YAML reader, for line numbers
                with_lines = yamldoc.load_all(text)
                if with_lines == docs:
                    docs = with_lines
            except (yamldoc.Error, RecursionError):
                pass
        else:
            try:
                docs = yamldoc.load_all(text)
            except yamldoc.Error as exc:
                mark = getattr(exc, "problem_mark", None)
                problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
                self.finding(PARSE, f"invalid YAML: {problem}", mark.line + 1 if mark else None)
                return
            except RecursionError:
                self.finding(PARSE, "invalid YAML: nested too deeply")
                return
        file_ignores: dict = {}
        for doc in docs:
            if doc is not None:
                self.document(doc, (), lines=True)
        if "lint:" in text and not self.path.endswith(".json"):
            self.apply_comments(text, file_ignores)

    # --- shapes -------------------------------------------------------------------------

    def document(self, doc, prefix: tuple, lines: bool) -> None:
        if not isinstance(doc, dict):
            self.finding(SHAPE, "not a rule file, PrometheusRule, dashboard or ConfigMap: skipped",
                         getattr(doc, "line", None) if lines else None, prefix, WARNING)
            return
        kind = doc.get("kind")
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        name = meta.get("name", "")
        if "groups" in doc and kind is None:
            self.rule_file(doc, prefix, lines)
        elif kind == "PrometheusRule" and isinstance(doc.get("spec"), dict):
            self.rule_file(doc["spec"], prefix + (f"prometheusrule '{name}'",), lines)
        elif kind == "ConfigMap" and isinstance(doc.get("data"), dict):
            self.configmap(doc["data"], prefix + (f"configmap '{name}'",))
        elif kind == "GrafanaDashboard" and isinstance(doc.get("spec"), dict) and isinstance(doc["spec"].get("json"), str):
            self.embedded(doc["spec"]["json"], ".json", prefix + (f"grafanadashboard '{name}'",))
        elif kind == "List" and isinstance(doc.get("items"), list):
            for item in doc["items"]:
                self.document(item, prefix, lines)
        elif isinstance(doc.get("dashboard"), dict) and _is_dashboard(doc["dashboard"]):
            self.dashboard(doc["dashboard"], prefix, lines)
        elif _is_dashboard(doc):
            self.dashboard(doc, prefix, lines)
        elif (isinstance(kind, str) and kind in NOTHING_TO_LINT and "apiVersion" in doc) or (
                kind is None and {"route", "receivers"} <= set(doc)) or (
                kind is None and set(doc) <= HELM_VALUES and {"grafana", "prometheus"} & set(doc)):
            pass  # known, and without PromQL or panels (what `lint out/` meets besides rules and dashboards)
        else:
            shape = "not a rule file, PrometheusRule, dashboard or ConfigMap: skipped"
            message = f"kind `{kind}` is {shape}" if isinstance(kind, str) else shape
            self.finding(SHAPE, message, getattr(doc, "line", None) if lines else None, prefix, WARNING)

    def configmap(self, data: dict, prefix: tuple) -> None:
        for key in sorted(data, key=str):
            value = data[key]
            if isinstance(value, str) and str(key).endswith(EXTENSIONS):
                self.embedded(value, str(key), prefix + (f"key '{key}'",))

    def embedded(self, text: str, key: str, prefix: tuple) -> None:
        """A file inside a string (a ConfigMap key): its lines are not the file's lines."""
        try:
            docs = [orjson.loads(text)] if key.endswith(".json") else yamldoc.load_all(text)
        except (orjson.JSONDecodeError, yamldoc.Error, RecursionError) as exc:
            self.finding(PARSE, f"invalid {'JSON' if key.endswith('.json') else 'YAML'}: "
                         f"{getattr(exc, 'msg', None) or getattr(exc, 'problem', None) or exc}", None, prefix)
            return
        for doc in docs:
            if doc is not None:
                self.document(doc, prefix, lines=False)

    # --- rule files ---------------------------------------------------------------------

    def rule_file(self, doc: dict, prefix: tuple, lines: bool) -> None:
        line = (lambda obj: getattr(obj, "line", None)) if lines else (lambda obj: None)
        groups = doc.get("groups")
        if not isinstance(groups, list):
            self.finding("rule/schema", "`groups` must be a list of rule groups", line(doc), prefix)
            return
        ruleset = []
        for group in groups:
            if not isinstance(group, dict):
                self.finding("rule/schema", "a group must be a map with `name` and `rules`", line(groups), prefix)
                continue
            gloc = Location(self.name, line(group), prefix + (f"group '{group.get('name')}'",))
            gview = views.GroupView(group.get("name"), group)
            self.subjects.append(Subject("group", gview, gloc))
            rules = group.get("rules")
            for rule in rules if isinstance(rules, list) else ():
                if not isinstance(rule, dict):
                    self.finding("rule/schema", "a rule must be a map", line(group), gloc.path)
                    continue
                kind = views.ALERT if "alert" in rule else views.RECORD if "record" in rule else None
                if kind is None:
                    self.finding("rule/schema", "a rule needs `alert` or `record`", line(rule), gloc.path)
                    continue
                name = rule.get(kind)
                loc = Location(self.name, line(rule), gloc.path + (f"{kind} '{name}'",))
                ignore: dict = {}
                view = views.RuleView(kind, name if isinstance(name, str) else str(name), rule, None)
                expr = rule.get("expr")
                if isinstance(expr, (int, float)) and not isinstance(expr, bool):
                    expr = str(expr)
                if isinstance(expr, str) and expr.strip():
                    view.query = Query(loc, expr, ALERT if kind == views.ALERT else RECORD, ignore, view)
                if kind == views.RECORD and isinstance(name, str):
                    self.recorded.append(name)
                gview.rules.append(view)
                ruleset.append((view, loc))
                subjects = [Subject("rule", view, loc, ignore)]
                if view.query is not None:
                    subjects.append(Subject("query", view.query, loc, ignore))
                self.subjects.extend(subjects)
                if lines:
                    self.rule_ignores.append((loc.line, ignore, loc))
        self.subjects.append(Subject("ruleset", views.RuleSet(ruleset), Location(self.name, None, prefix)))

    def apply_comments(self, text: str, file_ignores: dict) -> None:
        """Attach `# lint: ignore` comments to the rule they stand in or above."""
        starts = sorted((line, ignore, loc) for line, ignore, loc in self.rule_ignores if line)
        text_lines = text.splitlines()
        for number, content in enumerate(text_lines, 1):
            m = _IGNORE.search(content)
            if m is None:
                continue
            rule_id, reason = m.group(1), m.group(2).strip()
            target = None
            for later in range(number + 1, len(text_lines) + 1):  # a rule right below the comment
                stripped = text_lines[later - 1].strip()
                if stripped and not stripped.startswith("#"):
                    target = next((s for s in starts if s[0] == later), None)
                    break
            if target is None:  # else the rule the comment stands in
                before = [s for s in starts if s[0] <= number]
                target = before[-1] if before else None
            loc = Location(self.name, number, target[2].path if target else ())
            sup = suppressions({rule_id: reason}, loc)
            if target is not None:
                target[1].update(sup)
            else:
                for subject in self.subjects:
                    subject.ignore.update(sup)

    # --- dashboards -----------------------------------------------------------------------

    def dashboard(self, d: dict, prefix: tuple, lines: bool) -> None:
        line = (lambda obj: getattr(obj, "line", None)) if lines else (lambda obj: None)
        uid = d.get("uid") or d.get("title") or os.path.basename(self.path)
        dloc = Location(self.name, line(d), prefix + (f"dashboard '{uid}'",))
        templating = d.get("templating") if isinstance(d.get("templating"), dict) else {}
        variables = []
        for v in templating.get("list") or ():
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                query = v.get("query")
                if isinstance(query, dict):
                    query = query.get("query", "")
                variables.append(views.VariableView(v["name"], str(v.get("type", "")),
                                                    query if isinstance(query, str) else "", v.get("datasource")))
        plugin_of = {v.name: v.query for v in variables if v.kind == "datasource"}
        dview = views.DashboardView(str(uid), str(d.get("title", "")), variables)
        children: list[Subject] = []
        for panel, parent in _panels(d):
            title = panel.get("title") or f"#{panel.get('id', '?')}"
            kind = str(panel.get("type", ""))
            ploc = Location(self.name, line(panel), dloc.path + (f"panel '{title}'",))
            grid = panel.get("gridPos")
            grid = tuple(grid.get(k) for k in ("x", "y", "w", "h")) if isinstance(grid, dict) else None
            pview = views.PanelView(str(title), kind, _unit(panel, kind), id=panel.get("id"), grid=grid,
                                    width=grid[2] if grid else None, datasource=panel.get("datasource"),
                                    parent=parent)
            children.append(Subject("panel", pview, ploc))
            targets = panel.get("targets")
            targets = [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
            refs = fill_ref_ids([str(t.get("refId") or "") for t in targets])
            for ref, t in zip(refs, targets):
                expr = t.get("expr")
                ds = t.get("datasource") or panel.get("datasource")
                legend = t.get("legendFormat")
                tview = views.TargetView(ref, expr if isinstance(expr, str) else "",
                                         legend if isinstance(legend, str) else "", t.get("datasource"))
                pview.targets.append(tview)
                if isinstance(expr, str) and expr.strip() and _is_prometheus(ds, plugin_of):
                    tloc = ploc.child(f"target {ref}", line(t))
                    tview.query = Query(tloc, expr, PANEL, {}, tview, legend=tview.legend)
                    children.append(Subject("query", tview.query, tloc))
            dview.panels.append(pview)
        self.subjects.append(Subject("dashboard", dview, dloc))
        self.subjects.extend(children)


def _is_dashboard(d: dict) -> bool:
    return isinstance(d.get("panels"), list) or isinstance(d.get("rows"), list)


def _panels(d: dict) -> Iterator[tuple[dict, object]]:
    """Every panel with the id of the collapsed row holding it (None at the top level)."""
    for panel in d.get("panels") or ():
        if isinstance(panel, dict):
            yield panel, None
            if isinstance(panel.get("panels"), list):
                for child in panel["panels"]:
                    if isinstance(child, dict):
                        yield child, ("row", panel.get("id"))
    for i, row in enumerate(d.get("rows") or ()):  # the pre-5.0 model: rows of panels, no gridPos
        if isinstance(row, dict) and isinstance(row.get("panels"), list):
            for panel in row["panels"]:
                if isinstance(panel, dict):
                    yield panel, ("legacy-row", i)


def _unit(panel: dict, kind: str):
    if kind in _NO_UNIT_KINDS:
        return None
    field = panel.get("fieldConfig")
    defaults = field.get("defaults") if isinstance(field, dict) else None
    if isinstance(defaults, dict) and defaults.get("unit"):
        return str(defaults["unit"])
    if kind == "graph" and isinstance(panel.get("yaxes"), list) and panel["yaxes"]:
        first = panel["yaxes"][0]
        return str(first.get("format") or "") if isinstance(first, dict) else ""
    if kind in ("singlestat", "table-old") and panel.get("format"):
        return str(panel["format"])
    return ""


def _is_prometheus(ds, plugin_of: dict) -> bool:
    """Whether a panel or target datasource reference is (or may be) Prometheus."""
    if isinstance(ds, dict):
        kind, uid = ds.get("type"), ds.get("uid")
        if kind is not None:
            return kind == "prometheus"
        ds = uid
    if isinstance(ds, str):
        name = ds.strip("${}[]").split(":")[0]
        if ds.startswith(("$", "[[")) and name in plugin_of:
            return plugin_of[name] in ("prometheus", "", None)
        return "loki" not in ds.lower() and "elasticsearch" not in ds.lower()
    return True
