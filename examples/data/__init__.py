"""Deterministic sample-data generators for the demo, the docs and the tests."""
