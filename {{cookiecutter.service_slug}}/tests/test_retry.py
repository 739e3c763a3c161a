"""In-process retries before parking, for brokers that do not redeliver by themselves."""

from __future__ import annotations

from app.events.consumer import PoisonMessageError
from app.events.retry import deliver_or_park


class Attempts:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0
        self.parked: list[str] = []

    async def handle(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error

    async def park(self, reason: str) -> None:
        self.parked.append(reason)


async def test_a_passing_failure_is_retried_and_handled() -> None:
    attempts = Attempts(failures=2, error=ConnectionError("database restarting"))

    handled = await deliver_or_park(
        attempts.handle, attempts.park, attempts=3, first_delay_seconds=0.001
    )

    assert handled is True
    assert attempts.calls == 3
    assert attempts.parked == []


async def test_a_lasting_failure_is_parked_after_the_last_attempt() -> None:
    attempts = Attempts(failures=10, error=ConnectionError("database down"))

    handled = await deliver_or_park(
        attempts.handle, attempts.park, attempts=3, first_delay_seconds=0.001
    )

    assert handled is False
    assert attempts.calls == 3
    assert attempts.parked == ["failed 3 times: ConnectionError('database down')"]


async def test_a_poison_message_is_parked_without_retrying() -> None:
    attempts = Attempts(failures=10, error=PoisonMessageError("not an item event"))

    handled = await deliver_or_park(
        attempts.handle, attempts.park, attempts=3, first_delay_seconds=0.001
    )

    assert handled is False
    assert attempts.calls == 1
    assert attempts.parked == ["malformed: not an item event"]
