"""The interactive API documentation at `/docs` (Swagger UI) and `/redoc`, with their assets
served from an installed package.

FastAPI's default pages load their scripts from a CDN, which the security policy forbids and an
offline deployment cannot reach: both pages stayed blank. `fastapi-offline` ships the same files
(Swagger UI 5, which reads OpenAPI 3.1, and Redoc 2).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
FILES = Path(fastapi_offline.__file__).parent / "static"


def install_api_docs(app: FastAPI) -> None:
    """Mount the assets and the two pages; the app is created with `docs_url=None, redoc_url=None`."""
    app.mount(ASSETS, StaticFiles(directory=FILES), name="docs-assets")
    title = f"{app.title} — API"
    openapi = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi,
            title=title,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi,
            title=title,
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
