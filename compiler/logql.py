"""LogQL read by Grafana's own grammar, and what the lint needs to know of a query.

The parser is @grafana/lezer-logql (the grammar of Grafana's Loki query editor),
pinned in package.json and installed by `make build` (`npm ci`); it runs under Node
(compiler/logql_parse.mjs), one process for all the queries of a lint. No Python
LogQL parser is maintained; a regex would accept what Loki refuses.

`read(expr)` gives a query's `Facts`: its syntax error, the stream selectors'
matchers, the parser stages, and every label or field the pipeline reads, each
with whether a `| json` stage had extracted the line's fields by then.
"""
from __future__ import annotations

import os
import re
from collections import namedtuple
from collections.abc import Iterable, Iterator

from . import promql

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logql_parse.mjs")
INSTALL_HINT = "install Node.js and npm, then run `make build` (it runs `npm ci`)"
TIMEOUT = 60
ERROR = "⚠"  # the node name logql_parse.mjs gives error nodes

# Labels Loki itself adds to a parsed line (pipeline errors) and may always be read.
BUILTIN_LABELS = frozenset({"__error__", "__error_details__", "__stream_shard__"})
# Parser stages after which the fields of a line are known only to the log format.
_PARSERS = {"Json": "json", "Logfmt": "logfmt", "Regexp": "regexp", "Pattern": "pattern", "Unpack": "unpack"}


class Unavailable(RuntimeError):
    """Node or the npm packages are missing: LogQL cannot be checked."""


# Named tuples and a plain class, not dataclasses: the rules that import this module are
# loaded by every `build.py lint FILE`, whose start-up is its cost (compiler/names.py).
class Node(namedtuple("Node", ("name", "start", "end", "children"), defaults=((),))):
    """A node of the syntax tree: its grammar name, its span [start, end) and its child nodes."""

    __slots__ = ()

    def walk(self) -> Iterator["Node"]:
        """This node and every node under it, in text order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def first(self, name: str) -> "Node | None":
        return next((n for n in self.walk() if n.name == name), None)


def _node(data) -> Node:
    name, start, end, children = data
    return Node(name, start, end, tuple(_node(c) for c in children))


_trees: dict[str, Node] = {}


def parse_many(texts: Iterable[str]) -> dict[str, Node]:
    """Each text's syntax tree; one Node process parses all that were not parsed before."""
    texts = list(dict.fromkeys(texts))
    todo = [t for t in texts if t not in _trees]
    if todo:
        import json  # with subprocess, only when there is LogQL to parse: not on a rule file's lint
        import shutil
        import subprocess

        node = shutil.which("node")
        if node is None:
            raise Unavailable(f"`node` not found: {INSTALL_HINT}")
        try:
            result = subprocess.run([node, SCRIPT], input=json.dumps(todo), capture_output=True, text=True,
                                    timeout=TIMEOUT, cwd=os.path.dirname(SCRIPT))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Unavailable(f"the LogQL parser did not run ({exc}): {INSTALL_HINT}") from None
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            if "ERR_MODULE_NOT_FOUND" in result.stderr or "Cannot find package" in result.stderr:
                raise Unavailable(f"@grafana/lezer-logql is not installed: {INSTALL_HINT}")
            raise Unavailable(f"the LogQL parser failed: {last}")
        for text, tree in zip(todo, json.loads(result.stdout)):
            _trees[text] = _node(tree)
    return {t: _trees[t] for t in texts}


def prepare(expr: str) -> str:
    """The query with Grafana's variables replaced by values that keep it valid ($__auto, $namespace, ...)."""
    return promql.expand(expr)


# --- what a query reads ------------------------------------------------------------------------


class Use(namedtuple("Use", ("name", "where", "after"))):
    """A label or field a pipeline stage reads (`where`: "label filter", "line_format", "unwrap",
    "by", ...), and the parser stages (json, logfmt, ...) before it (`after`)."""

    __slots__ = ()


class Facts:
    def __init__(self, text: str):
        self.text = text
        self.error = ""  # a syntax error, with where it is
        self.matchers: list[tuple[str, str, str]] = []  # stream selectors: (label, op, value)
        self.uses: list[Use] = []
        self.created: set[str] = set()  # labels the query makes (json a="b", label_format a=...)
        self.parsers: list[str] = []


