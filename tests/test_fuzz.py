"""Schemathesis against every database x auth variant, served by uvicorn: no check may fail.

Each of the 12 services (SQLite, real PostgreSQL, SecantusDB and memory, times jwt,
api-key and none) is rendered, migrated and served as in the contract tier, and
signed in to as a real client would: jwt registers an account and logs in through
the API, api-key uses a key made with the rendering's own CLI. Schemathesis then runs
every phase (examples, coverage, fuzzing, stateful) with every check, a fixed seed
and a bounded number of cases; the run must report no failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.accounts import sign_up_and_log_in
from tests.project import migrate_store, run, uvicorn
from tests.served import PREFIX, VARIANTS, install, store_settings
from tests.services import postgres_bin

pytestmark = pytest.mark.fuzz

AUTHS = ("jwt", "api-key", "none")
# Fixed, so a failure reproduces; TEMPLATE_FUZZ_SEED and TEMPLATE_FUZZ_EXAMPLES explore further.
SEED = int(os.environ.get("TEMPLATE_FUZZ_SEED", "20261201"))
# Cases per operation and phase: the whole tier takes about 160 s on two workers.
MAX_EXAMPLES = int(os.environ.get("TEMPLATE_FUZZ_EXAMPLES", "5"))
# Statuses a schema-valid request may get besides Schemathesis' defaults, per operation.
# A well-formed but wrong password, or a refresh token that was never issued, is the
# client's error: 400 `invalid_grant` (RFC 6749, section 5.2), not a rejected schema.
# A `cursor` matching its declared pattern is still 422 unless a previous page made it:
# no schema can describe its check digest.
POSITIVE_DATA_ALSO_ACCEPTS: dict[str, list[str]] = {
    "POST /auth/token": ["400"],
    "POST /auth/refresh": ["400"],
    "GET /items": ["422"],
}
POSITIVE_DATA_ACCEPTANCE = ["2xx", "401", "403", "404", "409", "429", "5xx"]


def schemathesis_config(directory: Path) -> Path:
    """schemathesis.toml with the per-operation exceptions above."""
    lines = []
    for operation, statuses in POSITIVE_DATA_ALSO_ACCEPTS.items():
        expected = ", ".join(f'"{status}"' for status in [*POSITIVE_DATA_ACCEPTANCE, *statuses])
        lines += [
            "[[operations]]",
            f'include-name = "{operation}"',
            f"checks.positive_data_acceptance.expected-statuses = [{expected}]",
        ]
    path = directory / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass(frozen=True)
class Target:
    variant: str
    database: str
    auth: str

    @property
    def id(self) -> str:
        return f"{self.variant}-{self.auth}"


TARGETS = [
    pytest.param(
        Target(variant, database, auth),
        id=f"{variant}-{auth}",
        # Both PostgreSQL variants share one rendering per worker.
        marks=pytest.mark.xdist_group(f"fuzz-{database}-{auth}"),
    )
    for variant, database in VARIANTS.items()
    for auth in AUTHS
]


def fresh_postgres(url: str) -> str:
    """A new, empty database on the session's server: renderings' migrations differ by auth."""
    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    match = re.fullmatch(r"postgresql\+asyncpg://(\w+)@([\d.]+):(\d+)/\w+", url)
    assert match, url
    user, host, port = match.groups()
    createdb = postgres_bin("createdb")
    subprocess.run([createdb, "-h", host, "-p", port, "-U", user, name], check=True, timeout=30)
    return url.rsplit("/", 1)[0] + f"/{name}"


def store_for(target: Target, project: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """A fresh, migrated store: the contract tier's, but one PostgreSQL database per service."""
    if target.variant != "postgres-on-postgresql":
        return store_settings(target.variant, project, request)
    database_url = fresh_postgres(request.getfixturevalue("postgres_url"))
    return migrate_store(project, {f"{PREFIX}DATABASE_URL": database_url})


KEY_ARGUMENTS = ("--name", "fuzz", "--scopes", "items:read", "items:write")


def api_key_by_cli(project: Path, env: dict[str, str], database: str) -> tuple[str, dict[str, str]]:
    """A key made the way an operator makes one: the key, and settings the service needs."""
    cli = ["uv", "run", "--no-sync", "python", "-m", "app.cli"]
    if database == "none":
        printed = run(project, *cli, "hash-api-key", *KEY_ARGUMENTS, env=env).splitlines()
        return printed[1], {f"{PREFIX}API_KEYS": f"[{printed[3]}]"}
    return run(project, *cli, "create-api-key", *KEY_ARGUMENTS, "admin", env=env).strip(), {}


def credentials(target: Target, url: str, api_key: str | None) -> dict[str, str]:
    """The header a signed-in client sends."""
    if target.auth == "jwt":
        return sign_up_and_log_in(url)
    if target.auth == "api-key":
        assert api_key is not None
        return {"X-API-Key": api_key}
    return {}


def schemathesis(
    url: str, headers: dict[str, str], workdir: Path
) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).with_name("st")
    config = schemathesis_config(workdir)
    command = [str(st), "--config-file", str(config), "run", f"{url}/openapi.json"]
    command += ["--checks", "all", "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES)]
    # No example database: every run starts from the seed alone, as in CI.
    command += ["--generation-database", "none", "--request-timeout", "10"]
    command += ["--no-color", "--output-truncate", "false", "--warnings", "off"]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=180, check=False
    )


# Schemathesis' summary line, e.g. "1029 generated, 1029 passed".
CASES = re.compile(r"(\d+) generated, (\d+) (?:passed|found)")


@pytest.mark.parametrize("target", TARGETS)
def test_schemathesis_finds_no_failure(
    target: Target,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    project = install(target.database, tmp_path_factory, target.auth)
    env = {f"{PREFIX}ACCESS_LOG": "false"} | store_for(target, project, request)
    api_key = None
    if target.auth == "api-key":
        api_key, key_settings = api_key_by_cli(project, env, target.database)
        env |= key_settings
    with uvicorn(project, env) as url:
        started = time.monotonic()
        result = schemathesis(url, credentials(target, url, api_key), tmp_path)
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
    cases = CASES.search(result.stdout)
    assert cases, result.stdout[-3000:]
    print(f"{target.id}: {cases.group(1)} cases, 0 failures, {elapsed:.0f}s")
