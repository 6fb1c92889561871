"""Alert routing as objects: the routing tree, receivers and inhibit rules, and how alerts meet them.

`alerts/routing.py` builds a `Routing`; the emitter turns it into an AlertmanagerConfig
and a plain alertmanager.yaml. This module also answers the questions the lint and the
tests ask: which labels will an alert carry when it fires (`alert_labels`), which
receivers do labels reach (`receivers_for`), and what the prometheus-operator makes of
our tree (`operator_view`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import promql, regex
from .model import _src_field, Source
from .typecheck import checked

EQ, NE, RE, NRE = "=", "!=", "=~", "!~"

# What Alertmanager 0.25 accepts as a label name in matchers, group_by and equal.
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _check_label_name(name: str, where: str) -> None:
    if not _LABEL_NAME.fullmatch(name):
        raise ValueError(f"{where}: {name!r} is not a label name (letters, digits and `_`, not starting with "
                         "a digit): Alertmanager refuses the configuration")


def _check_template(text: str, where: str) -> None:
    """A notification template Alertmanager can run (else it sends nothing, and logs why)."""
    from .lint import gotemplate  # the lint package imports the model, which this module is part of

    problems = gotemplate.problems(text, gotemplate.ALERTMANAGER_FUNCTIONS, gotemplate.ALERTMANAGER_PREDEFINED)
    if problems:
        problem = problems[0].replace("\n", "\\n")  # one line, as every error
        raise ValueError(f"{where}: template {text[:80]!r}: {problem}: Alertmanager would send no notification")


@dataclass(frozen=True)
@checked
class Matcher:
    name: str
    value: str
    op: str = EQ

    def validate(self) -> None:
        _check_label_name(self.name, "Matcher")
        if self.op not in (EQ, NE, RE, NRE):
            raise ValueError(f"Matcher: `op` must be one of =, !=, =~, !~, not {self.op!r}")
        if self.op in (RE, NRE):
            try:
                regex.compile(self.value)
            except regex.RegexError as exc:
                raise ValueError(f"Matcher `{self.name}{self.op}{self.value!r}`: not a regular expression (RE2): {exc}") from None

    def matches(self, labels: dict) -> bool:
        # Alertmanager treats a missing label as the empty string.
        value = labels.get(self.name, "")
        if self.op in (EQ, NE):
            return (value == self.value) == (self.op == EQ)
        return regex.fullmatch(self.value, value) == (self.op == RE)

    def __str__(self) -> str:
        # Alertmanager's matcher syntax; json-style quoting escapes what needs it.
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def eq(name: str, value: str) -> Matcher:
    return Matcher(name, value, EQ)


def present(name: str) -> Matcher:
    """The label exists (is not empty)."""
    return Matcher(name, ".+", RE)


@dataclass(frozen=True)
@checked
class SlackConfig:
    """One Slack notification; the webhook URL comes from the Secret named in config.py."""

    channel: str
    title: str = ""
    text: str = ""
    send_resolved: bool | None = None  # None: Alertmanager's default (false for Slack)
    src: Source = _src_field()

    def validate(self) -> None:
        for name in ("channel", "title", "text"):
            _check_template(getattr(self, name), f"SlackConfig `{name}`")


@dataclass(frozen=True)
@checked
class PagerDutyConfig:
    """One PagerDuty Events API v2 notification; the routing key comes from the Secret."""

    severity: str = ""
    src: Source = _src_field()

    def validate(self) -> None:
        _check_template(self.severity, "PagerDutyConfig `severity`")


@dataclass(frozen=True)
@checked
class Receiver:
    name: str
    slack: tuple[SlackConfig, ...] = ()
    pagerduty: tuple[PagerDutyConfig, ...] = ()
    src: Source = _src_field()


@dataclass(frozen=True)
@checked
class Route:
    receiver: str
    matchers: tuple[Matcher, ...] = ()
    group_by: tuple[str, ...] = ()
    group_wait: str = ""
    group_interval: str = ""
    repeat_interval: str = ""
    continue_: bool = False
    routes: tuple["Route", ...] = ()
    src: Source = _src_field()

    def validate(self) -> None:
        # What Alertmanager refuses to load (amtool check-config says the same).
        if not self.receiver:
            raise ValueError("Route: `receiver` is empty")
        for label in self.group_by:
            if label != "...":
                _check_label_name(label, f"Route to {self.receiver!r}: `group_by`")
        if "..." in self.group_by and len(self.group_by) > 1:
            raise ValueError(f"Route to {self.receiver!r}: `group_by` cannot hold `...` (all labels) and other labels")
        if len(set(self.group_by)) < len(self.group_by):
            raise ValueError(f"Route to {self.receiver!r}: `group_by` names a label twice")
        for name in ("group_wait", "group_interval", "repeat_interval"):
            value = getattr(self, name)
            if value == "":
                continue
            seconds = promql.duration_seconds(value)
            if seconds is None:
                raise ValueError(f"Route to {self.receiver!r}: `{name}` {value!r} is not a duration (write e.g. `30s`, `4h`)")
            if seconds == 0 and name != "group_wait":
                raise ValueError(f"Route to {self.receiver!r}: `{name}` cannot be zero")


@dataclass(frozen=True)
@checked
class InhibitRule:
    """While an alert matching `source` fires, alerts matching `target` with equal `equal` labels are muted."""

    name: str  # for tests and findings only; Alertmanager has no names for inhibit rules
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]
    src: Source = _src_field()

    def validate(self) -> None:
        for label in self.equal:
            _check_label_name(label, f"InhibitRule {self.name!r}: `equal`")


@dataclass(frozen=True)
@checked
class Routing:
    route: Route
    receivers: tuple[Receiver, ...]
    inhibit_rules: tuple[InhibitRule, ...] = ()
    src: Source = _src_field()

    def validate(self) -> None:
        for what, names in (("receiver", [r.name for r in self.receivers]),
                            ("inhibit rule", [r.name for r in self.inhibit_rules])):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"Routing: two {what}s are named {twice[0]!r}: names must be unique")
        if any(not r.name for r in self.receivers):
            raise ValueError("Routing: a receiver has an empty name")

    def receiver(self, name: str) -> Receiver | None:
        return next((r for r in self.receivers if r.name == name), None)


# --- matching -----------------------------------------------------------------------


def receivers_for(route: Route, labels: dict) -> list[str]:
    """The receivers Alertmanager notifies for an alert with `labels` (its dispatch algorithm).

    Children are tried in order; the first match wins unless it has `continue`. A node
    none of whose children match handles the alert itself. The root matches everything.
    """
    return [r.receiver for r in _match(route, labels, root=True)]


def _match(route: Route, labels: dict, root: bool = False) -> list[Route]:
    if not root and not all(m.matches(labels) for m in route.matchers):
        return []
    found: list[Route] = []
    for child in route.routes:
        hits = _match(child, labels)
        found.extend(hits)
        if hits and not child.continue_:
            break
    return found or [route]


def inhibits(rule: InhibitRule, source: dict, target: dict) -> bool:
    """Whether firing alert `source` mutes alert `target` under `rule` (Alertmanager's semantics)."""
    return (
        all(m.matches(source) for m in rule.source)
        and all(m.matches(target) for m in rule.target)
        and all(source.get(n, "") == target.get(n, "") for n in rule.equal)
        and source != target  # an alert never inhibits itself
    )


def operator_view(routing: Routing, namespace: str, name: str, root_receiver: str = "null") -> Routing:
    """The tree the prometheus-operator builds from an AlertmanagerConfig `namespace/name`.

    With the default `alertmanagerConfigMatcherStrategy: OnNamespace` the operator adds
    `namespace="<its namespace>"` to the top route (and to both sides of each inhibit rule),
    forces `continue: true` on it, prefixes receiver names with `<namespace>/<name>/`,
    and hangs it below the Alertmanager's own root route, whose receiver
    (kube-prometheus-stack: "null") gets every alert that matches no AlertmanagerConfig.
    """
    ns = eq("namespace", namespace)
    prefix = f"{namespace}/{name}/"

    def rename(route: Route) -> Route:
        return replace(route, receiver=prefix + route.receiver, routes=tuple(rename(r) for r in route.routes))

    top = rename(routing.route)
    top = replace(top, matchers=(ns,) + top.matchers, continue_=True)
    root = Route(receiver=root_receiver, routes=(top,))
    receivers = (Receiver(root_receiver),) + tuple(replace(r, name=prefix + r.name) for r in routing.receivers)
    inhibit = tuple(
        replace(rule, source=(ns,) + rule.source, target=(ns,) + rule.target) for rule in routing.inhibit_rules
    )
    return Routing(root, receivers, inhibit)


# --- the labels an alert carries ------------------------------------------------------

# Placeholder values for labels whose value the expression does not fix. `namespace` is
# the app's: our ServiceMonitor scrapes only that namespace (config.APP_NAMESPACE).
EXAMPLE_VALUE = "example"


def alert_labels(rule, project) -> dict[str, str]:
    """The labels `rule` carries when it fires: its result labels, its rule labels, severity, alertname.

    Result labels are those the expression is sure to carry (compiler/labels.py); each gets
    the value the expression pins it to, `config.APP_NAMESPACE` for `namespace`, else a placeholder.
    """
    recorded = {r.record: r for g in project.all_groups() for r in g.rules if hasattr(r, "record")}
    pinned: dict[str, str] = {}
    names = result_labels(promql.parse(rule.expr), project.catalog, recorded, pinned)
    app_ns = project.config.APP_NAMESPACE
    labels = {n: pinned.get(n) or (app_ns if n == "namespace" else EXAMPLE_VALUE) for n in sorted(names)}
    labels.update(rule.labels)
    labels["severity"] = rule.severity
    labels["alertname"] = rule.name
    return labels


def result_labels(node, catalog, recorded: dict | None = None, pinned: dict | None = None) -> set[str]:
    """The label names every series of `node`'s result is sure to carry (`__name__` excluded).

    `recorded` maps recording-rule names to their RecordingRule; `pinned` collects the values
    the expression fixes (equality matchers, constant label_replace, recorded rules' labels).
    """
    from .labels import Known, labels, pinned as pinned_values

    known = Known(catalog, strict=True,
                  recorded={name: [(r.expr, r.labels)] for name, r in (recorded or {}).items()})
    if pinned is not None:
        pinned.update(pinned_values(node, known))
    return set(labels(node, known).sure)


def undefined_receivers(routing: Routing) -> list[tuple[Route, str]]:
    """Routes naming a receiver the routing does not define (Alertmanager refuses the config)."""
    names = {r.name for r in routing.receivers}
    out, stack = [], [routing.route]
    while stack:
        route = stack.pop()
        if route.receiver not in names:
            out.append((route, route.receiver))
        stack.extend(route.routes)
    return out
