"""Grafana dashboard JSON -> the model's Dashboard, with whatever the model cannot hold carried verbatim.

Two passes. The first reads each object's modelled fields (a panel's kind, title,
targets, unit, thresholds, ...) and emits that model with the real emitter. The
second compares, object by object, what the emitter wrote with the (normalised)
input: a difference inside a panel's `options`/`fieldConfig` becomes the panel's
`options` (the model's own field for Grafana options), any other difference the
object's `passthrough` (compiler/passthrough.py). The result emits the input
exactly; `Imported.lost` lists what still differs (nothing, unless this module
has a bug) and `Imported.stats` counts where each setting of the input went.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from .. import passthrough as pt
from ..emit import grafana
from ..model import LOKI, PROMETHEUS, Dashboard, Link, Panel, Row, Target, Threshold, Variable, fill_ref_ids, ref_ids
from ..passthrough import OMIT
from .normalise import normalise

KINDS = tuple(grafana._BUILDERS)  # the panel kinds the emitter builds
VARIABLE_KINDS = ("datasource", "query", "custom")
TARGET_FORMATS = ("time_series", "table", "heatmap")
# The kind an unmodelled panel or variable is built as before its pass-through sets its `type`.
STAND_IN_PANEL, STAND_IN_VARIABLE = "text", "custom"


class ImportFailure(ValueError):
    """Input that is no Grafana dashboard this importer can read (one line, for the CLI)."""


@dataclass
class Stats:
    settings: int = 0  # leaf values of the normalised input (Grafana's defaults filled in)
    options: int = 0  # of them carried verbatim in a panel's `options`
    passthrough: int = 0  # of them carried verbatim in a `passthrough`
    omitted: int = 0  # keys the emitter writes that the input lacks, removed by OMIT
    lost: int = 0  # leaf values the build does not reproduce (must be 0)
    filled: int = 0  # of the settings, those Grafana's plugin defaults fill in (absent from the input)

    @property
    def modelled(self) -> int:
        return self.settings - self.options - self.passthrough - self.lost


@dataclass
class Imported:
    dashboard: Dashboard
    source: dict  # the normalised input
    built: dict  # dashboard_json(dashboard), normalised
    notes: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)  # "panel 'X': passthrough keys a, b"
    lost: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)


def convert(raw: dict, notes: list[str] | None = None) -> Imported:
    """`raw` (a bare dashboard, envelopes already removed) as a model Dashboard."""
    if not isinstance(raw, dict) or not isinstance(raw.get("panels", raw.get("rows", [])), list):
        raise ImportFailure("not a Grafana dashboard (no `panels` list)")
    notes = list(notes or [])
    source = normalise(raw, notes)
    rows_in = _group_rows(source)
    first = _dashboard(source, rows_in, notes)
    # Normalised as the input is, so that what Grafana would fill in is no difference.
    emitted = normalise(grafana.dashboard_json(first))
    carried: list[str] = []
    second = _patched(first, emitted, source, rows_in, carried)
    built = normalise(grafana.dashboard_json(second))
    imported = Imported(second, source, built, notes, carried)
    imported.lost = differences(built, source)
    imported.stats = _stats(second, source, imported.lost)
    imported.stats.filled = imported.stats.settings - leaves(normalise(raw, fill=False))
    return imported


# --- first pass: the modelled fields ----------------------------------------------------


def _group_rows(d: dict) -> list[tuple[dict | None, list[dict]]]:
    """(row panel or None for the panels above every row, its panels), in the emitter's order."""
    rows: list[tuple[dict | None, list[dict]]] = []
    for panel in d.get("panels", []):
        if not isinstance(panel, dict):
            raise ImportFailure(f"a panel is a {type(panel).__name__}, not an object")
        if panel.get("type") == "row":
            nested = panel.get("panels") if panel.get("collapsed") is True else []
            rows.append((panel, list(nested) if isinstance(nested, list) else []))
        elif rows and rows[-1][0] is not None and rows[-1][0].get("collapsed") is True:
            title = rows[-1][0].get("title", "")
            raise ImportFailure(f"panel '{panel.get('title', '')}' lies below collapsed row '{title}' but outside it")
        elif rows:
            rows[-1][1].append(panel)
        else:
            rows.append((None, [panel]))
    return rows


