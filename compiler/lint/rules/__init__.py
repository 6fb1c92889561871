"""Lint rules, one per module; the module name is the rule id with '/' -> '_'.

Each module defines ID, SEVERITY, SCOPE and `check(obj, ctx)`, which yields
messages (or `(message, severity)` pairs); the framework adds the location.
"""
