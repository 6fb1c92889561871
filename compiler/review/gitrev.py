"""The generated files of a git revision, read with git itself (no checkout, no rebuild).

The committed out/ is the contract: old definitions may not build with today's
compiler, so the base side of a diff is what was committed, not a rebuild.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from ..errors import UsageError

# Tried in order for the default base: the merge base with the first that exists.
MAIN_BRANCHES = ("main", "origin/main")


@dataclass(frozen=True)
class Base:
    rev: str  # full commit id
    label: str  # what the user would call it: `main`, `HEAD~1`, `merge base with main`

    @property
    def short(self) -> str:
        return self.rev[:7]


def _git(root: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", "-C", root, *args], capture_output=True)
    except FileNotFoundError:
        raise UsageError("`git` is not installed; the diff reads the base revision with it") from None
    if check and proc.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc


def _commit(root: str, rev: str) -> str | None:
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def resolve(root: str, rev: str | None) -> Base:
    """The commit to compare with: `rev`, else the merge base with main, else HEAD."""
    if _git(root, "rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
        raise UsageError(f"{root} is not inside a git repository: the diff needs a base revision")
    if rev:
        commit = _commit(root, rev)
        if commit is None:
            raise UsageError(f"--base {rev}: no such revision")
        return Base(commit, rev)
    for branch in MAIN_BRANCHES:
        if _commit(root, branch) is None:
            continue
        proc = _git(root, "merge-base", "HEAD", branch, check=False)
        if proc.returncode == 0:
            return Base(proc.stdout.decode().strip(), f"merge base with {branch}")
    commit = _commit(root, "HEAD")
    if commit is None:
        raise UsageError(f"{root}: the repository has no commit yet; pass --base")
    return Base(commit, "HEAD")


def files_at(root: str, base: Base, out_dir: str) -> dict[str, bytes]:
    """The files under `out_dir` (a path inside `root`) at `base`, keyed relative to it.

    An empty dict when the revision has no such directory (the base predates out/).
    """
    rel = os.path.relpath(os.path.abspath(out_dir), os.path.abspath(root)).replace(os.sep, "/")
    # `rev:./path` is relative to the -C directory, so a project below the repository top works.
    listing = _git(root, "ls-tree", "-r", "-z", f"{base.rev}:./{rel}", check=False)
    if listing.returncode != 0:
        return {}
    entries = []
    for record in listing.stdout.decode().split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob":
            entries.append((path, sha))
    if not entries:
        return {}
    # One `git cat-file --batch` for every blob instead of one process per file.
    request = "".join(f"{sha}\n" for _, sha in entries).encode()
    proc = subprocess.run(["git", "-C", root, "cat-file", "--batch"], input=request, capture_output=True, check=True)
    data, pos, files = proc.stdout, 0, {}
    for path, _ in entries:
        header_end = data.index(b"\n", pos)
        size = int(data[pos:header_end].split()[2])
        files[path] = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1  # the blob, then a newline
    return files
