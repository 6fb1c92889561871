"""slo/threshold-bucket: an SLO's latency threshold is not a bucket bound, or an `le` is written unlike the client.

What it checks: a latency SLI's `threshold` is one of the bucket bounds the catalog
declares for its histogram; every `le="..."` matcher in an SLO's queries names a
declared bound, written as the Python client writes it (`le="60.0"`, `le="0.5"`).
Why: "requests faster than 0.5 s" is read from the 0.5 s bucket. Without such a
bucket the query matches no series and the SLO reports nothing (or 100 % bad); and
`le="60"` matches no series of a client that exposes `le="60.0"`.
Bad:  `LatencySLI("codeverify_queue_latency_seconds", threshold=45)`; `le="60"`
Good: `LatencySLI("codeverify_queue_latency_seconds", threshold=60)`; `le="60.0"`
"""
from ... import promql

ID = "slo/threshold-bucket"
SEVERITY = "error"
SCOPE = "slo"


def check(slo, ctx):
    from ... import conventions as cv  # SLOs are the project's: not on the path of `lint PATH`
    from ...model import HISTOGRAM, LatencySLI, RatioSLI

    sli = slo.sli
    if isinstance(sli, LatencySLI):
        metric = ctx.catalog.metrics.get(sli.histogram)
        if metric is None or metric.type != HISTOGRAM:
            yield f"`{sli.histogram}` is not a histogram in the catalog: a latency SLI needs one"
            return
        if not any(sli.threshold == b for b in metric.buckets):
            yield (
                f"threshold `{cv.number(sli.threshold)}` is not a bucket bound of `{sli.histogram}` "
                f"(bounds: {', '.join(cv.le(b) for b in metric.buckets)}): pick one, or add the bound "
                "to the histogram's buckets in catalog.py and in the application"
            )
    elif isinstance(sli, RatioSLI):
        for query in (sli.error_query, sli.total_query):
            yield from _le_matchers(query.replace(cv.WINDOW, cv.BASE_WINDOW), ctx)


def _le_matchers(expr: str, ctx):
    from ... import conventions as cv

    try:
        ast = promql.parse(expr)
    except promql.ParseError:
        return  # promql/syntax reports it on the generated rules
    for sel in promql.selectors(ast):
        series = ctx.catalog.lookup(promql.metric_name(sel) or "")
        if series is None or series.metric is None or series.suffix != "_bucket":
            continue
        bounds = {cv.le(b): b for b in series.metric.buckets} | {"+Inf": float("inf")}
        for m in sel.matchers.matchers:
            if m.name != "le" or m.value in bounds:
                continue
            try:
                same = [text for text, b in bounds.items() if b == float(m.value)]
            except ValueError:
                same = []
            hint = f" (the client writes it as `le=\"{same[0]}\"`)" if same else ""
            yield (
                f"`le=\"{m.value}\"` is no bucket of `{series.name}` as the Python client exposes it{hint}: "
                "the matcher selects no series"
            )
