"""Tier 1: the tested version list is current, and each rendering pins only what it can install.

tests/tested_versions.py writes the list (`make refresh-versions`); the post-gen
hook filters it through the recorded dependency graph (decision 0023). Tier 2
checks that every installed project's uv.lock holds exactly these versions.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.render import render
from tests.template import load_hook
from tests.tested_versions import (
    REFRESH_COMMAND,
    SERVICE_PYPROJECT,
    TESTED_VERSIONS,
    current_digest,
    declared_requirements,
)

pytestmark = pytest.mark.tier1

TESTED = json.loads(TESTED_VERSIONS.read_text())
# Packages that only the named feature brings in.
FEATURE_PACKAGES = {
    "asyncpg",
    "sqlalchemy",
    "alembic",
    "pymongo",
    "pyjwt",
    "faststream",
    "aiokafka",
}


def test_tested_versions_were_resolved_from_the_current_dependency_declarations() -> None:
    assert TESTED["digest"] == current_digest(), (
        "The service's dependency declarations (pyproject requirement lines, dev group or "
        f"supported Pythons) changed since {TESTED_VERSIONS.name} was written: run "
        f"`{REFRESH_COMMAND}` and commit it."
    )


def test_declared_requirements_hold_every_branch_and_the_dev_group() -> None:
    declared = declared_requirements(SERVICE_PYPROJECT.read_text())
    assert {
        "pymongo>=4.15",
        "asyncpg>=0.32",
        "faststream[nats]>=0.7.8",
        "opentelemetry-sdk>=1.45.2",
    } <= set(declared["dependencies"])
    assert "ruff>=0.17" in declared["dev"]
    assert len(declared["dependencies"]) == 25


def constraint_pins(project: Path) -> dict[str, str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    pins = [pin.partition(";")[0] for pin in pyproject["tool"]["uv"]["constraint-dependencies"]]
    return dict(pin.split("==") for pin in pins)


def test_a_rendering_without_features_pins_none_of_their_packages(tmp_path: Path) -> None:
    project = render(tmp_path, {"database": "none", "auth": "none", "broker": "none"})
    pins = constraint_pins(project)
    assert not (project / TESTED_VERSIONS.name).exists()
    assert FEATURE_PACKAGES.isdisjoint(pins)
    assert {"fastapi", "uvicorn", "pydantic", "ruff", "mypy"} <= set(pins)
    assert all(version in TESTED["versions"][name] for name, version in pins.items())


def test_a_rendering_with_features_pins_their_packages_at_the_tested_versions(
    tmp_path: Path,
) -> None:
    project = render(tmp_path, {"database": "postgres", "auth": "jwt", "broker": "kafka"})
    pins = constraint_pins(project)
    assert FEATURE_PACKAGES - {"pymongo"} <= set(pins)
    assert "pymongo" not in pins
    assert pins["asyncpg"] in TESTED["versions"]["asyncpg"]


def test_installable_follows_extras_and_only_the_extras_asked_for() -> None:
    hook = load_hook("post_gen_project")
    graph = {
        "app-lib": {"": ["core"], "fast": ["speedup[native]"], "slow": ["turtle"]},
        "speedup": {"native": ["compiler"]},
        "core": {"": ["app-lib"]},
    }
    assert hook.installable(graph, ["App_Lib[Fast]>=1"]) == {
        "app-lib",
        "core",
        "speedup",
        "compiler",
    }
