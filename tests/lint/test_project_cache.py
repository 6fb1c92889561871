"""`build.py lint FILE` reads config.py and catalog.py from .lint_cache/ when they have not changed.

Each case runs the command as a user does (a fresh process) on a copy of the fixture
project, and compares what a cached run says with what a fresh load says.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT

CACHE = os.path.join(".lint_cache", "project.marshal")
RULES = """groups:
- name: g
  rules:
  - alert: QueueLong
    expr: shop_queue_length{job="shop"} > 10 and shop_jobs_failed_total > 0
    for: 5m
    labels: {severity: page}
    annotations: {summary: s, description: d, runbook_url: https://example.com}
"""
# Runs build.py as `python build.py ...` does, then says whether the model was imported
# (the fast path leaves by os._exit: made to raise SystemExit here, so that the probe prints).
PROBE = ("import os, runpy, sys\n"
         "def leave(code):\n    raise SystemExit(code)\n"
         "os._exit = leave\n"
         "sys.argv = ['build.py'] + sys.argv[1:]\n"
         "try:\n    runpy.run_path('build.py', run_name='__main__')\n"
         "except SystemExit as exc:\n    code = exc.code\n"
         "print('model imported:', 'compiler.model' in sys.modules, file=sys.stderr)\n"
         "sys.exit(code)\n")


def age(*paths, seconds: int = 60) -> None:
    """Date files back past the racy window (project_cache.RACY_NS): a file written in the last
    two seconds may have changed after the load read it, so the load is not cached."""
    when = time.time() - seconds
    for path in paths:
        os.utime(path, (when, when))


@pytest.fixture
def lint(fixture_project, tmp_path):
    age(*fixture_project.rglob("*.py"))
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)

    def run(*args):
        proc = subprocess.run([sys.executable, "-c", PROBE, "--root", str(fixture_project), "lint",
                               "--catalog-strict", *args, str(rules)], cwd=ROOT, capture_output=True, text=True)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc.returncode, proc.stdout, "model imported: True" in proc.stderr
    return run


def findings(out: str) -> set[str]:
    return {line.split("error [", 1)[1].split("]")[0] + ": " + line.rsplit("] ", 1)[1]
            for line in out.splitlines() if "error [" in line}


def test_the_second_lint_reads_the_cache_and_says_the_same(lint, fixture_project):
    first = lint()
    assert first[2], "the first lint loads config.py and catalog.py (and the model)"
    assert (fixture_project / CACHE).is_file()
    second = lint()
    assert not second[2], "a cached lint does not import the model"
    assert second[:2] == first[:2]
    assert any("shop_jobs_failed_total" in f for f in findings(first[1])), first[1]
    assert any("severity `page`" in f or "`page`" in f for f in findings(first[1])), first[1]


@pytest.mark.parametrize("edit, gone", [
    pytest.param(("catalog.py", "METRICS = (\n",
                  'METRICS = (\n    Metric("shop_jobs_failed_total", COUNTER, "Failed jobs.", "shop", "jobs"),\n'),
                 "promql/unknown-metric: ", id="a metric added to catalog.py"),
    pytest.param(("config.py", 'SEVERITIES = ("critical", "warning", "info")',
                  'SEVERITIES = ("critical", "warning", "info", "page")'),
                 "alerts/severity: ", id="a severity added to config.py"),
])
def test_an_edit_to_config_or_catalog_is_seen_by_the_next_lint(lint, fixture_project, edit, gone):
    code, out, _ = lint()
    assert any(f.startswith(gone) for f in findings(out)), out
    path = fixture_project / edit[0]
    text = path.read_text()
    assert edit[1] in text
    path.write_text(text.replace(edit[1], edit[2], 1))
    age(path, seconds=30)
    code, out, fresh = lint()
    assert fresh, "the edited file is loaded again"
    assert not any(f.startswith(gone) for f in findings(out)), out
    assert lint()[1] == out


def test_a_damaged_cache_is_ignored_and_rewritten(lint, fixture_project):
    expected = lint()[:2]
    (fixture_project / CACHE).write_bytes(b"\x00not marshal data")
    code, out, fresh = lint()
    assert fresh and (code, out) == expected
    assert not lint()[2]


def test_a_project_that_cannot_hold_the_cache_is_linted_afresh(lint, fixture_project):
    (fixture_project / ".lint_cache").write_text("a file where the cache directory would go\n")
    first, second = lint(), lint()
    assert first[2] and second[2]
    assert first[:2] == second[:2]


def test_a_copy_of_the_project_does_not_read_the_originals_cache(lint, fixture_project, tmp_path):
    import shutil

    assert lint()[1] and (fixture_project / CACHE).is_file()
    copy = tmp_path / "copy"
    shutil.copytree(fixture_project, copy)  # with .lint_cache/, as cp -a or rsync would
    config = copy / "config.py"
    config.write_text(config.read_text().replace('"info")', '"info", "page")'))
    age(config, seconds=30)
    proc = subprocess.run([sys.executable, "build.py", "--root", str(copy), "lint", str(tmp_path / "rules.yaml")],
                          cwd=ROOT, capture_output=True, text=True)
    assert "alerts/severity" not in proc.stdout, proc.stdout


def test_a_setting_marshal_cannot_store_is_read_from_config_py(lint, fixture_project):
    """LINT_RULES as a read-only mapping: the cached run honours it as the fresh one does."""
    config = fixture_project / "config.py"
    config.write_text(config.read_text() + "\nimport types\n"
                      "LINT_RULES = types.MappingProxyType({'*.yaml': {'alerts/severity': 'off'}})\n")
    age(config)
    fresh, cached = lint(), lint()
    assert (fixture_project / CACHE).is_file()
    assert fresh[2] and cached[2], "the cached run reads config.py for LINT_RULES, which marshal cannot hold"
    assert cached[:2] == fresh[:2]
    assert "alerts/severity" not in fresh[1], fresh[1]


def test_a_file_changed_just_before_the_lint_is_not_cached(lint, fixture_project):
    """Saved while a lint was loading, it may not be what the load read: the next lint loads again."""
    config = fixture_project / "config.py"
    config.write_text(config.read_text() + "\n# saved a moment ago\n")  # mtime: now
    lint()
    assert not (fixture_project / CACHE).exists()
    age(config)
    lint()
    assert (fixture_project / CACHE).is_file()


def test_a_module_created_beside_config_py_is_seen(lint, fixture_project):
    """An optional import that was missing when the cache was written (the root's mtime changes)."""
    config = fixture_project / "config.py"
    config.write_text(config.read_text() + "\ntry:\n    from config_local import *  # noqa: F401,F403\n"
                      "except ImportError:\n    pass\n")
    age(config)
    lint()
    assert not lint()[2], "cached"
    local = fixture_project / "config_local.py"
    local.write_text('SEVERITIES = ("critical", "warning", "info", "page")\n')
    age(local)
    code, out, fresh = lint()
    assert fresh and "alerts/severity" not in out, out


def test_a_module_the_cache_cannot_watch_leaves_the_project_uncached(lint, fixture_project):
    """A setting imported from a zip in the root: nothing to stat, so no cache, and no crash."""
    import zipfile

    with zipfile.ZipFile(fixture_project / "extra.zip", "w") as z:
        z.writestr("extra_settings.py", 'SEVERITIES = ("critical", "warning", "info", "page")\n')
    config = fixture_project / "config.py"
    config.write_text(config.read_text() + "\nimport os as _os, sys as _sys\n"
                      "_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), 'extra.zip'))\n"
                      "from extra_settings import SEVERITIES  # noqa: E402,F811\n")
    age(config, fixture_project / "extra.zip")
    first, second = lint(), lint()
    assert first[2] and second[2] and first[:2] == second[:2]
    assert "alerts/severity" not in first[1], first[1]
    assert not (fixture_project / CACHE).exists()


def test_no_cache_neither_reads_nor_writes_it(lint, fixture_project):
    assert lint("--no-cache")[2]
    assert not (fixture_project / ".lint_cache").exists()


def test_our_own_output_lints_the_same_cached_and_fresh(tmp_path):
    """Rules and dashboards (with LogQL) of out/: every rule reads the cached config and catalog as the fresh ones."""
    def run(*args):
        return subprocess.run([sys.executable, "build.py", "lint", *args, "out", "tests/fixtures/lint"], cwd=ROOT,
                              capture_output=True, text=True)
    fresh = run("--no-cache")
    run()  # writes the cache if it was not current
    cached = run()
    assert (cached.returncode, cached.stdout) == (fresh.returncode, fresh.stdout)
    assert fresh.stdout.count("\n") > 10, fresh.stdout


def test_the_projects_recording_rules_are_known_to_a_dashboards_lint():
    """Our SLO dashboard reads slo:* series that our SLO rules record: linted alone, strictly,
    it knows them (they were once 44 unknown-metric errors)."""
    proc = subprocess.run([sys.executable, "build.py", "lint", "--catalog-strict", "out/grafana/codeverify-slos.json"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and "unknown-metric" not in proc.stdout, proc.stdout + proc.stderr


def test_a_definition_that_does_not_load_leaves_the_recording_rules_out_and_says_so(lint, fixture_project):
    module = fixture_project / "dashboards" / "__init__.py"
    module.write_text(module.read_text() + "\ndef broken(:\n")
    age(module)
    code, out, _ = lint()
    assert code == 1 and "shop_jobs_failed_total" in out, out  # the file is still linted
    assert not (fixture_project / CACHE).exists(), "not cached: the next lint tries again"
    proc = subprocess.run([sys.executable, "build.py", "--root", str(fixture_project), "lint", "out/grafana"],
                          cwd=ROOT, capture_output=True, text=True)
    assert "warning: the project's recording rules are unknown to this lint" in proc.stderr
    assert "syntax error" in proc.stderr and "Traceback" not in proc.stderr


def test_a_project_of_config_and_catalog_alone_is_cached(lint, fixture_project):
    import shutil

    for name in ("dashboards", "alerts", "slo"):
        shutil.rmtree(fixture_project / name)
    first, second = lint(), lint()
    assert first[2] and not second[2] and first[:2] == second[:2]


def test_what_a_definition_prints_does_not_reach_the_report(fixture_project, tmp_path):
    import json

    module = fixture_project / "dashboards" / "__init__.py"
    module.write_text('print("dashboards: generated")\n' + module.read_text())
    age(*fixture_project.rglob("*.py"))
    (tmp_path / "r.yaml").write_text(RULES)
    for _ in range(2):  # the load, then the cache
        proc = subprocess.run([sys.executable, "build.py", "--root", str(fixture_project), "lint", "--format", "json",
                               str(tmp_path / "r.yaml")], cwd=ROOT, capture_output=True, text=True)
        assert json.loads(proc.stdout), proc.stdout
        assert "Traceback" not in proc.stderr


def test_a_module_added_inside_a_package_is_seen(lint, fixture_project, tmp_path):
    """alerts/extra.py is new in alerts/, not in the root: the package directories are watched."""
    assert lint() and not lint()[2]
    extra = fixture_project / "alerts" / "extra.py"
    extra.write_text('from compiler.model import RecordingRule, RuleGroup\n\n'
                     'GROUP = RuleGroup("extra", (RecordingRule("shop:requests:rate5m", "sum(rate(shop_requests_total[5m]))"),))\n')
    age(extra)
    proc = subprocess.run([sys.executable, "build.py", "--root", str(fixture_project), "lint",
                           str(tmp_path / "rules.yaml")], cwd=ROOT, capture_output=True, text=True)
    assert "alerts/extra.py" in proc.stderr and "recording rules are unknown" in proc.stderr, proc.stderr


def test_the_environments_packages_are_watched_by_their_directory(lint, fixture_project):
    import marshal

    lint()
    with open(fixture_project / CACHE, "rb") as f:
        watched = [path for path, _, _ in marshal.load(f)["files"]]
    assert any(os.path.basename(p) == "site-packages" for p in watched), watched
    assert not any("site-packages" + os.sep in p for p in watched), "modules of the environment one by one"


def test_settings_a_config_module_computes_on_access_are_read_from_it(lint, fixture_project):
    config = fixture_project / "config.py"
    config.write_text(config.read_text() + "\n\ndef __getattr__(name):\n"
                      "    if name == 'LINT_RULES':\n        return {'*.yaml': {'alerts/severity': 'off'}}\n"
                      "    raise AttributeError(name)\n")
    age(config)
    fresh, cached = lint(), lint()
    assert cached[:2] == fresh[:2] and "alerts/severity" not in fresh[1], fresh[1]


def test_a_broken_config_is_one_error(fixture_project, tmp_path):
    config = fixture_project / "config.py"
    config.write_text(config.read_text() + "\nSEVERITIES = (\n")
    (tmp_path / "r.yaml").write_text(RULES)
    proc = subprocess.run([sys.executable, "build.py", "--root", str(fixture_project), "lint", str(tmp_path / "r.yaml")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("config.py") == 1, proc.stderr
    assert proc.stderr.startswith("error: config.py"), proc.stderr


def test_what_a_definition_prints_does_not_reach_the_report_of_the_definitions_lint(fixture_project):
    import json

    module = fixture_project / "dashboards" / "__init__.py"
    module.write_text('print("dashboards: generated")\n' + module.read_text())
    proc = subprocess.run([sys.executable, "build.py", "--root", str(fixture_project), "lint", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True)
    assert json.loads(proc.stdout) == [] and "dashboards: generated" in proc.stderr, proc.stdout + proc.stderr
