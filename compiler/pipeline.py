"""load -> expand SLOs -> lint -> emit: a project in, rendered files and findings out.

Nothing here writes to disk; build.py decides whether to write or check.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
from dataclasses import dataclass, field

from . import forked, lint, promql
from .contract import codegen
from .proving import scenarios, slo_scenarios, vanish
from .slo import dashboard as slo_dashboard
from .slo import rules as slo_rules
from .emit import alertmanager, datasources, kube, rules
from .errors import LoadError
from .lint.finding import ERROR, Finding
from .load import Project, load
from .location import Location
from .write import MANIFEST, JsonBlock, Staging, RenderedItems, json_size, to_json, to_yaml, with_header, yaml_text

# Generated trees besides out/, relative to the project root; written and checked like out/.
PROMTOOL_TESTS = "tests/promtool"


@dataclass
class Build:
    project: Project
    findings: list[Finding]
    files: dict[str, bytes] = field(default_factory=dict)  # out/
    staging: Staging | None = None  # out/'s changed files, already written as temporaries
    # The other generated trees (PROMTOOL_TESTS), by directory relative to the root.
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)

    def destinations(self, out: str | None = None) -> dict[str, dict[str, bytes]]:
        """Absolute directory -> files to write or check.

        `out` moves out/ elsewhere and then builds out/ alone: the other trees refer
        to the project's own out/ (promtool tests name `../../out/prometheus/...`).
        A tree with no files is left out unless it was generated before (to prune it).
        """
        root = self.project.root
        default = default_out(root)
        dests = {os.path.abspath(out or default): self.files}
        if out is None or os.path.abspath(out) == default:
            for rel, files in self.trees.items():
                path = os.path.join(root, rel)
                if files or os.path.exists(os.path.join(path, MANIFEST)):
                    dests[path] = files
        return dests

    @property
    def ok(self) -> bool:
        return not lint.has_errors(self.findings)

    def summary(self) -> dict:
        p = self.project
        return {
            "dashboards": len(p.dashboards),
            "panels": sum(len(d.panels) for d in p.dashboards),
            "alerts": sum(1 for g in p.all_groups() for r in g.rules if hasattr(r, "severity")),
            "records": sum(1 for g in p.all_groups() for r in g.rules if not hasattr(r, "severity")),
            "files": len(self.files),
        }


def build(root: str, strict: bool = False, fork: bool | None = None, stage: str | None = None) -> Build:
    """Load and lint the project at `root`; render its files when the lint allows.

    With `fork` (the default where forked.available()), the lint runs in a child
    process while this one renders; what is rendered is dropped if the lint fails,
    so the result is the same as linting first. With `stage` (an output directory)
    too, changed files are written there as temporaries while the lint finishes:
    `result.staging.commit()` puts them in place, and a failed build removes them.
    """
    project = load(root)
    expand(project)
    if fork is None:
        fork = forked.available()
    if not fork:
        findings = check(project)
        promql.parse.cache_clear()  # the trees are not needed to render: leave the memory to the files
        if lint.has_errors(findings, strict):
            return Build(project, findings)
        return _rendered(project, findings, render(project), render_tests(project))
    child = forked.Forked(lambda: check(project))
    staging = None
    try:
        staging = Staging(stage) if stage else None  # its thread starts after the fork
        try:
            rendered = render(project, staging.add if staging else None)
            tests = render_tests(project)
        except Exception as exc:  # input the lint reports may break an emitter: the findings come first
            rendered = exc
        findings = child.result()
        failed = lint.has_errors(findings, strict) or isinstance(rendered, Exception)
        if isinstance(rendered, Exception) and not lint.has_errors(findings, strict):
            raise rendered
    except BaseException:  # an error, or Ctrl-C: no child left behind, no temporaries in out/
        child.cancel()
        if staging:
            staging.discard()
        raise
    if failed:
        if staging:
            staging.discard()
        return Build(project, findings)
    result = _rendered(project, findings, rendered, tests)
    if staging and not result.files:
        staging.discard()
    result.staging = staging if result.files else None
    return result


def check(project: Project) -> list[Finding]:
    """Every finding of the lint, of the alert scenarios and of the series-vanish check, one per SLO for what its rules share.

    The lint's findings go through config.LINT_RULES as `build.py lint` applies it (a rule the
    project turned off does not fail its build either).
    """
    from .lint.command import policy_of

    found = policy_of(project.config).apply(lint.run(project, lint.subjects(project)))
    return collapse_generated(found + scenarios.check(project) + vanish.check(project), project)


def _rendered(project: Project, findings: list[Finding], rendered, tests: dict[str, bytes]) -> Build:
    files, size_findings = rendered
    result = Build(project, sorted(findings + size_findings, key=Finding.sort_key))
    if size_findings:
        return result
    result.files = files
    result.trees = {PROMTOOL_TESTS: tests}
    return result


def load_for_lint(root: str) -> Project:
    """The project loaded and expanded (SLO rules and dashboard included), with whatever a
    definition prints sent to stderr: a lint's stdout carries its report (JSON, SARIF)."""
    with contextlib.redirect_stdout(sys.stderr):
        project = load(root)
        expand(project)
    return project


