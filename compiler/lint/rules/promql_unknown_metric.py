"""promql/unknown-metric: a selector names a series no catalog metric produces.

What it checks: every series name in a query is a catalog metric, one of a
histogram's `_bucket`/`_sum`/`_count` series (a summary's too), or the output
of a recording rule defined in the project or in any of the files linted.
Suggestions come from the catalog's metrics only. The project's own definitions
are checked strictly; in other files (`build.py lint PATH`) only names in the
catalog's namespace (`config.LINT_CATALOG_NAMESPACES`, e.g. `codeverify_`) are,
unless `--catalog-strict`: the catalog cannot know other projects' metrics, and
the run ends with one note counting the names it did not check.
Why: a typo in a metric name gives an empty panel or an alert that never fires,
and nothing else reports it.
Bad:  `rate(codeverify_http_request_total[5m])`
Good: `rate(codeverify_http_requests_total[5m])`
"""
import promql_parser as pp

from ... import promql

ID = "promql/unknown-metric"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    seen = set()
    for sel in query.nodes:
        if not isinstance(sel, pp.VectorSelector):
            continue
        name = promql.metric_name(sel)
        if name is None or name in seen:
            continue
        seen.add(name)
        series = ctx.catalog.lookup(name)
        if series is None:
            if not ctx.known.checks(name):
                continue
            cache = ctx.__dict__.setdefault("suggestions", {})  # difflib is slow; names repeat
            if name not in cache:
                cache[name] = ctx.catalog.suggest(name)
            hint = cache[name]
            yield f"metric `{name}` is not in the catalog" + (f" (did you mean `{hint}`?)" if hint else "")
        elif series.type is None and series.metric is not None and ctx.known.series(sel) is not None:
            yield (
                f"`{name}` is a histogram and has no series of its own: "
                f"use `{name}_bucket`, `{name}_sum` or `{name}_count`"
            )
