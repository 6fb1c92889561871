"""Importing a dashboard the project already defines: the semantic diff, and `--apply`.

The diff compares what the definitions build with the imported JSON, both
normalised as Grafana would save them, in `build.py diff`'s terms. `--apply`
then edits the defining module in place, and only where the JSON differs: a
changed panel gets the changed arguments of its `Panel(...)` call rewritten
(other arguments, the helper calls that compute them, the function's name
and every comment stay), a new panel gets a function and a place at the end
of its row, a removed one leaves its row. Whatever cannot be edited safely
(a panel built by a shared helper, a new or removed row, a reordering) is
reported for a hand edit instead of guessed.
"""
from __future__ import annotations

import ast
import dataclasses
import os
import re
from dataclasses import dataclass, field

from ..emit import grafana
from ..model import Dashboard, Panel, Row
from ..review import diff as review_diff
from ..review import render
from ..review.snapshot import Snapshot
from .codegen import Names, _function_name, _Gen
from .convert import Imported
from .normalise import normalise

# Fields an import never changes: they are not in the JSON.
_KEPT = ("src", "lint_ignore")


@dataclass
class Update:
    module: str  # the defining module, relative to the root
    diff: list[str]  # the semantic diff, one line each
    applied: list[str] = field(default_factory=list)  # what --apply changed (or would change)
    manual: list[str] = field(default_factory=list)  # what needs a hand edit
    text: str | None = None  # the edited module (None: no change to make)
    uid: str = ""
    wanted: dict = field(default_factory=dict)  # the imported JSON, normalised


def semantic_diff(old: Dashboard, imported: Imported, module: str, origin: str) -> list[str]:
    before = normalise(grafana.dashboard_json(old))
    report = review_diff.compare(Snapshot(dashboards={old.uid: before}),
                                 Snapshot(dashboards={old.uid: imported.source}))
    lines = render.text(report, show_unchanged=False).rstrip("\n").split("\n")
    lines[0] = f"{origin} against {module}:"
    return lines


def plan(old: Dashboard, imported: Imported, source: str, module: str, names: Names, origin: str) -> Update:
    """The update of `module` (its text `source`) that makes `old` build `imported`."""
    update = Update(module, semantic_diff(old, imported, module, origin), uid=old.uid, wanted=imported.source)
    new = imported.dashboard
    editor = _Editor(source, names, old.src.file)
    before = normalise(grafana.dashboard_json(old))
    old_json, new_json = _panel_json(old, before), _panel_json(new, imported.source)

    old_rows = {r.title: r for r in old.rows}
    new_rows = {r.title: r for r in new.rows}
    for title in sorted(set(old_rows) ^ set(new_rows)):
        what = "added" if title in new_rows else "removed"
        update.manual.append(f"row '{title}' {what}: edit DASHBOARD's rows by hand")
    for title in sorted(set(old_rows) & set(new_rows)):
        _edit_call(editor, old_rows[title], new_rows[title], "Row", ("panels", "header"), update, f"row '{title}'")

    pairs, added, removed = _match([p for r in old.rows for p in r.panels], [p for r in new.rows for p in r.panels])
    for a, b in pairs:
        if old_json[id(a)] == new_json[id(b)]:
            continue
        skip: tuple[str, ...] = ()
        if a.targets != b.targets and _targets_editable(editor, a.targets, b.targets):
            for i, (ta, tb) in enumerate(zip(a.targets, b.targets)):
                _edit_call(editor, ta, tb, "Target", (), update, f"panel '{b.title}' target {i + 1}")
            skip = ("targets",)
        _edit_call(editor, a, b, "Panel", skip, update, f"panel '{b.title}'")
    for p in removed:
        row = next(r for r in old.rows if any(x is p for x in r.panels))
        if editor.remove_element(row, p):
            update.applied.append(f"panel '{p.title}' removed from row '{row.title}' (its function is left in place)")
        else:
            update.manual.append(f"panel '{p.title}' removed: take it out of row '{row.title}' by hand")
    for p in added:
        new_row = next(r for r in new.rows if any(x is p for x in r.panels))
        row = old_rows.get(new_row.title)
        if row is None:
            continue  # reported with its row
        name = editor.add_panel(row, p)
        if name:
            update.applied.append(f"panel '{p.title}' added to the end of row '{row.title}' as {name}()")
        else:
            update.manual.append(f"panel '{p.title}' added: put it in row '{row.title}' by hand")
    by_new = [a for a, b in sorted(pairs, key=lambda ab: _index(new, ab[1]))]
    if [id(a) for a in by_new] != [id(a) for a, _ in sorted(pairs, key=lambda ab: _index(old, ab[0]))]:
        update.manual.append("panels were moved between or within rows: reorder them by hand")
    _edit_call(editor, old, new, "Dashboard", ("rows",), update, f"dashboard '{new.uid}'")
    if editor.edits:
        update.text = editor.result()
    return update


