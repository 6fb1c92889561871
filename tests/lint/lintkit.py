"""Helpers for the per-rule tables (imported by each test module: `from lintkit import ...`).

Everything is checked against the real catalog and config of this repository, through
the external-file path (rule files and dashboard JSON in a temp dir), which builds the
same views as our definitions do.
"""
from __future__ import annotations

import json

import pytest
import yaml

from compiler.lint import external
from compiler.load import load
from conftest import ROOT


@pytest.fixture(scope="session")
def project():
    from compiler.pipeline import expand

    p = load(ROOT)
    expand(p)
    return p


def alert(expr: str, **fields) -> dict:
    """A complete, clean alert with `expr`; `fields` override or (None) remove fields."""
    rule = {
        "alert": "TestAlert",
        "expr": expr,
        "for": "5m",
        "labels": {"severity": "warning"},
        "annotations": {"summary": "Something is off.", "description": "Value {{ $value }}.",
                        "runbook_url": "https://example.com/runbook.md"},
    }
    for key, value in fields.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    return rule


def rule_file(*rules, name="test") -> str:
    return yaml.safe_dump({"groups": [{"name": name, "rules": list(rules)}]}, sort_keys=False)


def dashboard(*panels, variables=("datasource",)) -> dict:
    tmpl = [{"name": v, "type": "datasource", "query": "prometheus"} if v == "datasource" else
            {"name": v, "type": "query", "query": f"label_values(up, {v})", "datasource": "${datasource}"}
            for v in variables]
    return {"uid": "test", "title": "Test", "templating": {"list": tmpl}, "panels": list(panels)}


def panel(*exprs, kind="timeseries", unit="short", title="P", grid=(0, 0, 12, 8), pid=1, legend="", **extra) -> dict:
    out = {
        "id": pid, "type": kind, "title": title,
        "gridPos": dict(zip("xywh", grid)),
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": {"unit": unit}} if unit else {},
        "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": legend} for i, e in enumerate(exprs)],
    }
    out.update(extra)
    return out


@pytest.fixture
def lint_text(project, tmp_path):
    """Findings of `rule` for a file with `text` (named `name`)."""
    def run(text: str, rule, name="rules.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return [f for f in external.lint_files(project, [str(path)], rules=(rule,))
                if f.rule == rule.ID and f.severity != "note"]
    return run


@pytest.fixture
def lint_alert(lint_text):
    """Messages of `rule` for one alert with `expr` (and field overrides)."""
    def run(expr: str, rule, **fields):
        return [f.message for f in lint_text(rule_file(alert(expr, **fields)), rule)]
    return run


@pytest.fixture
def lint_panel_expr(lint_text):
    """Messages of `rule` for one dashboard query."""
    def run(expr: str, rule, **panel_fields):
        return [f.message for f in lint_text(json.dumps(dashboard(panel(expr, **panel_fields))), rule, "d.json")]
    return run


@pytest.fixture
def lint_dashboard(lint_text):
    def run(d: dict, rule):
        return [f.message for f in lint_text(json.dumps(d), rule, "d.json")]
    return run
