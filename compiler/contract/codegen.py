"""The application's prometheus_client metric objects, generated from the catalog.

CodeVerify imports `out/client/codeverify_metrics.py` instead of defining its metrics
by hand, so its names, help texts, label names and buckets are the ones the
dashboards and alerts are compiled against. `build.py` writes and `--check`s it like
every generated file; `build.py metrics codegen` writes it alone (or elsewhere).
"""
from __future__ import annotations

import json
import keyword
import os
import tempfile

from ..model import COUNTER, GAUGE, HISTOGRAM, SUMMARY, Metric
from ..write import with_header
from . import APP_SOURCE

PATH = "client/codeverify_metrics.py"
_CLASSES = {COUNTER: "Counter", GAUGE: "Gauge", HISTOGRAM: "Histogram", SUMMARY: "Summary"}

_DOC = '''"""CodeVerify's metrics as the monitoring catalog defines them: import them, do not define your own.

The dashboards, alerts and SLOs are compiled from the same catalog, so a renamed
metric, a dropped label or other buckets fail `build.py metrics check` in CI instead
of blanking a panel weeks later. To change a metric, change catalog.py in the
monitoring repository and regenerate (`python build.py` or `build.py metrics codegen`).

Every metric registers in prometheus_client's default REGISTRY on import. Labels
listed in ALLOWED_VALUES take only those values; `metrics check` reports others.
"""
'''


def constant(name: str, taken: set[str]) -> str:
    """The module-level name of metric `name`: without the `codeverify_` prefix, upper case, unique."""
    short = name.removeprefix(f"{APP_SOURCE}_").upper()
    if not short.isidentifier() or keyword.iskeyword(short.lower()) or short in taken or short == "ALLOWED_VALUES":
        short = name.upper()
    taken.add(short)
    return short


def module(metrics: list[Metric], source_file: str) -> bytes:
    """The generated module for `metrics` (catalog order), with the DO NOT EDIT header naming `source_file`."""
    used = sorted({_CLASSES[m.type] for m in metrics})
    lines = [_DOC, f"from prometheus_client import {', '.join(used)}", ""]
    values = {m.name: dict(m.values) for m in metrics if m.values}
    lines.append("# Values the catalog allows for enumerated labels, by metric and label.")
    lines.append("ALLOWED_VALUES = {")
    for name, by_label in values.items():
        lines.append(f"    {_str(name)}: {{")
        lines += [f"        {_str(label)}: {_tuple(allowed, _str)}," for label, allowed in sorted(by_label.items())]
        lines.append("    },")
    lines += ["}", ""]
    taken: set[str] = set()
    for m in metrics:
        args = [_str(m.name), _str(m.help), f"labelnames={_tuple(m.labels, _str)}"]
        if m.type == HISTOGRAM:
            args.append(f"buckets={_tuple(m.buckets, lambda b: repr(float(b)))}")
        lines.append(f"{constant(m.name, taken)} = {_CLASSES[m.type]}(")
        lines += [f"    {arg}," for arg in args]
        lines.append(")")
    return with_header("\n".join(lines) + "\n", source_file)


def _str(text: str) -> str:
    """A Python string literal in the house's double quotes (JSON's escapes are Python's too)."""
    return json.dumps(text, ensure_ascii=False)


def _tuple(items, literal) -> str:
    inner = ", ".join(literal(i) for i in items)
    return f"({inner},)" if len(items) == 1 else f"({inner})"


def app_metrics(catalog, source: str = APP_SOURCE) -> list[Metric]:
    return [m for m in catalog.metrics.values() if m.source == source]


def render(project) -> dict[str, bytes]:
    """{PATH: module} for the project's application metrics; nothing when the catalog has none."""
    metrics = app_metrics(project.catalog)
    if not metrics:
        return {}
    files = sorted({project.rel(m.src.file) for m in metrics})
    return {PATH: module(metrics, ", ".join(files))}


def write(path: str, data: bytes) -> bool:
    """Put `data` at `path` atomically (temp file + rename) unless it is there already; whether it changed."""
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".codegen-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return True
