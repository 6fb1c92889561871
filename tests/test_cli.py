"""build.py end to end on the fixture project: exit codes, messages, and out/ left untouched."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

import build
from conftest import ROOT


def run(*args):
    result = CliRunner().invoke(build.cli, list(args))
    return result.exit_code, result.output


def snapshot(directory) -> dict:
    files = {}
    for dirpath, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                files[os.path.relpath(path, directory)] = fh.read()
    return files


@pytest.fixture
def built(fixture_project, tmp_path):
    out = tmp_path / "out"
    code, output = run("--root", str(fixture_project), "--out", str(out))
    assert code == 0, output
    return fixture_project, out


def test_build_prints_one_summary_line(built):
    project, out = built
    code, output = run("--root", str(project), "--out", str(out))
    assert code == 0
    assert output.startswith("built 1 dashboards, 2 panels, 2 alerts, 0 recording rules -> ")
    assert "(0 changed)" in output


def test_two_builds_are_identical(built, tmp_path):
    project, out = built
    second = tmp_path / "second"
    assert run("--root", str(project), "--out", str(second))[0] == 0
    assert snapshot(out) == snapshot(second)


def test_check_is_clean_after_build(built):
    project, out = built
    code, output = run("--root", str(project), "--out", str(out), "--check")
    assert code == 0, output


@pytest.mark.parametrize(
    "change, expected",
    [
        pytest.param("modify", "stale: grafana/shop-overview.json", id="a modified file is stale"),
        pytest.param("delete", "missing: servicemonitor-codeverify.yaml", id="a deleted file is missing"),
        pytest.param("extra", "extra: prometheus/old.rules.yaml", id="a file no longer produced is extra"),
    ],
)
def test_check_reports_drift(built, change, expected):
    project, out = built
    if change == "modify":
        with open(out / "grafana" / "shop-overview.json", "a") as fh:
            fh.write(" ")
    elif change == "delete":
        os.remove(out / "servicemonitor-codeverify.yaml")
    else:
        (out / "prometheus" / "old.rules.yaml").write_text("groups: []\n")
        with open(out / ".generated", "a") as fh:
            fh.write("prometheus/old.rules.yaml\n")
    before = snapshot(out)
    code, output = run("--root", str(project), "--out", str(out), "--check")
    assert code == 1
    assert expected in output
    assert snapshot(out) == before, "--check must write nothing"


def test_build_prunes_stale_generated_files_and_keeps_foreign_ones(built):
    project, out = built
    (out / "prometheus" / "old.rules.yaml").write_text("groups: []\n")
    with open(out / ".generated", "a") as fh:
        fh.write("prometheus/old.rules.yaml\n")
    (out / "kustomization.yaml").write_text("resources: []\n")
    assert run("--root", str(project), "--out", str(out))[0] == 0
    assert not (out / "prometheus" / "old.rules.yaml").exists()
    assert (out / "kustomization.yaml").read_text() == "resources: []\n"


BAD_DEFINITIONS = [
    pytest.param(
        "alerts/__init__.py", "GROUPS = (\n", 2, "alerts/__init__.py:1: syntax error",
        id="a module with a syntax error is a load error with file and line",
    ),
    pytest.param(
        "dashboards/__init__.py", "import nothing_here_at_all\n", 2,
        "dashboards/__init__.py:1: ModuleNotFoundError: No module named 'nothing_here_at_all'",
        id="a module that raises is a load error with file and line",
    ),
    pytest.param(
        "slo/__init__.py", "SLOS = ()\nraise RuntimeError('boom')\n", 2, "slo/__init__.py:2: RuntimeError: boom",
        id="an exception names the line that raised it",
    ),
    pytest.param(
        "alerts/__init__.py", "GROUPS = 1\n", 2, "alerts/__init__.py: must define GROUPS",
        id="a package without its tuple is a load error",
    ),
    pytest.param(
        "alerts/__init__.py",
        "from compiler.model import AlertRule, RuleGroup\n"
        "GROUPS = (RuleGroup('g', (AlertRule('A', 'rate(shop_request_total[5m]) > 1', '5m', 'warning', 's.', 'd.'),)),)\n",
        1,
        "alerts/__init__.py:2: group 'g' › alert 'A': error [promql/unknown-metric] metric `shop_request_total` is not in the "
        "catalog (did you mean `shop_requests_total`?)",
        id="an unknown metric fails the build with its location and a suggestion",
    ),
]


@pytest.mark.parametrize("module, text, code, message", BAD_DEFINITIONS)
def test_bad_definitions_leave_out_untouched(built, module, text, code, message):
    project, out = built
    before = snapshot(out)
    (project / module).write_text(text)
    exit_code, output = run("--root", str(project), "--out", str(out))
    assert exit_code == code, output
    assert message in output
    assert "Traceback" not in output
    assert snapshot(out) == before


def test_duplicate_dashboard_uid_fails(built):
    project, out = built
    init = project / "dashboards" / "__init__.py"
    init.write_text(init.read_text() + "DASHBOARDS = DASHBOARDS + DASHBOARDS\n")
    before = snapshot(out)
    code, output = run("--root", str(project), "--out", str(out))
    assert code == 1
    assert "[load/duplicate] dashboard uid `shop-overview` is defined twice" in output
    assert snapshot(out) == before


def test_a_value_of_the_wrong_type_is_one_line_at_its_definition(built):
    """Definition objects check their fields when built (compiler/typecheck.py)."""
    project, out = built
    init = project / "dashboards" / "__init__.py"
    init.write_text(init.read_text().replace('legend="requests")', 'legend="requests", instant="yes")'))
    before = snapshot(out)
    code, output = run("--root", str(project), "--out", str(out))
    assert code == 2, output
    assert output.strip() == ("error: dashboards/__init__.py:13: TypeError: Target: `instant` must be True or False, "
                              "not str 'yes'")
    assert snapshot(out) == before


def test_an_emitter_error_is_one_line_at_its_panel(fixture_project, monkeypatch):
    """A panel no Grafana model can hold, past the lint: the build names the panel, no traceback."""
    from compiler import pipeline
    from compiler.emit import grafana
    from compiler.errors import LoadError

    def refuse(t, ref_id, sources):
        raise ValueError(f"target {ref_id}: refused")
    monkeypatch.setattr(grafana, "_target", refuse)
    with pytest.raises(LoadError) as err:
        pipeline.build(str(fixture_project), fork=False)
    assert str(err.value) == ("dashboards/__init__.py:12: dashboard 'shop-overview' › panel 'Request rate': "
                              "cannot render: target A: refused")


def test_a_dashboard_too_large_for_kubectl_apply_fails_the_build(built):
    """The ConfigMap's size is measured as kubectl's last-applied annotation would hold it."""
    from compiler.emit import kube

    project, out = built
    init = project / "dashboards" / "__init__.py"
    # 100 KiB of quotes and line breaks: 200 KiB once escaped in the dashboard's JSON,
    # over the limit only when that JSON is escaped again inside the annotation.
    init.write_text(init.read_text().replace('"The shop at a glance."', repr('"\n' * (kube.ANNOTATION_LIMIT // 5))))
    before = snapshot(out)
    code, output = run("--root", str(project), "--out", str(out))
    assert code == 1, output
    assert "dashboards/__init__.py:4: dashboard 'shop-overview': error [dashboard/size] the dashboard ConfigMap is" in output
    assert snapshot(out) == before


def test_not_a_project_is_a_usage_error(tmp_path):
    code, output = run("--root", str(tmp_path))
    assert code == 2
    assert "not a project root" in output


def test_repository_out_is_fresh():
    """The committed out/ is exactly what the definitions produce."""
    code, output = run("--root", ROOT, "--check")
    assert code == 0, output


def test_a_build_in_this_process_leaves_the_cyclic_gc_as_it_found_it():
    """build.py turns the GC off for the build only; as a script it stays off (the process ends)."""
    import gc

    from click.testing import CliRunner

    import build
    assert gc.isenabled()
    result = CliRunner().invoke(build.cli, ["--root", ROOT, "--check"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