def read(expr: str, tree: Node | None = None) -> Facts:
    text = prepare(expr)
    tree = tree or parse_many([text])[text]
    facts = Facts(text)
    bad = next((n for n in tree.walk() if n.name == ERROR), None)
    if bad is not None or not text.strip():
        facts.error = _describe_error(text, bad)
        return facts
    _Reader(text, facts).stages(tree)
    return facts


def _describe_error(text: str, bad: Node | None) -> str:
    if bad is None:
        return "empty query"
    if bad.start >= len(text.rstrip()):
        return "unexpected end of query: something is missing at the end"
    snippet = text[bad.start:bad.end] or text[bad.start:bad.start + 12]
    return f"unexpected `{snippet.strip()[:30] or text[bad.start]}` at character {bad.start + 1}"


_TEMPLATE_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_TEMPLATE_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
_TEMPLATE_FIELD = re.compile(r"(?<![\w$)])\.([A-Za-z_][A-Za-z0-9_]*)")


def template_fields(template: str) -> list[str]:
    """Fields a line_format / label_format template reads: `.message` in `{{ .message }}`."""
    out = []
    for action in _TEMPLATE_ACTION.findall(template):
        out += _TEMPLATE_FIELD.findall(_TEMPLATE_STRING.sub('""', action))
    return out


def unquote(literal: str) -> str:
    if literal.startswith("`"):
        return literal[1:-1]
    import json

    try:
        return json.loads(literal)
    except ValueError:
        return literal[1:-1]


class _Reader:
    """Walks a tree in text order, tracking which parser stages ran before each stage."""

    def __init__(self, text: str, facts: Facts):
        self.text, self.facts = text, facts

    def src(self, node: Node) -> str:
        return self.text[node.start:node.end]

    def use(self, name: str, where: str) -> None:
        self.facts.uses.append(Use(name, where, tuple(self.facts.parsers)))

    def stages(self, node: Node) -> None:
        # One reader per kind of stage; any other node is walked for the stages inside it, in text order.
        reader = self._READERS.get(node.name)
        if reader is not None:
            getattr(self, reader)(node)
            return
        for child in node.children:
            self.stages(child)

    _READERS = {
        "Selector": "_selector",
        "LabelParser": "_parser", "JsonExpressionParser": "_parser",
        "LogfmtParser": "_parser", "LogfmtExpressionParser": "_parser",
        "LabelFilter": "_label_filter",
        "LineFormatExpr": "_format", "LabelFormatExpr": "_format",
        "UnwrapExpr": "_unwrap",
        "Grouping": "_grouping",
        "DropLabelsExpr": "_drop_keep", "KeepLabelsExpr": "_drop_keep",
    }

    def _idents(self, node: Node) -> list[str]:
        return [self.src(n) for n in node.walk() if n.name == "Identifier"]

    def _selector(self, node: Node) -> None:
        for m in node.walk():
            if m.name == "Matcher" and len(m.children) >= 3:
                label, op, value = m.children[:3]
                self.facts.matchers.append((self.src(label), self.src(op), unquote(self.src(value))))

    def _parser(self, node: Node) -> None:
        kind = next((_PARSERS[c.name] for c in node.walk() if c.name in _PARSERS), "parser")
        for extraction in (n for n in node.walk() if n.name == "LabelExtractionExpression"):
            self.facts.created.add(self.src(extraction.children[0]))
        if node.name in ("LabelParser", "LogfmtParser"):  # without a list: every field of the line
            self.facts.parsers.append(kind)

    def _label_filter(self, node: Node) -> None:
        for ident in self._idents(node):
            self.use(ident, "label filter")

    def _format(self, node: Node) -> None:
        name = node.name
        strings = [n for n in node.walk() if n.name == "String"]
        for s in strings:
            for f in template_fields(unquote(self.src(s))):
                self.use(f, "line_format" if name == "LineFormatExpr" else "label_format")
        if name == "LabelFormatExpr":
            for m in (n for n in node.walk() if n.name == "LabelFormatMatcher"):
                target, *rest = [c for c in m.children if c.name == "Identifier"]
                self.facts.created.add(self.src(target))
                for source in rest:  # `a=b` renames b: it reads b
                    self.use(self.src(source), "label_format")

    def _unwrap(self, node: Node) -> None:
        for ident in self._idents(node):
            self.use(ident, "unwrap")

    def _grouping(self, node: Node) -> None:
        for ident in self._idents(node):
            self.use(ident, self.src(node).split("(")[0].strip() or "by")

    def _drop_keep(self, node: Node) -> None:
        for ident in self._idents(node):
            self.use(ident, "drop" if node.name.startswith("Drop") else "keep")
