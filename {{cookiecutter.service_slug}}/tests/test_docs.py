"""/docs and /redoc load every script, style and icon from this service, none from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.clients import client_for

# What the pages load: src=, href=, ReDoc's spec-url= and Swagger UI's url: (the spec).
REFERENCE = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|url: '([^']+)'""")
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


def references(page: str) -> list[str]:
    return [src or url for src, url in REFERENCE.findall(page)]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_pages_reference_only_same_origin_assets(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)

    assert page.status_code == 200
    found = references(page.text)
    assert len(found) >= 3, found  # script, icon, spec at least
    assert all(url.startswith("/") and not url.startswith("//") for url in found), found
    assert "fonts.googleapis.com" not in page.text


async def test_redoc_may_load_images_only_from_this_service(client: httpx.AsyncClient) -> None:
    # ReDoc's sidebar would fetch Redocly's logo from their CDN on every view.
    page = await client.get("/redoc")

    assert page.headers["content-security-policy"] == "img-src 'self' data:"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_assets_are_served_with_their_content_types(
    client: httpx.AsyncClient, path: str
) -> None:
    for url in references((await client.get(path)).text):
        asset = await client.get(url)
        suffix = url[url.rindex(".") :]

        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        assert len(asset.content) > 1000, url


async def test_docs_assets_count_under_one_route_label(client: httpx.AsyncClient) -> None:
    for name in ("swagger-ui.css", "redoc.standalone.js"):
        assert (await client.get(f"/docs/assets/{name}")).status_code == 200

    text = (await client.get("/metrics")).text

    assert 'http_requests_total{method="GET",route="/docs/assets",status="200"} 2.0' in text


async def test_swagger_ui_oauth2_redirect_page_is_served(client: httpx.AsyncClient) -> None:
    docs = (await client.get("/docs")).text
    redirect = await client.get("/docs/oauth2-redirect")

    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in docs
    assert redirect.status_code == 200
    assert redirect.headers["content-type"].startswith("text/html")
    assert "swaggerUIRedirectOauth2" in redirect.text


async def test_docs_disabled_serves_no_page_asset_or_spec(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"docs_enabled": False}))

    async with client_for(app) as client:
        for path in (
            "/docs",
            "/docs/oauth2-redirect",
            "/docs/assets/swagger-ui-bundle.js",
            "/redoc",
            "/openapi.json",
        ):
            assert (await client.get(path)).status_code == 404, path
