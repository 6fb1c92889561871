"""Alert routing: the labels alerts carry, where they land (proven by amtool), the lint, no secrets.

Every alert of the project (the guide's six, the LLM alert, SLO alerts once they exist) is
checked generically from `project.all_groups()`: its labels are computed from its
expression, and amtool must route them to the receiver its severity calls for, both in
out/alertmanager/alertmanager.yaml and in the tree the prometheus-operator makes of our
AlertmanagerConfig (namespace matcher added).
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from compiler import pipeline, promql
from compiler.emit import alertmanager
from compiler.lint import Context
from compiler.lint.rules import alerts_routing
from compiler.load import load
from compiler.model import AlertRule
from compiler.routing import (
    Matcher, Route, alert_labels, eq, inhibits, operator_view, present, receivers_for, result_labels,
)
from conftest import ROOT

OUT = os.path.join(ROOT, "out")
PLAIN = os.path.join(OUT, "alertmanager", "alertmanager.yaml")
PROJECT = load(ROOT)
pipeline.expand(PROJECT)  # the SLOs' burn-rate alerts route like every other
CONFIG = PROJECT.config
ROUTING = PROJECT.routing
ALERTS = [r for g in PROJECT.all_groups() for r in g.rules if isinstance(r, AlertRule)]
INTENDED = {"critical": "pagerduty-critical", "warning": "slack-warnings"}
OPERATOR_PREFIX = f"{CONFIG.ALERTMANAGER_CONFIG_NAMESPACE}/{CONFIG.ALERTMANAGER_CONFIG_NAME}/"


def labels_of(expr: str) -> set[str]:
    return result_labels(promql.parse(expr), PROJECT.catalog)


# --- the labels an alert carries ---------------------------------------------------------

# The scrape labels, and the cluster label Thanos or Mimir may add to every series (config.CLUSTER_LABEL).
CV_TARGET = {"job", "instance", "namespace", "service", "endpoint", "pod", "container", "app", "cluster"}


@pytest.mark.parametrize("expr, expected", [
    pytest.param("codeverify_db_pool_available < 5", CV_TARGET,
                 id="an unaggregated selector keeps all target labels"),
    pytest.param("codeverify_queue_length > 1", CV_TARGET | {"queue"},
                 id="and the metric's own labels"),
    pytest.param("sum(rate(codeverify_http_requests_total[5m])) > 1", set(),
                 id="sum without by drops every label, namespace included"),
    pytest.param("sum by (namespace) (rate(codeverify_http_requests_total[5m])) > 1", {"namespace"},
                 id="by keeps the grouping labels"),
    pytest.param("sum without (pod, instance) (codeverify_queue_length)", CV_TARGET - {"pod", "instance"} | {"queue"},
                 id="without drops the listed labels"),
    pytest.param("histogram_quantile(0.95, sum by (namespace, le) (rate(codeverify_http_request_duration_seconds_bucket[5m]))) > 2",
                 {"namespace"}, id="histogram_quantile drops le"),
    pytest.param('sum by (namespace) (up{app="w"}) or label_replace(vector(0), "namespace", "codeverify", "", "")',
                 {"namespace"}, id="or keeps the labels both sides carry"),
    pytest.param('sum by (namespace) (up) or vector(0)', set(),
                 id="or with a label-less side guarantees nothing"),
    pytest.param("sum by (namespace, queue) (codeverify_queue_length) / on (namespace) group_left sum by (namespace) (up)",
                 {"namespace", "queue"}, id="group_left keeps the many side"),
    pytest.param("sum by (namespace) (up) / on (namespace) group_right sum by (namespace, queue, pod) (codeverify_queue_length)",
                 {"namespace", "queue", "pod"}, id="group_right keeps the right side"),
    pytest.param("sum by (namespace) (up) / on (namespace) group_right(queue) sum by (namespace, queue, pod) (codeverify_queue_length)",
                 {"namespace", "pod"}, id="group_right(x) takes x from the left side, which has none: x is dropped"),
    pytest.param("codeverify_queue_length * on (namespace) group_left(node) sum by (namespace, node) (kube_pod_info)",
                 CV_TARGET | {"queue", "node"}, id="group_left(x) copies x from the one side's by (...)"),
    pytest.param("topk(3, sum by (namespace, queue) (codeverify_queue_length))", {"namespace", "queue"},
                 id="topk keeps its input's labels"),
    pytest.param("1 - sum by (namespace) (up)", {"namespace"}, id="scalar on the left keeps the vector's labels"),
    pytest.param("vector(1)", set(), id="vector has no labels"),
])
def test_result_labels(expr, expected):
    assert labels_of(expr) == expected


def test_recording_rule_outputs_carry_their_expression_labels():
    from compiler.model import RecordingRule
    record = RecordingRule("slo:errors:ratio_rate5m", "sum by (namespace) (rate(codeverify_http_requests_total[5m]))",
                           labels={"slo": "availability"})
    labels = result_labels(promql.parse("slo:errors:ratio_rate5m > 0.1"), PROJECT.catalog, {record.record: record})
    assert labels == {"namespace", "slo"}


@pytest.mark.parametrize("expr, namespace", [
    pytest.param('sum by (namespace) (up{namespace="other"}) < 1', "other", id="an equality matcher pins the value"),
    pytest.param('label_replace(vector(0), "namespace", "fallback", "", "") < 1', "fallback",
                 id="a constant label_replace pins the value"),
    pytest.param("sum by (namespace) (up) < 1", CONFIG.APP_NAMESPACE, id="otherwise the app namespace"),
])
def test_alert_labels_values(expr, namespace):
    rule = AlertRule("X", expr, "5m", "warning", "s.", "d.")
    assert alert_labels(rule, PROJECT) == {"alertname": "X", "namespace": namespace, "severity": "warning"}


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: r.name)
def test_every_alert_carries_severity_and_app_namespace(rule):
    labels = alert_labels(rule, PROJECT)
    assert labels["severity"] == rule.severity
    assert labels.get("namespace") == CONFIG.APP_NAMESPACE, (
        f"{rule.name} fires without namespace={CONFIG.APP_NAMESPACE}: {labels}")


# --- the routing tree, in Python and in amtool ---------------------------------------------


@pytest.mark.parametrize("labels, expected", [
    pytest.param({"severity": "critical"}, ["pagerduty-critical"], id="critical pages"),
    pytest.param({"severity": "warning"}, ["slack-warnings"], id="warning goes to slack"),
    pytest.param({"severity": "info"}, ["default"], id="info falls through to default"),
    pytest.param({}, ["default"], id="no severity falls through to default"),
])
def test_receivers_for(labels, expected):
    assert receivers_for(ROUTING.route, labels) == expected


def test_continue_collects_every_matching_sibling():
    route = Route("root", routes=(
        Route("a", matchers=(eq("x", "1"),), continue_=True),
        Route("b", matchers=(eq("x", "1"),)),
        Route("c", matchers=(eq("x", "1"),)),
    ))
    assert receivers_for(route, {"x": "1"}) == ["a", "b"]


def test_operator_view_drops_alerts_from_other_namespaces():
    view = operator_view(ROUTING, "codeverify", "codeverify")
    assert receivers_for(view.route, {"severity": "critical", "namespace": "codeverify"}) == [
        "codeverify/codeverify/pagerduty-critical"]
    assert receivers_for(view.route, {"severity": "critical", "namespace": "monitoring"}) == ["null"]
    assert receivers_for(view.route, {"severity": "critical"}) == ["null"]


def amtool_route(amtool, config_file: str, labels: dict) -> str:
    args = [f"{k}={v}" for k, v in sorted(labels.items())]
    result = subprocess.run([amtool, "config", "routes", "test", f"--config.file={config_file}", *args],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_amtool_check_config_passes(amtool):
    result = subprocess.run([amtool, "check-config", PLAIN], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert f" - {len(ROUTING.inhibit_rules)} inhibit rules" in result.stdout


def test_amtool_check_config_needs_no_secret_files(amtool, tmp_path):
    # The *_file paths are read when a notification is sent, not when the config loads:
    # the config checks (and Alertmanager starts) on a machine without the Secret mounted.
    absent = str(tmp_path / "absent")
    config = tmp_path / "alertmanager.yaml"
    config.write_text(open(PLAIN).read().replace(CONFIG.ALERTMANAGER_SECRETS_DIR, absent))
    assert absent in config.read_text() and not os.path.exists(absent)
    result = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_rejects_the_guides_v1_field_beside_a_file(amtool, tmp_path):
    """The check above can fail: amtool refuses a broken config (unknown field)."""
    data = yaml.safe_load(open(PLAIN))
    data["receivers"][1]["pagerduty_configs"][0]["routing_key_fil"] = "x"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    assert subprocess.run([amtool, "check-config", str(bad)], capture_output=True).returncode != 0


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: r.name)
def test_amtool_routes_every_alert_to_its_receiver(amtool, rule):
    labels = alert_labels(rule, PROJECT)
    assert amtool_route(amtool, PLAIN, labels) == INTENDED[rule.severity]


@pytest.fixture(scope="module")
def operator_config(tmp_path_factory) -> str:
    """The tree the prometheus-operator builds from out/'s AlertmanagerConfig, as a plain file."""
    view = operator_view(ROUTING, CONFIG.ALERTMANAGER_CONFIG_NAMESPACE, CONFIG.ALERTMANAGER_CONFIG_NAME)
    path = tmp_path_factory.mktemp("operator") / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(alertmanager.plain_config(view, CONFIG)))
    return str(path)


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: r.name)
def test_amtool_routes_every_alert_through_the_operators_namespace_matcher(amtool, operator_config, rule):
    labels = alert_labels(rule, PROJECT)
    assert amtool_route(amtool, operator_config, labels) == OPERATOR_PREFIX + INTENDED[rule.severity]


