"""/docs and /redoc in a real headless Chromium that cannot reach anything but loopback.

Debian's chromium, driven by Playwright, opens the pages of renderings served by
uvicorn. Every request that would leave 127.0.0.1 is aborted and fails the test,
as does any failed request or console error, so a page that needs a CDN (or a
font service) cannot pass. With auth=jwt the Swagger UI Authorize flow (OAuth2
password grant) runs through to a 200 from GET /items; with auth=api-key,
Authorize takes a key.
"""

from __future__ import annotations

import re
import shutil
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright

from tests.accounts import EMAIL, PASSWORD
from tests.availability import skip_or_fail
from tests.project import python_for, run, uvicorn
from tests.render import render

pytestmark = pytest.mark.browser


PREFIX = "ORDERS_SERVICE_"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LIST_ITEMS = re.compile("list items", re.IGNORECASE)
# ReDoc always shows Redocly's logo from their CDN; /redoc's Content-Security-Policy
# stops the browser before any request. The refusal it logs is that policy working;
# the logo reaching the network would still fail the test (left_loopback).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
TIMEOUT_MS = 15_000


@dataclass
class Offline:
    """What a page tried that an offline browser must never need."""

    left_loopback: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.left_loopback + self.failed + self.console_errors


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def offline() -> Offline:
    return Offline()


@pytest.fixture
def page(browser: Browser, offline: Offline) -> Iterator[Page]:
    """A page whose every request off loopback is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if urllib.parse.urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            offline.left_loopback.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on(
        "requestfailed",
        lambda request: (
            None if request.url == REDOC_LOGO else offline.failed.append(f"failed: {request.url}")
        ),
    )
    page.on("pageerror", lambda error: offline.console_errors.append(f"page: {error}"))
    page.on(
        "console",
        lambda message: (
            offline.console_errors.append(f"console: {message.text}")
            if message.type == "error" and not refused_by_policy(message.text)
            else None
        ),
    )
    yield page
    context.close()
    assert offline.problems() == []


def refused_by_policy(text: str) -> bool:
    return REDOC_LOGO in text and "Content Security Policy" in text


def serve(tmp_path_factory: pytest.TempPathFactory, answers: dict[str, str]) -> Path:
    project = render(tmp_path_factory.mktemp("browser"), answers)
    run(project, "uv", "sync", "--python", python_for("3.12"), "--quiet")
    return project


@pytest.fixture(scope="module")
def jwt_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = serve(tmp_path_factory, {"database": "postgres", "auth": "jwt"})
    env = {
        f"{PREFIX}DATABASE_URL": f"sqlite+aiosqlite:///{project}/browser.db",
        f"{PREFIX}SECRET_KEY": "browser-test-signing-key-of-at-least-32-bytes",
    }
    run(project, "uv", "run", "--no-sync", "alembic", "upgrade", "head", env=env)
    with uvicorn(project, env) as url:
        registered = httpx.post(f"{url}/users", json={"email": EMAIL, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        yield url


@pytest.fixture(scope="module")
def api_key_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    project = serve(tmp_path_factory, {"database": "none", "auth": "api-key"})
    printed = run(
        project,
        *("uv", "run", "--no-sync", "python", "-m", "app.cli", "hash-api-key"),
        *("--name", "browser", "--scopes", "items:read"),
    ).splitlines()
    key, entry = printed[1], printed[3]
    with uvicorn(project, {f"{PREFIX}API_KEYS": f"[{entry}]"}) as url:
        yield url, key


@pytest.fixture(scope="module")
def open_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = serve(tmp_path_factory, {"database": "none", "auth": "none"})
    with uvicorn(project, {}) as url:
        yield url


def open_swagger_ui(page: Page, url: str) -> Locator:
    """Open /docs; the GET /items operation block once Swagger UI rendered it."""
    page.goto(f"{url}/docs")
    operation = page.locator("#operations-items-list_items")
    expect(operation.locator(".opblock-summary-description")).to_have_text(LIST_ITEMS)
    return operation


def assert_redoc_renders(page: Page, url: str) -> None:
    page.goto(f"{url}/redoc")
    expect(page.get_by_role("heading", name=LIST_ITEMS)).to_be_visible()
    expect(page.locator("h1").first).to_contain_text("Orders Service")


def authorize(page: Page, fill: dict[str, str]) -> None:
    """Fill Swagger UI's Authorize dialog, submit it and close it once it says Logout."""
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".dialog-ux .modal-ux")
    for selector, value in fill.items():
        dialog.locator(selector).fill(value)
    dialog.locator("button.modal-btn.auth.authorize").click()
    expect(dialog.locator("button.modal-btn.auth", has_text="Logout")).to_be_visible()
    dialog.locator("button.btn-done").click()


def execute(operation: Locator) -> str:
    """Try it out, Execute; the status code of the response Swagger UI shows."""
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text(re.compile(r"\d{3}"))
    return status.inner_text().strip()


def test_jwt_docs_authorize_with_the_password_grant_then_list_items(
    page: Page, jwt_service: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    operation = open_swagger_ui(page, jwt_service)
    authorize(page, {"#oauth_username": EMAIL, "#oauth_password": PASSWORD})
    screenshot = tmp_path_factory.mktemp("screens") / "docs-after-authorize.png"
    page.screenshot(path=str(screenshot), full_page=True)

    assert execute(operation) == "200"
    assert screenshot.stat().st_size > 20_000  # a rendered page, not a blank one
    assert_redoc_renders(page, jwt_service)


def test_api_key_docs_authorize_with_a_key_then_list_items(
    page: Page, api_key_service: tuple[str, str]
) -> None:
    url, key = api_key_service
    operation = open_swagger_ui(page, url)
    authorize(page, {"input[type=text]": key})

    assert execute(operation) == "200"
    assert_redoc_renders(page, url)


def test_open_docs_list_items_without_authorizing(page: Page, open_service: str) -> None:
    operation = open_swagger_ui(page, open_service)

    assert page.locator(".auth-wrapper button.authorize").count() == 0
    assert execute(operation) == "200"
    assert_redoc_renders(page, open_service)
