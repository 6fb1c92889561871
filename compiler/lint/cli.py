"""The fast path of `build.py lint PATH...`: lint files without loading what a build needs.

A pre-commit hook runs the linter once per file, so its start-up is most of its cost.
build.py hands `lint` with paths to `main()` before importing click or the pipeline;
this reads what the lint needs of the project (config.py's settings, the catalog, the
recording rules its alerts and SLOs define) from .lint_cache/ when none of it changed
(compiler/lint/project_cache.py), and never imports grafanalib or renders anything.
Anything it does not recognise on the command line (help, a typo) goes back to click,
which owns the interface and its messages; the options here are the same as build.py's `lint`.
"""
from __future__ import annotations

import os
import sys

FLAGS = {"--strict": "strict", "--catalog-strict": "catalog_strict", "--no-cache": "no_cache"}
VALUED = {"--format": "fmt", "--disable": "disable", "--severity": "severity", "--max-file-size": "max_bytes"}
FORMATS = ("text", "json", "sarif")


def parse(argv: list[str]) -> dict | None:
    """The options of `lint PATH...`, or None for anything click should handle."""
    opts: dict = {"fmt": "text", "strict": False, "catalog_strict": False, "disable": [], "severity": [], "paths": [],
                  "max_bytes": None, "no_cache": False}
    args = iter(argv)
    for arg in args:
        if arg == "--":
            opts["paths"].extend(args)
            break
        name, eq, value = arg.partition("=")
        if name in FLAGS and not eq:
            opts[FLAGS[name]] = True
        elif name in VALUED:
            if not eq:
                value = next(args, None)
                if value is None:
                    return None
            if VALUED[name] == "fmt":
                if value not in FORMATS:
                    return None
                opts["fmt"] = value
            elif VALUED[name] == "max_bytes":
                if not value.isdigit() or int(value) < 1:
                    return None  # click's message for a bad number
                opts["max_bytes"] = int(value)
            else:
                opts[VALUED[name]].append(value)
        elif arg.startswith("-"):
            return None  # --help, or something click explains better
        else:
            opts["paths"].append(arg)
    return opts if opts["paths"] else None


def split_root(argv: list[str], root: str) -> tuple[list[str], str] | None:
    """`[--root DIR] lint ARGS...` -> (ARGS, root); None for any other command line."""
    if argv[:1] == ["--root"] and len(argv) > 2:
        root, argv = argv[1], argv[2:]
    elif argv[:1] and argv[0].startswith("--root="):
        root, argv = argv[0].split("=", 1)[1], argv[1:]
    return (argv[1:], root) if argv[:1] == ["lint"] else None


def main(argv: list[str], root: str) -> int | None:
    """Run `[--root DIR] lint PATH...` (argv without the program); the exit status, or None (click's)."""
    found = split_root(argv, root)
    opts = parse(found[0]) if found is not None else None
    if opts is None:
        return None
    root = found[1]
    import gc
    import signal

    gc.disable()  # a short process of many small objects and no cycles worth collecting
    from ..errors import LoadError, UsageError

    def stopped(signum, frame):
        raise _Stopped(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):  # as build.py's main(): 128 + N after cleanup
        signal.signal(signum, stopped)
    try:
        code, text, summary = lint_paths(root, opts)
    except (LoadError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, _Stopped) as exc:  # a forked lint child is cancelled on the way out
        signum = exc.signum if isinstance(exc, _Stopped) else signal.SIGINT
        print(f"interrupted by {signal.Signals(signum).name}", file=sys.stderr)
        return 128 + signum
    sys.stdout.write(text)
    print(summary, file=sys.stderr)
    return code


class _Stopped(BaseException):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def lint_paths(root: str, opts: dict) -> tuple[int, str, str]:
    from . import has_errors, project_cache, registry, report
    from .command import policy_of
    from .external import MAX_FILE_BYTES, lint_files

    project = project_cache.load(root, load_fresh, use_cache=not opts.get("no_cache"))
    policy = policy_of(project.config, opts["disable"], opts["severity"])
    # Each rule imported when an object of its scope comes up: a rule file's lint imports no dashboard rule.
    rules = registry.lazy(i for i in registry.IDS if not policy.disabled_everywhere(i))
    findings = policy.apply(lint_files(project, opts["paths"], rules=rules, catalog_strict=opts["catalog_strict"],
                                       max_bytes=opts.get("max_bytes") or MAX_FILE_BYTES))
    code = 1 if has_errors(findings, opts["strict"]) else 0
    described = registry.RULES if opts["fmt"] == "sarif" else ()  # SARIF describes every rule
    return code, report.render(findings, opts["fmt"], described), report.summary(findings)


def load_fresh(root: str, with_rules: bool = True) -> tuple:
    """What the lint needs of the project at `root`, checked as a build checks it (compiler/load.py):
    (config, metrics, sources, log streams, external labels, recorded), for compiler/lint/project_cache.py.

    `recorded` lists (record, expr, labels) of the project's recording rules, SLO rules included,
    so that a dashboard using them is linted as the build lints it; they need every definition
    loaded. Where those do not load (a definition being edited), the lint goes on without them,
    says so on stderr, and `recorded` is None (nothing is cached). A project of config.py and
    catalog.py alone has none.
    """
    from .. import load as loader

    root = os.path.abspath(root)
    if not (with_rules and all(_defines(root, name) for name in loader.MODULES)):
        return (*_config_and_catalog(root), [])
    from ..errors import LoadError
    from ..pipeline import load_for_lint

    try:
        project = load_for_lint(root)
    except LoadError as exc:
        light = _config_and_catalog(root)  # config.py or catalog.py broken: that error alone, as before
        print(f"warning: the project's recording rules are unknown to this lint: {exc}", file=sys.stderr)
        return (*light, None)
    recorded = [(r.record, r.expr, dict(r.labels)) for g in project.all_groups() for r in g.rules
                if hasattr(r, "record")]
    catalog = project.catalog
    return (project.config, catalog.metrics.values(), catalog.sources.values(), project.logs,
            catalog.external_labels, recorded)


def _defines(root: str, name: str) -> bool:
    return os.path.isfile(os.path.join(root, f"{name}.py")) or os.path.isfile(os.path.join(root, name, "__init__.py"))


def _config_and_catalog(root: str) -> tuple:
    """config.py and catalog.py alone: (config, metrics, sources, log streams, external labels)."""
    from .. import load as loader
    from ..errors import LoadError
    from ..model import LogStream, Metric, MetricSource

    if not os.path.isfile(os.path.join(root, "config.py")):
        raise LoadError(f"{root}: not a project root (no config.py)")
    for name in list(sys.modules):
        if name.split(".")[0] in ("config", "catalog"):
            del sys.modules[name]
    sys.path.insert(0, root)
    try:
        config = loader._import("config", root)
        catalog_mod = loader._import("catalog", root)
    finally:
        sys.path.remove(root)
    loader.check_config(config, loader.CONFIG)
    metrics = loader._expect(catalog_mod, "METRICS", Metric, root)
    sources = loader._expect(catalog_mod, "SOURCES", MetricSource, root)
    logs = loader._expect(catalog_mod, "LOGS", LogStream, root) if hasattr(catalog_mod, "LOGS") else ()
    return config, metrics, sources, logs, loader.catalog_of(config, metrics, sources).external_labels
