"""Drive a URL with wrk and parse the line report.lua prints."""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("report.lua")
# POST /items with a unique name per request (and report.lua's counting).
WRITE_SCRIPT = Path(__file__).with_name("write.lua")
THREADS = 2
# A request slower than this counts as a wrk timeout (an error, and a stall).
REQUEST_TIMEOUT_S = 2
# The smoke's limit: CI shares two cores with everything else, so only a request
# stuck for this long is a stall there (the smoke never judges speed).
SMOKE_REQUEST_TIMEOUT_S = 15
_request_timeout_s = REQUEST_TIMEOUT_S


def set_request_timeout(seconds: int) -> None:
    global _request_timeout_s
    _request_timeout_s = seconds


RESULT_PREFIX = "BENCH_RESULT "
# Tags the item names of each write run: names stay unique across runs on one database.
_RUN_TAGS = itertools.count(1)


@dataclass(frozen=True)
class LoadResult:
    connections: int
    requests: int
    duration_s: float
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        return self.non2xx + sum(self.socket_errors.values())

    @property
    def stalled(self) -> bool:
        # Nothing served, or some request waited past wrk's timeout.
        return self.requests == 0 or self.socket_errors["timeout"] > 0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "errors": self.errors, "stalled": self.stalled}


def run_wrk(
    url: str,
    *,
    connections: int,
    duration_s: int,
    headers: Mapping[str, str] | None = None,
    write: bool = False,
    script: Path | None = None,
    script_args: Sequence[str] = (),
) -> LoadResult:
    """GET `url`, or with `write` POST new items to it, for `duration_s` seconds.

    `script` replaces both: a Lua script that dofile()s report.lua, given `script_args`.
    """
    header_args = [
        arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")
    ]
    if script is not None:
        script_args = ["--", *script_args]
    elif write:
        script, script_args = WRITE_SCRIPT, ["--", f"w{next(_RUN_TAGS)}"]
    else:
        script, script_args = LUA_SCRIPT, []
    command = [
        "wrk", f"-t{THREADS}", f"-c{connections}", f"-d{duration_s}s",
        f"--timeout={_request_timeout_s}s", "-s", str(script), *header_args, url, *script_args,
    ]  # fmt: skip
    # The wrk process is killed by subprocess.run if we are interrupted.
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=duration_s + 60
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return _parse(completed.stdout, connections)


def _parse(output: str, connections: int) -> LoadResult:
    line = next((ln for ln in output.splitlines() if ln.startswith(RESULT_PREFIX)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no {RESULT_PREFIX.strip()} line:\n{output}")
    raw = json.loads(line.removeprefix(RESULT_PREFIX))
    duration_s = raw["duration_us"] / 1e6
    return LoadResult(
        connections=connections,
        requests=raw["requests"],
        duration_s=duration_s,
        requests_per_s=raw["requests"] / duration_s if duration_s else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        non2xx=raw["non2xx"],
        socket_errors={key: raw[key] for key in ("connect", "read", "write", "timeout")},
    )
