"""What `build.py lint FILE` needs of a project (config.py, catalog.py), cached as plain data.

Importing config.py and catalog.py imports the model, whose dataclasses and checks cost
more than linting a small file; a pre-commit hook pays that once per file. What the lint
of other files reads of them is plain data: config.py's settings; per metric, its
name, type, source, labels, label values and buckets; per log stream, its app, labels and
fields. The first lint writes that to
`<root>/.lint_cache/project.marshal`; later ones read it back when nothing it came from
changed: the Python version, and the size and modification time of every module the
load read from the project or the compiler (config.py, catalog.py, what they import,
and this code). A project that cannot be written to is loaded afresh every time.

marshal, not pickle or JSON: it is built in (no import to pay) and reads plain data
only. Like a .pyc file, the cache is trusted as the project's code is, since it comes
from running that code.
"""
from __future__ import annotations

import marshal
import os
import sys
from collections import namedtuple

from ..catalog import Catalog

DIR = ".lint_cache"
FILE = "project.marshal"
FORMAT = 2  # bump when the shape of the cached data changes
# The metric and source facts the lint reads (compiler/catalog.py, compiler/labels.py).
CatalogMetric = namedtuple("CatalogMetric", "name type source labels values buckets")
CatalogSource = namedtuple("CatalogSource", "name target_labels")
CatalogLogStream = namedtuple("CatalogLogStream", "app labels fields")


class Settings:
    """config.py's plain settings (the ones a lint reads are all plain data)."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


class LightProject:
    """What linting other files needs of a project: root, config, catalog and log streams
    (`groups`, the project's recording rules, stay empty on the fast path: see cli.py)."""

    def __init__(self, root, config, catalog, groups=(), logs=()):
        self.root, self.config, self.catalog, self.groups = root, config, catalog, tuple(groups)
        self.logs = tuple(logs)  # catalog.LOGS: what the logql/* rules hold queries on CodeVerify's apps to
        self.dashboards, self.slos, self.slo_groups, self.routing = (), (), (), None

    def all_groups(self):
        return self.groups


def load(root: str, fresh, use_cache: bool = True) -> LightProject:
    """The project at `root`, from the cache when it is current, else from `fresh(root)`
    (config, metrics, sources, log streams, external labels), which is then cached."""
    root = os.path.abspath(root)
    path = os.path.join(root, DIR, FILE)
    facts = _read(path) if use_cache else None
    if facts is None:
        config, metrics, sources, logs, external = fresh(root)
        facts = _facts(config, metrics, sources, logs, external, _sources_of(root))
        if use_cache:
            _write(path, facts)
    return _project(root, facts)


def _key() -> tuple:
    return (FORMAT, sys.version, sys.executable)


def _facts(config, metrics, sources, logs, external, files) -> dict:
    settings = {}
    for name in dir(config):
        if name.isupper():
            value = getattr(config, name)
            try:
                marshal.dumps(value)
            except ValueError:  # model objects (SLO windows, routes): no lint of a file reads them
                continue
            settings[name] = value
    return {
        "key": _key(), "files": files, "settings": settings, "external": tuple(external),
        "metrics": [(m.name, m.type, m.source, tuple(m.labels), dict(m.values), tuple(m.buckets)) for m in metrics],
        "sources": [(s.name, tuple(s.target_labels)) for s in sources],
        "logs": [(s.app, tuple(s.labels), tuple(s.fields)) for s in logs],
    }


def _project(root: str, facts: dict) -> LightProject:
    metrics = [CatalogMetric(*m) for m in facts["metrics"]]
    sources = [CatalogSource(*s) for s in facts["sources"]]
    logs = [CatalogLogStream(*s) for s in facts["logs"]]
    return LightProject(root, Settings(facts["settings"]), Catalog(metrics, sources, facts["external"]), logs=logs)


def _sources_of(root: str) -> list:
    """(path, size, mtime_ns) of every module loaded from the project or the compiler: what
    the cached facts were computed from. Modules loaded before the load count too (this
    module and the catalog index shape the facts)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs = tuple(os.path.join(d, "") for d in {root, package})
    out = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(dirs):
            st = os.stat(path)
            out.append((os.path.abspath(path), st.st_size, st.st_mtime_ns))
    return sorted(out)


def _read(path: str) -> dict | None:
    try:
        with open(path, "rb") as f:
            facts = marshal.load(f)
        if facts["key"] != _key():
            return None
        for name, size, mtime in facts["files"]:
            st = os.stat(name)
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                return None
        return facts
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None  # absent, unreadable, or written by another version: load afresh


def _write(path: str, facts: dict) -> None:
    """Write atomically (parallel hooks may race); a read-only project is simply not cached."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        ignore = os.path.join(os.path.dirname(path), ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w") as f:
                f.write("# the lint's cache (compiler/lint/project_cache.py); never committed\n*\n")
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            marshal.dump(facts, f)
        os.replace(tmp, path)
    except OSError:
        pass
