"""`build.py metrics check` and `metrics codegen`: the catalog against real prometheus_client expositions.

Good expositions come from the catalog's own definitions recorded in a prometheus_client
registry (and from the generated module, served over HTTP by a fresh process); each bad
case changes one property of one metric and must be reported, located at the catalog
entry, as exactly that.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

import build
from compiler.contract import codegen
from compiler.load import load
from compiler.model import COUNTER, GAUGE, HISTOGRAM
from compiler.proving import simulate
from conftest import ROOT

PROJECT = load(ROOT)
CATALOG = PROJECT.catalog
APP = codegen.app_metrics(CATALOG)
GENERATED = os.path.join(ROOT, "out", codegen.PATH)
_CLASSES = {COUNTER: Counter, GAUGE: Gauge, HISTOGRAM: Histogram}


def run(*args):
    result = CliRunner().invoke(build.cli, ["--root", ROOT, *args])
    return result.exit_code, result.stdout, result.stderr


def sample_labels(metric, labels=None) -> dict[str, str]:
    """One label set of `metric`: the first allowed value of enumerated labels, a plausible one otherwise."""
    return {label: metric.values.get(label, ("x",))[0] for label in (labels if labels is not None else metric.labels)}


def exposition(openmetrics: bool = False, only=None, **changes) -> str:
    """Every application metric of the catalog, one sample each, from prometheus_client itself.

    `changes[name]` replaces keyword arguments of that metric: name, type, help, labels, buckets, values.
    """
    registry = CollectorRegistry()
    for m in APP:
        if only and not only(m):
            continue
        spec = {"name": m.name, "type": m.type, "help": m.help, "labels": m.labels, "buckets": m.buckets}
        spec.update(changes.get(m.name, {}))
        kwargs = {"buckets": spec["buckets"]} if spec["type"] == HISTOGRAM else {}
        obj = _CLASSES[spec["type"]](spec["name"], spec["help"], spec["labels"], registry=registry, **kwargs)
        values = {**sample_labels(m, spec["labels"]), **spec.get("values", {})}
        child = obj.labels(**values) if spec["labels"] else obj
        {COUNTER: lambda c: c.inc(), GAUGE: lambda c: c.set(3), HISTOGRAM: lambda c: c.observe(0.2)}[spec["type"]](child)
    return (generate_openmetrics if openmetrics else generate_latest)(registry).decode()


def write(tmp_path, text: str, name: str = "metrics.prom") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_catalog_exposed_by_prometheus_client_passes_in_both_formats(tmp_path):
    for openmetrics, name in ((False, "text.prom"), (True, "open.om")):
        code, out, err = run("metrics", "check", "--strict", write(tmp_path, exposition(openmetrics), name))
        assert (code, out) == (0, ""), err
        assert f"0 errors, 0 warnings, 0 notes: {len(APP)} catalog metrics against 1 source" in err


QUEUE = "codeverify_queue_latency_seconds"
REQUESTS = "codeverify_http_requests_total"
DURATION = "codeverify_http_request_duration_seconds"

BAD = [  # (id, changes, text edit, rule, metric, words the message must hold)
    ("renamed", {"codeverify_queue_length": {"name": "codeverify_queue_size"}}, None,
     "contract/missing", "codeverify_queue_length", "gauge not exposed"),
    ("dropped-label", {REQUESTS: {"labels": ("method", "handler")}}, None,
     "contract/labels", REQUESTS, "label `status` missing"),
    ("extra-label", {REQUESTS: {"labels": ("method", "handler", "status", "tenant")}}, None,
     "contract/labels", REQUESTS, "label `tenant`"),
    ("target-label-collision", {REQUESTS: {"labels": ("method", "handler", "status", "namespace")}}, None,
     "contract/labels", REQUESTS, "exported_namespace"),
    ("other-buckets", {QUEUE: {"buckets": (0.1, 0.5, 1.0, 2.5, 5.0, 10.0)}}, None,
     "contract/buckets", QUEUE, "missing le 30.0, 60.0, 120.0, 300.0, 600.0"),
    ("extra-bucket", {DURATION: {"buckets": (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)}},
     None, "contract/buckets", DURATION, "extra le 0.75"),
    # A Go client prints 60.0 as "60": the same bound, but le="60.0" in a query finds nothing.
    ("le-printed-otherwise", {}, lambda t: t.replace(f'{QUEUE}_bucket{{le="60.0"', f'{QUEUE}_bucket{{le="60"'),
     "contract/buckets", QUEUE, "printed otherwise"),
    ("duplicate-series", {}, lambda t: t.replace('codeverify_queue_length{queue="x"} 3.0\n',
                                                 'codeverify_queue_length{queue="x"} 3.0\n' * 2),
     "contract/duplicate", "codeverify_queue_length", 'codeverify_queue_length{queue="x"}'),
    ("counter-as-gauge", {REQUESTS: {"type": GAUGE}}, None,
     "contract/type", REQUESTS, "exposed as gauge"),
    ("value-outside-enum", {"codeverify_analyses_total": {"values": {"status": "success"}}}, None,
     "contract/values", "codeverify_analyses_total", '"success"'),
]


@pytest.mark.parametrize("changes, edit, rule, metric, words", [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_each_defect_is_one_located_error(tmp_path, changes, edit, rule, metric, words):
    text = exposition(**changes)
    if edit:
        edited = edit(text)
        assert edited != text, "the edit must change the exposition"
        text = edited
    code, out, err = run("metrics", "check", write(tmp_path, text))
    errors = [line for line in out.splitlines() if ": error [" in line]
    line = CATALOG.metrics[metric].src.line
    assert code == 1
    assert len(errors) == 1, out
    assert errors[0].startswith(f"catalog.py:{line}: metric '{metric}': error [{rule}] "), errors[0]
    assert words in errors[0]


def test_a_renamed_metric_is_also_listed_as_uncatalogued(tmp_path):
    source = write(tmp_path, exposition(**{"codeverify_queue_length": {"name": "codeverify_queue_size"}}))
    _, out, _ = run("metrics", "check", source)
    assert f"{source}: metric 'codeverify_queue_size': note [contract/uncatalogued]" in out


def test_help_text_is_a_warning_that_strict_fails_on(tmp_path):
    source = write(tmp_path, exposition(**{REQUESTS: {"help": "Requests."}}))
    code, out, _ = run("metrics", "check", source)
    assert code == 0
    assert [line for line in out.splitlines() if "[contract/help]" in line] == [
        f"catalog.py:{CATALOG.metrics[REQUESTS].src.line}: metric '{REQUESTS}': warning [contract/help] help text in "
        f"{source} is 'Requests.'; the catalog's is {CATALOG.metrics[REQUESTS].help!r}"]
    assert run("metrics", "check", "--strict", source)[0] == 1


def test_a_metric_without_series_cannot_have_its_labels_checked(tmp_path):
    registry = CollectorRegistry()
    Counter(REQUESTS, CATALOG.metrics[REQUESTS].help, ("method",), registry=registry)  # wrong labels, never used
    code, out, _ = run("metrics", "check", write(tmp_path, generate_latest(registry).decode()))
    assert f"metric '{REQUESTS}': warning [contract/no-series]" in out


def test_sources_are_merged(tmp_path):
    """An API pod and a worker pod each expose part of the catalog; together they expose all of it."""
    api = write(tmp_path, exposition(only=lambda m: "_http_" in m.name or "_db_" in m.name), "api.prom")
    worker = write(tmp_path, exposition(only=lambda m: not ("_http_" in m.name or "_db_" in m.name)), "worker.prom")
    assert run("metrics", "check", api, worker)[0] == 0
    code, out, _ = run("metrics", "check", api)
    missing = {line.split("'")[1] for line in out.splitlines() if "[contract/missing]" in line}
    assert code == 1 and missing == {m.name for m in APP if not ("_http_" in m.name or "_db_" in m.name)}


@pytest.mark.slow
def test_the_simulator_output_passes_as_stored_series(tmp_path):
    source = write(tmp_path, simulate.generate(CATALOG, PROJECT.config, 3600, 3600, 30), "sim.om")
    code, out, err = run("metrics", "check", "--scraped", source)
    assert (code, out) == (0, ""), out + err
    # The exporters' and Prometheus' own series are in it too: every catalog source passes.
    every = [arg for name in sorted(CATALOG.sources) for arg in ("--source", name)]
    code, out, err = run("metrics", "check", "--scraped", *every, source)
    assert (code, out) == (0, "") and f"{len(CATALOG.metrics)} catalog metrics" in err, out + err
    # Without --scraped the target labels are the application's own: that is an error.
    code, out, _ = run("metrics", "check", source)
    assert code == 1 and "exported_pod" in out


def test_json_output(tmp_path):
    code, out, _ = run("metrics", "check", "--format", "json", write(tmp_path, exposition(**{REQUESTS: {"type": GAUGE}})))
    findings = json.loads(out)
    assert code == 1
    assert [(f["rule"], f["file"], f["line"], f["object"]) for f in findings if f["severity"] == "error"] == [
        ("contract/type", "catalog.py", CATALOG.metrics[REQUESTS].src.line, f"metric '{REQUESTS}'")]


@pytest.mark.parametrize("source, words", [
    ("http://127.0.0.1:9/metrics", "http://127.0.0.1:9/metrics: unreachable"),
    ("missing.prom", "missing.prom: cannot read"),
])
def test_unreachable_sources_are_one_line_and_exit_2(source, words):
    code, out, err = run("metrics", "check", "--timeout", "2", source)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {words}") and err.count("\n") == 1, err


def test_an_unparsable_exposition_is_one_line_and_exit_2(tmp_path):
    source = write(tmp_path, "codeverify_queue_length{queue=analysis} 1\n")
    code, _, err = run("metrics", "check", source)
    assert code == 2 and err.startswith(f"error: {source}: not valid Prometheus text format") and err.count("\n") == 1


def test_unknown_catalog_source_is_a_usage_error(tmp_path):
    code, _, err = run("metrics", "check", "--source", "nope", write(tmp_path, exposition()))
    assert code == 2 and "no catalog source named nope" in err


# --- codegen ----------------------------------------------------------------------------------


def test_codegen_writes_what_the_build_checks(tmp_path):
    assert run("metrics", "codegen", "-o", "-")[1].encode() == open(GENERATED, "rb").read()
    target = tmp_path / "codeverify_metrics.py"
    assert run("metrics", "codegen", "-o", str(target))[0] == 0
    assert target.read_bytes() == open(GENERATED, "rb").read()
    assert target.read_bytes().startswith(b"# Generated by build.py from catalog.py \xe2\x80\x94 DO NOT EDIT.\n")


@pytest.mark.slow  # copies the repository and builds it twice
def test_check_finds_a_stale_generated_module_and_the_build_mends_it(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", ".*cache", ".preview"))
    assert CliRunner().invoke(build.cli, ["--root", str(copy), "--check"]).exit_code == 0
    generated = copy / "out" / codegen.PATH
    generated.write_text(generated.read_text().replace("labelnames=", "labelnames= "))
    result = CliRunner().invoke(build.cli, ["--root", str(copy), "--check"])
    assert result.exit_code == 1 and codegen.PATH in result.stderr
    assert CliRunner().invoke(build.cli, ["--root", str(copy)]).exit_code == 0
    assert generated.read_bytes() == open(GENERATED, "rb").read()


SERVE = textwrap.dedent("""
    import runpy, sys
    from prometheus_client import start_http_server
    module = runpy.run_path(sys.argv[1])
    allowed = module["ALLOWED_VALUES"]
    for metric in [v for v in module.values() if hasattr(v, "_labelnames") and hasattr(v, "_name")]:
        name = metric._name + ("_total" if metric._type == "counter" else "")
        labels = {l: allowed.get(name, {}).get(l, ("x",))[0] for l in metric._labelnames}
        child = metric.labels(**labels) if labels else metric
        {"counter": lambda c: c.inc(), "gauge": lambda c: c.set(1), "histogram": lambda c: c.observe(0.3)}[metric._type](child)
    server, _ = start_http_server(0, addr="127.0.0.1")
    print(server.server_port, flush=True)
    sys.stdin.read()  # serve until the test closes our stdin
""")


@pytest.fixture
def served_module():
    """The generated module imported by a fresh process, a sample recorded in every metric, served on 127.0.0.1."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, GENERATED], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_generated_module_served_over_http_passes(served_module):
    code, out, err = run("metrics", "check", "--strict", served_module)
    errors_and_warnings = [line for line in out.splitlines() if "note [" not in line]
    assert code == 0 and errors_and_warnings == [], out + err
    assert "0 errors, 0 warnings" in err and f"{len(APP)} catalog metrics" in err
    # The client's own process_* and python_* metrics are not catalogued: listed, not failed.
    assert f"{served_module}: metric 'python_info': note [contract/uncatalogued]" in out
