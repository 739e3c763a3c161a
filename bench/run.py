"""Load benchmark of the rendered service against minimal baselines.

    python bench/run.py [--smoke | --quick] [--duration S] [--max-rows N] [--json PATH]

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

Issue 14's targets are judged in interleaved rounds (all servers up, loaded one
at a time in turn): the reads (auth=none, auth=jwt) and the writes (POST /items,
unique names from write.lua) against raw asyncpg, /health against a one-route
FastAPI app (baseline_fastapi.py), and the item read with the access log on
against the same read with it off. The rounds also read through the rendered
app without the template's middleware (floor.py), as context: how much of the
read's gap is those layers and how much the route itself. The list case grows
one database's items table 1k -> 100k -> 1M -> 10M rows (--max-rows) with
INSERT ... SELECT generate_series and measures GET /items?limit=20 at each
size, first page and a deep page (a cursor near the end), against the 1k
figure. The relay has its own bench, bench/relay.py (make bench-relay).

Each endpoint gets a short wrk warm-up, then a measured wrk run (2 threads,
64 connections); the rendered GET /items/{id} also gets a 256-connection run
that must finish with zero errors and no stall. The ratios against the
baselines are informational (PASS/BELOW in the target table): the exit status
is 0 unless something crashed, a run returned errors (non-2xx, socket errors)
or stalled. --smoke is the CI form: 2 s runs after 1 s of warm-up, one round,
list sizes 1k and 10k, no mongo, and of the one-server-at-a-time runs only the
256-connection one (the rounds load every other endpoint).

Everything listens on loopback only. uv runs --offline (the template's CI
warms its cache); pass --uv-online on a machine with a cold uv cache.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR.parent
# postgres_server() lives in the template's test helpers; import it, don't copy it.
# After bench/ itself (sys.path[0]), so the repo root never shadows these modules.
sys.path.insert(1, str(TEMPLATE_DIR))

import loadgen  # noqa: E402
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
# Started in the rendered project, so floor.py imports its app package.
FLOOR_APP = ["--factory", *BASELINE_APP, "floor:create_app_without_middleware"]
# The authenticated case signs in once; the token must outlive every wrk run.
JWT_TOKEN_MINUTES = "120"
SEED_ITEM = {"name": "bench-item", "description": "Seeded by bench/run.py", "quantity": 42}
LIST_SIZES = (1_000, 100_000, 1_000_000, 10_000_000)
SMOKE_LIST_SIZES = (1_000, 10_000)
LIST_PATH = "/items?limit=20"
# The deep page starts this many ids before the end: a full page, near the last one.
DEEP_PAGE_FROM_END = 100


@dataclass(frozen=True)
class Timing:
    duration_s: int
    warmup_s: int


@dataclass(frozen=True)
class ServerSpec:
    """One server to start for the interleaved rounds."""

    name: str
    runner: Runner
    app_args: list[str]
    cwd: Path
    env: dict[str, str]


@dataclass(frozen=True)
class Load:
    """One load of the interleaved rounds: a request on one of their servers."""

    label: str
    server: str
    path: str
    headers: Mapping[str, str] | None = None
    # POST a new item per request (write.lua) instead of GET.
    write: bool = False


@dataclass(frozen=True)
class Results:
    settings: dict[str, object]
    versions: dict[str, str]
    cases: list[report.Case]
    high_load: LoadResult
    elapsed_s: float
    rounds: list[dict[str, report.RoundResult]]
    list_points: list[report.ListPoint] = field(default_factory=list)
    load_average: dict[str, list[float]] = field(default_factory=dict)

    @property
    def stall_check_passed(self) -> bool:
        return self.high_load.errors == 0 and not self.high_load.stalled

    def failures(self) -> list[str]:
        """Every run that returned errors or stalled: the only reasons to exit non-zero."""
        runs: list[tuple[str, int, bool]] = [
            (case.label, case.load.errors, case.load.stalled) for case in self.cases
        ]
        runs += [(p.case.label, p.case.load.errors, p.case.load.stalled) for p in self.list_points]
        runs += [
            (f"round {number}: {label}", result.errors, result.stalled)
            for number, entry in enumerate(self.rounds, 1)
            for label, result in entry.items()
        ]
        return [
            f"{label}: {errors} errors{', stalled' if stalled else ''}"
            for label, errors, stalled in runs
            if errors or stalled
        ]

    def verdicts(self) -> list[report.Verdict]:
        return report.verdicts(self.rounds, self.list_points)

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
            "context_ratios": [
                ratio.as_dict() for ratio in report.round_ratios(self.rounds, report.CONTEXT)
            ],
            "list": [point.as_dict() for point in self.list_points],
            "targets": [verdict.as_dict() for verdict in self.verdicts()],
            "failures": self.failures(),
            "load_average": self.load_average,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
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
            warmup = run_wrk(
                url, connections=connections, duration_s=self.timing.warmup_s, headers=headers
            )
            _check_warmup(label, warmup)
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
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI smoke: 2 s runs, 1 s warm-up, 1 round, list at 1k and 10k rows, no mongo",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=LIST_SIZES[-1],
        help="largest table of the list case (10,000,000; 0 skips the list case)",
    )
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
    args.list_sizes = [size for size in LIST_SIZES if size <= args.max_rows]
    if args.quick:
        args.duration = 3
    if args.smoke:
        args.duration, args.rounds, args.no_mongo = 2, 1, True
        loadgen.set_request_timeout(loadgen.SMOKE_REQUEST_TIMEOUT_S)
        args.list_sizes = [size for size in SMOKE_LIST_SIZES if size <= args.max_rows]
    if args.warmup is None:
        args.warmup = 1 if args.quick or args.smoke else 2
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
    failures = results.failures()
    for failure in failures:
        _say(f"FAILED: {failure}")
    return 1 if failures else 0


def run(args: argparse.Namespace) -> Results:
    started = time.perf_counter()
    load_before = list(os.getloadavg())
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
        cases, item_path = measure_all(
            runner, project_dir, prefix, service_env, database_url, singles=not args.smoke
        )
        servers, loads = round_plan(runner, project_dir, prefix, service_env, database_url)
        loads = [*item_reads(item_path), *loads]
        if not args.no_jwt:
            jwt = stack.enter_context(jwt_project(runner, workdir / "jwt", args))
            if not args.smoke:
                cases.extend(measure_jwt(jwt))
            servers.append(jwt.server)
            loads.extend(jwt.loads)
        rounds = measure_rounds(servers, loads, args.rounds, runner.timing) if args.rounds else []
        list_points = measure_list(runner, project_dir, prefix, args.list_sizes)
        if not args.no_mongo:
            cases.append(measure_mongo(runner, workdir / "mongo", offline=not args.uv_online))
        settings: dict[str, object] = {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "wrk_threads": THREADS,
            "uvicorn_flags": ["--workers", "1", "--no-access-log", *runner.flags],
            "rounds": args.rounds,
            "list_sizes": args.list_sizes,
            "smoke": args.smoke,
        }
        return Results(
            settings=settings,
            versions=project.package_versions(python),
            cases=cases,
            high_load=_case(cases, report.RENDERED_ITEM_HIGH).load,
            elapsed_s=round(time.perf_counter() - started, 1),
            rounds=rounds,
            list_points=list_points,
            load_average={"before": load_before, "after": list(os.getloadavg())},
        )


def measure_all(
    runner: Runner,
    project_dir: Path,
    prefix: str,
    service_env: dict[str, str],
    database_url: str,
    *,
    singles: bool = True,
) -> tuple[list[report.Case], str]:
    """One server at a time; without `singles` (the smoke) only the 256-connection run."""
    cases: list[report.Case] = []
    # The rendered service goes first: it creates the item every case reads.
    with runner.start("rendered", RENDERED_APP, cwd=project_dir, env=service_env) as server:
        item_path = f"/items/{_seed_item(server)}"
        expected_item = _get_json(server, item_path)
        if singles:
            cases.append(runner.measure(server, report.RENDERED_HEALTH, "/health"))
            cases.append(runner.measure(server, report.RENDERED_ITEM, item_path))
        cases.append(
            runner.measure(
                server, report.RENDERED_ITEM_HIGH, item_path, connections=HIGH_CONNECTIONS
            )
        )
    if not singles:
        return cases, item_path

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


def round_plan(
    runner: Runner, project_dir: Path, prefix: str, service_env: dict[str, str], database_url: str
) -> tuple[list[ServerSpec], list[Load]]:
    """The auth=none servers of the interleaved rounds, and their loads but the item reads.

    The item reads (item_reads) need the seeded item's path, known after the single runs.
    """
    # asyncpg takes a plain libpq URL, without SQLAlchemy's "+asyncpg" driver suffix.
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    quiet_env = {**service_env, f"{prefix}ACCESS_LOG": "false"}
    servers = [
        ServerSpec(
            "raw-asyncpg",
            runner,
            [*BASELINE_APP, "baseline_asyncpg:app"],
            BENCH_DIR,
            project.child_env(prefix, BENCH_DATABASE_DSN=dsn),
        ),
        ServerSpec("rendered", runner, RENDERED_APP, project_dir, service_env),
        ServerSpec("rendered-no-access-log", runner, RENDERED_APP, project_dir, quiet_env),
        ServerSpec("rendered-no-middleware", runner, FLOOR_APP, project_dir, service_env),
        ServerSpec(
            "fastapi-one-route",
            runner,
            [*BASELINE_APP, "baseline_fastapi:app"],
            BENCH_DIR,
            project.child_env(prefix),
        ),
    ]
    loads = [
        Load(report.ONE_ROUTE_HEALTH, "fastapi-one-route", "/health"),
        Load(report.RENDERED_HEALTH, "rendered", "/health"),
        Load(report.ASYNCPG_WRITE, "raw-asyncpg", "/items", write=True),
        Load(report.RENDERED_WRITE, "rendered", "/items", write=True),
    ]
    return servers, loads


def item_reads(item_path: str) -> list[Load]:
    return [
        Load(report.ASYNCPG_ITEM, "raw-asyncpg", item_path),
        Load(report.RENDERED_ITEM, "rendered", item_path),
        Load(report.RENDERED_ITEM_QUIET, "rendered-no-access-log", item_path),
        Load(report.RENDERED_ITEM_BARE, "rendered-no-middleware", item_path),
    ]


@dataclass(frozen=True)
class JwtProject:
    server: ServerSpec
    item_path: str
    headers: Mapping[str, str]

    @property
    def loads(self) -> list[Load]:
        return [
            Load(report.JWT_ITEM, self.server.name, self.item_path, self.headers),
            Load(report.JWT_WRITE, self.server.name, "/items", self.headers, write=True),
        ]


@contextlib.contextmanager
def jwt_project(runner: Runner, workdir: Path, args: argparse.Namespace) -> Iterator[JwtProject]:
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
        spec = ServerSpec("rendered-jwt", jwt_runner, RENDERED_APP, project_dir, env)
        yield JwtProject(spec, item_path, headers)


def measure_jwt(jwt: JwtProject) -> list[report.Case]:
    """GET /items/{id} with a Bearer token, access log on, then off."""
    cases: list[report.Case] = []
    spec = jwt.server
    prefix = project.env_prefix(spec.cwd)
    quiet_env = {**spec.env, f"{prefix}ACCESS_LOG": "false"}
    for name, label, env in (
        ("rendered-jwt", report.JWT_ITEM, spec.env),
        ("rendered-jwt-no-access-log", report.JWT_ITEM_QUIET, quiet_env),
    ):
        with spec.runner.start(name, spec.app_args, cwd=spec.cwd, env=env) as server:
            cases.append(spec.runner.measure(server, label, jwt.item_path, headers=jwt.headers))
    return cases


def measure_rounds(
    specs: list[ServerSpec], loads: list[Load], rounds: int, timing: Timing
) -> list[dict[str, report.RoundResult]]:
    """Every load in turn, all servers up, `rounds` times.

    Other work on the machine drifts over minutes; interleaving short runs puts
    each baseline run next to the runs it is compared with, so a round's ratio
    is measured under the same background load. Server CPU per request is
    recorded too: it hardly depends on that load at all.
    """
    with contextlib.ExitStack() as stack:
        return run_rounds(start_all(stack, specs), loads, rounds, timing)


def start_all(stack: contextlib.ExitStack, specs: list[ServerSpec]) -> dict[str, Server]:
    """Every server of the rounds, up until `stack` closes, by name."""
    return {
        spec.name: stack.enter_context(
            spec.runner.start(f"round-{spec.name}", spec.app_args, cwd=spec.cwd, env=spec.env)
        )
        for spec in specs
    }


def run_rounds(
    servers: Mapping[str, Server], loads: list[Load], rounds: int, timing: Timing
) -> list[dict[str, report.RoundResult]]:
    """measure_rounds on servers already up (the caller reads them afterwards)."""
    results: list[dict[str, report.RoundResult]] = []
    for number in range(1, rounds + 1):
        result: dict[str, report.RoundResult] = {}
        for load in loads:
            server = servers[load.server]
            if number == 1 and timing.warmup_s:
                _check_warmup(load.label, _run_load(server, load, timing.warmup_s))
            cpu_before = server.cpu_seconds()
            measured = _run_load(server, load, timing.duration_s)
            server.check_alive()
            cpu_us = (server.cpu_seconds() - cpu_before) * 1e6
            result[load.label] = report.RoundResult.of(measured, cpu_us)
        _say(f"round {number}: " + ", ".join(f"{k}: {v}" for k, v in result.items()))
        results.append(result)
    return results


def _run_load(server: Server, load: Load, duration_s: int) -> LoadResult:
    return run_wrk(
        server.url(load.path),
        connections=CONNECTIONS,
        duration_s=duration_s,
        headers=load.headers,
        write=load.write,
    )


def measure_list(
    runner: Runner, project_dir: Path, prefix: str, sizes: list[int]
) -> list[report.ListPoint]:
    """GET /items?limit=20, first and deep page, while one items table grows through `sizes`.

    Its own PostgreSQL, so the writes of the rounds do not change the sizes.
    """
    points: list[report.ListPoint] = []
    if not sizes:
        return points
    with postgres_server() as database_url:
        env = project.child_env(prefix, **{f"{prefix}DATABASE_URL": database_url})
        project.migrate(project_dir, env)
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        with runner.start("rendered-list", RENDERED_APP, cwd=project_dir, env=env) as server:
            rows = 0
            for size in sizes:
                _say(f"growing items to {size:,} rows")
                load_s = project.grow_items(dsn, rows, size)
                rows = size
                cursor = project.item_cursor(
                    runner.python, project_dir, env, size - DEEP_PAGE_FROM_END
                )
                for page, path in (("first", LIST_PATH), ("deep", f"{LIST_PATH}&cursor={cursor}")):
                    _expect_full_page(server, path)
                    case = runner.measure(server, f"list {page} page @ {size:,} rows", path)
                    points.append(report.ListPoint(size, page, case, load_s))
    return points


def _expect_full_page(server: Server, path: str) -> None:
    # A cursor past the end would serve an empty page, and a cheap one: not the case we mean.
    count = len(json.loads(_expect_ok(server, path))["items"])
    if count != int(LIST_PATH.rsplit("=", 1)[1]):
        raise RuntimeError(f"GET {path} returned {count} items, not a full page")


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
    if results.list_points:
        print()
        print(report.format_list(results.list_points))
    print()
    print("Targets (issue 14; ratios are medians of the interleaved rounds' req/s):")
    print(report.format_verdicts(results.verdicts()))
    print(f"{report.RENDERED_ITEM_HIGH}: {results.stall_verdict()} (target: 0 errors, no stall)")
    print("relay events/s per broker: make bench-relay (bench/relay.py)")
    before, after = results.load_average["before"], results.load_average["after"]
    print(f"load average before {_loads(before)}, after {_loads(after)}")


def _loads(values: list[float]) -> str:
    return " ".join(f"{value:.2f}" for value in values)


def _check_warmup(label: str, load: LoadResult) -> None:
    # A warm-up that fails (e.g. 401s, 422s) would make the measured run a wall of errors.
    if load.errors or not load.requests:
        raise RuntimeError(
            f"{label}: the warm-up saw {load.errors} errors, {load.requests} requests"
        )


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
