"""A synthetic CodeVerify: every catalog metric as OpenMetrics text with timestamps.

`generate(catalog, config, start, end, step, knobs)` returns text that
`promtool tsdb create-blocks-from openmetrics` backfills into a Prometheus data
directory (compiler/proving/verify.py does that and starts a server on it). The series carry
the target labels of their source (compiler/proving/scrape.py): API and worker pods,
kubelet cAdvisor, kube-state-metrics, the PostgreSQL and Redis exporters, and `up`
for every target. Counters only grow, gauges wander, histogram buckets are
cumulative with `_count` equal to the `+Inf` bucket and `_sum` equal to `_count`
times the distribution's mean, and `le` is printed as the Python client does.

Known CodeVerify metrics follow PROFILES (rates, latencies and label values a
healthy installation shows); a metric added to the catalog without a profile still
gets series, from its source's targets and its enumerated label values. Everything
is deterministic: same arguments, same text.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Callable, Iterator

from .. import conventions as cv
from . import scrape
from ..model import COUNTER, GAUGE, HISTOGRAM, Metric

MIB = 1024 * 1024


@dataclass(frozen=True)
class Knobs:
    """What the simulated installation is going through. The defaults are a healthy CodeVerify."""

    error_ratio: float = 0.0005  # share of API requests answered 5xx (an SLO of 99.9 % burns at 0.5x)
    latency_shift: float = 1.0  # factor on every latency (2.0: everything twice as slow)
    queue_backlog: float = 4.0  # jobs waiting in the analysis queue
    workers_down: int = 0  # worker pods whose scrape fails: up 0 and none of their own series
    analysis_failure_ratio: float = 0.02  # share of analyses that abort
    api_pods: int = 2
    worker_pods: int = 3


@dataclass
class Stream:
    """One label set of one metric family and how its value moves."""

    labels: dict[str, str]
    level: float  # counter/histogram: events per second; gauge: the mean value
    median: float = 0.0  # histogram: median observation (log-normal)
    sigma: float = 0.8  # histogram: spread of log(observation)
    integral: bool = True  # gauge: whole numbers only
    wander: float = 0.15  # relative amplitude of the slow variation
    phase: float = 0.0  # of the wander; derived from the labels when left 0


@dataclass(frozen=True)
class Pod:
    app: str  # short: api | worker | postgresql | redis
    name: str
    namespace: str
    node: int
    containers: tuple[str, ...]
    target: dict[str, str] | None  # CodeVerify scrape target labels, when it is one
    up: bool = True


class _World:
    """The pods and targets of a simulated installation."""

    def __init__(self, config, knobs: Knobs):
        self.config, self.knobs = config, knobs
        self.api = [self._cv(config.API_APP, i, True) for i in range(knobs.api_pods)]
        down_from = knobs.worker_pods - knobs.workers_down
        self.workers = [self._cv(config.WORKER_APP, i, i < down_from) for i in range(knobs.worker_pods)]
        ns = config.APP_NAMESPACE
        self.postgres = scrape.exporter(config, "postgresql", 9187)
        self.redis = scrape.exporter(config, "redis", 9121)
        self.pods = self.api + self.workers + [
            Pod("postgresql", "codeverify-postgresql-0", ns, 0, ("postgresql", "metrics"), None),
            Pod("redis", "codeverify-redis-0", ns, 1, ("redis", "metrics"), None),
        ]
        self.nodes = 2

    def _cv(self, app: str, i: int, up: bool) -> Pod:
        labels = scrape.codeverify(self.config, app, i)
        return Pod(labels["container"], labels["pod"], labels["namespace"], i % 2, (labels["container"],), labels, up)

    def scraped(self, *apps: str) -> list[dict[str, str]]:
        """Target labels of the CodeVerify pods of `apps` whose scrape succeeds."""
        return [p.target for p in self.api + self.workers if p.app in apps and p.up]

    def up_series(self) -> list[tuple[dict[str, str], float]]:
        out = [(p.target, 1.0 if p.up else 0.0) for p in self.api + self.workers]
        out += [({**scrape.cadvisor(n), "namespace": "kube-system"}, 1.0) for n in range(self.nodes)]
        out.append(({**scrape.kube_state_metrics(self.config.NAMESPACE, "prometheus-kube-state-metrics-0",
                                                  "kube-state-metrics")}, 1.0))
        out += [(self.postgres, 1.0), (self.redis, 1.0)]
        out += [(labels, 1.0) for labels in self.probes()]
        return out

    def probes(self) -> list[dict[str, str]]:
        """Labels of each health-endpoint probe (config.PROBED_SERVICES x HEALTH_ENDPOINTS), if the project probes."""
        config = self.config
        if not hasattr(config, "PROBE_JOB"):
            return []
        return [scrape.probe(config, service, health)
                for service in config.PROBED_SERVICES for health in config.HEALTH_ENDPOINTS]


# --- profiles: what a healthy CodeVerify looks like ------------------------------------------

ROUTES = (  # (method, handler, share of API traffic, median latency in seconds)
    ("POST", "/api/v1/analyses", 0.15, 0.12),
    ("GET", "/api/v1/analyses/{id}", 0.5, 0.03),
    ("GET", "/api/v1/repositories", 0.25, 0.05),
    ("GET", "/health/ready", 0.1, 0.004),
)
API_RPS_PER_POD = 20.0
CLIENT_ERROR_RATIO = 0.02
QUEUES = ("analysis",)
LLMS = (("openai", "gpt-4o", 0.6), ("anthropic", "claude-sonnet-4", 0.4))
REDIS_COMMANDS = (("brpop", 0.3), ("lpush", 0.2), ("get", 0.25), ("set", 0.15), ("expire", 0.1))
DB_POOL_SIZE = 20


def _http_requests(w: _World, m: Metric) -> list[Stream]:
    k = w.knobs
    out = []
    for t in w.scraped("api"):
        for method, handler, share, _ in ROUTES:
            rate = API_RPS_PER_POD * share
            statuses = {"200": 1 - CLIENT_ERROR_RATIO - k.error_ratio, "404": CLIENT_ERROR_RATIO,
                        "500": k.error_ratio * 0.7, "503": k.error_ratio * 0.3}
            for status, s in statuses.items():
                if s > 0:
                    out.append(Stream({**t, "method": method, "handler": handler, "status": status}, rate * s))
    return out


def _http_duration(w: _World, m: Metric) -> list[Stream]:
    return [Stream({**t, "method": method, "handler": handler}, API_RPS_PER_POD * share,
                   median=median * w.knobs.latency_shift)
            for t in w.scraped("api") for method, handler, share, median in ROUTES]


def _http_in_progress(w: _World, m: Metric) -> list[Stream]:
    # Little's law: requests in flight = arrival rate x time in the system.
    return [Stream({**t, "method": method, "handler": handler},
                   API_RPS_PER_POD * share * median * w.knobs.latency_shift * 2, integral=False, wander=0.5)
            for t in w.scraped("api") for method, handler, share, median in ROUTES]


DB_OPERATIONS = {"select": 0.6, "insert": 0.15, "update": 0.15, "delete": 0.05, "other": 0.05}


def _db(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    def make(w: _World, m: Metric) -> list[Stream]:
        out = []
        for t in w.scraped("api", "worker"):
            if kind == "available":
                out.append(Stream(dict(t), DB_POOL_SIZE - 4, wander=0.2))
            elif kind == "size":
                out.append(Stream(dict(t), DB_POOL_SIZE, wander=0))
            else:
                for op, share in DB_OPERATIONS.items():
                    out.append(Stream({**t, "operation": op}, 30 * share, median=0.004 * w.knobs.latency_shift))
        return out
    return make


def _analyses(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    def make(w: _World, m: Metric) -> list[Stream]:
        fail = w.knobs.analysis_failure_ratio
        shares = {"passed": 1 - fail, "failed": fail}
        medians = {"passed": 20.0, "failed": 8.0}
        out = []
        for t in w.scraped("worker"):
            if kind == "in_progress":
                out.append(Stream(dict(t), 3, wander=0.4))
                continue
            for status, share in shares.items():
                stream = Stream({**t, "status": status}, 0.2 * share)
                if kind == "duration":
                    stream.median = medians[status] * w.knobs.latency_shift
                out.append(stream)
        return out
    return make


def _findings(w: _World, m: Metric) -> list[Stream]:
    shares = {"critical": 0.05, "high": 0.15, "medium": 0.3, "low": 0.3, "info": 0.2}
    return [Stream({**t, "severity": sev}, 1.0 * s) for t in w.scraped("worker") for sev, s in shares.items()]


def _verification(w: _World, m: Metric) -> list[Stream]:
    shares = {"verified": 0.7, "falsified": 0.15, "unknown": 0.05, "timeout": 0.07, "error": 0.03}
    return [Stream({**t, "result": r}, 2.0 * s, median=(25.0 if r == "timeout" else 0.3) * w.knobs.latency_shift,
                   sigma=0.3 if r == "timeout" else 0.9)
            for t in w.scraped("worker") for r, s in shares.items()]


def _llm(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    outcomes = {("success", "none"): 0.985, ("error", "timeout"): 0.006, ("error", "rate_limit"): 0.006,
                ("error", "server_error"): 0.003}

    def make(w: _World, m: Metric) -> list[Stream]:
        out = []
        for t in w.scraped("worker"):
            for provider, model, share in LLMS:
                base = {**t, "provider": provider, "model": model}
                if kind == "requests":
                    out += [Stream({**base, "status": s, "error_type": e}, 0.5 * share * o)
                            for (s, e), o in outcomes.items()]
                elif kind == "tokens":
                    out += [Stream({**base, "type": ty}, 0.5 * share * n) for ty, n in (("prompt", 2000), ("completion", 500))]
                else:
                    out.append(Stream(base, 0.5 * share, median=4.0 * w.knobs.latency_shift, sigma=0.6))
        return out
    return make


def _queue(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    def make(w: _World, m: Metric) -> list[Stream]:
        backlog = w.knobs.queue_backlog
        out = []
        # Every pod reads the length from Redis, so all report the same value (same phase).
        for t in w.scraped("api", "worker") if kind == "length" else w.scraped("worker"):
            for q in QUEUES:
                if kind == "length":
                    out.append(Stream({**t, "queue": q}, backlog, wander=0.3, phase=1.0))
                elif kind == "latency":
                    out.append(Stream({**t, "queue": q}, 0.2, median=2.0 * (1 + backlog / 10) * w.knobs.latency_shift))
                else:
                    out += [Stream({**t, "queue": q, "reason": r}, s) for r, s in
                            (("timeout", 0.004), ("error", 0.003), ("worker_lost", 0.001))]
        return out
    return make


def _up(w: _World, m: Metric) -> list[Stream]:
    return [Stream(dict(labels), value, wander=0) for labels, value in w.up_series()]


# Per container: (CPU cores used, working set bytes, CPU limit cores, memory limit bytes).
RESOURCES = {
    "api": (0.25, 300 * MIB, 1.0, 1024 * MIB),
    "worker": (0.8, 1200 * MIB, 2.0, 2048 * MIB),
    "postgresql": (0.3, 800 * MIB, 2.0, 2048 * MIB),
    "redis": (0.05, 60 * MIB, 0.5, 256 * MIB),
    "metrics": (0.01, 20 * MIB, 0.1, 64 * MIB),
}


def _containers(w: _World, *, pod_level: bool):
    """(pod, container name, resources); cAdvisor also reports the pod cgroup ("") and the pause container."""
    for pod in w.pods:
        for c in pod.containers:
            yield pod, c, RESOURCES.get(c, RESOURCES["metrics"])
        if pod_level:
            used = [RESOURCES.get(c, RESOURCES["metrics"]) for c in pod.containers]
            yield pod, "", tuple(sum(r[i] for r in used) for i in range(4))
            yield pod, "POD", (0.0005, 1 * MIB, 0.0, 0.0)


def _cadvisor(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    def make(w: _World, m: Metric) -> list[Stream]:
        out = []
        for pod, c, (cpu, mem, _, limit) in _containers(w, pod_level=True):
            labels = scrape.cadvisor_container(pod.node, pod.namespace, pod.name, c)
            if kind == "cpu":
                out.append(Stream({**labels, "cpu": "total"}, cpu))
            elif kind == "memory":
                out.append(Stream(labels, mem, wander=0.05))
            else:
                out.append(Stream(labels, limit, wander=0))
        return out
    return make


def _ksm(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    def make(w: _World, m: Metric) -> list[Stream]:
        out = []
        for pod, c, (_, _, cpu_limit, mem_limit) in _containers(w, pod_level=False):
            labels = {**scrape.kube_state_metrics(pod.namespace, pod.name, c),
                      "uid": f"{scrape.hash_str(pod.name) % 10**12:012d}"}
            if kind == "restarts":
                # One restart every few hours per container keeps the restarts panel honest.
                out.append(Stream(labels, 1 / 7200, integral=True))
            else:
                node = f"node-{pod.node + 1}"
                out.append(Stream({**labels, "node": node, "resource": "cpu", "unit": "core"}, cpu_limit,
                                  integral=False, wander=0))
                out.append(Stream({**labels, "node": node, "resource": "memory", "unit": "byte"}, mem_limit, wander=0))
        return out
    return make


def _postgres(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    def make(w: _World, m: Metric) -> list[Stream]:
        t = w.postgres
        if kind == "backends":
            return [Stream({**t, "datid": "16384", "datname": "codeverify"}, 40),
                    Stream({**t, "datid": "5", "datname": "postgres"}, 1, wander=0)]
        if kind == "max":
            return [Stream(dict(t), 200, wander=0)]
        states = {"active": 8, "idle": 30, "idle in transaction": 2}
        return [Stream({**t, "datname": "codeverify", "state": s}, n) for s, n in states.items()]
    return make


def _redis(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    def make(w: _World, m: Metric) -> list[Stream]:
        t = w.redis
        if kind == "processed":
            return [Stream(dict(t), 500)]
        if kind == "commands":
            return [Stream({**t, "cmd": cmd}, 500 * s) for cmd, s in REDIS_COMMANDS]
        if kind == "clients":
            return [Stream(dict(t), 25)]
        return [Stream(dict(t), 50 * MIB, wander=0.05)]
    return make


def _probe(kind: str) -> Callable[[_World, Metric], list[Stream]]:
    # Healthy: every endpoint answers 200 within a few milliseconds.
    def make(w: _World, m: Metric) -> list[Stream]:
        if kind == "success":
            return [Stream(dict(t), 1, wander=0) for t in w.probes()]
        if kind == "status":
            return [Stream(dict(t), 200, wander=0) for t in w.probes()]
        return [Stream(dict(t), 0.004, integral=False, wander=0.3) for t in w.probes()]
    return make


PROFILES: dict[str, Callable[[_World, Metric], list[Stream]]] = {
    "codeverify_http_requests_total": _http_requests,
    "codeverify_http_request_duration_seconds": _http_duration,
    "codeverify_http_requests_in_progress": _http_in_progress,
    "codeverify_db_queries_total": _db("queries"),
    "codeverify_db_query_duration_seconds": _db("duration"),
    "codeverify_db_pool_available": _db("available"),
    "codeverify_db_pool_size": _db("size"),
    "codeverify_analyses_total": _analyses("total"),
    "codeverify_analyses_in_progress": _analyses("in_progress"),
    "codeverify_analysis_duration_seconds": _analyses("duration"),
    "codeverify_findings_total": _findings,
    "codeverify_verification_duration_seconds": _verification,
    "codeverify_llm_requests_total": _llm("requests"),
    "codeverify_llm_tokens_total": _llm("tokens"),
    "codeverify_llm_request_duration_seconds": _llm("duration"),
    "codeverify_queue_length": _queue("length"),
    "codeverify_queue_latency_seconds": _queue("latency"),
    "codeverify_job_retries_total": _queue("retries"),
    "up": _up,
    "probe_success": _probe("success"),
    "probe_http_status_code": _probe("status"),
    "probe_duration_seconds": _probe("duration"),
    "container_cpu_usage_seconds_total": _cadvisor("cpu"),
    "container_memory_working_set_bytes": _cadvisor("memory"),
    "container_spec_memory_limit_bytes": _cadvisor("limit"),
    "kube_pod_container_status_restarts_total": _ksm("restarts"),
    "kube_pod_container_resource_limits": _ksm("limits"),
    "pg_stat_database_numbackends": _postgres("backends"),
    "pg_settings_max_connections": _postgres("max"),
    "pg_stat_activity_count": _postgres("activity"),
    "redis_commands_processed_total": _redis("processed"),
    "redis_commands_total": _redis("commands"),
    "redis_connected_clients": _redis("clients"),
    "redis_memory_used_bytes": _redis("memory"),
}


def _generic(w: _World, m: Metric) -> list[Stream]:
    """A metric without a profile: one stream per enumerated label combination, per target of its source."""
    first = w.pods[0]
    by_source = {  # catalog source name -> the targets that expose it
        "cadvisor": [scrape.cadvisor_container(first.node, first.namespace, first.name, first.containers[0])],
        "kube-state-metrics": [scrape.kube_state_metrics(first.namespace, first.name, first.containers[0])],
        "postgres-exporter": [w.postgres],
        "redis-exporter": [w.redis],
        "blackbox-exporter": w.probes(),
        "prometheus": [labels for labels, _ in w.up_series()],
    }
    bases = by_source.get(m.source) or w.scraped("api", "worker")
    choices = [m.values.get(label, ("default",))[:4] for label in m.labels]
    combos = list(itertools.islice(itertools.product(*choices), 16))
    median = m.buckets[len(m.buckets) // 2] if m.buckets else 0.0
    return [Stream({**b, **dict(zip(m.labels, combo))}, 1.0 / len(combos), median=median)
            for b in bases for combo in combos]


# --- rendering ---------------------------------------------------------------------------------


def _wander(stream: Stream, t: float) -> float:
    # Two slow waves with a per-series phase: deterministic and never negative.
    p = stream.phase
    return 1 + stream.wander * (0.7 * math.sin(2 * math.pi * t / 3600 + p) + 0.3 * math.sin(2 * math.pi * t / 420 + 2 * p))


def _cdf(x: float, median: float, sigma: float) -> float:
    if x == math.inf:
        return 1.0
    return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))


def _num(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(round(v, 6))


def _family_lines(m: Metric, streams: list[Stream], times: list[int], step: int) -> Iterator[str]:
    exposed = m.name.removesuffix("_total") if m.type == COUNTER else m.name
    yield f"# HELP {exposed} {m.help}"
    yield f"# TYPE {exposed} {m.type}"
    for s in streams:
        lines: list[str] = []
        if not s.phase:
            s.phase = (scrape.hash_str(_sel(m.name, s.labels)) % 6283) / 1000
        if m.type == GAUGE:
            yield from (f"{_sel(m.name, s.labels)} {_gauge(s, t)} {t}" for t in times)
            continue
        # Counters and histograms: events accumulate from a process that started an hour ago;
        # a per-series fraction keeps rare integer counters from all ticking at the same step.
        acc = s.level * 3600 + s.phase / (2 * math.pi)
        if m.type == COUNTER:
            sel = _sel(m.name, s.labels)
            for t in times:
                acc += s.level * step * _wander(s, t)
                lines.append(f"{sel} {_num(math.floor(acc) if m.unit != 'seconds' else round(acc, 3))} {t}")
            yield from lines
            continue
        bounds = tuple(m.buckets) + (math.inf,)
        fractions = [_cdf(b, s.median or 1.0, s.sigma) for b in bounds]
        mean = (s.median or 1.0) * math.exp(s.sigma ** 2 / 2)
        buckets = [_sel(f"{m.name}_bucket", {**s.labels, "le": cv.le(b)}) for b in bounds]
        count = _sel(f"{m.name}_count", s.labels)
        total = _sel(f"{m.name}_sum", s.labels)
        for t in times:
            acc += s.level * step * _wander(s, t)
            n = math.floor(acc)
            lines += [f"{sel} {math.floor(acc * f) if f < 1 else n} {t}" for sel, f in zip(buckets, fractions)]
            lines.append(f"{count} {n} {t}")
            lines.append(f"{total} {_num(round(acc * mean, 3))} {t}")
        yield from lines


def _sel(name: str, labels: dict[str, str]) -> str:
    return scrape.selector(name, labels, sep=",")  # OpenMetrics allows no space after the comma


def _gauge(s: Stream, t: int) -> str:
    v = max(0.0, s.level * _wander(s, t))
    return _num(round(v) if s.integral else round(v, 4))


def streams(catalog, config, knobs: Knobs = Knobs()) -> dict[str, list[Stream]]:
    """Metric name -> its streams, for every metric of the catalog."""
    world = _World(config, knobs)
    return {
        m.name: (PROFILES[m.name](world, m) if m.name in PROFILES else _generic(world, m))
        for m in catalog.metrics.values()
        if m.type in (COUNTER, GAUGE, HISTOGRAM)
    }


def lines(catalog, config, start: int, end: int, step: int = 30, knobs: Knobs = Knobs()) -> Iterator[str]:
    """The OpenMetrics lines (without newlines) of `generate`, one at a time."""
    times = list(range(int(start), int(end) + 1, int(step)))
    for name, family in sorted(streams(catalog, config, knobs).items()):
        yield from _family_lines(catalog.metrics[name], family, times, step)
    yield "# EOF"


def generate(catalog, config, start: int, end: int, step: int = 30, knobs: Knobs = Knobs()) -> str:
    """OpenMetrics text with a sample every `step` seconds from `start` to `end` (Unix seconds, inclusive)."""
    return "".join(line + "\n" for line in lines(catalog, config, start, end, step, knobs))


def write(path: str, catalog, config, start: int, end: int, step: int = 30, knobs: Knobs = Knobs()) -> int:
    """Write `generate`'s text to `path` without holding it in memory; returns the number of samples."""
    samples = 0
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines(catalog, config, start, end, step, knobs):
            fh.write(line + "\n")
            samples += not line.startswith("#")
    return samples


