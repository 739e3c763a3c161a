"""The API documentation pages, served with their own scripts and styles.

Swagger UI and ReDoc load from this service, never from a CDN, so /docs and
/redoc work where browsers have no internet access. The assets are those the
fastapi-offline package ships (kept current with Swagger UI 5 and ReDoc 2);
FastAPI's own page builders make the HTML, so the pages match FastAPI's.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

OPENAPI_URL = "/openapi.json"
SWAGGER_UI_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
# ReDoc's sidebar always shows Redocly's logo from their CDN (no option hides it);
# this policy keeps the browser from fetching it, so no page view leaves the site.
REDOC_POLICY = {"Content-Security-Policy": "img-src 'self' data:"}
# Under /docs, so whatever exposes or guards the docs covers their assets too.
ASSETS_URL = "/docs/assets"


def _root(request: Request) -> str:
    """The prefix a proxy mounted the service under (uvicorn --root-path), if any."""
    root_path: str = request.scope.get("root_path", "")
    return root_path.rstrip("/")


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI (and its OAuth2 redirect page), ReDoc and their assets."""
    app.mount(ASSETS_URL, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")

    @app.get(SWAGGER_UI_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=root + OPENAPI_URL,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        page = get_redoc_html(
            openapi_url=root + OPENAPI_URL,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            # ReDoc falls back to the system fonts; fetching Google's would leave loopback.
            with_google_fonts=False,
        )
        page.headers.update(REDOC_POLICY)
        return page
