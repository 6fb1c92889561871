"""load/duplicate: two objects claim the same identity.

What it checks: dashboard UIDs, rule group names and output file names are unique
across the project.
Why: Grafana keeps one dashboard per UID and Prometheus one group per name; the
second silently replaces the first, and both would write the same file in out/.
Bad:  two dashboards with `uid="codeverify-overview"`
Good: one UID per dashboard
"""
ID = "load/duplicate"
SEVERITY = "error"
SCOPE = "project"


def check(project, ctx):
    for kind, items in (
        ("dashboard uid", [(d.uid, d) for d in project.dashboards]),
        ("rule group", [(g.name, g) for g in project.all_groups()]),
        ("SLO", [(getattr(s, "name", ""), s) for s in project.slos]),
    ):
        first: dict = {}
        for key, obj in items:
            if key in first:
                where = project.locate(first[key])
                yield (
                    f"{kind} `{key}` is defined twice (first at {where.file}:{where.line})",
                    SEVERITY,
                    project.locate(obj, f"{kind} '{key}'"),
                )
            else:
                first[key] = obj
