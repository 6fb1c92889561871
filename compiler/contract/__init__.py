"""The catalog as a contract with the application.

Its /metrics is checked against the catalog (check.py, exposition.py), and its metric
definitions are generated from it (codegen.py).
"""
from __future__ import annotations

# The application's own metrics: `metrics check` and `metrics codegen` default to them. Here, not
# in check.py, so that a build generating the client module never imports the exposition parsers.
APP_SOURCE = "codeverify"
