"""Where an object is defined, rendered as the prefix of every finding and error."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only a type here; importing the model costs the lint's start-up
    from .model import Source

SEP = " › "


@dataclass(frozen=True, order=True)
class Location:
    file: str  # relative to the project root, with forward slashes
    line: int | None = None
    path: tuple[str, ...] = ()

    @classmethod
    def of(cls, src: Source, root: str, *path: str) -> "Location":
        return cls(relpath(src.file, root), src.line, tuple(path))

    def child(self, step: str, line: int | None = None) -> "Location":
        return Location(self.file, line if line is not None else self.line, self.path + (step,))

    def __str__(self) -> str:
        head = f"{self.file}:{self.line}" if self.line else self.file
        return f"{head}: {SEP.join(self.path)}" if self.path else head


@functools.lru_cache(maxsize=4096)  # one per definition file; every object of a file asks again
def relpath(path: str, root: str) -> str:
    if path.startswith("<"):
        return path
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):
        rel = path
    return rel.replace(os.sep, "/")
