"""compiler/forked.py: the lint's child process never outlives the build that forked it."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from conftest import ROOT

CHILD = f"""
import sys, time
sys.path.insert(0, {ROOT!r})
from compiler import forked
f = forked.Forked(lambda: time.sleep(60))
print(f._pid, flush=True)
time.sleep(60)
"""


def state(pid: int) -> str | None:
    """The process's state letter (Z: dead, not yet reaped), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def test_a_child_dies_with_its_killed_parent():
    """A build killed by a timeout must not leave its lint running (a lint stuck on some input would spin on)."""
    build = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    child = int(build.stdout.readline())
    build.kill()
    build.wait()
    deadline = time.monotonic() + 10
    while state(child) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert state(child) in (None, "Z")
    finally:
        if state(child) not in (None, "Z"):
            os.kill(child, 9)
