"""Real backing services for the template's tests, started on free loopback ports.

Each starter is a context manager that yields a connection URL and stops the
server afterwards. When a server binary is missing, `ServiceUnavailable` is
raised; the fixtures turn that into a skip locally and into a failure when
TEMPLATE_REQUIRE_SERVICES=1 (which .ci/run sets), so CI never passes by skipping.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class ServiceUnavailable(RuntimeError):
    """A server this test needs is not installed on this machine."""


def services_required() -> bool:
    return os.environ.get("TEMPLATE_REQUIRE_SERVICES") == "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within the timeout."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), 0.5),
        ):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _postgres_bin(name: str) -> str:
    for directory in POSTGRES_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        raise ServiceUnavailable(
            f"PostgreSQL's {name} is not installed (apt-get install postgresql)"
        )
    return found


def _as_postgres_user() -> dict[str, object]:
    # initdb refuses to run as root; run the server as the unprivileged postgres user.
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError as error:
        raise ServiceUnavailable("no 'postgres' system user to run PostgreSQL as") from error
    return {"user": user.pw_uid, "group": user.pw_gid}


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields a postgresql+asyncpg URL to its `postgres` db."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    run_as = _as_postgres_user()
    workdir = Path(tempfile.mkdtemp(prefix="template-pg-"))
    if run_as:
        os.chown(workdir, run_as["user"], run_as["group"])  # type: ignore[arg-type]
    data, port = workdir / "data", free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {workdir} -c fsync=off"
    try:
        subprocess.run(
            [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        subprocess.run(
            [pg_ctl, "-D", str(data), "-l", str(workdir / "log"), "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                **run_as,  # type: ignore[arg-type]
            )
        shutil.rmtree(workdir, ignore_errors=True)


def _secantusd() -> str:
    # Installed into the template's venv by the `test` dependency group.
    beside_python = Path(sys.executable).parent / "secantusd-py"
    found = str(beside_python) if beside_python.exists() else shutil.which("secantusd-py")
    if found is None:
        raise ServiceUnavailable("SecantusDB's secantusd-py is not installed (uv sync)")
    return found


@contextlib.contextmanager
def mongodb_server(port: int | None = None, storage: Path | None = None) -> Iterator[str]:
    """A SecantusDB server (MongoDB wire protocol); yields a mongodb:// URL.

    Pass the port and storage of a stopped server to start it again with its data.
    """
    secantusd = _secantusd()
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="template-mongo-"))
    storage = storage or workdir / "data"
    storage.mkdir(parents=True, exist_ok=True)
    with (workdir / "log").open("wb") as log:
        process = subprocess.Popen(
            [secantusd, "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_port(port)
        yield f"mongodb://127.0.0.1:{port}"
    finally:
        stop_process(process)
        shutil.rmtree(workdir, ignore_errors=True)
