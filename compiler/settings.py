"""config.py's values, checked as what they become, before any definition module imports them.

The types are load.py's schema; here, the values: a namespace Kubernetes accepts, a
label map the API server takes, a duration Prometheus parses, a count that is not
negative. A mistake used to surface in whichever definition first tripped on it, or
in the output (`SCRAPE_INTERVAL = "30"` built a ServiceMonitor Prometheus refuses).
Each check names config.py's line of the setting.
"""
from __future__ import annotations

import ast
import os
import re

from . import promql
from .errors import LoadError

# Kubernetes: a namespace is a DNS-1123 label; other object names DNS-1123 subdomains.
_DNS_LABEL = re.compile(r"(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_NAME = re.compile(r"(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"(?=.{0,63}$)([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}")
# A Service port name (IANA_SVC_NAME): what a ServiceMonitor endpoint's `port` names.
_PORT_NAME = re.compile(r"(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*")


def _kube_key(key: str) -> bool:
    """A label or annotation key: [prefix/]name, the prefix a DNS subdomain."""
    prefix, _, name = key.rpartition("/")
    return bool(_LABEL_NAME.fullmatch(name)) and (not prefix or bool(_DNS_SUBDOMAIN.fullmatch(prefix)))


def _namespace(value) -> str | None:
    if not _DNS_LABEL.fullmatch(value):
        return "is not a Kubernetes namespace (at most 63 lowercase letters, digits and `-`, " \
               "starting and ending with a letter or digit)"
    return None


def _object_name(value) -> str | None:
    if not _DNS_SUBDOMAIN.fullmatch(value):
        return "is not a Kubernetes object name (lowercase letters, digits, `-` and `.`)"
    return None


def _labels(value) -> str | None:
    for key, label in value.items():
        if not _kube_key(key):
            return f"has the key {key!r}, which is not a Kubernetes label key"
        if not _LABEL_VALUE.fullmatch(label):
            return f"has {key}: {label!r}, which is not a Kubernetes label value (at most 63 letters, digits, " \
                   "`-`, `_` and `.`, starting and ending with a letter or digit)"
    return None


def _annotation_key(value) -> str | None:
    return None if _kube_key(value) else "is not a Kubernetes annotation key"


def _interval(value) -> str | None:
    seconds = promql.duration_seconds(value)
    if seconds is None or seconds <= 0 or seconds != int(seconds):
        return "is not a Prometheus duration of whole seconds above zero (write e.g. `30s`)"
    return None


def _durations(value) -> str | None:
    for key, duration in value.items():
        if promql.duration_seconds(duration) is None:
            return f"has {key}: {duration!r}, which is not a Prometheus duration (write e.g. `5m`)"
    return None


def _count(value) -> str | None:
    return "cannot be negative" if value < 0 else None


def _port(value) -> str | None:
    if not _PORT_NAME.fullmatch(value):
        return "is not a Service port name (at most 15 lowercase letters, digits and `-`, with a letter): " \
               "a ServiceMonitor endpoint names its port"
    return None


def _path(value) -> str | None:
    return None if value.startswith("/") and not re.search(r"\s", value) else "is not a URL path (`/metrics`)"


def _absolute(value) -> str | None:
    return None if os.path.isabs(value) else "is not an absolute path"


def _url(value) -> str | None:
    return None if re.fullmatch(r"https?://[^\s/]+\S*", value) else "is not an http(s) URL"


def _secret_key(value) -> str | None:
    return None if _SECRET_KEY.fullmatch(value) else "is not a Secret key (letters, digits, `-`, `_` and `.`)"


def _names(value) -> str | None:
    if any(not v for v in value):
        return "holds an empty name"
    if len(set(value)) < len(value):
        return "names one value twice"
    return None


def _version(value) -> str | None:
    return None if re.fullmatch(r"\d+\.\d+(\.\d+)?", value) else "is not a version like `2.53` or `2.53.0`"


CHECKS = {
    "NAMESPACE": _namespace,
    "APP_NAMESPACE": _namespace,
    "ALERTMANAGER_CONFIG_NAMESPACE": _namespace,
    "ALERTMANAGER_SECRET": _object_name,
    "RELEASE_LABEL": _labels,
    "COMMON_LABELS": _labels,
    "DASHBOARD_LABEL": _labels,
    "DASHBOARD_FOLDER_ANNOTATION": _annotation_key,
    "SCRAPE_INTERVAL": _interval,
    "SLO_ALERT_FOR": _durations,
    "SLO_MIN_BAD_EVENTS": _count,
    "METRICS_PORT": _port,
    "METRICS_PATH": _path,
    "ALERTMANAGER_SECRETS_DIR": _absolute,
    "RUNBOOK_BASE_URL": _url,
    "PAGERDUTY_ROUTING_KEY_KEY": _secret_key,
    "SLACK_WEBHOOK_URL_KEY": _secret_key,
    "SEVERITIES": _names,
    "DASHBOARD_TAGS": _names,
    "PROMETHEUS_VERSION": _version,
}


def lines(path: str) -> dict[str, int]:
    """The line of each top-level assignment in config.py (the last one wins, as Python's)."""
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), path)
    except (OSError, SyntaxError, ValueError):
        return {}
    found = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = node.lineno
    return found


def where(root: str, name: str) -> str:
    """`config.py:<line>` of the setting `name`, or `config.py` when it is not a plain assignment."""
    line = lines(os.path.join(root, "config.py")).get(name)
    return f"config.py:{line}" if line else "config.py"


def check_values(config, root: str) -> None:
    """Raise a LoadError at config.py's line for the first setting whose value cannot become what it must."""
    for name, check in CHECKS.items():
        if not hasattr(config, name):
            continue  # missing settings are load.check_config's
        value = getattr(config, name)
        try:
            problem = check(value)
        except (TypeError, AttributeError):  # a wrong type: load.check_config says which
            continue
        if problem:
            raise LoadError(f"{where(root, name)}: {name} {_show(value)} {problem}")


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