def _dashboard(d: dict, rows_in, notes: list[str]) -> Dashboard:
    time = d.get("time") if isinstance(d.get("time"), dict) else {}
    templating = d.get("templating") if isinstance(d.get("templating"), dict) else {}
    # Datasource variables by name -> the plugin type they select, to tell LogQL from PromQL.
    sources = {v["name"]: v["query"] for v in _list(templating.get("list"))
               if isinstance(v, dict) and v.get("type") == "datasource"
               and isinstance(v.get("name"), str) and isinstance(v.get("query"), str)}
    return Dashboard(
        uid=_str(d.get("uid")),
        title=_str(d.get("title")),
        description=_str(d.get("description")),
        tags=tuple(t for t in d.get("tags", ()) if isinstance(t, str)) if isinstance(d.get("tags"), list) else (),
        variables=tuple(_variable(v, notes) for v in _list(templating.get("list"))),
        links=tuple(_link(link) for link in _list(d.get("links"))),
        refresh=_str(d.get("refresh")),
        time_from=_str(time.get("from"), "now-6h"),
        rows=tuple(_row(row, panels, notes, sources) for row, panels in rows_in),
    )


def _row(row: dict | None, panels: list[dict], notes: list[str], sources: dict[str, str]) -> Row:
    children = tuple(_panel(p, notes, sources) for p in panels)
    if row is None:
        return Row("", children, header=False)
    return Row(_str(row.get("title")), children, collapsed=row.get("collapsed") is True)


def _panel(p: dict, notes: list[str], sources: dict[str, str]) -> Panel:
    if not isinstance(p, dict):
        raise ImportFailure(f"a panel is a {type(p).__name__}, not an object")
    kind = p.get("type")
    title = _str(p.get("title"))
    if kind not in KINDS:
        notes.append(f"panel '{title}': kind `{kind}` is not modelled: built as `{STAND_IN_PANEL}`, "
                     "its settings carried verbatim")
        kind = STAND_IN_PANEL
    field_config = p.get("fieldConfig") if isinstance(p.get("fieldConfig"), dict) else {}
    defaults = field_config.get("defaults") if isinstance(field_config.get("defaults"), dict) else {}
    pos = p.get("gridPos") if isinstance(p.get("gridPos"), dict) else {}
    custom = defaults.get("custom") if isinstance(defaults.get("custom"), dict) else {}
    stacking = custom.get("stacking") if isinstance(custom.get("stacking"), dict) else {}
    targets_in = p.get("targets") if isinstance(p.get("targets"), list) else []
    panel_type = _ds_type(p.get("datasource"), sources) or (LOKI if kind == "logs" else None)
    targets = [_target(t, panel_type, sources) for t in targets_in if isinstance(t, dict)]
    own = [_str(t.get("refId")) for t in targets_in if isinstance(t, dict)]
    targets = [dataclasses.replace(t, ref_id=ref) for t, ref in zip(targets, _explicit_refs(own))]
    return Panel(
        kind, title, _str(p.get("description")), tuple(targets),
        unit=_str(defaults.get("unit")),
        width=_int(pos.get("w"), 12, 1, grafana.GRID_COLUMNS),
        height=_int(pos.get("h"), 8, 1, None),
        thresholds=_thresholds(defaults.get("thresholds")),
        min=_number(defaults.get("min")),
        max=_number(defaults.get("max")),
        decimals=_int(defaults.get("decimals"), None, 0, None),
        stack=kind == "timeseries" and stacking.get("mode") == "normal",
    )


def _explicit_refs(own: list[str]) -> list[str]:
    """The refIds a definition must state so that the others, left empty, are assigned as `own` has them."""
    explicit = [""] * len(own)
    for _ in own:
        auto = fill_ref_ids(explicit)
        wrong = [i for i, (a, b) in enumerate(zip(auto, own)) if a != b and not explicit[i]]
        if not wrong:
            break
        explicit[wrong[0]] = own[wrong[0]]
    return explicit


