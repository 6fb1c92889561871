"""`build.py import`: reading the forms Grafana and Kubernetes hand out, the CLI's contract, the merge patch."""
from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml
from click.testing import CliRunner

import build
from compiler import passthrough as pt
from compiler.importer.legacy import migrate
from compiler.importer.read import ReadError, read
from conftest import ROOT

OWN = os.path.join(ROOT, "out", "grafana", "codeverify-overview.json")
MODERN = os.path.join(ROOT, "tests", "fixtures", "import", "modern.json")


def run(*args):
    result = CliRunner().invoke(build.cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path):
    """A writable copy of this repository's definitions (no out/)."""
    dest = tmp_path / "repo"
    dest.mkdir()
    for name in ("config.py", "catalog.py"):
        shutil.copy(os.path.join(ROOT, name), dest / name)
    for name in ("dashboards", "alerts", "slo", "runbooks"):
        if os.path.isdir(os.path.join(ROOT, name)):
            shutil.copytree(os.path.join(ROOT, name), dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def built_overview(repo, out) -> dict:
    """The overview dashboard's JSON as `repo` builds it now (a build to `out`, which must succeed)."""
    code, output = run("--root", str(repo), "--out", str(out))
    assert code == 0, output
    with open(out / "grafana" / "codeverify-overview.json", encoding="utf-8") as f:
        return json.load(f)


def own_dashboard(uid_prefix: str = "copy-") -> dict:
    with open(OWN, encoding="utf-8") as f:
        d = json.load(f)
    d["uid"] = uid_prefix + d["uid"]
    d["title"] = "Copy of " + d["title"]
    return d


def write_json(path, data) -> str:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return str(path)


# --- reading -------------------------------------------------------------------------------


def test_bare_envelope_and_configmap_hold_the_same_dashboard(tmp_path):
    d = own_dashboard()
    bare = write_json(tmp_path / "bare.json", d)
    envelope = write_json(tmp_path / "env.json", {"dashboard": d, "meta": {"folderTitle": "Team A", "slug": "x"}})
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "dash", "annotations": {"grafana_folder": "Team B"}},
          "data": {"copy.json": json.dumps(d), "README.md": "not a dashboard"}}
    configmap = tmp_path / "cm.yaml"
    configmap.write_text(yaml.safe_dump(cm), encoding="utf-8")
    (b,), (e,), (c,) = read(bare), read(envelope), read(str(configmap))
    assert b.dashboard == e.dashboard == c.dashboard == d
    assert (b.form, e.form, c.form) == ("bare", "envelope", "configmap")
    assert (b.folder, e.folder, c.folder) == (None, "Team A", "Team B")
    assert "ConfigMap 'dash' key 'copy.json'" in c.origin


def test_a_list_of_configmaps_yields_each_dashboard(tmp_path):
    items = [{"kind": "ConfigMap", "metadata": {"name": f"d{i}"}, "data": {f"d{i}.json": json.dumps(own_dashboard(f"{i}-"))}}
             for i in range(2)]
    path = tmp_path / "list.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}), encoding="utf-8")
    assert [f.dashboard["uid"] for f in read(str(path))] == ["0-codeverify-overview", "1-codeverify-overview"]


@pytest.mark.parametrize("content, message", [
    ('{"panels": [', "not valid JSON"),
    ('{"title": "no panels"}', "no Grafana dashboard in it"),
    ("[1, 2]", "no Grafana dashboard in it"),
], ids=["broken JSON is a located error", "an object without panels is refused", "a list is refused"])
def test_unreadable_input_is_one_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReadError, match=message):
        read(str(path))


# --- the merge patch ---------------------------------------------------------------------------


@pytest.mark.parametrize("have, want", [
    ({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 2}}),
    ({"a": [1, 2]}, {"a": [2]}),
    ({"a": {"b": 1}}, {"a": None}),
    ({}, {"a": {"b": None}}),
    ({"a": 1}, {"a": 1.0}),
    ({"a": 1}, {"a": True}),
], ids=["a nested key removed", "a list replaced", "a dict replaced by null", "a null added",
        "1 and 1.0 are one JSON number", "true is no number"])
def test_diff_then_apply_gives_what_was_wanted(have, want):
    patch = pt.diff(have, want)
    result = pt.apply(json.loads(json.dumps(have)), patch)
    assert pt.same(result, want)
    assert (patch == {}) == pt.same(have, want)


