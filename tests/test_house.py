"""CONTRIBUTING.md's four recipes, followed in a copy of the repository, leave the fast suite green.

A throwaway panel, alert (with scenarios and a runbook), lint rule (with its test
table) and SLO (with its runbook) are added exactly as the recipes say; the build
regenerates out/ and tests/promtool/; then `make test-fast`'s selection runs in the
copy. A test that pins a count, a line number or a list of today's definitions
fails here, so it must derive them from the project instead. Also checked: the
recipes touch only the files CONTRIBUTING.md lists for them.
"""
from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.house

# Not copied: what a fresh clone does not have, and what the build writes.
IGNORE = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", "*.pyc", ".preview")
FAST = "not e2e and not slow and not house"


def edit(root, rel: str, anchor: str, new: str) -> None:
    """Put `new` in place of the first `anchor` (a regex) of `rel`; `new` may hold `\\g<0>`, the anchor's text."""
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    found = re.search(anchor, text, re.M)
    assert found, f"{rel} no longer has {anchor!r}: update this recipe step (and CONTRIBUTING.md)"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text[:found.start()] + new.replace("\\g<0>", found.group(0)) + text[found.end():])


def write(root, rel: str, text: str) -> None:
    path = os.path.join(root, rel)
    assert not os.path.exists(path), f"{rel} exists already: the throwaway name collides"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


RUNBOOK = """# {title}

## What fired

A throwaway {what} added by tests/test_house.py.

## First queries

```promql
max by (queue) (codeverify_queue_length{{namespace="codeverify"}})
```

```promql
sum(rate(codeverify_analyses_total{{namespace="codeverify"}}[5m]))
```

```promql
sum(up{{namespace="codeverify"}})
```

## Likely causes

None: it is a test.

## Steps

None.

## Escalate

Never.
"""


def add_panel(root) -> set[str]:
    """Recipe 1: a panel function in the dashboard's module, and the panel in one of its rows."""
    edit(root, "dashboards/overview.py", r"^DASHBOARD = Dashboard\(", '''def throwaway_panel() -> Panel:
    return Panel(
        "timeseries", "Throwaway queue depth", "Added by tests/test_house.py.",
        (Target(f"max by (queue) (codeverify_queue_length{c.selector(c.CODEVERIFY)})", legend="{{queue}}"),),
        unit=c.SHORT, width=c.FULL, min=0,
    )


DASHBOARD = Dashboard(''')
    edit(root, "dashboards/overview.py", r"^    rows=\(\n", '    rows=(\n        Row("Throwaway", (throwaway_panel(),)),\n')
    return {"dashboards/overview.py"}


def add_alert(root) -> set[str]:
    """Recipe 2: an AlertRule with scenarios in its subject's module, in that module's group; its runbook."""
    edit(root, "alerts/workers.py", r"^GROUP = RuleGroup\(", '''THROWAWAY = AlertRule(
    name="ThrowawayQueueStuck",
    expr="max by (namespace, queue) (codeverify_queue_length) > 5000",
    for_="30m",
    severity="warning",
    summary="A throwaway alert of tests/test_house.py.",
    description="{{ $value }} jobs in queue {{ $labels.queue }} of namespace {{ $labels.namespace }}.",
    runbook="throwaway-queue-stuck",
    covered_by=("QueueMetricsAbsent", "APIDown", "WorkerDown"),
    scenarios=(
        Scenario(
            "fires past 5000 jobs",
            {scrape.series("codeverify_queue_length", scrape.worker(config, 0), queue="analysis"): "5001x40"},
            at="35m",
            fires=({"namespace": config.APP_NAMESPACE, "queue": "analysis"},),
            value=5001,
        ),
        Scenario(
            "stays quiet at 5000 jobs",
            {scrape.series("codeverify_queue_length", scrape.worker(config, 0), queue="analysis"): "5000x40"},
            at="35m",
        ),
    ),
)

GROUP = RuleGroup(''')
    edit(root, "alerts/workers.py", r"^GROUP = RuleGroup\((?s:.*?)rules=\(", "\\g<0>THROWAWAY, ")
    write(root, "runbooks/throwaway-queue-stuck.md", RUNBOOK.format(title="ThrowawayQueueStuck", what="alert"))
    return {"alerts/workers.py", "runbooks/throwaway-queue-stuck.md"}


RULE = '''"""dashboard/throwaway: a panel titled "Throwaway forbidden".

What it checks: no panel is titled "Throwaway forbidden".
Why: tests/test_house.py adds this rule as CONTRIBUTING.md says, to prove the recipe.
Bad:  a panel titled "Throwaway forbidden"
Good: any other title
"""
ID = "dashboard/throwaway"
SEVERITY = "warning"
SCOPE = "panel"


def check(panel, ctx):
    if panel.title == "Throwaway forbidden":
        yield "this title is forbidden by a throwaway rule"
'''

RULE_TEST = '''"""dashboard/throwaway: the table of good and bad cases."""
import pytest

from compiler.lint.rules import dashboard_throwaway as rule
from lintkit import dashboard, lint_dashboard, lint_text, panel, project  # noqa: F401

E = "sum(rate(codeverify_analyses_total[$__rate_interval]))"


@pytest.mark.parametrize("title, message", [
    pytest.param("Queue depth", None, id="any title"),
    pytest.param("Throwaway forbidden", "forbidden by a throwaway rule", id="the forbidden one"),
])
def test_throwaway(lint_dashboard, title, message):
    messages = lint_dashboard(dashboard(panel(E, title=title)), rule)
    assert messages == [] if message is None else any(message in m for m in messages), messages
'''


