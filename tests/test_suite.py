"""The template's own test suite keeps its shape: shared helpers live in helper modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.tier1

TESTS_DIR = Path(__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_no_test_module_imports_another() -> None:
    # Importing a test module drags its tests and fixtures into the importer's namespace.
    imports = {
        path.name: sorted(m for m in imported_modules(path) if m.startswith("tests.test_"))
        for path in sorted(TESTS_DIR.glob("test_*.py"))
    }
    assert {name: found for name, found in imports.items() if found} == {}