# --- legacy forms ----------------------------------------------------------------------------


def test_legacy_rows_become_row_panels_as_grafana_lays_them_out():
    d = {"schemaVersion": 14, "rows": [
        {"title": "A", "showTitle": True, "height": "250px", "panels": [
            {"type": "text", "span": 6}, {"type": "text", "span": 6}, {"type": "text", "span": 12, "height": 100}]},
        {"title": "B", "collapse": True, "panels": [{"type": "text", "span": 3}]},
    ]}
    notes: list[str] = []
    migrate(d, notes)
    assert "rows" not in d and notes
    pos = [(p["type"], p.get("title"), p["gridPos"]) for p in d["panels"]]
    assert pos[0] == ("text", None, {"x": 0, "y": 1, "w": 12, "h": 7})
    assert pos[1] == ("text", None, {"x": 12, "y": 1, "w": 12, "h": 7})
    # a full-width panel wraps to the row's next line; 100 px is below the 3-cell minimum
    assert pos[2] == ("text", None, {"x": 0, "y": 8, "w": 24, "h": 3})
    assert pos[3] == ("row", "A", {"x": 0, "y": 0, "w": 24, "h": 7})
    row_b = d["panels"][4]
    assert row_b["collapsed"] is True and row_b["gridPos"]["y"] == 15
    assert row_b["panels"][0]["gridPos"] == {"x": 0, "y": 16, "w": 6, "h": 7}


def test_rows_of_a_grid_layout_schema_are_dropped_as_grafana_does():
    d = {"schemaVersion": 30, "panels": [], "rows": [{"panels": [{"type": "graph"}]}]}
    notes: list[str] = []
    migrate(d, notes)
    assert d["panels"] == [] and "rows" not in d and "dropped" in notes[0]


# --- the command ------------------------------------------------------------------------------


@pytest.mark.slow
def test_import_writes_a_registered_module_that_builds_the_same_dashboard(repo, tmp_path):
    d = own_dashboard()
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d))
    assert code == 0, output
    module = repo / "dashboards" / "copy_of_codeverify_overview.py"
    assert module.exists()
    assert "pass-through 0 (0.0 %)" in output and "lost 0" in output
    assert "copy_of_codeverify_overview.DASHBOARD" in (repo / "dashboards" / "__init__.py").read_text()
    out = tmp_path / "out"
    code, output = run("--root", str(repo), "--out", str(out))
    assert code == 0, output
    with open(out / "grafana" / "copy-codeverify-overview.json", encoding="utf-8") as f:
        assert json.load(f) == d


def test_import_refuses_to_overwrite_unless_forced(repo, tmp_path):
    target = repo / "dashboards" / "mine.py"
    target.write_text("# mine\n")
    source = write_json(tmp_path / "d.json", own_dashboard())
    code, output = run("--root", str(repo), "import", source, "--into", "dashboards/mine.py")
    assert code == 2 and output.count("\n") == 1 and "--force" in output
    assert target.read_text() == "# mine\n"
    code, output = run("--root", str(repo), "import", source, "--into", "dashboards/mine.py", "--force")
    assert code == 0, output
    assert "DASHBOARD = Dashboard(" in target.read_text()


def test_into_names_one_dashboard(repo, tmp_path):
    a = write_json(tmp_path / "a.json", own_dashboard("a-"))
    b = write_json(tmp_path / "b.json", own_dashboard("b-"))
    code, output = run("--root", str(repo), "import", a, b, "--into", "dashboards/x.py")
    assert code == 2 and "one module" in output
    assert not (repo / "dashboards" / "x.py").exists()


