"""`build.py verify --prometheus-url`: verify's checks, read-only, against a live Prometheus.

What synthetic data cannot show is whether production carries the series our
definitions read. Against a running Prometheus (production or staging):

1. CodeVerify's scrape targets (`/api/v1/targets`): each app has targets, and they are up.
2. Our rule groups (`/api/v1/rules`): loaded, every rule present, healthy, no last error.
3. Every dashboard target and rule expression (an alert's signals, its thresholds
   removed, as in verify) returns series over the window (`--since`). For an empty
   one, each selector is asked on its own: the metric has no series at all (not
   scraped, or not recorded), or a label matcher matches none of its series (with
   the values that do appear), or only the matchers together select nothing.

Only GET requests; a bearer token comes from a file, never the command line; every
query is bounded (Prometheus' own `timeout` and the HTTP timeout).
"""
from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from .. import conventions, promql, selection
from ..model import AlertRule, RecordingRule, ref_ids
from .verify import Check, QueryError, _table, grafana_values, signals

DEFAULT_QUERY_TIMEOUT = 30.0
# Grafana asks for about a point per pixel; 240 points over the window keeps each query cheap.
POINTS = 240
# A variable's "All" choice, as Grafana saves it.
ALL = "$__all"
# Label values listed when a matcher matches nothing, so that the message shows what does appear.
SHOWN_VALUES = 8


class Client:
    """GET-only access to a Prometheus HTTP API, with an optional bearer token and a bound on each request."""

    def __init__(self, url: str, token: str | None = None, timeout: float = DEFAULT_QUERY_TIMEOUT):
        self.url, self.timeout = url.rstrip("/"), timeout
        self._headers = {"Accept": "application/json", "User-Agent": "codeverify-verify-live"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params) -> dict:
        full = f"{self.url}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        request = urllib.request.Request(full, headers=self._headers, method="GET")
        try:
            # A little longer than the query's own timeout, so that Prometheus' message wins.
            with urllib.request.urlopen(request, timeout=self.timeout + 5) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as exc:
            try:
                body = json.load(exc)
            except ValueError:
                raise QueryError(f"HTTP {exc.code} {exc.reason} from {path}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise QueryError(f"{path}: {getattr(exc, 'reason', None) or exc}") from None
        if body.get("status") != "success":
            raise QueryError(f"{body.get('errorType', 'error')}: {body.get('error', body)}")
        return body["data"]

    def query(self, expr: str, at: float) -> list:
        return self.get("/api/v1/query", query=expr, time=at, timeout=f"{self.timeout:g}s")["result"]

    def query_range(self, expr: str, start: float, end: float, step: int) -> list:
        return self.get("/api/v1/query_range", query=expr, start=start, end=end, step=step,
                        timeout=f"{self.timeout:g}s")["result"]


def read_token(path: str) -> str:
    """The bearer token in `path` (surrounding whitespace removed); ValueError naming the file, never the token."""
    try:
        with open(path, encoding="utf-8") as fh:
            token = fh.read().strip()
    except OSError as exc:
        raise ValueError(f"bearer token file {path}: {exc.strerror or exc}") from None
    if not token:
        raise ValueError(f"bearer token file {path} is empty")
    return token


@dataclass
class LiveReport:
    url: str
    since: str
    targets: list[Check] = field(default_factory=list)
    groups: list[Check] = field(default_factory=list)
    panels: list[Check] = field(default_factory=list)
    rules: list[Check] = field(default_factory=list)

    def all(self) -> list[Check]:
        return self.targets + self.groups + self.panels + self.rules

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.all())

    def failures(self) -> list[Check]:
        return [c for c in self.all() if not c.ok]

    def as_dict(self) -> dict:
        def rows(checks: list[Check]) -> list[dict]:
            return [{"group": c.group, "item": c.item, "what": c.what, "ok": c.ok, "series": c.series,
                     "error": c.error, "skipped": c.skipped} for c in checks]

        return {"url": self.url, "since": self.since, "ok": self.ok, "targets": rows(self.targets),
                "rules_loaded": rows(self.groups), "dashboard_targets": rows(self.panels),
                "rule_queries": rows(self.rules)}

    def lines(self) -> list[str]:
        out = [f"scrape targets ({self.url}/api/v1/targets)"]
        out += _states(self.targets, "up")
        out += ["", "rules loaded (/api/v1/rules)"] + self._group_lines()
        for uid in dict.fromkeys(c.group for c in self.panels):
            out += ["", f"dashboard {uid} (series over the last {self.since})"]
            out += _table([c for c in self.panels if c.group == uid], ("panel", "target", "series"))
        out += ["", f"rules (series over the last {self.since})"]
        out += _table(self.rules, ("rule", "query", "series"), group_col=True)
        return out + ["", self._summary()]

    def _group_lines(self) -> list[str]:
        """A group whose rules all loaded healthy is one line; otherwise one line per rule that is not."""
        out = []
        for group in dict.fromkeys(c.group for c in self.groups):
            checks = [c for c in self.groups if c.group == group]
            if all(c.ok and not c.skipped for c in checks):
                out.append(f"  {group}: {len(checks)} rule{'s' * (len(checks) != 1)} ok")
            else:
                out += _states([c for c in checks if not c.ok or c.skipped], "ok")
        return out

    def _summary(self) -> str:
        failed = len(self.failures())
        return (f"{'FAILED' if failed else 'OK'}: {sum(c.ok for c in self.targets)}/{len(self.targets)} targets up, "
                f"{sum(c.ok for c in self.groups)}/{len(self.groups)} rules loaded and healthy, "
                f"{sum(c.ok for c in self.panels if not c.skipped)} dashboard targets and "
                f"{sum(c.ok for c in self.rules)} rule queries with series"
                + (f", {failed} failed" if failed else ""))


