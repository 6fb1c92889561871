#!/usr/bin/env python3
"""The benchmark suite: our build and lint against their floor and against promtool.

    .venv/bin/python bench/run.py [--quick] [--repeat N]

Prints the machine and a Markdown table (stdout; progress goes to stderr):

- this repository's build against the interpreter's floor, `import grafanalib.core`;
- a generated repository of kubernetes-mixin's size (23 dashboards, 136 rules): our
  build against `promtool check rules` on the rule files it emits, and against the
  jsonnet route's time quoted by issue 8;
- 100 dashboards/1,000 rules and 1,000/10,000: wall time, peak RSS and cost per object
  of our build, against promtool on the same emitted rules;
- `build.py lint` against `promtool check rules` on the same files: one file of one rule,
  the corpus's rule file split into one file per group linted one process per file (a
  pre-commit hook; also all of them in one call, as pre-commit batches them), and one
  10,000-rule file. `--lint` runs only these lint rows.

Every run is a fresh process, so nothing is cached in-process; one untimed run of each
command first warms the OS file cache and the .pyc files (and writes the lint's .lint_cache/, as a
pre-commit hook's first run does). The commands of a row run in
turn, A B A B ..., so that drift in the machine's load hits both alike. Generated
repositories go to a temporary directory removed at the end.
"""
from __future__ import annotations

import argparse
import glob
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import yaml

import gen_repo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
JSONNET_SECONDS = 2.7  # kubernetes-mixin through jsonnet, as quoted by issue 8 (not measured here)
MIXIN = (23, 136)  # kubernetes-mixin's dashboards and rules
SCALES = ((100, 1_000), (1_000, 10_000))


# Python as a user runs it: with its bytecode cache (PYTHONDONTWRITEBYTECODE, set on
# some CI machines, would recompile every module of every run).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Command:
    argv: list[str]
    cwd: str = ROOT
    fresh: str | None = None  # removed before each run: a build's --out, so every run writes every file