def test_bad_input_is_one_line_and_writes_nothing(repo, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"panels": [}', encoding="utf-8")
    before = sorted(os.listdir(repo / "dashboards"))
    code, output = run("--root", str(repo), "import", str(bad))
    assert code == 2 and output.count("\n") == 1 and output.startswith("error: ") and "bad.json:1" in output
    assert sorted(os.listdir(repo / "dashboards")) == before


def test_foreign_dashboard_is_imported_then_linted(repo):
    code, output = run("--root", str(repo), "import", MODERN)
    module = repo / "dashboards" / "checkout_red.py"
    assert module.exists()
    assert "kind `interval` is not modelled" in output and "kind `news` is not modelled" in output
    # its metrics are not in this project's catalog: the lint says so, at the new module
    assert code == 1 and "dashboards/checkout_red.py:" in output and "[promql/unknown-metric]" in output
    assert "imported, but the lint fails" in output


def _migrated(panel: dict) -> tuple[dict, list[str]]:
    d = {"schemaVersion": 30, "panels": [panel]}
    notes: list[str] = []
    migrate(d, notes)
    return d["panels"][0], notes


@pytest.mark.parametrize("old, path, expected", [
    ({"lines": True, "fill": 3}, ("fieldConfig", "defaults", "custom", "fillOpacity"), 30),
    ({"bars": True}, ("fieldConfig", "defaults", "custom", "drawStyle"), "bars"),
    ({"lines": False, "points": True, "pointradius": 2}, ("fieldConfig", "defaults", "custom", "pointSize"), 6),
    ({"stack": True, "percentage": True}, ("fieldConfig", "defaults", "custom", "stacking"), {"mode": "percent", "group": "A"}),
    ({"yaxes": [{"format": "bytes", "min": "0", "show": True, "logBase": 2}]},
     ("fieldConfig", "defaults"), {"unit": "bytes", "min": 0, "custom": {
         "axisPlacement": "auto", "scaleDistribution": {"type": "log", "log": 2}, "drawStyle": "line", "showPoints": "never"}}),
    ({"legend": {"show": True, "values": True, "avg": True, "current": True, "total": False}},
     ("options", "legend", "calcs"), ["mean", "lastNotNull"]),
    ({"legend": {"show": False}}, ("options", "legend", "showLegend"), False),
    ({"tooltip": {"shared": True, "sort": 1}}, ("options", "tooltip"), {"mode": "multi", "sort": "asc"}),
    ({"aliasColors": {"errors": "red"}}, ("fieldConfig", "overrides"), [
        {"matcher": {"id": "byName", "options": "errors"},
         "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}]),
    ({"seriesOverrides": [{"alias": "/5../", "color": "red"}]}, ("fieldConfig", "overrides", 0, "matcher"),
     {"id": "byRegexp", "options": "/5../"}),
    ({"thresholds": [{"value": 5, "op": "gt", "colorMode": "warning", "line": True}]},
     ("fieldConfig", "defaults", "thresholds", "steps"), [{"color": "transparent", "value": None}, {"color": "orange", "value": 5}]),
], ids=["fill is a tenth of the opacity", "bars draw bars", "points size from their radius", "percent stacking",
        "the left y axis gives unit, min and log scale", "legend values become reducers in order",
        "a hidden legend stays hidden", "a shared sorted tooltip", "alias colours become overrides",
        "a regex alias matches by regexp", "graph thresholds become steps over a transparent base"])
def test_graph_becomes_timeseries_as_grafana_migrates_it(old, path, expected):
    panel, notes = _migrated({"type": "graph", "title": "g", "targets": [], **old})
    value = panel
    for step in path:
        value = value[step]
    assert panel["type"] == "timeseries" and value == expected
    assert "converted to `timeseries`" in notes[0]
    assert not set(old) & set(panel), "the old plugin's keys are gone"


def test_graph_settings_no_migration_reads_are_reported():
    _, notes = _migrated({"type": "graph", "title": "g", "renderer": "flot", "hiddenSeries": True, "timeRegions": []})
    assert notes[0].endswith("settings Grafana's migration drops: hiddenSeries")


@pytest.mark.parametrize("old, key, expected", [
    ({"valueName": "avg"}, ("options", "reduceOptions", "calcs"), ["mean"]),
    ({"valueName": "current"}, ("options", "reduceOptions", "calcs"), ["lastNotNull"]),
    ({"colorBackground": True}, ("options", "colorMode"), "background"),
    ({"sparkline": {"show": True}}, ("options", "graphMode"), "area"),
    ({"format": "percent", "decimals": 2}, ("fieldConfig", "defaults"), {"unit": "percent", "decimals": 2}),
    ({"thresholds": "50,80", "colors": ["green", "orange", "red"]}, ("fieldConfig", "defaults", "thresholds", "steps"),
     [{"color": "green", "value": None}, {"color": "orange", "value": 50}, {"color": "red", "value": 80}]),
], ids=["avg is the mean", "current is the last non-null", "background colouring", "a sparkline is the area graph",
        "unit and decimals", "one more colour than thresholds"])
def test_singlestat_becomes_stat_as_grafana_migrates_it(old, key, expected):
    panel, _ = _migrated({"type": "singlestat", "title": "s", **old})
    value = panel
    for step in key:
        value = value[step]
    assert panel["type"] == "stat" and value == expected


# --- update: a dashboard the project defines ------------------------------------------------


def tweaked_overview() -> dict:
    """The overview as someone left it after editing it in Grafana's UI."""
    with open(OWN, encoding="utf-8") as f:
        d = json.load(f)
    for p in d["panels"]:
        if p["title"] == "Queue depth":
            p["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 250
        if p["title"] == "Request throughput":
            p["fieldConfig"]["defaults"]["custom"]["lineWidth"] = 3
            p["targets"][0]["legendFormat"] = "{{handler}} rps"
    d["refresh"] = "5m"
    return d


def test_importing_a_defined_dashboard_prints_the_diff_and_writes_nothing(repo, tmp_path):
    before = (repo / "dashboards" / "overview.py").read_text()
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", tweaked_overview()))
    assert code == 0, output
    assert "against dashboards/overview.py:" in output
    assert "panel Queue depth: thresholds green, red from 100 → green, red from 250" in output
    assert "`refresh` `1m` → `5m`" in output
    assert "--apply would make: panel 'Request throughput' target 1: legend updated" in output
    assert (repo / "dashboards" / "overview.py").read_text() == before


def test_unchanged_dashboard_reports_no_changes(repo):
    code, output = run("--root", str(repo), "import", OWN)
    assert code == 0 and "No changes." in output and "--apply" not in output


@pytest.mark.slow
def test_apply_edits_only_what_changed_and_builds_the_json(repo, tmp_path):
    module = repo / "dashboards" / "overview.py"
    before = module.read_text().splitlines()
    wanted = tweaked_overview()
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", wanted), "--apply")
    assert code == 0, output
    after = module.read_text().splitlines()
    removed = [line for line in before if line not in after]
    added = [line for line in after if line not in before]
    # the helper call that computes the query, the comments and the function names stay
    assert 'legend="{{handler}} rps"),),' in "\n".join(added) and "c.sum_rate(" in "\n".join(added)
    assert any("Threshold(250, c.RED)" in line for line in added)
    assert '    refresh="5m",' in added
    assert len(removed) <= 4, removed
    assert built_overview(repo, tmp_path / "out") == wanted
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", wanted))
    assert "No changes." in output


@pytest.mark.slow
def test_apply_adds_and_removes_panels_in_their_rows(repo, tmp_path):
    d = tweaked_overview()
    panels = d["panels"]
    error_rate = next(p for p in panels if p["title"] == "Error rate")
    new = json.loads(json.dumps(error_rate))
    new["title"] = "Client error rate"
    new["targets"][0]["expr"] = new["targets"][0]["expr"].replace("5..", "4..")
    new["gridPos"] = dict(error_rate["gridPos"], x=0, y=error_rate["gridPos"]["y"] + error_rate["gridPos"]["h"])
    for p in panels:
        if p["gridPos"]["y"] > error_rate["gridPos"]["y"]:
            p["gridPos"]["y"] += new["gridPos"]["h"]
    d["panels"] = [p for p in panels if p["title"] != "Workers up"] + [new]
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d), "--apply")
    assert code == 0, output
    text = (repo / "dashboards" / "overview.py").read_text()
    assert "def client_error_rate_panel() -> Panel:" in text
    assert "            error_rate_panel(),\n            client_error_rate_panel(),\n" in text
    assert "            workers_up_panel(),\n" not in text
    built = built_overview(repo, tmp_path / "out")
    for dash in (built, d):
        for p in dash["panels"]:
            p.pop("id", None)
    assert built == dict(d, panels=sorted(d["panels"], key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"])))


def test_a_uid_that_cannot_name_a_file_is_made_valid_and_reported(repo, tmp_path):
    d = own_dashboard()
    d["uid"] = "tbO9LAiZK"
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d))
    assert code == 0, output
    assert "uid 'tbO9LAiZK' cannot name a file and a ConfigMap: imported as 'tbo9laizk'" in output
    assert 'uid="tbo9laizk"' in (repo / "dashboards" / "copy_of_codeverify_overview.py").read_text()


def test_a_failed_check_leaves_the_project_as_it_was(repo, tmp_path, monkeypatch):
    from compiler import importer
    from compiler.errors import LoadError

    def broken(root, results):
        raise LoadError("dashboards/x.py: boom")
    monkeypatch.setattr(importer, "_check", broken)
    init = (repo / "dashboards" / "__init__.py").read_text()
    before = sorted(os.listdir(repo / "dashboards"))
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", own_dashboard()))
    assert code == 2 and "boom" in output
    assert sorted(os.listdir(repo / "dashboards")) == before
    assert (repo / "dashboards" / "__init__.py").read_text() == init


def test_envelope_folder_becomes_the_dashboards_folder(repo, tmp_path):
    source = write_json(tmp_path / "env.json", {"dashboard": own_dashboard(), "meta": {"folderTitle": "Payments"}})
    code, output = run("--root", str(repo), "import", source)
    assert code == 0, output
    assert "(envelope)" in output
    assert 'folder="Payments"' in (repo / "dashboards" / "copy_of_codeverify_overview.py").read_text()


def test_a_target_on_a_loki_datasource_variable_is_logql():
    from compiler.importer import convert

    d = {"uid": "logs", "title": "Logs", "schemaVersion": 39,
         "templating": {"list": [{"name": "logs", "type": "datasource", "query": "loki"}]},
         "panels": [{"type": "logs", "title": "Errors", "datasource": "$logs", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
                     "targets": [{"expr": '{app="api"} |= "error"', "refId": "A"}]}]}
    imported = convert(d)
    (target,) = imported.dashboard.rows[0].panels[0].targets
    assert target.datasource == "loki" and imported.lost == []


def test_the_generated_slo_dashboard_is_compared_not_written(repo, tmp_path):
    with open(os.path.join(ROOT, "out", "grafana", "codeverify-slos.json"), encoding="utf-8") as f:
        d = json.load(f)
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "slos.json", d))
    assert code == 0 and "No changes." in output
    d["title"] = "SLOs (renamed in the UI)"
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "slos.json", d), "--apply")
    assert code == 1 and "generated by the compiler" in output
    assert not any(name.startswith("slo") for name in os.listdir(repo / "dashboards"))


