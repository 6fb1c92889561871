"""A lint finding and how it prints (the one place rendering happens)."""
from __future__ import annotations

from collections import namedtuple

# A note informs (what was not checked) and never fails a lint, not even --strict.
ERROR, WARNING, NOTE = "error", "warning", "note"


# A named tuple, not a dataclass, for the lint's start-up (compiler/names.py).
class Finding(namedtuple("Finding", ("location", "rule", "severity", "message"))):
    """location: a compiler.location.Location; rule: its id; severity: ERROR, WARNING or NOTE."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.location}: {self.severity} [{self.rule}] {self.message}"

    def sort_key(self) -> tuple:
        # Not the dataclass order: a line may be None (JSON, file-level findings).
        loc = self.location
        return (loc.file, loc.line or 0, loc.path, self.rule, self.severity, self.message)

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.location.file,
            "line": self.location.line,
            "object": " › ".join(self.location.path),
            "message": self.message,
        }
