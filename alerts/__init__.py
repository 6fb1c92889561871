"""CodeVerify's alerting rules, one RuleGroup per subject, in the order they are emitted."""
from __future__ import annotations

from compiler.model import RuleGroup

from . import api, database, llm, probes, workers
from .routing import ROUTING  # noqa: F401  (read by compiler/load.py)

GROUPS: tuple[RuleGroup, ...] = (
    api.GROUP,
    workers.GROUP,
    database.GROUP,
    llm.GROUP,
    probes.GROUP,
)
