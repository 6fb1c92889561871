"""Importing a dashboard the project already defines: the semantic diff, and `--apply`.

The diff compares what the definitions build with the imported JSON, both
normalised as Grafana would save them, in `build.py diff`'s terms. `--apply`
then edits the defining module in place, and only where the JSON differs: a
changed panel gets the changed arguments of its `Panel(...)` call rewritten
(other arguments, the helper calls that compute them, the function's name
and every comment stay), a new panel gets a function and a place at the end
of its row, a removed one leaves its row, a dragged one is moved in (or between)
the rows' tuples. Whatever cannot be edited safely (a panel built by a shared
helper, a move into a new row, a reordering in a row that also gains panels) is
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
from .codegen import Names, Writer, function_name, lit
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
    _keep_selected_datasources(before, imported)
    report = review_diff.compare(Snapshot(dashboards={old.uid: before}),
                                 Snapshot(dashboards={old.uid: imported.source}))
    lines = render.text(report, show_unchanged=False).rstrip("\n").split("\n")
    lines[0] = f"{origin} against {module}:"
    return lines


def _keep_selected_datasources(built: dict, imported: Imported) -> None:
    """Make an export's selected datasources (`current` of datasource variables) no difference.

    Grafana saves which datasource the exporting user had selected, by its uid on that
    instance; the definitions deliberately leave the choice to the viewer. Not a change
    to bring back, so the imported side takes the definitions' value (in place).
    """
    ours = {v.get("name"): v for v in built.get("templating", {}).get("list", []) if isinstance(v, dict)}
    theirs = imported.source.get("templating", {}).get("list", [])
    for v in theirs if isinstance(theirs, list) else ():
        if isinstance(v, dict) and v.get("type") == "datasource" and v.get("name") in ours:
            mine = ours[v["name"]]
            if "current" in mine:
                v["current"] = mine["current"]
            else:
                v.pop("current", None)
    # the model objects were read from the source before: read that variable's patch again
    imported.dashboard = dataclasses.replace(imported.dashboard, variables=tuple(
        dataclasses.replace(var, passthrough={k: val for k, val in var.passthrough.items() if k != "current"})
        if var.kind == "datasource" else var for var in imported.dashboard.variables))


def plan(old: Dashboard, imported: Imported, source: str, module: str, names: Names, origin: str) -> Update:
    """The update of `module` (its text `source`) that makes `old` build `imported`."""
    update = Update(module, semantic_diff(old, imported, module, origin), uid=old.uid, wanted=imported.source)
    new = imported.dashboard
    editor = _Editor(source, names, old.src.file)
    before = normalise(grafana.dashboard_json(old))
    old_json, new_json = _panel_json(old, before), _panel_json(new, imported.source)

    old_rows = {r.title: r for r in old.rows}
    new_rows = {r.title: r for r in new.rows}
    _plan_removed_rows(editor, old, new_rows, update)
    _plan_added_rows(editor, old, new, old_rows, update)
    for title in sorted(set(old_rows) & set(new_rows)):
        _edit_call(editor, old_rows[title], new_rows[title], "Row", ("panels", "header"), update, f"row '{title}'")

    pairs, added, removed = _match([p for r in old.rows for p in r.panels], [p for r in new.rows for p in r.panels])
    _plan_changed_panels(editor, pairs, old_json, new_json, update)
    _plan_removed_panels(editor, old, new_rows, removed, update)
    _plan_added_panels(editor, new, old_rows, added, update)
    _reorder(editor, old, new, pairs, added, removed, update)
    _edit_call(editor, old, new, "Dashboard", ("rows",), update, f"dashboard '{new.uid}'")
    if editor.edits:
        update.text = editor.result()
    return update


def _plan_removed_rows(editor: "_Editor", old: Dashboard, new_rows: dict, update: Update) -> None:
    """Take out of DASHBOARD's rows the rows the new dashboard no longer has."""
    for row in [r for r in old.rows if r.title not in new_rows]:
        if editor.remove_row(old, row):
            update.applied.append(f"row '{row.title}' removed (its panels' functions are left in place)")
        else:
            update.manual.append(f"row '{row.title}' removed: take it out of DASHBOARD's rows by hand")