def _states(checks: list[Check], good: str) -> list[str]:
    """One line per check: its state (`good`, skipped's reason, or the error), then what it is."""
    width = max((len(f"{c.group} › {c.item}") for c in checks), default=0)
    out = []
    for c in checks:
        state = good if c.ok and not c.skipped else c.skipped or f"ERROR {c.error}"
        out.append(f"{'  ' if c.ok else '✗ '}{f'{c.group} › {c.item}':<{width}}  {c.what}  {state}")
    return out


def check_targets(project, client: Client) -> list[Check]:
    """CodeVerify's active scrape targets, told apart by the `app` target label, each up; every app has one."""
    config = project.config
    apps = (config.API_APP, config.WORKER_APP)
    active = client.get("/api/v1/targets", state="active")["activeTargets"]
    checks = []
    for app in apps:
        ours = sorted((t for t in active if t.get("labels", {}).get("app") == app),
                      key=lambda t: (t.get("scrapeUrl", ""), t.get("labels", {}).get("instance", "")))
        if not ours:
            checks.append(Check(app, "no target", "-", ok=False, error=(
                f"no active scrape target with app=\"{app}\": the ServiceMonitor selects no pod, or "
                "podTargetLabels does not copy `app`")))
        for t in ours:
            check = Check(app, t.get("labels", {}).get("instance", "?"), t.get("scrapeUrl", "?"))
            if t.get("health") != "up":
                check.ok = False
                check.error = f"{t.get('health', 'unknown')}: {t.get('lastError') or 'no error given'}"
            checks.append(check)
    return checks


def check_rule_health(project, client: Client) -> list[Check]:
    """Every rule of our groups loaded by the server, healthy, without a last evaluation error."""
    loaded: dict[str, list[dict]] = {}
    for group in client.get("/api/v1/rules")["groups"]:
        loaded.setdefault(group["name"], []).append(group)
    checks = []
    for group in project.all_groups():
        there = [rule for g in loaded.get(group.name, ()) for rule in g.get("rules", ())]
        if group.name not in loaded:
            checks.append(Check(group.name, "(group)", "-", ok=False, error=(
                "not loaded: the PrometheusRule is not deployed, or its labels do not match the ruleSelector")))
            continue
        by_name: dict[str, list[dict]] = {}
        for rule in there:
            by_name.setdefault(rule.get("name", ""), []).append(rule)
        for rule in group.rules:
            name = rule.name if isinstance(rule, AlertRule) else rule.record
            kind = "alert" if isinstance(rule, AlertRule) else "record"
            check = Check(group.name, name, kind)
            candidates = by_name.get(name)
            if not candidates:
                check.ok, check.error = False, "not loaded: the deployed rules are older than the definitions"
            else:
                deployed = candidates.pop(0)
                health = deployed.get("health", "unknown")
                if health == "err" or deployed.get("lastError"):
                    check.ok, check.error = False, f"{health}: {deployed.get('lastError') or 'no error given'}"
                elif health != "ok":
                    check.skipped = f"{health} (not evaluated yet)"
            checks.append(check)
    return checks


