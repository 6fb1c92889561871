"""Definition objects check their fields' types when they are built.

A definition module is Python: nothing stops `Panel(..., targets=None)` or
`AlertRule(..., labels=["team"])`, and such a value used to travel until some
emitter or lint rule tripped over it with a traceback far from its cause. With
`@checked`, the constructor itself raises a TypeError that names the class and
the field; the loader reports it at the definition's line (compiler/load.py).

The annotations are the schema. What they can say here: str, int, float (an int
is fine), bool, None, unions, tuple[X, ...], Mapping[K, V],
definition classes, and `object` (anything). A class's check is generated
once, on its first instance: a large repository pays a few isinstance calls per
object, and the detailed message is worked out only for a value that fails.
"""
from __future__ import annotations

import sys
import types
import typing
from collections.abc import Mapping


def checked(cls):
    """Class decorator, under @dataclass: give `cls` a __post_init__ that checks every field.

    The check is generated on the first instance (the annotations may name classes
    defined later in the module) and then replaces this first __post_init__.
    """
    # A class's own __post_init__ would be replaced: say so where it is written.
    assert "__post_init__" not in vars(cls), f"{cls.__name__}: put extra checks in validate(), not __post_init__"

    def __post_init__(self):
        cls.__post_init__ = _compile_fast(cls)
        self.__post_init__()
    cls.__post_init__ = __post_init__
    cls.__checked__ = True
    return cls


def _raise(cls, obj) -> None:
    """The slow path, for the message: which field, what was wanted, what was given."""
    checks = _CHECKS.get(cls)
    if checks is None:
        checks = _CHECKS[cls] = _compile(cls)
    for name, check, wanted in checks:
        found = check(getattr(obj, name))
        if found is not None:
            raise TypeError(f"{cls.__name__}: `{name + found[0]}` must be {found[1] or wanted}, not {_show(found[2])}")
    raise TypeError(f"{cls.__name__}: a field does not fit its annotation")  # the two paths disagree: a bug here


# The fast path: one generated boolean expression per class (as dataclasses generate
# __init__), a few isinstance calls per object: the checks cost about 0.03 s of CPU for the 58,000
# objects of a 1,000-dashboard repository where checking through closures cost 0.2 s.
def _compile_fast(cls):
    env = {"Mapping": Mapping, "_raise": _raise, "cls": cls}
    tests = [_expr(hint, f"self.{name}", env, 0) for name, hint in _hints(cls)]
    source = "def __post_init__(self):\n"
    source += "    if not (" + " and ".join(f"({t})" for t in tests or ["True"]) + "):\n        _raise(cls, self)\n"
    if hasattr(cls, "validate"):  # what types cannot say (a regex that compiles)
        source += "    self.validate()\n"
    exec(source, env)
    return env["__post_init__"]


def _expr(hint, var: str, env: dict, depth: int) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is object or hint is typing.Any:
        return "True"
    if hint is type(None):
        return f"{var} is None"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(f"({_expr(a, var, env, depth)})" for a in args)
    if hint is bool:
        return f"{var} is True or {var} is False"
    if hint is int:
        return f"isinstance({var}, int) and not isinstance({var}, bool)"
    if hint is float:
        return f"isinstance({var}, (int, float)) and not isinstance({var}, bool)"
    # `not v or all(...)`: most tuples and mappings of a definition are empty, and a
    # generator costs more than the checks it runs.
    if origin is tuple:
        x = f"x{depth}"
        return f"isinstance({var}, tuple) and (not {var} or all({_expr(args[0], x, env, depth + 1)} for {x} in {var}))"
    if origin in (Mapping, typing.Mapping, dict):
        k, v = f"k{depth}", f"v{depth}"
        return (f"(type({var}) is dict or isinstance({var}, Mapping)) and (not {var} or all(({_expr(args[0], k, env, depth + 1)}) and "
                f"({_expr(args[1], v, env, depth + 1)}) for {k}, {v} in {var}.items()))")
    if isinstance(hint, type):
        name = f"T{len(env)}"
        env[name] = hint
        return f"isinstance({var}, {name})"
    return "True"


def _hints(cls) -> list:
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    return [(name, hint) for name, hint in hints.items() if name in cls.__dataclass_fields__ and name != "src"]


_CHECKS: dict[type, list] = {}


def problem(name: str, value, hint) -> str | None:
    """Why `value` does not fit `hint` (a runtime type: `tuple[str, ...]`), or None when it does."""
    found = _checker(hint)(value)
    if found is None:
        return None
    return f"`{name}{found[0]}` must be {found[1] or _describe(hint)}, not {_show(found[2])}"


def _compile(cls) -> list:
    return [(name, _checker(hint), _describe(hint)) for name, hint in _hints(cls)]


# A checker returns None when the value fits, else (path suffix, what was wanted there or "", the value).
def _checker(hint):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is object or hint is typing.Any:
        return lambda v: None
    if origin in (typing.Union, types.UnionType):
        options = [_checker(a) for a in args]
        return lambda v: None if any(c(v) is None for c in options) else ("", "", v)
    if origin is tuple:
        return _tuple_checker(args[0])
    if origin in (Mapping, typing.Mapping, dict):
        return _mapping_checker(args[0], args[1])
    if hint in _SCALARS:
        fits = _SCALARS[hint]
        return lambda v: None if fits(v) else ("", "", v)
    if isinstance(hint, type):
        return lambda v: None if isinstance(v, hint) else ("", "", v)
    return lambda v: None  # a hint this module cannot say anything about


# Exact tests: a bool is no int (True would pass as 1), an int is a float (0 for 0.0).
_SCALARS = {
    type(None): lambda v: v is None,
    bool: lambda v: v is True or v is False,
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def _tuple_checker(item_hint):
    item = _checker(item_hint)
    wanted = _describe(item_hint, article=True)

    def check_tuple(v):
        if not isinstance(v, tuple):  # not a list: code adds tuples together, hashes them
            return ("", "", v)
        for i, x in enumerate(v):
            problem = item(x)
            if problem is not None:
                return (f"[{i}]{problem[0]}", problem[1] or wanted, problem[2])
        return None
    return check_tuple


def _mapping_checker(key_hint, value_hint):
    key, value = _checker(key_hint), _checker(value_hint)
    wanted_key, wanted_value = _describe(key_hint, article=True), _describe(value_hint, article=True)

    def check_mapping(v):
        if not isinstance(v, Mapping):
            return ("", "", v)
        for k, x in v.items():
            if key(k) is not None:
                return (f" key {k!r}", wanted_key, k)
            problem = value(x)
            if problem is not None:
                return (f"[{k!r}]{problem[0]}", problem[1] or wanted_value, problem[2])
        return None
    return check_mapping


def _describe(hint, article: bool = True) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return "None"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a, article) for a in args)
    if origin is tuple:
        return f"a tuple of {_describe(args[0], article=False)}"
    if origin in (Mapping, typing.Mapping, dict):
        return f"a mapping of {_describe(args[0], article=False)} to {_describe(args[1], article=False)}"
    if hint is object:
        return "anything"
    name = {str: "str", int: "int", float: "number", bool: "True or False"}.get(hint, getattr(hint, "__name__", str(hint)))
    if not article or hint is bool:
        return name
    return f"an {name}" if name[0] in "aeiouAEIOU" else f"a {name}"


def _show(value) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}" if value is not None else "None"