@dataclass
class Timing:
    seconds: list[float]
    rss_kib: list[int]
    sys_seconds: list[float]  # kernel CPU time, the command's and its children's
    cpu_seconds: list[float] = None  # user + kernel CPU time: less sensitive than wall time to a busy machine

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.rss_kib) / 1024

    @property
    def median_sys(self) -> float:
        return statistics.median(self.sys_seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu_seconds)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(cmd: Command) -> tuple[float, int, float, float]:
    """Wall seconds, peak RSS (KiB) and system CPU seconds of one run; exits if the command fails."""
    if cmd.fresh:
        shutil.rmtree(cmd.fresh, ignore_errors=True)
        os.sync()  # the deletion's disk work is the previous run's, not this one's
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a full pipe would block the child
        started = time.perf_counter()
        proc = subprocess.Popen(cmd.argv, cwd=cmd.cwd, stdout=subprocess.DEVNULL, stderr=err, env=CHILD_ENV)
        # wait4 gives this child's rusage with that of the children it waited for (the build's
        # forked lint): CPU times add up, ru_maxrss is the largest of them (RUSAGE_CHILDREN
        # would be the max over every command run so far).
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(cmd.argv)} exited {proc.returncode}:\n{err.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss, usage.ru_stime, usage.ru_utime + usage.ru_stime


def alternate(label: str, commands: list[Command | None], repeat: int) -> list[Timing | None]:
    """Time each command `repeat` times, in turn; None (promtool missing) stays None."""
    present = [c for c in commands if c]
    timings = {id(c): Timing([], [], [], []) for c in present}
    log(f"{label}: warm-up")
    for cmd in present:
        run(cmd)
    for i in range(repeat):
        log(f"{label}: run {i + 1}/{repeat}")
        for cmd in present:
            seconds, rss, sys_seconds, cpu_seconds = run(cmd)
            timings[id(cmd)].cpu_seconds.append(cpu_seconds)
            timings[id(cmd)].seconds.append(seconds)
            timings[id(cmd)].rss_kib.append(rss)
            timings[id(cmd)].sys_seconds.append(sys_seconds)
    return [timings[id(c)] if c else None for c in commands]


def generate(tmp: str, dashboards: int, rules: int) -> str:
    """A generated repository, built once into <repo>/out (with --strict: it must lint clean)."""
    repo = os.path.join(tmp, f"repo-{dashboards}-{rules}")
    log(f"generating {dashboards} dashboards, {rules} rules")
    gen_repo.generate(repo, dashboards, rules)
    built = subprocess.run([PYTHON, "build.py", "--root", repo, "--out", os.path.join(repo, "out"), "--strict"],
                           cwd=ROOT, capture_output=True, text=True)
    if built.returncode != 0:
        sys.exit(f"the generated repository does not build clean:\n{built.stderr[-2000:]}")
    return repo


def build(repo: str, out: str | None = None) -> Command:
    out = out or os.path.join(repo, "out-bench")
    return Command([PYTHON, "build.py", "--root", repo, "--out", out], fresh=out)


# The disk's share of a first build: the build's files created empty, where the build
# creates them (in the --out just emptied), by a process that does nothing else.
CREATE_FILES = """
import os, sys
out, listing = sys.argv[1], sys.argv[2]
for rel in open(listing).read().split():
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
"""


def create_files(repo: str, tmp: str) -> tuple[Command, int]:
    """A command creating, empty, every file of the repository's build in the build's --out."""
    built = os.path.join(repo, "out")
    rels = sorted(os.path.relpath(os.path.join(d, n), built) for d, _, names in os.walk(built) for n in names)
    listing = os.path.join(tmp, "files.txt")
    with open(listing, "w") as fh:
        fh.write("\n".join(rels))
    out = os.path.join(repo, "out-bench")
    return Command([PYTHON, "-c", CREATE_FILES, out, listing], fresh=out), len(rels)


# A RAM-backed directory, for the same build without the disk: promtool writes nothing,
# and this virtual disk takes 1-2 s to create 100 MB of files, varying from run to run.
TMPFS = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def check_rules(promtool: str | None, files: list[str]) -> Command | None:
    return Command([promtool, "check", "rules", *files]) if promtool else None


def rule_files(repo: str) -> list[str]:
    return sorted(glob.glob(os.path.join(repo, "out", "prometheus", "*.rules.yaml")))


def one_rule_file(repo: str, path: str) -> int:
    """Concatenate the repository's emitted rule groups into one rule file; the number of rules."""
    groups = []
    for name in rule_files(repo):
        with open(name, encoding="utf-8") as fh:
            groups += yaml.load(fh, Loader=yaml.CSafeLoader)["groups"]
    with open(path, "w", encoding="utf-8") as fh:
        yaml.dump({"groups": groups}, fh, Dumper=yaml.CSafeDumper, sort_keys=False, width=1 << 20)
    return sum(len(g["rules"]) for g in groups)


class Table:
    def __init__(self):
        self.rows: list[str] = []

    def add(self, what: str, ours: str, ref: str | None, ratio: float | None, target: str, met: bool | str | None):
        verdict = {None: "—", True: "yes", False: "**no**"}.get(met, met)
        cells = [what, ours, ref or "—", "—" if ratio is None else f"{ratio:.2f}x", target, verdict]
        self.rows.append("| " + " | ".join(cells) + " |")

    def time_row(self, what: str, ours: Timing, ref: Timing | None, limit: float | None):
        """Ours against a reference command, met when the ratio is at most `limit`."""
        ratio = ours.median / ref.median if ref else None
        target = f"≤ {limit:g}x" if limit else "—"
        met = None if limit is None else ("skipped: no promtool" if ratio is None else ratio <= limit)
        self.add(what, secs(ours.median), secs(ref.median) if ref else None, ratio, target, met)

    def markdown(self) -> str:
        head = "| what | ours (median) | reference (median) | ratio | target | met |\n|---|---|---|---|---|---|\n"
        return head + "\n".join(self.rows)


def secs(seconds: float) -> str:
    return f"{seconds:.3f} s"


def machine(promtool: str | None) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    prom = subprocess.run([promtool, "--version"], capture_output=True, text=True).stdout.splitlines()[0] \
        if promtool else "not installed"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "build.py", "compiler"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return "\n".join([
        f"- CPU: {cpu}, {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable)",
        f"- RAM: {mem_kib / 1024 ** 2:.1f} GiB",
        f"- Python: {platform.python_version()} ({PYTHON})",
        f"- promtool: {prom}",
        f"- code: {head}" + (" with uncommitted changes to build.py/compiler/" if dirty else ""),
    ])


CORPUS_RULES = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "promql-rules.yaml")
ONE_RULE = """groups:
- name: general.rules
  rules:
  - alert: TargetDown
    expr: 100 * (count(up == 0) BY (cluster, job, namespace, service) / count(up) BY (cluster, job, namespace, service)) > 10
    for: 10m
    labels:
      severity: warning
    annotations:
      description: '{{ printf "%.4g" $value }}% of the {{ $labels.job }}/{{ $labels.service }} targets are down.'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/general/targetdown
      summary: One or more targets are unreachable.
"""
LINT_NOTES = """
Runs: {small} of the one-rule and many-files rows, {large} of the 10,000-rule row, after one untimed
warm-up run; each run is a fresh process (the many-files row: one process per file, in sequence);
the commands of a row alternate. Medians of wall time. Total time of this benchmark: {total:.0f} s.

³ The {n:,} rules emitted for the generated {dashboards:,}-dashboard repository, concatenated into one
file; lint's --root is a project holding only their catalog."""