def test_amtool_sends_an_alert_without_namespace_nowhere_under_the_operator(amtool, operator_config):
    """The trap the namespace tests guard against, shown on the real router."""
    assert amtool_route(amtool, operator_config, {"alertname": "X", "severity": "critical"}) == "null"


def test_the_alertmanagerconfig_is_the_plain_config():
    """Same tree, receivers and inhibit rules in both outputs (only the spelling differs)."""
    amc = yaml.safe_load(open(os.path.join(OUT, f"alertmanagerconfig-{CONFIG.ALERTMANAGER_CONFIG_NAME}.yaml")))
    plain = yaml.safe_load(open(PLAIN))
    assert amc["metadata"]["namespace"] == CONFIG.APP_NAMESPACE
    assert [r["name"] for r in amc["spec"]["receivers"]] == [r["name"] for r in plain["receivers"]]
    assert len(amc["spec"]["inhibitRules"]) == len(plain["inhibit_rules"])
    for crd, flat in zip(amc["spec"]["route"]["routes"], plain["route"]["routes"]):
        assert crd["receiver"] == flat["receiver"]
        assert [f'{m["name"]}{m["matchType"]}"{m["value"]}"' for m in crd["matchers"]] == flat["matchers"]


# --- inhibition (semantics; the real Alertmanager runs in test_alertmanager_e2e.py) ---------

