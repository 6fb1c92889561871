"""promql/rate-range: a rate-style range that cannot hold two scrapes.

What it checks: the range of rate(), irate(), increase(), delta(), idelta() and
deriv() is at least twice the scrape interval (`config.SCRAPE_INTERVAL`).
Why: these functions need two samples in the window; with a 30 s scrape a `[30s]`
range holds one sample most of the time and the result has gaps or is empty.
Bad:  `rate(codeverify_http_requests_total[30s])` at a 30 s scrape interval
Good: `rate(codeverify_http_requests_total[2m])`, or `[$__rate_interval]` in dashboards
"""
from datetime import timedelta

import promql_parser as pp

from ... import promql
from .. import analysis as a

ID = "promql/rate-range"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    scrape = promql.duration_seconds(getattr(ctx.config, "SCRAPE_INTERVAL", "30s")) or 30.0
    for node in query.nodes:
        if isinstance(node, pp.Call) and node.func.name in a.RATE_STYLE and node.args:
            arg = a.strip(node.args[0])
            if isinstance(arg, pp.MatrixSelector):
                seconds = arg.range.total_seconds()
                if seconds < 2 * scrape:
                    yield (f"`{node.func.name}()` over [{pp.display_duration(arg.range)}]: the range must cover at "
                           f"least two scrapes ({pp.display_duration(timedelta(seconds=2 * scrape))} at the "
                           f"{getattr(ctx.config, 'SCRAPE_INTERVAL', '30s')} scrape interval)")

