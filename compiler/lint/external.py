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
import stat
from collections.abc import Iterator

import promql_parser as pp

from ..errors import UsageError
from ..location import Location
from ..names import fill_ref_ids
from ..queries import ALERT, PANEL, RECORD, Query
from .. import promql
from ..labels import PROMETHEUS_SERIES
from . import Context, Subject, known, run_split, suppressions, views, yamldoc
from .finding import ERROR, NOTE, WARNING, Finding

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


# A file larger than this is refused unread (`lint --max-file-size`): linting a rule
# file takes about 30 times its size in memory (bench/hostile_lint.py: 16 MB, 0.5 GB;
# 50 MB, 1.5 GB), and the largest of the corpus is under 1 MB.
MAX_FILE_BYTES = 16 << 20


def files(paths) -> list[str]:
    """The files to lint under `paths`; UsageError for a path that is not there, cannot be
    listed, or is neither a regular file nor a directory (a FIFO would hang the read,
    /dev/zero never end it)."""
    out = []

    def unreadable(exc: OSError):
        raise UsageError(f"{exc.filename}: cannot list the directory: {exc.strerror}")

    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:  # missing, a symbolic link loop, a dangling link, no permission
            raise UsageError(f"{path}: {exc.strerror.lower() if exc.strerror else exc}") from None
        if stat.S_ISDIR(mode):
            for dirpath, dirnames, names in os.walk(path, onerror=unreadable):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                out.extend(os.path.join(dirpath, n) for n in sorted(names) if n.endswith(EXTENSIONS))
        elif stat.S_ISREG(mode):
            out.append(path)
        else:
            raise UsageError(f"{path}: not a regular file or a directory")
    return out


def lint_files(project, paths, rules=None, catalog_strict: bool = False, max_bytes: int = MAX_FILE_BYTES) -> list[Finding]:
    """Findings for the files under `paths`, checked against `project`'s catalog and config.

    Without `catalog_strict` the catalog judges only what it knows (labels.Known): names
    outside its namespace are counted in one note instead of being errors.
    """
    catalog = project.catalog.copy()
    catalog.add_recorded(r.record for g in project.all_groups() for r in g.rules if hasattr(r, "record"))
    findings: list[Finding] = []
    subjects: list[Subject] = []
    recorded: list = []
    _sidecars.clear()  # read afresh on every run (a long-lived caller may have edited them)
    for path in files(paths):
        reader = _File(path)
        reader.read(max_bytes)
        findings.extend(reader.findings)
        subjects.extend(reader.subjects)
        catalog.add_recorded(name for name, _, _ in reader.recorded)
        recorded.extend(reader.recorded)
    ctx = Context(project, catalog, project.config,
                  known(project, catalog, project.config, strict=catalog_strict, recorded=recorded))
    if not catalog_strict:
        findings.extend(_unchecked_note(subjects, ctx))
    kwargs = {"rules": rules} if rules is not None else {}
    return sorted(findings + run_split(project, subjects, ctx=ctx, **kwargs), key=Finding.sort_key)


UNCHECKED_RULE = "promql/unknown-metric"


def _unchecked_note(subjects, ctx) -> list[Finding]:
    """One note: how many metric names the catalog could not judge, and where the first is."""
    unchecked: dict[str, Location] = {}
    for subject in subjects:
        if subject.scope != "query" or subject.obj.ast is None:
            continue
        for node in subject.obj.nodes:
            if isinstance(node, pp.VectorSelector):
                name = promql.metric_name(node)
                if name is not None and name not in unchecked and ctx.catalog.lookup(name) is None \
                        and not ctx.known.checks(name) and name not in PROMETHEUS_SERIES:
                    unchecked[name] = subject.location
        subject.obj.release()  # large trees cost memory quadratic in their size: one alive at a time
    if not unchecked:
        return []
    first = min(unchecked.values(), key=lambda loc: (loc.file, loc.line or 0))
    examples = ", ".join(f"`{n}`" for n in sorted(unchecked)[:3])
    n = len(unchecked)
    return [Finding(Location(first.file), UNCHECKED_RULE, NOTE,
                    f"{n} metric name{'s' * (n != 1)} outside the catalog not checked ({examples}{', ...' if n > 3 else ''}): "
                    "the catalog describes CodeVerify's metrics; `--catalog-strict` reports every unknown name")]


