"""`build.py diff`: a semantic diff of out/ against a git revision, in reviewer terms.

Unit cases mutate the real out/ (read from disk) and compare snapshots; the
end-to-end cases build a branch in a temporary git repository.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

import build
from compiler.review import diff, gitrev, pretty, render, snapshot
from compiler.write import to_json
from conftest import ROOT

OUT = os.path.join(ROOT, "out")


def read_out() -> dict[str, bytes]:
    files = {}
    for dirpath, _, names in os.walk(OUT):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                files[os.path.relpath(path, OUT).replace(os.sep, "/")] = fh.read()
    return files


BASE = read_out()


def compare(new: dict[str, bytes], old: dict[str, bytes] = BASE) -> diff.Report:
    return diff.compare(snapshot.read(old), snapshot.read(new))


def items(report: diff.Report) -> list[str]:
    """Every entry and item as one plain line, for exact comparisons."""
    lines = []
    for e in report.entries:
        lines.append(f"{e.kind} {e.status}: {e.name}")
        for i in e.items:
            lines.append(("!! " if i.loud else "- ") + i.text.replace("**", ""))
            lines += [f"    {c}" for c in i.code]
    return lines


# --- editing helpers on the real out/ ------------------------------------------------

def edit_dashboard(files, uid, fn):
    path = f"grafana/{uid}.json"
    dash = json.loads(files[path])
    fn(dash)
    files = dict(files)
    files[path] = to_json(dash)
    return files


def panel(dash, title):
    return next(p for p in dash["panels"] if p.get("title") == title)


def edit_rules(files, group, fn):
    path = f"prometheus/{group}.rules.yaml"
    data = yaml.safe_load(files[path])
    fn({r.get("alert") or r.get("record"): r for g in data["groups"] for r in g["rules"]}, data)
    files = dict(files)
    files[path] = yaml.safe_dump(data, sort_keys=True).encode()
    return files


def set_query(title, expr):
    return lambda d: panel(d, title)["targets"][0].update(expr=expr)


OVERVIEW = "codeverify-overview"
# Where the panel sits today, read from out/: a panel added above it moves it, not these cases.
GRID = next(p for p in json.loads(BASE[f"grafana/{OVERVIEW}.json"])["panels"] if p.get("title") == "Workers up")["gridPos"]


CASES = [
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, set_query("Workers up", "sum(\n  up{app='codeverify-worker', cluster=~'$cluster', namespace=~'$namespace'}\n)\nor vector(0)")),
        [],
        id="a whitespace-only query change is no change",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, set_query("Workers up", 'count(up{app="codeverify-worker"} == 1)')),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- panel Workers up: query `A` changed",
         '    -  sum(up{app="codeverify-worker",cluster=~"$cluster",namespace=~"$namespace"})',
         "    -or",
         "    -  vector(0)",
         '    +count(up{app="codeverify-worker"} == 1)'],
        id="a changed panel query shows an inline diff of the prettified PromQL",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, set_query(
            "Request throughput", "sum by (handler) (rate(codeverify_http_requests_total[$__rate_interval]))")),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- panel Request throughput: query `A` changed",
         "    -sum by (handler) (",
         "    -  rate(",
         '    -    codeverify_http_requests_total{app="codeverify-api",cluster=~"$cluster",namespace=~"$namespace"}'
         "[$__rate_interval]",
         "    -  )",
         "    -)",
         "    +sum by (handler) (rate(codeverify_http_requests_total[$__rate_interval]))"],
        id="grafana variables stay as written in the query diff",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: panel(d, "Workers up")["fieldConfig"]["defaults"]["thresholds"]["steps"][1].update(value=3)),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- panel Workers up: thresholds red, green from 2 → red, green from 3"],
        id="a panel threshold change lists the old and new steps",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: panel(d, "Workers up")["fieldConfig"]["defaults"].update(unit="none")),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- panel Workers up: unit `short` → `none`"],
        id="a unit change is named",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: panel(d, "Workers up").update(description="Worker pods up.")),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- panel Workers up: description “Number of worker pods Prometheus can scrape; WorkerDown fires below 2.” → “Worker pods up.”"],
        id="a description change quotes both texts",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: panel(d, "Workers up")["gridPos"].update(w=GRID["w"] + 1)),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         f"- panel Workers up: resized from {GRID['w']}×{GRID['h']} to {GRID['w'] + 1}×{GRID['h']}"],
        id="a resized panel is reported with its grid size",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: panel(d, "Workers up")["gridPos"].update(x=0, y=400)),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         f"- panel Workers up: moved from column {GRID['x']}, line {GRID['y']} to column 0, line 400"],
        id="a moved panel is reported with its grid position",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: d["panels"].remove(panel(d, "Workers up"))),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)", "- panel Workers up removed"],
        id="a removed panel is named",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: panel(d, "Workers up").update(title="Worker pods up")),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- panel Worker pods up: renamed from Workers up"],
        id="a panel with a new title and the same queries is a rename",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: d["templating"]["list"].append(
            {"name": "pod", "type": "query", "query": "label_values(up, pod)"})),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)", "- variable `pod` added"],
        id="an added variable is named",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: d["links"][0].update(targetBlank=True)),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- link `CodeVerify dashboards` changed: `targetBlank` `false` → `true`"],
        id="a changed link names the setting",
    ),
    pytest.param(
        lambda f: edit_dashboard(f, OVERVIEW, lambda d: panel(d, "Workers up")["options"].update(textMode="name")),
        ["dashboard changed: CodeVerify Overview (`codeverify-overview`)",
         "- panel Workers up: other settings changed: `options.textMode` `auto` → `name`"],
        id="any other panel setting is named by its JSON path",
    ),
    pytest.param(
        lambda f: {("grafana/renamed-overview.json" if k == f"grafana/{OVERVIEW}.json" else k): v for k, v in
                   edit_dashboard(f, OVERVIEW, lambda d: d.update(uid="renamed-overview")).items()},
        ["dashboard renamed: CodeVerify Overview (`renamed-overview`)",
         "- uid `codeverify-overview` → `renamed-overview`: links and bookmarks to the old uid stop working"],
        id="a dashboard uid change with the same title is a rename",
    ),
    pytest.param(
        lambda f: edit_rules(f, "codeverify-api", lambda r, _: r["HighErrorRate"].update(
            expr=r["HighErrorRate"]["expr"].replace("> 0.05", "> 0.1"))),
        ["alert changed: `HighErrorRate`", "- threshold `> 0.05` → `> 0.1`"],
        id="an alert threshold change is reported as a threshold",
    ),
    pytest.param(
        lambda f: edit_rules(f, "codeverify-api", lambda r, _: r["HighLatency"]["labels"].update(severity="critical")),
        ["alert changed: `HighLatency`", "!! severity `warning` → `critical` (now pages)",
         "!! route `slack-warnings` → `pagerduty-critical`"],
        id="a severity change is called out with its new route",
    ),
    pytest.param(
        lambda f: edit_rules(f, "codeverify-api", lambda r, _: r["HighLatency"].update({"for": "10m"})),
        ["alert changed: `HighLatency`", "- `for` `5m` → `10m`"],
        id="a for change is named",
    ),
    pytest.param(
        lambda f: edit_rules(f, "codeverify-api", lambda r, _: r["HighLatency"]["annotations"].update(summary="Slow API.")),
        ["alert changed: `HighLatency`",
         "- annotation `summary` “The 95th percentile of API request latency is above 2 seconds.” → “Slow API.”"],
        id="an annotation change quotes both texts",
    ),
    pytest.param(
        lambda f: edit_rules(f, "codeverify-api", lambda r, _: r["HighLatency"]["labels"].update(team="api")),
        ["alert changed: `HighLatency`", "- label `team` none → `api`"],
        id="a label change is named",
    ),
    pytest.param(
        lambda f: edit_rules(f, "codeverify-api", lambda r, data: data["groups"][0]["rules"].append(
            {"record": "codeverify:http_requests:rate5m", "expr": "sum(rate(codeverify_http_requests_total[5m]))"})),
        ["recording rule added: `codeverify:http_requests:rate5m`", "- in group `codeverify-api`",
         "    +sum(rate(codeverify_http_requests_total[5m]))"],
        id="an added recording rule shows its expression",
    ),
]


@pytest.mark.parametrize("change, expected", CASES)
def test_changes_are_reported_in_reviewer_terms(change, expected):
    assert items(compare(change(BASE))) == expected


def test_identical_output_says_no_changes():
    report = compare(BASE)
    assert not report
    assert "No changes." in render.text(report)
    assert "**no changes**" in render.markdown(diff.Report(gitrev.Base("0" * 40, "main"), [], {}))


def test_a_base_without_out_reports_everything_added():
    report = compare(BASE, old={})
    kinds = {(e.kind, e.status) for e in report.entries}
    assert ("dashboard", diff.ADDED) in kinds and ("alert", diff.ADDED) in kinds
    assert all(e.status == diff.ADDED for e in report.entries)
    assert len([e for e in report.entries if e.kind == "dashboard"]) == len([p for p in BASE if p.startswith("grafana/")])


def test_long_lists_collapse_into_details_in_markdown():
    md = render.markdown(compare(BASE, old={}))
    assert md.startswith(render.MARKER)
    assert "<details><summary>" in md and "</details>" in md


def test_output_is_deterministic():
    changed = CASES[1].values[0](BASE)
    assert render.markdown(compare(changed)) == render.markdown(compare(changed))


# --- SLOs and routes: generic on the output, so they work before those features land ------

def slo_rules(objective: str) -> dict[str, bytes]:
    rules = [
        {"record": "slo:objective:ratio", "expr": objective, "labels": {"slo": "api-availability", "service": "api"}},
        {"record": "slo:error_budget:ratio", "expr": f"1 - {objective}", "labels": {"slo": "api-availability", "service": "api"}},
    ]
    return {**BASE, "prometheus/codeverify-slos.rules.yaml": yaml.safe_dump({"groups": [{"name": "codeverify-slos", "rules": rules}]}).encode()}


def test_an_slo_objective_change_states_the_error_budget():
    report = compare(slo_rules("0.995"), old=slo_rules("0.999"))
    assert items(report) == [
        "SLO changed: `api-availability` (service `api`)",
        "- objective 99.9% (error budget 43.2 minutes per 30 days) → 99.5% (error budget 3.6 hours per 30 days)"
        " (looser: more errors allowed before alerts fire); 1 generated rule updated to match",
    ]


def _rule_counts(files: dict[str, bytes]) -> dict[str, int]:
    """Alerts and recording rules in the rule files of out/, as the build counts them."""
    counts = {"alert": 0, "recording rule": 0}
    for path, data in files.items():
        if path.startswith("prometheus/") and path.endswith(".rules.yaml"):
            for group in yaml.safe_load(data)["groups"]:
                for rule in group["rules"]:
                    counts["alert" if "alert" in rule else "recording rule"] += 1
    return counts


def test_unchanged_counts_are_the_builds_counts():
    # Once 60 of the build's 64 recording rules: each SLO's objective rule was skipped, unsaid.
    report = diff.compare(snapshot.read(BASE), snapshot.read(BASE))
    counts = _rule_counts(BASE)
    assert report.unchanged.get("alert", 0) == counts["alert"]
    assert report.unchanged.get("recording rule", 0) == counts["recording rule"]
    slos = {r.slo for r in snapshot.read(BASE).rules.values() if r.slo}
    assert report.unchanged.get("SLO", 0) == len(slos)


def test_an_slo_change_and_the_unchanged_add_up_to_the_builds_counts():
    report = compare(slo_rules("0.995"), old=slo_rules("0.999"))
    [entry] = [e for e in report.entries if e.kind == "SLO"]
    told = 2  # the objective and the one generated rule "updated to match"
    assert report.unchanged["recording rule"] + told == _rule_counts(slo_rules("0.995"))["recording rule"]


@pytest.mark.parametrize("objective, allowed", [
    pytest.param(0.999, "43.2 minutes", id="three nines allow 43.2 minutes"),
    pytest.param(0.995, "3.6 hours", id="99.5% allows 3.6 hours"),
    pytest.param(0.99, "7.2 hours", id="two nines allow 7.2 hours"),
    pytest.param(0.9, "3 days", id="one nine allows 3 days"),
    pytest.param(0.9999, "4.3 minutes", id="four nines allow 4.3 minutes"),
    pytest.param(0.99999, "25.9 seconds", id="five nines allow seconds"),
])
def test_error_budget_over_30_days(objective, allowed):
    assert diff.budget(objective) == allowed


ALERTMANAGER = """
route:
  receiver: slack
  routes:
  - receiver: pagerduty
    matchers: ['severity="critical"']