RULES = {r.name: r for r in ROUTING.inhibit_rules}
SLO_RULE, WORKER_RULE = RULES["slo-page-inhibits-ticket"], RULES["worker-down-inhibits-queue-backlog"]
API_SYMPTOMS = RULES["api-down-inhibits-its-symptoms"]
NS = {"namespace": "codeverify"}


@pytest.mark.parametrize("rule, source, target, expected", [
    pytest.param(SLO_RULE, {"slo": "a", "severity": "critical"}, {"slo": "a", "severity": "warning"}, True,
                 id="a page mutes the ticket of the same SLO"),
    pytest.param(SLO_RULE, {"slo": "a", "severity": "critical"}, {"slo": "b", "severity": "warning"}, False,
                 id="but not another SLO's ticket"),
    pytest.param(SLO_RULE, {"alertname": "HighErrorRate", "severity": "critical"},
                 {"alertname": "HighLatency", "severity": "warning"}, False,
                 id="alerts without slo do not mute each other (missing labels are equal)"),
    pytest.param(WORKER_RULE, {"alertname": "WorkerDown", "namespace": "codeverify"},
                 {"alertname": "QueueBacklog", "namespace": "codeverify", "queue": "q"}, True,
                 id="worker down mutes the backlog in its namespace"),
    pytest.param(WORKER_RULE, {"alertname": "WorkerDown", "namespace": "staging"},
                 {"alertname": "QueueBacklog", "namespace": "codeverify", "queue": "q"}, False,
                 id="but not in another namespace"),
    pytest.param(API_SYMPTOMS, {"alertname": "APIDown", **NS},
                 {"alertname": "HealthCheckFailing", "service": "codeverify-api", "health": "ready", **NS}, True,
                 id="API down mutes the API's failing health checks"),
    pytest.param(API_SYMPTOMS, {"alertname": "APIDown", **NS},
                 {"alertname": "AvailabilitySLIAbsent", "service": "codeverify-api", "slo": "availability", **NS}, True,
                 id="API down mutes the API SLOs' SLI-absent tickets"),
    pytest.param(API_SYMPTOMS, {"alertname": "APIDown", **NS},
                 {"alertname": "HealthCheckFailing", "service": "codeverify-worker", "health": "ready", **NS}, False,
                 id="but not the workers' health checks"),
    pytest.param(API_SYMPTOMS, {"alertname": "APIDown", **NS},
                 {"alertname": "HighErrorRate", "service": "codeverify-api", **NS}, False,
                 id="nor an alert that is no symptom of it"),
])
def test_inhibit_rules(rule, source, target, expected):
    assert inhibits(rule, source, target) is expected


