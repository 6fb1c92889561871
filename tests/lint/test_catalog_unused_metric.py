"""catalog/unused-metric: every catalog metric is read somewhere, or says why not."""
from __future__ import annotations

import pytest

from compiler import lint
from compiler.lint.rules import catalog_unused_metric as rule
from compiler.model import COUNTER, HISTOGRAM, Metric
from lintkit import project  # noqa: F401


def findings(project, *metrics):
    subjects = [lint.Subject("metric", m, project.locate(m, f"metric '{m.name}'"),
                             lint.suppressions(m.lint_ignore, project.locate(m, f"metric '{m.name}'")))
                for m in metrics]
    return lint.run(project, subjects, rules=(rule,))


def test_the_project_reads_every_catalog_metric(project):
    assert [str(f) for f in lint.run(project, lint.subjects(project), rules=(rule,))] == []


@pytest.mark.parametrize("metric, unused", [
    pytest.param(Metric("codeverify_db_queries_total", COUNTER, "h.", "codeverify"), False,
                 id="drawn on the Infrastructure dashboard"),
    pytest.param(Metric("codeverify_db_query_duration_seconds", HISTOGRAM, "h.", "codeverify"), False,
                 id="a histogram read through its buckets"),
    pytest.param(Metric("codeverify_never_read_total", COUNTER, "h.", "codeverify"), True, id="read nowhere"),
])
def test_unused(project, metric, unused):
    found = findings(project, metric)
    assert [f.rule for f in found] == ([rule.ID] if unused else [])
    if unused:
        assert found[0].severity == "warning" and found[0].location.line == metric.src.line


def test_a_reason_silences_it_and_an_empty_one_does_not(project):
    quiet = Metric("codeverify_a_total", COUNTER, "h.", "codeverify",
                   lint_ignore={rule.ID: "exported for ad-hoc debugging queries only"})
    assert findings(project, quiet) == []
    no_reason = Metric("codeverify_b_total", COUNTER, "h.", "codeverify", lint_ignore={rule.ID: ""})
    assert [f.rule for f in findings(project, no_reason)] == [lint.IGNORE_RULE]


def test_a_stale_silence_is_reported(project):
    read = Metric("codeverify_db_queries_total", COUNTER, "h.", "codeverify", lint_ignore={rule.ID: "not drawn"})
    found = findings(project, read)
    assert [f.rule for f in found] == [lint.IGNORE_RULE] and "matches nothing" in found[0].message
