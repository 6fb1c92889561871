"""The output directory: a manifest that cannot reach outside it, a switch that is all or nothing, a lock.

Reproductions of issue 20 (families 1 and 2): a `.generated` line naming a file
outside out/ deleted it; an interrupted switch left out/ half old, half new, with the
old files never pruned again and `--check` passing.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import build
from compiler import outdir, write
from compiler.errors import OutputError


def run(*args):
    result = CliRunner().invoke(build.cli, list(args))
    return result.exit_code, result.output


def tree(directory) -> dict:
    """Every file under `directory` (symbolic links as their target), by relative path."""
    files = {}
    for dirpath, dirnames, names in os.walk(directory):
        for name in names + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, directory)
            files[rel] = ("link", os.readlink(path)) if os.path.islink(path) else open(path, "rb").read()
    return files


@pytest.fixture
def built(fixture_project, tmp_path):
    out = tmp_path / "out"
    code, output = run("--root", str(fixture_project), "--out", str(out))
    assert code == 0, output
    return fixture_project, out


# -- 1. the manifest names files inside out/ only ------------------------------------------

@pytest.mark.parametrize("entry, why", [
    ("../victim.txt", "`..`"),
    ("{victim}", "absolute path"),
    ("grafana", "is a directory"),
    ("grafana/../../victim.txt", "`..`"),
    ("./servicemonitor-codeverify.yaml", "`.`"),
    ("escape/victim.txt", "symbolic link escape"),
    ("link.txt", "is a symbolic link"),
])
def test_a_manifest_entry_outside_out_is_refused_before_anything_is_written(built, tmp_path, entry, why):
    project, out = built
    victim = tmp_path / "victim.txt"
    victim.write_text("not ours")
    os.symlink(tmp_path, out / "escape")
    os.symlink(victim, out / "link.txt")
    manifest = out / ".generated"
    manifest.write_text(manifest.read_text() + entry.format(victim=victim) + "\n")
    # a change the build would write, so that a refusal is seen to come before it
    (out / "servicemonitor-codeverify.yaml").write_text("edited\n")
    before = tree(out)
    code, output = run("--root", str(project), "--out", str(out))
    assert code == 2
    lines = output.strip().splitlines()
    assert len(lines) == 1 and why in lines[0], output
    number = len(manifest.read_text().splitlines())
    assert lines[0].startswith(f"error: {outdir._shown(str(manifest))}:{number}: "), output
    assert victim.read_text() == "not ours"
    assert tree(out) == before
    code, output = run("--root", str(project), "--out", str(out), "--check")
    assert code == 2 and why in output


def test_files_we_did_not_write_are_left_alone(built):
    project, out = built
    (out / "README.md").write_text("mine")
    (out / "grafana" / "notes.txt").write_text("mine")
    manifest = out / ".generated"
    manifest.write_text(manifest.read_text().replace("grafana/", "grafana/gone-"))  # the old set: other names
    code, output = run("--root", str(project), "--out", str(out))
    assert code == 0, output
    assert (out / "README.md").read_text() == "mine" and (out / "grafana" / "notes.txt").read_text() == "mine"


def test_a_file_rendered_through_a_symbolic_link_is_refused(built, tmp_path):
    project, out = built
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for p in (out / "grafana").iterdir():
        p.rename(elsewhere / p.name)
    (out / "grafana").rmdir()
    os.symlink(elsewhere, out / "grafana")
    before = tree(elsewhere)
    code, output = run("--root", str(project), "--out", str(out))
    assert code == 2 and "passes through the symbolic link grafana" in output, output
    assert tree(elsewhere) == before


# -- 2. one switch for the whole set -----------------------------------------------------

def test_an_interrupted_switch_is_finished_by_the_next_build_and_fails_check_until_then(tmp_path, monkeypatch):
    out = str(tmp_path / "out")
    old = {"a.yaml": b"a1\n", "b.yaml": b"b1\n", "old/c.json": b"{}\n"}
    new = {"a.yaml": b"a2\n", "b.yaml": b"b2\n", "new/d.json": b"[]\n"}
    write.write(out, old)
    renames = []
    real_replace = os.replace

    def replace_once(src, dst):
        if renames:
            raise KeyboardInterrupt  # Ctrl-C after the first rename
        renames.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_once)
    with pytest.raises(KeyboardInterrupt):
        write.write(out, new)
    monkeypatch.setattr(os, "replace", real_replace)
    drift = write.check(out, new)
    assert drift and f"unfinished: {outdir.JOURNAL}" in " ".join(drift.lines())
    assert any(line.startswith("unfinished: ") and ".tmp-" in line for line in drift.lines())
    write.write(out, new)  # the next build: finishes the switch, then finds nothing to change
    assert tree(out) == {**new, ".generated": write.with_manifest(new)[".generated"]}
    assert not write.check(out, new)


def test_a_switch_interrupted_before_its_commit_is_undone(tmp_path, monkeypatch):
    out = str(tmp_path / "out")
    old = {"a.yaml": b"a1\n", "old/c.json": b"{}\n"}
    write.write(out, old)
    before = tree(out)
    staging = write.Staging(out)
    staging.add("a.yaml", b"a2\n")
    staging.add("new/deep/d.json", b"[]\n")
    staging._finish()
    staging._close()  # as if killed here: temporaries and the journal stay, the lock goes with the process
    assert write.check(out, old).unfinished
    write.write(out, old)
    assert tree(out) == before


def test_a_full_disk_while_staging_leaves_out_as_it_was(tmp_path, monkeypatch):
    out = str(tmp_path / "out")
    old = {"a.yaml": b"a1\n", "b.yaml": b"b1\n"}
    write.write(out, old)
    before = tree(out)
    staging = write.Staging(out)
    real_fdopen = os.fdopen
    calls = []

    def full(fd, *args):
        calls.append(fd)
        if len(calls) == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")  # as write() raises it: no file name
        return real_fdopen(fd, *args)

    monkeypatch.setattr(os, "fdopen", full)
    staging.add("a.yaml", b"a2\n")
    staging.add("b.yaml", b"b2\n")
    with pytest.raises(OSError, match="No space") as raised:
        staging.commit({"a.yaml": b"a2\n", "b.yaml": b"b2\n"})
    assert raised.value.filename == os.path.join(out, "b.yaml")  # build.py prints it beside the error
    assert tree(out) == before


def test_a_second_build_into_the_same_directory_waits_then_fails_clearly(tmp_path, monkeypatch):
    out = str(tmp_path / "out")
    write.write(out, {"a.yaml": b"a\n"})
    monkeypatch.setattr(outdir, "LOCK_WAIT", 0.3)
    first = write.Staging(out)
    try:
        started = time.monotonic()
        with pytest.raises(OutputError, match="another build has been writing it"):
            write.write(out, {"a.yaml": b"b\n"})
        assert time.monotonic() - started >= 0.3
    finally:
        first.discard()
    assert write.write(out, {"a.yaml": b"b\n"}) == 1  # the manifest is the same


def test_a_hostile_journal_is_refused(tmp_path):
    out = tmp_path / "out"
    write.write(str(out), {"a.yaml": b"a\n"})
    victim = tmp_path / "victim.txt"
    victim.write_text("not ours")
    (out / outdir.JOURNAL).write_text(f'["remove","../victim.txt"]\n["commit"]\n')
    with pytest.raises(OutputError, match=r"\.generated\.journal:1: '../victim.txt' is not a plain"):
        write.write(str(out), {"a.yaml": b"a\n"})
    assert victim.read_text() == "not ours"


def _changed_project(project):
    """The fixture project with its dashboard renamed: a new file to write, an old one to prune."""
    for path in project.rglob("*.py"):
        text = path.read_text()
        if "uid=" in text and "dashboards" in str(path):
            path.write_text(text.replace('uid="', 'uid="renamed-', 1))
            return
    raise AssertionError("no dashboard uid in the fixture project")


# The build in a child whose writes are slowed down (0.1 s a temporary, 0.1 s a rename), so
# that a signal can be sent while it stages and while it switches, found from its journal.
_SLOW_BUILD = """
import os, runpy, sys, time
fdopen, replace = os.fdopen, os.replace
os.fdopen = lambda *a, **k: (time.sleep(0.1), fdopen(*a, **k))[1]
os.replace = lambda *a: (time.sleep(0.1), replace(*a))[1]
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _phase_reached(out, phase: str) -> bool:
    try:
        journal = (out / outdir.JOURNAL).read_text()
    except FileNotFoundError:
        return False
    return '"tmp"' in journal if phase == "staging" else '["commit"]' in journal