def _target(t: dict, panel_type: str | None, sources: dict[str, str]) -> Target:
    kind = _ds_type(t.get("datasource"), sources) or panel_type
    fmt = t.get("format")
    return Target(
        _str(t.get("expr")),
        legend=_str(t.get("legendFormat")),
        instant=t.get("instant") is True,
        format=fmt if fmt in TARGET_FORMATS else "time_series",
        datasource=LOKI if kind == LOKI else PROMETHEUS,
        exemplar=kind != LOKI and t.get("exemplar") is True,
    )


def _thresholds(data) -> tuple[Threshold, ...]:
    if not isinstance(data, dict) or data.get("mode") != "absolute" or not isinstance(data.get("steps"), list):
        return ()
    steps = []
    for step in data["steps"]:
        if not (isinstance(step, dict) and isinstance(step.get("color"), str)):
            return ()
        value = step.get("value")
        if value is not None and _number(value) is None:
            return ()
        steps.append(Threshold(value, step["color"]))
    if [(s.value, s.color) for s in steps] == [(None, grafana.BASE_COLOR)]:
        return ()  # what the emitter writes for a panel without thresholds
    return tuple(steps)


def _variable(v, notes: list[str]) -> Variable:
    if not isinstance(v, dict):
        raise ImportFailure(f"a template variable is a {type(v).__name__}, not an object")
    name, kind = _str(v.get("name")), v.get("type")
    if kind not in VARIABLE_KINDS:
        notes.append(f"variable '{name}': kind `{kind}` is not modelled: built as `{STAND_IN_VARIABLE}`, "
                     "its settings carried verbatim")
        kind = STAND_IN_VARIABLE
    query = v.get("query")
    if isinstance(query, dict):  # Grafana 10 saves a query variable's query as an object
        query = query.get("query")
    datasource = v.get("datasource")
    if isinstance(datasource, dict):
        datasource = datasource.get("uid")
    return Variable(
        name, kind, _str(query),
        label="" if v.get("label") == name else _str(v.get("label")),  # the emitter's default label is the name
        datasource=datasource if isinstance(datasource, str) else "${datasource}",
        multi=v.get("multi") is True,
        include_all=v.get("includeAll") is True,
        regex=_str(v.get("regex")),
        all_value=_str(v.get("allValue")),
        default=_selected(v.get("current")) if kind == "query" else (),
        hidden=v.get("hide") == grafana.HIDE_VARIABLE,
    )


def _selected(current) -> tuple[str, ...]:
    """The values a variable's saved `current` selects (`$__all` for All)."""
    value = current.get("value") if isinstance(current, dict) else None
    values = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(values) if all(isinstance(v, str) for v in values) else ()


def _link(link) -> Link:
    if not isinstance(link, dict):
        raise ImportFailure(f"a dashboard link is a {type(link).__name__}, not an object")
    tags = link.get("tags") if link.get("type") == "dashboards" and isinstance(link.get("tags"), list) else []
    return Link(_str(link.get("title")), url=_str(link.get("url")), tags=tuple(t for t in tags if isinstance(t, str)))


# --- second pass: what the emitter did not reproduce -------------------------------------


def _patched(first: Dashboard, emitted: dict, source: dict, rows_in, carried: list[str]) -> Dashboard:
    emitted_panels = iter(emitted.get("panels", []))
    rows = []
    for row, (row_in, panels_in) in zip(first.rows, rows_in):
        if row.header:
            row_out = next(emitted_panels)
            children_out = row_out.get("panels", []) if row.collapsed else [next(emitted_panels) for _ in row.panels]
            own_panels = row.collapsed and isinstance(row_in.get("panels"), list)  # else carried as they are
            patch = _diff_without(row_out, row_in, ("panels",) if own_panels else ())
            if patch:
                carried.append(f"row '{row.title}': passthrough {', '.join(sorted(patch))}")
            row = dataclasses.replace(row, passthrough=patch)
        else:
            children_out = [next(emitted_panels) for _ in row.panels]
        panels = tuple(_patched_panel(p, out, p_in, carried)
                       for p, out, p_in in zip(row.panels, children_out, panels_in))
        rows.append(dataclasses.replace(row, panels=panels))
    variables_in = _list(source.get("templating", {}).get("list")) if isinstance(source.get("templating"), dict) else []
    variables = tuple(
        _patched_object(v, out, v_in, f"variable '{v.name}'", carried)
        for v, out, v_in in zip(first.variables, emitted["templating"]["list"], variables_in)
    )
    links = tuple(
        _patched_object(link, out, link_in, f"link '{link.title}'", carried)
        for link, out, link_in in zip(first.links, emitted["links"], _list(source.get("links")))
    )
    patch = _diff_without(_aligned(emitted), _aligned(source), ("panels",))
    if patch:
        carried.append(f"dashboard: passthrough {', '.join(sorted(patch))}")
    return dataclasses.replace(first, rows=tuple(rows), variables=variables, links=links, passthrough=patch)


