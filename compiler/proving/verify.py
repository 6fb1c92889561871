"""The end-to-end check: our signals in a real Prometheus, on a synthetic healthy CodeVerify.

1. Every alert scenario runs under `promtool test rules` (one file per scenario, so
   each gets its own pass/fail).
2. A few hours of compiler/proving/simulate.py data are backfilled with promtool, and
   Debian's `prometheus` is started on them with the emitted rule files.
3. Every dashboard target runs as Grafana would run it (variables expanded for the
   range and step) and must return series; every rule expression must run; each
   alert's signal (its expression without the final threshold) must return series
   while the alert itself stays quiet; recording rules must produce series.

`running_prometheus` and `backfill` are reusable (e.g. by a preview command). Every
child runs under compiler/children.py: stopped with us on any signal, SIGKILL included,
and its temporary directory removed.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import yaml

from .. import children, pipeline, promql, selection
from . import scenarios, simulate, vanish
from ..model import AlertRule, RecordingRule, ref_ids

PACKAGE_HINT = "install Debian's `prometheus` package (`apt-get install prometheus`)"
READY_TIMEOUT = 30.0


STATIC_LOGQL = "LogQL checked statically (logql/syntax, logql/unknown-label, logql/unknown-field)"


class ToolMissing(RuntimeError):
    pass


class ToolFailed(RuntimeError):
    """promtool refused the data, or Prometheus did not start: one line for the user, exit 1."""

    exit_status = 1


def tools() -> tuple[str, str]:
    """Paths of promtool and prometheus; ToolMissing names the package when one is absent."""
    found = {name: shutil.which(name) for name in ("promtool", "prometheus")}
    missing = [name for name, path in found.items() if not path]
    if missing:
        raise ToolMissing(f"{' and '.join(f'`{m}`' for m in missing)} not found: {PACKAGE_HINT}")
    return found["promtool"], found["prometheus"]


# --- a backfilled Prometheus ----------------------------------------------------------------


@contextlib.contextmanager
def _supervising(supervisor: children.Supervisor | None):
    """`supervisor`, or one of our own for the duration (its temporary directory unused)."""
    if supervisor is not None:
        yield supervisor
    else:
        with children.supervised("codeverify-child-") as own:
            yield own


def backfill(promtool: str, openmetrics_path: str, data_dir: str, supervisor: children.Supervisor | None = None) -> None:
    with _supervising(supervisor) as sup:
        result = sup.run([promtool, "tsdb", "create-blocks-from", "openmetrics", openmetrics_path, data_dir],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        said = (result.stderr.strip() or result.stdout.strip()).splitlines() or [""]
        raise ToolFailed(f"promtool could not backfill {openmetrics_path}: {said[-1]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_prometheus(prometheus: str, data_dir: str, rule_files: list[str] = (), evaluation_interval: str = "1s",
                       supervisor: children.Supervisor | None = None, scrape_configs: list[dict] = ()):
    """Start `prometheus` on 127.0.0.1:<free port> over `data_dir`; yield its base URL; stop it by pid.

    No scrape jobs unless `scrape_configs` are given: the data is what was backfilled. A
    short evaluation interval lets recording rules produce series within seconds.
    """
    config_path = os.path.join(data_dir, "prometheus.yml")
    os.makedirs(data_dir, exist_ok=True)
    settings = {"global": {"evaluation_interval": evaluation_interval},
                "rule_files": [os.path.abspath(f) for f in rule_files]}
    if scrape_configs:
        settings["scrape_configs"] = list(scrape_configs)
    with open(config_path, "w") as fh:
        yaml.safe_dump(settings, fh)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with _supervising(supervisor) as sup, open(os.path.join(data_dir, "prometheus.log"), "w") as log:
        proc = sup.popen(
            [prometheus, f"--config.file={config_path}", f"--storage.tsdb.path={data_dir}",
             f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=3650d"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(url, proc, os.path.join(data_dir, "prometheus.log"))
            yield url
        finally:
            sup.stop(proc)


def _wait_ready(url: str, proc: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(log_path) as fh:
                last = (fh.read()[-2000:].strip().splitlines() or [""])[-1]
                raise ToolFailed(f"prometheus exited with {proc.returncode}: {last} (log: {log_path})")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise ToolFailed(f"prometheus at {url} was not ready within {READY_TIMEOUT:.0f}s")


class QueryError(RuntimeError):
    pass


def api(url: str, path: str, **params) -> dict:
    """GET a Prometheus API endpoint; QueryError with Prometheus' message on failure."""
    full = f"{url}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(full, timeout=30) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as exc:
        try:
            body = json.load(exc)
        except ValueError:
            raise QueryError(f"HTTP {exc.code}") from None
    except OSError as exc:
        raise QueryError(str(exc)) from None
    if body.get("status") != "success":
        raise QueryError(f"{body.get('errorType', 'error')}: {body.get('error', body)}")
    return body["data"]


