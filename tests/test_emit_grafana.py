"""The Grafana emitter turns every CodeVerify dashboard into a valid, current, stable dashboard model."""
from __future__ import annotations

import json
import re

import promql_parser
import pytest

import dashboards
from compiler.emit.grafana import dashboard_json
from compiler.model import Dashboard, Panel, Row, Target, Threshold, Variable

DASHBOARDS = {d.uid: d for d in dashboards.DASHBOARDS}
LEGACY_KINDS = {"graph", "singlestat", "grafana-piechart-panel"}
VARIABLE_REF = re.compile(r"^\$\{\w+\}$")
RANGE = re.compile(r"\[([^\]]+)\]")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
# Only the findings pie chart counts over the whole dashboard range.
RANGE_QUERY_PANELS = {"Findings by severity"}


def panels(data: dict):
    """Every panel of an emitted dashboard, rows and the panels of collapsed rows included."""
    for panel in data["panels"]:
        yield panel
        yield from panel.get("panels", [])


def content_panels(data: dict):
    return [p for p in panels(data) if p["type"] != "row"]


def prometheus_targets(data: dict):
    for panel in content_panels(data):
        for target in panel["targets"]:
            if target["datasource"]["type"] == "prometheus":
                yield panel, target


def expand(expr: str) -> str:
    return expr.replace("$__rate_interval", "5m").replace("$__interval", "5m").replace("$__range", "1h")


@pytest.fixture(scope="module", params=sorted(DASHBOARDS))
def emitted(request) -> dict:
    return dashboard_json(DASHBOARDS[request.param])


# The guide's four dashboards: more may be added, none of these dropped.
GUIDE_DASHBOARDS = ("codeverify-overview", "codeverify-api-performance",
                    "codeverify-worker-performance", "codeverify-infrastructure")


def test_the_guides_dashboards_are_defined_and_every_uid_is_kebab():
    assert set(GUIDE_DASHBOARDS) <= set(DASHBOARDS), sorted(set(GUIDE_DASHBOARDS) - set(DASHBOARDS))
    for uid in DASHBOARDS:
        assert re.fullmatch(r"codeverify(-[a-z0-9]+)+", uid), uid


def test_dashboard_is_a_current_grafana_model(emitted):
    assert emitted["schemaVersion"] >= 39
    assert emitted.get("id") is None
    assert emitted["uid"].startswith("codeverify-")
    assert "version" not in emitted and "rows" not in emitted
    assert emitted["graphTooltip"] == 1
    assert emitted["time"]["to"] == "now"
    assert "codeverify" in emitted["tags"]
    assert emitted["links"] and emitted["links"][0]["type"] == "dashboards"
    names = [v["name"] for v in emitted["templating"]["list"]]
    assert "datasource" in names


def test_no_legacy_panel_kinds(emitted):
    assert not {p["type"] for p in panels(emitted)} & LEGACY_KINDS


def test_every_panel_has_a_unit_and_a_description(emitted):
    for panel in content_panels(emitted):
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
        assert panel["description"].strip().endswith("."), panel["title"]


def test_every_datasource_is_a_template_variable(emitted):
    names = {v["name"] for v in emitted["templating"]["list"] if v["type"] == "datasource"}
    for panel in content_panels(emitted):
        refs = [panel["datasource"]] + [t["datasource"] for t in panel["targets"]]
        for ref in refs:
            assert VARIABLE_REF.match(ref["uid"]), panel["title"]
            assert ref["uid"][2:-1] in names, panel["title"]
        assert panel["targets"], panel["title"]


def test_logs_panels_query_loki(emitted):
    for panel in content_panels(emitted):
        kinds = {t["datasource"]["type"] for t in panel["targets"]}
        # A table may list log lines (Slow requests: one row per line, with its trace link).
        allowed = [{"loki"}] if panel["type"] == "logs" else [{"prometheus"}, {"loki"}] if panel["type"] == "table" \
            else [{"prometheus"}]
        assert kinds in allowed, panel["title"]


def test_panel_ids_are_unique_and_in_definition_order(emitted):
    ids = [p["id"] for p in panels(emitted)]
    assert ids == list(range(1, len(ids) + 1))


def test_grid_positions_fit_and_never_overlap(emitted):
    cells = set()
    for panel in panels(emitted):
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["w"] >= 1 and pos["x"] + pos["w"] <= 24, panel["title"]
        mine = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])}
        assert not cells & mine, f"{panel['title']} overlaps another panel"
        cells |= mine


def test_ref_ids_are_unique_per_panel(emitted):
    for panel in content_panels(emitted):
        refs = [t["refId"] for t in panel["targets"]]
        assert all(refs) and len(set(refs)) == len(refs), panel["title"]


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_output_is_stable(uid):
    first = json.dumps(dashboard_json(DASHBOARDS[uid]), sort_keys=True)
    second = json.dumps(dashboard_json(DASHBOARDS[uid]), sort_keys=True)
    assert first == second


