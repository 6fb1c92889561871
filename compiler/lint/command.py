"""`build.py lint [PATH...]`: lint the definitions, or external files against the catalog."""
from __future__ import annotations

from ..load import load
from . import has_errors, report, run, subjects
from .policy import Policy

# Findings the framework itself reports (not rules of the registry); policy may name them too.
FRAMEWORK_IDS = ("input/read", "input/parse", "input/unknown", "lint/ignore")


def lint(root: str, paths=(), fmt: str = "text", strict: bool = False, disable=(), severity=(),
         catalog_strict: bool = False, max_bytes: int | None = None) -> tuple[int, str, str]:
    """(exit status, report for stdout, one-line summary for stderr); raises LoadError/UsageError."""
    from .registry import RULES

    project = load(root)
    policy = Policy.build(project.config, disable, severity, [r.ID for r in RULES] + list(FRAMEWORK_IDS))
    rules = tuple(r for r in RULES if not policy.disabled_everywhere(r.ID))
    if paths:
        from .external import MAX_FILE_BYTES, lint_files

        findings = lint_files(project, list(paths), rules=rules, catalog_strict=catalog_strict,
                              max_bytes=max_bytes or MAX_FILE_BYTES)
    else:
        from ..pipeline import expand  # SLO expansion: lint what the build would emit

        expand(project)
        findings = run(project, subjects(project), rules)
    findings = policy.apply(findings)
    code = 1 if has_errors(findings, strict) else 0
    return code, report.render(findings, fmt, RULES), report.summary(findings)
