from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import ServiceUnavailable, mongodb_server, postgres_server, services_required


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
