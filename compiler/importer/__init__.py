"""`build.py import`: Grafana dashboard JSON -> a definitions module that builds back to the same dashboard.

read.py unwraps the file (bare JSON, API envelope, ConfigMap); normalise.py and
legacy.py bring it to the form Grafana itself would save; convert.py turns it
into model objects, carrying what the model cannot hold; codegen.py writes the
module. `import_dashboards` then loads the written module like any definition,
checks that it emits the input again and lints it.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field

from ..emit import grafana
from ..errors import LoadError, UsageError
from ..lint.finding import Finding
from ..model import Dashboard
from ..pipeline import _UID
from .codegen import Names, module_source
from .convert import Imported, ImportFailure, convert, differences
from .normalise import normalise
from .read import Found, ReadError, display, read
from .update import Update, plan, semantic_diff

__all__ = ["ImportFailure", "ReadError", "Result", "Updated", "import_dashboards", "convert", "module_source", "read"]


@dataclass
class Updated:
    """An import of a dashboard the project defines: the diff, and what --apply did."""

    found: Found
    update: Update
    applied: bool = False
    remaining: list[str] = field(default_factory=list)  # where the module still builds other JSON

    def report(self) -> list[str]:
        u = self.update
        lines = list(u.diff)
        if not u.text and not u.manual:
            return lines
        verb = "applied" if self.applied else "--apply would make"
        lines += [f"  {verb}: {line}" for line in u.applied]
        lines += [f"  by hand: {line}" for line in u.manual]
        if self.applied:
            lines += [f"  still differs: {line}" for line in self.remaining[:20]]
            if len(self.remaining) > 20:
                lines.append(f"  still differs: and {len(self.remaining) - 20} more")
        return lines


@dataclass
class Result:
    found: Found
    imported: Imported
    module: str  # path relative to the root
    lost: list[str] = field(default_factory=list)  # where the written module's build differs from the input
    findings: list[Finding] = field(default_factory=list)
    registered: bool = False

    def report(self) -> list[str]:
        s = self.imported.stats
        share = (lambda n: f"{100 * n / s.settings:.1f} %") if s.settings else (lambda n: "-")
        d = self.imported.dashboard
        lines = [
            f"{self.found.origin}: dashboard '{d.uid}' ({self.found.form}) -> {self.module}: "
            f"{sum(len(r.panels) for r in d.rows)} panels in {len(d.rows)} rows",
            f"  settings: {s.settings} ({s.filled} of them Grafana's defaults); "
            f"modelled {s.modelled} ({share(s.modelled)}), in panel options {s.options} ({share(s.options)}), "
            f"pass-through {s.passthrough} ({share(s.passthrough)}), lost {len(self.lost)}; "
            f"emitter defaults removed: {s.omitted}",
        ]
        lines += [f"  {'migrated' if note.startswith('legacy') else 'note'}: {note}" for note in self.imported.notes]
        lines += [f"  carried: {line}" for line in self.imported.carried]
        lines += [f"  LOST: {line}" for line in self.lost]
        return lines


def destination(root: str, d, into: str | None) -> str:
    if into:
        return os.path.abspath(os.path.join(root, into) if not os.path.isabs(into) else into)
    return os.path.join(root, "dashboards", module_name(d.title or d.uid) + ".py")


def module_name(text: str) -> str:
    name = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "imported"
    return "d_" + name if name[0].isdigit() else name


def convert_found(found: Found) -> Imported:
    try:
        imported = convert(found.dashboard)
    except ImportFailure as exc:
        raise LoadError(f"{found.origin}: {exc}") from None
    if found.folder:
        imported.dashboard = dataclasses.replace(imported.dashboard, folder=found.folder)
    uid = imported.dashboard.uid
    if not _UID.fullmatch(uid):
        # The uid names a file and a ConfigMap here: lowercase kebab, at most 40 characters.
        new = valid_uid(uid or imported.dashboard.title)
        why = f"uid '{uid}' cannot name a file and a ConfigMap" if uid else "the dashboard has no uid"
        imported.notes.append(f"{why}: imported as '{new}' (links and bookmarks to the old uid stop working)")
        imported.dashboard = dataclasses.replace(imported.dashboard, uid=new)
        imported.source["uid"] = new
        imported.built["uid"] = new
    return imported


def valid_uid(text: str) -> str:
    uid = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return uid or "imported"


def import_dashboards(root: str, paths: list[str], into: str | None = None, force: bool = False,
                      apply: bool = False) -> list[Result | Updated]:
    """Import every dashboard in `paths`: a new one as a new module of the project at `root`, then
    checked and linted; one the project defines as its semantic diff, applied to its module with `apply`."""
    from .. import pipeline
    from ..load import load

    root = os.path.abspath(root)
    found = _read_all(paths)
    if into and len(found) != 1:
        raise UsageError(f"--into names one module, but the files hold {len(found)} dashboards")
    project = load(root)
    pipeline.expand(project)  # the SLO dashboard too: a uid the build already writes
    defined = {d.uid: project.rel(d.src.file) for d in project.dashboards}
    names = _common_names(root)
    plans, updates = [], []
    for f in found:
        imported = convert_found(f)
        d = imported.dashboard
        if d.uid in defined:
            if into:
                raise UsageError(f"{f.origin}: dashboard '{d.uid}' is defined in {defined[d.uid]}: "
                                 "an import updates it there, without --into")
            updates.append(_plan_update(project, f, imported, names, root))
            continue
        plans.append(_plan_new_module(root, f, imported, names, into, force, plans))
    _refuse_duplicate_uids(plans, updates)
    return _write_all(root, plans, updates, apply)


def _read_all(paths: list[str]) -> list[Found]:
    """The dashboards in every file of `paths`; a file that cannot be read is a LoadError."""
    found: list[Found] = []
    for path in paths:
        try:
            found.extend(read(path))
        except ReadError as exc:
            raise LoadError(str(exc)) from None
        except OSError as exc:
            raise LoadError(f"{path}: {exc.strerror}") from None
    return found


def _plan_new_module(root: str, f: Found, imported, names, into: str | None, force: bool, plans: list) -> tuple:
    """(found, path, text, imported) of the new module a dashboard the project lacks is written to."""
    d = imported.dashboard
    path = destination(root, d, into)
    rel = os.path.relpath(path, root)
    if os.path.exists(path) and not force:
        raise UsageError(f"{rel} exists: choose another --into, or --force to overwrite it")
    if any(p[1] == path for p in plans):
        raise UsageError(f"{f.origin}: two imported dashboards would both be written to {rel}: "
                         "import them one by one with --into")
    in_package = os.path.dirname(path) == os.path.join(root, "dashboards")
    text = module_source(d, names, display(f.origin, root), relative_common=in_package)
    return (f, path, text, imported)


def _refuse_duplicate_uids(plans: list, updates: list) -> None:
    uids = [p[3].dashboard.uid for p in plans] + [u.update.uid for u in updates]
    twice = sorted({uid for uid in uids if uids.count(uid) > 1})
    if twice:
        raise UsageError(f"the files hold dashboard '{twice[0]}' more than once: import one of them")


def _write_all(root: str, plans: list, updates: list, apply: bool) -> list[Result | Updated]:
    """Apply the updates (with `apply`) and write the new modules; on any failure put every file back."""
    results: list[Result | Updated] = []
    saved: dict[str, str | None] = {}  # path -> its text before this import (None: it did not exist)
    try:
        if apply:
            _apply(root, updates, saved)
        results.extend(updates)
        for f, path, text, imported in plans:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _write(path, text, saved)
            results.append(Result(f, imported, os.path.relpath(path, root), registered=_register(root, path, saved)))
        created = [r for r in results if isinstance(r, Result)]
        if created:
            _check(root, created)
    except BaseException:
        _restore(saved)  # a module that does not load must not stay behind: the project would not build
        raise
    return results


def _write(path: str, text: str, saved: dict[str, str | None]) -> None:
    if path not in saved:
        try:
            with open(path, encoding="utf-8") as f:
                saved[path] = f.read()
        except FileNotFoundError:
            saved[path] = None
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _restore(saved: dict[str, str | None]) -> None:
    for path, text in saved.items():
        if text is None:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)


def _plan_update(project, found: Found, imported: Imported, names: Names, root: str) -> Updated:
    old = next(d for d in project.dashboards if d.uid == imported.dashboard.uid)
    module = project.rel(old.src.file)
    origin = display(found.origin, root)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    generated = bool(project.slos) and old is project.dashboards[-1]  # pipeline.expand appends the SLO dashboard
    if generated or not os.path.isfile(old.src.file) or os.path.abspath(old.src.file).startswith(package):
        # Built by the compiler (the SLO dashboard, from slo/ and config.py): there is no module to edit.
        module = f"the dashboard the compiler generates from {module}"
        update = Update(module, semantic_diff(old, imported, module, origin), uid=old.uid, wanted=imported.source)
        if imported.source != normalise(grafana.dashboard_json(old)):
            update.manual.append(f"dashboard '{old.uid}' is generated by the compiler, not defined in a module: "
                                 "change what it is generated from (the SLOs in slo/, config.py)")
        return Updated(found, update)
    with open(old.src.file, encoding="utf-8") as f:
        source = f.read()
    return Updated(found, plan(old, imported, source, module, names, origin))


def _apply(root: str, updates: list[Updated], saved: dict[str, str | None]) -> None:
    """Write each planned update, then load the project again and compare what it builds with the JSON."""
    from .. import pipeline
    from ..load import load

    written = False
    for u in updates:
        if u.update.text is not None:
            _write(os.path.join(root, u.update.module), u.update.text, saved)
            u.applied = written = True
    if not written:
        return
    project = load(root)
    pipeline.expand(project)
    built = {d.uid: d for d in project.dashboards}
    for u in updates:
        uid = u.update.uid
        if uid in built:
            u.remaining = differences(normalise(grafana.dashboard_json(built[uid])), u.update.wanted)


def _common_names(root: str) -> Names:
    """The project's dashboards/common.py, for its names; none when it has none or fails to import."""
    if not os.path.isfile(os.path.join(root, "dashboards", "common.py")):
        return Names(None)
    try:
        return Names(_import(root, "dashboards.common"))
    except Exception:  # noqa: BLE001 - the module is then written with literals only
        return Names(None)


