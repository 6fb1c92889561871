"""Where an object is defined, rendered as the prefix of every finding and error."""
from __future__ import annotations

import functools
import os
from collections import namedtuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the lint's start-up, compiler/names.py)
if TYPE_CHECKING:  # only a type here; importing the model costs the lint's start-up
    from .model import Source

SEP = " › "


# A named tuple, not a dataclass: immutable, ordered and hashable alike, without the cost of
# importing and generating a dataclass at the start of every `build.py lint FILE` (compiler/names.py).
class Location(namedtuple("Location", ("file", "line", "path"), defaults=(None, ()))):
    """file: relative to the project root, with forward slashes; line: 1-based or None;
    path: the objects from the file down (group, rule, ...)."""

    __slots__ = ()

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
