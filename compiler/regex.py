"""Regular expressions as Prometheus and Alertmanager read them: Go's regexp, anchored.

Python's `re` is the wrong engine for label matchers and `label_replace`: it accepts
what Go's regexp refuses (lookarounds, backreferences), so a config we pass would fail
to load, and it backtracks, so a matcher such as `(a+)+b` could hang the build. RE2 is
the engine Go's regexp follows: the same syntax, and linear time on any input. Where
the two differ, we follow Go (as built into Prometheus 2.42 and Alertmanager 0.25).

Most matchers need no engine at all: `job=~"kubelet|apiserver"` is a set of literals, and
`.*` or `.+` among literals cannot make a pattern invalid. Those are answered here, without
importing RE2 (a tenth of `build.py lint FILE`'s start-up); tests/test_regex.py holds the
shortcuts to RE2's answers.
"""
from __future__ import annotations

import functools
import re

_META = r"\\^$.|?*+()\[\]{}"
# Literal characters and `|`: valid, and a value matches when it is one of the alternatives.
_ALTERNATION = re.compile(rf"[^{_META}]*(?:\|[^{_META}]*)*")
# Those plus `.`, `.*` and `.+`: still valid whatever their order (Go rejects only a repetition
# with nothing before it, and every `*` or `+` here follows a `.`).
_PLAIN = re.compile(rf"(?:[^{_META}]|\.[*+]?|\|)*")


@functools.lru_cache(maxsize=1)
def _re2():
    """The re2 module and our options, on first use (a lint of files without regexes never needs them)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would also print to stderr; we report the error, located
    options.max_mem = 64 << 20  # Go has no memory cap: `\pL{1000}` must compile (RE2's default refuses it)
    return re2, options


class RegexError(ValueError):
    pass


@functools.lru_cache(maxsize=4096)
def compile(pattern: str):
    """The compiled matcher (ask it with `search`: see fullmatch), or RegexError with the
    reason Go's regexp would refuse it.

    Anchored as Prometheus and Alertmanager anchor it, `^(?:pattern)$`: so `x)|(y` is
    a valid matcher there (and here), meaning "starts with x or ends with y".
    """
    _check_go_syntax(pattern)
    anchored = f"^(?:{pattern})$"
    re2, options = _re2()
    try:
        return re2.compile(anchored, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(reason.replace(anchored, pattern)) from None


def _check_go_syntax(pattern: str) -> None:
    # What RE2 accepts and Go's regexp (before 1.22) refuses: `\C` (any byte) and
    # `(?<name>...)` groups (Go 1.22 added those; Prometheus 2.42 is built with 1.19/1.20).
    in_class, i = False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if pattern[i + 1:i + 2] == "C":
                raise RegexError("invalid escape sequence: \\C")
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 1 + (pattern[i + 1:i + 2] == "^")
            i += pattern[i:i + 1] == "]"  # a leading `]` is a literal
            continue
        elif pattern.startswith("(?<", i):
            raise RegexError(f"invalid or unsupported Perl syntax: {pattern[i:i + 4]}")
        i += 1


def fullmatch(pattern: str, value: str) -> bool:
    """Whether `value` matches `pattern` as a label matcher does (anchored at both ends)."""
    if _ALTERNATION.fullmatch(pattern):
        return value in pattern.split("|")
    if value == "" and _PLAIN.fullmatch(pattern):  # "can the label be empty?", asked of every matcher
        return any(alternative.replace(".*", "") == "" for alternative in pattern.split("|"))
    return compile(pattern).search(value) is not None


def valid(pattern: str) -> bool:
    if _PLAIN.fullmatch(pattern):
        return True
    try:
        compile(pattern)
    except RegexError:
        return False
    return True
