"""Alert scenarios -> promtool unit-test files (`promtool test rules`).

promtool's alert_rule_test compares labels *and* annotations exactly, so each
expected alert needs its rendered annotations. Rather than repeat every
description by hand in every scenario (and edit them all when a wording changes),
a scenario states the `$value` it expects and we render the rule's templates with
the small subset of Go templates our alerts use, formatting numbers exactly as
Prometheus does. promtool then checks both the alert and our rendering; a
template outside the subset is a finding asking for explicit `annotations=`.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal

from .. import promql
from ..emit import rules as emit_rules
from ..lint.finding import ERROR, Finding
from ..model import AlertRule, Scenario

# --- Go template subset ---------------------------------------------------------------

_ACTION = re.compile(r"{{(.*?)}}", re.S)
_VALUE = r"(?:\$value|\.Value)"
_LABEL = r"(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)"
_FORMS = (
    (re.compile(rf"^{_VALUE}$"), lambda m: ("value", None)),
    (re.compile(rf"^{_LABEL}$"), lambda m: ("label", m.group(1))),
    (re.compile(rf"^{_VALUE}\s*\|\s*(\w+)$"), lambda m: ("func", m.group(1))),
    (re.compile(rf"^(\w+)\s+{_VALUE}$"), lambda m: ("func", m.group(1))),
)


class TemplateError(ValueError):
    pass


def render(template: str, labels: dict[str, str], value: float | None) -> str:
    """Render `template` as Prometheus renders an alert annotation.

    Supports `{{ $value }}`, `{{ $labels.x }}` and `humanize`, `humanizePercentage`,
    `humanizeDuration` of `$value` (piped or called). Raises TemplateError otherwise.
    """
    def action(m: re.Match) -> str:
        body = m.group(1).strip()
        for pattern, kind in _FORMS:
            found = pattern.match(body)
            if not found:
                continue
            what, arg = kind(found)
            if what == "label":
                return labels.get(arg, "")  # Prometheus renders with missingkey=zero
            if value is None:
                raise TemplateError(f"`{{{{ {body} }}}}` needs the expected value: set the scenario's `value`")
            if what == "value":
                return go_float(value)
            if arg not in FUNCTIONS:
                raise TemplateError(f"`{{{{ {body} }}}}`: function `{arg}` is not rendered here; state `annotations`")
            return FUNCTIONS[arg](value)
        raise TemplateError(f"`{{{{ {body} }}}}` is outside the rendered template subset; state `annotations`")

    return _ACTION.sub(action, template)


def go_float(v: float) -> str:
    """Go's `%v` of a float64 (what `{{ $value }}` prints): shortest digits, exponent from 1e+06 or below 1e-04."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    sign, digits, exp = Decimal(repr(v)).normalize().as_tuple()
    digits = "".join(map(str, digits))
    point = len(digits) + exp  # position of the decimal point from the left of `digits`
    lead = point - 1  # the decimal exponent of the leading digit
    head = "-" if sign else ""
    if lead < -4 or lead >= 6:  # strconv.FormatFloat(v, 'g', -1, 64)
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{head}{mantissa}e{'-' if lead < 0 else '+'}{abs(lead):02d}"
    if point <= 0:
        return f"{head}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{head}{digits}{'0' * (point - len(digits))}"
    return f"{head}{digits[:point]}.{digits[point:]}"


