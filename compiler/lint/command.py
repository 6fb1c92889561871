"""`build.py lint [PATH...]`: lint the definitions, or external files against the catalog."""
from __future__ import annotations

from . import has_errors, report, run, subjects
from .policy import Policy

# Findings the framework itself reports (not rules of the registry); policy may name them too.
FRAMEWORK_IDS = ("input/read", "input/parse", "input/unknown", "lint/ignore")


def policy_of(config, disable=(), severity=()) -> Policy:
    """The lint policy of a project's config (and the command line); UsageError for what it cannot read."""
    from .registry import IDS

    return Policy.build(config, disable, severity, list(IDS) + list(FRAMEWORK_IDS))


def lint(root: str, paths=(), fmt: str = "text", strict: bool = False, disable=(), severity=(),
         catalog_strict: bool = False, max_bytes: int | None = None, no_cache: bool = False) -> tuple[int, str, str]:
    """(exit status, report for stdout, one-line summary for stderr); raises LoadError/UsageError."""
    from .registry import RULES

    if paths:  # one path for both entries (compiler/lint/cli.py): only config and catalog are loaded
        from .cli import lint_paths

        return lint_paths(root, {"paths": list(paths), "fmt": fmt, "strict": strict, "disable": disable,
                                 "severity": severity, "catalog_strict": catalog_strict, "max_bytes": max_bytes,
                                 "no_cache": no_cache})
    from ..pipeline import load_for_lint  # SLO expansion: lint what the build would emit

    project = load_for_lint(root)
    policy = policy_of(project.config, disable, severity)
    rules = tuple(r for r in RULES if not policy.disabled_everywhere(r.ID))
    findings = run(project, subjects(project), rules)
    findings = policy.apply(findings)
    code = 1 if has_errors(findings, strict) else 0
    return code, report.render(findings, fmt, RULES), report.summary(findings)
