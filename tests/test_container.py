"""Tier 3: representative renderings build into images that run the way production runs them.

For each representative the rendered Dockerfile is built unmodified with podman,
then the container runs as its own non-root user on the host network: migrations
through the image's migrate command against a real PostgreSQL or a MongoDB
wire-protocol server (SecantusDB), an HTTP smoke test (health, ready, CRUD), the
image's HEALTHCHECK, and a SIGTERM that must end the process cleanly within the
grace period.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import containers
from tests.accounts import sign_up_and_log_in
from tests.availability import skip_or_fail
from tests.interpreters import find_python
from tests.polling import WaitTimeout, wait_until
from tests.render import render
from tests.services import ServiceUnavailable, free_port
from tests.template import combination_id, database_representatives

pytestmark = pytest.mark.tier3

SERVICE_UID = 10001
GRACE_SECONDS = 30  # what compose and Kubernetes give the container before SIGKILL
REPRESENTATIVES = database_representatives()


@pytest.fixture(scope="session")
def podman_ready() -> None:
    try:
        containers.require_tools()
    except ServiceUnavailable as error:
        skip_or_fail(str(error))


def python_base(version: str) -> str:
    """The `python:<version>-slim` stand-in, built from a local interpreter of that version."""
    python = find_python(version)
    if python is None:
        skip_or_fail(f"no Python {version} to put in the python:{version}-slim stand-in")
    return containers.stand_in_python_base(version, python)


def lock_dependencies(project: Path, python_version: str) -> None:
    """What `make install` leaves for the user to commit: the builder installs it `--locked`."""
    python = find_python(python_version) or python_version
    result = subprocess.run(
        ["uv", "lock", "--python", python, "--quiet"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert (project / "uv.lock").is_file()


@pytest.fixture(scope="module", params=REPRESENTATIVES, ids=combination_id)
def image(
    request: pytest.FixtureRequest,
    podman_ready: None,
    tmp_path_factory: pytest.TempPathFactory,
    image_sizes: dict[str, int],
) -> tuple[str, dict[str, str]]:
    answers: dict[str, str] = request.param
    base = python_base(answers["python_version"])
    project = render(tmp_path_factory.mktemp("tier3"), answers)
    lock_dependencies(project, answers["python_version"])
    tag = containers.build_image(project, f"localhost/orders-service:{answers['database']}")
    image_sizes[f"{base} (stand-in base)"] = containers.image_size(base)
    image_sizes[f"{tag} ({combination_id(answers)})"] = containers.image_size(tag)
    return tag, answers


# Per database: the server fixture, the URL variable the image reads, its migrate command.
DATABASES = {
    "postgres": ("postgres_url", "DATABASE_URL", ["alembic", "upgrade", "head"]),
    "mongo": ("mongodb_url", "MONGODB_URL", ["python", "-m", "app.mongo_migrations"]),
}


@pytest.fixture(scope="module")
def container_env(image: tuple[str, dict[str, str]], request: pytest.FixtureRequest) -> list[str]:
    """Environment for the containers; with a database, migrated by the image's own command."""
    tag, answers = image
    if answers["database"] not in DATABASES:
        return []
    fixture, variable, migrate = DATABASES[answers["database"]]
    env = ["--env", f"{variable}={request.getfixturevalue(fixture)}"]
    containers.podman(
        "run", "--rm", "--network=host", "--read-only", "--cap-drop=ALL", *env, tag, *migrate
    )
    return env


@contextlib.contextmanager
def serving(tag: str, env: list[str]) -> Iterator[tuple[str, str]]:
    """A container serving on a free host port, hardened as in production."""
    port = free_port()
    name = f"tier3-{port}"
    containers.podman(
        "run",
        "--detach",
        "--name",
        name,
        "--network=host",
        "--read-only",
        "--tmpfs=/tmp",
        "--cap-drop=ALL",
        "--env",
        f"UVICORN_PORT={port}",
        *env,
        tag,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, name)
        yield name, url
    finally:
        containers.podman("rm", "--force", "--time", "0", name, check=False)


@pytest.fixture(scope="module")
def running(
    image: tuple[str, dict[str, str]], container_env: list[str]
) -> Iterator[tuple[str, str]]:
    """The container with its default settings; yields (container name, base URL)."""
    with serving(image[0], container_env) as served:
        yield served


def wait_until_serving(url: str, name: str, timeout: float = 60) -> None:
    try:
        wait_until(
            lambda: request("GET", f"{url}/health")[0] == 200,
            timeout,
            what=f"{name} serving {url}/health",
            interval=0.3,
            ignoring=(OSError,),
        )
    except WaitTimeout as error:
        logs = containers.podman("logs", name, check=False)
        raise AssertionError(f"{error}:\n{logs.stdout}{logs.stderr}") from None


def request(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    if body is not None:
        headers = {"Content-Type": "application/json", **(headers or {})}
    call = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=5) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_health_and_readiness(running: tuple[str, str]) -> None:
    _, url = running
    assert request("GET", f"{url}/health") == (200, {"status": "ok"})
    status, body = request("GET", f"{url}/ready")
    assert status == 200, body
    assert body["status"] == "ready"


def test_items_crud_over_http(running: tuple[str, str], image: tuple[str, dict[str, str]]) -> None:
    _, url = running
    auth = sign_up_and_log_in(url) if image[1]["auth"] == "jwt" else {}
    status, created = request("POST", f"{url}/items", {"name": "widget", "quantity": 3}, auth)
    assert status == 201, created
    item = f"{url}/items/{created['id']}"
    assert request("GET", item, headers=auth)[1]["name"] == "widget"
    assert request("PATCH", item, {"quantity": 5}, auth)[1]["quantity"] == 5
    assert request("GET", f"{url}/items", headers=auth)[1]["items"] != []
    assert request("DELETE", item, headers=auth)[0] == 204
    assert request("GET", item, headers=auth)[0] == 404


def test_uvicorn_is_pid_1_and_runs_as_the_service_user(running: tuple[str, str]) -> None:
    name, _ = running
    status = containers.podman("exec", name, "cat", "/proc/1/status").stdout
    uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    assert {int(uid) for uid in uids} == {SERVICE_UID}
    command = containers.podman("exec", name, "cat", "/proc/1/cmdline").stdout.split("\0")
    # The console script: its interpreter, then the script itself.
    assert "uvicorn" in [Path(part).name for part in command[:2]], command


def test_web_concurrency_sets_the_number_of_workers(
    image: tuple[str, dict[str, str]], container_env: list[str]
) -> None:
    with serving(image[0], [*container_env, "--env", "WEB_CONCURRENCY=2"]) as (name, _):
        processes = containers.podman("top", name, "args").stdout.splitlines()[1:]
    workers = [line for line in processes if "multiprocessing.spawn" in line]
    assert len(workers) == 2, processes


def test_image_healthcheck_passes(running: tuple[str, str]) -> None:
    name, _ = running
    result = containers.podman("healthcheck", "run", name, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sigterm_stops_cleanly_within_the_grace_period(running: tuple[str, str]) -> None:
    name, _ = running
    started = time.monotonic()
    containers.podman("kill", "--signal", "TERM", name)
    exit_code = containers.podman("wait", name, timeout=GRACE_SECONDS + 10).stdout.strip()
    elapsed = time.monotonic() - started
    assert exit_code == "0", containers.podman("logs", name, check=False).stderr[-3000:]
    assert elapsed < GRACE_SECONDS
    logs = containers.podman("logs", name)
    assert "Finished server process" in logs.stdout + logs.stderr
