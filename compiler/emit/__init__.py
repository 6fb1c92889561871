"""Emitters: pure functions from model objects to plain dicts."""
