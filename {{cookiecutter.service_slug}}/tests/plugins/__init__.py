"""Fixtures and helpers of each chosen feature, loaded by tests/conftest.py (pytest_plugins)."""
