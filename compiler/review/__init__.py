"""Reviewing changes: a semantic diff of out/ against a git revision, and dashboard previews.

`gitrev` reads the generated files of a revision, `snapshot` turns a file set into
dashboards, rules and routes, `diff` compares two snapshots into a `Report`,
`render` prints it as text or Markdown, and `preview` draws dashboards as PNGs.
"""
from __future__ import annotations

import os

from ..errors import UsageError
from . import diff as _diff
from . import gitrev, render, snapshot

FORMATS = ("text", "markdown")


def report(root: str, files: dict[str, bytes], base_rev: str | None = None, out_dir: str | None = None) -> _diff.Report:
    """Compare `files` (a fresh build, keyed like out/) with out/ as committed at the base."""
    base = gitrev.resolve(root, base_rev)
    old = gitrev.files_at(root, base, out_dir or os.path.join(root, "out"))
    return _diff.compare(snapshot.read(old), snapshot.read(files), base)


def format_report(rep: _diff.Report, fmt: str, show_unchanged: bool = True) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    return (render.markdown if fmt == "markdown" else render.text)(rep, show_unchanged)


# Imported last: preview pulls in matplotlib, which only `build.py preview` needs.
def __getattr__(name: str):
    if name in ("preview", "data"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(name)