def count_series(url: str, expr: str, at: float, range_s: int = 0, step: int = 0) -> int:
    if range_s:
        data = api(url, "/api/v1/query_range", query=expr, start=at - range_s, end=at, step=step)
    else:
        data = api(url, "/api/v1/query", query=expr, time=at)
    return len(data["result"]) if isinstance(data["result"], list) else 1


# --- what Grafana would send ----------------------------------------------------------------


def grafana_values(range_s: int, step: int, scrape_s: int) -> dict[str, str]:
    """Grafana's built-in variables for a panel over `range_s` with interval `step`.

    `$__rate_interval` is max($__interval + scrape interval, 4 x scrape interval),
    `$__range` is the range in seconds, as Grafana's Prometheus data source renders them.
    """
    rate = max(step + scrape_s, 4 * scrape_s)
    return {
        "__interval": f"{step}s", "__interval_ms": str(step * 1000),
        "__rate_interval": f"{rate}s",
        "__range": f"{range_s}s", "__range_s": str(range_s), "__range_ms": str(range_s * 1000),
    }


def signals(expr: str) -> list[str]:
    """An alert expression's signals: each `<query> <op> <constant>` without its threshold.

    `a > 0.1 and b >= 20` gives `a` and `b`. The signals must have series on healthy
    data even though the alert is quiet: a ratio whose sides never match, or a label
    the scrape never attaches, shows here as an empty signal.
    """
    def walk(node) -> list[str]:
        op = str(getattr(node, "op", ""))
        if isinstance(node, promql.pp.ParenExpr):
            return walk(node.expr)
        if isinstance(node, promql.pp.BinaryExpr) and op == "and":
            return walk(node.lhs) + walk(node.rhs)
        if (isinstance(node, promql.pp.BinaryExpr) and op in (">", "<", ">=", "<=", "==", "!=")
                and not promql.selectors(node.rhs)):  # a number, or arithmetic of numbers (14.4 * 0.001)
            return [str(node.lhs)]
        return []

    return walk(promql.parse(expr))


# --- the report -----------------------------------------------------------------------------


@dataclass
class Check:
    group: str  # dashboard uid, rule group, or alert name
    item: str  # panel title, rule, or scenario
    what: str  # target refId, "expr", "signal", ...
    series: int | None = None
    error: str = ""
    skipped: str = ""
    ok: bool = True


