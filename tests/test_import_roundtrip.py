"""`build.py import` round trips: imported JSON builds back to the same dashboard.

Inputs: the project's own dashboards (out/grafana/, which must come back with no
pass-through at all), the committed fixtures of tests/fixtures/import/, and the
real dashboards of ../shared/corpus/dashboards/ (skipped, saying so, when that
directory is absent). Each input is converted, written as a module, the module
executed as the build would, and its emitted JSON compared with the input after
Grafana's normalisation (compiler/importer/normalise.py).

`test_share_table` prints, per dashboard, the share of settings reproduced by
the model, carried verbatim, and lost (run with `-s` to see it).
"""
from __future__ import annotations

import glob
import json
import os
import sys

import pytest

from compiler.emit.grafana import dashboard_json
from compiler.importer import convert, module_source
from compiler.importer.codegen import Names
from compiler.importer.convert import differences
from compiler.importer.normalise import normalise
from compiler.importer.read import read
from compiler.load import load
from conftest import ROOT, SHARED

OWN = sorted(glob.glob(os.path.join(ROOT, "out", "grafana", "*.json")))
FIXTURES = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "import", "**", "*.json"), recursive=True))
CORPUS_DIR = os.path.join(SHARED, "corpus", "dashboards")
CORPUS = sorted(glob.glob(os.path.join(CORPUS_DIR, "*.json")))
CORPUS_MISSING = f"{CORPUS_DIR} is absent: the real-world round trips need the shared corpus (fixtures still run)"


def _names() -> Names:
    """This repository's dashboards/common.py, as the generated modules import it.

    Other tests load other project roots, whose `config` and `dashboards` then
    stand in sys.modules: load this root again first when so.
    """
    package = sys.modules.get("dashboards")
    if package is None or not os.path.abspath(package.__file__).startswith(os.path.join(ROOT, "dashboards")):
        load(ROOT)
    import dashboards.common

    return Names(dashboards.common)


def round_trip(path: str):
    """(imported, module text, differences between the module's build and the input)."""
    (found,) = read(path)
    imported = convert(found.dashboard)
    text = module_source(imported.dashboard, _names(), os.path.basename(path), relative_common=False)
    namespace: dict = {}
    exec(compile(text, f"dashboards/_imported_{os.path.basename(path)}.py", "exec"), namespace)
    built = normalise(dashboard_json(namespace["DASHBOARD"]))
    return imported, text, differences(built, imported.source)


def _id(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def test_inputs_exist():
    assert len(OWN) >= 5, "out/grafana/ holds the project's own dashboards"
    assert FIXTURES, "tests/fixtures/import/ holds committed inputs"


@pytest.mark.parametrize("path", OWN, ids=_id)
def test_own_dashboard_comes_back_without_pass_through(path):
    imported, text, lost = round_trip(path)
    assert lost == []
    assert "passthrough" not in text and "OMIT" not in text
    assert imported.stats.passthrough == 0 and imported.stats.omitted == 0
    assert imported.notes == []


@pytest.mark.parametrize("path", OWN, ids=_id)
def test_own_dashboard_uses_the_common_names(path):
    _, text, _ = round_trip(path)
    assert "c.DASHBOARD_LINKS" in text and "c.PROMETHEUS_VARIABLE" in text and "c.tags(" in text
    assert 'unit="' not in text, "units are written through dashboards/common.py"


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_fixture_round_trips(path):
    imported, _, lost = round_trip(path)
    assert lost == []
    assert imported.stats.settings > 0


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS, reason=CORPUS_MISSING)
@pytest.mark.parametrize("path", CORPUS, ids=_id)
def test_corpus_dashboard_round_trips(path):
    imported, _, lost = round_trip(path)
    assert lost == []
    s = imported.stats
    assert s.modelled + s.options + s.passthrough == s.settings


def _label(path: str) -> str:
    if path.startswith(ROOT + os.sep):
        return os.path.relpath(path, ROOT).replace("tests/fixtures/import/", "fixtures/")
    return "corpus/" + os.path.basename(path)


def share_table(paths: list[str]) -> list[str]:
    lines = [f"{'dashboard':50} {'settings':>8} {'defaults':>8} {'modelled':>9} {'options':>8} {'carried':>8} {'lost':>5}"]
    for path in paths:
        imported, _, lost = round_trip(path)
        s = imported.stats

        def pct(n):
            return f"{100 * n / s.settings:.1f}%"
        lines.append(f"{_label(path):50} {s.settings:>8} {s.filled:>8} {pct(s.modelled):>9} {pct(s.options):>8} "
                     f"{pct(s.passthrough):>8} {len(lost):>5}")
    return lines


