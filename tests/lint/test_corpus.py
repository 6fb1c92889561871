"""Truth against Prometheus: the real-world corpus in shared/corpus (see its SOURCES.md).

Every corpus expression that `promtool check rules` (Prometheus 2.42, the target)
accepts must get no promql/syntax from us, and the other way round; nothing in the
corpus may crash the linter. The agreement figure is printed (pytest -s shows it).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from compiler import lint, promql
from compiler.lint import external
from compiler.lint.rules import promql_syntax
from compiler.queries import Query
from conftest import ROOT, SHARED
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


# --- the whole corpus through `build.py lint`, as a user runs it ----------------------------

COUNTS = os.path.join(os.path.dirname(__file__), "snapshots", "corpus-counts.txt")
_FINDING = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?:(?P<path>.*?): )?(?P<severity>error|warning|note) \[(?P<rule>[^\]]+)\] ")


@pytest.fixture(scope="module")
def corpus_run():
    if not os.path.isdir(CORPUS):
        pytest.skip(f"{CORPUS} not found: the corpus lives in the shared folder next to the repository")
    result = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "lint", CORPUS],
                            capture_output=True, text=True, cwd=ROOT)
    return result


def _counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in text.splitlines():
        m = _FINDING.match(line)
        assert m, f"not a finding: {line}"
        key = f"{m['severity']} {m['rule']}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_corpus_never_crashes_the_linter(corpus_run):
    assert corpus_run.returncode in (0, 1), corpus_run.stderr
    assert "Traceback" not in corpus_run.stdout + corpus_run.stderr
    assert "internal error" not in corpus_run.stderr
    assert "input/" not in corpus_run.stdout


def test_per_rule_counts_on_the_corpus_match_the_snapshot(corpus_run, update_goldens):
    """A change in what the linter finds on real-world files is a reviewed change of this snapshot."""
    counts = _counts(corpus_run.stdout)
    text = "".join(f"{n:6d} {key}\n" for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    if update_goldens:
        with open(COUNTS, "w") as fh:
            fh.write(text)
    with open(COUNTS) as fh:
        assert text == fh.read(), "run pytest --update-goldens and review the diff"


def test_syntax_through_build_py_lint_agrees_with_promtool(promtool, corpus_run, tmp_path):
    """promql/syntax on exactly the corpus rules promtool refuses: rules read as `build.py lint` reads them."""
    from compiler.lint import yamldoc

    rules = []  # (file, line, expr)
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith(".yaml"):
            path = os.path.join(CORPUS, name)
            with open(path) as fh:
                (doc,) = yamldoc.load_all(fh.read())
            rules += [(path, r.line, r["expr"]) for g in doc["groups"] for r in g["rules"]]
    rejected = {rules[i][:2] for i in promtool_rejects(promtool, [str(r[2]) for r in rules], tmp_path)}
    ours = set()
    for line in corpus_run.stdout.splitlines():
        m = _FINDING.match(line)
        if m["rule"] == "promql/syntax":
            ours.add((m["file"], int(m["line"])))
    assert rejected, "promtool refuses the VictoriaMetrics rules of the corpus"
    assert ours == rejected
