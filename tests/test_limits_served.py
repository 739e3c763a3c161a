"""What a rendering served exactly as its Dockerfile serves it does with abusive requests.

The in-memory rendering (the smallest) runs the image's own CMD: a 50 MB header
is refused, a body that never finishes is answered 408, and a 100 MB body is
refused with 413 while the process's resident memory barely moves.
"""

from __future__ import annotations

import json
import re
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path

import httpx
import pytest

from tests.polling import wait_until
from tests.project import project_env
from tests.served import install
from tests.services import free_port, stop_process

pytestmark = [pytest.mark.contract, pytest.mark.xdist_group("contract-none")]

PREFIX = "ORDERS_SERVICE_"
BODY_TIMEOUT_SECONDS = 2
MB = 1024 * 1024


@dataclass
class Served:
    port: int
    pid: int
    log: Path


def dockerfile_command(project: Path) -> list[str]:
    """The exec-form CMD of the rendering's Dockerfile."""
    match = re.search(r"^CMD (\[.*\])$", (project / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "no exec-form CMD in the Dockerfile"
    command: list[str] = json.loads(match.group(1))
    return command


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    project = install("none", tmp_path_factory)
    command = dockerfile_command(project)
    assert command[0] == "uvicorn"
    port = free_port()
    # Host, port and workers come from the environment, as in the image.
    env = {
        "UVICORN_HOST": "127.0.0.1",
        "UVICORN_PORT": str(port),
        "WEB_CONCURRENCY": "1",
        f"{PREFIX}REQUEST_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT_SECONDS),
    }
    log_path = project / "uvicorn-limits.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(project / ".venv" / "bin" / command[0]), *command[1:]],
        cwd=project,
        env=project_env(env),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200,
            60,
            what="the Dockerfile's command answering /health",
            interval=0.2,
            ignoring=(httpx.HTTPError,),
        )
        yield Served(port, process.pid, log_path)
    finally:
        stop_process(process)
        log.close()


def connect(served: Served) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def read_response(connection: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes or `deadline` (monotonic) passes."""
    received = b""
    while time.monotonic() < deadline:
        readable, _, _ = select.select([connection], [], [], deadline - time.monotonic())
        if not readable:
            break
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
        if b"\r\n\r\n" in received and _complete(received):
            break
    return received


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length: *(\d+)", head)
    return length is not None and len(body) >= int(length.group(1))


def send_until_refused(connection: socket.socket, data: Iterator[bytes]) -> tuple[int, bytes]:
    """Send `data` until the server answers or closes; (bytes sent, what it answered)."""
    sent, answer = 0, b""
    for chunk in data:
        readable, _, _ = select.select([connection], [], [], 0)
        if readable:
            break
        try:
            connection.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(chunk)
    answer = read_response(connection, time.monotonic() + 10)
    return sent, answer


def status_of(response: bytes) -> int | None:
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", response)
    return int(match.group(1)) if match else None


def test_a_50_mb_header_is_refused_before_it_is_read(served: Served) -> None:
    started = time.monotonic()
    with connect(served) as connection:
        head = b"GET /health HTTP/1.1\r\nHost: test\r\nX-Padding: "
        padding = repeat(b"a" * 65536, 50 * 16)
        sent, answer = send_until_refused(connection, chain([head], padding))
    elapsed = time.monotonic() - started

    print(
        f"\n50 MB header: refused after {sent / MB:.2f} MB sent in {elapsed:.2f} s: {answer[:12]!r}"
    )
    # h11's 64 KiB limit: a 400 (or a reset that overtook it), long before 50 MB arrive.
    assert status_of(answer) in (400, None)
    assert sent < 8 * MB
    assert elapsed < 10


def test_a_body_that_never_finishes_is_answered_408_and_closed(served: Served) -> None:
    with connect(served) as connection:
        connection.sendall(
            b"POST /items HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"name": '
        )
        started = time.monotonic()
        answer = read_response(connection, started + BODY_TIMEOUT_SECONDS + 8)
        answered = time.monotonic() - started
        closed = read_response(connection, time.monotonic() + 8) == b""

    print(f"\nstalled body: {status_of(answer)} after {answered:.2f} s")
    assert status_of(answer) == 408, answer[:200]
    assert b"application/problem+json" in answer
    assert BODY_TIMEOUT_SECONDS - 0.5 < answered < BODY_TIMEOUT_SECONDS + 3
    assert closed


def resident_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match, "no VmRSS"
    return int(match.group(1))


class PeakResidentMemory:
    """Samples a process's RSS every few milliseconds while in use; keeps the highest."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = resident_kib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, resident_kib(self.pid))

    def __enter__(self) -> PeakResidentMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_kib(self.pid))


BODY = 100 * MB
CHUNK = b"x" * MB


def declared_body(size: int) -> Iterator[bytes]:
    yield (
        b"POST /items HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    yield from repeat(CHUNK, size // MB)


def chunked_body(size: int) -> Iterator[bytes]:
    yield (
        b"POST /items HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    yield from repeat(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK), size // MB)
    yield b"0\r\n\r\n"


def send_all(served: Served, body: Iterator[bytes]) -> tuple[int, bytes]:
    """Send the whole body whatever the server answered early; (bytes sent, the answer)."""
    sent = 0
    with connect(served) as connection:
        for chunk in body:
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return sent, read_response(connection, time.monotonic() + 10)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_100_mb_anonymous_body_is_413_and_rss_grows_under_10_mb(
    served: Served, framing: str
) -> None:
    body = declared_body if framing == "content-length" else chunked_body
    # Warm up the refusal path, so its first use's imports and caches do not count.
    send_all(served, body(2 * MB))
    before = resident_kib(served.pid)

    with PeakResidentMemory(served.pid) as memory:
        sent, answer = send_all(served, body(BODY))

    growth_mb = (memory.peak - before) / 1024
    print(
        f"\n100 MB body ({framing}): {status_of(answer)}, {sent / MB:.0f} MB sent, "
        f"RSS {before / 1024:.1f} MB before, peak {memory.peak / 1024:.1f} MB, "
        f"growth {growth_mb:.1f} MB"
    )
    assert status_of(answer) == 413, answer[:200]
    assert b"application/problem+json" in answer
    assert growth_mb < 10


def test_its_log_is_json_lines_without_colour_codes_and_access_lines_name_the_client(
    served: Served,
) -> None:
    httpx.get(f"http://127.0.0.1:{served.port}/items", timeout=5)
    time.sleep(0.2)  # the access line reaches the file

    lines = served.log.read_bytes().splitlines()

    assert lines, "nothing logged"
    assert all(b"\x1b" not in line and b"\\u001b" not in line for line in lines)
    entries = [json.loads(line) for line in lines]  # every line is JSON
    assert any(entry.get("logger") == "uvicorn.error" for entry in entries)
    access = [entry for entry in entries if entry.get("logger") == "app.access"]
    assert access and all(entry["client"].startswith("127.0.0.1:") for entry in access)