def test_what_a_grafana_export_adds_is_no_change(repo, tmp_path):
    """Grafana stamps ids, versions and plugin versions, and saves the exporting user's datasource."""
    with open(OWN, encoding="utf-8") as f:
        d = json.load(f)
    d.update(id=31, version=7, iteration=1733000000000)
    for i, panel in enumerate(d["panels"]):
        panel["id"] = 100 + i
        if panel["type"] != "row":
            panel["pluginVersion"] = "10.4.1"
    for v in d["templating"]["list"]:
        if v["type"] == "datasource":
            v["current"] = {"selected": False, "text": "Prometheus", "value": "P1809F7CD0C75ACF3"}
    envelope = {"dashboard": d, "meta": {"folderTitle": "CodeVerify", "version": 7}}
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "export.json", envelope), "--apply")
    assert code == 0 and "No changes." in output, output
    assert "applied" not in output


def test_a_panel_renamed_in_the_ui_keeps_its_function(repo, tmp_path):
    with open(OWN, encoding="utf-8") as f:
        d = json.load(f)
    for p in d["panels"]:
        if p["title"] == "Queue depth":
            p["title"] = "Jobs waiting per queue"
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d), "--apply")
    assert code == 0, output
    assert "applied: panel 'Jobs waiting per queue': title updated" in output
    text = (repo / "dashboards" / "overview.py").read_text()
    assert "def queue_depth_panel() -> Panel:" in text and '"timeseries", "Jobs waiting per queue",' in text


