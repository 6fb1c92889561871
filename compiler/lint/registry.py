"""The explicit registry of lint rules: each rule's id and scope, in the order they run.

A rule's module is named after its id (`promql/unknown-metric`:
compiler/lint/rules/promql_unknown_metric.py), and its line here repeats its SCOPE;
tests/lint/test_registry.py holds every module to its line. The table lets a lint import
a rule only when an object of its scope comes up: `build.py lint FILE` on a rule file
never imports the dashboard rules (a tenth of its start-up), and a build imports the
rules only in the forked child that lints (compiler/forked.py).
"""
from __future__ import annotations

TABLE = (
    ("alerts/routing", "alert"),
    ("load/duplicate", "project"),
    ("promql/syntax", "query"),
    ("promql/unknown-metric", "query"),
    ("promql/unknown-label", "query"),
    ("promql/label-value", "query"),
    ("promql/rate-type", "query"),
    ("promql/counter-raw", "query"),
    ("promql/histogram", "query"),
    ("promql/rate-range", "query"),
    ("promql/absent", "query"),
    ("promql/vector-matching", "query"),
    ("alerts/severity", "rule"),
    ("alerts/annotations", "rule"),
    ("alerts/runbook", "rule"),
    ("alerts/template", "rule"),
    ("alerts/comparison", "rule"),
    ("rule/schema", ("group", "rule")),
    ("rule/duplicate", "ruleset"),
    ("rule/record-name", "rule"),
    ("dashboard/panel-type", "panel"),
    ("dashboard/datasource", ("dashboard", "panel")),
    ("dashboard/rate-interval", "query"),
    ("dashboard/units", "panel"),
    ("dashboard/layout", "dashboard"),
    ("dashboard/variables", "dashboard"),
    ("dashboard/ignored-filter", "dashboard"),
    ("dashboard/unit-id", "panel"),
    ("dashboard/title", ("dashboard", "panel")),
    ("dashboard/no-query", "panel"),
    ("logql/syntax", ("dashboard", "panel")),
    ("logql/unknown-label", ("dashboard", "panel")),
    ("logql/unknown-field", ("dashboard", "panel")),
    ("slo/threshold-bucket", "slo"),
    ("catalog/unused-metric", "metric"),
)
IDS = tuple(rule_id for rule_id, _ in TABLE)


def module_name(rule_id: str) -> str:
    """`promql/unknown-metric` -> `promql_unknown_metric`, the rule's module in compiler/lint/rules/."""
    return rule_id.replace("/", "_").replace("-", "_")


def load(rule_id: str):
    """The module of rule `rule_id`, imported."""
    name = module_name(rule_id)
    return getattr(__import__(f"{__package__}.rules", fromlist=[name]), name)


class Lazy:
    # A rule known by its line in TABLE; its module is imported on first use of anything else
    # (its docstring too: __doc__ is the module's, for SARIF's rule descriptions).

    def __init__(self, rule_id: str, scope):
        self.ID, self.SCOPE = rule_id, scope

    @property
    def __doc__(self):
        return load(self.ID).__doc__

    def __getattr__(self, name: str):  # check, SEVERITY, ...: what the instance does not hold yet
        if name.startswith("__") or name in ("ID", "SCOPE"):  # copy and pickle probe dunders before __init__
            raise AttributeError(name)
        module = load(self.ID)
        # Held from now on: the lint asks each rule for `check` once per object.
        self.check, self.SEVERITY = module.check, module.SEVERITY
        return getattr(module, name)

    def __repr__(self) -> str:
        return f"<rule {self.ID}>"


def lazy(ids=IDS) -> tuple[Lazy, ...]:
    """The rules of `ids`, in TABLE's order, each imported when a subject of its scope needs it."""
    wanted = set(ids)
    return tuple(Lazy(rule_id, scope) for rule_id, scope in TABLE if rule_id in wanted)


def __getattr__(name: str):
    if name == "RULES":  # every rule, imported: what a build and the tests use
        rules = tuple(load(rule_id) for rule_id in IDS)
        globals()["RULES"] = rules
        return rules
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
