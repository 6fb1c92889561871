"""dashboard/unit-id: a unit id Grafana does not know.

What it checks: a panel's unit is one of Grafana's unit ids (`s`, `percentunit`,
`reqps`, `bytes`, ...: compiler/lint/grafana_units.py) or a custom unit
(`suffix:jobs`, `si:B`, ...). An empty unit is dashboard/units' business.
Why: Grafana does not refuse an unknown id: it prints the raw number followed by the
id as text, `0.0023 secs`, and no unit scaling (ms, s, min) happens.
Bad:  `unit="secs"`, `unit="notaunit"`, `unit="percentage"`
Good: `unit="s"`, `unit="percentunit"`, `unit="suffix:jobs"`
"""

from .. import grafana_units

ID = "dashboard/unit-id"
SEVERITY = "error"
SCOPE = "panel"


def check(panel, ctx):
    unit = panel.unit
    if not isinstance(unit, str) or not unit or grafana_units.known(unit):
        return
    import difflib  # only when there is something to suggest: not on every lint's start-up
    close = difflib.get_close_matches(unit, sorted(grafana_units.UNITS), n=1, cutoff=0.6)
    hint = f" (did you mean `{close[0]}`?)" if close else " (or a custom unit such as `suffix:jobs`)"
    yield f"unit `{unit}` is not a Grafana unit id{hint}"
