"""Just enough of Go's text/template to check Prometheus alert templates offline.

`problems(text)` finds what makes Prometheus refuse a rule file (an unclosed
action, an unbalanced `if`/`range`/`end`, an unknown function, an undefined
variable); `label_refs(text)` lists the alert labels a template reads
(`$labels.x`, `.Labels.x`, `index $labels "x"`).
"""
from __future__ import annotations

import re

# text/template's builtins and the functions Prometheus adds (template/template.go).
FUNCTIONS = frozenset("""
and call html index slice js len not or print printf println urlquery eq ge gt le lt ne
query first label value strvalue args reReplaceAll safeHtml match title toUpper toLower
graphLink tableLink sortByLabel humanize humanize1024 humanizeDuration humanizePercentage
humanizeTimestamp toTime toDuration pathPrefix externalURL parseDuration stripPort stripDomain
""".split())
# Alertmanager's notification templates: text/template's builtins and template.DefaultFuncs
# of Alertmanager 0.25, the version the emitter writes for (`amtool template render` refuses
# trimSpace, date, tz, since, humanizeDuration, safeUrl: later versions'); only `$` is
# defined before a template runs.
ALERTMANAGER_FUNCTIONS = frozenset("""
and call html index slice js len not or print printf println urlquery eq ge gt le lt ne
toUpper toLower title join match safeHtml reReplaceAll stringSlice
""".split())
ALERTMANAGER_PREDEFINED = frozenset({"$"})
_OPEN = frozenset({"if", "range", "with", "define", "block"})
_KEYWORDS = frozenset({"else", "end", "template", "break", "continue", "nil", "true", "false"}) | _OPEN
# Variables Prometheus defines before expanding an alert's labels and annotations.
PREDEFINED = frozenset({"$", "$labels", "$externalLabels", "$externalURL", "$value"})

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)+')
  | (?P<var>\$[A-Za-z0-9_]*)(?P<varfields>(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*
  | (?P<number>[-+]?[0-9][0-9a-fA-FxXoObB_.eEpPi+-]*)
  | (?P<punct>:=|=|\||\(|\)|,)
""", re.X)
_LABEL_REFS = re.compile(r"""\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*)|index\s+(?:\$labels|\.Labels)\s+"([^"]*)\"""")


def problems(text: str, functions: frozenset = FUNCTIONS, predefined: frozenset = PREDEFINED) -> list[str]:
    """What makes Go's text/template refuse `text` (Prometheus's functions and variables unless told)."""
    if "{{" not in text:
        return []
    text = _COMMENT.sub("", text)
    out: list[str] = []
    stack: list[str] = []
    defined = set(predefined)
    pos = 0
    for m in _ACTION.finditer(text):
        if "{{" in text[pos:m.start()]:
            break
        pos = m.end()
        body = m.group(1)
        if body.startswith("-") and body[1:2].isspace():
            body = body[1:]
        if body.endswith("-") and body[-2:-1].isspace():
            body = body[:-1]
        tokens = _tokens(body, out)
        if tokens is None:
            continue
        _action(tokens, stack, defined, out, functions)
    if "{{" in text[pos:]:
        out.append("unclosed action: a `{{` has no matching `}}`")
    elif stack:
        out.append(f"unexpected EOF: `{{{{ {stack[-1]} }}}}` has no `{{{{ end }}}}`")
    return out


def _tokens(body: str, out: list[str]):
    tokens = []
    i = 0
    while i < len(body):
        m = _TOKEN.match(body, i)
        if m is None:
            out.append(f"unexpected `{body[i]}` in action `{{{{{body.strip()}}}}}`")
            return None
        i = m.end()
        kind = m.lastgroup if m.lastgroup != "varfields" else "var"
        if kind != "space":
            tokens.append((kind if not m.group("var") else "var", m.group(0), m.group("var") or m.group("ident")))
    return tokens


def _action(tokens, stack: list[str], defined: set, out: list[str], functions: frozenset) -> None:
    if not tokens:
        out.append("missing value for command: empty action `{{ }}`")
        return
    tokens = _control(tokens, stack, out)
    if tokens is not None:
        _pipeline(tokens, defined, out, functions)


def _control(tokens, stack: list[str], out: list[str]):
    """Track `if/range/with/define/block ... else ... end` on `stack`; the tokens left to check, or None."""
    kind, _text, name = tokens[0]
    if kind != "ident":
        return tokens
    if name == "end":
        if not stack:
            out.append("unexpected `{{ end }}`: nothing to end")
        else:
            stack.pop()
        return None
    if name == "else":
        if not stack or stack[-1] not in ("if", "range", "with"):
            out.append("unexpected `{{ else }}`")
        rest = tokens[1:]
        if rest and rest[0][0] == "ident" and rest[0][2] in ("if", "with"):
            return rest[1:]  # `else if`: the if shares the outer end
        return None
    if name in _OPEN:
        stack.append(name)
        return None if name in ("define", "block") else tokens[1:]
    return tokens


def _pipeline(tokens, defined: set, out: list[str], functions: frozenset) -> None:
    """Variables defined before use, functions that exist, parentheses that close."""
    depth = 0
    for i, (kind, text, name) in enumerate(tokens):
        if kind == "var":
            follows = tokens[i + 1][1] if i + 1 < len(tokens) else ""
            if follows in (":=", "=", ","):
                defined.add(name)
            elif name not in defined:
                out.append(f"undefined variable `{name}`")
        elif kind == "ident" and name not in _KEYWORDS and name not in functions:
            out.append(f"function `{name}` not defined")
        elif text in ("(", ")"):
            depth += 1 if text == "(" else -1
            if depth < 0:
                out.append("unexpected `)` in action")
                return
    if depth:
        out.append("unclosed `(` in action")


def label_refs(text: str) -> list[str]:
    """The alert labels a template reads. Inside `range`/`with`, `.` is the value iterated
    over (e.g. a `query` result's sample), so `.Labels.x` there is not the alert's label;
    `$labels.x` always is."""
    out, depth, pos = [], 0, 0
    for action in _ACTION.finditer(text):
        out.extend(_refs(text[pos:action.start()], depth))
        body = action.group(1).strip("- \t\n")
        word = body.split(None, 1)[0] if body else ""
        out.extend(_refs(action.group(0), depth))
        if word in ("range", "with"):
            depth += 1
        elif word in ("if", "define", "block"):
            depth += 1 if depth else 0  # nesting inside a rebinding block
        elif word == "end" and depth:
            depth -= 1
        pos = action.end()
    out.extend(_refs(text[pos:], depth))
    return out


def _refs(text: str, depth: int) -> list[str]:
    refs = []
    for m in _LABEL_REFS.finditer(text):
        if depth and m.group(2) is not None:
            continue  # `.Labels.x` with `.` rebound
        refs.append(next(g for g in m.groups() if g is not None))
    return refs
