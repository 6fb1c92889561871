"""The SLO rules in out/prometheus/ behave as promised, under the real promtool.

The scenarios come from compiler/proving/slo_scenarios.py (generated from the SLO objects, with
input series as the Python client exposes them); tests/slo_promtool.py writes them as
promtool test files into a temp dir. Each scenario is one promtool test per SLO file.
"""
from __future__ import annotations

import dataclasses
import os

import pytest

import slo_promtool
from compiler import conventions as cv
from compiler import pipeline
from compiler.proving import slo_scenarios
from compiler.slo import rules as slo_rules
from compiler.emit import rules as emit_rules
from compiler.load import load
from compiler.write import to_yaml
from conftest import ROOT

# promtool runs per SLO and scenario: seconds each, so in `make test`, not test-fast.
pytestmark = pytest.mark.slow

PROJECT = load(ROOT)
pipeline.expand(PROJECT)
CONFIG, CATALOG = PROJECT.config, PROJECT.catalog
SLOS = {slo.name: slo for slo in PROJECT.slos}
OUT_RULES = os.path.join(ROOT, "out", "prometheus")


def out_rule_file(slo) -> str:
    return os.path.join(OUT_RULES, f"{cv.group_name(slo)}.rules.yaml")


def rule_file(tmp_path, slo, text: str | None = None) -> str:
    """The SLO's rules as a file: rendered from `slo` (or `text` verbatim)."""
    path = tmp_path / f"{slo.name}.rules.yaml"
    if text is None:
        group = emit_rules.group_dict(slo_rules.rule_group(slo, CONFIG), CONFIG)
        text = to_yaml({"groups": [group]}, "test").decode()
    path.write_text(text)
    return str(path)


def scenario(slo, name: str):
    return next(s for s in slo_scenarios.scenarios(slo, CONFIG, CATALOG) if s.name == name)


def run(promtool, tmp_path, slo, scenarios, rules: str, checks=()):
    path = tmp_path / f"{slo.name}.test.yaml"
    slo_promtool.write(path, slo_promtool.test_file(slo, scenarios, rules, checks))
    return slo_promtool.run(promtool, path)


def test_every_slo_is_tested():
    # The tests below run per SLO of the project (compiler/load.py refuses an unlisted
    # one), so a new SLO is tested without editing this file.
    assert SLOS, "the project defines SLOs"
    for slo in SLOS.values():
        assert os.path.exists(out_rule_file(slo)), "run build.py"


@pytest.mark.parametrize("name", sorted(SLOS))
def test_the_slo_alerts_carry_the_scenarios_make_test_runs(name):
    """The scenarios reach promtool through tests/promtool/, as every alert's do (test_scenarios.py)."""
    slo = SLOS[name]
    group = next(g for g in PROJECT.slo_groups if g.name == cv.group_name(slo))
    alerts = [r for r in group.rules if hasattr(r, "severity") and r.name != cv.absent_alert_name(slo)]
    assert len(alerts) == 2
    for alert in alerts:
        assert [s.name for s in alert.scenarios] == [s.name for s in slo_scenarios.scenarios(slo, CONFIG, CATALOG)]
        assert {bool(s.fires) for s in alert.scenarios} == {True, False}
    generated = os.path.join(ROOT, "tests", "promtool", f"{group.name}.yaml")
    text = open(generated).read()
    for alert in alerts:
        for sc in alert.scenarios:
            assert f"{alert.name}: {sc.name}" in text


@pytest.mark.parametrize("name, objective", [(name, None) for name in sorted(SLOS)] + [
    pytest.param(name, 0.99, id=f"{name} at 99%") for name in sorted(SLOS)])
def test_without_the_guard_one_bad_event_at_low_traffic_pages(promtool, tmp_path, name, objective):
    """The low-traffic scenario really is a page the guard prevents, not a quiet case anyway."""
    slo = dataclasses.replace(SLOS[name], min_bad_events=0)
    if objective is not None:  # where the trickle used to be 60 events an hour: no page without the guard either
        slo = dataclasses.replace(slo, objective=objective)
    quiet = scenario(slo, "one bad event at low traffic raises nothing")
    pages = dataclasses.replace(quiet, fires=(slo_scenarios.alert_labels(slo, CONFIG, cv.PAGE),))
    result = run(promtool, tmp_path, slo, [pages], rule_file(tmp_path, slo))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["latency", "queue-wait"])
def test_a_bucket_written_without_the_clients_decimal_blinds_the_slo(promtool, tmp_path, name):
    """`le="60"` instead of `le="60.0"` selects no bucket: the SLI is empty and a 20x burn pages nobody,
    but no longer unseen: the SLO's SLI-absent alert fires on the missing bucket."""
    slo = SLOS[name]
    good = f'le="{cv.le(slo.sli.threshold)}"'
    wrong = f'le="{cv.number(slo.sli.threshold)}"' if slo.sli.threshold == int(slo.sli.threshold) else 'le="0.50"'
    text = open(out_rule_file(slo)).read()
    assert good in text
    burn = scenario(slo, "a 20x burn pages within an hour of its start")
    assert run(promtool, tmp_path, slo, [burn], out_rule_file(slo)).returncode == 0
    result = run(promtool, tmp_path, slo, [burn], rule_file(tmp_path, slo, text.replace(good, wrong)))
    output = result.stdout + result.stderr
    got = output.partition("got:")[2]
    assert result.returncode == 1 and "ErrorBudget" not in got, output
    assert f'alertname="{cv.absent_alert_name(slo)}"' in got, output


