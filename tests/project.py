"""A rendered project driven from outside, as its user would: its own venv, store, server.

Commands run in the project's directory with its own `.venv` (nothing of the
template's virtualenv leaks in); failures show the command's last output.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.availability import skip_or_fail
from tests.interpreters import find_python
from tests.polling import wait_until
from tests.services import free_port, stop_process


def project_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the template's venv, plus `extra`."""
    return {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | (extra or {})


def run(project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(
        list(args),
        cwd=project,
        env=project_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} failed:\n{(result.stdout + result.stderr)[-6000:]}"
    )
    return result.stdout


def migrate_store(project: Path, env: dict[str, str]) -> dict[str, str]:
    """Run the rendering's migrations on the store `env` points at; returns `env`."""
    if any(name.endswith("DATABASE_URL") for name in env):
        run(project, "uv", "run", "--no-sync", "alembic", "upgrade", "head", env=env)
    else:
        run(project, "uv", "run", "--no-sync", "python", "-m", "app.mongo_migrations", env=env)
    return env


def python_for(version: str) -> str:
    python = find_python(version)
    if python is None:
        skip_or_fail(f"no Python {version} interpreter on this machine")
    return python


@contextlib.contextmanager
def uvicorn(project: Path, env: dict[str, str]) -> Iterator[str]:
    """Serve the project on a free port; yields its base URL once /health answers."""
    port = free_port()
    log = (project / "uvicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(project / ".venv" / "bin" / "uvicorn"),
            "--factory",
            "app.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=project,
        env=project_env(env),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{url}/health", timeout=1).status_code == 200,
            60,
            what=f"{project.name} answering {url}/health",
            interval=0.2,
            ignoring=(httpx.HTTPError,),
        )
        yield url
    finally:
        stop_process(process)
        log.close()
