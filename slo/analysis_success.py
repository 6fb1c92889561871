"""Analysis success: more than 95 % of finished analyses complete (status="passed")."""
from __future__ import annotations

import config
from compiler.conventions import WINDOW, by_keep
from compiler import model
from compiler.model import RatioSLI

# Per installation: the namespace, and the cluster behind Thanos or Mimir (compiler/conventions.py).
_BY = by_keep(config, "namespace")

_ANALYSES = "codeverify_analyses_total"

# Statuses are passed|failed (catalog.ANALYSIS_STATUSES): bad events are status="failed".
# Analyses are far fewer than requests, so the low-traffic guard asks for 5 failed
# analyses in the long window rather than the default 10.
SLO = model.SLO(
    name="analysis-success",
    service=config.WORKER_APP,
    objective=config.ANALYSIS_PASS_SLO,
    description="95% of finished analyses complete without failing.",
    sli=RatioSLI(
        error_query=f'sum by ({_BY}) (rate({_ANALYSES}{{{config.WORKER_SELECTOR}, status="failed"}}[{WINDOW}]))',
        total_query=f"sum by ({_BY}) (rate({_ANALYSES}{{{config.WORKER_SELECTOR}}}[{WINDOW}]))",
        good_series=(f'{_ANALYSES}{{status="passed"}}',),
        bad_series=(f'{_ANALYSES}{{status="failed"}}',),
    ),
    min_bad_events=5,
    covered_by=("WorkerDown",),
)