def _close(expr: str, value: float) -> str:
    return f"abs({expr} - {cv.number(value)}) < bool 1e-9"


def _labels(slo, window: str | None = None, namespace: bool = True) -> str:
    """The labels of a recorded SLO series: ours and Sloth's, the SLI's namespace, the window it carries."""
    found = dict(cv.labels(slo))
    if namespace:
        found["namespace"] = CONFIG.APP_NAMESPACE
    if window:
        found[cv.SLOTH_WINDOW] = window
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(found.items())) + "}"


@pytest.mark.parametrize("name", sorted(SLOS))
def test_recorded_sli_and_budget_match_the_injected_burn(promtool, tmp_path, name):
    """A steady 4x burn over 3h: every SLI window, the burn rates and the budget left are exact."""
    slo = SLOS[name]
    sel = cv.selector(slo)
    budget = slo_rules.error_budget(slo)
    meta = _labels(slo, namespace=False)
    span = slo_rules.period(slo)
    windows = slo_rules.windows(CONFIG.SLO_BURN_RATE_WINDOWS) + [span]
    checks = [{"expr": _close(f"{cv.sli_error(w)}{sel}", 4 * budget),
               "exp_samples": [{"labels": _labels(slo, w), "value": 1}]} for w in windows]
    checks += [
        {"expr": _close(f"{cv.CURRENT_BURN_RATE}{sel}", 4),
         "exp_samples": [{"labels": _labels(slo, cv.BASE_WINDOW), "value": 1}]},
        {"expr": _close(f"{cv.PERIOD_BUDGET_REMAINING}{sel}", -3),
         "exp_samples": [{"labels": _labels(slo, span), "value": 1}]},
        {"expr": f"{cv.ERROR_BUDGET}{sel}", "exp_samples": [{"labels": cv.ERROR_BUDGET + meta, "value": cv.tidy(budget)}]},
    ]
    steady = scenario(slo, "a sustained 4x burn opens a ticket and does not page")
    result = run(promtool, tmp_path, slo, [steady], out_rule_file(slo), checks)
    assert result.returncode == 0, result.stdout + result.stderr


def test_period_sli_survives_a_window_without_events_where_sloths_average_is_nan(promtool, tmp_path):
    """One quiet hour (0/0 in the 5m ratio) makes avg_over_time(ratio_rate5m[30d]) NaN for 30 days."""
    slo = SLOS["availability"]
    sel = cv.selector(slo)
    budget = slo_rules.error_budget(slo)
    phases = [slo_scenarios.Phase(60, 0, 0), slo_scenarios.burn(slo, 4, 60)]
    quiet_then_burn = dataclasses.replace(
        scenario(slo, "a sustained 4x burn opens a ticket and does not page"),
        name="a quiet hour, then a 4x burn",
        series=slo_scenarios.input_series(slo, CONFIG, CATALOG, phases),
        at="120m", fires=(slo_scenarios.alert_labels(slo, CONFIG, cv.TICKET),),
    )
    sloth = f"avg_over_time({cv.sli_error('5m')}{sel}[30d])"
    checks = [
        {"expr": _close(f"{cv.sli_error('30d')}{sel}", 4 * budget),
         "exp_samples": [{"labels": _labels(slo, "30d"), "value": 1}]},
        {"expr": f"count({sloth} != {sloth})", "exp_samples": [{"labels": "{}", "value": 1}]},
    ]
    result = run(promtool, tmp_path, slo, [quiet_then_burn], out_rule_file(slo), checks)
    assert result.returncode == 0, result.stdout + result.stderr


def test_page_annotations_render_the_burn_rate_and_the_budget_left(promtool, tmp_path):
    """A steady 20x burn: the description says 20 times, and 1 - 20 = -1900% of the budget left."""
    slo = SLOS["availability"]
    page = next(r for r in slo_rules.rule_group(slo, CONFIG).rules if getattr(r, "severity", "") == cv.PAGE)
    steady = slo_scenarios.input_series(slo, CONFIG, CATALOG, [slo_scenarios.burn(slo, 20, 60)])
    description = (
        page.description.replace("{{ $labels.service }}", slo.service).replace("{{ $labels.slo }}", slo.name)
        .replace("{{ $value | humanize }}", "20")
    )
    description = description[: description.index("{{ with")] + "-1900%."
    test = {
        "rule_files": [out_rule_file(slo)],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in steady.items()],
            "alert_rule_test": [{
                "alertname": page.name, "eval_time": "60m",
                "exp_alerts": [{
                    "exp_labels": slo_scenarios.alert_labels(slo, CONFIG, cv.PAGE) | {"alertname": page.name},
                    "exp_annotations": {
                        "summary": page.summary,
                        "description": description,
                        "runbook_url": f"{CONFIG.RUNBOOK_BASE_URL}/slo-availability.md",
                    },
                }],
            }],
        }],
    }
    path = tmp_path / "render.test.yaml"
    slo_promtool.write(path, test)
    result = slo_promtool.run(promtool, path)
    assert result.returncode == 0, result.stdout + result.stderr
