"""Start one uvicorn server, time its startup, read its memory, always stop it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.01


@dataclass(frozen=True)
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    startup_s: float

    def url(self, path: str) -> str:
        return self.base_url + path

    def rss_mib(self) -> float:
        return _status_kib(self.process.pid, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        return cpu_seconds(self.process.pid)

    def peak_rss_mib(self) -> float:
        return _status_kib(self.process.pid, "VmHWM") / 1024

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.process.returncode}:\n{log_tail(self.log_path)}"
            )


def uvicorn_command(python: Path, app_args: list[str], port: int, flags: list[str]) -> list[str]:
    # --workers 1 explicitly: uvicorn would otherwise honour WEB_CONCURRENCY, and
    # with one worker it serves in-process, so the spawned pid is the server.
    return [
        str(python), "-m", "uvicorn", *app_args,
        "--host", HOST, "--port", str(port), "--workers", "1", "--no-access-log", *flags,
    ]  # fmt: skip


@contextlib.contextmanager
def serve(
    name: str, command: list[str], *, port: int, cwd: Path, env: dict[str, str], log_path: Path
) -> Iterator[Server]:
    """Run a server until the block exits; startup is timed to the first 200 on /health."""
    base_url = f"http://{HOST}:{port}"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        # A new session keeps Ctrl-C away from the server: we stop it ourselves,
        # in order, after the load generator.
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(name, process, base_url + "/health", log_path)
        startup_s = time.perf_counter() - started
        yield Server(name, process, base_url, log_path, startup_s)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def get(
    url: str, *, timeout: float = 5.0, headers: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def log_tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_healthy(name: str, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.perf_counter() + STARTUP_TIMEOUT_S
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_tail(log)}")
        with contextlib.suppress(OSError):
            if get(url, timeout=1.0)[0] == 200:
                return
        time.sleep(POLL_INTERVAL_S)
    raise TimeoutError(f"{name}: {url} not healthy after {STARTUP_TIMEOUT_S}s:\n{log_tail(log)}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used so far."""
    # /proc/PID/stat: fields 14 and 15 (utime, stime), after the parenthesised name.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")