def add_lint_rule(root) -> set[str]:
    """Recipe 3: the rule module, its line in the registry, its test table."""
    write(root, "compiler/lint/rules/dashboard_throwaway.py", RULE)
    edit(root, "compiler/lint/registry.py", r"^TABLE = \(\n", 'TABLE = (\n    ("dashboard/throwaway", "panel"),\n')
    write(root, "tests/lint/test_dashboard_throwaway.py", RULE_TEST)
    return {"compiler/lint/rules/dashboard_throwaway.py", "compiler/lint/registry.py",
            "tests/lint/test_dashboard_throwaway.py"}


SLO = '''"""Throwaway: an SLO added by tests/test_house.py as CONTRIBUTING.md says."""
from __future__ import annotations

import config
from compiler import model
from compiler.conventions import WINDOW
from compiler.model import RatioSLI

_REQUESTS = "codeverify_http_requests_total"

SLO = model.SLO(
    name="throwaway",
    service=config.API_APP,
    objective=0.99,
    description="99% of API requests are not 5xx (a throwaway copy of availability).",
    sli=RatioSLI(
        error_query=f'sum by (namespace) (rate({_REQUESTS}{{{config.API_SELECTOR}, status=~"5.."}}[{WINDOW}]))',
        total_query=f"sum by (namespace) (rate({_REQUESTS}{{{config.API_SELECTOR}}}[{WINDOW}]))",
        good_series=(f'{_REQUESTS}{{method="GET", handler="/api/v1/analyses/{{id}}", status="200"}}',),
        bad_series=(f'{_REQUESTS}{{method="GET", handler="/api/v1/analyses/{{id}}", status="500"}}',),
    ),
    covered_by=("APIDown",),
)
'''


def add_slo(root) -> set[str]:
    """Recipe 4: the SLO module, its entry in SLOS, its runbook."""
    write(root, "slo/throwaway.py", SLO)
    edit(root, "slo/__init__.py", r"^from \. import ", "from . import throwaway\nfrom . import ")
    edit(root, "slo/__init__.py", r"^SLOS = \(\n", "SLOS = (\n    throwaway.SLO,\n")
    write(root, "runbooks/slo-throwaway.md", RUNBOOK.format(title="SLO: throwaway", what="SLO"))
    return {"slo/throwaway.py", "slo/__init__.py", "runbooks/slo-throwaway.md"}


RECIPES = {"panel": add_panel, "alert": add_alert, "lint rule": add_lint_rule, "SLO": add_slo}
GENERATED = ("out/", "tests/promtool/")


def changed_files(before: str, after: str) -> set[str]:
    changed = set()
    for folder, dirs, files in os.walk(after):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".pytest_cache", ".hypothesis", ".git")]
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, after).replace(os.sep, "/")
            old = os.path.join(before, rel)
            if not os.path.exists(old) or not filecmp.cmp(old, path, shallow=False):
                changed.add(rel)
    return changed


def run(root, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True)


@pytest.fixture(scope="module")
def house(tmp_path_factory):
    """(the copy with the four recipes applied, a pristine copy, recipe -> the files it touched)."""
    base = tmp_path_factory.mktemp("house")
    pristine, root = str(base / "pristine"), str(base / "repo")
    shutil.copytree(ROOT, pristine, ignore=IGNORE)
    shutil.copytree(pristine, root)
    # A fresh clone: a git repository on main (`build.py diff` compares with it).
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "clone"]):
        subprocess.run(["git", "-C", root, *args], check=True, capture_output=True, env=env)
    touched = {name: recipe(root) for name, recipe in RECIPES.items()}
    return root, pristine, touched


def test_the_four_recipes_leave_the_fast_suite_green(house):
    root, pristine, touched = house
    built = run(root, "build.py")
    assert built.returncode == 0, built.stdout + built.stderr
    changed = changed_files(pristine, root)
    assert {f for f in changed if not f.startswith(GENERATED)} == set().union(*touched.values()), \
        "the recipes touch only their files"
    assert {f for f in changed if f.startswith(GENERATED)}, "the build regenerated out/"
    fast = run(root, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", FAST)
    failed = [line for line in fast.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    assert fast.returncode == 0, "\n".join(failed) or fast.stdout[-6000:] + fast.stderr[-2000:]


# How CONTRIBUTING.md writes a file the recipes name: the throwaway's name as <name>,
# the module edited as the kind of module it is.
GENERIC = ((re.compile(r"throwaway[-_]queue[-_]stuck|throwaway"), "<name>"),
           (re.compile(r"^dashboards/overview\.py$"), "dashboards/<dashboard>.py"),
           (re.compile(r"^alerts/workers\.py$"), "alerts/<subject>.py"))


@pytest.mark.parametrize("recipe", RECIPES)
def test_contributing_lists_the_files_each_recipe_touches(house, recipe):
    with open(os.path.join(ROOT, "CONTRIBUTING.md"), encoding="utf-8") as fh:
        text = fh.read()
    for rel in sorted(house[2][recipe]):
        for pattern, generic in GENERIC:
            rel = pattern.sub(generic, rel)
        assert f"`{rel}`" in text, f"CONTRIBUTING.md's {recipe} recipe does not list `{rel}`"
