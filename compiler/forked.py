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
import sys


def available() -> bool:
    return hasattr(os, "fork") and sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1


class Forked:
    """`Forked(fn)` starts `fn()` in a child; `.result()` returns its value or raises its exception."""

    def __init__(self, fn):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
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
            os._exit(0)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self):
        with os.fdopen(self._read, "rb") as pipe:
            payload = pipe.read()  # until the child closes its end
        _, status = os.waitpid(self._pid, 0)
        if not payload:
            raise RuntimeError(f"the lint process ended without a result (status {status})")
        ok, value = pickle.loads(payload)
        if ok:
            return value
        raise value
