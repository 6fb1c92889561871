"""Availability: 99.9 % of API requests are answered without a server error (5xx)."""
from __future__ import annotations

import config
from compiler.conventions import WINDOW, by_keep
from compiler import model
from compiler.model import RatioSLI

# Per installation: the namespace, and the cluster behind Thanos or Mimir (compiler/conventions.py).
_BY = by_keep(config, "namespace")

_REQUESTS = "codeverify_http_requests_total"

# The guide's SLI is `1 - errors / total`; we record the error ratio (Sloth's convention),
# so the objective's complement (0.001) is the error budget. `by (namespace)` keeps the
# label alert routing needs, as in alerts/api.py.
SLO = model.SLO(
    name="availability",
    service=config.API_APP,
    objective=0.999,
    description="99.9% of API requests are answered without a 5xx status.",
    sli=RatioSLI(
        error_query=f'sum by ({_BY}) (rate({_REQUESTS}{{{config.API_SELECTOR}, status=~"5.."}}[{WINDOW}]))',
        total_query=f"sum by ({_BY}) (rate({_REQUESTS}{{{config.API_SELECTOR}}}[{WINDOW}]))",
        good_series=(f'{_REQUESTS}{{method="POST", handler="/api/v1/analyses", status="200"}}',),
        bad_series=(f'{_REQUESTS}{{method="POST", handler="/api/v1/analyses", status="503"}}',),
    ),
    covered_by=("APIDown",),
)
