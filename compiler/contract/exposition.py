"""Read /metrics expositions (files or URLs) with prometheus_client's own parsers.

Prometheus' text format and OpenMetrics are both accepted: a URL says which by its
Content-Type (we ask for OpenMetrics first, as Prometheus does), a file by the
`# EOF` line OpenMetrics ends with. Several sources merge into one `Exposition`:
an API pod and a worker pod each expose part of the catalog.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field

from prometheus_client.openmetrics.parser import text_string_to_metric_families as _openmetrics_families
from prometheus_client.parser import text_string_to_metric_families as _text_families

from ..errors import LoadError

# What Prometheus sends when it scrapes: OpenMetrics preferred, the text format accepted.
ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
OPENMETRICS_TYPE = "application/openmetrics-text"
# A /metrics page larger than this is a cardinality incident of its own; refuse rather than exhaust memory.
MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0


@dataclass
class Family:
    """One metric family as the sources expose it, merged: its samples and which source showed what."""

    name: str  # as the parser names it: a counter without `_total`
    type: str
    help: str
    samples: list = field(default_factory=list)  # (source, prometheus_client Sample)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # source -> (type, help)


@dataclass
class Exposition:
    sources: list[str] = field(default_factory=list)
    families: dict[str, Family] = field(default_factory=dict)

    def add(self, source: str, text: str, openmetrics: bool) -> None:
        parse = _openmetrics_families if openmetrics else _text_families
        try:
            parsed = list(parse(text))
        except (ValueError, KeyError, IndexError, TypeError) as exc:  # the parsers' ways of refusing a line
            kind = "OpenMetrics" if openmetrics else "Prometheus text format"
            raise LoadError(f"{source}: not valid {kind}: {exc}") from None
        self.sources.append(source)
        for metric in parsed:
            family = self.families.setdefault(metric.name, Family(metric.name, metric.type, metric.documentation))
            family.sources.setdefault(source, (metric.type, metric.documentation))
            family.samples += [(source, s) for s in metric.samples]


def read(sources: list[str], timeout: float = DEFAULT_TIMEOUT) -> Exposition:
    """The merged exposition of `sources` (paths or http(s) URLs); LoadError naming the one that fails."""
    exposition = Exposition()
    for source in sources:
        text, openmetrics = fetch(source, timeout) if _is_url(source) else _read_file(source)
        exposition.add(source, text, openmetrics)
    return exposition


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _read_file(path: str) -> tuple[str, bool]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    text = _decode(path, data)
    return text, _ends_with_eof(text)


def _ends_with_eof(text: str) -> bool:
    lines = text.rstrip("\n").rsplit("\n", 1)
    return lines[-1] == "# EOF"


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[str, bool]:
    """GET `url` as Prometheus scrapes it; (text, whether it is OpenMetrics)."""
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": "codeverify-metrics-check"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            data = resp.read(MAX_BYTES + 1)
            content_type = resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise LoadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:  # refused, unresolvable, timed out
        reason = getattr(exc, "reason", None) or exc
        raise LoadError(f"{url}: unreachable ({reason}; timeout {timeout:g}s)") from None
    text = _decode(url, data)
    return text, content_type.split(";")[0].strip().lower() == OPENMETRICS_TYPE


def _decode(source: str, data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise LoadError(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MiB: not a /metrics page we check")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{source}: not UTF-8 (byte {exc.start})") from None