@pytest.mark.slow
def test_share_table(capsys):
    """The table of the closing note, per dashboard: its settings after Grafana's normalisation (and how
    many of them are defaults Grafana fills in), the shares reproduced by the model's fields, carried in
    panel options, carried in pass-through, and the count lost."""
    paths = OWN + FIXTURES + CORPUS
    lines = share_table(paths)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
        if not CORPUS:
            print(CORPUS_MISSING)
    assert all(line.split()[-1] == "0" for line in lines[1:]), "no setting may be lost"


def test_normalisation_ignores_what_grafana_reassigns():
    with open(OWN[0], encoding="utf-8") as f:
        d = json.load(f)
    moved = json.loads(json.dumps(d))
    moved["id"], moved["version"] = 7, 12
    for i, panel in enumerate(reversed(moved["panels"])):
        panel["id"] = 100 + i
    moved["panels"].reverse()  # Grafana sorts top-level panels by position
    assert differences(normalise(moved), normalise(d)) == []
    moved["panels"][0]["title"] += "!"
    assert differences(normalise(moved), normalise(d)) != []


def test_legacy_fixture_is_migrated_and_the_report_says_so():
    imported, text, lost = round_trip(os.path.join(ROOT, "tests", "fixtures", "import", "legacy.json"))
    assert lost == []
    notes = "\n".join(imported.notes)
    assert "legacy `rows` (2) converted" in notes
    assert "`graph` converted to `timeseries`" in notes and "`singlestat` converted to `stat`" in notes
    kinds = [p.kind for row in imported.dashboard.rows for p in row.panels]
    assert kinds == ["stat", "timeseries", "timeseries"]
    assert 'Row("Details", (' in text and "collapsed=True" in text


def test_every_kind_the_emitter_builds_comes_back_as_written():
    """Each panel kind, with every modelled field set, is read back into the same definition: no options,
    no pass-through."""
    from compiler.emit import grafana
    from compiler.model import LOKI, Dashboard, Panel, Row, Target, Threshold, Variable

    steps = (Threshold(None, "green"), Threshold(0.5, "orange"), Threshold(0.9, "red"))
    panels = []
    for kind in grafana._BUILDERS:
        if kind == "logs":
            targets = (Target('{app="api"} |= "error"', datasource=LOKI),)
        elif kind == "text":
            targets = ()
        else:
            targets = (Target("sum(rate(x_total[$__rate_interval]))", legend="x"),
                       Target("sum(y)", legend="y", ref_id="Q", instant=True, format="table"))
        panels.append(Panel(kind, f"A {kind}", f"What the {kind} shows.", targets, unit="s", width=8, height=6,
                            thresholds=steps, min=0, max=2, decimals=1, stack=kind == "timeseries"))
    d = Dashboard("every-kind", "Every kind", "One panel of each kind.", rows=(
        Row("", tuple(panels[:2]), header=False),
        Row("Open", tuple(panels[2:5])),
        Row("Closed", tuple(panels[5:]), collapsed=True),
    ), variables=(Variable("datasource", "datasource", "prometheus"), Variable("loki", "datasource", "loki"),
                  Variable("job", "query", "label_values(up, job)", multi=True, include_all=True, all_value=".*",
                           default=("$__all",), hidden=True)), tags=("a", "b"), refresh="5m", time_from="now-1h")
    imported = convert(grafana.dashboard_json(d))
    assert imported.lost == [] and imported.notes == []
    assert imported.stats.passthrough == 0 and imported.stats.options == 0
    back = imported.dashboard
    assert back.rows == d.rows and back.variables == d.variables
    assert (back.uid, back.title, back.tags, back.refresh, back.time_from) == (d.uid, d.title, d.tags, "5m", "now-1h")


_ODD_VALUES = [None, 0, -3, 1.5, True, "", "x", [], {}, [1, "a"], {"a": None}]


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, path + (i,))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2))
def test_damaged_dashboards_are_refused_or_round_trip(seed):
    """Any value anywhere replaced by one of another type: a one-line refusal, or nothing lost."""
    import copy
    import random

    from compiler.importer import ImportFailure

    rng = random.Random(seed)
    inputs = []
    for path in FIXTURES:
        with open(path, encoding="utf-8") as f:
            inputs.append(json.load(f))
    for _ in range(100):
        d = copy.deepcopy(rng.choice(inputs))
        paths = list(_paths(d))[1:]
        for _ in range(rng.randint(1, 3)):
            *parents, last = rng.choice(paths)
            try:
                node = d
                for step in parents:
                    node = node[step]
                node[last] = copy.deepcopy(rng.choice(_ODD_VALUES))
            except (KeyError, IndexError, TypeError):
                pass  # an earlier change took that path away
        try:
            imported = convert(d)
        except ImportFailure as exc:
            assert "\n" not in str(exc)
            continue
        assert imported.lost == []
