"""No child process and no temporary directory outlives `verify`, whatever signal stops it.

Issue 20 (family 4): `verify` orphaned its Prometheus (and 122 MB of data in /tmp) on
SIGTERM, SIGHUP or SIGKILL. Here `build.py verify` runs on a copy of this repository
with TMPDIR in the test's own directory and
promtool/prometheus behind shims that wait half a second before they start, so that
each phase (scenarios under promtool, the backfill, the running Prometheus) can be
caught. Each signal is sent in each phase; afterwards no process names the test's
directory and no temporary directory is left.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from compiler import children
from conftest import ROOT

pytestmark = pytest.mark.e2e

# How long the processes may take to go once the command has exited: a limit, not a measurement.
PATIENCE_SECONDS = 15


def processes_naming(text: str) -> dict[int, str]:
    """pid -> command line of every process whose command line holds `text`."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                line = fh.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in line and state != "Z":  # a zombie holds nothing and waits for its reaper
            found[int(pid)] = line
    return found


def wait_until_gone(text: str, temp: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        left = processes_naming(text)
        dirs = [d for d in os.listdir(temp) if d.startswith("codeverify-")]
        if not left and not dirs:
            return
        time.sleep(0.1)
    raise AssertionError(f"survivors: {left}; temporary directories left: {dirs}")


def test_a_supervised_child_and_its_directory_go_when_the_parent_is_killed(tmp_path):
    script = f"""
import sys, time
sys.path.insert(0, {ROOT!r})
from compiler import children
sup = children.Supervisor("codeverify-unit-")
sup.popen(["sleep", "300", sup.dir])
print(sup.dir, flush=True)
time.sleep(300)
"""
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "TMPDIR": str(tmp_path)})
    directory = parent.stdout.readline().strip()
    assert os.path.isdir(directory) and processes_naming(directory)
    parent.kill()
    parent.wait()
    wait_until_gone(directory, str(tmp_path))


def test_a_child_stopped_normally_is_reaped_and_forgotten(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with children.supervised("codeverify-unit-") as sup:
        done = sup.run(["sh", "-c", "echo out; echo err >&2; exit 3"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
        assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
        slow = sup.popen(["sleep", "300", sup.dir])
        directory = sup.dir
    assert slow.returncode is not None and not os.path.exists(directory)
    wait_until_gone(directory, str(tmp_path))


@pytest.fixture(scope="module")
def slow_tools(tmp_path_factory):
    """A bin/ directory whose promtool and prometheus wait 0.5 s, then run the real ones."""
    directory = tmp_path_factory.mktemp("bin")
    for name in ("promtool", "prometheus"):
        real = shutil.which(name)
        if real is None:
            from conftest import need_tool
            need_tool(name, "prometheus")
        shim = directory / name
        shim.write_text(f'#!/bin/sh\nsleep 0.5\nexec {real} "$@"\n')
        shim.chmod(0o755)
    return directory


@pytest.fixture(scope="module")
def small_project(tmp_path_factory):
    """A copy of this repository to verify (the SLOs kept: alerts/vanish relies on their alerts)."""
    root = tmp_path_factory.mktemp("project")
    for name in ("catalog.py", "config.py", "dashboards", "alerts", "slo", "runbooks", "build.py", "compiler"):
        src = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, root / name,
                                                                  **({"ignore": shutil.ignore_patterns("__pycache__")}
                                                                     if os.path.isdir(src) else {}))
    if os.path.isdir(os.path.join(ROOT, "node_modules")):  # the LogQL parser (make build's npm ci)
        os.symlink(os.path.join(ROOT, "node_modules"), root / "node_modules")
    return root


PHASES = {  # phase: what the command line of a child holds while it runs
    "scenarios": "test rules",
    "backfill": "create-blocks-from",
    "prometheus": "--storage.tsdb.path",
}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL, signal.SIGINT],
                         ids=lambda s: s.name)
@pytest.mark.parametrize("phase", sorted(PHASES))
def test_verify_stopped_in_any_phase_leaves_no_process_and_no_directory(small_project, slow_tools, tmp_path,
                                                                        phase, sig):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PATH": f"{slow_tools}{os.pathsep}{os.environ['PATH']}"}
    command = [sys.executable, str(small_project / "build.py"), "verify", "--hours", "0.5"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not any(PHASES[phase] in line for line in processes_naming(str(temp)).values()):
            assert proc.poll() is None, f"verify ended before {phase}: {proc.stderr.read()}"
            assert time.monotonic() < deadline, f"verify did not reach {phase}"
            time.sleep(0.01)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + sig, stderr
        assert stderr.strip().splitlines()[-1] == f"interrupted by {sig.name}", stderr
        assert "Traceback" not in stderr
    wait_until_gone(str(temp), str(temp))


def test_preview_whose_temporary_directory_vanishes_is_one_line(fixture_project, tmp_path, monkeypatch):
    """Issue 20 (family 7): a traceback when the directory went (a /tmp cleaner, a full disk)."""
    from click.testing import CliRunner

    import build
    from compiler.proving import simulate, verify

    try:
        verify.tools()
    except verify.ToolMissing as exc:
        pytest.skip(str(exc))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    real = simulate.write

    def vanishing(path, *args, **kwargs):
        shutil.rmtree(os.path.dirname(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(simulate, "write", vanishing)
    result = CliRunner().invoke(build.cli, ["--root", str(fixture_project), "preview", "--out", str(tmp_path / "png")])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: No such file or directory: ") and len(result.output.splitlines()) == 1
    wait_until_gone(str(tmp_path), str(tmp_path))
