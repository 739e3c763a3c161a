"""Load benchmark of the rendered service against minimal baselines.

    python bench/run.py [--quick] [--duration S] [--json PATH]

One run renders the template's defaults (database=postgres, but auth=none) into a temp dir,
builds its venv with `uv sync --no-dev`, starts a throwaway PostgreSQL,
migrates it and seeds one item. Then, one server at a time, each a single
uvicorn worker with the same flags and the rendered project's interpreter:

    starlette     bare Starlette GET /health              (baseline_starlette.py)
    raw-asyncpg   FastAPI + asyncpg pool GET /items/{id}  (baseline_asyncpg.py)
    rendered      the rendered service, default settings (access log on)
    rendered      again with the access log off (secondary rows)
    jwt           the auth=jwt rendering (its own PostgreSQL), GET /items/{id}
                  with a Bearer token, access log on and off (--no-jwt skips it)
    mongo         the database=mongo rendering on SecantusDB, GET /items/{id}
                  (context only: SecantusDB is a stand-in, not MongoDB; --no-mongo skips it)

plus, as context, the raw-asyncpg app at 256 connections and its own /health
(FastAPI's floor, which separates the framework's cost from the template's).

Each endpoint gets a short wrk warm-up, then a measured wrk run (2 threads,
64 connections); the rendered GET /items/{id} also gets a 256-connection run
that must finish with zero errors and no stall. The ratios against the
baselines are informational: the exit status is 0 unless something crashed
or the 256-connection run saw errors or a stall.

Everything listens on loopback only. uv runs --offline (the template's CI
warms its cache); pass --uv-online on a machine with a cold uv cache.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR.parent
# postgres_server() lives in the template's test helpers; import it, don't copy it.
# After bench/ itself (sys.path[0]), so the repo root never shadows these modules.
sys.path.insert(1, str(TEMPLATE_DIR))

import project  # noqa: E402
import report  # noqa: E402
from loadgen import THREADS, LoadResult, run_wrk  # noqa: E402
from servers import Server, get, log_tail, serve, uvicorn_command  # noqa: E402

from tests.accounts import sign_up_and_log_in  # noqa: E402
from tests.services import free_port, mongodb_server, postgres_server  # noqa: E402

CONNECTIONS = 64
HIGH_CONNECTIONS = 256
RENDERED_APP = ["--factory", "app.main:create_app"]
BASELINE_APP = ["--app-dir", str(BENCH_DIR)]
# The authenticated case signs in once; the token must outlive every wrk run.
JWT_TOKEN_MINUTES = "120"
SEED_ITEM = {"name": "bench-item", "description": "Seeded by bench/run.py", "quantity": 42}


@dataclass(frozen=True)
class Timing:
    duration_s: int
    warmup_s: int


@dataclass(frozen=True)
class Target:
    """One server to start and the GET it answers, for the interleaved rounds."""

    label: str
    runner: Runner
    app_args: list[str]
    cwd: Path
    env: dict[str, str]
    path: str
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Results:
    settings: dict[str, object]
    versions: dict[str, str]
    cases: list[report.Case]
    high_load: LoadResult
    elapsed_s: float
    rounds: list[dict[str, report.RoundResult]]

    @property
    def stall_check_passed(self) -> bool:
        return self.high_load.errors == 0 and not self.high_load.stalled

    def stall_verdict(self) -> str:
        load = self.high_load
        kinds = {"non-2xx": load.non2xx, **load.socket_errors}
        errors = ", ".join(f"{kind} {count}" for kind, count in kinds.items() if count)
        details = f"errors: {errors or 'none'}; max latency {load.max_ms:.0f} ms"
        return f"{'OK' if self.stall_check_passed else 'FAILED'} ({details})"

    def as_dict(self) -> dict[str, object]:
        return {
            "settings": self.settings,
            "versions": self.versions,
            "cases": [case.as_dict() for case in report.ordered(self.cases)],
            "ratios": [ratio.as_dict() for ratio in report.ratios(self.cases)],
            "stall_check": {
                "passed": self.stall_check_passed,
                "errors": self.high_load.errors,
                "stalled": self.high_load.stalled,
                "verdict": self.stall_verdict(),
            },
            "rounds": [
                {label: result.as_dict() for label, result in entry.items()}
                for entry in self.rounds
            ],
            "round_ratios": [ratio.as_dict() for ratio in report.round_ratios(self.rounds)],
            "elapsed_s": self.elapsed_s,
        }


@dataclass(frozen=True)
class Runner:
    """Starts servers with identical uvicorn flags and measures their endpoints."""

    python: Path
    flags: list[str]
    logs_dir: Path
    timing: Timing

    @contextlib.contextmanager
    def start(
        self, name: str, app_args: list[str], *, cwd: Path, env: dict[str, str]
    ) -> Iterator[Server]:
        port = free_port()
        command = uvicorn_command(self.python, app_args, port, self.flags)
        log_path = self.logs_dir / f"{name}.log"
        _say(f"starting {name}")
        with serve(name, command, port=port, cwd=cwd, env=env, log_path=log_path) as server:
            _say(f"{name} answered /health after {server.startup_s:.2f}s")
            yield server

    def measure(
        self,
        server: Server,
        label: str,
        path: str,
        *,
        connections: int = CONNECTIONS,
        headers: Mapping[str, str] | None = None,
    ) -> report.Case:
        url = server.url(path)
        _expect_ok(server, path, headers=headers)
        if self.timing.warmup_s:
            # Fills pools and caches (SQLAlchemy's compiled statements, the
            # asyncpg statement cache) so the measured run sees steady state.
            run_wrk(url, connections=connections, duration_s=self.timing.warmup_s, headers=headers)
        cpu_before = server.cpu_seconds()
        load = run_wrk(
            url, connections=connections, duration_s=self.timing.duration_s, headers=headers
        )
        cpu_us = (server.cpu_seconds() - cpu_before) * 1e6
        server.check_alive()
        case = report.Case(
            label=label,
            url=url,
            load=load,
            rss_mib=server.rss_mib(),
            peak_rss_mib=server.peak_rss_mib(),
            cpu_us_per_request=cpu_us / load.requests if load.requests else 0.0,
            startup_s=server.startup_s,
        )
        _say(f"{label}: {load.requests_per_s:,.0f} req/s, {load.errors} errors")
        return case


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--warmup", type=int, default=None, help="seconds of warm-up (2)")
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-up")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--uv-online", action="store_true", help="let uv reach the index")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, project)")
    parser.add_argument("--no-mongo", action="store_true", help="skip the database=mongo case")
    parser.add_argument("--no-jwt", action="store_true", help="skip the auth=jwt cases")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds of the item reads, all servers up (3; 0 skips)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 3
    if args.warmup is None:
        args.warmup = 1 if args.quick else 2
    if args.duration < 1 or args.warmup < 0:
        parser.error("--duration must be >= 1 and --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (e.g. make being stopped) unwinds like Ctrl-C, so every finally runs.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        results = run(args)
    except KeyboardInterrupt:
        _say("interrupted; every process it started has been stopped")
        return 130
    except (RuntimeError, TimeoutError) as error:
        _say(f"FAILED: {error}")
        return 1
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps(results.as_dict(), indent=2) + "\n")
    return 0 if results.stall_check_passed else 1


def run(args: argparse.Namespace) -> Results:
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(_workdir(keep=args.keep))
        _say(f"rendering the template into {workdir}")
        # auth=none: the benchmark measures the item read path, as before the auth option.
        project_dir = project.render(TEMPLATE_DIR, workdir, auth="none")
        prefix = project.env_prefix(project_dir)
        _say("uv sync --no-dev")
        python = project.sync_venv(
            project_dir, project.child_env(prefix), offline=not args.uv_online
        )
        runner = Runner(
            python=python,
            flags=project.fast_stack_flags(python),
            logs_dir=workdir,
            timing=Timing(args.duration, args.warmup),
        )
        database_url = stack.enter_context(postgres_server())
        service_env = project.child_env(prefix, **{f"{prefix}DATABASE_URL": database_url})
        _say("alembic upgrade head")
        project.migrate(project_dir, service_env)
        cases, item_path = measure_all(runner, project_dir, prefix, service_env, database_url)
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        targets = [
            Target(
                report.ASYNCPG_ITEM,
                runner,
                [*BASELINE_APP, "baseline_asyncpg:app"],
                BENCH_DIR,
                project.child_env(prefix, BENCH_DATABASE_DSN=dsn),
                item_path,
            ),
            Target(report.RENDERED_ITEM, runner, RENDERED_APP, project_dir, service_env, item_path),
        ]
        if not args.no_jwt:
            jwt_target = stack.enter_context(jwt_project(runner, workdir / "jwt", args))
            cases.extend(measure_jwt(jwt_target))
            targets.append(jwt_target)
        rounds = measure_rounds(targets, args.rounds, runner.timing) if args.rounds else []
        if not args.no_mongo:
            cases.append(measure_mongo(runner, workdir / "mongo", offline=not args.uv_online))
        settings: dict[str, object] = {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "wrk_threads": THREADS,
            "uvicorn_flags": ["--workers", "1", "--no-access-log", *runner.flags],
        }
        return Results(
            settings=settings,
            versions=project.package_versions(python),
            cases=cases,
            high_load=_case(cases, report.RENDERED_ITEM_HIGH).load,
            elapsed_s=round(time.perf_counter() - started, 1),
            rounds=rounds,
        )


def measure_all(
    runner: Runner, project_dir: Path, prefix: str, service_env: dict[str, str], database_url: str
) -> tuple[list[report.Case], str]:
    cases: list[report.Case] = []
    # The rendered service goes first: it creates the item every case reads.
    with runner.start("rendered", RENDERED_APP, cwd=project_dir, env=service_env) as server:
        item_path = f"/items/{_seed_item(server)}"
        expected_item = _get_json(server, item_path)
        cases.append(runner.measure(server, report.RENDERED_HEALTH, "/health"))
        cases.append(runner.measure(server, report.RENDERED_ITEM, item_path))
        cases.append(
            runner.measure(
                server, report.RENDERED_ITEM_HIGH, item_path, connections=HIGH_CONNECTIONS
            )
        )

    quiet_env = {**service_env, f"{prefix}ACCESS_LOG": "false"}
    with runner.start(
        "rendered-no-access-log", RENDERED_APP, cwd=project_dir, env=quiet_env
    ) as server:
        cases.append(runner.measure(server, report.RENDERED_HEALTH_QUIET, "/health"))
        cases.append(runner.measure(server, report.RENDERED_ITEM_QUIET, item_path))

    baseline_app = BASELINE_APP
    baseline_env = project.child_env(prefix)
    with runner.start(
        "starlette", [*baseline_app, "baseline_starlette:app"], cwd=BENCH_DIR, env=baseline_env
    ) as server:
        cases.append(runner.measure(server, report.STARLETTE_HEALTH, "/health"))

    # asyncpg takes a plain libpq URL, without SQLAlchemy's "+asyncpg" driver suffix.
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    with runner.start(
        "raw-asyncpg",
        [*baseline_app, "baseline_asyncpg:app"],
        cwd=BENCH_DIR,
        env={**baseline_env, "BENCH_DATABASE_DSN": dsn},
    ) as server:
        _warn_if_different(expected_item, _get_json(server, item_path))
        cases.append(runner.measure(server, report.ASYNCPG_ITEM, item_path))
        # Context, not targets: the same 256-connection load on the baseline shows
        # whether a stall is the service's or the machine's; its /health is
        # FastAPI's own floor, separating the framework's cost from the template's.
        cases.append(
            runner.measure(
                server, report.ASYNCPG_ITEM_HIGH, item_path, connections=HIGH_CONNECTIONS
            )
        )
        cases.append(runner.measure(server, report.FASTAPI_HEALTH, "/health"))

    return cases, item_path


@contextlib.contextmanager
def jwt_project(runner: Runner, workdir: Path, args: argparse.Namespace) -> Iterator[Target]:
    """The auth=jwt rendering on its own PostgreSQL, with a user and an item to read.

    Issue #3: authentication must not add a database round trip to GET
    /items/{id}, so it is held to the same ratio against the raw-asyncpg
    baseline of this run.
    """
    _say("rendering auth=jwt")
    project_dir = project.render(TEMPLATE_DIR, workdir, auth="jwt")
    prefix = project.env_prefix(project_dir)
    python = project.sync_venv(project_dir, project.child_env(prefix), offline=not args.uv_online)
    jwt_runner = Runner(python, runner.flags, runner.logs_dir, runner.timing)
    with postgres_server() as database_url:
        env = project.child_env(
            prefix,
            **{
                f"{prefix}DATABASE_URL": database_url,
                f"{prefix}ACCESS_TOKEN_MINUTES": JWT_TOKEN_MINUTES,
            },
        )
        project.migrate(project_dir, env)
        with jwt_runner.start(
            "rendered-jwt-setup", RENDERED_APP, cwd=project_dir, env=env
        ) as server:
            headers = sign_up_and_log_in(server.base_url)
            item_path = f"/items/{_seed_item(server, headers)}"
        # The signing key comes from the project's .env: the token outlives this server.
        yield Target(
            report.JWT_ITEM, jwt_runner, RENDERED_APP, project_dir, env, item_path, headers
        )


def measure_jwt(target: Target) -> list[report.Case]:
    """GET /items/{id} with a Bearer token, access log on, then off."""
    cases: list[report.Case] = []
    prefix = project.env_prefix(target.cwd)
    quiet_env = {**target.env, f"{prefix}ACCESS_LOG": "false"}
    for name, label, env in (
        ("rendered-jwt", report.JWT_ITEM, target.env),
        ("rendered-jwt-no-access-log", report.JWT_ITEM_QUIET, quiet_env),
    ):
        with target.runner.start(name, target.app_args, cwd=target.cwd, env=env) as server:
            cases.append(target.runner.measure(server, label, target.path, headers=target.headers))
    return cases


def measure_rounds(
    targets: list[Target], rounds: int, timing: Timing
) -> list[dict[str, report.RoundResult]]:
    """The item reads again, all servers up, loaded one at a time in turn, `rounds` times.

    Other work on the machine drifts over minutes; interleaving short runs puts
    each baseline run next to the runs it is compared with, so a round's ratio
    is measured under the same background load. Server CPU per request is
    recorded too: it hardly depends on that load at all.
    """
    results: list[dict[str, report.RoundResult]] = []
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                target.runner.start(
                    f"round-{index}", target.app_args, cwd=target.cwd, env=target.env
                )
            )
            for index, target in enumerate(targets)
        ]
        for number in range(1, rounds + 1):
            result: dict[str, report.RoundResult] = {}
            for target, server in zip(targets, servers, strict=True):
                url = server.url(target.path)
                if number == 1 and timing.warmup_s:
                    run_wrk(
                        url,
                        connections=CONNECTIONS,
                        duration_s=timing.warmup_s,
                        headers=target.headers,
                    )
                cpu_before = server.cpu_seconds()
                load = run_wrk(
                    url,
                    connections=CONNECTIONS,
                    duration_s=timing.duration_s,
                    headers=target.headers,
                )
                server.check_alive()
                cpu_us = (server.cpu_seconds() - cpu_before) * 1e6
                result[target.label] = report.RoundResult(
                    load.requests_per_s,
                    cpu_us / load.requests if load.requests else 0.0,
                    load.errors,
                )
            _say(f"round {number}: " + ", ".join(f"{k}: {v}" for k, v in result.items()))
            results.append(result)
    return results


def measure_mongo(runner: Runner, workdir: Path, *, offline: bool) -> report.Case:
    """GET /items/{id} of the database=mongo rendering, on a SecantusDB server."""
    _say("rendering database=mongo")
    project_dir = project.render(TEMPLATE_DIR, workdir, database="mongo", auth="none")
    prefix = project.env_prefix(project_dir)
    python = project.sync_venv(project_dir, project.child_env(prefix), offline=offline)
    with mongodb_server() as mongodb_url:
        env = project.child_env(
            prefix, **{f"{prefix}MONGODB_URL": mongodb_url, f"{prefix}ACCESS_LOG": "false"}
        )
        project.migrate_mongo(project_dir, env)
        mongo_runner = Runner(python, runner.flags, runner.logs_dir, runner.timing)
        with mongo_runner.start("rendered-mongo", RENDERED_APP, cwd=project_dir, env=env) as server:
            return mongo_runner.measure(server, report.MONGO_ITEM, f"/items/{_seed_item(server)}")


def print_results(results: Results) -> None:
    print()
    print(report.format_table(results.cases))
    print()
    print(report.format_ratios(report.ratios(results.cases)))
    print()
    print(f"{report.RENDERED_ITEM_HIGH}: {results.stall_verdict()}")
    if results.rounds:
        print()
        print(report.format_rounds(results.rounds))


def _case(cases: list[report.Case], label: str) -> report.Case:
    return next(case for case in cases if case.label == label)


def _seed_item(server: Server, headers: Mapping[str, str] | None = None) -> str:
    """Create the item every GET reads, through the service's own API."""
    request = urllib.request.Request(
        server.url("/items"),
        data=json.dumps(SEED_ITEM).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 201:
            raise RuntimeError(f"POST /items answered {response.status}")
        return str(json.load(response)["id"])


def _expect_ok(server: Server, path: str, headers: Mapping[str, str] | None = None) -> bytes:
    # A broken endpoint would only show up as a wall of errors; fail early instead.
    status, body = get(server.url(path), headers=headers)
    if status != 200:
        detail = f"{server.name} GET {path} answered {status}: {body[:200]!r}"
        raise RuntimeError(f"{detail}\n{log_tail(server.log_path)}")
    return body


def _get_json(server: Server, path: str) -> object:
    return json.loads(_expect_ok(server, path))


def _warn_if_different(expected: object, actual: object) -> None:
    # Both servers must do the same work for the ratio to mean anything.
    if expected != actual:
        _say(f"WARNING: raw-asyncpg returned {actual!r}, rendered returned {expected!r}")


@contextlib.contextmanager
def _workdir(*, keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        yield path
    finally:
        if keep:
            _say(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
