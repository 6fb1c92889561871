"""A model Dashboard -> the source of a definitions module in this repository's style.

One function per panel named for its title, `Target`s with their legends, and
the names of `dashboards/common.py` (units, widths, threshold steps, colours,
variables, links, tags) wherever one has the value the panel needs. Values are
written only where they differ from the model's defaults.
"""
from __future__ import annotations

import dataclasses
import json
import keyword
import re
import textwrap

from ..model import LOKI, Dashboard, Link, Panel, Target, Threshold, Variable
from ..passthrough import OMIT

LINE = 110  # house line length
INDENT = "    "
_WIDTHS = ("FULL", "HALF", "THIRD", "QUARTER")
_COLORS = ("GREEN", "YELLOW", "ORANGE", "RED")


class Names:
    """Reverse lookup of `dashboards/common.py`'s constants (`c.NAME`) by value."""

    def __init__(self, common=None, prefix: str = "c."):
        self.common = common
        self.prefix = prefix
        self.values: list[tuple[str, object]] = []
        if common is not None:
            self.values = [(n, v) for n, v in vars(common).items() if n.isupper() and not n.startswith("_")]

    def find(self, value, among: tuple[str, ...] | None = None, kind: type | None = None) -> str | None:
        for name, known in self.values:
            if among is not None and name not in among:
                continue
            if kind is not None and not isinstance(known, kind):
                continue
            if type(known) is type(value) and known == value:
                return self.prefix + name
        return None

    def tags(self, tags: tuple[str, ...]) -> str | None:
        make = getattr(self.common, "tags", None)
        if not callable(make) or not tags:
            return None
        try:
            if tuple(make(tags[-1])) == tuple(tags):
                return f"{self.prefix}tags({lit(tags[-1])})"
        except Exception:  # noqa: BLE001 - a helper of another shape: write the tags out
            return None
        return None


def module_source(d: Dashboard, names: Names, origin: str, relative_common: bool = True) -> str:
    """The text of a definitions module whose DASHBOARD is `d`."""
    gen = Writer(names)
    functions = []
    calls: list[list[str]] = []
    taken: set[str] = set()
    for row in d.rows:
        calls.append([])
        for panel in row.panels:
            name = function_name(panel.title, taken)
            functions.append(gen.panel_function(name, panel))
            calls[-1].append(f"{name}()")
    dashboard = gen.dashboard(d, calls)
    model_names = sorted(gen.model_names | {"Dashboard"})
    lines = [f'"""{_docstring(d, origin)}"""', "from __future__ import annotations", ""]
    lines.append(f"from compiler.model import {', '.join(sorted(model_names, key=_import_order))}")
    if gen.uses_omit:
        lines.append("from compiler.passthrough import OMIT")
    if gen.uses_common:
        lines += ["", "from . import common as c" if relative_common else "from dashboards import common as c"]
    text = "\n".join(lines) + "\n"
    for function in functions:
        text += "\n\n" + function
    text += "\n\n" + dashboard
    return text


def _import_order(name: str):
    # Constants (LOKI, OMIT) first, then classes, as isort orders them.
    return (not name.isupper(), name)


def _docstring(d: Dashboard, origin: str) -> str:
    first = d.title or d.uid or "Imported dashboard"
    if d.description:
        first += ": " + d.description.rstrip(".") + "."
    first = textwrap.fill(first.replace("\\", "\\\\").replace('"""', '\\"\\"\\"'), LINE - 10)
    return f"{first}\n\nImported from {origin} by `build.py import`.\n"


def function_name(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9a-z]+", "_", title.lower()).strip("_") or "untitled"
    if base[0].isdigit() or keyword.iskeyword(base):
        base = "panel_" + base
    name = base + "_panel"
    n = 2
    while name in taken:
        name = f"{base}_{n}_panel"
        n += 1
    taken.add(name)
    return name


