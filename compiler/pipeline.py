"""load -> expand SLOs -> lint -> emit: a project in, rendered files and findings out.

Nothing here writes to disk; build.py decides whether to write or check.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import lint
from .emit import alertmanager, grafana, kube, rules
from .lint.finding import ERROR, Finding
from .load import Project, load
from .write import to_json, to_yaml


@dataclass
class Build:
    project: Project
    findings: list[Finding]
    files: dict[str, bytes] = field(default_factory=dict)

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


def build(root: str, strict: bool = False) -> Build:
    """Load and lint the project at `root`; render its files when the lint allows."""
    project = load(root)
    expand(project)
    findings = lint.run(project, lint.subjects(project))
    result = Build(project, findings)
    if lint.has_errors(findings, strict):
        return result
    result.files, size_findings = render(project)
    result.findings = sorted(findings + size_findings, key=Finding.sort_key)
    if size_findings:
        result.files = {}
    return result


def expand(project: Project) -> None:
    """Generate what SLOs imply (recording rules, burn-rate alerts) and make their outputs known."""
    recorded = [r.record for g in project.all_groups() for r in g.rules if hasattr(r, "record")]
    project.catalog.add_recorded(recorded)


def render(project: Project) -> tuple[dict[str, bytes], list[Finding]]:
    config = project.config
    files: dict[str, bytes] = {}
    findings: list[Finding] = []

    for dash in project.dashboards:
        source = project.rel(dash.src.file)
        text = to_json(grafana.dashboard_json(dash))
        files[f"grafana/{dash.uid}.json"] = text
        cm = kube.dashboard_configmap(dash.uid, text.decode(), dash.folder, config)
        size = len(to_json(cm))
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
        rule_sets.append((getattr(config, "SLO_RULES_NAME", "codeverify-slos"), project.slo_groups))
    for name, groups in rule_sets:
        if not groups:
            continue
        dicts = [rules.group_dict(g, config) for g in groups]
        sources = ", ".join(sorted({project.rel(g.src.file) for g in groups}))
        files[f"prometheusrule-{name}.yaml"] = to_yaml(kube.prometheus_rule(name, dicts, config), sources)
        for group, data in zip(groups, dicts):
            files[f"prometheus/{group.name}.rules.yaml"] = to_yaml({"groups": [data]}, project.rel(group.src.file))

    files["servicemonitor-codeverify.yaml"] = to_yaml(kube.service_monitor(config), "config.py")

    if project.routing is not None:
        source = project.rel(project.routing.src.file)
        amc = alertmanager.alertmanager_config(project.routing, config)
        files[f"alertmanagerconfig-{config.ALERTMANAGER_CONFIG_NAME}.yaml"] = to_yaml(amc, source)
        files["alertmanager/alertmanager.yaml"] = to_yaml(alertmanager.plain_config(project.routing, config), source)
    return files, findings


def default_out(root: str) -> str:
    return os.path.join(root, "out")