def step_for(since_s: int, scrape_s: int) -> int:
    """Grafana's step for the window: about POINTS points, never below the scrape interval."""
    return max(scrape_s, math.ceil(since_s / POINTS / scrape_s) * scrape_s)


def check_queries(project, client: Client, since: str, now: float) -> tuple[list[Check], list[Check]]:
    """(dashboard targets, rule queries): each must return series over [now - since, now]; empty ones diagnosed."""
    scrape_s = conventions.seconds(project.config.SCRAPE_INTERVAL)
    since_s = conventions.seconds(since)
    step = step_for(since_s, scrape_s)
    values = grafana_values(since_s, step, scrape_s)
    window = since  # a Prometheus duration already (conventions.seconds accepted it)

    def run(check: Check, expr: str, why: str | None = None) -> Check:
        """`expr` over the window; when empty, `why` (an expression) is diagnosed instead of `expr`."""
        try:
            check.series = len(client.query_range(expr, now - since_s, now, step))
        except QueryError as exc:
            check.ok, check.error = False, str(exc)
            return check
        if not check.series:
            check.ok, check.error = False, "no series: " + diagnose(client, why or expr, window, now)
        return check

    panels = []
    for dash in project.dashboards:
        chosen = {**variable_values(client, dash, now - since_s, now), **values}
        for panel in dash.panels:
            for ref, target in zip(ref_ids(panel.targets), panel.targets):
                check = Check(dash.uid, panel.title, ref)
                if target.datasource != "prometheus":
                    check.skipped = f"{target.datasource} target: no Prometheus data"
                    panels.append(check)
                else:
                    panels.append(run(check, promql.expand(target.expr, chosen)))
    rules = []
    for group in project.all_groups():
        for rule in group.rules:
            if isinstance(rule, RecordingRule):
                # What the server recorded, not the expression again: an SLO's 30d ratio evaluated at
                # every step of the window would cost production as much as 240 rule evaluations.
                matchers = ", ".join(f'{k}="{_escape(v)}"' for k, v in sorted(rule.labels.items()))
                recorded = f"{rule.record}{{{matchers}}}"
                rules.append(run(Check(group.name, rule.record, "recorded series"), recorded, why=rule.expr))
                continue
            queries = signals(rule.expr)
            for i, query in enumerate(queries):
                rules.append(run(Check(group.name, rule.name, f"signal {i + 1} (threshold removed)"), query))
            if not queries:  # absent(), a bare selector: each selector must have series over the window
                rules.append(_selectors_check(client, Check(group.name, rule.name, "selectors"), rule.expr, window, now))
    return panels, rules


_LABEL_VALUES = re.compile(r"\s*label_values\(\s*(?:(?P<match>.+?)\s*,\s*)?(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*")


def variable_values(client: Client, dash, start: float, end: float) -> dict[str, str]:
    """Each filter variable's value as Grafana sets it when the dashboard opens, against the live server.

    Its `default` when it has one ("All": its `all_value`, else every value the server
    lists); without one, Grafana's first option: the first value of `custom`, or of
    `label_values(...)` over the window (chained variables see the earlier ones'
    values). Several values go into the query as Grafana writes them: `(a|b)`,
    regex-escaped. A variable with no value is left to promql.expand's placeholder,
    and the query's diagnosis then names the matcher that selects nothing.
    """
    chosen: dict[str, str] = {}
    for var in dash.variables:
        if var.kind not in ("query", "custom"):
            continue
        default = tuple(getattr(var, "default", ()))
        all_value = getattr(var, "all_value", "")
        if default and ALL not in default:
            chosen[var.name] = _alternation(var, default)
            continue
        if ALL in default and all_value:
            chosen[var.name] = all_value
            continue
        options = _options(client, var, chosen, start, end)
        if options:
            chosen[var.name] = _alternation(var, options if ALL in default else options[:1])
    return chosen


def _options(client: Client, var, chosen: dict[str, str], start: float, end: float) -> list[str]:
    """What a variable's dropdown lists: a custom variable's values, or a label_values() query's on the server."""
    if var.kind == "custom":
        return [v.strip() for v in var.query.split(",") if v.strip()]
    m = _LABEL_VALUES.fullmatch(promql.expand(var.query, chosen))
    if not m:
        return []
    params = {"start": start, "end": end}
    if m.group("match"):
        params["match[]"] = m.group("match")
    try:
        options = sorted(client.get(f"/api/v1/label/{m.group('label')}/values", **params))
    except QueryError:
        return []
    if var.regex:
        try:
            options = [o for o in options if re.search(var.regex.strip("/"), o)]
        except re.error:
            pass
    return options


