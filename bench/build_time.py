#!/usr/bin/env python3
"""Median cold wall time of `python build.py --check` and of the import floor.

Each run is a fresh interpreter (cold: nothing cached in-process). Usage:
    .venv/bin/python bench/build_time.py [--runs 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    commands = {
        "python build.py --check": [sys.executable, "build.py", "--check"],
        "floor: python -c 'import grafanalib.core'": [sys.executable, "-c", "import grafanalib.core"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    wall(commands["python build.py --check"])  # warm the OS file cache once
    for _ in range(args.runs):
        for name, cmd in commands.items():  # alternate, so drift hits both alike
            times[name].append(wall(cmd))
    print(f"| command | median (s) | min (s) | runs |\n|---|---|---|---|")
    for name, samples in times.items():
        print(f"| {name} | {statistics.median(samples):.3f} | {min(samples):.3f} | {len(samples)} |")


if __name__ == "__main__":
    main()
