"""Behind a proxy: forwarded headers count only from trusted peers, and only allowed hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.config import Settings
from app.hosts import AllowedHostsMiddleware, host_allowed, host_name

PROXY = "10.0.0.7"
STRANGER = "203.0.113.9"
HOST = "api.example.com"
FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}

ClientFrom = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, published under HOST behind one trusted proxy."""
    return settings.model_copy(update={"allowed_hosts": [HOST], "trusted_proxies": [PROXY]})


@pytest.fixture
def client_from(app: FastAPI, credentials: dict[str, str]) -> ClientFrom:
    """Clients whose connections come from a given peer address."""

    def connect(peer: str) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        return httpx.AsyncClient(
            transport=transport, base_url=f"http://{HOST}", headers=credentials
        )

    return connect


@pytest.fixture
async def stranger(client_from: ClientFrom) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(STRANGER) as client:
        yield client


@pytest.fixture
async def proxy(client_from: ClientFrom) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(PROXY) as client:
        yield client


async def test_forwarded_headers_from_an_untrusted_peer_are_ignored(
    stranger: httpx.AsyncClient,
) -> None:
    response = await stranger.post("/items", json={"name": "widget"}, headers=FORGED)

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"http://{HOST}/items/{response.json()['id']}"


async def test_the_trusted_proxy_sets_the_scheme_of_location_and_next_links(
    proxy: httpx.AsyncClient,
) -> None:
    created = [await proxy.post("/items", json={"name": f"item-{n}"}, headers=FORGED) for n in "ab"]
    page = await proxy.get("/items", params={"limit": 1}, headers=FORGED)

    # The scheme is the proxy's word; the host stays the (allowed) Host header.
    assert created[0].headers["location"] == f"https://{HOST}/items/{created[0].json()['id']}"
    body = page.json()
    assert body["next"] == f"https://{HOST}/items?limit=1&cursor={body['next_cursor']}"
    assert page.headers["link"] == f'<{body["next"]}>; rel="next"'


async def test_a_host_not_allowed_gets_a_400_problem(proxy: httpx.AsyncClient) -> None:
    response = await proxy.get("/items", headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400
    assert "evil.example" not in response.text


@pytest.mark.parametrize("path", ["/health", "/metrics"])
async def test_probes_and_scrapes_by_pod_address_are_answered(
    stranger: httpx.AsyncClient, path: str
) -> None:
    response = await stranger.get(path, headers={"Host": "10.1.2.3:8000"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("allowed", "host", "served"),
    [
        (["*.example.com"], "api.example.com", True),
        (["*.example.com"], "example.com", False),
        (["API.example.com"], "api.example.com:8443", True),
        (["::1"], "[::1]:8000", True),
    ],
)
def test_host_patterns(allowed: list[str], host: str, served: bool) -> None:
    patterns = AllowedHostsMiddleware(FastAPI(), allowed_hosts=allowed).allowed_hosts
    assert host_allowed(host_name(host), patterns) is served


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_deployed_settings_refuse_any_host(settings: Settings, environment: str) -> None:
    fields = settings.model_dump() | {"environment": environment}

    with pytest.raises(ValidationError, match="ALLOWED_HOSTS must name the hosts"):
        Settings.model_validate(fields | {"allowed_hosts": ["*"]})
    assert Settings.model_validate(fields).allowed_hosts == [HOST]


def test_trusted_proxies_must_be_addresses_or_networks(settings: Settings) -> None:
    fields = settings.model_dump()

    with pytest.raises(ValidationError, match="does not appear to be an IPv4 or IPv6"):
        Settings.model_validate(fields | {"trusted_proxies": ["ingress-nginx"]})
    accepted = Settings.model_validate(fields | {"trusted_proxies": ["10.0.0.0/8", "::1", "*"]})
    assert accepted.trusted_proxies == ["10.0.0.0/8", "::1", "*"]
