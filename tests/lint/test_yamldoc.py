"""yamldoc reads what PyYAML's safe loader reads, plus each mapping's line."""
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.lint import yamldoc

SCALARS = ["5", "5m", "1.5", ".5", ".", "1_000", "-3", "+2", "1e3", "1.0e+3", ".inf", "-.Inf", ".nan", "yes", "No",
           "on", "~", "null", "", '"5"', "'yes'", "!!str 7", "0x10", "1:30", "_", "+.", "1.2.3", "2024-01-01"]


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_resolve_as_pyyaml_does(scalar):
    text = f"a: {scalar}\nb: [{scalar}]\n"
    ours, theirs = yamldoc.load_all(text)[0], yaml.safe_load(text)
    if isinstance(theirs["a"], float) and math.isnan(theirs["a"]):
        assert math.isnan(ours["a"])
    else:
        assert ours == theirs


def test_lines_anchors_and_documents():
    docs = yamldoc.load_all("a: &x {k: 1}\nb: *x\nc:\n  - d: 2\n---\n- 1\n")
    assert docs == [{"a": {"k": 1}, "b": {"k": 1}, "c": [{"d": 2}]}, [1]]
    assert docs[0].line == 1 and docs[0]["c"][0].line == 4


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                              st.floats(allow_nan=False)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                    max_leaves=15))
def test_round_trip_matches_safe_load(data):
    text = yaml.safe_dump(data)
    assert yamldoc.load_all(text) == [yaml.safe_load(text)]
