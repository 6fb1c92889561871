"""Plain names and helpers shared by the model and the linter, without the model.

`build.py lint FILE` starts in about the time promtool does only if it never imports
compiler/model.py (its dataclasses cost more than the lint of a small file): what the
linter needs of the model's vocabulary lives here, and model.py re-exports it.
"""
from __future__ import annotations

COUNTER, GAUGE, HISTOGRAM, SUMMARY = "counter", "gauge", "histogram", "summary"
METRIC_TYPES = (COUNTER, GAUGE, HISTOGRAM, SUMMARY)

PROMETHEUS, LOKI = "prometheus", "loki"


def ref_ids(targets) -> list[str]:
    """Each target's refId: its own, else the next unused letter A, B, ... in order."""
    return fill_ref_ids([t.ref_id for t in targets])


def fill_ref_ids(own: list[str]) -> list[str]:
    """`own` refIds with each empty one given the next unused letter A, B, ... in order."""
    taken = {ref for ref in own if ref}
    # A..Z, then AA, AB, ... as Grafana continues
    letters = (chr(65 + i) if i < 26 else chr(64 + i // 26) + chr(65 + i % 26) for i in range(26 * 27))
    out = []
    for ref in own:
        if ref:
            out.append(ref)
            continue
        ref = next(letters)
        while ref in taken:
            ref = next(letters)
        taken.add(ref)
        out.append(ref)
    return out
