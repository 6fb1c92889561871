"""Regular expressions as Prometheus and Alertmanager read them: RE2 syntax, anchored.

Python's `re` is the wrong engine for label matchers and `label_replace`: it accepts
what Go's regexp refuses (lookarounds, backreferences), so a config we pass would fail
to load, and it backtracks, so a matcher such as `(a+)+b` could hang the build. RE2 is
the engine Go's regexp follows: the same syntax, and linear time on any input.
"""
from __future__ import annotations

import functools

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would also print to stderr; we report the error, located


class RegexError(ValueError):
    pass


@functools.lru_cache(maxsize=4096)
def compile(pattern: str):
    """The compiled pattern, or RegexError with RE2's reason (as Go's regexp would refuse it)."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(reason) from None


def fullmatch(pattern: str, value: str) -> bool:
    """Whether `value` matches `pattern` as a label matcher does (anchored at both ends)."""
    return compile(pattern).fullmatch(value) is not None
