"""`build.py preview`: one PNG per dashboard, panels where gridPos puts them."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest
from click.testing import CliRunner
from PIL import Image

import build
from compiler import pipeline, promql, selection
from compiler.errors import UsageError
from compiler.review import data, preview
from conftest import ROOT

DASHBOARDS = sorted(f[:-5] for f in os.listdir(os.path.join(ROOT, "out", "grafana")) if f.endswith(".json"))


def load(uid: str) -> dict:
    with open(os.path.join(ROOT, "out", "grafana", f"{uid}.json"), encoding="utf-8") as fh:
        return json.load(fh)


def hex_of(rgb) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb[:3])


def expected_box(gridpos: dict) -> tuple[int, int, int, int]:
    """Grafana's grid, written out independently of the renderer: 24 columns of 64 px,
    30 px rows with an 8 px gap, a 16 px margin and a 56 px title bar."""
    x, y, w, h = gridpos["x"], gridpos["y"], gridpos["w"], gridpos["h"]
    return 16 + 64 * x, 56 + 38 * y, 64 * w - 8, 38 * h - 8


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("previews")
    files = pipeline.build(ROOT).files
    return out, preview.render_all(files, str(out))


@pytest.mark.slow
@pytest.mark.parametrize("uid", DASHBOARDS)
def test_every_dashboard_renders_at_its_grid_size(rendered, uid):
    out, rects = rendered
    dash = load(uid)
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    with Image.open(out / f"{uid}.png") as image:
        assert image.size == (16 * 2 + 24 * 64, 56 + 38 * bottom + 16)
    assert [r.title for r in rects[uid]] == [p["title"] for p in dash["panels"]]


@pytest.mark.slow
@pytest.mark.parametrize("uid", DASHBOARDS)
def test_panels_land_where_gridpos_puts_them(rendered, uid):
    out, rects = rendered
    dash = load(uid)
    with Image.open(out / f"{uid}.png") as image:
        pixels = image.convert("RGB")
        for panel, r in zip(dash["panels"], rects[uid]):
            assert (r.x, r.y, r.w, r.h) == expected_box(panel["gridPos"]), panel["title"]
            if panel["type"] == "row":
                continue
            # Just inside each corner is panel background; just outside, in the gap, the page.
            for x, y in ((r.x + 3, r.y + 3), (r.x + r.w - 4, r.y + r.h - 4)):
                assert hex_of(pixels.getpixel((x, y))) == preview.PANEL, (panel["title"], x, y)
            for x, y in ((r.x - 4, r.y + r.h // 2), (r.x + r.w + 3, r.y + r.h // 2), (r.x + r.w // 2, r.y + r.h + 3)):
                assert hex_of(pixels.getpixel((x, y))) == preview.PAGE, (panel["title"], x, y)
            # The border is drawn on the rectangle's edge.
            assert hex_of(pixels.getpixel((r.x, r.y + r.h // 2))) == preview.BORDER, panel["title"]


@pytest.mark.slow
def test_rendering_is_byte_stable(tmp_path):
    dash = load(DASHBOARDS[0])
    preview.render(dash, str(tmp_path / "a.png"))
    preview.render(dash, str(tmp_path / "b.png"))
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def stub_source(calls: list):
    def fetch(target):
        calls.append(target.get("expr"))
        times = tuple(1_700_000_000 + 60 * i for i in range(60))
        return [data.Series("s", times, tuple(float(i % 7) for i in range(60)))]
    return fetch


@pytest.mark.slow
def test_a_data_source_is_asked_for_every_metric_query_and_its_lines_are_drawn(tmp_path):
    dash = load("codeverify-overview")
    calls: list = []
    rects = preview.render(dash, str(tmp_path / "data.png"), stub_source(calls))
    # Asked as the dashboard opens: the namespace and cluster filters on their defaults.
    opened = selection.from_json(dash)
    assert opened == {"cluster": ".*", "namespace": "codeverify"}
    expected = [promql.expand(t["expr"], opened) for p in dash["panels"] if p["type"] != "logs"
                for t in p.get("targets", [])]
    assert calls == expected and not any("$" in c for c in calls)
    timeseries = next(r for r in rects if r.kind == "timeseries")
    with Image.open(tmp_path / "data.png") as image:
        body = image.convert("RGB").crop((timeseries.x + 60, timeseries.y + 40, timeseries.x + timeseries.w - 10,
                                          timeseries.y + timeseries.h - 25))
        colours = {hex_of(c) for _, c in body.getcolors(1 << 20)}
    assert preview.PALETTE[0] in colours  # the first series' line


def test_heatmap_buckets_are_sorted_by_bound_and_de_accumulated(monkeypatch):
    times = tuple(float(t) for t in range(3))
    series = [data.Series(le, times, values) for le, values in
              (("+Inf", (10, 10, 10)), ("0.5", (6, 6, 6)), ("0.1", (1, 2, 3)))]
    assert [b for b, _ in preview._buckets(series)] == [0.1, 0.5, float("inf")]
    assert preview._buckets([data.Series("GET /api", times, (1, 2, 3))]) is None, "not bucket series: lines"
    drawn = {}

    class Axes:  # records what the heatmap draws
        xaxis = yaxis = type("Axis", (), {"__getattr__": lambda self, name: lambda *a, **k: None})()

        def __getattr__(self, name):
            return lambda *a, **k: drawn.setdefault(name, (a, k))

    monkeypatch.setattr(preview, "_axes", lambda *a: Axes())
    preview._heatmap(None, {"fieldConfig": {"defaults": {"unit": "s"}}}, None, None, series)
    rows = drawn["imshow"][0][0]
    assert rows == [[1, 2, 3], [5, 4, 3], [4, 4, 4]], "per bucket, not cumulative"
    assert drawn["set_yticks"][0][1] == ["100 ms", "500 ms", "+Inf"]


@pytest.mark.parametrize("value, unit, text", [
    pytest.param(0.0512, "percentunit", "5.1%", id="a ratio prints as percent"),
    pytest.param(0.25, "s", "250 ms", id="sub-second durations print in ms"),
    pytest.param(3 * 1024 ** 2, "bytes", "3.0 MiB", id="bytes scale by 1024"),
    pytest.param(1500, "reqps", "1.5K req/s", id="rates scale with K"),
    pytest.param(float("nan"), "short", "No data", id="no value says so"),
    pytest.param(0.04, "ops", "0.04 ops/s", id="small rates keep two significant digits"),
    pytest.param(__import__("numpy").float64(0.1), "reqps", "0.1 req/s", id="numpy floats from matplotlib print plainly"),
])
def test_values_print_with_their_unit(value, unit, text):
    assert preview.format_value(value, unit) == text


@pytest.mark.slow
def test_cli_renders_every_dashboard_layout_only(tmp_path):
    result = CliRunner().invoke(build.cli, ["preview", "--layout-only", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == [f"{uid}.png" for uid in DASHBOARDS]


def test_cli_plots_the_synthetic_codeverify_by_default(promtool, prometheus_bin, tmp_path, monkeypatch):
    """Without --prometheus-url the data come from the simulator in a local Prometheus."""
    sources = []
    real = preview.render_all

    def spy(files, out_dir, uids, source):
        sources.append(source and source({"expr": "sum(up)"}))  # asked while the server runs
        return real(files, out_dir, uids, source)

    monkeypatch.setattr(preview, "render_all", spy)
    result = CliRunner().invoke(build.cli, ["preview", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == [f"{uid}.png" for uid in DASHBOARDS]
    (up,) = sources
    assert up and up[0].values and min(up[0].values) >= 5, "the synthetic CodeVerify's targets are up all along"


def test_an_unreachable_prometheus_is_a_usage_error():
    with pytest.raises(UsageError, match="cannot reach Prometheus"):
        data.prometheus(f"http://127.0.0.1:{free_port()}", time.time())({"expr": "up"})


def test_a_prometheus_url_must_be_http():
    with pytest.raises(UsageError, match="expected an http"):
        data.prometheus("127.0.0.1:9090", time.time())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_series_come_from_a_real_prometheus(prometheus_bin, tmp_path):
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s}\n"
        f"scrape_configs: [{{job_name: self, static_configs: [{{targets: ['127.0.0.1:{port}']}}]}}]\n"
    )
    proc = subprocess.Popen(
        [prometheus_bin, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        fetch = None
        for _ in range(120):  # bounded wait for the first scrapes (not a timing assertion)
            try:
                with urllib.request.urlopen(f"{url}/api/v1/query?query=up", timeout=2) as response:
                    if json.load(response)["data"]["result"]:
                        fetch = data.prometheus(url, time.time() + 5)
                        break
            except OSError:
                pass
            time.sleep(0.5)
        assert fetch is not None, "Prometheus did not scrape itself"
        series = fetch({"expr": "up{job=~\"$job\"}", "legendFormat": "{{job}} up"})
        assert [s.name for s in series] == ["self up"]
        assert series[0].values[-1] == 1.0
        assert fetch({"expr": "sum(", "legendFormat": ""}) == []  # rejected query: the panel says No data
        assert fetch({"expr": "{app=\"x\"} |= \"e\"", "datasource": {"type": "loki"}}) == []
        result = CliRunner().invoke(build.cli, ["preview", "--prometheus-url", url, "--out", str(tmp_path / "png")])
        assert result.exit_code == 0, result.output
    finally:
        proc.terminate()
        proc.wait(timeout=30)