def test_inhibit_rules_apply_to_the_alerts_as_they_fire():
    by_name = {r.name: alert_labels(r, PROJECT) for r in ALERTS}
    assert inhibits(WORKER_RULE, by_name["WorkerDown"], by_name["QueueBacklog"])


def test_matcher_regex_is_anchored():
    assert not Matcher("x", "a", "=~").matches({"x": "ba"})
    assert present("slo").matches({"slo": "a"}) and not present("slo").matches({})


def test_matcher_regex_is_go_regexp():
    # RE2, as Alertmanager: `\d` is ASCII only, and no input makes a match backtrack.
    assert not Matcher("x", r"\d", "=~").matches({"x": "\u0663"})
    assert not Matcher("x", "(a+)+b", "=~").matches({"x": "a" * 100_000})
    with pytest.raises(ValueError, match="not a regular expression"):
        Matcher("x", "(?=a)a", "=~").validate()


@pytest.mark.parametrize("pattern, valid", [
    pytest.param("x)|(y", True, id="valid once anchored as ^(?:...)$, as Alertmanager anchors it"),
    pytest.param(r"\pL{1000}", True, id="large, past RE2's default memory cap; Go has none",
                 marks=pytest.mark.slow),
    pytest.param(r"\C", False, id="RE2's any-byte escape, which Go refuses"),
    pytest.param("(?<n>x)", False, id="a (?<name>) group: Go 1.22+, not Alertmanager 0.25"),
    pytest.param("[(?<]", True, id="the same characters in a class"),
])
def test_matcher_regex_syntax_is_alertmanagers(pattern, valid):
    # Each verified with amtool check-config (Alertmanager 0.25).
    if valid:
        Matcher("x", pattern, "=~").validate()
    else:
        with pytest.raises(ValueError, match="not a regular expression"):
            Matcher("x", pattern, "=~").validate()


