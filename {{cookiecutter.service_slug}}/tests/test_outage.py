"""One log line when a dependency goes away and one when it is back, whatever the traffic."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from app import outages
from app.outages import Outage


class FlakyCheck:
    """A readiness check that fails until `back` is set."""

    def __init__(self) -> None:
        self.back = False
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if not self.back:
            raise ConnectionRefusedError(111, "refused")


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "app.outages"]


@pytest.fixture(autouse=True)
def fast_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outages, "PROBE_INTERVAL_SECONDS", 0.01)


async def wait_until_up(outage: Outage) -> None:
    for _ in range(500):
        if not outage.down:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("still down")


async def test_many_failures_log_one_line_down_and_one_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check = FlakyCheck()
    outage = Outage("database", lambda error: True, check, retry_after_seconds=5)
    error = ConnectionRefusedError(111, "refused")

    with caplog.at_level(logging.INFO, logger="app.outages"):
        in_flight = time.perf_counter()
        for _ in range(20):
            outage.failed(error, request_started=time.perf_counter())
        assert outage.down
        await asyncio.sleep(0.05)
        check.back = True
        await wait_until_up(outage)
        # Began while the database was away: part of the outage that ended.
        outage.failed(error, request_started=in_flight)

    assert lines(caplog) == ["database unavailable", "database is back"]
    assert not outage.down
    assert check.calls >= 2
    [gone] = [r for r in caplog.records if r.getMessage() == "database unavailable"]
    assert gone.__dict__["error"] == "ConnectionRefusedError: [Errno 111] refused"
    await outage.close()


async def test_a_new_outage_after_recovery_is_logged_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check = FlakyCheck()
    outage = Outage("database", lambda error: True, check, retry_after_seconds=5)

    with caplog.at_level(logging.INFO, logger="app.outages"):
        for _ in range(2):
            check.back = False
            outage.failed(OSError("gone"), request_started=time.perf_counter())
            check.back = True
            await wait_until_up(outage)

    assert lines(caplog) == ["database unavailable", "database is back"] * 2


async def test_closing_stops_the_probe_of_a_dependency_still_away() -> None:
    check = FlakyCheck()
    outage = Outage("database", lambda error: True, check, retry_after_seconds=5)
    outage.failed(OSError("gone"), request_started=time.perf_counter())

    await outage.close()
    calls = check.calls
    await asyncio.sleep(0.05)

    assert check.calls == calls
    assert outage.down


def test_covers_asks_the_stores_classifier() -> None:
    outage = Outage(
        "database", lambda error: isinstance(error, OSError), FlakyCheck(), retry_after_seconds=5
    )

    assert outage.covers(ConnectionResetError())
    assert not outage.covers(ValueError())
