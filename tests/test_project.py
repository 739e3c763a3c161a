"""Tier 2: a covering array of combinations installs, passes mypy --strict and its own tests.

Not every combination: every pair of option values appears in at least one
project, and every database value runs with the defaults of the rest, so the
tier grows with the largest option lists, not with their product.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.accounts import sign_up_and_log_in
from tests.availability import skip_or_fail
from tests.interpreters import find_python
from tests.polling import wait_until
from tests.project import project_env, python_for, run
from tests.render import render
from tests.services import free_port
from tests.template import (
    TEMPLATE_DIR,
    combination_id,
    covering_array,
    database_representatives,
)
from tests.tested_versions import REFRESH_COMMAND, TESTED_VERSIONS

pytestmark = pytest.mark.tier2

ANSWERS = covering_array(database_representatives())


def params(answer_sets: list[dict[str, str]]) -> list[object]:
    # One xdist group per combination keeps its installed venv on one worker.
    return [
        pytest.param(
            answers,
            id=combination_id(answers),
            marks=pytest.mark.xdist_group(combination_id(answers)),
        )
        for answers in answer_sets
    ]


COVERING_ARRAY = params(ANSWERS)
# MongoDB has no embedded stand-in: its tests always need a server.
WITH_DEFAULT_STORE = params([answers for answers in ANSWERS if answers["database"] != "mongo"])
WITH_POSTGRES = params([answers for answers in ANSWERS if answers["database"] == "postgres"])
WITH_MONGO = params([answers for answers in ANSWERS if answers["database"] == "mongo"])
WITH_BROKER = params([answers for answers in ANSWERS if answers["broker"] != "none"])
# The suites that talk to the broker; the rest already ran on the in-memory test broker.
EVENT_TESTS = (
    "tests/test_events.py",
    "tests/test_relay.py",
    "tests/test_consumer.py",
    "tests/test_websocket.py",
)


def run_own_tests(
    project: Path, env: dict[str, str] | None = None, paths: tuple[str, ...] = ()
) -> str:
    """The rendered project's own suite with coverage (its pyproject enforces the floor),
    or only the test files in `paths`, without."""
    selection = paths or ("--cov",)
    return run(
        project,
        "uv",
        "run",
        "--no-sync",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *selection,
        env=env,
    )


def cache_env(answers: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    """A real Redis for a `cache=redis` rendering's cache tests, on a database of its own.

    It is the Redis broker fixture's server: its tests stop and restart it only
    within their own (one project's suites run on one worker, one at a time).
    """
    if answers["cache"] != "redis":
        return {}
    server = request.getfixturevalue("redis_server")
    return {"TEST_REDIS_URL": server.url.removesuffix("/0") + "/1"}


def assert_everything_passed(pytest_output: str) -> None:
    # The summary must be "N passed in T": no failures, errors, or skips hiding gaps.
    summary = pytest_output.strip().splitlines()[-1]
    assert re.fullmatch(r"=* ?\d+ passed in [\d.]+s( \(.*\))? ?=*", summary), summary


@pytest.fixture(scope="module")
def installed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    answers: dict[str, str] = request.param
    python = python_for(answers["python_version"])
    project = render(tmp_path_factory.mktemp("tier2"), answers)
    run(project, "uv", "sync", "--python", python, "--quiet")
    return project, answers


@pytest.mark.parametrize("installed", COVERING_ARRAY, indirect=True)
def test_mypy_strict(installed: tuple[Path, dict[str, str]]) -> None:
    project, _ = installed
    output = run(project, "uv", "run", "--no-sync", "mypy", ".")
    assert "Success: no issues found" in output


@pytest.mark.parametrize("installed", COVERING_ARRAY, indirect=True)
def test_lock_pins_exactly_the_tested_versions(installed: tuple[Path, dict[str, str]]) -> None:
    project, _ = installed
    tested = json.loads(TESTED_VERSIONS.read_text())["versions"]
    lock = tomllib.loads((project / "uv.lock").read_text())
    # The project itself is in the lock too, as a virtual package named by its slug.
    locked = [p for p in lock["package"] if p["name"] != project.name]
    assert len(locked) > 40
    untested = [
        f"{p['name']}=={p['version']}"
        for p in locked
        if p["version"] not in tested.get(p["name"], {})
    ]
    assert untested == [], f"uv.lock holds versions CI did not test; run `{REFRESH_COMMAND}`"


@pytest.mark.parametrize("installed", COVERING_ARRAY, indirect=True)
def test_pre_commit_hooks_pass_offline_with_the_locked_tools(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project, _ = installed
    for git in (("init", "-q"), ("add", "-A")):
        run(project, "git", *git)
    offline = {
        # An empty hook cache: a hook that names a remote repository would have to clone it,
        # and every proxied connection is refused.
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    output = run(project, "uv", "run", "--no-sync", "pre-commit", "run", "--all-files", env=offline)
    assert "Failed" not in output
    # Each hook reports by name; mypy --strict must have run, not been skipped.
    assert re.search(r"^mypy --strict\.+Passed$", output, re.MULTILINE), output
    run(project, "git", "diff", "--exit-code")


@pytest.mark.parametrize("installed", WITH_DEFAULT_STORE, indirect=True)
def test_own_tests_pass_on_the_default_store(
    installed: tuple[Path, dict[str, str]], request: pytest.FixtureRequest
) -> None:
    project, answers = installed
    assert_everything_passed(run_own_tests(project, cache_env(answers, request)))


@pytest.mark.parametrize("installed", WITH_POSTGRES, indirect=True)
def test_own_tests_pass_on_postgresql(
    installed: tuple[Path, dict[str, str]], postgres_url: str, request: pytest.FixtureRequest
) -> None:
    project, answers = installed
    env = {"TEST_DATABASE_URL": postgres_url} | cache_env(answers, request)
    assert_everything_passed(run_own_tests(project, env))


@pytest.mark.parametrize("installed", WITH_MONGO, indirect=True)
def test_own_tests_pass_on_a_mongodb_wire_protocol_server(
    installed: tuple[Path, dict[str, str]], mongodb_url: str, request: pytest.FixtureRequest
) -> None:
    project, answers = installed
    env = {"TEST_MONGODB_URL": mongodb_url} | cache_env(answers, request)
    assert_everything_passed(run_own_tests(project, env))


@pytest.mark.parametrize("installed", WITH_BROKER, indirect=True)
def test_own_event_tests_pass_on_a_real_broker(
    installed: tuple[Path, dict[str, str]], request: pytest.FixtureRequest
) -> None:
    project, answers = installed
    server = request.getfixturevalue(f"{answers['broker']}_server")
    env = {"TEST_BROKER_URL": server.url}
    if answers["database"] == "mongo":
        env["TEST_MONGODB_URL"] = request.getfixturevalue("mongodb_url")
    assert_everything_passed(run_own_tests(project, env, EVENT_TESTS))


def make_output(project: Path, target: str, env: dict[str, str]) -> str:
    """`make target`'s stdout and stderr together (uv warns on stderr); it must succeed."""
    result = subprocess.run(
        ["make", target],
        cwd=project,
        env=project_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout


def test_make_install_falls_back_to_a_newer_installed_python_and_says_so(tmp_path: Path) -> None:
    """python_version=3.11 where only 3.12 is installed, inside someone else's virtualenv."""
    python312 = find_python("3.12")
    if python312 is None:
        skip_or_fail("Python 3.12, the fallback for a missing 3.11")
    project = render(
        tmp_path, {"python_version": "3.11", "database": "none", "auth": "none", "broker": "none"}
    )
    # A PATH and a pyenv root holding only 3.12, and no Python uv manages.
    bin_dir, pyenv_root = tmp_path / "bin", tmp_path / "pyenv" / "versions"
    bin_dir.mkdir()
    pyenv_root.mkdir(parents=True)
    (pyenv_root / "3.12.99").symlink_to(Path(python312).resolve().parent.parent)
    for tool in ("make", "grep", "uv"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or tool)
    env = {
        "PATH": str(bin_dir),
        "PYENV_ROOT": str(pyenv_root.parent),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv-pythons"),
        "VIRTUAL_ENV": str(tmp_path / "elsewhere"),
    }

    installing = make_output(project, "install", env)
    formatting = make_output(project, "fmt", env)

    assert (project / ".python-version").read_text() == "3.11\n"
    fallback = f"Python 3.11 is not installed: using {pyenv_root}/3.12.99/bin/python3.12 instead"
    assert f"{fallback} (override: make install PYTHON=/path/to/python3.11)" in installing
    assert "VIRTUAL_ENV" not in installing + formatting
    # The later uv calls keep the fallback's .venv: no rebuild, no download.
    assert "Creating virtual environment" not in formatting
    assert "version_info = 3.12" in (project / ".venv" / "pyvenv.cfg").read_text()


@contextlib.contextmanager
def make_dev(
    project: Path,
    env: dict[str, str] | None = None,
    command: list[str] | None = None,
    log: Path | None = None,
) -> Iterator[str]:
    """`make dev` (or a `command` that ends in it) in the background; yields its URL.

    Its output goes to `log` when given (a pipe nobody reads would stall the server)."""
    port = free_port()
    with open(log or os.devnull, "wb") as output:
        process = subprocess.Popen(
            # No PYTHON=: the Makefile must find the interpreter itself, as for a user.
            command or ["make", "dev"],
            cwd=project,
            env={**os.environ, "PORT": str(port), **(env or {})},
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # The reloader waits for its worker; on a loaded machine that can outlast us.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def serves_docs(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/docs", timeout=2) as response:
        assert response.status == 200
        assert b"swagger-ui" in response.read()
        return True


def assert_serves_docs_and_creates_an_item(url: str, auth: dict[str, str] | None = None) -> None:
    """Waits for /docs, then creates an item: signed in (the default auth=jwt) or with `auth`."""
    wait_until(
        lambda: serves_docs(url),
        180,
        what=f"make dev serving {url}/docs",
        interval=0.5,
        ignoring=(OSError,),
    )
    request = urllib.request.Request(
        f"{url}/items",
        data=b'{"name": "first"}',
        headers={"Content-Type": "application/json", **(auth or sign_up_and_log_in(url))},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201


def readme_quick_start() -> list[str]:
    """The lines of the first code block of the template README's Quick start."""
    readme = (TEMPLATE_DIR / "README.md").read_text()
    section = readme.partition("## Quick start\n")[2].partition("\n## ")[0]
    block = section.partition("```bash\n")[2].partition("```")[0]
    return block.splitlines()


def path_without_cookiecutter(bin_dir: Path) -> str:
    """uv, uvx and the system's tools, as on a fresh machine: no cookiecutter anywhere."""
    bin_dir.mkdir()
    for tool in ("uv", "uvx"):
        (bin_dir / tool).symlink_to(Path(sys.executable).parent / tool)
    path = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    assert shutil.which("cookiecutter", path=path) is None
    return path


def test_make_dev_serves_docs_on_sqlite(tmp_path: Path) -> None:
    """The README's first command, literally, from an empty directory with TEMPLATE naming
    the template's checkout (as a user elsewhere sets it), inside an activated virtualenv."""
    command = readme_quick_start()
    assert command[0].startswith("TEMPLATE=${TEMPLATE:-.}")
    assert command[1].startswith("uvx cookiecutter ")
    (tmp_path / "work").mkdir()
    env = {
        "PATH": path_without_cookiecutter(tmp_path / "bin"),
        "TEMPLATE": str(TEMPLATE_DIR),
        "PWD": str(tmp_path / "work"),
        "VIRTUAL_ENV": str(Path(sys.executable).parent.parent),
    }
    log = tmp_path / "quick-start.log"
    with make_dev(tmp_path / "work", env, ["bash", "-ec", "\n".join(command)], log) as url:
        assert_serves_docs_and_creates_an_item(url)
    assert (tmp_path / "work" / "services" / "orders-service" / "uv.lock").is_file()
    # uv warns on every call when an activated virtualenv is not the project's .venv.
    assert "VIRTUAL_ENV" not in log.read_text(), log.read_text()[-3000:]


def test_make_dev_on_mongo_says_what_it_needs_then_serves(tmp_path: Path, mongodb_url: str) -> None:
    project = render(tmp_path, {"database": "mongo"})
    nowhere = f"mongodb://127.0.0.1:{free_port()}"

    result = subprocess.run(
        ["make", "dev"],
        cwd=project,
        env={
            **os.environ,
            "ORDERS_SERVICE_MONGODB_URL": nowhere,
            "ORDERS_SERVICE_MONGODB_TIMEOUT_SECONDS": "1",
        },
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )

    assert result.returncode != 0
    assert f"Cannot reach MongoDB at {nowhere} within 1s" in result.stderr
    assert "docker run -d --name mongo -p 27017:27017 mongo:8" in result.stderr
    with make_dev(project, {"ORDERS_SERVICE_MONGODB_URL": mongodb_url}) as url:
        assert_serves_docs_and_creates_an_item(url)


def test_make_dev_with_api_keys_accepts_the_local_key_kept_in_env(tmp_path: Path) -> None:
    """auth=api-key without a database: the post-gen hook's key, on its .env comment line,
    works at once."""
    project = render(tmp_path, {"database": "none", "auth": "api-key"})
    written = re.search(
        r"^# X-API-Key: (orders_service_\S+)$", (project / ".env").read_text(), re.M
    )
    assert written is not None
    with make_dev(project) as url:
        assert_serves_docs_and_creates_an_item(url, {"X-API-Key": written[1]})