receivers: [{name: slack}, {name: pagerduty}]
"""


def test_a_severity_change_that_changes_the_route_names_the_receivers():
    # Only the plain configuration: the AlertmanagerConfig in BASE would route too.
    old = {k: v for k, v in BASE.items() if not k.startswith("alertmanagerconfig-")}
    old["alertmanager/alertmanager.yaml"] = ALERTMANAGER.encode()
    new = edit_rules(old, "codeverify-api", lambda r, _: r["HighLatency"]["labels"].update(severity="critical"))
    assert items(compare(new, old)) == [
        "alert changed: `HighLatency`",
        "!! severity `warning` → `critical` (now pages)",
        "!! route `slack` → `pagerduty`",
    ]


@pytest.mark.parametrize("text, pretty_text", [
    pytest.param("sum(rate(x[$__rate_interval]))", "sum(rate(x[$__rate_interval]))", id="a range variable is kept"),
    pytest.param('sum(x{a=~"$pod"})  by (a)', 'sum by (a) (x{a=~"$pod"})', id="a variable in a matcher is kept"),
    pytest.param('{app="api"} |= "error"', None, id="LogQL does not parse as PromQL"),
])
def test_prettify_keeps_grafana_variables(text, pretty_text):
    assert pretty.prettify(text) == pretty_text


# --- against git: bad revisions, and the done-when branch ----------------------------

def test_an_unknown_base_is_a_usage_error():
    result = CliRunner().invoke(build.cli, ["diff", "--base", "no-such-revision-xyz"])
    assert result.exit_code == 2
    assert "no such revision" in result.output


def test_outside_git_is_a_usage_error(tmp_path):
    with pytest.raises(build.UsageError, match="not inside a git repository"):
        gitrev.resolve(str(tmp_path), None)


def git(repo, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def run_build(repo, *args):
    proc = subprocess.run([sys.executable, "build.py", *args], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def edit(path, old, new, count=1):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count(old) == count, f"{path}: expected {count} × {old!r}; the definitions changed, update this test"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A copy of this working tree committed on `main` in a fresh git repository."""
    dest = tmp_path_factory.mktemp("clone") / "repo"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".preview", "__pycache__", ".pytest_cache", ".hypothesis"))
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "base")
    return dest