@pytest.mark.slow
def test_apply_adds_and_removes_rows(repo, tmp_path):
    with open(OWN, encoding="utf-8") as f:
        d = json.load(f)
    panels = d["panels"]
    start = next(i for i, p in enumerate(panels) if p["type"] == "row" and p["title"] == "Analyses")
    kept = panels[:start]
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in kept)
    workers = next(p for p in kept if p["title"] == "Workers up")
    capacity = json.loads(json.dumps(workers))
    capacity.update(title="Workers wanted", gridPos={"h": 5, "w": 6, "x": 0, "y": bottom + 1})
    header = json.loads(json.dumps(panels[start]))
    header.update(title="Capacity", gridPos={"h": 1, "w": 24, "x": 0, "y": bottom})
    d["panels"] = kept + [header, capacity]
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d), "--apply")
    assert code == 0, output
    assert "applied: row 'Analyses' removed" in output
    assert "applied: row 'Capacity' added with 1 panels (workers_wanted_panel())" in output
    text = (repo / "dashboards" / "overview.py").read_text()
    assert 'Row("Analyses"' not in text and '        Row("Capacity", (\n            workers_wanted_panel(),\n        )),' in text
    built = built_overview(repo, tmp_path / "out")
    for dash in (built, d):
        for p in dash["panels"]:
            p.pop("id", None)
    assert built == d


