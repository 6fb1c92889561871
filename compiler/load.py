"""Import a project's definition modules and check they have the expected shape.

A project root holds `config.py`, `catalog.py` and the packages `dashboards`,
`alerts` and `slo`. Any exception while importing them becomes a LoadError that
names the file and line where it was raised, never a traceback.
"""
from __future__ import annotations

import importlib
import os
import sys
import traceback
from dataclasses import dataclass, field

from .errors import LoadError
from .location import Location, relpath
from .metrics import Catalog
from .model import Dashboard, Metric, MetricSource, RuleGroup
from .routing import Routing, undefined_receivers

MODULES = ("config", "catalog", "dashboards", "alerts", "slo")


@dataclass
class Project:
    root: str
    config: object
    catalog: Catalog
    dashboards: tuple[Dashboard, ...]
    groups: tuple[RuleGroup, ...]
    slos: tuple = ()
    # Filled by SLO expansion: recording rules and burn-rate alerts, per SLO.
    slo_groups: tuple[RuleGroup, ...] = ()
    # alerts.ROUTING when the project routes its alerts (compiler/routing.py), else None.
    routing: Routing | None = None
    extra: dict = field(default_factory=dict)

    def all_groups(self) -> tuple[RuleGroup, ...]:
        return tuple(self.groups) + tuple(self.slo_groups)

    def locate(self, obj, *path: str) -> Location:
        return Location.of(obj.src, self.root, *path)

    def rel(self, path: str) -> str:
        return relpath(path, self.root)


def load(root: str) -> Project:
    root = os.path.abspath(root)
    if not os.path.isfile(os.path.join(root, "config.py")):
        raise LoadError(f"{root}: not a project root (no config.py)")
    mods = _import_all(root)
    config, catalog_mod = mods["config"], mods["catalog"]
    metrics = _expect(catalog_mod, "METRICS", Metric, root)
    sources = _expect(catalog_mod, "SOURCES", MetricSource, root)
    catalog = Catalog(metrics, sources)
    dashboards = _expect(mods["dashboards"], "DASHBOARDS", Dashboard, root)
    groups = _expect(mods["alerts"], "GROUPS", RuleGroup, root)
    slos = tuple(getattr(mods["slo"], "SLOS", ()))
    routing = getattr(mods["alerts"], "ROUTING", None)
    if routing is not None and not isinstance(routing, Routing):
        where = relpath(mods["alerts"].__file__, root)
        raise LoadError(f"{where}: ROUTING is a {type(routing).__name__}, expected Routing")
    for route, name in undefined_receivers(routing) if routing is not None else ():
        where = Location.of(route.src, root)
        raise LoadError(f"{where}: route sends to receiver `{name}`, which ROUTING.receivers does not define")
    return Project(root, config, catalog, dashboards, groups, slos, routing=routing)


def _import_all(root: str) -> dict:
    # Definitions use plain top-level names (`import config`); forget any copy
    # imported from another root so that `--root` always means what it says.
    for name in list(sys.modules):
        if name.split(".")[0] in MODULES:
            del sys.modules[name]
    sys.path.insert(0, root)
    try:
        mods = {}
        for name in MODULES:
            mods[name] = _import(name, root)
        return mods
    finally:
        sys.path.remove(root)


def _import(name: str, root: str):
    try:
        return importlib.import_module(name)
    except SyntaxError as exc:
        where = relpath(exc.filename or name, root)
        raise LoadError(f"{where}:{exc.lineno}: syntax error: {exc.msg}") from None
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise LoadError(f"{name}: module or package not found under {root}") from None
        raise LoadError(_describe(exc, root)) from None
    except Exception as exc:  # any error in user code is a load error, reported with its line
        raise LoadError(_describe(exc, root)) from None


def _describe(exc: BaseException, root: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(root + os.sep)]
    message = f"{type(exc).__name__}: {exc}"
    if not frames:
        return message
    last = frames[-1]
    return f"{relpath(last.filename, root)}:{last.lineno}: {message}"


def _expect(module, attr: str, kind: type, root: str) -> tuple:
    where = relpath(getattr(module, "__file__", module.__name__) or module.__name__, root)
    value = getattr(module, attr, None)
    if not isinstance(value, (tuple, list)):
        raise LoadError(f"{where}: must define {attr}, a tuple of {kind.__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, kind):
            raise LoadError(f"{where}: {attr}[{i}] is a {type(item).__name__}, expected {kind.__name__}")
    return tuple(value)
