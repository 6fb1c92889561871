"""Routing Alertmanager refuses, or loads and then delivers nothing with, fails the build at its line.

Issue 20 (family 3): each of these built with exit 0, and amtool or a real
Alertmanager refused the result (or sent no notification).
"""
from __future__ import annotations

import subprocess

import pytest

from compiler.lint import gotemplate
from test_bad_definitions import base, build_at, edit, project  # noqa: F401 - fixtures

ROUTING = "alerts/routing.py"

CASES = [
    ("an unclosed action in a Slack text", "Runbook: {{ .Annotations.runbook_url }}",
     "Runbook: {{ .Annotations.runbook_url }", "SlackConfig `text`: template"),
    ("a function Alertmanager does not have", "{{ .GroupLabels.alertname }}", "{{ .GroupLabels.alertname | upper }}",
     "SlackConfig `title`: template '{{ .GroupLabels.alertname | upper }}': function `upper` not defined"),
    ("two receivers with one name", "Receiver(SLACK_WARNINGS,", "Receiver(PAGERDUTY,",
     "Routing: two receivers are named 'pagerduty-critical'"),
    ("an invalid label name in group_by", 'group_by=("alertname", "severity")', 'group_by=("alertname", "sev-erity")',
     "`group_by`: 'sev-erity' is not a label name"),
    ("`...` beside other labels in group_by", 'group_by=("alertname", "severity")', 'group_by=("alertname", "...")',
     "`group_by` cannot hold `...` (all labels) and other labels"),
    ("a matcher on team-name", 'eq("severity", "warning")', 'eq("team-name", "warning")',
     "Matcher: 'team-name' is not a label name"),
    ("an invalid label name in equal", 'equal=("slo",)', 'equal=("slo", "a.b")',
     "InhibitRule 'slo-page-inhibits-ticket': `equal`: 'a.b' is not a label name"),
]


@pytest.mark.parametrize("old, new, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_routing_alertmanager_refuses_fails_at_its_line(project, old, new, message):  # noqa: F811
    before = {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()}
    edit(project, ROUTING, old, new)
    code, output = build_at(project)
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {ROUTING}:") and message in lines[0], output
    assert {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()} == before


TEMPLATES = [
    "{{ .GroupLabels.alertname }}",
    "{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}",
    "{{ .CommonLabels.severity | toUpper }}",
    "{{ if eq .Status \"firing\" }}x{{ else }}y{{ end }}",
    "{{ $x := .Receiver }}{{ $x }}",
    "{{ .Receiver }",
    "{{ range .Alerts }}x",
    "{{ end }}",
    "{{ .Receiver | trimSpace }}",  # Alertmanager 0.26 on
    "{{ humanize 1 }}",  # Prometheus's, not Alertmanager's
    "{{ $labels.x }}",
]


@pytest.mark.parametrize("text", TEMPLATES)
def test_the_template_check_agrees_with_amtool(amtool, tmp_path, text):
    """Our offline check of notification templates says what Alertmanager's own parser says."""
    glob = tmp_path / "empty.tmpl"
    glob.write_text('{{ define "unused" }}{{ end }}')
    done = subprocess.run([amtool, "template", "render", f"--template.glob={glob}", f"--template.text={text}"],
                          capture_output=True, text=True)
    refused = done.returncode != 0 and ("not defined" in done.stderr or "unexpected" in done.stderr
                                        or "undefined variable" in done.stderr)
    ours = gotemplate.problems(text, gotemplate.ALERTMANAGER_FUNCTIONS, gotemplate.ALERTMANAGER_PREDEFINED)
    assert bool(ours) == refused, (ours, done.stderr)