def lint_rows(table: "Table", tmp: str, repo: str, promtool: str | None, small: int, large: int) -> int:
    """The lint rows: one rule, many small files (one process each, one call), one large file; its rule count."""
    one = os.path.join(tmp, "one-rule.yaml")
    with open(one, "w", encoding="utf-8") as fh:
        fh.write(ONE_RULE)
    ours, prom = alternate("lint one rule", [Command([PYTHON, "build.py", "lint", one]), check_rules(promtool, [one])],
                           small * 4)
    table.time_row("`build.py lint` vs `promtool check rules`, a file of one rule", ours, prom, 2.0)
    cpu_row(table, "a file of one rule", ours, prom)

    if os.path.isfile(CORPUS_RULES):
        split = os.path.join(tmp, "split")
        n_files = split_groups(CORPUS_RULES, split)
        files = " ".join(f"'{os.path.join(split, f)}'" for f in sorted(os.listdir(split)))
        loop = "for f in {files}; do {cmd} \"$f\" >/dev/null 2>&1; done; true"
        ours_cmd = Command(["sh", "-c", loop.format(files=files, cmd=f"'{PYTHON}' build.py lint")])
        prom_cmd = Command(["sh", "-c", loop.format(files=files, cmd=f"'{promtool}' check rules")]) if promtool else None
        ours, prom = alternate(f"lint {n_files} files", [ours_cmd, prom_cmd], small)
        table.time_row(f"`build.py lint` vs `promtool check rules`, {n_files} files one process each "
                       "(the corpus's rule file split by group)", ours, prom, 2.0)
        cpu_row(table, f"{n_files} files one process each", ours, prom)
        # What pre-commit does by default: every changed file in one call (start-up paid once).
        paths = [os.path.join(split, f) for f in sorted(os.listdir(split))]
        # (exit 1 is expected: the corpus has true findings; the time is what counts here)
        ours_all = Command(["sh", "-c", '"$0" "$@" >/dev/null; exit 0', PYTHON, "build.py", "lint", *paths])
        ours, prom = alternate(f"lint {n_files} files in one call", [ours_all, check_rules(promtool, paths)], small)
        table.time_row(f"`build.py lint` vs `promtool check rules`, the same {n_files} files in one call "
                       "(pre-commit's batching)", ours, prom, None)
        cpu_row(table, f"{n_files} files in one call", ours, prom)
    else:
        log(f"{CORPUS_RULES} not found: the many-files row is skipped")

    # One rule file of the 10,000 rules emitted by the large generated repository; the lint's --root
    # is a project with their catalog and nothing else, so that loading dashboards is not counted.
    rules_file = os.path.join(tmp, "rules.yaml")
    n = one_rule_file(repo, rules_file)
    catalog_root = os.path.join(tmp, "catalog-only")
    gen_repo.generate(catalog_root, 0, 0, services=SCALES[-1][0])
    ours, prom = alternate(f"lint {n} rules", [Command([PYTHON, "build.py", "--root", catalog_root, "lint", rules_file]),
                                               check_rules(promtool, [rules_file])], large)
    table.time_row(f"`build.py lint` vs `promtool check rules`, one file of {n:,} rules³", ours, prom, 1.0)
    cpu_row(table, f"one file of {n:,} rules", ours, prom)
    return n


