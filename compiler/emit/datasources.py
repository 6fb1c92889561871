"""The Grafana datasources that make traces one click away, as kube-prometheus-stack Helm values.

out/helm/kube-prometheus-stack-values.yaml is passed to the release next to the
guide's own values (`helm upgrade prometheus ... -f prometheus-values.yaml -f
out/helm/kube-prometheus-stack-values.yaml`). It adds:

- Loki with a derived field: the `trace_id` of each JSON log line becomes a link
  that opens the trace in Tempo;
- Tempo, linking a trace's spans back to their logs in Loki and to the Prometheus
  metrics of the service;
- on the chart's own Prometheus datasource, the exemplar destination: an exemplar's
  `trace_id` label opens the trace in Tempo;
- Prometheus' exemplar storage, without which no exemplar is kept.

The uids are fixed (config.DATASOURCE_UIDS) so that the links can name them.
"""
from __future__ import annotations

import re

# Grafana expands environment variables in provisioning files (`$VAR`, `${VAR}`); `$$`
# keeps a literal `$`, so Grafana's own `${__value.raw}` must be written `$${__value.raw}`.
_LINK_TO_VALUE = "$${__value.raw}"


def trace_id_regex(field: str) -> str:
    """The trace id in a JSON log line: `"trace_id": "abc123"`."""
    return '"%s"\\s*:\\s*"([^"]+)"' % re.escape(field)


def kube_prometheus_stack_values(config) -> dict:
    uids = config.DATASOURCE_UIDS
    trace = config.TRACE_ID_FIELD
    loki = {
        "name": "Loki",
        "type": "loki",
        "uid": uids["loki"],
        "url": config.LOKI_URL,
        "access": "proxy",
        "jsonData": {
            "derivedFields": [{
                "name": trace,
                "matcherRegex": trace_id_regex(trace),
                "datasourceUid": uids["tempo"],
                "url": _LINK_TO_VALUE,
                "urlDisplayLabel": "Open the trace in Tempo",
            }],
        },
    }
    tempo = {
        "name": "Tempo",
        "type": "tempo",
        "uid": uids["tempo"],
        "url": config.TEMPO_URL,
        "access": "proxy",
        "jsonData": {
            # From a span to the log lines of its trace (CodeVerify logs the trace id on each).
            "tracesToLogsV2": {
                "datasourceUid": uids["loki"],
                "filterByTraceID": True,
                "spanStartTimeShift": "-5m",
                "spanEndTimeShift": "5m",
                "customQuery": True,
                "query": '{app=~"%s|%s"} |= "$${__trace.traceId}"' % (config.API_APP, config.WORKER_APP),
            },
            "tracesToMetrics": {"datasourceUid": uids["prometheus"]},
            "serviceMap": {"datasourceUid": uids["prometheus"]},
            "nodeGraph": {"enabled": True},
        },
    }
    return {
        "grafana": {
            "additionalDataSources": [loki, tempo],
            "sidecar": {"datasources": {
                "uid": uids["prometheus"],
                "exemplarTraceIdDestinations": {"datasourceUid": uids["tempo"], "traceIdLabelName": trace},
            }},
        },
        "prometheus": {"prometheusSpec": {"enableFeatures": ["exemplar-storage"]}},
    }
