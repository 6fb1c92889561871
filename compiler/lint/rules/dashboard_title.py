"""dashboard/title: a dashboard or panel without a title.

What it checks: the dashboard and each of its panels (rows excepted) have a title
that is not blank.
Why: an untitled panel says nothing in the dashboard, in a shared link, in an alert
notification's panel image, or in search; two untitled dashboards cannot be told
apart in the folder list.
Bad:  `Panel("stat", "", ...)`, `"title": "  "`
Good: `Panel("stat", "Workers up", ...)`
"""
ID = "dashboard/title"
SEVERITY = "error"
SCOPE = ("dashboard", "panel")


def check(obj, ctx):
    if hasattr(obj, "variables"):
        if not _titled(obj.title):
            yield "the dashboard has no title"
        return
    if obj.kind != "row" and not _titled(obj.title):
        yield f"a `{obj.kind}` panel has no title"


def _titled(title) -> bool:
    # Views of others' panels stand in `#<id>` for a missing title.
    return isinstance(title, str) and bool(title.strip()) and not (title.startswith("#") and title[1:].isdigit())