def test_output_is_plain_json_without_float_noise(emitted):
    text = json.dumps(emitted, sort_keys=True)
    assert json.loads(text) == emitted
    assert not re.search(r"\d\.\d*0000000\d", text)
    assert not re.search(r"\d\.\d*9999999\d", text)
    assert "object at 0x" not in text and '"null"' not in text


def test_every_prometheus_query_parses(emitted):
    for panel, target in prometheus_targets(emitted):
        try:
            promql_parser.parse(expand(target["expr"]))
        except Exception as exc:  # the parser's own exception types vary
            pytest.fail(f"{panel['title']} {target['refId']}: {exc}")


def test_rate_windows_use_the_rate_interval(emitted):
    for panel, target in prometheus_targets(emitted):
        allowed = {"$__rate_interval"} | ({"$__range"} if panel["title"] in RANGE_QUERY_PANELS else set())
        windows = set(RANGE.findall(STRING.sub('""', target["expr"])))  # not `[45]` in a regex
        assert windows <= allowed, f"{panel['title']}: {windows - allowed}"
        if re.search(r"\b(rate|increase)\(", target["expr"]):
            assert windows, panel["title"]


def test_histogram_quantiles_sum_by_le(emitted):
    for panel, target in prometheus_targets(emitted):
        for match in re.finditer(r"histogram_quantile\([0-9.]+, sum by \(([^)]*)\) \(rate\(", target["expr"]):
            assert "le" in [label.strip() for label in match.group(1).split(",")], panel["title"]
        assert target["expr"].count("histogram_quantile(") == len(
            re.findall(r"histogram_quantile\([0-9.]+, sum by \([^)]*\ble\b[^)]*\) \(rate\(\w+_bucket", target["expr"])
        ), panel["title"]


def test_threshold_base_step_is_null_and_values_are_the_definitions():
    data = dashboard_json(DASHBOARDS["codeverify-overview"])
    error_rate = next(p for p in content_panels(data) if p["title"] == "Error rate")
    assert error_rate["fieldConfig"]["defaults"]["thresholds"] == {
        "mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 0.05}],
    }


def _tiny(rows, **kw) -> Dashboard:
    return Dashboard(
        uid="tiny", title="Tiny", description="A test dashboard.", rows=rows,
        variables=(Variable("datasource", "datasource", "prometheus"),), **kw,
    )


def _panel(title, width=12, height=8, **kw) -> Panel:
    return Panel("timeseries", title, "A panel.", (Target("up"), Target("up", ref_id="A")), unit="short",
                 width=width, height=height, **kw)


def test_layout_wraps_at_24_columns_and_rows_take_a_line():
    data = dashboard_json(_tiny((
        Row("one", (_panel("a", 16), _panel("b", 16, height=4), _panel("c", 8))),
        Row("two", (_panel("d", 24),)),
    )))
    pos = {p["title"]: (p["gridPos"]["x"], p["gridPos"]["y"], p["gridPos"]["w"]) for p in panels(data)}
    assert pos == {
        "one": (0, 0, 24), "a": (0, 1, 16), "b": (0, 9, 16), "c": (16, 9, 8),
        "two": (0, 17, 24), "d": (0, 18, 24),
    }


def test_explicit_ref_ids_are_kept_and_others_skip_them():
    data = dashboard_json(_tiny((Row("r", (_panel("p"),)),)))
    assert [t["refId"] for t in content_panels(data)[0]["targets"]] == ["B", "A"]


def test_collapsed_row_holds_its_panels():
    data = dashboard_json(_tiny((
        Row("hidden", (_panel("a"),), collapsed=True),
        Row("shown", (_panel("b"),)),
    )))
    hidden, shown = data["panels"][0], data["panels"][1]
    assert hidden["collapsed"] and [p["title"] for p in hidden["panels"]] == ["a"]
    assert shown["gridPos"]["y"] == 1 and data["panels"][2]["gridPos"]["y"] == 2
    assert [p["id"] for p in panels(data)] == [1, 2, 3, 4]


def test_low_is_bad_thresholds_keep_their_base_colour():
    panel = _panel("p", thresholds=(Threshold(None, "red"), Threshold(5, "green")))
    data = dashboard_json(_tiny((Row("r", (panel,)),)))
    steps = content_panels(data)[0]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps == [{"color": "red", "value": None}, {"color": "green", "value": 5}]


def test_write_one_dashboard_for_inspection(tmp_path):
    path = tmp_path / "codeverify-overview.json"
    path.write_text(json.dumps(dashboard_json(DASHBOARDS["codeverify-overview"]), indent=2, sort_keys=True))
    assert json.loads(path.read_text())["title"] == "CodeVerify Overview"