def test_panels_dragged_within_a_row_are_reordered_in_the_module(repo, tmp_path):
    with open(OWN, encoding="utf-8") as f:
        d = json.load(f)
    by_title = {p["title"]: p for p in d["panels"]}
    pass_rate, failure_rate = by_title["Analysis pass rate"], by_title["Analysis failure rate"]
    pass_rate["gridPos"]["x"], failure_rate["gridPos"]["x"] = failure_rate["gridPos"]["x"], pass_rate["gridPos"]["x"]
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d), "--apply")
    assert code == 0, output
    assert "applied: row 'Health': panels put in the order of the JSON" in output
    text = (repo / "dashboards" / "overview.py").read_text()
    assert "            analysis_failure_rate_panel(),\n            analysis_pass_rate_panel(),\n" in text
    assert "No changes." in run("--root", str(repo), "import", write_json(tmp_path / "d.json", d))[1]


def _move_workers_up_to_the_last_row(d: dict) -> dict:
    panels = d["panels"]
    workers = next(p for p in panels if p["title"] == "Workers up")
    panels.remove(workers)
    last = panels[-1]
    workers["gridPos"] = {"h": 5, "w": 6, "x": 0, "y": last["gridPos"]["y"] + last["gridPos"]["h"]}
    panels.append(workers)
    return d


@pytest.mark.slow
def test_a_panel_moved_to_another_row_is_moved_in_the_module(repo, tmp_path):
    with open(OWN, encoding="utf-8") as f:
        d = _move_workers_up_to_the_last_row(json.load(f))
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d), "--apply")
    assert code == 0, output
    assert "applied: panel 'Workers up' moved from row 'Health' to row 'Analyses'" in output
    text = (repo / "dashboards" / "overview.py").read_text()
    assert "            api_error_rate_stat_panel(),\n        )),\n" in text
    assert "            findings_by_severity_panel(),\n            workers_up_panel(),\n        )),\n" in text
    built = built_overview(repo, tmp_path / "out")
    assert [p["title"] for p in built["panels"]] == [p["title"] for p in d["panels"]]


def test_a_move_into_a_row_written_on_one_line_is_left_to_a_person(repo, tmp_path):
    """`Row("Health endpoints", (health_checks_panel(),))`: no element on lines of its own to move
    in beside it. Nothing is moved at all, not even out of the row it left."""
    with open(OWN, encoding="utf-8") as f:
        d = json.load(f)
    panels = d["panels"]
    workers = next(p for p in panels if p["title"] == "Workers up")
    checks = next(p for p in panels if p["title"] == "Health checks")
    at = checks["gridPos"]
    workers["gridPos"] = {"h": at["h"], "w": 24 - at["x"] - at["w"], "x": at["x"] + at["w"], "y": at["y"]}
    before = (repo / "dashboards" / "overview.py").read_text()
    code, output = run("--root", str(repo), "import", write_json(tmp_path / "d.json", d), "--apply")
    assert code == 1 and "by hand: panels moved to another row (Workers up to 'Health endpoints')" in output, output
    after = (repo / "dashboards" / "overview.py").read_text()
    assert "api_error_rate_stat_panel(),\n            workers_up_panel(),\n" in after, \
        "not taken out of Health either: a half move would drop the panel"
    assert 'Row("Health endpoints", (health_checks_panel(),))' in after
    assert after.count("workers_up_panel()") == before.count("workers_up_panel()")


# --- moves the module cannot take safely: left to a person, never a damaged module -----------