def test_anchoring_follows_alertmanager():
    assert Matcher("x", "x)|(y", "=~").matches({"x": "xa"}) and Matcher("x", "x)|(y", "=~").matches({"x": "ay"})
    assert not Matcher("x", "x)|(y", "=~").matches({"x": "ab"})


def test_the_review_reads_a_route_with_an_invalid_regex_as_matching_nothing():
    from compiler.review.snapshot import receivers
    route = {"receiver": "default", "routes": [
        {"receiver": "a", "matchers": ["team!~\"(?!x)\""]},
        {"receiver": "b", "matchers": ["team=~\".*\""]},
    ]}
    assert receivers(route, {"team": "y"}) == ["b"]


# --- the lint rule ------------------------------------------------------------------------

CTX = Context(PROJECT, PROJECT.catalog, CONFIG)


@pytest.mark.parametrize("severity, expr, message", [
    pytest.param("critical", "sum by (namespace) (up) < 1", None, id="critical with namespace routes"),
    pytest.param("warning", "codeverify_queue_length > 1", None, id="an unaggregated selector keeps namespace"),
    pytest.param("info", "sum by (namespace) (up) < 1", "reaches only the catch-all receiver `default`",
                 id="info reaches only default"),
    pytest.param("page", "sum by (namespace) (up) < 1", "reaches only the catch-all",
                 id="an unknown severity reaches only default"),
    pytest.param("critical", "sum(up) < 1", "carries no `namespace` label",
                 id="no namespace misses the AlertmanagerConfig"),
    pytest.param("critical", 'sum by (namespace) (up{namespace="kube-system"}) < 1',
                 'carries namespace="kube-system"', id="another namespace misses it too"),
])
def test_lint_alerts_routing(severity, expr, message):
    rule = AlertRule("X", expr, "5m", severity, "s.", "d.")
    found = [r if isinstance(r, str) else r[0] for r in alerts_routing.check(rule, CTX)]
    if message is None:
        assert found == []
    else:
        assert len(found) == 1 and message in found[0], found


def test_lint_alerts_routing_accepts_a_namespace_rule_label():
    rule = AlertRule("X", "sum(up) < 1", "5m", "critical", "s.", "d.", labels={"namespace": CONFIG.APP_NAMESPACE})
    assert list(alerts_routing.check(rule, CTX)) == []


def test_lint_passes_on_the_project():
    from compiler import lint
    findings = [f for f in lint.run(PROJECT, lint.subjects(PROJECT)) if f.rule == alerts_routing.ID]
    assert findings == []


# --- no secret in out/ ----------------------------------------------------------------------

FORBIDDEN = re.compile(
    r"your-pagerduty-key|hooks\.slack\.com|events\.pagerduty\.com|https?://[^\s'\"]*(?:hook|webhook)[^\s'\"]*",
    re.IGNORECASE,
)


def out_files():
    for dirpath, _, names in os.walk(OUT):
        for name in names:
            yield os.path.join(dirpath, name)


def test_forbidden_pattern_catches_the_guides_placeholders():
    for text in ("service_key: 'your-pagerduty-key'", "api_url: 'https://hooks.slack.com/services/xxx'",
                 "url: https://example.com/webhook/abc"):
        assert FORBIDDEN.search(text), text


def test_no_secret_or_webhook_in_out():
    files = list(out_files())
    assert any(f.endswith("alertmanager.yaml") for f in files)
    hits = []
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if FORBIDDEN.search(line):
                    hits.append(f"{os.path.relpath(path, ROOT)}:{n}: {line.strip()}")
    assert hits == []


def test_receivers_read_credentials_from_the_secret_only():
    plain = yaml.safe_load(open(PLAIN))
    for receiver in plain["receivers"]:
        for cfg in receiver.get("slack_configs", []):
            assert "api_url" not in cfg and cfg["api_url_file"].startswith(CONFIG.ALERTMANAGER_SECRETS_DIR + "/")
        for cfg in receiver.get("pagerduty_configs", []):
            assert "service_key" not in cfg and "routing_key" not in cfg
            assert cfg["routing_key_file"].startswith(CONFIG.ALERTMANAGER_SECRETS_DIR + "/")