def _alternation(var, values) -> str:
    """Values as Grafana writes them into a query: a single-value variable's as it is (for `=` matchers),
    a multi-value or All variable's regex-escaped, several as `(a|b)`."""
    if not var.multi and not var.include_all:
        return values[0].replace("\\", "\\\\")
    escaped = [_regex_literal(v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def _regex_literal(value: str) -> str:
    """`value` matched literally by an RE2 regex inside a PromQL string, escaped as Grafana's Prometheus
    data source does (prometheusSpecialRegexEscape): a doubled backslash, since the string unescapes once."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\\\1", value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _selectors_check(client: Client, check: Check, expr: str, window: str, now: float) -> Check:
    try:
        problems = [p for sel in _unique_selectors(expr) if (p := _selector_problem(client, sel, window, now))]
    except QueryError as exc:
        check.ok, check.error = False, str(exc)
        return check
    check.series = None if problems else 1
    if problems:
        check.ok, check.error = False, "; ".join(problems)
    return check


def _unique_selectors(expr: str):
    seen = set()
    for sel in promql.selectors(promql.parse(expr)):
        key = str(sel).split(" offset ")[0].split(" @ ")[0]
        if key not in seen:
            seen.add(key)
            yield sel


def diagnose(client: Client, expr: str, window: str, now: float) -> str:
    """Why `expr` is empty: the first selector with no series and why, or that every selector has series."""
    try:
        for sel in _unique_selectors(expr):
            problem = _selector_problem(client, sel, window, now)
            if problem:
                return problem
    except promql.ParseError as exc:
        return f"cannot parse it to find out why: {exc}"
    except QueryError as exc:
        return f"could not ask which selector is empty: {exc}"
    return ("every selector has series: the expression itself selects nothing (labels that do not match "
            "across a binary operation, or a filter), or, for a recorded series, the rule is not evaluated")


def _selector_problem(client: Client, sel, window: str, now: float) -> str | None:
    name = promql.metric_name(sel)
    matchers = [m for m in sel.matchers.matchers if m.name != "__name__"]
    base = name or ""
    if name and not _has_series(client, name, window, now):
        return f"`{name}` has no series in the last {window}: it is not scraped (or not recorded) at all"
    for m in matchers:
        alone = f"{base}{{{m}}}"
        if not _has_series(client, alone, window, now):
            seen = _values(client, name, m.name, window, now) if name else []
            shown = ", ".join(f'"{v}"' for v in seen[:SHOWN_VALUES]) + (", ..." if len(seen) > SHOWN_VALUES else "")
            what = f"its `{m.name}` values: {shown}" if seen else f"no series of it has a `{m.name}` label"
            return f"`{alone}` matches no series in the last {window} ({what})"
    together = f"{base}{{{', '.join(str(m) for m in matchers)}}}"
    if len(matchers) > 1 and not _has_series(client, together, window, now):
        return f"`{together}` matches no series in the last {window}, though each of its matchers does"
    return None


def _has_series(client: Client, selector: str, window: str, now: float) -> bool:
    return bool(client.query(f"count(last_over_time({selector}[{window}]))", now))


def _values(client: Client, name: str, label: str, window: str, now: float) -> list[str]:
    result = client.query(f"count by ({label}) (last_over_time({name}[{window}]))", now)
    return sorted(r["metric"].get(label, "") for r in result)


def verify(project, url: str, since: str = "1h", token: str | None = None,
           timeout: float = DEFAULT_QUERY_TIMEOUT) -> LiveReport:
    """Every live check against the Prometheus at `url`; QueryError when it cannot be reached at all."""
    conventions.seconds(since)  # ValueError unless a duration like 1h
    client = Client(url, token, timeout)
    client.get("/api/v1/status/buildinfo")  # one clear error when the server is not there, before 200 queries
    report = LiveReport(client.url, since)
    now = time.time()
    report.targets = check_targets(project, client)
    report.groups = check_rule_health(project, client)
    report.panels, report.rules = check_queries(project, client, since, now)
    return report