@dataclass
class Report:
    panels: list[Check] = field(default_factory=list)
    rules: list[Check] = field(default_factory=list)
    scenarios: list[Check] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    # compiler/proving/installations.py: each target on several installations, filtered to one.
    installations: list[Check] = field(default_factory=list)
    installations_what: str = ""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.panels + self.rules + self.scenarios + self.installations)

    def lines(self) -> list[str]:
        out = []
        for uid in dict.fromkeys(c.group for c in self.panels):
            out.append(f"dashboard {uid}")
            out += _table([c for c in self.panels if c.group == uid], ("panel", "target", "series"))
            out.append("")
        out.append("rules (instant query at the end of the data)")
        out += _table(self.rules, ("rule", "query", "series"), group_col=True)
        out.append("")
        out += self._scenario_lines()
        if self.installations:
            out.append(f"installations told apart ({self.installations_what})")
            out += _table(self.installations, ("target", "target", "series"), group_col=True)
            out.append("")
        out.append(self._summary())
        return out

    def _scenario_lines(self) -> list[str]:
        out = ["alert scenarios (promtool test rules)"]
        width = max((len(c.group) for c in self.scenarios), default=5)
        for c in self.scenarios:
            out.append(f"  {'pass' if c.ok else 'FAIL'}  {c.group:<{width}}  {c.item}")
            out += [f"        {line}" for line in c.error.splitlines()]
        out.append("")
        return out

    def _summary(self) -> str:
        """The last line: OK or FAILED, and how many of each kind of check there were."""
        apart = [c for c in self.installations if not c.skipped]
        failed = sum(not c.ok for c in self.panels + self.rules + self.scenarios + self.installations)
        figures = ", ".join(f"{k} {v}" for k, v in self.figures.items())
        static = sum(1 for c in self.panels if c.skipped == STATIC_LOGQL)
        return (f"{'FAILED' if failed else 'OK'}: {sum(c.series is not None for c in self.panels)} targets with data, "
                f"{static} LogQL targets checked statically, "
                f"{sum(1 for c in self.panels if c.skipped and c.skipped != STATIC_LOGQL)} skipped, "
                f"{len(self.rules)} rule queries, "
                f"{sum(c.ok for c in self.scenarios)}/{len(self.scenarios)} scenarios passed"
                + (f", installations told apart by {sum(c.ok for c in apart)}/{len(apart)} targets" if apart else "")
                + (f", {failed} failed" if failed else "") + (f" ({figures})" if figures else ""))


def _table(checks: list[Check], head: tuple[str, str, str], group_col: bool = False) -> list[str]:
    rows = []
    for c in checks:
        first = f"{c.group} › {c.item}" if group_col else c.item
        result = c.skipped and f"skipped: {c.skipped}" or (c.error and f"ERROR {c.error}") or str(c.series)
        rows.append((("  " if c.ok else "✗ ") + first, c.what, result))
    widths = [max(len(r[i]) for r in rows + [("  " + head[0],) + head[1:]]) for i in range(2)]
    out = [f"  {head[0]:<{widths[0] - 2}}  {head[1]:<{widths[1]}}  {head[2]}"]
    out += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
    return out


# --- the checks -----------------------------------------------------------------------------


def check_dashboards(project, url: str, end: float, range_s: int, step: int, scrape_s: int) -> list[Check]:
    """Every Prometheus target as Grafana runs it, over `range_s` up to the end of the data.

    Targets reading recorded series (the SLO dashboard) run up to now instead: those
    series exist only from the server's own evaluations (see check_rules).
    """
    at = query_time(project, url, end)
    checks = []
    for dash in project.dashboards:
        # The dashboard as it opens: its filters on their defaults.
        values = {**grafana_values(range_s, step, scrape_s), **selection.from_model(dash)}
        for panel in dash.panels:
            for ref, target in zip(ref_ids(panel.targets), panel.targets):
                check = Check(dash.uid, panel.title, ref)
                if target.datasource == "loki":
                    # No Loki here to run it: the lint parsed it with Grafana's LogQL grammar and held
                    # its stream labels and fields to the log catalog (logql/*), or the build stopped.
                    check.skipped = STATIC_LOGQL
                elif target.datasource != "prometheus":
                    check.skipped = f"{target.datasource} target: no Prometheus data"
                else:
                    expr = promql.expand(target.expr, values)
                    _run(check, url, expr, at(expr), 0 if target.instant else range_s, step, want_series=True)
                checks.append(check)
    return checks


