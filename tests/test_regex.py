"""compiler/regex.py answers plain patterns without RE2: its answers must be RE2's (Go's).

`job=~"kubelet|apiserver"` is a set of literals, and `.*`, `.+` among literals are always
valid; everything else goes to RE2, the engine Prometheus' Go regexp follows.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import regex

# Literals (a dash, a slash, a colon, non-ASCII), the shortcut's metacharacters, and others.
PATTERNS = st.text(alphabet="ab-/:é.|*+?()[]\\^$", max_size=12)
VALUES = st.text(alphabet="ab-/:é.|", max_size=6)


def re2_valid(pattern: str) -> bool:
    re2, options = regex._re2()
    try:
        regex._check_go_syntax(pattern)
        re2.compile(f"^(?:{pattern})$", options)
    except (regex.RegexError, re2.error):
        return False
    return True


def re2_fullmatch(pattern: str, value: str) -> bool:
    re2, options = regex._re2()
    return re2.compile(f"^(?:{pattern})$", options).search(value) is not None


@settings(max_examples=2000, deadline=None)
@given(PATTERNS, VALUES)
def test_the_shortcuts_answer_as_re2_does(pattern, value):
    assert regex.valid(pattern) == re2_valid(pattern), pattern
    if regex.valid(pattern):
        assert regex.fullmatch(pattern, value) == re2_fullmatch(pattern, value), (pattern, value)


@pytest.mark.parametrize("pattern, value, matches", [
    ("kubelet|apiserver", "kubelet", True),
    ("kubelet|apiserver", "kube", False),  # anchored at both ends
    ("a||b", "", True),  # an empty alternative matches the empty value
    ("", "", True),
    ("codeverify-api|codeverify-worker", "codeverify-worker", True),
])
def test_a_set_of_literals(pattern, value, matches):
    assert regex.fullmatch(pattern, value) is matches


@pytest.mark.parametrize("pattern", ["a.*", ".+", "x.y", "a|.*b", ""])
def test_plain_patterns_are_valid_without_re2(pattern):
    assert regex._PLAIN.fullmatch(pattern) and regex.valid(pattern)


@pytest.mark.parametrize("pattern", ["*a", "a**", "(a", "a\\C", "(?<n>a)", "[z-a]"])
def test_what_go_refuses_is_still_refused(pattern):
    assert not regex.valid(pattern)
