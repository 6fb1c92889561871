"""Import a project's definition modules and check they have the expected shape.

A project root holds `config.py`, `catalog.py` and the packages `dashboards`,
`alerts` and `slo`. Any exception while importing them becomes a LoadError that
names the file and line where it was raised, never a traceback.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import settings
from .errors import LoadError
from .location import Location, relpath
from .catalog import Catalog
from .model import SLO, AlertRule, BurnRateWindow, Dashboard, LogStream, Metric, MetricSource, RecordingRule, RuleGroup
from typing import TYPE_CHECKING

from .typecheck import problem

if TYPE_CHECKING:  # imported by load(): `build.py lint PATH` reads config and catalog only
    from .routing import Routing

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
    # catalog.LOGS: the log streams LogQL queries may select, and their fields.
    logs: tuple[LogStream, ...] = ()

    def all_groups(self) -> tuple[RuleGroup, ...]:
        return tuple(self.groups) + tuple(self.slo_groups)

    def locate(self, obj, *path: str) -> Location:
        return Location.of(obj.src, self.root, *path)

    def rel(self, path: str) -> str:
        return relpath(path, self.root)


# What the compiler reads from config.py, and its types: checked at load, so that a
# missing or mistyped setting is one line at config.py, not a traceback in an emitter.
CONFIG = {
    "NAMESPACE": str, "APP_NAMESPACE": str, "RELEASE_LABEL": Mapping[str, str], "COMMON_LABELS": Mapping[str, str],
    "DASHBOARD_LABEL": Mapping[str, str], "DASHBOARD_FOLDER_ANNOTATION": str, "DASHBOARD_FOLDER": str,
    "DASHBOARD_TAGS": tuple[str, ...], "PROMETHEUS_DATASOURCE_VAR": str, "SCRAPE_INTERVAL": str, "API_APP": str,
    "WORKER_APP": str, "METRICS_PORT": str, "METRICS_PATH": str, "PROMETHEUS_VERSION": str,
    "SEVERITIES": tuple[str, ...], "RUNBOOK_BASE_URL": str, "RULES_NAME": str,
}
# Only with alerts/ROUTING, and only with SLOs.
ROUTING_CONFIG = {
    "ALERTMANAGER_CONFIG_NAME": str, "ALERTMANAGER_CONFIG_NAMESPACE": str, "ALERTMANAGER_SECRET": str,
    "ALERTMANAGER_SECRETS_DIR": str, "PAGERDUTY_ROUTING_KEY_KEY": str, "SLACK_WEBHOOK_URL_KEY": str,
}
# Only with TEMPO_URL: the datasources of out/helm/ (compiler/emit/datasources.py).
TRACES_CONFIG = {
    "TRACE_ID_FIELD": str, "DATASOURCE_UIDS": Mapping[str, str], "LOKI_URL": str, "TEMPO_URL": str,
}
SLO_CONFIG = {
    "SLO_RULES_NAME": str, "SLO_DASHBOARD_UID": str, "SLO_BURN_RATE_WINDOWS": tuple[BurnRateWindow, ...],
    "SLO_ALERT_FOR": Mapping[str, str], "SLO_MIN_BAD_EVENTS": int,
}
# Only when config.py defines PROBE_JOB: the project probes its Services' health endpoints.
PROBE_CONFIG = {
    "PROBE_JOB": str, "PROBE_INTERVAL": str, "BLACKBOX_EXPORTER_URL": str, "BLACKBOX_MODULE": str,
    "HEALTH_ENDPOINTS": Mapping[str, str], "PROBED_SERVICES": tuple[str, ...], "APP_PORT": int,
}
# Optional durations (their defaults live where they are used): checked when set.
OPTIONAL_DURATIONS = ("VANISH_DEADLINE", "VANISH_PAGE_DEADLINE", "SLO_ABSENT_FOR")


def check_config(config, schema: dict, what: str = "", present_only: bool = False) -> None:
    """Raise a LoadError at config.py for the settings of `schema` missing (unless `present_only`),
    or the first of a wrong type."""
    values, missing = {}, []
    for name in schema:
        try:
            values[name] = getattr(config, name)
        except AttributeError:
            if not present_only:
                missing.append(name)
        except Exception as exc:  # a module __getattr__ that raises
            raise LoadError(f"config.py: {name}: {type(exc).__name__}: {exc}") from None
    if missing:
        raise LoadError(f"config.py: must define {', '.join(missing)}{what}")
    for name, hint in schema.items():
        if name not in values:
            continue
        wrong = problem(name, values[name], hint)
        if wrong is not None:
            raise LoadError(f"config.py: {wrong}")


def check_settings(config, root: str) -> None:
    """config.py alone, before any definition imports it: what it must define, every
    setting's type (those needed only with ROUTING or SLOs too, when present) and value."""
    check_config(config, CONFIG)
    check_config(config, {**ROUTING_CONFIG, **SLO_CONFIG}, present_only=True)
    settings.check_values(config, root)