class Writer:
    """Source text of definition objects; records which names the text uses, for the imports."""

    def __init__(self, names: Names):
        self.names = names
        self.model_names: set[str] = set()
        self.uses_common = False
        self.uses_omit = False

    def name(self, value, **kw) -> str | None:
        found = self.names.find(value, **kw)
        if found:
            self.uses_common = True
        return found

    # --- panels -------------------------------------------------------------------------

    def panel_function(self, name: str, p: Panel) -> str:
        self.model_names.add("Panel")
        defaults = _defaults(Panel)
        args = [f"{lit(p.kind)}, {lit(p.title)}", lit(p.description), self.targets(p.targets, 2)]
        kwargs = []
        if p.unit != defaults["unit"]:
            kwargs.append(f"unit={self.name(p.unit, kind=str) or lit(p.unit)}")
        if p.width != defaults["width"]:
            kwargs.append(f"width={self.name(p.width, among=_WIDTHS) or p.width}")
        if p.height != defaults["height"]:
            among = ("STAT_HEIGHT",) if p.kind == "stat" else ()
            kwargs.append(f"height={self.name(p.height, among=among) or p.height}")
        for key in ("min", "max", "decimals"):
            if getattr(p, key) is not None:
                kwargs.append(f"{key}={lit(getattr(p, key))}")
        if p.stack:
            kwargs.append("stack=True")
        if p.thresholds:
            kwargs.append(f"thresholds={self.thresholds(p.thresholds)}")
        body = [INDENT * 2 + a + "," for a in args]
        body += _wrap_kwargs(kwargs, INDENT * 2)
        for key in ("options", "lint_ignore", "passthrough"):
            value = getattr(p, key)
            if value:
                body.append(f"{INDENT * 2}{key}={self.value(value, 2)},")
        return f"def {name}() -> Panel:\n{INDENT}return Panel(\n" + "\n".join(body) + f"\n{INDENT})\n"

    def targets(self, targets: tuple[Target, ...], depth: int) -> str:
        if not targets:
            return "()"
        self.model_names.add("Target")
        items = [self.target(t, depth + 1) for t in targets]
        if len(items) == 1 and "\n" not in items[0] and len(items[0]) + 3 + len(INDENT * depth) <= LINE:
            return f"({items[0]},)"
        pad = INDENT * (depth + 1)
        return "(\n" + "".join(f"{pad}{item},\n" for item in items) + INDENT * depth + ")"

    def target(self, t: Target, depth: int) -> str:
        defaults = _defaults(Target)
        kwargs = []
        if t.legend:
            kwargs.append(f"legend={lit(t.legend)}")
        if t.ref_id:
            kwargs.append(f"ref_id={lit(t.ref_id)}")
        if t.instant:
            kwargs.append("instant=True")
        if t.format != defaults["format"]:
            kwargs.append(f"format={lit(t.format)}")
        if t.datasource == LOKI:
            self.model_names.add("LOKI")
            kwargs.append("datasource=LOKI")
        if t.exemplar:
            kwargs.append("exemplar=True")
        if t.passthrough:
            kwargs.append(f"passthrough={self.value(t.passthrough, depth + 1)}")
        one_line = f"Target({', '.join([lit(t.expr)] + kwargs)})"
        if "\n" not in one_line and len(one_line) + len(INDENT * depth) <= LINE:
            return one_line
        pad = INDENT * (depth + 1)
        parts = [_string_block(t.expr, depth + 1)] + kwargs
        return "Target(\n" + "".join(f"{pad}{part},\n" for part in parts) + INDENT * depth + ")"

    def thresholds(self, steps: tuple[Threshold, ...]) -> str:
        named = self.name(steps, kind=tuple)
        if named:
            return named
        self.model_names.add("Threshold")
        items = []
        for s in steps:
            color = self.name(s.color, among=_COLORS) or lit(s.color)
            items.append(f"Threshold({lit(s.value)}, {color})")
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"

    # --- the dashboard -----------------------------------------------------------------------

    def dashboard(self, d: Dashboard, calls: list[list[str]]) -> str:
        defaults = _defaults(Dashboard)
        pad = INDENT
        lines = ["DASHBOARD = Dashboard("]
        lines += [f"{pad}uid={lit(d.uid)},", f"{pad}title={lit(d.title)},", f"{pad}description={lit(d.description)},"]
        if d.tags:
            lines.append(f"{pad}tags={self.names.tags(d.tags) or lit(d.tags)},")
            self.uses_common = self.uses_common or self.names.tags(d.tags) is not None
        if d.variables:
            lines.append(f"{pad}variables={self.variables(d.variables)},")
        if d.links:
            lines.append(f"{pad}links={self.links(d.links)},")
        for key in ("folder", "refresh", "time_from"):
            if getattr(d, key) != defaults[key]:
                lines.append(f"{pad}{key}={lit(getattr(d, key))},")
        lines.append(f"{pad}rows=(")
        for row, row_calls in zip(d.rows, calls):
            lines.append(INDENT * 2 + self.row(row, row_calls, 2) + ",")
        lines.append(f"{pad}),")
        if d.lint_ignore:
            lines.append(f"{pad}lint_ignore={self.value(d.lint_ignore, 1)},")
        if d.passthrough:
            lines.append(f"{pad}passthrough={self.value(d.passthrough, 1)},")
        lines.append(")")
        return "\n".join(lines) + "\n"

    def row(self, row, calls: list[str], depth: int) -> str:
        """`Row(...)` holding the panels that `calls` build, starting at indentation level `depth`."""
        self.model_names.add("Row")
        extra = []
        if not row.header:
            extra.append("header=False")
        if row.collapsed:
            extra.append("collapsed=True")
        if row.passthrough:
            extra.append(f"passthrough={self.value(row.passthrough, depth + 1)}")
        panels = "".join(f"{INDENT * (depth + 1)}{call},\n" for call in calls)
        tail = "".join(f", {e}" for e in extra)
        return f"Row({lit(row.title)}, (\n{panels}{INDENT * depth})" + tail + ")"

    def variables(self, variables: tuple[Variable, ...]) -> str:
        items = []
        i = 0
        while i < len(variables):
            group = self._variable_group(variables, i)
            if group:
                items.append("*" + group[0])
                i += group[1]
                continue
            v = variables[i]
            i += 1
            named = self.name(v, kind=Variable)
            if named:
                items.append(named)
                continue
            self.model_names.add("Variable")
            kwargs = [f"{f.name}={lit(getattr(v, f.name))}" for f in dataclasses.fields(Variable)
                      if f.name not in ("name", "kind", "query", "passthrough", "src")
                      and getattr(v, f.name) != _field_default(f)]
            if v.passthrough:
                kwargs.append(f"passthrough={self.value(v.passthrough, 3)}")
            args = [lit(v.name), lit(v.kind), lit(v.query)] + kwargs
            one = f"Variable({', '.join(args)})"
            if "\n" in one or len(one) + len(INDENT * 2) + 1 > LINE:
                pad = INDENT * 3
                one = "Variable(\n" + "".join(f"{pad}{a},\n" for a in args) + INDENT * 2 + ")"
            items.append(one)
        return _tuple(items, 1)

    def links(self, links: tuple[Link, ...]) -> str:
        named = self.name(links, kind=tuple)
        if named:
            return named
        self.model_names.add("Link")
        items = []
        for link in links:
            kwargs = []
            if link.url:
                kwargs.append(f"url={lit(link.url)}")
            if link.tags:
                kwargs.append(f"tags={lit(link.tags)}")
            if link.passthrough:
                kwargs.append(f"passthrough={self.value(link.passthrough, 2)}")
            items.append(f"Link({', '.join([lit(link.title)] + kwargs)})")
        return _tuple(items, 1)

    def _variable_group(self, variables: tuple[Variable, ...], start: int) -> tuple[str, int] | None:
        """A tuple of variables in dashboards/common.py that the variables from `start` on begin with."""
        for name, known in self.names.values:
            if (isinstance(known, tuple) and len(known) > 1 and all(isinstance(k, Variable) for k in known)
                    and tuple(variables[start:start + len(known)]) == known):
                self.uses_common = True
                return self.names.prefix + name, len(known)
        return None

    def value(self, value, depth: int, used: int = 14) -> str:
        # `used`: room for the `passthrough=` before the value
        text = lit(value, depth, used)
        if "OMIT" in text and _has_omit(value):
            self.uses_omit = True
        return text


