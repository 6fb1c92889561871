"""Load YAML into plain Python objects that remember their line, fast.

External rule files can hold thousands of rules, and a finding should name the line
of the rule it is about. PyYAML's CSafeLoader gives no lines and spends most of its
time in its pure-Python constructor and resolver; here we build the objects straight
from libyaml's events (the C parser behind CSafeLoader), which is about three times
faster and keeps each mapping's line. Scalars resolve as YAML 1.1 does (PyYAML's
SafeLoader): plain `5` is an int, `yes` a bool, quoted `"5"` a string.
"""
from __future__ import annotations

import re

import yaml

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # PyYAML built without libyaml: same events, slower
    from yaml.parser import Parser as _ParserBase
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _ParserBase):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _ParserBase.__init__(self)


class Map(dict):
    """A mapping with the 1-based line it starts on."""

    __slots__ = ("line",)


class Seq(list):
    __slots__ = ("line",)


Error = yaml.YAMLError

_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {
    "yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "on": True, "On": True, "ON": True, "off": False, "Off": False, "OFF": False,
}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_NUMERIC_START = frozenset("0123456789+-.")


def _plain(value: str):
    """The value of an untagged plain scalar (a subset of YAML 1.1 resolution)."""
    if value in _NULL:
        return None
    if value[0] in _NUMERIC_START:
        if _INT.fullmatch(value):
            return int(value.replace("_", ""))
        if _FLOAT.fullmatch(value):
            lower = value.lower()
            if lower.endswith(".inf"):
                return float("-inf") if value[0] == "-" else float("inf")
            return float("nan") if lower == ".nan" else float(value.replace("_", ""))
        if any(c.isdigit() for c in value):
            return _resolve(value)  # rarer forms (0x10, 1:30, dates): as PyYAML reads them
        return value
    return _BOOL.get(value, value)


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _resolve(value: str):
    """A plain scalar as PyYAML's SafeLoader reads it (0x10, 1:30, dates), by its own resolver.

    Never by loading the text again: a plain scalar may hold YAML syntax, e.g. the
    commas of `100 * (count(up) BY (job, service)) > 10`.
    """
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    if tag == "tag:yaml.org,2002:str":
        return value
    try:
        return _CONSTRUCTOR.construct_object(yaml.ScalarNode(tag, value))
    except (yaml.YAMLError, ValueError, TypeError):
        return value


# Aliases share the object they name, so loading a "billion laughs" document is cheap,
# but whatever walks it visits each alias's nodes again: 342 bytes made the lint run
# 136 s and take 2.9 GB. As Go's yaml.v3 (promtool) does, a document whose aliases
# expand to more nodes than ALIASED_NODES and than the document itself has is refused.
ALIASED_NODES = 100_000
MAX_DEPTH = 1000  # nested collections (orjson's bound for JSON is 1,024)


def _refuse(problem: str, mark) -> Error:
    return yaml.composer.ComposerError(None, None, problem, mark)


def load_all(text: str) -> list:
    """Every document of a YAML stream; raises Error (a yaml.YAMLError) with its mark."""
    parser = _Parser(text)
    get = parser.get_event
    docs: list = []
    anchors: dict = {}
    sizes: dict = {}  # anchor -> nodes of its value, aliases expanded; absent while it is open
    nodes = aliased = 0  # of the current document: nodes as written, and added by aliases
    # A stack of (container, pending key, nodes before it, its anchor) frames; key is _NOKEY for sequences.
    stack: list = []
    root: list = []

    def add(value, anchor) -> None:
        if anchor is not None:
            anchors[anchor] = value
        if not stack:
            root.append(value)
            return
        frame = stack[-1]
        container = frame[0]
        if type(container) is Seq:
            container.append(value)
        elif frame[1] is _NOKEY:
            frame[1] = value if not isinstance(value, (Map, Seq)) else repr(value)
        else:
            key = frame[1]
            if key == "<<" and isinstance(value, dict):
                for k, v in value.items():
                    container.setdefault(k, v)
            else:
                container[key] = value
            frame[1] = _NOKEY

    while True:
        ev = get()
        cls = type(ev)
        if cls is yaml.ScalarEvent:
            nodes += 1
            if ev.anchor is not None:
                sizes[ev.anchor] = 1
            if ev.implicit[0]:  # plain and untagged
                add(_plain(ev.value), ev.anchor)
            else:
                tag = ev.tag
                if tag in (None, "!", "tag:yaml.org,2002:str") or ev.implicit[1]:
                    add(ev.value, ev.anchor)
                else:
                    add(_plain(ev.value), ev.anchor)
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise _refuse(f"nested more than {MAX_DEPTH} levels deep", ev.start_mark)
            c = Map() if cls is yaml.MappingStartEvent else Seq()
            c.line = ev.start_mark.line + 1
            add(c, ev.anchor)
            stack.append([c, _NOKEY, nodes + aliased, ev.anchor])
            nodes += 1
        elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
            frame = stack.pop()
            if frame[3] is not None:
                sizes[frame[3]] = nodes + aliased - frame[2]
        elif cls is yaml.AliasEvent:
            if ev.anchor not in anchors:
                raise _refuse(f"found undefined alias {ev.anchor!r}", ev.start_mark)
            if ev.anchor not in sizes:
                raise _refuse(f"alias {ev.anchor!r} inside the value it names (a recursive document)", ev.start_mark)
            aliased += sizes[ev.anchor]
            if aliased > ALIASED_NODES and aliased > nodes:
                raise _refuse(f"excessive aliasing: its aliases add {aliased} nodes to a document of {nodes} "
                              f"(at most {ALIASED_NODES}, as promtool)", ev.start_mark)
            add(anchors[ev.anchor], None)
        elif cls is yaml.DocumentEndEvent:
            docs.append(root.pop() if root else None)
            anchors.clear()
            sizes.clear()
            nodes = aliased = 0
        elif cls is yaml.StreamEndEvent:
            return docs


class _NoKey:
    __slots__ = ()


_NOKEY = _NoKey()
