"""CodeVerify's SLOs, one per module, in the order they are emitted and shown.

Each compiles (compiler/slo/rules.py) into a rule group of recording rules and a page
and a ticket burn-rate alert, and into a row of the SLO dashboard.
"""
from __future__ import annotations

from . import analysis_success, availability, latency, queue_wait

SLOS = (
    availability.SLO,
    latency.SLO,
    analysis_success.SLO,
    queue_wait.SLO,
)