@pytest.mark.slow  # a real build killed in each phase by each signal: seconds each
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda s: s.name)
@pytest.mark.parametrize("phase", ["loading", "staging", "switching"])
def test_a_build_stopped_in_any_phase_leaves_a_set_the_next_build_makes_whole(built, phase, sig):
    project, out = built
    _changed_project(project)
    command = [os.path.join(os.path.dirname(build.__file__), "build.py"), "--root", str(project), "--out", str(out)]
    child = subprocess.Popen([sys.executable, "-c", _SLOW_BUILD, *command],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    if phase == "loading":
        time.sleep(0.1)
    else:
        while not _phase_reached(out, phase):
            assert child.poll() is None and time.monotonic() < deadline, f"the build never reached {phase}"
            time.sleep(0.005)
    child.send_signal(sig)
    assert child.wait(timeout=60) != 0
    if phase == "switching":
        check = subprocess.run([sys.executable, *command, "--check"], capture_output=True, text=True)
        assert check.returncode == 1 and "unfinished: " in check.stderr, check.stderr
    done = subprocess.run([sys.executable, *command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    check = subprocess.run([sys.executable, *command, "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    names = set(tree(out))
    assert not [n for n in names if ".tmp-" in n or n == outdir.JOURNAL]
    assert [n for n in names if n.startswith("grafana/")] == ["grafana/renamed-shop-overview.json"]
