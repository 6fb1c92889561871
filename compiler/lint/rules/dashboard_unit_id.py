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
    close = suggest(unit)
    hint = f" (did you mean `{close}`?)" if close else " (or a custom unit such as `suffix:jobs`)"
    yield f"unit `{unit}` is not a Grafana unit id{hint}"


def suggest(unit: str) -> str | None:
    """The unit id fewest edits away (a third of the length at most) that keeps the first
    letter, else difflib's closest.

    Edits first: unit ids are short, and difflib's ratio prefers a longer id sharing more
    letters (`rds` -> `radsv`, a radiation dose) over the one-letter slip (`rps`, reads/s).
    The first letter kept: one edit turns any short id into many (`qps` is one from `Bps`
    and `cps`; `C` from `d`), while a slip rarely hits the first letter.
    """
    import difflib  # only when there is something to suggest: not on every lint's start-up

    ids = sorted(grafana_units.UNITS)
    ratio = {u: difflib.SequenceMatcher(None, unit, u).ratio() for u in ids}
    # Ranked by edits ignoring case first: `Ms` is `ms` mistyped, not `MBs`.
    near = [(_edits(unit.lower(), u.lower()), _edits(unit, u), -ratio[u], u) for u in ids
            if u[:1].lower() == unit[:1].lower()]
    if near and min(near)[0] <= max(1, len(unit) // 3):  # a case slip (`BPS`) is no edit
        return min(near)[3]
    close = difflib.get_close_matches(unit, ids, n=1, cutoff=0.6)
    return close[0] if close else None


def _edits(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