def _plan_added_rows(editor: "_Editor", old: Dashboard, new: Dashboard, old_rows: dict, update: Update) -> None:
    """Write the new dashboard's new rows, each after the old row it follows."""
    for i, row in enumerate(new.rows):
        if row.title in old_rows:
            continue
        after = next((old_rows[r.title] for r in reversed(new.rows[:i]) if r.title in old_rows), None)
        names = editor.add_row(old, after, row)
        if names is not None:
            update.applied.append(f"row '{row.title}' added with {len(names)} panels"
                                  + (f" ({', '.join(n + '()' for n in names)})" if names else ""))
        else:
            update.manual.append(f"row '{row.title}' added: put it in DASHBOARD's rows by hand")


def _plan_changed_panels(editor: "_Editor", pairs: list, old_json: dict, new_json: dict, update: Update) -> None:
    """Edit the calls of the matched panels whose JSON changed (their targets one by one when that is possible)."""
    for a, b in pairs:
        if old_json[id(a)] == new_json[id(b)]:
            continue
        skip: tuple[str, ...] = ()
        if a.targets != b.targets and _targets_editable(editor, a.targets, b.targets):
            for i, (ta, tb) in enumerate(zip(a.targets, b.targets)):
                _edit_call(editor, ta, tb, "Target", (), update, f"panel '{b.title}' target {i + 1}")
            skip = ("targets",)
        _edit_call(editor, a, b, "Panel", skip, update, f"panel '{b.title}'")


def _plan_removed_panels(editor: "_Editor", old: Dashboard, new_rows: dict, removed: list, update: Update) -> None:
    for p in removed:
        row = next(r for r in old.rows if any(x is p for x in r.panels))
        if row.title not in new_rows:
            continue  # gone with its row
        if editor.remove_element(row, p):
            update.applied.append(f"panel '{p.title}' removed from row '{row.title}' (its function is left in place)")
        else:
            update.manual.append(f"panel '{p.title}' removed: take it out of row '{row.title}' by hand")


def _plan_added_panels(editor: "_Editor", new: Dashboard, old_rows: dict, added: list, update: Update) -> None:
    for p in added:
        new_row = next(r for r in new.rows if any(x is p for x in r.panels))
        row = old_rows.get(new_row.title)
        if row is None:
            continue  # written with its new row
        name = editor.add_panel(row, p)
        if name:
            update.applied.append(f"panel '{p.title}' added to the end of row '{row.title}' as {name}()")
        else:
            update.manual.append(f"panel '{p.title}' added: put it in row '{row.title}' by hand")


def _row_of(d: Dashboard, panel: Panel) -> Row:
    return next(r for r in d.rows if any(p is panel for p in r.panels))


def _reorder(editor: "_Editor", old: Dashboard, new: Dashboard, pairs, added, removed, update: Update) -> None:
    """Panels dragged within a row, or to another row, are put where the JSON has them.

    Each row whose panels changed place gets its tuple rewritten from the elements that
    build them, wherever they stood. All or nothing: a moved panel taken out of one row
    and not put in the other would vanish or appear twice. A row that also gains or
    loses panels, a move into a new row or out of a removed one, rows whose repeated
    titles make them ambiguous, a function building several panels of one row: left to a person.
    """
    matched = _matched_rows(old, new)
    if matched is None:
        if any(_same_place(old, new, a, b) is None for a, b in pairs):
            update.manual.append("rows share a title: put the panels where the JSON has them by hand")
        return
    arrangement = _arrangement(matched, pairs)  # old row id -> (old row, its panels in the JSON's order)
    if not arrangement:
        return
    moved = _moves(old, new, matched, pairs)
    changed_rows = {id(_row_of(old, p)) for p in removed} | {
        id(r) for r, n in matched if any(p in added for p in n.panels)}
    blocked = bool(set(arrangement) & changed_rows) or any(src is None or dest is None for _, src, dest, _ in moved)
    if not blocked and editor.arrange(old, list(arrangement.values())):
        update.applied.extend(_arranged(arrangement, moved))
    elif moved:
        update.manual.append(f"panels moved to another row ({', '.join(_move_text(m) for m in moved)}): "
                             "move them by hand")
    else:
        update.manual.extend(f"row '{row.title}': panels were reordered: reorder them by hand"
                             for row, _ in arrangement.values())


