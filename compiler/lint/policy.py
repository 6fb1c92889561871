"""Which rules run, and how severe their findings are: configuration, not code.

Three layers, later ones winning:
1. each rule's own SEVERITY;
2. `config.LINT_RULES`: {path glob: {rule id: "error" | "warning" | "off"}}, matched in
   order against the file a finding is in (so vendor rule files can have their own);
3. the command line: `--disable RULE` and `--severity RULE=LEVEL`, for every file.

A rule id may end in `/*` to cover a family (`alerts/*`).
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

from ..errors import UsageError
from .finding import ERROR, NOTE, WARNING, Finding

OFF = "off"
LEVELS = (ERROR, WARNING, OFF)


class Policy:
    def __init__(self, by_glob: tuple = (), overrides: dict | None = None):
        self.by_glob = by_glob  # ((glob, {rule: level}), ...)
        self.overrides = overrides or {}  # rule -> level, from the command line

    @classmethod
    def build(cls, config, disable: Iterable[str] = (), severity: Iterable[str] = (), known_ids=()) -> "Policy":
        """The policy of `config` and the command line; raises UsageError for what it cannot read."""
        known_ids = set(known_ids)
        by_glob = []
        table = getattr(config, "LINT_RULES", None) or {}
        if not isinstance(table, Mapping):
            raise UsageError("config.py: LINT_RULES must map path globs to {rule id: level}")
        for glob, rules in table.items():
            if not isinstance(glob, str) or not isinstance(rules, Mapping):
                raise UsageError(f"config.py: LINT_RULES[{glob!r}] must map rule ids to levels")
            for rule, level in rules.items():
                _check(rule, level, known_ids, f"config.py: LINT_RULES[{glob!r}]")
            by_glob.append((glob, dict(rules)))
        overrides = {}
        for rule in disable:
            _check(rule, OFF, known_ids, "--disable")
            overrides[rule] = OFF
        for item in severity:
            rule, sep, level = item.partition("=")
            if not sep:
                raise UsageError(f"--severity {item}: write RULE=LEVEL, e.g. alerts/runbook=warning")
            _check(rule, level, known_ids, "--severity")
            overrides[rule] = level
        return cls(tuple(by_glob), overrides)

    def level(self, rule: str, path: str) -> str | None:
        """The level `rule` has in file `path`, or None for the rule's own."""
        found = _lookup(self.overrides, rule)
        if found is not None:
            return found
        for glob, rules in reversed(self.by_glob):
            if _matches(path, glob):
                found = _lookup(rules, rule)
                if found is not None:
                    return found
        return None

    def disabled_everywhere(self, rule: str) -> bool:
        return _lookup(self.overrides, rule) == OFF

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        out = []
        for f in findings:
            level = self.level(f.rule, f.location.file)
            if level == OFF:
                continue
            if f.severity == NOTE:  # a note stays a note: it counts what was not checked
                level = None
            out.append(f if level is None or level == f.severity else f._replace(severity=level))
        return out


def _lookup(rules: Mapping, rule: str) -> str | None:
    if rule in rules:
        return rules[rule]
    family = rule.split("/", 1)[0] + "/*"
    if family in rules:
        return rules[family]
    return rules.get("*")


def _matches(path: str, glob: str) -> bool:
    path = path.replace("\\", "/")
    return fnmatch.fnmatchcase(path, glob) or fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], glob) or (
        glob.endswith("/**") and path.startswith(glob[:-3] + "/"))


def _check(rule, level, known_ids: set, where: str) -> None:
    if not isinstance(rule, str):
        raise UsageError(f"{where}: rule id {rule!r} must be a string")
    if level not in LEVELS:
        raise UsageError(f"{where}: level {level!r} of `{rule}` must be one of {', '.join(LEVELS)}")
    if known_ids and rule != "*" and rule not in known_ids and not (
            rule.endswith("/*") and any(k.startswith(rule[:-1]) for k in known_ids)):
        raise UsageError(f"{where}: `{rule}` is not a lint rule (see docs/lint.md for the list)")
