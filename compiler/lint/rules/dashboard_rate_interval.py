"""dashboard/rate-interval: a dashboard query with a fixed range, or rate() over `$__interval`.

What it checks: range selectors in dashboard queries use a Grafana variable:
`[$__rate_interval]` for rates, `[$__range]` for a total over the shown range;
not a fixed `[5m]`/`[1h]`, and not `[$__interval]`, which can be shorter than two
scrapes when zoomed in.
Why: a fixed window ignores the zoom: zoomed out, a `[5m]` rate samples a few
points out of many and misses spikes; zoomed in, a `[1h]` smears a spike over an
hour. Grafana computes `$__rate_interval` so that each window holds enough scrapes.
Bad:  `sum(rate(codeverify_analyses_total[1h]))`
Good: `sum(rate(codeverify_analyses_total[$__rate_interval]))`
"""
import re

ID = "dashboard/rate-interval"
SEVERITY = "warning"
SCOPE = "query"

# A range or subquery range: `[5m]`, `[1h:1m]`, `[$__interval]`, `[${__interval}]`.
_RANGE = re.compile(r"\[\s*([^\]:]+?)\s*(?::[^\]]*)?\]")
_FIXED = re.compile(r"(?:\d+(?:ms|[smhdwy]))+")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def check(query, ctx):
    if query.origin != "panel":
        return
    text = _STRING.sub('""', query.expr)
    seen = set()
    for m in _RANGE.finditer(text):
        window = m.group(1)
        if window in seen:
            continue
        seen.add(window)
        if _FIXED.fullmatch(window):
            yield (f"fixed range `[{window}]`: use `[$__rate_interval]` so that the window follows the zoom "
                   f"(or `[$__range]` for a total over the shown range)")
        elif window in ("$__interval", "${__interval}"):
            yield "`[$__interval]` can be shorter than two scrapes: use `[$__rate_interval]`"
