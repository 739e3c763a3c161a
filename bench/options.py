"""Issue 13's benchmark: the cost of tracing, cached reads, the hit ratio, Redis down.

    python bench/options.py [--smoke] [--duration S] [--warmup S] [--rounds N]
                            [--items N] [--json PATH] [--uv-online] [--keep]

One run renders `tracing=opentelemetry cache=redis auth=none` (database=postgres,
broker=none) once, builds its venv, starts a throwaway PostgreSQL (as run.py does),
a throwaway `redis-server --save ''` on a free port, and one stand-in OTLP/HTTP
collector (otlp_sink.py) per tracing server, so sampled spans are really
serialised and exported, not only made. Then all these servers are up at once
and loaded in interleaved rounds (run.py's rounds), GET /items/{id} of one item:

    raw-asyncpg    FastAPI + asyncpg pool (baseline_asyncpg.py): a database read
    tracing off    the rendering with TRACING_ENABLED=false
    tracing 10 %   TRACE_SAMPLE_RATIO=0.1, exporting to its collector
    tracing 100 %  TRACE_SAMPLE_RATIO=1.0, likewise

each of the three rendered ones on two read paths:

    cache hit      CACHE_URL on the real Redis: after the first read, every read a hit
    database read  CACHE_URL on a port nothing listens on: every read skips the
                   paused cache and reads the database

cache=redis has no switch to run without Redis (no CACHE_URL means the default
redis://127.0.0.1:6379), so the unreachable one is the nearest to "cache off".
The tracing ratios (each over tracing off on its path) are the cost of tracing on
each path; the cached read (cache hit, tracing off) is held against raw-asyncpg
and against the service's own database read (a hit should beat both: >= 1.00).

Then, on the cache-hit server with tracing off: `--items` items (10,000) in the table, GETs with
ids drawn from a Zipf distribution (s = 1.1, popularity shuffled over the ids),
replayed by zipf.lua; the hit ratio from cache_hits_total / cache_misses_total in
/metrics, over a run from a cold cache and over a second, warm run. Last, Redis
down: redis-server is stopped, the item read runs again (req/s, non-2xx and socket
errors: must be 0; cache_fallbacks_total), Redis is started again (empty) and the
first hit after the restart is awaited without restarting the service.

Exit status 0 unless something crashed, a run had errors or stalled, or the hit
path did not come back; never on a ratio. --smoke is the CI form: 2 s runs without
warm-up, one round. Everything listens on loopback only; uv runs --offline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR.parent
# After bench/ itself (sys.path[0]), so the repo root never shadows these modules.
sys.path.insert(1, str(TEMPLATE_DIR))

import loadgen  # noqa: E402
import project  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402
from loadgen import THREADS, LoadResult, run_wrk  # noqa: E402
from run import BASELINE_APP, CONNECTIONS, RENDERED_APP, Load, Runner, ServerSpec, Timing  # noqa: E402
from servers import HOST, Server, get, serve  # noqa: E402

from tests.services import RedisServer, free_port, postgres_server  # noqa: E402

ANSWERS = {
    "tracing": "opentelemetry",
    "cache": "redis",
    "auth": "none",
    "database": "postgres",
    "broker": "none",
}
SINK_SCRIPT = BENCH_DIR / "otlp_sink.py"
ZIPF_SCRIPT = BENCH_DIR / "zipf.lua"
ITEMS = 10_000
ZIPF_S = 1.1
# More draws than a run makes requests, so no run replays the sequence from the start.
ZIPF_DRAWS = 200_000
ZIPF_SEED = 13
SAMPLE_RATIOS = (0.1, 1.0)
RECOVERY_TIMEOUT_S = 30.0
# The batch span processor exports every 5 s: the collectors' counts settle after that.
EXPORT_SETTLE_S = 12.0

ASYNCPG = report.ASYNCPG_ITEM
ZIPF_COLD = "Zipf reads, cold cache"
ZIPF_WARM = "Zipf reads, warm cache"
REDIS_DOWN = "item read, Redis stopped (database fallback)"
# The rendered servers' two read paths: CACHE_URL on the real Redis, or on a port
# nothing listens on (every read skips the paused cache and reads the database).
READ_PATHS = {"hit": "cache hit", "database": "database read, Redis unreachable"}


@dataclass(frozen=True)
class Variant:
    """One rendered server of the rounds: a read path, and a sampling ratio or tracing off."""

    read_path: str
    sample_ratio: float | None = None

    @property
    def tracing(self) -> str:
        return "off" if self.sample_ratio is None else f"{self.sample_ratio:.0%}"

    @property
    def name(self) -> str:
        return f"{self.read_path}-tracing-{self.tracing}".replace("%", "pct")

    @property
    def label(self) -> str:
        return f"rendered, tracing {self.tracing} ({READ_PATHS[self.read_path]})"

    @property
    def untraced(self) -> Variant:
        return Variant(self.read_path)


VARIANTS = tuple(Variant(path, ratio) for path in READ_PATHS for ratio in (None, *SAMPLE_RATIOS))
TRACED = tuple(variant for variant in VARIANTS if variant.sample_ratio is not None)
CACHED = Variant("hit")
UNCACHED = Variant("database")


@dataclass(frozen=True)
class RatioSpec:
    measured: str
    baseline: str
    # "should beat" floor from the issue; None: reported, no expectation.
    floor: float | None = None


RATIOS = (
    *(RatioSpec(variant.label, variant.untraced.label) for variant in TRACED),
    RatioSpec(CACHED.label, ASYNCPG, 1.0),
    RatioSpec(CACHED.label, UNCACHED.label, 1.0),
    RatioSpec(UNCACHED.label, ASYNCPG),
)


@dataclass(frozen=True)
class Exports:
    """What one tracing server sent its collector, and what it dropped."""

    server: str
    export_requests: int
    spans: int | None
    span_names: dict[str, int]
    dropped: float
    served: float

    @property
    def spans_per_request(self) -> float | None:
        return None if self.spans is None or not self.served else self.spans / self.served

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "spans_per_request": self.spans_per_request}


@dataclass(frozen=True)
class ZipfRun:
    label: str
    load: LoadResult
    cpu_us_per_request: float
    hits: float
    misses: float

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "case": self.label,
            **self.load.as_dict(),
            "cpu_us_per_request": round(self.cpu_us_per_request, 1),
            "hits": self.hits,
            "misses": self.misses,
            "hit_ratio": round(self.hit_ratio, 4),
        }


@dataclass(frozen=True)
class Outage:
    load: LoadResult
    cpu_us_per_request: float
    fallbacks: float
    # From redis-server answering again to the first hit the service counted.
    hit_after_restart_s: float

    def as_dict(self) -> dict[str, object]:
        return {
            "case": REDIS_DOWN,
            **self.load.as_dict(),
            "cpu_us_per_request": round(self.cpu_us_per_request, 1),
            "cache_fallbacks": self.fallbacks,
            "hit_after_restart_s": round(self.hit_after_restart_s, 2),
        }


class CacheRedis(RedisServer):
    """Debian's redis-server as a cache: nothing persisted, so a restart comes back empty."""

    def _command(self) -> list[str]:
        return [
            self._server, "--port", str(self.port), "--bind", HOST,
            "--dir", str(self.workdir), "--save", "", "--appendonly", "no",
        ]  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--warmup", type=int, default=None, help="seconds of warm-up (2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--items", type=int, default=ITEMS, help="items of the Zipf case")
    parser.add_argument("--smoke", action="store_true", help="CI: 2 s runs, no warm-up, 1 round")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--uv-online", action="store_true", help="let uv reach the index")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, project)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.rounds = 2, 1
        loadgen.set_request_timeout(loadgen.SMOKE_REQUEST_TIMEOUT_S)
    if args.warmup is None:
        # The smoke judges errors and stalls only: a cold first run shows them as well.
        args.warmup = 0 if args.smoke else 2
    if args.duration < 1 or args.warmup < 0 or args.rounds < 1 or args.items < 2:
        parser.error("--duration and --rounds must be >= 1, --warmup >= 0, --items >= 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (e.g. make being stopped) unwinds like Ctrl-C, so every finally runs.
    signal.signal(signal.SIGTERM, run._raise_interrupt)
    started = time.perf_counter()
    load_before = list(os.getloadavg())
    try:
        document = bench(args)
    except KeyboardInterrupt:
        run._say("interrupted; every process it started has been stopped")
        return 130
    except (RuntimeError, TimeoutError) as error:
        run._say(f"FAILED: {error}")
        return 1
    document["load_average"] = {"before": load_before, "after": list(os.getloadavg())}
    document["elapsed_s"] = round(time.perf_counter() - started, 1)
    print_results(document)
    if args.json:
        args.json.write_text(json.dumps(document, indent=2, default=_as_dict) + "\n")
    failures = failures_of(document)
    for failure in failures:
        run._say(f"FAILED: {failure}")
    return 1 if failures else 0


def bench(args: argparse.Namespace) -> dict[str, object]:
    timing = Timing(args.duration, args.warmup)
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(run._workdir(keep=args.keep))
        run._say(f"rendering {ANSWERS} into {workdir}")
        project_dir = project.render(TEMPLATE_DIR, workdir, **ANSWERS)
        prefix = project.env_prefix(project_dir)
        run._say("uv sync --no-dev")
        python = project.sync_venv(
            project_dir, project.child_env(prefix), offline=not args.uv_online
        )
        runner = Runner(python, project.fast_stack_flags(python), workdir, timing)
        redis = stack.enter_context(redis_server())
        database_url = stack.enter_context(postgres_server())
        base_env = service_env(prefix, DATABASE_URL=database_url, CACHE_URL=redis.url)
        run._say("alembic upgrade head")
        project.migrate(project_dir, base_env)
        sinks = {
            variant: stack.enter_context(otlp_sink(python, variant.name, workdir))
            for variant in TRACED
        }
        specs = server_specs(runner, project_dir, prefix, base_env, database_url, sinks)
        servers = run.start_all(stack, specs)
        cached = servers[CACHED.name]
        item_path = f"/items/{run._seed_item(cached)}"
        run._warn_if_different(
            run._get_json(cached, item_path), run._get_json(servers["raw-asyncpg"], item_path)
        )
        loads = [
            Load(ASYNCPG, "raw-asyncpg", item_path),
            *(Load(variant.label, variant.name, item_path) for variant in VARIANTS),
        ]
        rounds = run.run_rounds(servers, loads, args.rounds, timing)
        # A hit path that falls back under load is a database read in disguise: say so.
        round_fallbacks = {
            variant.name: _counter(servers[variant.name], "cache_fallbacks_total")
            for variant in VARIANTS
            if variant.read_path == "hit"
        }
        zipf = measure_zipf(cached, database_url, args.items, workdir, timing)
        outage = measure_outage(cached, redis, item_path, timing)
        exports = [exports_of(servers[variant.name], sink) for variant, sink in sinks.items()]
        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "answers": ANSWERS,
            "settings": {
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "rounds": args.rounds,
                "connections": CONNECTIONS,
                "wrk_threads": THREADS,
                "uvicorn_flags": ["--workers", "1", "--no-access-log", *runner.flags],
                "items": args.items,
                "zipf_s": ZIPF_S,
                "smoke": args.smoke,
            },
            "versions": project.package_versions(python),
            "rounds": [{label: r.as_dict() for label, r in entry.items()} for entry in rounds],
            "medians": medians(rounds),
            "ratios": ratios(rounds),
            "round_fallbacks": round_fallbacks,
            "exports": exports,
            "zipf": zipf,
            "outage": outage,
        }


def service_env(prefix: str, **settings: str) -> dict[str, str]:
    """The service's settings, nothing inherited that changes them (OTEL_* included)."""
    env = project.child_env(prefix, **{prefix + name: value for name, value in settings.items()})
    return {name: value for name, value in env.items() if not name.startswith("OTEL_")}


def server_specs(
    runner: Runner,
    project_dir: Path,
    prefix: str,
    base_env: dict[str, str],
    database_url: str,
    sinks: Mapping[Variant, Server],
) -> list[ServerSpec]:
    # asyncpg takes a plain libpq URL, without SQLAlchemy's "+asyncpg" driver suffix.
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    baseline_env = project.child_env(prefix, BENCH_DATABASE_DSN=dsn)
    specs = [
        ServerSpec("raw-asyncpg", runner, [*BASELINE_APP, "baseline_asyncpg:app"], BENCH_DIR,
                   baseline_env),
    ]  # fmt: skip
    unreachable = f"redis://{HOST}:{free_port()}/0"
    for variant in VARIANTS:
        env = {**base_env, f"{prefix}TRACING_ENABLED": str(variant.sample_ratio is not None)}
        if variant.read_path == "database":
            env[f"{prefix}CACHE_URL"] = unreachable
        if variant.sample_ratio is not None:
            env[f"{prefix}TRACE_SAMPLE_RATIO"] = str(variant.sample_ratio)
            env[f"{prefix}OTLP_ENDPOINT"] = sinks[variant].base_url
        specs.append(ServerSpec(variant.name, runner, RENDERED_APP, project_dir, env))
    return specs


@contextlib.contextmanager
def redis_server() -> Iterator[CacheRedis]:
    server = CacheRedis()
    try:
        server.start()
        yield server
    finally:
        server.close()
        shutil.rmtree(server.workdir, ignore_errors=True)


@contextlib.contextmanager
def otlp_sink(python: Path, name: str, logs_dir: Path) -> Iterator[Server]:
    """otlp_sink.py in the rendered venv, whose opentelemetry-proto lets it count spans."""
    port = free_port()
    log_path = logs_dir / f"otlp-sink-{name}.log"
    command = [str(python), str(SINK_SCRIPT), str(port)]
    env = project.child_env("BENCH_NONE_")
    with serve(f"otlp-sink-{name}", command, port=port, cwd=BENCH_DIR, env=env,
               log_path=log_path) as sink:  # fmt: skip
        yield sink


def medians(rounds: list[dict[str, report.RoundResult]]) -> dict[str, dict[str, float]]:
    return {
        label: {
            field: report._median(rounds, label, field)
            for field in ("requests_per_s", "cpu_us_per_request", "p99_ms")
        }
        for label in rounds[0]
    }


def ratios(rounds: list[dict[str, report.RoundResult]]) -> list[dict[str, object]]:
    """Each spec's req/s ratio and CPU-per-request ratio, medians over the rounds."""
    specs = [
        report.TargetSpec(f"{s.measured} vs {s.baseline}", s.measured, s.baseline, s.floor or 0.0)
        for s in RATIOS
    ]
    return [
        {
            "measured": spec.measured,
            "baseline": spec.baseline,
            "ratio": round(item.median, 3),
            "cpu_ratio": round(item.cpu_median, 3),
            "per_round": [round(value, 3) for value in item.per_round],
            "floor": ratio_spec.floor,
        }
        for item, spec, ratio_spec in zip(
            report.round_ratios(rounds, specs), specs, RATIOS, strict=True
        )
    ]


def measure_zipf(
    server: Server, database_url: str, items: int, workdir: Path, timing: Timing
) -> list[ZipfRun]:
    """Hit ratio of Zipf-distributed reads over `items` items, from a cold cache, then warm."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    run._say(f"growing items to {items:,} rows")
    project.grow_items(dsn, 1, items)
    run._expect_ok(server, f"/items/{items}")
    ids_file = workdir / "zipf-ids.txt"
    ids_file.write_text("\n".join(map(str, zipf_ids(items))) + "\n")
    results = []
    # No warm-up: it would fill the cache the cold run is about.
    for label in (ZIPF_COLD, ZIPF_WARM):
        hits, misses = _counter(server, "cache_hits_total"), _counter(server, "cache_misses_total")
        cpu_before = server.cpu_seconds()
        load = run_wrk(
            server.url("/"),
            connections=CONNECTIONS,
            duration_s=timing.duration_s,
            script=ZIPF_SCRIPT,
            script_args=[str(ids_file), str(THREADS)],
        )
        server.check_alive()
        result = ZipfRun(
            label,
            load,
            _cpu_us_per_request(server, cpu_before, load),
            _counter(server, "cache_hits_total") - hits,
            _counter(server, "cache_misses_total") - misses,
        )
        run._say(f"{label}: {load.requests_per_s:,.0f} req/s, hit ratio {result.hit_ratio:.3f}")
        results.append(result)
    return results


def zipf_ids(items: int, s: float = ZIPF_S, draws: int = ZIPF_DRAWS) -> list[int]:
    """Ids 1..items drawn with P(rank k) ~ 1/k^s; which id has which rank is shuffled."""
    rng = random.Random(ZIPF_SEED)
    ranked = list(range(1, items + 1))
    rng.shuffle(ranked)
    weights = [1 / rank**s for rank in range(1, items + 1)]
    return rng.choices(ranked, weights=weights, k=draws)


def measure_outage(server: Server, redis: CacheRedis, item_path: str, timing: Timing) -> Outage:
    """The item read with redis-server stopped, then the hit path back without a restart."""
    fallbacks = _counter(server, "cache_fallbacks_total")
    run._say("stopping redis-server")
    redis.stop()
    try:
        cpu_before = server.cpu_seconds()
        load = run_wrk(server.url(item_path), connections=CONNECTIONS, duration_s=timing.duration_s)
        cpu_us = _cpu_us_per_request(server, cpu_before, load)
        server.check_alive()
        fallbacks = _counter(server, "cache_fallbacks_total") - fallbacks
    finally:
        redis.start()
    run._say(f"{REDIS_DOWN}: {load.requests_per_s:,.0f} req/s, {load.errors} errors")
    return Outage(load, cpu_us, fallbacks, _first_hit_s(server, item_path))


def _cpu_us_per_request(server: Server, cpu_before: float, load: LoadResult) -> float:
    return (server.cpu_seconds() - cpu_before) * 1e6 / load.requests if load.requests else 0.0


def _first_hit_s(server: Server, item_path: str) -> float:
    """Seconds until a read is a hit again: the service retries Redis after its pause."""
    hits = _counter(server, "cache_hits_total")
    started = time.perf_counter()
    while _counter(server, "cache_hits_total") == hits:
        if time.perf_counter() - started > RECOVERY_TIMEOUT_S:
            raise TimeoutError(f"no cache hit {RECOVERY_TIMEOUT_S}s after Redis came back")
        run._expect_ok(server, item_path)
        time.sleep(0.1)
    return time.perf_counter() - started


def exports_of(server: Server, sink: Server) -> Exports:
    counts = _settled_counts(sink)
    return Exports(
        server.name.removeprefix("round-"),
        counts["requests"],
        counts["spans"],
        counts["span_names"],
        _counter(server, "otel_spans_dropped"),
        _counter(server, "http_requests_total"),
    )


def _settled_counts(sink: Server) -> dict[str, Any]:
    """The collector's counts once half a second passes without a new export (or the limit)."""
    deadline = time.perf_counter() + EXPORT_SETTLE_S
    counts = json.loads(run._expect_ok(sink, "/health"))
    while time.perf_counter() < deadline:
        time.sleep(0.5)
        latest = json.loads(run._expect_ok(sink, "/health"))
        if latest == counts:
            break
        counts = latest
    return dict(counts)


def _counter(server: Server, name: str) -> float:
    """Sum of every sample of `name` (all label sets) in the server's /metrics."""
    status, body = get(server.url("/metrics"))
    if status != 200:
        raise RuntimeError(f"{server.name} GET /metrics answered {status}")
    total = 0.0
    for line in body.decode().splitlines():
        sample, _, value = line.rpartition(" ")
        if sample == name or sample.startswith(name + "{"):
            total += float(value)
    return total


def failures_of(document: Mapping[str, object]) -> list[str]:
    """Every run that returned errors or stalled: the only reasons to exit non-zero."""
    failures = [
        f"round {number}: {label}: {result['errors']} errors"
        f"{', stalled' if result['stalled'] else ''}"
        for number, entry in enumerate(_list(document["rounds"]), 1)
        for label, result in entry.items()
        if result["errors"] or result["stalled"]
    ]
    zipf: list[ZipfRun] = _list(document["zipf"])
    outage = document["outage"]
    assert isinstance(outage, Outage)
    for label, load in [(z.label, z.load) for z in zipf] + [(REDIS_DOWN, outage.load)]:
        if load.errors or load.stalled:
            failures.append(f"{label}: {load.errors} errors{', stalled' if load.stalled else ''}")
    return failures


def print_results(document: Mapping[str, object]) -> None:
    rounds = _list(document["rounds"])
    med: dict[str, dict[str, float]] = document["medians"]  # type: ignore[assignment]
    zipf: list[ZipfRun] = _list(document["zipf"])
    outage: Outage = document["outage"]  # type: ignore[assignment]
    print()
    print(
        f"Issue 13, GET /items/{{id}}: medians of {len(rounds)} interleaved rounds,"
        " then single runs"
    )
    print(report._table(*case_rows(rounds, med, zipf, outage), numeric=(1, 2, 3, 4, 5)))
    print()
    print("Ratios (req/s; CPU/req is the baseline's CPU per request over the case's):")
    print(report._table(*ratio_rows(_list(document["ratios"]), med, outage), numeric=(2, 3)))
    print()
    fallbacks: dict[str, float] = document["round_fallbacks"]  # type: ignore[assignment]
    print(
        "cache_fallbacks_total of the cache-hit servers after the rounds: "
        + ", ".join(f"{name} {count:,.0f}" for name, count in fallbacks.items())
    )
    kinds = {"non-2xx": outage.load.non2xx, **outage.load.socket_errors}
    print(
        f"Redis stopped: {outage.load.requests:,} reads, "
        + ", ".join(f"{kind} {count}" for kind, count in kinds.items())
        + f"; cache_fallbacks_total +{outage.fallbacks:,.0f};"
        f" first hit {outage.hit_after_restart_s:.1f}s after Redis came back (no restart)"
    )
    for exports in _list(document["exports"]):
        per_request = exports.spans_per_request
        print(
            f"{exports.server}: {exports.export_requests:,} OTLP exports, "
            f"{exports.spans if exports.spans is not None else '?'} spans "
            f"({'?' if per_request is None else f'{per_request:.2f}'} per request served), "
            f"{exports.dropped:,.0f} dropped; by name: "
            + ", ".join(f"{name} {count}" for name, count in exports.span_names.items())
        )
    loads = document["load_average"]
    assert isinstance(loads, dict)
    print(
        f"load average before {_loads(loads['before'])}, after {_loads(loads['after'])};"
        f" {document['elapsed_s']}s"
    )


def case_rows(
    rounds: list[dict[str, dict[str, object]]],
    med: Mapping[str, Mapping[str, float]],
    zipf: list[ZipfRun],
    outage: Outage,
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    header = ("case", "req/s", "CPU us/req", "p99 ms", "errors", "hit ratio")
    rows = [
        (label, f"{values['requests_per_s']:,.0f}", f"{values['cpu_us_per_request']:.0f}",
         f"{values['p99_ms']:.1f}", str(sum(_int(entry[label]["errors"]) for entry in rounds)), "")
        for label, values in med.items()
    ]  # fmt: skip
    for case, label, hit_ratio in (
        *((run_, run_.label, f"{run_.hit_ratio:.3f}") for run_ in zipf),
        (outage, REDIS_DOWN, ""),
    ):
        load = case.load
        rows.append(
            (label, f"{load.requests_per_s:,.0f}", f"{case.cpu_us_per_request:.0f}",
             f"{load.p99_ms:.1f}", str(load.errors), hit_ratio)
        )  # fmt: skip
    return header, rows


def ratio_rows(
    items: list[dict[str, object]], med: Mapping[str, Mapping[str, float]], outage: Outage
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    header = ("case", "vs", "ratio", "CPU/req", "")
    rows = []
    for item in items:
        ratio, floor = float(str(item["ratio"])), item["floor"]
        note = (
            ""
            if floor is None
            else f"should be >= {floor:.2f}: {'yes' if ratio >= float(str(floor)) else 'NO'}"
        )
        rows.append(
            (str(item["measured"]), str(item["baseline"]), f"{ratio:.2f}",
             f"{float(str(item['cpu_ratio'])):.2f}", note)
        )  # fmt: skip
    # Context: a single run after the rounds against their medians.
    for baseline in (ASYNCPG, UNCACHED.label):
        rows.append(
            (REDIS_DOWN, baseline,
             f"{outage.load.requests_per_s / med[baseline]['requests_per_s']:.2f}",
             f"{med[baseline]['cpu_us_per_request'] / outage.cpu_us_per_request:.2f}",
             "single run vs the rounds' median")
        )  # fmt: skip
    return header, rows


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _list(value: object) -> list:  # type: ignore[type-arg]
    assert isinstance(value, list)
    return value


def _loads(values: list[float]) -> str:
    return " ".join(f"{value:.2f}" for value in values)


def _as_dict(value: object) -> dict[str, object]:
    if isinstance(value, Exports | ZipfRun | Outage):
        return value.as_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


if __name__ == "__main__":
    sys.exit(main())
