"""Child processes and a temporary directory that never outlive this process, whatever stops it.

`verify` and `preview` run promtool and a Prometheus over hundreds of MB in a
temporary directory. Stopped by Ctrl-C the `finally` blocks clean up; stopped by
SIGTERM (a CI timeout) or SIGHUP (a closed terminal), Python runs no `finally`
unless a handler turns the signal into an exception (build.py installs one:
`exit_on_signals`); stopped by SIGKILL nothing of ours runs at all. So:

- each child starts in its own process group (its own session: a Ctrl-C at the
  terminal reaches us, and we stop it in order), and is stopped as a group;
- a watchdog, a small process in a session of its own, holds a pipe from us and is
  told each group we start and reap. When the pipe closes without a `close` line
  (we died, however), it kills the groups left and removes the temporary directory.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile

# Seconds a child gets between SIGTERM and SIGKILL (Prometheus closes its TSDB in well under it).
GRACE_SECONDS = 10

# Run as `python -I -S -c`: no site, no project import, a few ms to start. It ignores the
# signals that stop us, so that it outlives us long enough to clean up.
_WATCHDOG = r"""
import os, shutil, signal, sys, time
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
directory, groups, closed = sys.argv[1], set(), False
for line in sys.stdin:
    kind, _, value = line.strip().partition(" ")
    if kind == "start":
        groups.add(int(value))
    elif kind == "reaped":
        groups.discard(int(value))
    elif kind == "close":
        closed = True
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass
if not closed:
    deadline = time.monotonic() + 5  # until the killed children are gone (or are zombies nobody reaps)
    while groups and time.monotonic() < deadline:
        time.sleep(0.05)
        for group in list(groups):
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                groups.discard(group)
    shutil.rmtree(directory, ignore_errors=True)
"""


class Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so that every `finally` runs; exit 128 + the signal.

    A KeyboardInterrupt, so that code which lets Ctrl-C through (a definition module's
    import) lets these through too.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def exit_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into Signalled (the CLI exits 128 + signal after cleaning up)."""
    def raise_signalled(signum, frame):
        raise Signalled(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_signalled)


class Supervisor:
    """A temporary directory and the children started in it, with a watchdog for both.

    Use as a context manager (`supervised()`); `popen()` and `run()` start children.
    """

    def __init__(self, prefix: str):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self._children: list[subprocess.Popen] = []
        try:
            self._watchdog = subprocess.Popen([sys.executable, "-I", "-S", "-c", _WATCHDOG, self.dir],
                                              stdin=subprocess.PIPE, start_new_session=True, text=True)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def _tell(self, line: str) -> None:
        self._watchdog.stdin.write(line + "\n")
        self._watchdog.stdin.flush()

    def popen(self, args: list[str], **kwargs) -> subprocess.Popen:
        """subprocess.Popen in a process group of its own, killed by the kernel if this thread dies.

        PR_SET_PDEATHSIG covers the moment between its start and the watchdog hearing
        of it (and a child that outlives the group kill); call from the thread that
        outlives the child (the main thread).
        """
        die_with_us = _death_signal(os.getpid())
        proc = subprocess.Popen(args, start_new_session=True, preexec_fn=die_with_us, **kwargs)
        self._children.append(proc)
        self._tell(f"start {proc.pid}")  # in a session of its own: its pid is its group
        return proc

    def run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        """subprocess.run, supervised: the child is stopped if we are interrupted while it runs."""
        proc = self.popen(args, **kwargs)
        try:
            out, err = proc.communicate()
        finally:
            self.stop(proc)
        return subprocess.CompletedProcess(args, proc.returncode, out, err)

    def stop(self, proc: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
        """SIGTERM to the child's group, SIGKILL after `grace` seconds; reaped, and the watchdog told."""
        if proc.returncode is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        _signal_group(proc.pid, signal.SIGKILL)  # what it started, if anything is left in its group
        if proc in self._children:
            self._children.remove(proc)
            self._tell(f"reaped {proc.pid}")

    def close(self) -> None:
        try:
            for proc in list(self._children):
                self.stop(proc)
            shutil.rmtree(self.dir, ignore_errors=True)
            self._tell("close")
        finally:
            self._watchdog.stdin.close()
            self._watchdog.wait()


def _death_signal(parent: int):
    """A preexec_fn: SIGKILL this child when its parent dies (Linux), or at once if it already has.

    prctl is looked up here, in the parent: between fork and exec only that call is made.
    """
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):  # not Linux: the watchdog alone
        return None
    PR_SET_PDEATHSIG = 1

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)
    return preexec


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):  # gone (PermissionError: a zombie on some systems)
        pass


@contextlib.contextmanager
def supervised(prefix: str):
    """A Supervisor whose children are stopped and directory removed on leaving, by us or by the watchdog."""
    supervisor = Supervisor(prefix)
    try:
        yield supervisor
    finally:
        supervisor.close()