def slo_objective_edit(repo) -> tuple[str, str] | None:
    """Loosen the first SLO objective found in slo/*.py; (old, new) as percentages, or None."""
    pattern = re.compile(r"(objective\s*=\s*)(0\.99\d*)")
    for name in sorted(os.listdir(repo / "slo")):
        path = repo / "slo" / name
        if name.endswith(".py") and pattern.search(path.read_text()):
            old = pattern.search(path.read_text()).group(2)
            path.write_text(pattern.sub(lambda m: m.group(1) + "0.995", path.read_text(), count=1))
            return old, "0.995"
    return None


def slos_exist() -> bool:
    import slo
    return bool(getattr(slo, "SLOS", ()))


@pytest.mark.slow
@pytest.mark.parametrize("with_slo", [
    pytest.param(False, id="a panel query and an alert threshold"),
    # Runs once SLOs land on main (slo/__init__.py SLOS non-empty): the third change is an objective.
    pytest.param(True, id="a panel query, an alert threshold and an SLO objective",
                 marks=pytest.mark.skipif(not slos_exist(), reason="no SLO in slo/__init__.py SLOS yet")),
])
def test_diff_of_a_branch_prints_exactly_its_changes(repo, with_slo):
    git(repo, "checkout", "-q", "-B", f"change-{with_slo}", "main")
    try:
        edit(repo / "dashboards" / "overview.py", 'Target(f"sum(up{c.selector(c.WORKER)}) or vector(0)"',
             'Target(f"count(up{c.selector(c.WORKER)} == 1)"')
        edit(repo / "alerts" / "api.py", "> {config.ERROR_RATE_ALERT}", "> 0.1")
        slo_change = slo_objective_edit(repo) if with_slo else None
        if with_slo:
            assert slo_change, "SLOS is not empty but no `objective=0.99...` was found in slo/*.py"
        run_build(repo)
        git(repo, "commit", "-q", "-am", "change")
        output = run_build(repo, "diff", "--changed-only")
        base = git(repo, "rev-parse", "--short=7", "main").strip()
        expected = [
            f"Monitoring changes against merge base with main ({base})",
            "1 dashboard changed, 1 alert changed" + (", 1 SLO changed." if with_slo else "."),
            "",
            "Dashboards",
            "  changed: CodeVerify Overview (`codeverify-overview`)",
            "    - panel Workers up: query `A` changed",
            '        -  sum(up{app="codeverify-worker",cluster=~"$cluster",namespace=~"$namespace"})',
            "        -or",
            "        -  vector(0)",
            '        +count(up{app="codeverify-worker",cluster=~"$cluster",namespace=~"$namespace"} == 1)',
            "",
            "Alerts",
            "  changed: `HighErrorRate`",
            "    - threshold `> 0.05` → `> 0.1`",
        ]
        if with_slo:
            # The objective is also the SLO dashboard's threshold: that dashboard changes too.
            expected[1] = "2 dashboards changed, 1 alert changed, 1 SLO changed."
            slo_dashboard = "  changed: CodeVerify SLOs (`codeverify-slos`)\n"
            thresholds = f"    - panel SLI over 30d: thresholds red, green from {slo_change[0]} → red, green from {slo_change[1]}"
            assert slo_dashboard + thresholds in output or thresholds in output.split(slo_dashboard)[1]
            output = re.sub(re.escape(slo_dashboard) + r"(    - .*\n)+", "", output)
            old, new = (float(v) for v in slo_change)
            objective = f"objective {diff.describe_objective(old)} → {diff.describe_objective(new)}"
            assert "\nSLOs\n" in output and objective in output
            assert "budget 3.6 hours per 30 days" in output
            output = output.split("\nSLOs\n")[0].rstrip("\n") + "\n"
        assert output == "\n".join(expected) + "\n"
        # The Markdown names the same changes, ready for a PR comment.
        md = run_build(repo, "diff", "--format", "markdown")
        assert md.startswith(render.MARKER) and "```diff" in md and "threshold `> 0.05` → `> 0.1`" in md
        # preview --changed-only draws the changed dashboards only.
        listing = run_build(repo, "preview", "--changed-only", "--out", str(repo / "previews"))
        changed = ["codeverify-overview"] + (["codeverify-slos"] if with_slo else [])
        assert listing.split() == [os.path.join(str(repo / "previews"), f"{uid}.png") for uid in changed]
    finally:
        git(repo, "checkout", "-q", "-f", "main")