class _Installed:
    """`config` as one installation sees it: its own app namespace."""

    def __init__(self, config, namespace: str):
        self._config, self.APP_NAMESPACE = config, namespace

    def __getattr__(self, name: str):
        return getattr(self._config, name)


def installations_lines(catalog, config, installations, start: int, end: int, step: int = 30,
                        knobs: Knobs = Knobs()) -> Iterator[str]:
    """One OpenMetrics exposition of several CodeVerify installations behind one query layer.

    `installations` are (namespace, extra labels) pairs: each runs in its namespace, and
    every one of its series carries the extra labels (the cluster label that Thanos or
    Mimir adds). Series two installations share exactly (a cluster's kube-system
    kubelets) are written once. The i-th installation sees 1 + 0.37 i times the events
    (counters, histograms) and its gauges wander out of phase, so that two installations
    rarely agree on a value (a `max` over both would hide the mix); constant gauges
    (`up`, limits) stay as they are. An installation's series are the same whichever
    others are present.
    """
    times = list(range(int(start), int(end) + 1, int(step)))
    worlds = [(streams(catalog, _Installed(config, namespace), knobs), dict(extra)) for namespace, extra in installations]
    for name in sorted(worlds[0][0]):
        metric, seen, family = catalog.metrics[name], set(), []
        for i, (world, extra) in enumerate(worlds):
            for stream in world[name]:
                labels = {**stream.labels, **extra}
                key = tuple(sorted(labels.items()))
                if key not in seen:
                    seen.add(key)
                    family.append(dataclasses.replace(
                        stream, labels=labels, level=stream.level * (1 if metric.type == GAUGE else 1 + 0.37 * i),
                        phase=stream.phase + i if stream.phase else 0.0))
        yield from _family_lines(metric, family, times, step)
    yield "# EOF"