def _import(root: str, name: str):
    sys.path.insert(0, root)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(root)


def _import_file(root: str, rel: str):
    spec = importlib.util.spec_from_file_location("_imported_" + module_name(rel), os.path.join(root, rel))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, root)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(root)
    return module


_IMPORT_LINE = re.compile(r"^from \. import (?:\((?P<block>[\w,\s]+)\)|(?P<line>[\w, ]+))$", re.M)
_TUPLE = re.compile(r"^DASHBOARDS = \((?P<body>.*?)^\)", re.M | re.S)


def _register(root: str, path: str, saved: dict[str, str | None]) -> bool:
    """Add the module to dashboards/__init__.py's DASHBOARDS when that file lists them by hand."""
    init = os.path.join(root, "dashboards", "__init__.py")
    if os.path.dirname(path) != os.path.dirname(init) or not os.path.isfile(init):
        return False
    name = os.path.splitext(os.path.basename(path))[0]
    with open(init, encoding="utf-8") as f:
        text = f.read()
    imports, listed = _IMPORT_LINE.search(text), _TUPLE.search(text)
    if not imports or not listed:
        return False  # discovered, or listed in a way this cannot edit: leave it alone
    modules = [m.strip() for m in (imports["block"] or imports["line"]).split(",") if m.strip()]
    if name in modules and f"{name}.DASHBOARD" in listed["body"]:
        return True
    if name not in modules:
        modules = sorted(modules + [name])
        line = "from . import " + ", ".join(modules)
        if len(line) > 110:
            line = "from . import (\n" + "".join(f"    {m},\n" for m in modules) + ")"
        text = text[:imports.start()] + line + text[imports.end():]
        listed = _TUPLE.search(text)
    body = listed["body"].rstrip() + f"\n    {name}.DASHBOARD,\n"
    text = text[:listed.start("body")] + body + text[listed.end("body"):]
    _write(init, text, saved)
    return True


def _check(root: str, results: list[Result]) -> None:
    """Load each written module as the build does, compare what it emits with its input, lint it."""
    from .. import lint, pipeline
    from ..load import load

    project = load(root)
    modules = {}
    for r in results:
        name = os.path.splitext(r.module)[0].replace(os.sep, ".")
        try:
            modules[r.module] = _import(root, name) if name.startswith("dashboards.") else _import_file(root, r.module)
        except Exception as exc:  # noqa: BLE001 - a bug of the generator: say where
            raise LoadError(f"{r.module}: the written module does not load: {type(exc).__name__}: {exc}") from None
    extra = []
    for r in results:
        built = getattr(modules[r.module], "DASHBOARD", None)
        if not isinstance(built, Dashboard):
            raise LoadError(f"{r.module}: the written module defines no DASHBOARD")
        r.lost = differences(normalise(grafana.dashboard_json(built)), r.imported.source)
        if not any(d.uid == built.uid for d in project.dashboards):
            extra.append(built)
    project.dashboards = tuple(project.dashboards) + tuple(extra)
    pipeline.expand(project)
    findings = lint.run(project, lint.subjects(project))
    for r in results:
        r.findings = [f for f in findings if f.location.file == r.module]