def _moves(old: Dashboard, new: Dashboard, matched: list, pairs) -> list[tuple]:
    """(old panel, its old row or None if removed, the old row it goes to or None if new, the new row)
    of each panel that changed rows; a panel out of a removed row into a new one is left out
    (remove_row and add_row have done that)."""
    old_of = {id(n): o for o, n in matched}
    kept = {id(o) for o, _ in matched}
    out = []
    for a, b in pairs:
        src, there = _row_of(old, a), _row_of(new, b)
        dest = old_of.get(id(there))
        src_kept = src if id(src) in kept else None
        if dest is not src and (src_kept is not None or dest is not None):
            out.append((a, src_kept, dest, there))
    return out


def _same_place(old: Dashboard, new: Dashboard, a: Panel, b: Panel):
    """`a` when `b` stands where `a` stood (same row index, same place in it), else None."""
    where = [(i, j) for i, r in enumerate(old.rows) for j, p in enumerate(r.panels) if p is a]
    there = [(i, j) for i, r in enumerate(new.rows) for j, p in enumerate(r.panels) if p is b]
    return a if where == there else None


def _matched_rows(old: Dashboard, new: Dashboard) -> list[tuple[Row, Row]] | None:
    """(old row, new row) pairs: by title, or by position where titles repeat but the rows are the
    same sequence of titles; None where repeated titles make the rows ambiguous."""
    old_titles, new_titles = [r.title for r in old.rows], [r.title for r in new.rows]
    if len(set(old_titles)) == len(old_titles) and len(set(new_titles)) == len(new_titles):
        by_title = {r.title: r for r in new.rows}
        return [(r, by_title[r.title]) for r in old.rows if r.title in by_title]
    return list(zip(old.rows, new.rows)) if old_titles == new_titles else None


def _arranged(arrangement: dict, moved: list) -> list[str]:
    """What --apply did: each move, and each row whose panels only changed order."""
    lines = [f"panel '{a.title}' moved from row '{src.title}' to row '{there.title}'" for a, src, _, there in moved]
    moving = {id(a) for a, *_ in moved}
    return lines + [f"row '{row.title}': panels put in the order of the JSON" for row, wanted
                    in arrangement.values() if not any(id(p) in moving for p in (*wanted, *row.panels))]


def _arrangement(matched: list, pairs) -> dict:
    """id(old row) -> (old row, the old panels it must hold, in the JSON's order), for each
    matched row whose paired panels changed (removed rows go with their panels)."""
    back = {id(b): a for a, b in pairs}
    paired = {id(a) for a, _ in pairs}
    out = {}
    for row, new_row in matched:
        current = [p for p in row.panels if id(p) in paired]
        wanted = [back[id(p)] for p in new_row.panels if id(p) in back]
        if [id(p) for p in wanted] != [id(p) for p in current]:
            out[id(row)] = (row, wanted)
    return out