def check_rules(project, url: str, end: float) -> list[Check]:
    """Every rule expression runs; alert signals have series while alerts stay quiet; records have series.

    Queries run at the end of the backfilled data, except those reading recorded
    series: those exist only from the server's own evaluations, so they run now,
    once every recording group has been evaluated a few times (chains across groups).
    """
    at = query_time(project, url, end)
    checks = []
    for group in project.all_groups():
        for rule in group.rules:
            if isinstance(rule, AlertRule):
                quiet = Check(group.name, rule.name, "alert (quiet on this data)")
                _run(quiet, url, rule.expr, at(rule.expr))
                if quiet.ok and quiet.series:
                    quiet.ok, quiet.error = False, f"fires on the simulated data ({quiet.series} alerts)"
                checks.append(quiet)
                for i, signal_query in enumerate(signals(rule.expr)):
                    check = Check(group.name, rule.name, f"signal {i + 1} (threshold removed)")
                    _run(check, url, signal_query, at(signal_query), want_series=True)
                    checks.append(check)
            elif isinstance(rule, RecordingRule):
                check = Check(group.name, rule.record, "expr")
                _run(check, url, rule.expr, at(rule.expr), want_series=True)
                checks.append(check)
    return checks + check_recorded(project, url, at.now)


def query_time(project, url: str, end: float):
    """expr -> when to query it: now for expressions reading recorded series, else `end`.

    The first call waits until every recording group has been evaluated a few
    times (chains across groups); `.now` is that moment.
    """
    records = _records(project)
    recorded = {record for _, record in records}
    if records:
        wait_for_evaluations(url, {group for group, _ in records})
    now = time.time()

    def at(expr: str) -> float:
        try:
            names = {promql.metric_name(sel) for sel in promql.selectors(promql.parse(expr))}
        except promql.ParseError:
            return end  # Prometheus reports it
        return now if names & recorded else end

    at.now = now
    return at


def _records(project) -> list[tuple[str, str]]:
    return [(g.name, r.record) for g in project.all_groups() for r in g.rules if isinstance(r, RecordingRule)]


def wait_for_evaluations(url: str, groups: set[str], times: int = 3) -> None:
    """Wait (bounded) until the server has evaluated each of `groups` it knows `times` times."""
    seen: dict[str, set[str]] = {}
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        loaded = api(url, "/api/v1/rules", type="record")["groups"]
        for g in loaded:
            if g["name"] in groups and not g.get("lastEvaluation", "0001").startswith("0001"):
                seen.setdefault(g["name"], set()).add(g["lastEvaluation"])
        known = {g["name"] for g in loaded} & groups
        if all(len(seen.get(g, ())) >= times for g in known):
            return
        time.sleep(0.2)


def check_recorded(project, url: str, at: float | None = None) -> list[Check]:
    """Each recorded name has series (a group the server never loaded shows as missing series)."""
    records = _records(project)
    if records and at is None:
        wait_for_evaluations(url, {group for group, _ in records})
    checks = []
    for group, record in records:
        check = Check(group, record, "recorded series")
        _run(check, url, record, at or time.time(), want_series=True)
        checks.append(check)
    return checks


def _run(check: Check, url: str, expr: str, at: float, range_s: int = 0, step: int = 0, want_series=False) -> None:
    try:
        check.series = count_series(url, expr, at, range_s, step)
    except QueryError as exc:
        check.ok, check.error = False, str(exc)
        return
    if want_series and not check.series:
        check.ok, check.error = False, "no series"


