"""The catalog as a contract with the application.

Its /metrics is checked against the catalog (check.py, exposition.py), and its metric
definitions are generated from it (codegen.py).
"""