def load(root: str) -> Project:
    root = os.path.abspath(root)
    if not os.path.isfile(os.path.join(root, "config.py")):
        raise LoadError(f"{root}: not a project root (no config.py)")
    mods = _import_all(root, lambda config: check_settings(config, root))
    config, catalog_mod = mods["config"], mods["catalog"]
    metrics = _expect(catalog_mod, "METRICS", Metric, root)
    sources = _expect(catalog_mod, "SOURCES", MetricSource, root)
    catalog = catalog_of(config, metrics, sources)
    dashboards = _definitions(mods["dashboards"], "DASHBOARDS", Dashboard, root)
    groups = _definitions(mods["alerts"], "GROUPS", RuleGroup, root)
    _check_rules_grouped(mods["alerts"], groups, root)
    slos = _definitions(mods["slo"], "SLOS", SLO, root)
    from .routing import Routing, undefined_receivers

    routing = getattr(mods["alerts"], "ROUTING", None)
    if routing is not None and not isinstance(routing, Routing):
        where = relpath(mods["alerts"].__file__, root)
        raise LoadError(f"{where}: ROUTING is a {type(routing).__name__}, expected Routing")
    for route, name in undefined_receivers(routing) if routing is not None else ():
        where = Location.of(route.src, root)
        raise LoadError(f"{where}: route sends to receiver `{name}`, which ROUTING.receivers does not define")
    if routing is not None:
        check_config(config, ROUTING_CONFIG, " (alerts define ROUTING)")
    if hasattr(config, "TEMPO_URL"):
        check_config(config, TRACES_CONFIG, " (TEMPO_URL is set)")
        missing = {"prometheus", "loki", "tempo"} - set(config.DATASOURCE_UIDS)
        if missing:
            raise LoadError(f"config.py: DATASOURCE_UIDS has no uid for {', '.join(sorted(missing))}")
    if slos:
        check_config(config, SLO_CONFIG, " (slo/ defines SLOs)")
        _check_burn_rate_windows(config)
    if hasattr(config, "PROBE_JOB"):
        check_config(config, PROBE_CONFIG, " (config.py defines PROBE_JOB)")
    _check_optional_durations(config)
    logs = _expect(catalog_mod, "LOGS", LogStream, root) if hasattr(catalog_mod, "LOGS") else ()
    return Project(root, config, catalog, dashboards, groups, slos, routing=routing, logs=logs)


def catalog_of(config, metrics, sources) -> Catalog:
    """The Catalog of a project (also what `build.py lint PATH` loads, compiler/lint/cli.py)."""
    cluster = getattr(config, "CLUSTER_LABEL", "")
    return Catalog(metrics, sources, (cluster,) if isinstance(cluster, str) and cluster else ())


def _check_optional_durations(config) -> None:
    """VANISH_DEADLINE and the like, when set: a positive Prometheus duration, which promtool and Prometheus read."""
    from .promql import duration_seconds

    for name in OPTIONAL_DURATIONS:
        if not hasattr(config, name):
            continue
        value = getattr(config, name)
        seconds = duration_seconds(value) if isinstance(value, str) else None
        if not seconds or seconds <= 0:
            raise LoadError(f"config.py: {name} {str(value)[:40]!r} is not a positive Prometheus duration (write e.g. `15m`)")


