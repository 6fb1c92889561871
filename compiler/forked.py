"""Run a function in a forked child while this process goes on: two cores for one build.

The build's lint and its rendering read the same loaded project and neither needs
the other's result until the end, so the lint runs in a child forked after loading
(it sees the project as it is, copy-on-write) and sends back its findings, pickled,
through a pipe. Where fork is missing or one core is all there is, the function
simply runs here, first.
"""
from __future__ import annotations

import os
import pickle
import signal
import sys


def available() -> bool:
    return hasattr(os, "fork") and sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies (a build killed by a timeout or
    SIGKILL): else a lint stuck on some input would go on running, orphaned."""
    import ctypes  # here: only a child pays its import

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)


class ChildFailed(RuntimeError):
    """The child ended without a result (killed, out of memory)."""


class Forked:
    """`Forked(fn)` starts `fn()` in a child; `.result()` returns its value or raises its exception.

    Call `.result()` or `.cancel()` exactly once, so that the child is always reaped.
    """

    def __init__(self, fn):
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave; never return into the caller's code
            code = 1
            try:
                _die_with(parent)
                os.close(read)
                try:
                    payload = pickle.dumps((True, fn()))
                except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
                    try:
                        payload = pickle.dumps((False, exc))
                    except Exception:
                        payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(payload)
                code = 0
            finally:
                os._exit(code)  # without the parent's exit handlers, buffers or pytest
        os.close(write)
        self._pid, self._read, self._reaped = pid, read, False

    def result(self):
        with os.fdopen(self._read, "rb") as pipe:
            payload = pipe.read()  # until the child closes its end
        _, status = os.waitpid(self._pid, 0)
        self._reaped = True
        if not payload:
            killed_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            how = f"was killed by signal {killed_by}" if killed_by else f"exited {os.waitstatus_to_exitcode(status)}"
            raise ChildFailed(f"the lint process {how} without a result: run with --debug to lint in this process")
        ok, value = pickle.loads(payload)
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        """Stop the child and reap it, unless `.result()` did (the build is failing or interrupted)."""
        if self._reaped:
            return
        try:
            os.kill(self._pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        self._reaped = True
        try:
            os.close(self._read)
        except OSError:  # closed by an interrupted result()
            pass
