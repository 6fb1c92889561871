"""rule/record-name: a recording rule not named `level:metric:operations`.

What it checks: a recording rule's name has at least three colon-separated parts:
the aggregation level (labels kept), the metric, and the operations applied.
Why: the convention (Prometheus' "Recording rules" best practices) tells readers
what a recorded series holds and keeps recorded names apart from scraped ones.
Bad:  `record: http_error_ratio`
Good: `record: namespace:codeverify_http_requests:rate5m`
"""
import re

ID = "rule/record-name"
SEVERITY = "warning"
SCOPE = "rule"

_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*(:[a-zA-Z0-9_]+){2,}")


def check(rule, ctx):
    if rule.kind == "record" and isinstance(rule.name, str) and rule.name and not _NAME.fullmatch(rule.name):
        yield f"recording rule `{rule.name}` is not named level:metric:operations (e.g. `job:{rule.name.split(':')[-1]}:rate5m`)"