def _check_burn_rate_windows(config) -> None:
    """The burn-rate table must be usable: rows (each checks itself, BurnRateWindow.validate), an alert `for` per severity."""
    windows = config.SLO_BURN_RATE_WINDOWS
    if not windows:
        raise LoadError("config.py: SLO_BURN_RATE_WINDOWS is empty: give at least one BurnRateWindow")
    for i, w in enumerate(windows):
        if w.severity not in config.SLO_ALERT_FOR:
            raise LoadError(f"config.py: SLO_ALERT_FOR has no `for` for severity `{w.severity}` (SLO_BURN_RATE_WINDOWS[{i}])")


def _import_all(root: str, config_check=None) -> dict:
    """The definition modules of `root`; `config_check(config)` runs right after config.py,
    before the others import it (so that its mistakes are reported at config.py)."""
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
            if name == "config" and config_check is not None:
                config_check(mods[name])
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
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # sys.exit() in a definition module is an error there, not our exit status
        raise LoadError(_describe(exc, root)) from None


def _describe(exc: BaseException, root: str) -> str:
    # The innermost frame in the project's own files: not in this package, which a
    # definition calls into (a constructor's type check) and which sits under this
    # repository's root.
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith(root + os.sep) and not f.filename.startswith(_COMPILER_DIR)]
    message = f"{type(exc).__name__}: {exc}"
    if not frames:
        return message
    last = frames[-1]
    return f"{relpath(last.filename, root)}:{last.lineno}: {message}"


_COMPILER_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


# What each kind is called in a message, and its name.
_KINDS = {Dashboard: ("dashboard", "uid"), RuleGroup: ("group", "name"), SLO: ("slo", "name")}


def _definitions(package, attr: str, kind: type, root: str) -> tuple:
    """The package's `attr` (e.g. DASHBOARDS), checked against every `kind` its modules define.

    Without `attr` the package's modules are the list: what they define at top
    level is built, in module-name order. With it, the list says the order, and a
    definition it leaves out is a located error instead of silently not built.
    """
    found = _discover(package, kind, root)
    if attr not in vars(package):
        return found
    listed = _expect(package, attr, kind, root)
    ids = {id(obj) for obj in listed}
    for obj in found:
        if id(obj) not in ids:
            what, name = _KINDS[kind]
            where = relpath(package.__file__, root)
            raise LoadError(f"{Location.of(obj.src, root)}: {what} '{getattr(obj, name)}' is not in {attr} "
                            f"({where}), so it would not be built: add it there")
    return listed


def _discover(package, kind: type, root: str) -> tuple:
    """Every `kind` defined at the top level of the package's modules (subpackages too), once each."""
    found: dict[int, object] = {}
    for module in _submodules(package, root):
        for value in vars(module).values():
            if isinstance(value, kind):
                found.setdefault(id(value), value)
            elif isinstance(value, (tuple, list)):  # GROUPS = (a.GROUP, ...), or several in one module
                for item in value:
                    if isinstance(item, kind):
                        found.setdefault(id(item), item)
    # In module order, then in the order each module defines them.
    return tuple(sorted(found.values(), key=lambda obj: (relpath(obj.src.file, root), obj.src.line or 0)))


def _check_rules_grouped(package, groups: tuple, root: str) -> None:
    """An alert or recording rule defined at a module's top level must be in a group that is built."""
    grouped = {id(rule) for group in groups for rule in group.rules}
    for kind, what, name in ((AlertRule, "alert", "name"), (RecordingRule, "recording rule", "record")):
        for rule in _discover(package, kind, root):
            if id(rule) not in grouped:
                raise LoadError(f"{Location.of(rule.src, root)}: {what} '{getattr(rule, name)}' is in no rule group "
                                "of GROUPS, so it would not be built: add it to a RuleGroup's rules")


def _submodules(package, root: str) -> list:
    modules = [package]
    for info in pkgutil.iter_modules(getattr(package, "__path__", ())):
        module = _import(f"{package.__name__}.{info.name}", root)
        modules += _submodules(module, root) if info.ispkg else [module]
    return modules


def _expect(module, attr: str, kind: type, root: str) -> tuple:
    where = relpath(getattr(module, "__file__", module.__name__) or module.__name__, root)
    value = getattr(module, attr, None)
    if not isinstance(value, (tuple, list)):
        raise LoadError(f"{where}: must define {attr}, a tuple of {kind.__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, kind):
            raise LoadError(f"{where}: {attr}[{i}] is a {type(item).__name__}, expected {kind.__name__}")
    return tuple(value)
