"""Pass-through: Grafana JSON the model cannot express, carried verbatim onto what the emitter writes.

A definition object's `passthrough` is a merge patch over the JSON the emitter
makes of it: a dict merges key by key into the emitted dict, any other value
(a list, a string, a number, None) replaces the emitted one, and `OMIT` removes
an emitted key. `build.py import` writes these for settings of an imported
dashboard that no field of the model holds, so that no setting is silently lost.
A hand-written definition should not need one.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping


class _Omit:
    """The marker of an emitted key that the pass-through removes."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OMIT"

    def __reduce__(self):  # one marker across pickling (the forked lint)
        return (_Omit, ())

    def __deepcopy__(self, memo):
        return self


OMIT = _Omit()


def apply(data: dict, patch: Mapping) -> dict:
    """`data` with `patch` merged in (in place), as described in the module docstring."""
    for key, value in patch.items():
        if value is OMIT:
            data.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(data.get(key), dict):
            apply(data[key], value)
        else:
            data[key] = plain(value)
    return data


def plain(value):
    """A JSON value from a patch value: mappings become dicts (OMIT keys dropped), tuples lists."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items() if v is not OMIT}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return copy.deepcopy(value)


def same(a, b) -> bool:
    """JSON equality as Grafana's JavaScript sees it: 1 == 1.0, but True is no number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def diff(have: Mapping, want: Mapping) -> dict:
    """The patch that turns `have` into `want` (apply(have, diff(have, want)) equals want)."""
    patch = {}
    for key, value in want.items():
        if key not in have:
            patch[key] = copy.deepcopy(value)
        elif same(have[key], value):
            continue
        elif isinstance(value, dict) and isinstance(have[key], dict):
            patch[key] = diff(have[key], value)
        else:
            patch[key] = copy.deepcopy(value)
    for key in have:
        if key not in want:
            patch[key] = OMIT
    return patch
