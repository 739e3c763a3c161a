"""Render the template, build the rendered project's venv and migrate its database."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from cookiecutter.main import cookiecutter  # type: ignore[import-untyped]

# The interpreter the rendered project is built with; uv cannot download one here.
DEFAULT_PYTHON = Path(
    os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"), "versions/3.12.1/bin/python3.12"
)
VERSIONED_PACKAGES = ("fastapi", "starlette", "pydantic", "uvicorn", "sqlalchemy", "asyncpg")

# Interpreter tuning inherited from the caller's shell (dev mode, asyncio debug,
# tracemalloc, extra import paths) would skew timings, so children never see it.
_SCRUBBED_PREFIXES = ("PYTHON",)
_SCRUBBED_NAMES = frozenset({"VIRTUAL_ENV", "WEB_CONCURRENCY", "DATABASE_URL", "MONGODB_URL"})


def render(template_dir: Path, output_dir: Path, **answers: str) -> Path:
    """Render the template's defaults, or the given answers; returns the project directory."""
    with _stdout_to_stderr():
        return Path(
            cookiecutter(
                str(template_dir),
                no_input=True,
                extra_context=answers,
                output_dir=str(output_dir),
            )
        )


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    # The post-gen hook (a subprocess) prints next steps; keep stdout for the
    # results so `run.py > results.txt` holds only the table.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def env_prefix(project_dir: Path) -> str:
    # Mirrors cookiecutter.json's __env_prefix, derived from the rendered slug.
    return project_dir.name.upper().replace("-", "_") + "_"


def child_env(prefix: str, **extra: str) -> dict[str, str]:
    """The caller's environment minus anything that changes what we measure."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _SCRUBBED_NAMES
        and not name.startswith(prefix)
        and not name.startswith(_SCRUBBED_PREFIXES)
    }
    env.update(extra)
    return env


def interpreter() -> str:
    return os.environ.get("BENCH_PYTHON") or str(DEFAULT_PYTHON)


def sync_venv(project_dir: Path, env: dict[str, str], *, offline: bool) -> Path:
    """`uv sync --no-dev`; returns the venv's python.

    Bytecode is compiled up front, as a production image would, so the first
    server start does not pay for compiling every dependency.
    """
    command = ["uv", "sync", "--no-dev", "--compile-bytecode"]
    if offline:
        command.append("--offline")
    uv_env = {**env, "UV_PYTHON": interpreter(), "UV_PYTHON_DOWNLOADS": "never"}
    _run(command, cwd=project_dir, env=uv_env)
    return project_dir / ".venv" / "bin" / "python"


def migrate(project_dir: Path, env: dict[str, str]) -> None:
    _run([str(project_dir / ".venv/bin/alembic"), "upgrade", "head"], cwd=project_dir, env=env)


def migrate_mongo(project_dir: Path, env: dict[str, str]) -> None:
    python = str(project_dir / ".venv/bin/python")
    _run([python, "-m", "app.mongo_migrations"], cwd=project_dir, env=env)


# Rows the list case adds, numbered on from the table's current size: unique names, one
# statement, no round trip per row. The description is as long as a typical item's.
_GROW_ITEMS = (
    "INSERT INTO items (name, description, quantity, created_at, updated_at)"
    " SELECT 'bulk-' || n, 'Loaded by bench/run.py, row ' || n, n % 1000, now(), now()"
    " FROM generate_series({first}, {last}) AS n"
)
_CURSOR_SCRIPT = (
    "import sys\n"
    "from app.pagination import Bound, Position, encode_cursor\n"
    "print(encode_cursor(Position(Bound.AFTER, int(sys.argv[1]))))\n"
)


def grow_items(dsn: str, rows: int, size: int) -> float:
    """Bulk-load items `rows + 1` .. `size` into the migrated table; returns the seconds taken.

    VACUUM ANALYZE afterwards, as autovacuum would soon: the planner sees the new size and
    the visibility map is set, so the measured reads are the steady state at that size.
    """
    started = time.perf_counter()
    psql = ["psql", dsn, "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1"]
    insert = _GROW_ITEMS.format(first=rows + 1, last=size)
    _run([*psql, "-c", insert, "-c", "VACUUM ANALYZE items"], cwd=Path.cwd(), env=dict(os.environ))
    return time.perf_counter() - started


def item_cursor(python: Path, project_dir: Path, env: dict[str, str], key: int) -> str:
    """The cursor of the page after item `key`, made by the rendered project's own code."""
    completed = subprocess.run(
        [str(python), "-c", _CURSOR_SCRIPT, str(key)],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"encoding a cursor failed:\n{completed.stderr}")
    return completed.stdout.strip()


def fast_stack_flags(python: Path) -> list[str]:
    """uvloop + httptools when the venv has them (uvicorn[standard] brings both)."""
    probe = subprocess.run(
        [str(python), "-c", "import uvloop, httptools"], capture_output=True, check=False
    )
    return ["--loop", "uvloop", "--http", "httptools"] if probe.returncode == 0 else []


def package_versions(python: Path) -> dict[str, str]:
    script = (
        "import importlib.metadata as m, json, platform, sys\n"
        f"names = {list(VERSIONED_PACKAGES)!r}\n"
        "versions = {n: m.version(n) for n in names}\n"
        "versions['python'] = platform.python_version()\n"
        "json.dump(versions, sys.stdout)\n"
    )
    output = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(output))


def _run(command: list[str], *, cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
