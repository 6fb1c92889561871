"""`build.py lint PATH` on hostile input: bounded time and memory, one located line or finding.

Issue 20 (families 5 and 8): a FIFO hung the lint forever, /dev/zero read until
MemoryError, a 342-byte alias bomb took 136 s and 2.9 GB, 5,000 terms of `atan2`
crashed the process, flow-style YAML was refused as bad JSON, an unreadable
directory was skipped silently and a symbolic link loop was "no such file". Peak
memory on these and on large files is measured by bench/hostile_lint.py, not here.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from compiler import promql
from compiler.lint import external, yamldoc
from conftest import ROOT

pytestmark = pytest.mark.slow  # `build.py lint` in a subprocess on hostile files, case by case

BUILD = os.path.join(ROOT, "build.py")


def lint(*args, timeout=60):
    done = subprocess.run([sys.executable, BUILD, "lint", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def rule_file(path, *exprs):
    path.write_text("groups:\n- name: g\n  rules:\n" + "".join(
        f"  - record: r:x{i}:sum\n    expr: {expr}\n" for i, expr in enumerate(exprs)))
    return path


def test_a_fifo_is_refused_not_read(tmp_path):
    os.mkfifo(tmp_path / "rules.yaml")
    code, _, err = lint(tmp_path / "rules.yaml", timeout=20)
    assert code == 2 and err.strip() == f"error: {tmp_path / 'rules.yaml'}: not a regular file or a directory"


def test_a_fifo_in_a_directory_is_a_finding_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "rules.yaml")
    rule_file(tmp_path / "good.yaml", "up")
    code, out, _ = lint(tmp_path, timeout=20)
    assert code == 1 and "rules.yaml: error [input/read] not a regular file: skipped" in out, out


def test_a_device_is_refused():
    code, _, err = lint("/dev/zero", timeout=20)
    assert code == 2 and "/dev/zero: not a regular file or a directory" in err


def test_a_symbolic_link_loop_says_so(tmp_path):
    os.symlink(tmp_path / "b.yaml", tmp_path / "a.yaml")
    os.symlink(tmp_path / "a.yaml", tmp_path / "b.yaml")
    code, _, err = lint(tmp_path / "a.yaml")
    assert code == 2 and "too many levels of symbolic links" in err, err


def test_an_unreadable_directory_is_an_error_not_skipped(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    from compiler.errors import UsageError
    with pytest.raises(UsageError, match="locked: cannot list the directory: Permission denied"):
        external.files([str(tmp_path)])


def test_a_file_over_the_size_limit_is_skipped_unread(tmp_path):
    path = rule_file(tmp_path / "big.yaml", *["up"] * 100)
    code, out, _ = lint("--max-file-size", 1000, path)
    size = path.stat().st_size
    assert code == 1 and f"big.yaml: error [input/read] {size} bytes, more than the 1000" in out, out


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]" for p, n in zip("abcdefgh", "bcdefghi")]) + "\n"


def test_an_alias_bomb_is_refused_as_promtool_refuses_it(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) == 342
    code, out, _ = lint(path, timeout=30)
    assert code == 1 and "error [input/parse] invalid YAML: excessive aliasing" in out, out


@pytest.mark.parametrize("text, problem", [
    ("a: &a [1, *a]\n", "inside the value it names"),
    ("a: *b\n", "undefined alias"),
    ("x:\n" + "".join("  " * i + "-\n" for i in range(1, 1100)), "nest"),
])
def test_odd_yaml_is_refused_with_its_line(text, problem):
    with pytest.raises(yamldoc.Error, match=problem):
        yamldoc.load_all(text)


def test_aliases_within_bounds_are_read_as_yaml_reads_them():
    text = "base: &b {severity: warning, team: x}\nrules:\n" + "".join(f"- labels: *b\n  n: {i}\n" for i in range(50))
    import yaml
    assert yamldoc.load_all(text) == [yaml.safe_load(text)]


@pytest.mark.parametrize("op", ["atan2", "or", "+", "and", "unless", "^", "=="])
def test_a_chain_of_any_binary_operator_beyond_the_bound_is_a_finding_not_a_crash(tmp_path, op):
    path = rule_file(tmp_path / "chain.yaml", f" {op} ".join(["up"] * 5000))
    code, out, err = lint(path, timeout=60)
    assert code == 1 and "[promql/syntax] does not parse: too large to check safely" in out, (out, err)


def test_chains_within_the_bound_are_linted(tmp_path):
    path = rule_file(tmp_path / "chain.yaml", *[" or ".join(["up"] * 200) + f" or vector({i})" for i in range(3)])
    code, out, err = lint(path)
    assert code == 0, (out, err)


def test_large_trees_are_not_kept_by_the_parse_cache():
    """A tree costs memory quadratic in its operators: only small ones are cached."""
    small, large = "up + up", " or ".join(["up"] * 100)
    assert promql.parse(small) is promql.parse(small)
    assert promql.parse(large) is not promql.parse(large)


def test_flow_style_yaml_is_read_as_yaml(tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text('{groups: [{name: g, rules: [{record: "a:b:sum", expr: codeverify_nosuch_total}]}]}\n')
    code, out, _ = lint(path)
    assert code == 1 and "[promql/unknown-metric]" in out and "invalid JSON" not in out, out


def test_a_json_file_that_is_not_json_is_still_a_json_error(tmp_path):
    path = tmp_path / "dash.json"
    path.write_text("{panels: []}\n")
    code, out, _ = lint(path)
    assert code == 1 and "error [input/parse] invalid JSON" in out, out


def test_a_dashboard_without_grid_positions_is_a_warning_not_none_columns(tmp_path):
    path = tmp_path / "dash.json"
    path.write_text('{"title": "x", "uid": "x", "panels": [{"type": "stat", "title": "p", "targets": [{"expr": "up"}]}]}')
    code, out, _ = lint(path)
    assert "is None columns wide" not in out
    assert "warning [dashboard/layout] panel 'p' has no gridPos" in out, out


def test_no_pass_before_the_lint_keeps_every_tree_alive(tmp_path, monkeypatch):
    """Trees are parsed when linted and freed after; a pass over every query before the
    lint (the note on unchecked metric names) must let each go (fifty 490-term chains: 1.9 GB)."""
    from compiler.lint import external as ext
    from compiler.load import load

    path = rule_file(tmp_path / "chains.yaml", *[" or ".join(["other_metric"] * 100) + f" or vector({i})"
                                                 for i in range(5)])
    seen = []
    real = ext._unchecked_note

    def spy(subjects, ctx):
        found = real(subjects, ctx)
        seen.extend(s.obj._ast is None for s in subjects if s.scope == "query")  # right after the pass
        return found

    monkeypatch.setattr(ext, "_unchecked_note", spy)
    findings = ext.lint_files(load(ROOT), [str(path)])
    assert seen == [True] * 5
    assert [f for f in findings if f.rule == "promql/unknown-metric"]  # the note still names them
