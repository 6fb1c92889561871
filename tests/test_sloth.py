"""Sloth compatibility, true: our SLO rules carry Sloth's names and labels, and Sloth's dashboards' queries find them.

Sloth's own generated rules (groups `sloth/...` of the shared corpus, from Sloth's examples)
are the reference: every recording rule Sloth writes for every SLO, we write too, with the
same `sloth_*` label keys; the burn-rate alerts carry `sloth_severity` page/ticket. Then a
real Prometheus (`verify`'s synthetic CodeVerify) answers the queries Sloth's Grafana
dashboards make: each `slo:*` series and `sloth_slo_info` selected by `sloth_service` and
`sloth_slo`.
"""
from __future__ import annotations

import os
from collections import defaultdict

import pytest
import yaml

from compiler import conventions as cv
from compiler import pipeline
from compiler.load import load
from compiler.model import AlertRule, RecordingRule
from compiler.proving import verify
from conftest import ROOT, SHARED

CORPUS = os.path.join(SHARED, "corpus", "promql-rules.yaml")
PROJECT = load(ROOT)
pipeline.expand(PROJECT)


def sloth_rules() -> list[tuple[str, dict]]:
    """(group name, rule) of every rule Sloth generated in the corpus."""
    if not os.path.exists(CORPUS):
        pytest.skip(f"{CORPUS} is not on this machine")
    with open(CORPUS) as fh:
        data = yaml.safe_load(fh)
    return [(g["name"], r) for g in data["groups"] if g["name"].startswith("sloth/") for r in g["rules"]]


def sloth_keys(labels: dict) -> frozenset[str]:
    return frozenset(k for k in labels if k.startswith("sloth_"))


def sloth_records() -> dict[str, set[frozenset[str]]]:
    """Record name -> the sets of `sloth_*` label keys Sloth gives it, for the records every SLO of Sloth's has.

    The corpus holds some examples only in part (a meta group alone): the reference is the
    SLOs whose SLI and meta recordings are both there.
    """
    per_slo: dict[tuple[str, str], dict[str, frozenset[str]]] = defaultdict(dict)
    for group, rule in sloth_rules():
        if "record" in rule:
            labels = rule.get("labels", {})
            per_slo[(group.split(":")[0], labels.get("sloth_id", ""))][rule["record"]] = sloth_keys(labels)
    slos = [records for records in per_slo.values()
            if {cv.SLO_INFO, cv.sli_error(cv.BASE_WINDOW)} <= set(records)]
    assert len(slos) >= 10, "the corpus no longer holds Sloth's examples"
    common = set.intersection(*(set(records) for records in slos))
    return {name: {records[name] for records in slos} for name in common}


def our_slo_rules():
    return [r for g in PROJECT.slo_groups for r in g.rules]


def test_we_record_every_series_sloth_records_for_each_slo_with_its_label_keys():
    reference = sloth_records()
    assert {"sloth_slo_info", "slo:objective:ratio", "slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate30d",
            "slo:period_error_budget_remaining:ratio"} <= set(reference)
    for slo in PROJECT.slos:
        group = next(g for g in PROJECT.slo_groups if g.name == cv.group_name(slo))
        ours = {r.record: sloth_keys(r.labels) for r in group.rules if isinstance(r, RecordingRule)}
        missing = sorted(set(reference) - set(ours))
        assert not missing, f"{slo.name}: Sloth records {missing}, we do not"
        for name, keys in reference.items():
            assert ours[name] in keys, f"{slo.name}: {name} has {sorted(ours[name])}, Sloth {sorted(keys)}"


def test_the_burn_rate_alerts_carry_sloths_severity_and_slo_labels():
    sloth_alert_keys = {sloth_keys(r.get("labels", {})) for _, r in sloth_rules() if "alert" in r}
    assert sloth_alert_keys == {frozenset({"sloth_severity"})}
    for slo in PROJECT.slos:
        burn = [r for r in our_slo_rules() if isinstance(r, AlertRule) and r.name.startswith(cv.camel(slo.name))
                and "sloth_severity" in r.labels]
        assert {r.labels["sloth_severity"] for r in burn} == {"page", "ticket"}
        for rule in burn:
            # Sloth's alerts get these from their expression; ours state them.
            assert {rule.labels[k] for k in ("sloth_service", "sloth_slo")} == {slo.service, slo.name}


def test_sloth_slo_info_describes_the_objective():
    for slo in PROJECT.slos:
        (info,) = [r for r in our_slo_rules() if isinstance(r, RecordingRule) and r.record == cv.SLO_INFO
                   and r.labels["slo"] == slo.name]
        assert info.labels["sloth_objective"] == cv.number(slo.objective * 100)
        assert info.labels["sloth_id"] == f"{slo.service}-{slo.name}"


@pytest.fixture(scope="module")
def prometheus(promtool, prometheus_bin):
    """`verify`'s Prometheus: an hour of the synthetic CodeVerify and the build's rules, evaluated a few times."""
    result = pipeline.build(ROOT, fork=False)
    assert result.ok, [str(f) for f in result.findings]
    with verify.synthetic_prometheus(result, hours=1) as (url, _, _):
        groups = {g.name for g in PROJECT.slo_groups}
        verify.wait_for_evaluations(url, groups)
        yield url


SLOTH_QUERIES = sorted({r.record for r in our_slo_rules() if isinstance(r, RecordingRule)
                        and (r.record.startswith("slo:") or r.record == cv.SLO_INFO)
                        and r.record not in (cv.BAD_EVENTS, cv.TOTAL_EVENTS)})


@pytest.mark.e2e
@pytest.mark.parametrize("record", SLOTH_QUERIES)
def test_sloths_dashboard_queries_find_every_slo(prometheus, record):
    """What Sloth's SLO dashboards ask, per SLO: `<series>{sloth_service="...", sloth_slo="..."}`."""
    for slo in PROJECT.slos:
        data = verify.api(prometheus, "/api/v1/query", query=f"{record}{cv.sloth_selector(slo)}")
        assert data["result"], f"{record}{cv.sloth_selector(slo)} returned nothing"


@pytest.mark.e2e
def test_sloths_slo_list_comes_from_sloth_slo_info(prometheus):
    """Sloth's dashboards list services and SLOs with label_values(sloth_slo_info, ...)."""
    data = verify.api(prometheus, "/api/v1/series", **{"match[]": cv.SLO_INFO})
    found = {(s["sloth_service"], s["sloth_slo"]) for s in data}
    assert found == {(slo.service, slo.name) for slo in PROJECT.slos}