# --- runbooks -----------------------------------------------------------------------------

RUNBOOKS = os.path.join(ROOT, "runbooks")
# The guide's four, and the SLO burn-rate alerts' slugs (slo-<name>), which the SLO
# definitions use whether or not they are on this branch yet.
REQUIRED = ("high-error-rate", "queue-backup", "database-connection-issues", "llm-api-failures",
            "slo-availability", "slo-latency", "slo-analysis-success", "slo-queue-wait")
SECTIONS = ("## What fired", "## First queries", "## Likely causes", "## Steps", "## Escalate")


def runbook_slugs():
    from compiler.emit.rules import runbook_slug
    return sorted(set(REQUIRED) | {runbook_slug(r) for r in ALERTS})


@pytest.mark.parametrize("slug", runbook_slugs())
def test_runbook_exists_with_its_sections(slug):
    path = os.path.join(RUNBOOKS, f"{slug}.md")
    assert os.path.isfile(path), f"runbooks/{slug}.md is missing"
    text = open(path, encoding="utf-8").read()
    missing = [s for s in SECTIONS if s not in text]
    assert not missing, f"runbooks/{slug}.md lacks {missing}"


@pytest.mark.parametrize("slug", runbook_slugs())
def test_runbook_queries_parse_and_use_catalog_metrics(slug):
    """The PromQL in a runbook's ```promql blocks parses and uses only catalog series and labels."""
    text = open(os.path.join(RUNBOOKS, f"{slug}.md"), encoding="utf-8").read()
    blocks = re.findall(r"```promql\n(.*?)```", text, re.DOTALL)
    assert len(blocks) >= 3, f"runbooks/{slug}.md has fewer than three ```promql queries"
    for block in blocks:
        for sel in promql.selectors(promql.parse(block.strip())):
            series = PROJECT.catalog.lookup(promql.metric_name(sel))
            assert series is not None and series.labels is not None, f"{slug}: unknown series in {block}"
            unknown = {m.name for m in sel.matchers.matchers} - series.labels - {"__name__"}
            assert not unknown, f"{slug}: {series.name} has no label {sorted(unknown)}"


# --- loading ROUTING --------------------------------------------------------------------------


@pytest.mark.parametrize("code, message", [
    pytest.param("ROUTING = 'pagerduty'", "alerts/__init__.py: ROUTING is a str, expected Routing",
                 id="ROUTING of the wrong type"),
    pytest.param(
        "from compiler.routing import Receiver, Route, Routing, eq\n"
        "ROUTING = Routing(\n"
        "    Route('default', routes=(Route('pager', matchers=(eq('severity', 'critical'),)),)),\n"
        "    (Receiver('default'),),\n)",
        "alerts/__init__.py:{3}: route sends to receiver `pager`, which ROUTING.receivers does not define",
        id="a route to an undefined receiver names the route's line"),
])
def test_bad_routing_is_a_load_error(fixture_project, code, message):
    from click.testing import CliRunner

    import build
    path = fixture_project / "alerts" / "__init__.py"
    before = len(path.read_text().splitlines()) + 1  # the blank line we add
    with open(path, "a") as fh:
        fh.write("\n" + code + "\n")
    # {n} in the message: line n of the appended code.
    message = re.sub(r"\{(\d+)\}", lambda m: str(before + int(m.group(1))), message)
    result = CliRunner().invoke(build.cli, ["--root", str(fixture_project), "--check"])
    assert result.exit_code == 2
    assert message in result.output


def test_a_project_without_routing_emits_no_alertmanager_files(fixture_project):
    from compiler import pipeline
    files = pipeline.build(str(fixture_project)).files
    assert files and not any("alertmanager" in f for f in files)
