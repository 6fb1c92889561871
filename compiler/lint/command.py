"""`build.py lint [PATH...]`: lint the definitions, or external files against the catalog."""
from __future__ import annotations

from ..load import load
from . import RULES, has_errors, report, run, subjects


def lint(root: str, paths=(), fmt: str = "text", strict: bool = False,
         max_bytes: int | None = None) -> tuple[int, str, str]:
    """(exit status, report for stdout, one-line summary for stderr); raises LoadError/UsageError."""
    project = load(root)
    if paths:
        from .external import MAX_FILE_BYTES, lint_files

        findings = lint_files(project, list(paths), max_bytes=max_bytes or MAX_FILE_BYTES)
    else:
        from ..pipeline import expand  # SLO expansion: lint what the build would emit

        expand(project)
        findings = run(project, subjects(project))
    code = 1 if has_errors(findings, strict) else 0
    return code, report.render(findings, fmt, RULES), report.summary(findings)