def _aligned(d: dict) -> dict:
    """`d` with its variables and links (each patched on its own) replaced by a marker of their count."""
    d = dict(d)
    if isinstance(d.get("templating"), dict) and isinstance(d["templating"].get("list"), list):
        d["templating"] = dict(d["templating"], list=_Count(len(d["templating"]["list"])))
    if isinstance(d.get("links"), list):
        d["links"] = _Count(len(d["links"]))
    return d


@dataclass(frozen=True)
class _Count:
    """A list compared by its length only, as a value no JSON holds."""

    n: int


def _patched_object(obj, out: dict, wanted: dict, what: str, carried: list[str]):
    patch = pt.diff(out, wanted)
    if patch:
        carried.append(f"{what}: passthrough {', '.join(sorted(patch))}")
    return dataclasses.replace(obj, passthrough=patch)


def _patched_panel(panel: Panel, out: dict, wanted: dict, carried: list[str]) -> Panel:
    targets, own_targets = _patched_targets(panel, out, wanted, carried)
    patch = _diff_without(out, wanted, ("targets",) if own_targets else ())
    rest = dict(patch)
    options = _patch_options(out, rest)
    options = _patch_transformations(out, wanted, rest, options)
    if rest:
        carried.append(f"panel '{panel.title}': passthrough {_listed(_paths(rest))}")
    return dataclasses.replace(panel, targets=targets, options=options, passthrough=rest)


def _patched_targets(panel: Panel, out: dict, wanted: dict, carried: list[str]) -> tuple[tuple, bool]:
    """The panel's targets with their own passthrough, and whether they had one each (as many in and out)."""
    targets_out, targets_in = out.get("targets"), wanted.get("targets")
    own_targets = isinstance(targets_in, list) and isinstance(targets_out, list) and len(targets_in) == len(targets_out)
    targets = panel.targets
    if own_targets:
        targets = tuple(
            dataclasses.replace(t, passthrough=pt.diff(t_out, t_in)) if isinstance(t_in, dict) else t
            for t, t_out, t_in in zip(panel.targets, targets_out, targets_in)
        )
        for t, ref in zip(targets, ref_ids(targets)):
            if t.passthrough:
                carried.append(f"panel '{panel.title}' target {ref}: passthrough {', '.join(_paths(t.passthrough))}")
    return targets, own_targets


def _patch_options(out: dict, rest: dict) -> dict:
    """Move what of the patch's options and fieldConfig is not an omission out of `rest`, into Panel.options."""
    options = {}
    for key in ("options", "fieldConfig"):
        if isinstance(rest.get(key), dict) and isinstance(out.get(key), dict):
            kept, omitted = _split_omit(rest.pop(key))
            if kept:
                options[key] = kept
            if omitted:
                rest[key] = omitted
    if "fieldConfig" in options:  # Panel.options holds fieldConfig under its own key
        return dict(options.pop("options", {}), fieldConfig=options["fieldConfig"])
    return options.get("options", {})


def _patch_transformations(out: dict, wanted: dict, rest: dict, options: dict) -> dict:
    # Panel.options also holds transformations, which the emitter appends to the kind's own.
    own, wanted_t = out.get("transformations") or [], wanted.get("transformations")
    if "transformations" in rest and isinstance(wanted_t, list) and wanted_t[:len(own)] == own:
        del rest["transformations"]
        if wanted_t[len(own):]:
            options = dict(options, transformations=wanted_t[len(own):])
    return options