def _g4(v: float) -> str:
    """Go's `%.4g` (same rounding and layout as C's, except for the infinities)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return "%.4g" % v


def humanize(v: float) -> str:
    if v == 0 or math.isnan(v) or math.isinf(v):
        return _g4(v)
    prefix = ""
    if abs(v) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(v) < 1000:
                break
            prefix, v = p, v / 1000
    else:
        for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
            if abs(v) >= 1:
                break
            prefix, v = p, v * 1000
    return _g4(v) + prefix


def humanize_percentage(v: float) -> str:
    return _g4(v * 100) + "%"


def humanize_duration(v: float) -> str:
    if math.isnan(v) or math.isinf(v):
        return _g4(v)
    if v == 0:
        return _g4(v) + "s"
    if abs(v) >= 1:
        sign = "-" if v < 0 else ""
        v = abs(v)
        total = int(v)
        seconds, minutes = total % 60, (total // 60) % 60
        hours, days = (total // 3600) % 24, total // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{_g4(v)}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix, v = p, v * 1000
    return f"{_g4(v)}{prefix}s"


# The Prometheus template functions rendered here, by their template name.
FUNCTIONS = {
    "humanize": humanize,
    "humanizePercentage": humanize_percentage,
    "humanizeDuration": humanize_duration,
}


# --- scenarios -> promtool tests --------------------------------------------------------


def alerts_with_scenarios(project):
    """(group, rule) for every alert rule with scenarios, hand-written or generated."""
    for group in project.all_groups():
        for rule in group.rules:
            if isinstance(rule, AlertRule) and rule.scenarios:
                yield group, rule


def expected_alerts(rule: AlertRule, scenario: Scenario, config) -> list[dict]:
    """promtool exp_alerts: labels and rendered annotations of each alert expected to fire."""
    annotations = emit_rules.rule_dict(rule, config)["annotations"]
    values = scenario.value if isinstance(scenario.value, tuple) else (scenario.value,) * len(scenario.fires)
    if len(values) != len(scenario.fires):
        raise TemplateError(f"`value` has {len(values)} entries for {len(scenario.fires)} expected alerts")
    out = []
    for labels, value in zip(scenario.fires, values):
        if scenario.annotations is not None:
            rendered = dict(scenario.annotations)
        else:
            rendered = {k: render(v, dict(labels), value) for k, v in annotations.items()}
        out.append({
            "exp_labels": {**dict(labels), **emit_rules.alert_labels(rule)},
            "exp_annotations": rendered,
        })
    return out


def expected_alert_series(rule: AlertRule, scenario: Scenario) -> dict:
    """promtool promql_expr_test on `ALERTS`: which alerts fire, annotations unchecked.

    A quiet scenario expects no `ALERTS` series at all, so not even a pending alert.
    """
    def series(labels) -> str:
        full = {**dict(labels), **emit_rules.alert_labels(rule), "alertname": rule.name, "alertstate": "firing"}
        return "ALERTS{" + ", ".join(f'{k}="{v}"' for k, v in sorted(full.items())) + "}"

    state = ', alertstate="firing"' if scenario.fires else ""
    return {
        "expr": f'ALERTS{{alertname="{rule.name}"{state}}}',
        "eval_time": scenario.at,
        "exp_samples": [{"labels": series(labels), "value": 1} for labels in scenario.fires],
    }


def test_case(rule: AlertRule, scenario: Scenario, config) -> dict:
    case = {
        "name": f"{rule.name}: {scenario.name}",
        "interval": scenario.interval,
        "input_series": [{"series": s, "values": v} for s, v in scenario.series.items()],
    }
    if not scenario.check_annotations:
        case["promql_expr_test"] = [expected_alert_series(rule, scenario)]
        return case
    case["alert_rule_test"] = [{
        "eval_time": scenario.at,
        "alertname": rule.name,
        "exp_alerts": expected_alerts(rule, scenario, config),
    }]
    return case


def test_file(rule_file: str, cases: list[dict]) -> dict:
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": cases}


# Where the rule files are, seen from a test file: tests/promtool/x.yaml -> out/prometheus/.
RULES_FROM_TESTS = "../../out/prometheus"


def test_files(project) -> dict[str, dict]:
    """One promtool test file per rule group with scenarios, as `<group>.yaml` -> dict."""
    files: dict[str, dict] = {}
    for group, rule in alerts_with_scenarios(project):
        data = files.setdefault(f"{group.name}.yaml", test_file(f"{RULES_FROM_TESTS}/{group.name}.rules.yaml", []))
        for scenario in rule.scenarios:
            case = test_case(rule, scenario, project.config)
            if not any(_merge(known, case) for known in data["tests"]):
                data["tests"].append(case)
    return files


def scenario_files(project) -> list[tuple[list[tuple[str, str]], dict]]:
    """One test file per test case (so that promtool reports each): ([(alert, scenario)], dict)."""
    out: list[tuple[list[tuple[str, str]], dict]] = []
    for group, rule in alerts_with_scenarios(project):
        rule_file = f"{RULES_FROM_TESTS}/{group.name}.rules.yaml"
        for scenario in rule.scenarios:
            case = test_case(rule, scenario, project.config)
            for names, data in out:
                if data["rule_files"] == [rule_file] and _merge(data["tests"][0], case):
                    names.append((rule.name, scenario.name))
                    break
            else:
                out.append(([(rule.name, scenario.name)], test_file(rule_file, [case])))
    return out


def _merge(known: dict, case: dict) -> bool:
    """Fold `case` into `known` when both have the same input series.

    promtool evaluates the whole rule group over a case's series once, whatever it
    checks; generated scenarios (an SLO's page and ticket) share their series, so
    checking both alerts in one case halves the time.
    """
    if known["input_series"] != case["input_series"] or known["interval"] != case["interval"]:
        return False
    known["name"] += " | " + case["name"]
    for checks in ("alert_rule_test", "promql_expr_test"):
        if checks in case:
            known.setdefault(checks, []).extend(case[checks])
    return True


# --- checks -----------------------------------------------------------------------------


def check(project) -> list[Finding]:
    """Scenarios whose series the scrape could not produce, that expect labels the alert
    cannot carry, or whose annotations cannot be rendered."""
    findings = []
    known = _known(project)
    for group, rule in alerts_with_scenarios(project):
        result = _result_labels(rule, known)
        for scenario in rule.scenarios:
            where = project.locate(scenario, f"alert '{rule.name}'", f"scenario '{scenario.name}'")
            for selector in scenario.series:
                problem = series_problem(selector, project.catalog)
                if problem:
                    findings.append(Finding(where, "scenario/series", ERROR, problem))
            for problem in labels_problems(scenario, result):
                findings.append(Finding(where, "scenario/labels", ERROR, problem))
            if not scenario.check_annotations:
                continue
            try:
                expected_alerts(rule, scenario, project.config)
            except TemplateError as exc:
                findings.append(Finding(where, "scenario/annotations", ERROR, str(exc)))
    return findings


def _known(project):
    from ..lint import known

    return known(project, project.catalog, project.config, strict=True)


def _result_labels(rule: AlertRule, known):
    """The labels the alert's expression can return (labels.LabelSet), or None when it does not parse."""
    from .. import labels

    try:
        return labels.labels(promql.parse(rule.expr), known)
    except promql.ParseError:
        return None  # promql/syntax reports it


def labels_problems(scenario: Scenario, result) -> list[str]:
    """An expected alert with a label the expression's result never carries can never be met.

    Only what is certain: a label outside every result series' possible labels. (The
    alert's own `labels` and `severity` are added by the rule, not expected here.)
    """
    if result is None:
        return []
    expected = sorted({name for fired in scenario.fires for name in fired})
    never = [name for name in expected if result.lacks(name)]
    if not never:
        return []
    can = _names(sorted(result.may)) if result.may else "none"
    return [f"expects label {_names(never)} on the alert, which its expression's result never carries "
            f"(its labels: {can}): the expectation can never be met"]


def series_problem(selector: str, catalog) -> str | None:
    """Why a scenario's input series is not one the catalog's sources could produce, or None."""
    try:
        node = promql.parse(selector)
    except promql.ParseError as exc:
        return f"series `{selector}` does not parse: {exc}"
    matchers = getattr(getattr(node, "matchers", None), "matchers", None)
    if matchers is None or not getattr(node, "name", None):
        return f"series `{selector}` must be a metric name with labels, like `up{{job=\"x\"}}`"
    if any(m.op != promql.pp.MatchOp.Equal for m in matchers):
        return f"series `{selector}` may only use `=` matchers: it names one series"
    name, labels = node.name, {m.name for m in matchers}
    series = catalog.lookup(name)
    if series is None or series.type is None:
        return f"series `{name}` is not a series of the catalog"
    if series.labels is None:
        return None  # a recording rule's output: labels unknown
    unknown = sorted(labels - series.labels)
    if unknown:
        return f"series `{name}` has labels {_names(unknown)} that neither the metric nor its source `{series.metric.source}` has"
    source = catalog.sources.get(series.metric.source)
    required = set(source.target_labels) if source else set()
    if name == "up":
        required = {"job", "instance"}  # and the rest of whichever target it describes
    missing = sorted(required - labels)
    if missing:
        return (f"series `{name}` lacks the target labels {_names(missing)} that every series of "
                f"source `{source.name}` carries (compiler/proving/scrape.py builds them)")
    return None


def _names(labels) -> str:
    return ", ".join(f"`{x}`" for x in labels)