def expand(project: Project) -> None:
    """Generate what SLOs imply (recording rules, burn-rate alerts, the SLO dashboard), make their outputs
    known, and check the names that become file names."""
    if project.slos:
        groups = []
        for slo in project.slos:
            try:
                group = slo_rules.rule_group(slo, project.config)
                groups.append(slo_scenarios.attach(group, slo, project.config, project.catalog))
            except slo_rules.SLOError as exc:  # what the SLO names that is not there or cannot be
                raise LoadError(f"{project.locate(slo, f'slo {slo.name!r}')}: {exc}") from None
        project.slo_groups = tuple(groups)
        project.dashboards = tuple(project.dashboards) + (
            slo_dashboard.dashboard(project.slos, project.config, project.root),
        )
    recorded = [r.record for g in project.all_groups() for r in g.rules if hasattr(r, "record")]
    project.catalog.add_recorded(recorded)
    check_file_names(project)


def collapse_generated(findings: list[Finding], project: Project) -> list[Finding]:
    """One finding per SLO for a problem its generated rules share.

    Every rule generated from an SLO points at the SLO's line, so a typo in its
    `error_query` would otherwise be reported once per window (a dozen times).
    """
    slo_lines = {(project.rel(s.src.file), s.src.line) for s in project.slos}
    groups: dict[tuple, list[Finding]] = {}
    out = []
    for f in findings:
        where = (f.location.file, f.location.line)
        if where in slo_lines:
            groups.setdefault((*where, f.rule, f.severity, f.message), []).append(f)
        else:
            out.append(f)
    for same in groups.values():
        first = same[0]
        more = f" (and in {len(same) - 1} more rules generated from this SLO)" if len(same) > 1 else ""
        out.append(first._replace(message=first.message + more))
    return sorted(out)


class _Files(dict):
    """The rendered files, each also handed to `sink` (a Staging writer) as it is rendered.

    Two objects rendering to one path (two rule sets given the same name in config.py)
    would overwrite each other: `twice` records the paths.
    """

    def __init__(self, sink=None):
        super().__init__()
        self._sink = sink
        self.twice: list[str] = []

    def __setitem__(self, rel: str, data: bytes) -> None:
        if rel in self:
            self.twice.append(rel)
        super().__setitem__(rel, data)
        if self._sink is not None:
            self._sink(rel, data)


def render(project: Project, sink=None) -> tuple[dict[str, bytes], list[Finding]]:
    # Imported here: grafanalib is most of the start-up, and a forked build imports it
    # after the fork, while the lint runs in the child (see build()).
    from .emit import grafana

    config = project.config
    files = _Files(sink)
    findings: list[Finding] = []

    for dash in project.dashboards:
        source = project.rel(dash.src.file)
        try:
            text = to_json(grafana.dashboard_json(dash))
        except Exception as exc:  # a definition the lint let through but no Grafana model can hold
            raise _render_error(project, dash, exc) from exc
        files[f"grafana/{dash.uid}.json"] = text
        cm = kube.dashboard_configmap(dash.uid, JsonBlock(text), dash.folder, config)
        size = json_size(cm)
        if size > kube.ANNOTATION_LIMIT:
            findings.append(Finding(
                project.locate(dash, f"dashboard '{dash.uid}'"), "dashboard/size", ERROR,
                f"the dashboard ConfigMap is {size} bytes, over the {kube.ANNOTATION_LIMIT}-byte limit of "
                "client-side `kubectl apply` (last-applied annotation): split the dashboard, or apply "
                "with `kubectl apply --server-side`",
            ))
        files[f"configmap-grafana-dashboard-{dash.uid}.yaml"] = to_yaml(cm, source)

    rule_sets = [(config.RULES_NAME, project.groups)]
    if project.slo_groups:
        rule_sets.append((config.SLO_RULES_NAME, project.slo_groups))
    for name, groups in rule_sets:
        if not groups:
            continue
        dicts = [rules.group_dict(g, config) for g in groups]
        sources = ", ".join(sorted({project.rel(g.src.file) for g in groups}))
        items = []
        for group, data in zip(groups, dicts):
            body = yaml_text({"groups": [data]})
            files[f"prometheus/{group.name}.rules.yaml"] = with_header(body, project.rel(group.src.file))
            items.append(body.removeprefix("groups:\n"))
        # The PrometheusRule holds the same groups: their YAML is reused, not written again.
        rule = kube.prometheus_rule(name, RenderedItems(dicts, items), config)
        files[f"prometheusrule-{name}.yaml"] = to_yaml(rule, sources)

    files["servicemonitor-codeverify.yaml"] = to_yaml(kube.service_monitor(config), "config.py")
    if hasattr(config, "TEMPO_URL"):  # a project with traces: the datasources that link to them
        files["helm/kube-prometheus-stack-values.yaml"] = to_yaml(
            datasources.kube_prometheus_stack_values(config), "config.py")
    if hasattr(config, "PROBE_JOB"):  # a project that probes its health endpoints (config.py)
        for name, obj in kube.probes(config).items():
            files[f"probe-{name}.yaml"] = to_yaml(obj, "config.py")
    # The application's metric definitions, from the same catalog (compiler/contract/codegen.py).
    for rel, data in codegen.render(project).items():
        files[rel] = data

    if project.routing is not None:
        source = project.rel(project.routing.src.file)
        amc = alertmanager.alertmanager_config(project.routing, config)
        files[f"alertmanagerconfig-{config.ALERTMANAGER_CONFIG_NAME}.yaml"] = to_yaml(amc, source)
        files["alertmanager/alertmanager.yaml"] = to_yaml(alertmanager.plain_config(project.routing, config), source)
    for rel in files.twice:
        findings.append(Finding(
            Location("config.py"), "render/duplicate-path", ERROR,
            f"two objects render to out/{rel}: give them different names (dashboard uid, rule group, "
            "RULES_NAME / SLO_RULES_NAME)",
        ))
    return dict(files), findings


