"""The results table, the ratios against the baselines, and the JSON document."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from loadgen import LoadResult

STARLETTE_HEALTH = "starlette /health"
FASTAPI_HEALTH = "bare fastapi /health (raw-asyncpg app)"
RENDERED_HEALTH = "rendered /health"
ASYNCPG_ITEM = "raw-asyncpg GET /items/{id}"
ASYNCPG_ITEM_HIGH = "raw-asyncpg GET /items/{id} @256"
RENDERED_ITEM = "rendered GET /items/{id}"
RENDERED_ITEM_HIGH = "rendered GET /items/{id} @256"
RENDERED_HEALTH_QUIET = "rendered /health, access log off"
RENDERED_ITEM_QUIET = "rendered GET /items/{id}, access log off"
JWT_ITEM = "rendered auth=jwt GET /items/{id} (Bearer token)"
JWT_ITEM_QUIET = "rendered auth=jwt GET /items/{id}, access log off"
MONGO_ITEM = "rendered mongo GET /items/{id}, access log off (SecantusDB)"

# Headline rows first, in the order the brief lists them; secondary rows after.
DISPLAY_ORDER = (
    STARLETTE_HEALTH,
    RENDERED_HEALTH,
    ASYNCPG_ITEM,
    RENDERED_ITEM,
    RENDERED_ITEM_HIGH,
    ASYNCPG_ITEM_HIGH,
    RENDERED_HEALTH_QUIET,
    RENDERED_ITEM_QUIET,
    JWT_ITEM,
    JWT_ITEM_QUIET,
    FASTAPI_HEALTH,
    MONGO_ITEM,
)


@dataclass(frozen=True)
class Case:
    label: str
    url: str
    load: LoadResult
    rss_mib: float
    peak_rss_mib: float
    # Server CPU per request: unlike req/s, barely moved by other load on the machine.
    cpu_us_per_request: float
    startup_s: float

    def as_dict(self) -> dict[str, object]:
        return {
            "case": self.label,
            "url": self.url,
            **self.load.as_dict(),
            "rss_mib": round(self.rss_mib, 1),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "cpu_us_per_request": round(self.cpu_us_per_request, 1),
            "startup_s": round(self.startup_s, 3),
        }


@dataclass(frozen=True)
class Ratio:
    name: str
    numerator: str
    denominator: str
    target: float | None  # None: context only, no target
    value: float

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.value >= self.target

    @property
    def mark(self) -> str:
        return {True: "PASS", False: "BELOW", None: "(context)"}[self.passed]

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
            "value": round(self.value, 3),
            "passed": self.passed,
        }


ITEM_TARGET = 0.6
HEALTH_TARGET = 0.5
# (numerator, denominator, target): req/s of the rendered service over its baseline.
RATIO_SPECS: tuple[tuple[str, str, float | None], ...] = (
    (RENDERED_ITEM, ASYNCPG_ITEM, ITEM_TARGET),
    (RENDERED_HEALTH, STARLETTE_HEALTH, HEALTH_TARGET),
    (RENDERED_ITEM_QUIET, ASYNCPG_ITEM, ITEM_TARGET),
    (RENDERED_HEALTH_QUIET, STARLETTE_HEALTH, HEALTH_TARGET),
    # Issue #3: an authenticated read must stay within the same budget.
    (JWT_ITEM, ASYNCPG_ITEM, ITEM_TARGET),
    (JWT_ITEM_QUIET, ASYNCPG_ITEM, ITEM_TARGET),
    (FASTAPI_HEALTH, STARLETTE_HEALTH, None),
    (RENDERED_HEALTH, FASTAPI_HEALTH, None),
    (MONGO_ITEM, RENDERED_ITEM_QUIET, None),
)


def ratios(cases: Sequence[Case]) -> list[Ratio]:
    rps = {case.label: case.load.requests_per_s for case in cases}
    return [
        Ratio(f"{top} vs {bottom}", top, bottom, target, rps[top] / rps[bottom])
        for top, bottom, target in RATIO_SPECS
        if top in rps and rps.get(bottom)
    ]


def ordered(cases: Sequence[Case]) -> list[Case]:
    return sorted(cases, key=lambda case: DISPLAY_ORDER.index(case.label))


def format_table(cases: Sequence[Case]) -> str:
    header = (
        "case", "conns", "req/s", "p50 ms", "p99 ms", "errors", "CPU us/req", "RSS MiB", "startup s"
    )  # fmt: skip
    rows = [
        (
            case.label,
            str(case.load.connections),
            f"{case.load.requests_per_s:,.0f}",
            f"{case.load.p50_ms:.2f}",
            f"{case.load.p99_ms:.2f}",
            str(case.load.errors),
            f"{case.cpu_us_per_request:.0f}",
            f"{case.rss_mib:.1f}",
            f"{case.startup_s:.2f}",
        )
        for case in ordered(cases)
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        # Text left-aligned, numbers right-aligned.
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join((first, *rest))

    rule = "  ".join("-" * width for width in widths)
    return "\n".join((line(header), rule, *(line(row) for row in rows)))


def format_ratios(items: Sequence[Ratio]) -> str:
    width = max((len(item.name) for item in items), default=0)
    return "\n".join(
        f"{item.name.ljust(width)}  {item.value:5.2f}  "
        + (f"(target >= {item.target:.2f})  " if item.target is not None else "")
        + item.mark
        for item in items
    )


# Interleaved rounds: (numerator, denominator) pairs, each ratio taken within one round.
ROUND_RATIO_SPECS = ((RENDERED_ITEM, ASYNCPG_ITEM), (JWT_ITEM, ASYNCPG_ITEM))


@dataclass(frozen=True)
class RoundResult:
    requests_per_s: float
    cpu_us_per_request: float
    errors: int

    def __str__(self) -> str:
        return (
            f"{self.requests_per_s:,.0f} req/s, {self.cpu_us_per_request:.0f} us CPU/req, "
            f"{self.errors} errors"
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "requests_per_s": round(self.requests_per_s, 1),
            "cpu_us_per_request": round(self.cpu_us_per_request, 1),
            "errors": self.errors,
        }


@dataclass(frozen=True)
class RoundRatio:
    """req/s of one server over the baseline's, and the same from CPU per request.

    The CPU ratio (baseline CPU per request over this server's) is what one core
    would serve if each had it alone; it is the steadier of the two on a busy machine.
    """

    name: str
    per_round: list[float]
    cpu_per_round: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.per_round)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_per_round)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "per_round": [round(value, 3) for value in self.per_round],
            "median": round(self.median, 3),
            "cpu_per_round": [round(value, 3) for value in self.cpu_per_round],
            "cpu_median": round(self.cpu_median, 3),
            "target": ITEM_TARGET,
            "passed": self.median >= ITEM_TARGET,
        }


def round_ratios(rounds: Sequence[Mapping[str, RoundResult]]) -> list[RoundRatio]:
    """Per-round ratios for every pair measured in all rounds."""
    summary: list[RoundRatio] = []
    for top, bottom in ROUND_RATIO_SPECS:
        pairs = [(r[top], r[bottom]) for r in rounds if top in r and bottom in r]
        if pairs and all(b.requests_per_s and t.cpu_us_per_request for t, b in pairs):
            summary.append(
                RoundRatio(
                    f"{top} vs {bottom}",
                    [t.requests_per_s / b.requests_per_s for t, b in pairs],
                    [b.cpu_us_per_request / t.cpu_us_per_request for t, b in pairs],
                )
            )
    return summary


def format_rounds(rounds: Sequence[Mapping[str, RoundResult]]) -> str:
    labels = list(rounds[0])
    width = max(len(label) for label in labels)
    lines = ["Interleaved rounds (req/s | server CPU us per request | errors):"]
    for label in labels:
        values = "  ".join(
            f"{r[label].requests_per_s:>7,.0f} | {r[label].cpu_us_per_request:>4.0f}"
            f" | {r[label].errors}"
            for r in rounds
        )
        lines.append(f"  {label.ljust(width)}  {values}")
    for item in round_ratios(rounds):
        per_round = " ".join(f"{value:.2f}" for value in item.per_round)
        cpu_per_round = " ".join(f"{value:.2f}" for value in item.cpu_per_round)
        mark = "PASS" if item.median >= ITEM_TARGET else "BELOW"
        lines.append(
            f"  {item.name}:\n    req/s median {item.median:.2f} (rounds {per_round}; "
            f"target >= {ITEM_TARGET:.2f}) {mark}\n"
            f"    CPU/request median {item.cpu_median:.2f} (rounds {cpu_per_round})"
        )
    return "\n".join(lines)
