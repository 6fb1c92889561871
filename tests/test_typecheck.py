"""compiler/typecheck.py: the generated check and the one that explains agree on every value."""
from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import model, routing, typecheck

HINTS = [str, int, float, bool, type(None), object, int | None, float | tuple[float, ...] | None,
         tuple[str, ...], tuple[model.Target, ...], Mapping[str, str], Mapping[str, tuple[str, ...]],
         Mapping[str, object], tuple[Mapping[str, str], ...], model.RatioSLI | model.LatencySLI]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3)
    | st.just(model.Target("up")) | st.just(model.RatioSLI("a", "b")),
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=2) | st.integers(), inner, max_size=3),
    max_leaves=8,
)


def fast(hint):
    env = {"Mapping": Mapping}
    exec(f"def fits(v):\n    return {typecheck._expr(hint, 'v', env, 0)}\n", env)
    return env["fits"]


@pytest.mark.slow
@pytest.mark.parametrize("hint", HINTS, ids=str)
@settings(max_examples=150, deadline=None)
@given(value=VALUES)
def test_fast_and_explaining_checks_agree(hint, value):
    assert fast(hint)(value) == (typecheck._checker(hint)(value) is None)


def test_every_definition_class_is_checked():
    for module in (model, routing):
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == module.__name__ and "__dataclass_fields__" in vars(cls) \
                    and cls is not model.Source:
                assert vars(cls).get("__checked__") is True, f"{cls.__name__} is not @checked"