LATENCY = '''

def latency_panel(q: str) -> Panel:
    return Panel(
        "timeseries", f"Latency {q}", "Latency.",
        (Target(c.sum_rate("codeverify_http_requests_total", c.API), legend=q),),
        unit=c.SHORT, width=c.THIRD,
    )


DASHBOARD = Dashboard('''
INLINE = '''            Panel(
                "stat", "Inline stat", "Inline description.",
                (Target(c.sum_rate("codeverify_http_requests_total", c.API)),),
                unit=c.SHORT, width=c.QUARTER, height=c.STAT_HEIGHT,
            ),
'''
WORKERS = "            workers_up_panel(),\n"
FINDINGS = "            findings_by_severity_panel(),\n"


def _edited(text: str, *replacements) -> str:
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _import_what_it_would_build(repo, tmp_path, before: tuple, after: tuple):
    """Edit overview.py by `before`; import, with --apply, the JSON that the module edited further
    by `after` builds (as if someone had made that change in Grafana's UI). (code, output, module text,
    the titles built afterwards, the titles of the JSON)."""
    module = repo / "dashboards" / "overview.py"
    module.write_text(_edited(module.read_text(), *before))
    target = tmp_path / "target"
    shutil.copytree(repo, target)
    (target / "dashboards" / "overview.py").write_text(_edited(module.read_text(), *after))
    code, output = run("--root", str(target), "--out", str(tmp_path / "want"))
    assert code == 0, output
    want = tmp_path / "want" / "grafana" / "codeverify-overview.json"
    code, output = run("--root", str(repo), "import", str(want), "--apply")
    got = built_overview(repo, tmp_path / "got")  # whatever it did, the module still builds
    titles = [[p["title"] for p in d["panels"]] for d in (got, json.loads(want.read_text()))]
    return code, output, module.read_text(), *titles


@pytest.mark.slow
def test_rows_sharing_a_title_and_nothing_changed_leave_the_module_alone(repo, tmp_path):
    rename = ('Row("Analyses"', 'Row("API"')
    before = (repo / "dashboards" / "overview.py").read_text()
    code, output, text, got, want = _import_what_it_would_build(repo, tmp_path, (rename,), ())
    assert code == 0 and "No changes." in output and "applied" not in output, output
    assert text == _edited(before, rename)


@pytest.mark.slow
def test_one_function_building_two_panels_of_a_row_blocks_the_move(repo, tmp_path):
    """Which `latency_panel(...)` call builds which panel is unknown: copying one for both lost p99."""
    queue = "            queue_depth_panel(),\n"
    before = (("\n\nDASHBOARD = Dashboard(", LATENCY),
              (queue, '            latency_panel("p50"),\n            latency_panel("p99"),\n' + queue))
    code, output, text, got, want = _import_what_it_would_build(repo, tmp_path, before, ((WORKERS, ""), (FINDINGS, FINDINGS + WORKERS)))
    assert code == 1 and "by hand: panels moved to another row (Workers up to 'Analyses')" in output, output
    assert text.count('latency_panel("p50")') == 1 and text.count('latency_panel("p99")') == 1
    assert sorted(got) == sorted(want)  # nothing lost, nothing twice


@pytest.mark.slow
def test_a_panel_written_in_the_tuple_edited_and_moved_is_left_to_a_person(repo, tmp_path):
    """Its field edit lies inside the lines the move would copy: one or the other would be lost."""
    code, output, text, got, want = _import_what_it_would_build(
        repo, tmp_path, ((WORKERS, WORKERS + INLINE),),
        ((INLINE, ""), (FINDINGS, FINDINGS + INLINE.replace("Inline description.", "Edited in Grafana."))))
    assert code == 1 and "move them by hand" in output and "description updated" in output, output
    assert "Edited in Grafana." in text and text.count('"Inline stat"') == 1


@pytest.mark.slow
def test_a_last_element_without_a_comma_is_moved_with_one(repo, tmp_path):
    code, output, text, got, want = _import_what_it_would_build(
        repo, tmp_path, ((WORKERS + "        )),", WORKERS.rstrip(",\n") + "\n        )),"),),
        ((WORKERS.rstrip(",\n") + "\n", ""), ("            api_error_rate_stat_panel(),\n", "            api_error_rate_stat_panel()\n"),
         ("            queue_depth_panel(),\n", "            queue_depth_panel(),\n" + WORKERS)))
    assert code == 0 and "applied: panel 'Workers up' moved from row 'Health' to row 'Analyses'" in output, output
    assert got == want
