"""The lint computes a query's rule results once per Query.key and reuses them.

That is only right while every rule of scope "query" reads nothing but what the
key determines; these tests hold the rules to it, and check that the reuse changes
no finding on this repository, the lint fixtures and the shared corpus.
"""
from __future__ import annotations

import json
import os

import pytest

from compiler import lint
from compiler.lint import external
from compiler.lint.registry import RULES
from compiler.location import Location
from compiler.queries import PANEL, RECORD, Query
from conftest import ROOT, SHARED
from lintkit import dashboard, panel, project  # noqa: F401

QUERY_RULES = [r for r in RULES if "query" in lint.scopes(r)]
# What Query.key (expr, origin, legend) determines.
ALLOWED = {"expr", "origin", "legend", "key", "expanded", "ast", "error", "nodes"}
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "lint")
CORPUS = os.path.join(SHARED, "corpus")


class Recording:
    """A Query that records which of its attributes a rule reads."""

    def __init__(self, query: Query, read: set):
        object.__setattr__(self, "_query", query)
        object.__setattr__(self, "_read", read)

    def __getattr__(self, name):
        self._read.add(name)
        return getattr(self._query, name)


def external_subjects(project, paths):
    """Fresh subjects (and their Context) for files, as `build.py lint PATH` builds them."""
    catalog = project.catalog.copy()
    subjects = []
    for path in external.files(paths):
        reader = external._File(path)
        reader.read()
        subjects.extend(reader.subjects)
        catalog.add_recorded(name for name, _, _ in reader.recorded)
    return subjects, lint.Context(project, catalog, project.config)


def both(project, make):
    """Findings with and without the reuse; `make()` returns fresh subjects and a Context."""
    runs = []
    for memo in (True, False):
        subjects, ctx = make()
        found, _ = lint._check(project, subjects, RULES, ctx, memo=memo)
        runs.append(sorted(found, key=lambda f: f.sort_key()))
    return runs


def test_query_rules_read_only_the_key(project):
    ctx = lint.Context(project, project.catalog, project.config)
    queries = [s.obj for s in lint.subjects(project) if s.scope == "query"]
    queries += [Query(None, "sum(rate(nosuch_total{x=~\"$v\"}[5m])) by (pod)", PANEL, legend="{{pod}}"),
                Query(None, "histogram_quantile(0.9, codeverify_http_request_duration_seconds_bucket)", RECORD),
                Query(None, "sum(rate(", PANEL, legend="{{x}}")]
    for rule in QUERY_RULES:
        read: set = set()
        for query in queries:
            list(rule.check(Recording(query, read), ctx))
        assert read <= ALLOWED, f"{rule.ID} reads {sorted(read - ALLOWED)} of a query: add it to Query.key or stop"


def test_reuse_changes_nothing_on_the_lint_fixtures(project):
    with_memo, without = both(project, lambda: external_subjects(project, [FIXTURES]))
    assert with_memo and with_memo == without


@pytest.mark.slow
def test_reuse_changes_nothing_on_the_corpus(project):
    if not os.path.isdir(CORPUS):
        pytest.skip(f"{CORPUS} not found: the corpus lives in the shared folder next to the repository")
    paths = [os.path.join(CORPUS, "dashboards"), os.path.join(CORPUS, "promql-rules.yaml")]
    with_memo, without = both(project, lambda: external_subjects(project, paths))
    assert with_memo == without


def test_repeated_queries_keep_their_own_location_legend_and_suppression(project, tmp_path):
    expr = "sum by (handler) (rate(codeverify_http_requests_total[5m]))"  # also a fixed range in a panel
    d = dashboard(panel(expr, pid=1, title="A", legend="{{handler}}"),
                  panel(expr, pid=2, title="B", legend="{{pod}}", grid=(12, 0, 12, 8)),
                  panel(expr, pid=3, title="C", legend="{{handler}}", grid=(0, 8, 12, 8)))
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d))
    subjects, ctx = external_subjects(project, [str(path)])
    found, _ = lint._check(project, subjects, RULES, ctx)
    by_panel = {}
    for f in found:
        by_panel.setdefault(f.location.path[1], set()).add(f.rule)
    assert by_panel["panel 'A'"] == by_panel["panel 'C'"] == {"dashboard/rate-interval"}
    assert by_panel["panel 'B'"] == {"dashboard/rate-interval", "promql/unknown-label"}  # its own legend

    # The same query twice in the project's terms: one suppresses the finding, the other keeps it.
    loc_a, loc_b = Location("a.py", 1), Location("b.py", 2)
    sup = lint.suppressions({"promql/unknown-metric": "a migration"}, loc_a)
    subjects = [lint.Subject("query", Query(loc_a, "nosuch_metric > 1", RECORD, sup), loc_a, sup),
                lint.Subject("query", Query(loc_b, "nosuch_metric > 1", RECORD), loc_b)]
    found, seen = lint._check(project, subjects, RULES, None)
    assert [(f.location, f.rule) for f in found] == [(loc_b, "promql/unknown-metric")]
    assert all(s.used for s in seen.values())