def _index(d: Dashboard, panel: Panel) -> int:
    return next(i for i, p in enumerate(p for r in d.rows for p in r.panels) if p is panel)


def _panel_json(d: Dashboard, data: dict) -> dict[int, dict]:
    """id(model panel) -> its JSON in `data` (the dashboard's normalised JSON), rows in order."""
    flat = [p for p in data.get("panels", []) if isinstance(p, dict)]
    out, i = {}, 0
    for row in d.rows:
        if row.header:
            row_json = flat[i]
            i += 1
            children = row_json.get("panels", []) if row.collapsed else flat[i:i + len(row.panels)]
            if not row.collapsed:
                i += len(row.panels)
        else:
            children = flat[i:i + len(row.panels)]
            i += len(row.panels)
        for panel, panel_json in zip(row.panels, children):
            out[id(panel)] = {k: v for k, v in panel_json.items() if k != "gridPos"}
    return out


def _match(old: list[Panel], new: list[Panel]):
    """(pairs by title, in order among equal titles; new panels; removed panels)."""
    pool: dict[str, list[Panel]] = {}
    for p in old:
        pool.setdefault(p.title, []).append(p)
    pairs, added = [], []
    for p in new:
        if pool.get(p.title):
            pairs.append((pool[p.title].pop(0), p))
        else:
            added.append(p)
    removed = [p for ps in pool.values() for p in ps]
    return pairs, added, removed


def _targets_editable(editor: "_Editor", old: tuple, new: tuple) -> bool:
    """Whether each changed target can be edited in its own `Target(...)` call (not one call in a loop)."""
    if len(old) != len(new):
        return False
    lines = [t.src.line for t in old]
    return len(set(lines)) == len(lines) and all(editor.has_call(t, "Target") for t in old)


def _edit_call(editor: "_Editor", old, new, func: str, skip: tuple[str, ...], update: Update, what: str) -> None:
    changed = [f.name for f in dataclasses.fields(old)
               if f.name not in _KEPT + skip and getattr(old, f.name) != getattr(new, f.name)]
    if not changed:
        return
    if editor.edit_call(old, func, {name: getattr(new, name) for name in changed}):
        update.applied.append(f"{what}: {', '.join(changed)} updated")
    else:
        update.manual.append(f"{what}: {', '.join(changed)} changed, but it is not built by a `{func}(...)` call "
                             "in this module: edit it by hand")