def _has_omit(value) -> bool:
    if value is OMIT:
        return True
    if isinstance(value, dict):
        return any(_has_omit(v) for v in value.values())
    return False


def _field_default(f: dataclasses.Field):
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _defaults(cls) -> dict:
    return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}


def _tuple(items: list[str], depth: int) -> str:
    one = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if len(one) + len(INDENT * depth) + 12 <= LINE and "\n" not in one:
        return one
    pad = INDENT * (depth + 1)
    return "(\n" + "".join(f"{pad}{item},\n" for item in items) + INDENT * depth + ")"


def _wrap_kwargs(kwargs: list[str], pad: str) -> list[str]:
    lines, line = [], ""
    for kw in kwargs:
        candidate = f"{line} {kw}," if line else f"{kw},"
        if line and len(pad) + len(candidate) > LINE:
            lines.append(pad + line)
            candidate = f"{kw},"
        line = candidate
    return lines + ([pad + line] if line else [])


def _string_block(text: str, depth: int) -> str:
    """A string as implicitly joined lines, one per line of the text (multi-line PromQL)."""
    if "\n" not in text:
        return lit(text)
    parts = [part for part in re.split(r"(?<=\n)", text) if part]
    return f"\n{INDENT * depth}".join(lit(part) for part in parts)


def lit(value, depth: int = 0, used: int = 0) -> str:
    """`value` as a Python literal, JSON-shaped, folded over lines when it is long.

    `depth` is the indentation level of the line it starts on, `used` how many characters
    precede it there besides the indentation (a `key=`), so that the line fits.
    """
    flat = _flat(value)
    fits = len(flat) + len(INDENT * depth) + used + 1 <= LINE  # + 1: the comma after it
    if fits or not isinstance(value, (dict, list, tuple)) or not value:
        return flat
    pad = INDENT * (depth + 1)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = lit(k)
            items.append(f"{pad}{key}: {lit(v, depth + 1, len(key) + 2)},")
        return "{\n" + "\n".join(items) + "\n" + INDENT * depth + "}"
    items = [f"{pad}{lit(v, depth + 1)}," for v in value]
    open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
    return open_ + "\n" + "\n".join(items) + "\n" + INDENT * depth + close


def _string(text: str) -> str:
    # PromQL is full of double quotes: single-quote such strings, as the definitions do.
    if '"' in text and "'" not in text and text.replace("\n", "").isprintable():
        return repr(text)
    return json.dumps(text, ensure_ascii=False)


def _flat(value) -> str:
    if value is OMIT:
        return "OMIT"
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_flat(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    raise TypeError(f"cannot write a {type(value).__name__} as a literal")