def check_scenarios(project, files: dict[str, bytes], promtool: str, workdir: str,
                    supervisor: children.Supervisor | None = None) -> list[Check]:
    """Each test case as its own promtool test file next to a copy of out/prometheus.

    The files are shared among one promtool per core: an SLO's cases take a
    second or more each, evaluating the group over hours of series.
    """
    for rel, data in files.items():
        if rel.startswith("prometheus/"):
            _write(os.path.join(workdir, "out", rel), data)
    # The written scenarios, then every alert's series-vanish scenarios.
    cases = scenarios.scenario_files(project) + vanish.scenario_files(project)
    paths = []
    for i, (_, data) in enumerate(cases):
        path = os.path.join(workdir, "tests", "scenarios", f"{i:03d}.yaml")
        _write(path, yaml.safe_dump(data, sort_keys=True).encode())
        paths.append(path)
    if not paths:
        return []
    workers = max(1, min(os.cpu_count() or 1, len(paths)))
    outcome = {}
    with _supervising(supervisor) as sup:
        runs = [sup.popen([promtool, "test", "rules", *paths[i::workers]], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, cwd=os.path.dirname(paths[0]))
                for i in range(workers)]
        try:
            for run in runs:
                sections = re.split(r"^Unit Testing:\s+", run.communicate()[0], flags=re.M)
                for section in sections[1:]:
                    name, _, body = section.partition("\n")
                    outcome[os.path.basename(name.strip())] = body.strip()
        finally:
            for run in runs:
                sup.stop(run)
    checks = []
    for path, (names, _) in zip(paths, cases):
        body = outcome.get(os.path.basename(path), "no result from promtool")
        ok = body.startswith("SUCCESS")
        checks += [Check(alert, scenario, "promtool", ok=ok, error="" if ok else body) for alert, scenario in names]
    # Each alert's vanish scenarios beside its written ones, alerts in order of appearance.
    order = {alert: i for i, alert in reversed(list(enumerate(c.group for c in checks)))}
    return sorted(checks, key=lambda c: order[c.group])


def _write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def _seconds(duration: str) -> int:
    """Whole seconds of SCRAPE_INTERVAL (compiler/load.py has checked it is a positive number of them)."""
    return int(promql.duration_seconds(duration))


@contextlib.contextmanager
def synthetic_prometheus(result: pipeline.Build, hours: float = 3, knobs: simulate.Knobs = simulate.Knobs()):
    """A Prometheus on 127.0.0.1 with `hours` of synthetic CodeVerify up to now and the build's rules.

    Yields (url, end of the data, samples backfilled); the server is stopped and its
    data removed on exit. Raises ToolMissing without promtool or prometheus.
    """
    promtool, prometheus = tools()
    project = result.project
    scrape_s = _seconds(project.config.SCRAPE_INTERVAL)
    with children.supervised("codeverify-synthetic-") as sup:
        tmp = sup.dir
        end = int(time.time()) // scrape_s * scrape_s
        data_path = os.path.join(tmp, "codeverify.om")
        samples = simulate.write(data_path, project.catalog, project.config, end - int(hours * 3600), end,
                                 scrape_s, knobs)
        data_dir = os.path.join(tmp, "data")
        backfill(promtool, data_path, data_dir, sup)
        rule_files = []
        for rel, data in sorted(result.files.items()):
            if rel.startswith("prometheus/"):
                rule_files.append(os.path.join(tmp, "out", rel))
                _write(rule_files[-1], data)
        with running_prometheus(prometheus, data_dir, rule_files, supervisor=sup) as url:
            yield url, end, samples


def verify(result: pipeline.Build, hours: float = 3, range_s: int = 3600,
           knobs: simulate.Knobs = simulate.Knobs()) -> Report:
    """Check a successful in-memory build end to end (what the definitions say, not what out/ holds).

    Raises ToolMissing without promtool or prometheus.
    """
    promtool, _ = tools()
    project = result.project
    scrape_s = _seconds(project.config.SCRAPE_INTERVAL)
    report = Report()
    with children.supervised("codeverify-verify-") as sup:
        started = time.perf_counter()
        report.scenarios = check_scenarios(project, result.files, promtool, sup.dir, sup)
        report.figures["scenarios"] = f"{time.perf_counter() - started:.1f}s"

    started = time.perf_counter()
    with synthetic_prometheus(result, hours, knobs) as (url, end, samples):
        report.figures["backfill"] = f"{samples} samples in {time.perf_counter() - started:.1f}s"
        started = time.perf_counter()
        step = scrape_s  # Grafana's $__interval never goes below the data source's scrape interval
        report.panels = check_dashboards(project, url, end, range_s, step, scrape_s)
        report.rules = check_rules(project, url, end)
    report.figures["queries"] = f"{time.perf_counter() - started:.1f}s"
    from . import installations  # it imports this module

    started = time.perf_counter()
    report.installations, report.installations_what = installations.check(result)
    report.figures["installations"] = f"{time.perf_counter() - started:.1f}s"
    return report
