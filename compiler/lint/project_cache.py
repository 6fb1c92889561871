"""What `build.py lint FILE` needs of a project (config.py, catalog.py), cached as plain data.

Importing config.py and catalog.py imports the model, whose dataclasses and checks cost
more than linting a small file; a pre-commit hook pays that once per file. What the lint
of other files reads of them is plain data: config.py's settings; per metric, its
name, type, source, labels, label values and buckets; per log stream, its app, labels and
fields. The first lint writes that to `<root>/.lint_cache/project.marshal`; later ones
read it back when nothing it came from changed: the project root, the Python version, the
size and modification time of every module the load read outside the Python installation
(config.py, catalog.py, every definition, what they import, the compiler's own modules),
and the modification time of the directories holding them (a module created there, e.g. an
optional `config_local.py` or an alert module found by discovery, changes it) and of the
environment's site-packages (an upgraded library changes it). What the cache cannot see:
data files and environment variables a definition may read (`--no-cache`).

A setting marshal cannot store (an SLO window object, a MappingProxyType), or any setting
of a config.py that computes them in a module `__getattr__`, is not cached: reading one
makes the cached run import the real config.py, so the answer is always the module's own.
A run that loaded afresh uses the real module throughout.

marshal, not pickle or JSON: it is built in (no import to pay) and reads plain data
only. Like a .pyc file, the cache is trusted as the project's code is, since it comes
from running that code.
"""
from __future__ import annotations

import marshal
import os
import sys
import time
from collections import namedtuple

from ..catalog import Catalog

DIR = ".lint_cache"
FILE = "project.marshal"
FORMAT = 5  # bump when the shape of the cached data changes
# A file modified this close to the load's start may have been read before the change
# (timestamps as coarse as FAT's 2 s): its facts are not cached, as git treats "racily clean" files.
RACY_NS = 2_000_000_000
# The metric, source and log-stream facts the lint reads (compiler/catalog.py, labels.py, logql_targets.py).
CatalogMetric = namedtuple("CatalogMetric", "name type source labels values buckets")
CatalogSource = namedtuple("CatalogSource", "name target_labels")
CatalogLogStream = namedtuple("CatalogLogStream", "app labels fields")
# The project's recording rules, as lint_files and labels.Known read them (rule.record, .expr, .labels).
RecordedRule = namedtuple("RecordedRule", "record expr labels")
RecordedGroup = namedtuple("RecordedGroup", "rules")


class Settings:
    """config.py's plain settings; one that could not be cached is read from config.py itself."""

    def __init__(self, values: dict, uncached: tuple | None, real):
        self.__dict__.update(values)
        # None: config.py computes settings in a module __getattr__, so any name may exist
        self._uncached = None if uncached is None else frozenset(uncached)
        self._real, self._module = real, None

    def __getattr__(self, name: str):  # only for what the cache does not hold
        if name.startswith("_") or (self._uncached is not None and name not in self._uncached):
            raise AttributeError(name)
        if self._module is None:
            self._module = self._real()
        return getattr(self._module, name)


class LightProject:
    """What linting other files needs of a project: root, config, catalog, log streams, and
    its recording rules (one RecordedGroup: the lint needs their names, expressions and labels)."""

    def __init__(self, root, config, catalog, groups=(), logs=()):
        self.root, self.config, self.catalog, self.groups = root, config, catalog, tuple(groups)
        self.logs = tuple(logs)  # catalog.LOGS: what the logql/* rules hold queries on CodeVerify's apps to
        self.dashboards, self.slos, self.slo_groups, self.routing = (), (), (), None

    def all_groups(self):
        return self.groups


def load(root: str, fresh, use_cache: bool = True) -> LightProject:
    """The project at `root`, from the cache when it is current, else from `fresh(root)`
    (config, metrics, sources, log streams, external labels, recorded rules or None), which is
    then cached (not when the recorded rules could not be loaded: the next lint tries again).
    `fresh(root, with_rules=False)` gives the config alone, for a setting the cache could not hold."""
    root = os.path.abspath(root)
    path = os.path.join(root, DIR, FILE)
    facts = _read(path, root) if use_cache else None
    if facts is not None:
        return _project(root, facts, lambda: fresh(root, with_rules=False)[0])
    if use_cache:
        _make_dir(os.path.dirname(path))  # first: creating it changes the root's mtime, which is watched
    before, started = set(sys.modules), time.time_ns()
    config, metrics, sources, logs, external, recorded = fresh(root)
    facts = _facts(config, metrics, sources, logs, external, recorded or [])
    if use_cache and recorded is not None:
        files = _sources_of(root, before, started)
        if files is not None:
            _write(path, {**facts, "key": _key(root), "files": files})
    project = _project(root, facts, None)
    project.config = config  # this run has the module itself
    return project


