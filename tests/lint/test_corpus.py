"""Truth against Prometheus: the real-world corpus in shared/corpus (see its SOURCES.md).

Every corpus expression that `promtool check rules` (Prometheus 2.42, the target)
accepts must get no promql/syntax from us, and the other way round; nothing in the
corpus may crash the linter. The agreement figure is printed (pytest -s shows it).
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from compiler import lint, promql
from compiler.lint import external
from compiler.lint.rules import promql_syntax
from compiler.queries import Query
from conftest import SHARED
from lintkit import project  # noqa: F401

pytestmark = pytest.mark.slow  # every file of the real-world corpus

CORPUS = os.path.join(SHARED, "corpus")
EXPRS = os.path.join(CORPUS, "promql-exprs.txt")
_REJECTED = re.compile(r'group "line-(\d+)"')


@pytest.fixture(scope="module")
def corpus_lines():
    if not os.path.isfile(EXPRS):
        pytest.skip(f"{EXPRS} not found: the corpus lives in the shared folder next to the repository")
    with open(EXPRS) as fh:
        return [line.rstrip("\n") for line in fh]


def promtool_rejects(promtool, exprs: list[str], tmp_path) -> set[int]:
    """Indexes of `exprs` that promtool refuses, from one run over one group per expression."""
    groups = [{"name": f"line-{i}", "rules": [{"record": "corpus:line:expr", "expr": e}]} for i, e in enumerate(exprs)]
    path = tmp_path / "corpus.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}))
    result = subprocess.run([promtool, "check", "rules", "--lint=none", str(path)], capture_output=True, text=True)
    rejected = {int(i) for i in _REJECTED.findall(result.stdout + result.stderr)}
    assert result.returncode == (1 if rejected else 0), result.stdout + result.stderr
    return rejected


def test_promql_syntax_agrees_with_promtool(promtool, corpus_lines, project, tmp_path):
    expanded = [promql.expand(line) for line in corpus_lines]
    rejected = promtool_rejects(promtool, expanded, tmp_path)
    ours = set()
    ctx = lint.Context(project, project.catalog, project.config)
    for i, expr in enumerate(expanded):
        if list(promql_syntax.check(Query(None, expr, "record"), ctx)):
            ours.add(i)
    agree = len(corpus_lines) - len(ours ^ rejected)
    print(f"\ncorpus agreement of promql/syntax with promtool 2.42: {agree}/{len(corpus_lines)} "
          f"({100 * agree / len(corpus_lines):.2f} %); promtool rejects {len(rejected)}, we reject {len(ours)}")
    assert not ours - rejected, [corpus_lines[i] for i in sorted(ours - rejected)][:5]
    assert not rejected - ours, [corpus_lines[i] for i in sorted(rejected - ours)][:5]


def test_version_table_agrees_with_promtool(promtool, tmp_path):
    """Every 2.42 function is known to promtool 2.42; the newer ones promql-parser knows are not."""
    newer = ["sort_by_label", "sort_by_label_desc", "double_exponential_smoothing", "info", "mad_over_time",
             "histogram_avg", "histogram_stddev", "histogram_stdvar", "ts_of_max_over_time"]
    names = sorted(promql.FUNCTIONS_2_42) + newer
    groups = [{"name": f"line-{i}", "rules": [{"record": "f:f:f", "expr": f"{n}()"}]} for i, n in enumerate(names)]
    path = tmp_path / "functions.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}))
    result = subprocess.run([promtool, "check", "rules", "--lint=none", str(path)], capture_output=True, text=True)
    unknown = set(re.findall(r'unknown function with name "(\w+)"', result.stdout + result.stderr))
    assert unknown == set(newer)


def test_the_corpus_never_crashes_the_linter(project):
    if not os.path.isdir(CORPUS):
        pytest.skip(f"{CORPUS} not found: the corpus lives in the shared folder next to the repository")
    findings = external.lint_files(project, [CORPUS])
    files = {f.location.file for f in findings}
    assert len(files) >= 13  # three rule files and ten dashboards, each with something to say
    assert not [f for f in findings if f.rule.startswith("input/")]
