"""Renderings installed once per worker and pointed at a real store, for the tiers that
serve them over HTTP (contract, fuzz, limits, outages)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.project import migrate_store, python_for, run
from tests.render import render

PREFIX = "ORDERS_SERVICE_"
PROBLEM = "application/problem+json"
# (variant id, database answer): PostgreSQL's rendering runs on SQLite and on a real server.
VARIANTS = {
    "postgres-on-sqlite": "postgres",
    "postgres-on-postgresql": "postgres",
    "mongo": "mongo",
    "none": "none",
}

_installed: dict[tuple[str, str], Path] = {}


def install(database: str, tmp_path_factory: pytest.TempPathFactory, auth: str = "none") -> Path:
    """Render and install one rendering per database and auth answer, once per worker."""
    if (database, auth) not in _installed:
        project = render(
            tmp_path_factory.mktemp(f"contract-{database}-{auth}"),
            {"database": database, "auth": auth},
        )
        run(project, "uv", "sync", "--python", python_for("3.12"), "--quiet")
        _installed[database, auth] = project
    return _installed[database, auth]


def store_settings(variant: str, project: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment that points the rendering at a fresh, migrated store."""
    if variant == "postgres-on-sqlite":
        env = {f"{PREFIX}DATABASE_URL": f"sqlite+aiosqlite:///{project}/contract.db"}
    elif variant == "postgres-on-postgresql":
        env = {f"{PREFIX}DATABASE_URL": request.getfixturevalue("postgres_url")}
    elif variant == "mongo":
        env = {
            f"{PREFIX}MONGODB_URL": request.getfixturevalue("mongodb_url"),
            f"{PREFIX}MONGODB_DATABASE": f"contract_{uuid.uuid4().hex[:12]}",
        }
    else:
        return {}
    return migrate_store(project, env)