def _listed(paths: list[str], most: int = 12) -> str:
    return ", ".join(paths[:most]) + (f" and {len(paths) - most} more" if len(paths) > most else "")


def _diff_without(out: dict, wanted: dict, keys: tuple[str, ...]) -> dict:
    return pt.diff({k: v for k, v in out.items() if k not in keys}, {k: v for k, v in wanted.items() if k not in keys})


def _split_omit(patch: dict) -> tuple[dict, dict]:
    """(the patch's values, its OMIT markers), each a patch of the same shape."""
    kept, omitted = {}, {}
    for key, value in patch.items():
        if value is OMIT:
            omitted[key] = OMIT
        elif isinstance(value, dict) and _has_omit(value):
            k, o = _split_omit(value)
            if k:
                kept[key] = k
            if o:
                omitted[key] = o
        else:
            kept[key] = value
    return kept, omitted


def _has_omit(value) -> bool:
    return isinstance(value, dict) and any(v is OMIT or _has_omit(v) for v in value.values())


def _paths(patch: dict, prefix: str = "") -> list[str]:
    out = []
    for key in sorted(patch):
        value = patch[key]
        if isinstance(value, dict) and value:
            out.extend(_paths(value, f"{prefix}{key}."))
        else:
            out.append(f"{prefix}{key}" + (" (omitted)" if value is OMIT else ""))
    return out


# --- checking the result -------------------------------------------------------------------


def differences(built, wanted, path: str = "") -> list[str]:
    """The paths where `built` differs from `wanted` (both normalised)."""
    if pt.same(built, wanted):
        return []
    if isinstance(built, dict) and isinstance(wanted, dict):
        out = []
        for key in sorted(set(built) | set(wanted), key=str):
            here = f"{path}.{key}" if path else str(key)
            if key not in built:
                out.append(f"{here}: missing")
            elif key not in wanted:
                out.append(f"{here}: extra")
            else:
                out.extend(differences(built[key], wanted[key], here))
        return out
    if isinstance(built, list) and isinstance(wanted, list) and len(built) == len(wanted):
        return [d for i, (b, w) in enumerate(zip(built, wanted)) for d in differences(b, w, f"{path}[{i}]")]
    return [f"{path}: {_short(built)} instead of {_short(wanted)}"]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def leaves(value) -> int:
    """How many settings a JSON value holds: its scalars, and its empty objects and lists."""
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values() if v is not OMIT) if value else 1
    if isinstance(value, list):
        return sum(leaves(v) for v in value) if value else 1
    return 0 if value is OMIT else 1


def omits(value) -> int:
    if isinstance(value, dict):
        return sum(1 if v is OMIT else omits(v) for v in value.values())
    return 0


def _stats(d: Dashboard, source: dict, lost: list[str]) -> Stats:
    stats = Stats(settings=leaves(source), lost=len(lost))
    patches = [d.passthrough] + [v.passthrough for v in d.variables] + [link.passthrough for link in d.links]
    for row in d.rows:
        patches.append(row.passthrough)
        for panel in row.panels:
            patches.append(panel.passthrough)
            patches.extend(t.passthrough for t in panel.targets)
            stats.options += leaves(panel.options) if panel.options else 0
    stats.passthrough = sum(leaves(p) for p in patches if p)
    stats.omitted = sum(omits(p) for p in patches)
    return stats


# --- small readers ------------------------------------------------------------------------


def _str(value, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _int(value, default, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        return default
    return value


_VARIABLE = re.compile(r"^\$\{?(\w+)\}?$")


def _ds_type(ds, sources: dict[str, str]) -> str | None:
    """The plugin type a panel's or target's datasource names: its `type`, or that of the variable it names."""
    if isinstance(ds, dict) and isinstance(ds.get("type"), str) and ds["type"] != "datasource":
        return ds["type"]
    ref = ds.get("uid") if isinstance(ds, dict) else ds
    if not isinstance(ref, str):
        return None
    match = _VARIABLE.match(ref)
    if match:
        return sources.get(match.group(1))
    return LOKI if "loki" in ref.lower() else None