def _orjson():
    # Imported for JSON only: its import (uuid, datetime, enum for its types) is a fifth of
    # the start-up of linting one YAML rule file.
    import orjson

    return orjson


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

    def read(self, max_bytes: int = MAX_FILE_BYTES) -> None:
        try:
            # O_NONBLOCK: a FIFO met in a directory opens at once (and is refused below)
            with open(os.open(self.path, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
                info = os.fstat(fh.fileno())
                if not stat.S_ISREG(info.st_mode):
                    self.finding(READ, "not a regular file: skipped")
                    return
                if info.st_size > max_bytes:
                    self.finding(READ, f"{info.st_size} bytes, more than the {max_bytes} `--max-file-size` "
                                       "allows: skipped")
                    return
                raw = fh.read(max_bytes + 1)  # the file may have grown since
            if len(raw) > max_bytes:
                self.finding(READ, f"more than the {max_bytes} bytes `--max-file-size` allows: skipped")
                return
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.finding(READ, f"cannot read the file: {exc}")
            return
        docs = None
        if self.path.endswith(".json") or text.lstrip().startswith(("{", "[")):
            orjson = _orjson()
            try:
                docs = [orjson.loads(raw)]
            except orjson.JSONDecodeError as exc:
                if self.path.endswith(".json"):
                    self.finding(PARSE, f"invalid JSON: {exc.msg}", exc.lineno)
                    return
                # not JSON: flow-style YAML (`{groups: [...]}`), read as YAML below
        if docs is not None:
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
        if self._object(doc, prefix, lines) or self._plain(doc, prefix, lines):
            return
        kind = doc.get("kind")
        shape = "not a rule file, PrometheusRule, dashboard or ConfigMap: skipped"
        message = f"kind `{kind}` is {shape}" if isinstance(kind, str) else shape
        self.finding(SHAPE, message, getattr(doc, "line", None) if lines else None, prefix, WARNING)

    def _object(self, doc: dict, prefix: tuple, lines: bool) -> bool:
        """A Kubernetes object holding rules or dashboards, linted; False when it is none of them."""
        kind, spec, data = doc.get("kind"), doc.get("spec"), doc.get("data")
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        name = meta.get("name", "")
        if kind == "PrometheusRule" and isinstance(spec, dict):
            self.rule_file(spec, prefix + (f"prometheusrule '{name}'",), lines)
        elif kind == "ConfigMap" and isinstance(data, dict):
            self.configmap(data, prefix + (f"configmap '{name}'",))
        elif kind == "GrafanaDashboard" and isinstance(spec, dict) and isinstance(spec.get("json"), str):
            self.embedded(spec["json"], ".json", prefix + (f"grafanadashboard '{name}'",))
        elif kind == "List" and isinstance(doc.get("items"), list):
            for item in doc["items"]:
                self.document(item, prefix, lines)
        else:
            return False
        return True

    def _plain(self, doc: dict, prefix: tuple, lines: bool) -> bool:
        """A rule file or a dashboard (bare, or wrapped as the HTTP API returns it), linted, or a
        known file without PromQL or panels; False when it is none of them."""
        kind = doc.get("kind")
        if "groups" in doc and kind is None:
            self.rule_file(doc, prefix, lines)
        elif isinstance(doc.get("dashboard"), dict) and _is_dashboard(doc["dashboard"]):
            self.dashboard(doc["dashboard"], prefix, lines)
        elif _is_dashboard(doc):
            self.dashboard(doc, prefix, lines)
        elif (isinstance(kind, str) and kind in NOTHING_TO_LINT and "apiVersion" in doc) or (
                kind is None and {"route", "receivers"} <= set(doc)) or (
                kind is None and set(doc) <= HELM_VALUES and {"grafana", "prometheus"} & set(doc)):
            pass  # known, and without PromQL or panels (what `lint out/` meets besides rules and dashboards)
        else:
            return False
        return True

    def configmap(self, data: dict, prefix: tuple) -> None:
        for key in sorted(data, key=str):
            value = data[key]
            if isinstance(value, str) and str(key).endswith(EXTENSIONS):
                self.embedded(value, str(key), prefix + (f"key '{key}'",))

    def embedded(self, text: str, key: str, prefix: tuple) -> None:
        """A file inside a string (a ConfigMap key): its lines are not the file's lines."""
        orjson = _orjson()
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
                found = self.rule(rule, gloc, line(group), line, lines)
                if found is not None:
                    gview.rules.append(found[0])
                    ruleset.append(found)
        self.subjects.append(Subject("ruleset", views.RuleSet(ruleset), Location(self.name, None, prefix)))

    def rule(self, rule, gloc: Location, group_line, line, lines: bool):
        """One rule of a group as its subjects; (view, location), or None for a malformed rule."""
        if not isinstance(rule, dict):
            self.finding("rule/schema", "a rule must be a map", group_line, gloc.path)
            return None
        kind = views.ALERT if "alert" in rule else views.RECORD if "record" in rule else None
        if kind is None:
            self.finding("rule/schema", "a rule needs `alert` or `record`", line(rule), gloc.path)
            return None
        name = rule.get(kind)
        loc = Location(self.name, line(rule), gloc.path + (f"{kind} '{name}'",))
        ignore: dict = {}
        view = views.RuleView(kind, name if isinstance(name, str) else str(name), rule, None)
        expr = rule.get("expr")
        if isinstance(expr, (int, float)) and not isinstance(expr, bool):
            expr = str(expr)
        if isinstance(expr, str) and expr.strip():
            view.query = Query(loc, expr, ALERT if kind == views.ALERT else RECORD, ignore)
        if kind == views.RECORD and isinstance(name, str):
            labels = rule.get("labels")
            self.recorded.append((name, expr if isinstance(expr, str) else "",
                                  labels if isinstance(labels, dict) else {}))
        self.subjects.append(Subject("rule", view, loc, ignore))
        if view.query is not None:
            self.subjects.append(Subject("query", view.query, loc, ignore))
        if lines:
            self.rule_ignores.append((loc.line, ignore, loc))
        return view, loc

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
        variables = _variables(d)
        plugin_of = {v.name: v.query for v in variables if v.kind == "datasource"}
        dview = views.DashboardView(str(uid), str(d.get("title", "")), variables)
        children: list[Subject] = []
        for panel, parent, grid in _panels(d):
            title = panel.get("title") or f"#{panel.get('id', '?')}"
            ploc = Location(self.name, line(panel), dloc.path + (f"panel '{title}'",))
            kind = str(panel.get("type", ""))
            pview = views.PanelView(str(title), kind, _unit(panel, kind), id=panel.get("id"), grid=grid,
                                    width=grid[2] if grid else None, datasource=panel.get("datasource"),
                                    parent=parent)
            pignore: dict = {}  # filled from the .lint sidecar; the panel's queries share it
            children.append(Subject("panel", pview, ploc, pignore))
            for t, tview in _target_views(panel, pview):
                ds = t.get("datasource") or panel.get("datasource")
                if tview.expr.strip() and _is_prometheus(ds, plugin_of):
                    tloc = ploc.child(f"target {tview.ref_id}", line(t))
                    tview.query = Query(tloc, tview.expr, PANEL, pignore, legend=tview.legend)
                    children.append(Subject("query", tview.query, tloc, pignore))
            dview.panels.append(pview)
        dsubject = Subject("dashboard", dview, dloc, {})
        self.subjects.append(dsubject)
        self.subjects.extend(children)
        self.sidecar(dsubject, children)

    def sidecar(self, dsubject: Subject, children: list[Subject]) -> None:
        """Suppressions for this dashboard from the `.lint` file next to it (dashboards take no comments)."""
        table = _sidecar(os.path.dirname(os.path.abspath(self.path)))
        if table.error is not None:
            if table.error not in self.findings:
                self.findings.append(table.error)
            return
        dash = dsubject.obj
        for sup, entries in table.exclusions:
            for entry in entries:
                if entry.get("dashboard") not in (None, dash.uid, dash.title):
                    continue
                wanted = entry.get("panel")
                if wanted is None:
                    for subject in [dsubject] + children:
                        subject.ignore.setdefault(sup.rule, sup)
                else:
                    for subject in children:
                        if subject.scope == "panel" and subject.obj.title == wanted:
                            subject.ignore.setdefault(sup.rule, sup)  # its queries share the dict


def _is_dashboard(d: dict) -> bool:
    return isinstance(d.get("panels"), list) or isinstance(d.get("rows"), list)


def _variables(d: dict) -> list:
    templating = d.get("templating") if isinstance(d.get("templating"), dict) else {}
    variables = []
    for v in templating.get("list") or ():
        if isinstance(v, dict) and isinstance(v.get("name"), str):
            query = v.get("query")
            if isinstance(query, dict):
                query = query.get("query", "")
            variables.append(views.VariableView(v["name"], str(v.get("type", "")),
                                                query if isinstance(query, str) else "", v.get("datasource")))
    return variables


def _target_views(panel: dict, pview) -> Iterator[tuple[dict, views.TargetView]]:
    """Each target of the panel, with its view (added to the panel's), refIds filled in as Grafana does."""
    targets = panel.get("targets")
    targets = [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
    refs = fill_ref_ids([str(t.get("refId") or "") for t in targets])
    for ref, t in zip(refs, targets):
        expr, legend = t.get("expr"), t.get("legendFormat")
        tview = views.TargetView(ref, expr if isinstance(expr, str) else "",
                                 legend if isinstance(legend, str) else "", t.get("datasource"))
        pview.targets.append(tview)
        yield t, tview


def _panels(d: dict) -> Iterator[tuple[dict, object, tuple | None]]:
    """Every panel, the collapsed row holding it (None at the top level), and its (x, y, w, h)."""
    panels = d.get("panels") if isinstance(d.get("panels"), list) else ()
    for i, panel in enumerate(panels):
        if isinstance(panel, dict):
            yield panel, None, _grid(panel)
            if isinstance(panel.get("panels"), list):
                for child in panel["panels"]:
                    if isinstance(child, dict):
                        # By position: two rows sharing an id (itself a finding) are still two rows.
                        yield child, ("row", i), _grid(child)
    if not panels and isinstance(d.get("rows"), list):
        yield from _legacy_rows(d["rows"])


def _grid(panel: dict) -> tuple | None:
    grid = panel.get("gridPos")
    return tuple(grid.get(k) for k in ("x", "y", "w", "h")) if isinstance(grid, dict) else None


# Grafana's DashboardMigrator (schemaVersion 16, upgradeToGridLayout) turns the pre-5.0
# `rows` of `span`s into the grid: a span is 2 of 24 columns (default span 4), heights in
# pixels become cells of 38 px (default row height 250 px), each row starts below the
# previous one, and its panels flow left to right, wrapping when the next one does not fit.
_CELL_PX, _ROW_PX, _SPAN, _COLUMNS = 38, 250, 4, 24


def _cells(height) -> int:
    if isinstance(height, str):
        digits = height.strip().removesuffix("px").strip()
        height = int(digits) if digits.isdigit() else _ROW_PX
    if isinstance(height, bool) or not isinstance(height, (int, float)) or height <= 0:
        height = _ROW_PX
    return max(1, -(-int(height) // _CELL_PX))


def _span_width(span):
    """Columns of a legacy `span` as the migrator computes them (floor(span) * 2; JavaScript reads "6" as 6)."""
    if span in (None, "", 0):
        span = _SPAN
    if isinstance(span, str):
        try:
            span = float(span)
        except ValueError:
            return span  # reported as it is written
    if isinstance(span, bool) or not isinstance(span, (int, float)):
        return span
    return int(span) * 2


def _legacy_rows(rows: list) -> Iterator[tuple[dict, object, tuple]]:
    y = 0
    show_rows = len(rows) > 1 or any(isinstance(r, dict) and r.get("showTitle") for r in rows)
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("panels"), list):
            continue
        row_h = _cells(row.get("height"))
        if show_rows:
            y += 1  # the row header Grafana inserts
        x, line_h, top = 0, 0, y
        for panel in row["panels"]:
            if not isinstance(panel, dict):
                continue
            width = _span_width(panel.get("span"))
            h = _cells(panel["height"]) if panel.get("height") else row_h
            if isinstance(width, int) and x + width > _COLUMNS and x > 0:
                top, x, line_h = top + max(line_h, row_h), 0, 0  # wraps to a new line
            yield panel, ("legacy-row", i), (x, top, width, h)
            x += width if isinstance(width, int) else 0
            line_h = max(line_h, h)
        collapsed = row.get("collapse") is True
        y = y if collapsed else max(top + max(line_h, row_h), y + row_h)


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


# --- `.lint` sidecar files: suppressions for the dashboards of a directory -----------------

SIDECAR = ".lint"


class _Sidecar:
    def __init__(self, exclusions=(), error: Finding | None = None):
        self.exclusions = list(exclusions)  # [(Suppression, [entry])]
        self.error = error


_sidecars: dict[str, _Sidecar] = {}


def _sidecar(directory: str) -> _Sidecar:
    """The `.lint` of a directory, as grafana/dashboard-linter reads it:

        exclusions:
          dashboard/units:
            reason: the vendor's panels show counts
            entries:            # optional; none: every dashboard of the directory
              - dashboard: uid or title
                panel: panel title   # optional; none: the whole dashboard
    """
    if directory in _sidecars:
        return _sidecars[directory]
    path = os.path.join(directory, SIDECAR)
    table = _Sidecar()
    if os.path.isfile(path):
        name = display(path)
        try:
            with open(path, encoding="utf-8") as fh:
                docs = yamldoc.load_all(fh.read())
        except (OSError, UnicodeDecodeError, yamldoc.Error) as exc:
            table = _Sidecar(error=Finding(Location(name), PARSE, ERROR, f"cannot read the lint sidecar: {exc}".splitlines()[0]))
        else:
            table = _read_sidecar(docs[0] if docs else None, name)
    _sidecars[directory] = table
    return table


def _read_sidecar(doc, name: str) -> _Sidecar:
    shape = "a .lint file maps `exclusions` to {rule id: {reason, entries: [{dashboard, panel}]}}"
    exclusions = doc.get("exclusions") if isinstance(doc, dict) else None
    if not isinstance(exclusions, dict):
        return _Sidecar(error=Finding(Location(name, getattr(doc, "line", None)), PARSE, ERROR, shape))
    out = []
    for rule, spec in exclusions.items():
        spec = spec if isinstance(spec, dict) else {}
        entries = spec.get("entries")
        if entries is None:
            entries = [{}]
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            return _Sidecar(error=Finding(Location(name, getattr(spec, "line", None)), PARSE, ERROR, shape))
        loc = Location(name, getattr(spec, "line", None), (f"exclusion '{rule}'",))
        (sup,) = suppressions({str(rule): spec.get("reason")}, loc).values()
        out.append((sup, entries))
    return _Sidecar(out)
