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

import pytest

from compiler.emit.grafana import dashboard_json
from compiler.importer import convert, module_source
from compiler.importer.codegen import Names
from compiler.importer.convert import differences
from compiler.importer.normalise import normalise
from compiler.importer.read import read
from conftest import ROOT, SHARED

OWN = sorted(glob.glob(os.path.join(ROOT, "out", "grafana", "*.json")))
FIXTURES = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "import", "**", "*.json"), recursive=True))
CORPUS_DIR = os.path.join(SHARED, "corpus", "dashboards")
CORPUS = sorted(glob.glob(os.path.join(CORPUS_DIR, "*.json")))
CORPUS_MISSING = f"{CORPUS_DIR} is absent: the real-world round trips need the shared corpus (fixtures still run)"


def _names() -> Names:
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


@pytest.mark.skipif(not CORPUS, reason=CORPUS_MISSING)
@pytest.mark.parametrize("path", CORPUS, ids=_id)
def test_corpus_dashboard_round_trips(path):
    imported, _, lost = round_trip(path)
    assert lost == []
    s = imported.stats
    assert s.modelled + s.options + s.passthrough == s.settings


def share_table(paths: list[str]) -> list[str]:
    lines = [f"{'dashboard':45} {'settings':>8} {'modelled':>9} {'options':>8} {'carried':>8} {'lost':>5}"]
    for path in paths:
        imported, _, lost = round_trip(path)
        s = imported.stats

        def pct(n):
            return f"{100 * n / s.settings:.1f}%"
        lines.append(f"{_id(path):45} {s.settings:>8} {pct(s.modelled):>9} {pct(s.options):>8} "
                     f"{pct(s.passthrough):>8} {len(lost):>5}")
    return lines


def test_share_table(capsys):
    """The table of the closing note: settings reproduced by the model, in panel options, carried, lost."""
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