def _move_text(move) -> str:
    panel, src, dest, there = move
    if dest is None:  # add_row wrote the panel into the new row as a new function
        return f"{panel.title} to new row '{there.title}', written there: take it out of '{src.title}'"
    return f"{panel.title} to '{there.title}'"


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
    """(pairs, new panels, removed panels): paired by title (in order among equal titles), then a
    panel renamed in place (same kind, at the place of an unpaired one) with the panel it was."""
    pool: dict[str, list[Panel]] = {}
    for p in old:
        pool.setdefault(p.title, []).append(p)
    pairs, added = [], []
    for p in new:
        if pool.get(p.title):
            pairs.append((pool[p.title].pop(0), p))
        else:
            added.append(p)
    removed = [p for p in old if any(p is q for ps in pool.values() for q in ps)]
    for p in list(added):
        i = next(i for i, q in enumerate(new) if q is p)
        twin = next((q for q in removed if q.kind == p.kind and i < len(old) and old[i] is q), None)
        if twin is not None:
            pairs.append((twin, p))
            added.remove(p)
            removed.remove(twin)
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
        self.gen = Writer(names)
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
                return gen.name(value, kind=str) or lit(value)
            if name in ("options", "passthrough"):
                return gen.value(value, 2)
        if isinstance(obj, Dashboard):
            if name == "variables":
                return gen.variables(value)
            if name == "links":
                return gen.links(value) if value else "()"
            if name == "tags":
                return gen.names.tags(value) or lit(value)
            if name == "passthrough":
                return gen.value(value, 1)
        return gen.value(value, 2)

    def _replace(self, node: ast.AST, code: str) -> None:
        start = self.offset(node.lineno, node.col_offset)
        end = self.offset(node.end_lineno, node.end_col_offset)
        self.edits.append((start, end, code))

    def _rows_tuple(self, d: Dashboard) -> ast.Tuple | None:
        call = self._call(d, "Dashboard")
        if call is None:
            return None
        if len(call.args) >= 4 and isinstance(call.args[3], ast.Tuple):
            return call.args[3]
        kw = next((k for k in call.keywords if k.arg == "rows"), None)
        return kw.value if kw is not None and isinstance(kw.value, ast.Tuple) else None

    def _element(self, elements: ast.Tuple, obj, func: str) -> ast.Call | None:
        return next((e for e in elements.elts if isinstance(e, ast.Call) and _name(e.func) == func
                     and e.lineno == obj.src.line), None)

    def _own_lines(self, node: ast.AST) -> tuple[int, int] | None:
        """The byte range of the whole lines `node` fills alone (with its comma), or None."""
        start = self.starts[node.lineno - 1]
        end = self.starts[node.end_lineno] if node.end_lineno < len(self.starts) else len(self.data)
        text = self.data[start:end].decode("utf-8").strip()
        return (start, end) if text.rstrip(",") == ast.get_source_segment(self.source, node) else None

    def remove_row(self, d: Dashboard, row: Row) -> bool:
        elements = self._rows_tuple(d)
        node = self._element(elements, row, "Row") if elements is not None else None
        span = self._own_lines(node) if node is not None else None
        if span is None:
            return False
        self.edits.append((span[0], span[1], ""))
        return True

    def add_row(self, d: Dashboard, after: Row | None, row: Row) -> list[str] | None:
        """Insert `row` after the row `after` (first when None), its panels as new functions; their names."""
        elements = self._rows_tuple(d)
        if elements is None or not elements.elts:
            return None
        anchor = self._element(elements, after, "Row") if after is not None else elements.elts[0]
        if anchor is None:
            return None
        indent = re.match(rb"[ \t]*", self.data[self.starts[anchor.lineno - 1]:]).group().decode()
        names = [function_name(p.title, self.taken) for p in row.panels]
        text = self.gen.row(row, [f"{n}()" for n in names], len(indent) // 4)
        if after is None:
            at = self.starts[anchor.lineno - 1]
            self.edits.append((at, at, f"{indent}{text},\n"))
        else:
            end = self._own_lines(anchor)
            if end is None:
                return None
            self.edits.append((end[1], end[1], f"{indent}{text},\n"))
        self.functions.extend(self.gen.panel_function(n, p) for n, p in zip(names, row.panels))
        return names

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
                span = self._own_lines(elt)
                if span is None:
                    return False  # not one element on its own lines: leave it to a person
                self.edits.append((span[0], span[1], ""))
                return True
        return False

    def arrange(self, d: Dashboard, rows: list[tuple[Row, list[Panel]]]) -> bool:
        """Rewrite each row's panel tuple to hold `panels` in that order, taking each panel's
        element from whichever row of `d` holds it (re-indented, with its comma); every element
        must fill its own lines, build one panel, and each row's elements be one block that no
        other edit of this import touches. Nothing is edited unless every row can be."""
        spans, blocks = {}, {}  # id(panel) -> its element's lines; id(row) -> the lines of all its elements
        for row in d.rows:
            own = self._element_lines(row)
            if own is None:
                continue  # its panels have no spans, so a row needing one of them fails below
            spans.update(own)
            first, last = min((s for s, _ in own.values()), default=0), max((e for _, e in own.values()), default=0)
            if own and sum(e - s for s, e in own.values()) == last - first:  # no comment or blank line between
                blocks[id(row)] = (first, last)
        edits = []
        for row, panels in rows:
            if id(row) not in blocks or not all(id(p) in spans for p in panels):
                return False
            if any(self._touched(*spans[id(p)]) for p in panels) or self._touched(*blocks[id(row)]):
                return False  # a field edit inside (a Panel(...) written in the tuple): one or the other would be lost
            indent = self._indent(blocks[id(row)][0])
            edits.append((*blocks[id(row)], "".join(self._element_text(*spans[id(p)], indent) for p in panels)))
        self.edits.extend(edits)
        return True

    def _touched(self, start: int, end: int) -> bool:
        """Whether an edit planned before writes inside [start, end) (deleting all of it is no touch)."""
        return any(s < end and start < e and not (text == "" and s <= start and end <= e) for s, e, text in self.edits)

    def _indent(self, at: int) -> str:
        return re.match(rb"[ \t]*", self.data[at:]).group().decode()

    def _element_text(self, start: int, end: int, indent: str) -> str:
        """An element's lines, moved to `indent`, ending in a comma (a tuple's last element may have none)."""
        text = self.data[start:end].decode("utf-8")
        own = self._indent(start)
        lines = [indent + line[len(own):] if line.startswith(own) else line for line in text.splitlines()]
        if not lines[-1].rstrip().endswith(","):
            lines[-1] = lines[-1].rstrip() + ","
        return "\n".join(lines) + "\n"

    def _element_lines(self, row: Row) -> dict | None:
        """id(panel) -> the lines of the row-tuple element that builds it, for every panel of
        the row; None when some element does not fill lines of its own, or builds several
        of the row's panels (one function called twice: which call is which is unknown)."""
        elements = self._row_tuple(row)
        if elements is None or len(elements.elts) != len(row.panels):
            return None
        out = {}
        for panel in row.panels:
            found = [e for e in elements.elts if isinstance(e, ast.Call) and self._builds(e, panel)]
            span = self._own_lines(found[0]) if len(found) == 1 else None
            if span is None or span in out.values():
                return None
            out[id(panel)] = span
        return out

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
        name = function_name(panel.title, self.taken)
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


def _ensure_imports(text: str, gen: Writer) -> str:
    """Add the model names, OMIT and the `common` import the new code uses, where the module lacks them."""
    tree = ast.parse(text)
    lines = text.split("\n")
    model = next((n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "compiler.model"), None)
    have = {a.asname or a.name for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    existing = {a.name for a in model.names} if model else set()
    if _imports_complete(model, existing, have, gen):
        return text
    block = _import_block(existing, have, gen)
    if model is not None:
        lines[model.lineno - 1:model.end_lineno] = block
    else:  # after the last import at the top
        last = max((n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))), default=0)
        lines[last:last] = block
    return "\n".join(lines)


def _imports_complete(model: ast.ImportFrom | None, existing: set, have: set, gen: Writer) -> bool:
    """Whether the module already imports every name the new code uses."""
    return (model is not None and set(gen.model_names) <= existing and (not gen.uses_omit or "OMIT" in have)
            and (not gen.uses_common or "c" in have))


def _import_block(existing: set, have: set, gen: Writer) -> list[str]:
    """The import lines that replace the module's `compiler.model` import (constants first, then classes)."""
    block = []
    names = sorted(existing | set(gen.model_names), key=lambda n: (not n.isupper(), n))
    if names:
        line = f"from compiler.model import {', '.join(names)}"
        block.append(line if len(line) <= 110 else
                     "from compiler.model import (\n" + "".join(f"    {n},\n" for n in names) + ")")
    if gen.uses_omit and "OMIT" not in have:
        block.append("from compiler.passthrough import OMIT")
    if gen.uses_common and "c" not in have:
        block.append("\nfrom . import common as c")
    return block


def _name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
