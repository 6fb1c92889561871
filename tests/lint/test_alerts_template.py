"""alerts/template: Go templates parse, and read only labels the expression keeps."""
import pytest

from compiler.lint.rules import alerts_template as rule
from lintkit import lint_alert, lint_text, project  # noqa: F401

E = "sum by (namespace) (rate(codeverify_analyses_total[5m])) > 1"


def annotations(description):
    return {"summary": "S.", "description": description, "runbook_url": "https://x/r.md"}


@pytest.mark.parametrize("description", [
    pytest.param("{{ $value | humanizePercentage }} in {{ $labels.namespace }}", id="a kept label and a pipeline"),
    pytest.param("{{ if gt $value 1.0 }}high{{ else }}low{{ end }}", id="if/else/end"),
    pytest.param('{{ with query "up" }}{{ . | first | value }}{{ end }}', id="with and Prometheus functions"),
    pytest.param("no template at all", id="plain text"),
    pytest.param('down: {{- range printf "up{namespace=%q} == 0" $labels.namespace | query }} {{ .Labels.pod }} on '
                 '{{ .Labels.node }}{{- end }}', id="inside range, .Labels is the query result's (rook-ceph CephMonDown)"),
])
def test_good(lint_alert, description):
    assert lint_alert(E, rule, annotations=annotations(description)) == []


@pytest.mark.parametrize("description, message", [
    pytest.param("pod {{ $labels.pod }}", "reads `$labels.pod`, which the expression's result does not carry (it keeps namespace)", id="a label the aggregation dropped"),
    pytest.param('{{ range query "up" }}{{ $labels.pod }}{{ end }}', "reads `$labels.pod`",
                 id="$labels is the alert's, inside range too"),
    pytest.param('{{ range query "up" }}{{ end }}{{ .Labels.pod }}', "reads `$labels.pod`",
                 id=".Labels after the range is the alert's again"),
    pytest.param("{{ $labels.namespace", "unclosed action", id="an unclosed action"),
    pytest.param("{{ if $value }}x", "has no `{{ end }}`", id="an if without end"),
    pytest.param("{{ $value | humanise }}", "function `humanise` not defined", id="an unknown function"),
    pytest.param("{{ $vlaue }}", "undefined variable `$vlaue`", id="an undefined variable"),
])
def test_bad(lint_alert, description, message):
    messages = lint_alert(E, rule, annotations=annotations(description))
    assert any(message in m for m in messages), messages


def test_labels_are_templates_too(lint_alert):
    messages = lint_alert(E, rule, labels={"severity": "warning", "owner": "{{ $labels.team }}"})
    assert any("label `owner` reads `$labels.team`" in m for m in messages)
