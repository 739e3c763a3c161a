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
    startup_s: float

    def as_dict(self) -> dict[str, object]:
        return {
            "case": self.label,
            "url": self.url,
            **self.load.as_dict(),
            "rss_mib": round(self.rss_mib, 1),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
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
    header = ("case", "conns", "req/s", "p50 ms", "p99 ms", "errors", "RSS MiB", "startup s")
    rows = [
        (
            case.label,
            str(case.load.connections),
            f"{case.load.requests_per_s:,.0f}",
            f"{case.load.p50_ms:.2f}",
            f"{case.load.p99_ms:.2f}",
            str(case.load.errors),
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
class RoundRatio:
    name: str
    per_round: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.per_round)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "per_round": [round(value, 3) for value in self.per_round],
            "median": round(self.median, 3),
            "target": ITEM_TARGET,
            "passed": self.median >= ITEM_TARGET,
        }


def round_ratios(rounds: Sequence[Mapping[str, float]]) -> list[RoundRatio]:
    """Per-round ratios for every pair measured in all rounds."""
    summary: list[RoundRatio] = []
    for top, bottom in ROUND_RATIO_SPECS:
        values = [r[top] / r[bottom] for r in rounds if r.get(top) and r.get(bottom)]
        if values:
            summary.append(RoundRatio(f"{top} vs {bottom}", values))
    return summary


def format_rounds(rounds: Sequence[Mapping[str, float]]) -> str:
    labels = list(rounds[0])
    width = max(len(label) for label in labels)
    lines = ["Interleaved rounds (req/s; each round loads every server in turn):"]
    for label in labels:
        values = "  ".join(f"{r[label]:>8,.0f}" for r in rounds)
        lines.append(f"  {label.ljust(width)}  {values}")
    for item in round_ratios(rounds):
        per_round = " ".join(f"{value:.2f}" for value in item.per_round)
        mark = "PASS" if item.median >= ITEM_TARGET else "BELOW"
        lines.append(
            f"  {item.name}: median {item.median:.2f} (rounds {per_round}; "
            f"target >= {ITEM_TARGET:.2f}) {mark}"
        )
    return "\n".join(lines)
