"""Where CodeVerify's alerts go: the guide's routing tree, its receivers, and inhibition.

Emitted as an AlertmanagerConfig (prometheus-operator) and as a plain alertmanager.yaml.
Credentials are never written here: receivers name no key or URL, the emitter refers to
the Secret (or files) named in config.py.

Changes from the guide's alertmanager-config.yaml:
- `match:` is deprecated since Alertmanager 0.22: routes use `matchers:`.
- PagerDuty `service_key` is the Events API v1 field; an Events API v2 integration key
  goes in `routing_key` (the emitter writes `routing_key_file` / a Secret reference).
- Inline secrets (`your-pagerduty-key`, `hooks.slack.com/services/xxx`) are gone.
- The Slack text: `{{ .CommonAnnotations.description }}` is empty as soon as a group holds
  two alerts with different descriptions (QueueBacklog for two queues, two pods' pools),
  because CommonAnnotations keeps only annotations all alerts share. We list each alert.
- `default` and `slack-warnings` both post to #codeverify-alerts, as in the guide: the
  channel is the one the team reads. They stay two receivers because `default` only gets
  alerts without a known severity (the alerts/routing lint forbids that for our own
  alerts; it catches e.g. kube-prometheus-stack alerts about CodeVerify pods with an
  unusual severity), so a message arriving through it signals a gap in routing.
"""
from __future__ import annotations

import config
from compiler.routing import RE, InhibitRule, Matcher, PagerDutyConfig, Receiver, Route, Routing, SlackConfig, eq, present

DEFAULT, PAGERDUTY, SLACK_WARNINGS = "default", "pagerduty-critical", "slack-warnings"

SLACK_TITLE = "{{ .GroupLabels.alertname }}"
SLACK_TEXT = (
    "{{ range .Alerts }}{{ .Annotations.description }}\n"
    "Runbook: {{ .Annotations.runbook_url }}\n{{ end }}"
)

RECEIVERS = (
    Receiver(DEFAULT, slack=(SlackConfig(config.SLACK_CHANNEL, title=SLACK_TITLE, text=SLACK_TEXT),)),
    Receiver(PAGERDUTY, pagerduty=(PagerDutyConfig(severity="critical"),)),
    Receiver(SLACK_WARNINGS, slack=(SlackConfig(config.SLACK_CHANNEL, title=SLACK_TITLE, text=SLACK_TEXT),)),
)

ROUTE = Route(
    receiver=DEFAULT,
    group_by=("alertname", "severity"),
    group_wait="30s",
    group_interval="5m",
    repeat_interval="4h",
    routes=(
        Route(PAGERDUTY, matchers=(eq("severity", "critical"),)),
        Route(SLACK_WARNINGS, matchers=(eq("severity", "warning"),)),
    ),
)

INHIBIT_RULES = (
    # An SLO's page (fast burn) and its ticket (slow burn) describe the same budget loss:
    # while the page fires, the ticket is noise. `slo=~".+"` on both sides because
    # Alertmanager treats a missing label as equal to a missing label: without it, any
    # critical alert would mute every warning that has no `slo` label.
    InhibitRule(
        "slo-page-inhibits-ticket",
        source=(eq("severity", "critical"), present("slo")),
        target=(eq("severity", "warning"), present("slo")),
        equal=("slo",),
    ),
    # Too few workers is the cause of the backlog that follows; page for the cause only.
    InhibitRule(
        "worker-down-inhibits-queue-backlog",
        source=(eq("alertname", "WorkerDown"),),
        target=(eq("alertname", "QueueBacklog"),),
        equal=("namespace",),
    ),
    # A service down takes its health endpoints and its SLIs' series with it: page for the
    # cause, not also for each symptom (HealthCheckFailing pages too, the SLI-absent
    # tickets follow 10 minutes later). Only that service's: the other one's still count.
    *(
        InhibitRule(
            f"{name}-inhibits-its-symptoms",
            source=(eq("alertname", down),),
            target=(Matcher("alertname", "HealthCheckFailing|.+SLIAbsent", RE), eq("service", service)),
            equal=("namespace",),
        )
        for name, down, service in (("api-down", "APIDown", config.API_APP),
                                    ("worker-down", "WorkerDown", config.WORKER_APP))
    ),
)

ROUTING = Routing(route=ROUTE, receivers=RECEIVERS, inhibit_rules=INHIBIT_RULES)
