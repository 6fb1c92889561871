"""Time and peak memory of `build.py lint` on hostile input (issue 20, family 5).

    .venv/bin/python bench/hostile_lint.py [--only NAME] [--keep]

Each case is written to a temporary directory and linted by a fresh `build.py lint`
process; its peak RSS comes from the kernel (wait4's rusage of that process and its
children (the forked lint)). The target: every case under 1 GiB and a bounded time,
with one located line or finding rather than a hang, a crash or a traceback. Prints
one row per case: exit status, seconds, peak MiB, and the first error line of stderr.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT_MIB = 1024
TIMEOUT_S = 300


def rule_file(path: str, exprs) -> None:
    with open(path, "w") as fh:
        fh.write("groups:\n- name: g\n  rules:\n")
        for i, expr in enumerate(exprs):
            fh.write(f"  - record: r:x{i}:sum\n    expr: {expr}\n")


def billion_laughs(path: str) -> None:
    """The 342-byte document of the issue: nine levels of nine aliases."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def big_rule_file(path: str, megabytes: int) -> None:
    """About `megabytes` MB of realistic recording and alerting rules in groups of 20."""
    template = (
        "  - record: job_{i}:codeverify_http_requests:rate5m\n"
        "    expr: sum by (namespace, handler, status) (rate(codeverify_http_requests_total{{handler=\"/r{i}\"}}[5m]))\n"
        "  - alert: HighErrorRate{i}\n"
        "    expr: sum(rate(codeverify_http_requests_total{{status=~\"5..\",handler=\"/r{i}\"}}[5m]))"
        " / sum(rate(codeverify_http_requests_total{{handler=\"/r{i}\"}}[5m])) > 0.05\n"
        "    for: 5m\n"
        "    labels: {{severity: warning}}\n"
        "    annotations: {{summary: \"errors on /r{i}\", description: \"{{{{ $value }}}} of requests fail\","
        " runbook_url: \"https://example.com/r{i}\"}}\n"
    )
    target = megabytes * 1_000_000
    written = 0
    with open(path, "w") as fh:
        fh.write("groups:\n")
        i = 0
        while written < target:
            block = f"- name: group-{i // 20}\n  rules:\n" if i % 20 == 0 else ""
            block += template.format(i=i)
            fh.write(block)
            written += len(block)
            i += 1


CASES = {  # name: (how to write it into a file at `path`, extra arguments to lint, held to LIMIT_MIB)
    "fifo": (lambda p: os.mkfifo(p), (), True),
    "dev-zero": (None, (), True),
    "billion-laughs-342B": (billion_laughs, (), True),
    "atan2-chain-5000": (lambda p: rule_file(p, [" atan2 ".join(["up"] * 5000)]), (), True),
    "or-chains-6x2000": (lambda p: rule_file(p, [" or ".join(["up"] * 2000) + f" or vector({i})" for i in range(6)]),
                         (), True),
    "or-chains-50x490": (lambda p: rule_file(p, [" or ".join(["up"] * 490) + f" or vector({i})" for i in range(50)]),
                         (), True),
    "rules-16MB": (lambda p: big_rule_file(p, 16), (), True),
    "rules-50MB": (lambda p: big_rule_file(p, 50), (), True),  # over the default --max-file-size: refused unread
    # What raising the limit costs: about 30 times the file (not held to the target).
    "rules-50MB-max-64MiB": (lambda p: big_rule_file(p, 50), ("--max-file-size", str(64 << 20)), False),
}


def run(name: str, directory: str) -> tuple[int, float, float, str]:
    write, extra, _ = CASES[name]
    path = "/dev/zero" if write is None else os.path.join(directory, f"{name}.yaml")
    if write is not None:
        write(path)
    command = [sys.executable, os.path.join(HERE, "build.py"), "lint", *extra, path]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        stderr += "\n(timed out)"
    seconds = time.perf_counter() - started
    peak_kib = resource_peak_kib()  # this process runs one case: its children's peak is the case's
    last = (stderr.strip().splitlines() or [""])[-1]
    first = next((line for line in stderr.splitlines() if "error" in line), last)
    return proc.returncode, seconds, peak_kib / 1024, first if first != last else last


def resource_peak_kib() -> int:
    """Peak RSS of the largest child reaped so far (Linux: kibibytes)."""
    import resource
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(CASES))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="hostile-lint-")
    worst = 0.0
    try:
        print(f"{'case':26} {'exit':>4} {'seconds':>8} {'peak MiB':>9}  first error")
        for name in args.only or CASES:
            # RUSAGE_CHILDREN's peak is the largest child so far: each case is measured from
            # a process of its own, so that a big case does not hide the next one.
            done = subprocess.run([sys.executable, __file__, "--one", name, directory], capture_output=True, text=True)
            code, seconds, peak, line = done.stdout.strip().split("\t")
            print(f"{name:26} {code:>4} {float(seconds):8.2f} {float(peak):9.0f}  {line[:110]}")
            if CASES[name][2]:
                worst = max(worst, float(peak))
    finally:
        if not args.keep:
            shutil.rmtree(directory)
        else:
            print(f"files kept in {directory}")
    print(f"worst peak of the bounded cases: {worst:.0f} MiB (target: under {LIMIT_MIB})")
    sys.exit(0 if worst < LIMIT_MIB else 1)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        code, seconds, peak, line = run(sys.argv[2], sys.argv[3])
        print(f"{code}\t{seconds}\t{peak}\t{line}")
    else:
        main()
