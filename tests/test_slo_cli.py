"""build.py with SLOs on the fixture project: a good SLO builds, bad ones fail with their location."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

import build

SLO_CONFIG = """
from compiler.model import BurnRateWindow
SLO_RULES_NAME = "shop-slos"
SLO_DASHBOARD_UID = "shop-slos"
SLO_BURN_RATE_WINDOWS = (
    BurnRateWindow("critical", long="1h", short="5m", budget_share=0.02),
    BurnRateWindow("warning", long="1d", short="2h", budget_share=0.10),
)
SLO_ALERT_FOR = {"critical": "2m", "warning": "15m"}
SLO_MIN_BAD_EVENTS = 10
"""

SLO_MODULE = """
from compiler.model import SLO, LatencySLI
SLOS = (
    SLO("latency", "shop-api", 0.99, "99% of requests within {threshold} s.",
        LatencySLI("shop_request_duration_seconds", {threshold}), covered_by=("ShopDown",)),
)
"""


def run(*args):
    result = CliRunner().invoke(build.cli, list(args))
    return result.exit_code, result.output


def project_with_slo(fixture_project, threshold: str, config: str = SLO_CONFIG):
    with open(fixture_project / "config.py", "a") as fh:
        fh.write(config)
    (fixture_project / "slo" / "__init__.py").write_text(SLO_MODULE.format(threshold=threshold))
    return fixture_project


def test_an_slo_builds_its_rules_and_dashboard(fixture_project, tmp_path):
    project = project_with_slo(fixture_project, "0.5")
    code, output = run("--root", str(project), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert "2 dashboards, 6 panels, 5 alerts, 14 recording rules" in output
    files = set(os.listdir(tmp_path / "out" / "prometheus"))
    assert "codeverify-slo-latency.rules.yaml" in files
    assert (tmp_path / "out" / "prometheusrule-shop-slos.yaml").exists()
    assert (tmp_path / "out" / "grafana" / "shop-slos.json").exists()
    rules = (tmp_path / "out" / "prometheus" / "codeverify-slo-latency.rules.yaml").read_text()
    assert 'le="0.5"' in rules and "> 14.4" in rules and "> 6" not in rules


@pytest.mark.parametrize(
    "threshold, config, code, message",
    [
        pytest.param("0.3", SLO_CONFIG, 1,
                     "slo/__init__.py:4: slo 'latency': error [slo/threshold-bucket] threshold `0.3` is not a bucket "
                     "bound of `shop_request_duration_seconds` (bounds: 0.1, 0.5, 1.0)",
                     id="a threshold that is no bucket bound fails the build at the SLO's line"),
        pytest.param("0.5", "", 2, "error: config.py: must define SLO_RULES_NAME, SLO_DASHBOARD_UID",
                     id="a project without the SLO settings is a load error, not a traceback"),
    ],
)
def test_bad_slo_fails_with_its_location(fixture_project, tmp_path, threshold, config, code, message):
    project = project_with_slo(fixture_project, threshold, config)
    exit_code, output = run("--root", str(project), "--out", str(tmp_path / "out"))
    assert exit_code == code, output
    assert message in output
    assert "Traceback" not in output
    assert not (tmp_path / "out").exists()