def cpu_row(table: "Table", what: str, ours: Timing, prom: Timing | None) -> None:
    """The same comparison in CPU time (user + system, wait4): what start-up costs on a busy machine."""
    ratio = ours.median_cpu / prom.median_cpu if prom else None
    table.add(f"{what}: CPU time, ours vs promtool's", secs(ours.median_cpu),
              secs(prom.median_cpu) if prom else None, ratio, "—", None)


def split_groups(path: str, out: str) -> int:
    """One rule file per group of `path`, in directory `out`; the number of files."""
    with open(path, encoding="utf-8") as fh:
        groups = yaml.load(fh, Loader=yaml.CSafeLoader)["groups"]
    os.makedirs(out, exist_ok=True)
    for i, group in enumerate(groups):
        with open(os.path.join(out, f"{i:04d}.yaml"), "w", encoding="utf-8") as fh:
            yaml.dump({"groups": [group]}, fh, Dumper=yaml.CSafeDumper, sort_keys=False, width=1 << 20)
    return len(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 runs of the small cases, 1 of the large")
    parser.add_argument("--repeat", type=int, help="runs of every case (default: 5 small, 3 large)")
    parser.add_argument("--lint", action="store_true", help="only the three lint rows")
    args = parser.parse_args()
    small = args.repeat or (2 if args.quick else 5)
    large = args.repeat or (1 if args.quick else 3)
    started = time.perf_counter()
    promtool = shutil.which("promtool")
    if not promtool:
        log("promtool not found: `apt-get install prometheus` (Debian) provides it; its rows are skipped")
    table = Table()

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if args.lint:
            repo = generate(tmp, *SCALES[-1])
            n = lint_rows(table, tmp, repo, promtool, small, large)
            print(machine(promtool))
            print()
            print(table.markdown())
            print(LINT_NOTES.format(small=small, large=large, total=time.perf_counter() - started, n=n,
                                    dashboards=SCALES[-1][0]))
            return
        own_out = os.path.join(tmp, "own-out")
        ours, floor = alternate("own build", [Command([PYTHON, "build.py", "--out", own_out], fresh=own_out),
                                              Command([PYTHON, "-c", "import grafanalib.core"])], small)
        table.add("this repository: `build.py --out DIR` vs `python -c 'import grafanalib.core'`",
                  secs(ours.median), secs(floor.median), ours.median / floor.median, "ours ≤ 0.25 s",
                  ours.median <= 0.25)

        repo = generate(tmp, *MIXIN)
        ours, prom = alternate("kubernetes-mixin size", [build(repo), check_rules(promtool, rule_files(repo))], small)
        what = f"{MIXIN[0]} dashboards, {MIXIN[1]} rules (kubernetes-mixin size)"
        table.time_row(f"{what}: build vs `promtool check rules`", ours, prom, 2)
        table.add(f"{what}: build vs jsonnet route¹", secs(ours.median), f"{JSONNET_SECONDS} s¹",
                  ours.median / JSONNET_SECONDS, "≤ 0.1x", ours.median / JSONNET_SECONDS <= 0.1)

        per_object = []
        for dashboards, rules in SCALES:
            repo = generate(tmp, dashboards, rules)
            last = dashboards == SCALES[-1][0]
            creating, n_files = create_files(repo, tmp) if last else (None, 0)
            ours, prom, created = alternate(f"{dashboards}/{rules}", [build(repo), check_rules(promtool, rule_files(repo)),
                                                                      creating if last else None],
                                            large if last else small)
            what = f"{dashboards:,} dashboards, {rules:,} rules"
            table.time_row(f"{what}: build vs `promtool check rules`", ours, prom, 3 if last else None)
            if last:
                table.add(f"{what}: of that build, kernel CPU time vs creating its {n_files:,} files empty⁶",
                          secs(ours.median_sys), secs(created.median), None, "—", None)
            if last and TMPFS:
                ram_out = tempfile.mkdtemp(prefix="bench-out-", dir=TMPFS)
                try:
                    in_ram, prom_again = alternate(f"{dashboards}/{rules} to tmpfs",
                                                   [build(repo, os.path.join(ram_out, "out")),
                                                    check_rules(promtool, rule_files(repo))], large)
                finally:
                    shutil.rmtree(ram_out, ignore_errors=True)
                table.time_row(f"{what}: build with --out on tmpfs⁴ vs `promtool check rules`", in_ram, prom_again, 3)
                table.add(f"{what}: of the build to tmpfs, kernel CPU time", secs(in_ram.median_sys), None, None, "—", None)
            if last:
                # What CI and pre-commit run: out/ is committed and up to date, so nothing is written.
                warm_out = os.path.join(repo, "out-warm")
                rebuild = Command([PYTHON, "build.py", "--root", repo, "--out", warm_out])
                warm, prom_warm = alternate(f"{dashboards}/{rules} rebuild", [rebuild, check_rules(promtool, rule_files(repo))],
                                            large)
                table.time_row(f"{what}: rebuild with out/ up to date⁵ vs `promtool check rules`", warm, prom_warm, 3)
            table.add(f"{what}: peak RSS vs promtool's", f"{ours.peak_mib:.0f} MiB",
                      f"{prom.peak_mib:.0f} MiB" if prom else None,
                      ours.peak_mib / prom.peak_mib if prom else None, "ours < 256 MiB", ours.peak_mib < 256)
            per_object.append(ours.median / (dashboards + rules) * 1000)
            if last:
                growth = per_object[-1] / per_object[0]
                table.add(f"{what}: build per object vs {SCALES[0][0]:,}/{SCALES[0][1]:,}²",
                          f"{per_object[-1]:.3f} ms", f"{per_object[0]:.3f} ms", growth, "≤ 1.2x", growth <= 1.2)

        n = lint_rows(table, tmp, repo, promtool, small, large)

    total = time.perf_counter() - started
    print(machine(promtool))
    print()
    print(table.markdown())
    print(f"""
Runs: {small} of each small case, {large} of the 1,000/10,000 build and of the lint, after one untimed
warm-up run; each run is a fresh process; the commands of a row alternate. Medians of wall time;
peak RSS is the largest ru_maxrss (os.wait4: of the build or of its forked lint, which shares the
loaded project copy-on-write) over the runs. Every build writes all its files to an emptied --out directory. Total time of this benchmark: {total:.0f} s.""")
    if not promtool:
        print("\npromtool was not found, so its rows show no reference: `apt-get install prometheus` (Debian) installs it.")
    print(f"""
¹ {JSONNET_SECONDS} s is the jsonnet route's time for kubernetes-mixin as quoted by issue 8, not measured
here: go-jsonnet and kubernetes-mixin (with its jsonnet-bundler dependencies) are not installable
from the registries this machine reaches; Debian's C++ `jsonnet` is, but without the mixin there is
nothing comparable to run.
² Cost per object is the build's median wall time over dashboards + rules. The ratio is the cost at
{SCALES[-1][0]:,}/{SCALES[-1][1]:,} over the cost at {SCALES[0][0]:,}/{SCALES[0][1]:,}: at most 1.2x means it grows by at most 20% (linear);
below 1x the fixed start-up cost is spread over more objects.
³ The {n:,} rules emitted for the {SCALES[-1][0]:,}-dashboard repository, concatenated into one file; lint's
--root is a project holding only their catalog.
⁴ The same build writing its 100 MB to {TMPFS or "tmpfs"} (RAM): the compiler without this machine's disk,
whose time to create the files varies by a second or more between runs; promtool writes nothing.
⁵ The same build into an --out that already holds its files (the warm-up run writes them): every
file is rendered and compared, none written; what a build in CI or pre-commit does.
⁶ A process that only creates the build's files, empty, in the --out the build writes to, emptied just
before like the build's: what this disk costs before a byte is written. The kernel time is the build's
and its lint child's system CPU time (wait4), against the wall time of that creation. On this VM's
ext4, which has no journal, a file created where files were just deleted costs far more than in a
fresh place: without a journal, ext4 does not reuse an inode freed less than dirtytime_expire_seconds
ago (12 h here) and checks each such inode again at every creation (fs/ext4/ialloc.c, find_inode_bit),
and every timed build first empties its --out.""")
    log(f"done in {total:.0f} s")


if __name__ == "__main__":
    main()