def _key(root: str) -> tuple:
    return (FORMAT, root, sys.version, sys.executable)


def _facts(config, metrics, sources, logs, external, recorded) -> dict:
    settings, uncached = {}, []
    for name in dir(config):
        if name.isupper():
            value = getattr(config, name)
            try:
                marshal.dumps(value)
            except ValueError:  # model objects, mapping proxies, enums: read from config.py if asked
                uncached.append(name)
                continue
            settings[name] = value
    dynamic = callable(getattr(config, "__dict__", {}).get("__getattr__"))  # PEP 562: not all in dir()
    return {
        "settings": settings, "uncached": None if dynamic else tuple(uncached), "external": tuple(external),
        "metrics": [(m.name, m.type, m.source, tuple(m.labels), dict(m.values), tuple(m.buckets)) for m in metrics],
        "sources": [(s.name, tuple(s.target_labels)) for s in sources],
        "logs": [(s.app, tuple(s.labels), tuple(s.fields)) for s in logs],
        "recorded": [(record, expr, dict(labels)) for record, expr, labels in recorded],
    }


def _project(root: str, facts: dict, real_config) -> LightProject:
    metrics = [CatalogMetric(*m) for m in facts["metrics"]]
    sources = [CatalogSource(*s) for s in facts["sources"]]
    logs = [CatalogLogStream(*s) for s in facts["logs"]]
    config = Settings(facts["settings"], facts["uncached"], real_config)
    groups = (RecordedGroup(tuple(RecordedRule(*r) for r in facts["recorded"])),) if facts["recorded"] else ()
    return LightProject(root, config, Catalog(metrics, sources, facts["external"]), groups=groups, logs=logs)


def _sources_of(root: str, before: set, started: int) -> list | None:
    """(path, size, mtime_ns) of what the facts came from: the root directory, every module
    the load imported from outside the Python installation, and every module of the project
    and the compiler (this one included).
    None when they cannot all be watched (a module in a zip) or one changed during the load."""
    package = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "")
    dirs = (os.path.join(root, ""), package)
    # The interpreter's and the environment's own modules are left out, also where the environment
    # lies inside the project (.venv/): their site-packages directories stand for them (an install
    # or upgrade changes its mtime), and the interpreter's path is in the key.
    installed = tuple(os.path.join(p, "") for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
    modules = set()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        path = os.path.abspath(path) if path else None
        if path and not path.startswith(installed) and (path.startswith(dirs) or name not in before):
            modules.add(path)
    folders = {root} | {os.path.dirname(p) for p in modules} | {
        os.path.abspath(p) for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")}
    out = []
    for path in sorted(modules | folders):
        try:
            st = os.stat(path)
        except OSError:
            return None
        # A definition saved during the load may not be what it read: cache it next time. (The
        # compiler's own modules are exempt: a checkout or a copy of the repository is new, not racy.)
        if st.st_mtime_ns >= started - RACY_NS and path not in folders and not path.startswith(package):
            return None
        out.append((path, st.st_size, st.st_mtime_ns))
    return out


def _read(path: str, root: str) -> dict | None:
    try:
        with open(path, "rb") as f:
            facts = marshal.load(f)
        if facts["key"] != _key(root):
            return None  # another version, interpreter, or project (a copy carries its original's cache)
        for name, size, mtime in facts["files"]:
            st = os.stat(name)
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                return None
        return facts
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None  # absent, unreadable, or written by another version: load afresh


def _make_dir(directory: str) -> None:
    try:
        os.makedirs(directory, exist_ok=True)
        ignore = os.path.join(directory, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w") as f:
                f.write("# the lint's cache (compiler/lint/project_cache.py); never committed\n*\n")
    except OSError:
        pass  # not writable: _write fails too, and the project is loaded afresh each time


def _write(path: str, facts: dict) -> None:
    """Write atomically (parallel hooks may race); a read-only project is simply not cached."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            marshal.dump(facts, f)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        if os.path.exists(tmp):  # a full disk, or a signal during the write
            os.remove(tmp)