@pytest.mark.slow
def test_diff_on_main_itself_says_no_changes(repo):
    git(repo, "checkout", "-q", "main")
    output = run_build(repo, "diff")
    assert "No changes." in output


@pytest.mark.parametrize("command", ["diff", "preview"])
@pytest.mark.parametrize("text, code, message", [
    pytest.param(
        "from compiler.model import AlertRule, RuleGroup\n"
        "GROUPS = (RuleGroup('g', (AlertRule('A', 'rate(shop_request_total[5m]) > 1', '5m', 'warning', 's.', 'd.'),)),)\n",
        1, "[promql/unknown-metric]", id="a lint error prints the finding and exits 1",
    ),
    pytest.param("GROUPS = (\n", 2, "alerts/__init__.py:1: syntax error", id="a load error exits 2"),
])
def test_a_project_that_does_not_build_has_nothing_to_compare(fixture_project, tmp_path, command, text, code, message):
    (fixture_project / "alerts" / "__init__.py").write_text(text)
    result = CliRunner().invoke(build.cli, ["--root", str(fixture_project), command, "--out", str(tmp_path)]
                                if command == "preview" else ["--root", str(fixture_project), command])
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.slow
def test_a_base_revision_without_out_shows_everything_added(repo):
    git(repo, "checkout", "-q", "--orphan", "no-out", "main")
    try:
        git(repo, "rm", "-q", "-r", "--cached", "out")
        git(repo, "commit", "-q", "-m", "before out/ existed")
        output = run_build(repo, "diff", "--base", "no-out")
        dashboards = len(snapshot.read(BASE).dashboards)
        assert output.splitlines()[1].startswith(f"{dashboards} dashboards added, ")
        assert "removed" not in output and "changed:" not in output
    finally:
        git(repo, "checkout", "-q", "-f", "main")
