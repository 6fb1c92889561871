"""Where preview data comes from: a function from a panel target to series.

A data source is any `Callable[[dict], list[Series]]` taking a Grafana target
(its `expr`, `datasource`, `legendFormat`, `instant`) — so a live Prometheus,
a simulator, or a test stub plug in alike. `None` means layout only.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable

from .. import promql
from ..errors import UsageError

# The window previews show, and the step (about 120 points per line).
RANGE_SECONDS = 6 * 3600
STEP_SECONDS = 180


@dataclass(frozen=True)
class Series:
    name: str  # the legend, as Grafana would print it
    times: tuple[float, ...]  # unix seconds
    values: tuple[float, ...]


DataSource = Callable[[dict], "list[Series]"]

_LEGEND = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def legend(fmt: str, labels: dict) -> str:
    if fmt:
        return _LEGEND.sub(lambda m: str(labels.get(m.group(1), "")), fmt)
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return labels.get("__name__", "") + "{" + inner + "}" if inner or "__name__" in labels else "value"


def prometheus(url: str, end: float, timeout: float = 10.0) -> DataSource:
    """Range queries against a Prometheus HTTP API at `url`, ending at `end` (unix seconds).

    Grafana variables are expanded first (`$__rate_interval` as Grafana would at
    our scrape interval, others to match-anything). Non-PromQL targets (LogQL)
    get no data; a query Prometheus rejects gets none either, and the panel says so.
    """
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--prometheus-url {url}: expected an http:// or https:// URL")

    def fetch(target: dict) -> list[Series]:
        ds = target.get("datasource") or {}
        if isinstance(ds, dict) and ds.get("type", "prometheus") != "prometheus":
            return []
        expr = promql.expand(target.get("expr", ""))
        params = {"query": expr, "start": end - RANGE_SECONDS, "end": end, "step": STEP_SECONDS}
        request = f"{base}/api/v1/query_range?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = json.load(response)
        except urllib.error.HTTPError:
            return []  # a query Prometheus rejects: the panel shows "no data"
        except (urllib.error.URLError, OSError) as exc:
            raise UsageError(f"--prometheus-url {url}: cannot reach Prometheus ({exc})") from None
        out = []
        for result in body.get("data", {}).get("result", []):
            points = [(float(t), float(v)) for t, v in result.get("values", [])]
            out.append(Series(
                legend(target.get("legendFormat", ""), result.get("metric", {})),
                tuple(t for t, _ in points), tuple(v for _, v in points),
            ))
        return sorted(out, key=lambda s: s.name)

    return fetch