class _Editor:
    """Edits of a module's text by the positions of its AST nodes, applied last to first."""

    def __init__(self, source: str, names: Names, path: str):
        self.path = os.path.abspath(path)
        self.source = source
        self.data = source.encode("utf-8")  # AST columns count UTF-8 bytes
        self.tree = ast.parse(source)
        self.starts = [0]
        for line in self.data.split(b"\n"):
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.gen = _Gen(names)
        self.edits: list[tuple[int, int, str]] = []
        self.functions: list[str] = []
        self.taken = {n.name for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)}

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def _call(self, obj, func: str) -> ast.Call | None:
        src = getattr(obj, "src", None)
        if src is None or src.line is None or os.path.abspath(src.file) != self.path:
            return None  # built elsewhere (a shared helper): not this module's to edit
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and node.lineno == src.line and _name(node.func) == func:
                return node
        return None

    def has_call(self, obj, func: str) -> bool:
        return self._call(obj, func) is not None

    def edit_call(self, obj, func: str, values: dict) -> bool:
        call = self._call(obj, func)
        if call is None:
            return False
        fields = [f.name for f in dataclasses.fields(type(obj))]
        defaults = {f.name: f.default for f in dataclasses.fields(type(obj))}
        positional = {fields[i]: arg for i, arg in enumerate(call.args)}
        keywords = {kw.arg: kw for kw in call.keywords if kw.arg}
        last = max([*call.args, *[kw.value for kw in call.keywords]], key=lambda n: (n.end_lineno, n.end_col_offset),
                   default=None)
        for name, value in values.items():
            code = self.code(obj, name, value)
            if name in positional:
                self._replace(positional[name], code)
            elif name in keywords:
                self._replace(keywords[name].value, code)
            elif value == defaults.get(name):
                continue
            elif last is not None:
                self._append_keyword(last, f"{name}={code}")
            else:
                return False
        return True

    def _append_keyword(self, last: ast.AST, text: str) -> None:
        """`text` as a new argument after `last`: on a line of its own when the call has one argument a line."""
        at = self.offset(last.end_lineno, last.end_col_offset)
        rest = self.data[at:at + 2]
        if rest[:1] == b"," and rest[1:2] == b"\n":
            # indented as the line the last argument starts on: the call's argument lines
            line = self.data[self.starts[last.lineno - 1]:]
            indent = re.match(rb"[ \t]*", line).group().decode()
            self.edits.append((at + 1, at + 1, f"\n{indent}{text},"))
        else:
            self.edits.append((at, at, f", {text}"))

    def code(self, obj, name: str, value) -> str:
        gen = self.gen
        if isinstance(obj, Panel):
            if name == "targets":
                return gen.targets(value, 2)
            if name == "thresholds":
                return gen.thresholds(value) if value else "()"
            if name == "unit":
                return gen.name(value, kind=str) or _lit(value)
            if name in ("options", "passthrough"):
                return gen.value(value, 2)
        if isinstance(obj, Dashboard):
            if name == "variables":
                return gen.variables(value)
            if name == "links":
                return gen.links(value) if value else "()"
            if name == "tags":
                return gen.names.tags(value) or _lit(value)
            if name == "passthrough":
                return gen.value(value, 1)
        return gen.value(value, 2)

    def _replace(self, node: ast.AST, code: str) -> None:
        start = self.offset(node.lineno, node.col_offset)
        end = self.offset(node.end_lineno, node.end_col_offset)
        self.edits.append((start, end, code))

    def _row_tuple(self, row: Row) -> ast.Tuple | None:
        call = self._call(row, "Row")
        if call is None:
            return None
        if len(call.args) >= 2 and isinstance(call.args[1], ast.Tuple):
            return call.args[1]
        kw = next((k for k in call.keywords if k.arg == "panels"), None)
        return kw.value if kw is not None and isinstance(kw.value, ast.Tuple) else None

    def remove_element(self, row: Row, panel: Panel) -> bool:
        elements = self._row_tuple(row)
        if elements is None:
            return False
        for elt in elements.elts:
            if isinstance(elt, ast.Call) and self._builds(elt, panel):
                line_start = self.starts[elt.lineno - 1]
                line_end = self.starts[elt.end_lineno] if elt.end_lineno < len(self.starts) else len(self.data)
                text = self.data[line_start:line_end].decode("utf-8").strip()
                if text.rstrip(",") != ast.get_source_segment(self.source, elt):
                    return False  # not one element on its own lines: leave it to a person
                self.edits.append((line_start, line_end, ""))
                return True
        return False

    def _builds(self, call: ast.Call, panel: Panel) -> bool:
        """Whether `call` (an element of a row) is the call of the function that builds `panel`."""
        name = _name(call.func)
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return node.lineno <= (panel.src.line or 0) <= node.end_lineno
        return isinstance(call, ast.Call) and call.lineno == panel.src.line

    def add_panel(self, row: Row, panel: Panel) -> str | None:
        elements = self._row_tuple(row)
        if elements is None or not elements.elts:
            return None
        name = _function_name(panel.title, self.taken)
        last = elements.elts[-1]
        indent = re.match(rb"\s*", self.data[self.starts[last.lineno - 1]:]).group().decode()
        at = self.offset(last.end_lineno, last.end_col_offset)
        tail = self.data[at:at + 1]
        self.edits.append((at + 1 if tail == b"," else at, at + 1 if tail == b"," else at,
                           ("" if tail == b"," else ",") + f"\n{indent}{name}(),"))
        self.functions.append(self.gen.panel_function(name, panel))
        return name

    def result(self) -> str:
        data = self.data
        if self.functions:
            anchor = next((n for n in self.tree.body if isinstance(n, ast.Assign)
                           and any(isinstance(t, ast.Name) and t.id == "DASHBOARD" for t in n.targets)), None)
            at = self.starts[anchor.lineno - 1] if anchor is not None else len(data)
            self.edits.append((at, at, "".join(f + "\n\n" for f in self.functions)))
        for start, end, text in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            data = data[:start] + text.encode("utf-8") + data[end:]
        return _ensure_imports(data.decode("utf-8"), self.gen)


def _ensure_imports(text: str, gen: _Gen) -> str:
    """Add the model names and `common` import the new code uses, where the module lacks them."""
    tree = ast.parse(text)
    wanted = set(gen.model_names) | ({"OMIT"} if gen.uses_omit else set())
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "compiler.model":
            have = {a.name for a in node.names}
            if wanted - have:
                names = sorted(have | wanted, key=lambda n: (not n.isupper(), n))
                lines = text.split("\n")
                lines[node.lineno - 1:node.end_lineno] = [f"from compiler.model import {', '.join(names)}"]
                text = "\n".join(lines)
            break
    if gen.uses_common and not re.search(r"^from (\.|dashboards) import common as c$", text, re.M):
        text = re.sub(r"^(from compiler\.model import .*)$", r"\1\n\nfrom . import common as c", text, count=1, flags=re.M)
    return text


def _name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _lit(value) -> str:
    from .codegen import lit

    return lit(value)
