"""A Report as plain text for a terminal, or as Markdown for a pull-request comment."""
from __future__ import annotations

import re

from .diff import ADDED, CHANGED, REMOVED, RENAMED, Report

# Order and headings of the sections.
SECTIONS = (
    ("dashboard", "Dashboards"),
    ("alert", "Alerts"),
    ("SLO", "SLOs"),
    ("recording rule", "Recording rules"),
    ("file", "Other generated files"),
)
PLURAL = {"dashboard": "dashboards", "alert": "alerts", "SLO": "SLOs", "recording rule": "recording rules", "file": "files"}
# Markdown collapses an entry's items into <details> beyond this many.
DETAILS_AFTER = 8
MARKER = "<!-- codeverify-monitoring-diff -->"


def _count(n: int, kind: str) -> str:
    return f"{n} {kind if n == 1 else PLURAL[kind]}"


def _against(report: Report) -> str:
    if report.base is None:
        return "the base"
    if report.base.rev.startswith(report.base.label):
        return report.base.label
    return f"{report.base.label} ({report.base.short})"


def summary(report: Report) -> str:
    parts = []
    for kind, _ in SECTIONS:
        for status in (ADDED, REMOVED, RENAMED, CHANGED):
            n = sum(1 for e in report.entries if e.kind == kind and e.status == status)
            if n:
                parts.append(f"{_count(n, kind)} {status}")
    return ", ".join(parts)


def _unchanged(report: Report) -> str:
    return ", ".join(_count(n, kind) for kind, n in report.unchanged.items())


def text(report: Report, show_unchanged: bool = True) -> str:
    lines = [f"Monitoring changes against {_against(report)}"]
    if not report:
        lines.append("No changes.")
    else:
        lines.append(summary(report) + ".")
    for kind, heading in SECTIONS:
        entries = [e for e in report.entries if e.kind == kind]
        if not entries:
            continue
        lines += ["", heading]
        for entry in entries:
            lines.append(f"  {entry.status}: {_plain(entry.name)}")
            for item in entry.items:
                lines.append(f"    {'!! ' if item.loud else '- '}{_plain(item.text)}")
                lines += [f"        {line}" for line in item.code]
    if show_unchanged and report.unchanged:
        lines += ["", f"Unchanged: {_unchanged(report)}."]
    return "\n".join(lines) + "\n"


def _plain(s: str) -> str:
    return s.replace("**", "")


def markdown(report: Report, show_unchanged: bool = True) -> str:
    out = [MARKER, "### Monitoring changes", ""]
    if report.base is not None:
        against = report.base.label if report.base.rev.startswith(report.base.label) else f"{report.base.label} (`{report.base.short}`)"
        out.append(f"Compared with {against}: " + (summary(report) + "." if report else "**no changes**."))
    elif not report:
        out.append("**No changes.**")
    for kind, heading in SECTIONS:
        entries = [e for e in report.entries if e.kind == kind]
        if not entries:
            continue
        out += ["", f"#### {heading}", ""]
        for entry in entries:
            icon = {ADDED: "➕", REMOVED: "➖", RENAMED: "🔀", CHANGED: "✏️"}[entry.status]
            out.append(f"{icon} **{entry.status.capitalize()}** {entry.name}")
            body = []
            for item in entry.items:
                body.append(f"- {'⚠️ ' if item.loud else ''}{item.text}")
                if item.code:
                    body += ["  ```diff", *[f"  {line}" for line in item.code], "  ```"]
            if len(entry.items) > DETAILS_AFTER:
                what = "rows and panels" if entry.kind == "dashboard" and entry.status == ADDED else "changes"
                out += ["", f"<details><summary>{len(entry.items)} {what}</summary>", "", *body, "", "</details>", ""]
            elif body:
                out += ["", *body, ""]
            else:
                out.append("")
    if show_unchanged and report.unchanged:
        out += ["", f"Unchanged: {_unchanged(report)}."]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"
