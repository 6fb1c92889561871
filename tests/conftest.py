"""Shared test fixtures: paths, the golden-update switch, and the Prometheus tools."""
from __future__ import annotations

import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
FIXTURE_PROJECT = os.path.join(ROOT, "tests", "fixtures", "project")
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files and snapshots")


# Markers follow from the fixtures a test asks for, so that a new test is sorted
# into the fast or the full loop without anyone remembering to mark it.
_MARKS_BY_FIXTURE = {
    "prometheus_bin": "e2e", "alertmanager_bin": "e2e",
    "promtool": "promtool", "amtool": "promtool",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for name in set(_MARKS_BY_FIXTURE).intersection(item.fixturenames):
            item.add_marker(_MARKS_BY_FIXTURE[name])


@pytest.fixture
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")


def need_tool(name: str, package: str) -> str:
    """The path of a Prometheus tool; skipped locally when missing, a failure in CI."""
    path = shutil.which(name)
    if path:
        return path
    message = f"`{name}` not found: install Debian's `{package}` package (make test does so as root)"
    if os.environ.get("CI"):
        pytest.fail(message + " -- CI must run this test, not skip it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def promtool() -> str:
    return need_tool("promtool", "prometheus")


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    return need_tool("prometheus", "prometheus")


@pytest.fixture(scope="session")
def amtool() -> str:
    return need_tool("amtool", "prometheus-alertmanager")


@pytest.fixture(scope="session")
def alertmanager_bin() -> str:
    return need_tool("prometheus-alertmanager", "prometheus-alertmanager")


@pytest.fixture
def fixture_project(tmp_path):
    """A writable copy of the small fixture project."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__", ".lint_cache"))
    return dest