_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# A Kubernetes object name (DNS-1123 subdomain, at most 253 characters).
_OBJECT_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# A dashboard uid names a file and a ConfigMap (so lowercase, no `_`), and Grafana
# allows no `.` and at most 40 characters.
_UID = re.compile(r"(?=.{1,40}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_NAMES = {  # kind: (pattern, what the name becomes, how to write one)
    "file": (_FILE_NAME, "a file in out/",
             "at most 200 letters, digits, `.`, `-` and `_`, starting with a letter or digit"),
    "object": (_OBJECT_NAME, "a Kubernetes object",
               "lowercase letters, digits, `-` and `.` (at most 253), starting and ending with a letter or digit"),
    "uid": (_UID, "a dashboard (its file, ConfigMap and Grafana uid)",
            "at most 40 lowercase letters, digits and `-`, starting and ending with a letter or digit"),
}


def check_file_names(project: Project) -> None:
    """Names that become file names in out/ or Kubernetes object names are valid as both.

    File names are single, portable names (no `/`, `..`, NUL or line break); object
    names are what `kubectl apply` accepts. Checked before the lint, so that
    `build.py lint` refuses what the build would.
    """
    config = project.config

    def check(name: str, where: str, what: str, kind: str = "file") -> None:
        pattern, becomes, rule = _NAMES[kind]
        if not pattern.fullmatch(name):
            raise LoadError(f"{where}: {what} {name[:60]!r} cannot name {becomes}: use {rule}")

    settings = ["RULES_NAME"] + ["SLO_RULES_NAME"] * bool(project.slos) \
        + ["ALERTMANAGER_CONFIG_NAME"] * (project.routing is not None)
    for setting in settings:  # each names an object and its file
        check(getattr(config, setting), "config.py", setting, "object")
        check(getattr(config, setting), "config.py", setting, "file")
    for dash in project.dashboards:
        where = "config.py: SLO_DASHBOARD_UID" if project.slos and dash is project.dashboards[-1] else \
            str(project.locate(dash, f"dashboard {dash.uid[:60]!r}"))
        check(dash.uid, where, "uid", "uid")
    for group in project.all_groups():
        check(group.name, str(project.locate(group, f"group {group.name[:60]!r}")), "name")
    if hasattr(config, "PROBE_JOB"):  # each Probe is an object and a file: out/probe-<service>-<endpoint>.yaml
        for service in config.PROBED_SERVICES:
            for health in config.HEALTH_ENDPOINTS:
                name = f"{service}-{health}"
                check(name, "config.py: PROBED_SERVICES x HEALTH_ENDPOINTS", "Probe", "object")
                check(f"probe-{name}.yaml", "config.py: PROBED_SERVICES x HEALTH_ENDPOINTS", "Probe", "file")


def _render_error(project: Project, dash, exc: Exception) -> LoadError:
    """A one-line error at the panel (or dashboard) that could not be rendered."""
    where = project.locate(dash, f"dashboard '{dash.uid}'")
    panel = getattr(exc, "panel", None)
    if panel is not None:
        where = project.locate(panel, f"dashboard '{dash.uid}'", f"panel '{panel.title}'")
    message = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)
    return LoadError(f"{where}: cannot render: {message}")


def render_tests(project: Project) -> dict[str, bytes]:
    """The alerts' scenarios as promtool test files, one per rule group, and their vanish scenarios
    (compiler/proving/vanish.py), one file per rule group too."""
    out = {}
    tests = {**scenarios.test_files(project), **vanish.test_files(project)}
    for name, data in tests.items():
        group = name.removesuffix(".yaml").removeprefix("vanish-")
        src = next(g.src.file for g in project.all_groups() if g.name == group)
        out[name] = to_yaml(data, project.rel(src))
    return out


def default_out(root: str) -> str:
    return os.path.join(root, "out")
