"""`/docs` without the internet: Swagger UI from the `swagger-ui-bundle-v2` package.

FastAPI's own `/docs` page loads Swagger UI from a CDN, which a machine without the internet
(or a cluster that allows no egress) cannot reach. Here the page references only the
service's own `/docs/assets/...`, served from the package's copy of Swagger UI (5.x, which
renders OpenAPI 3.1 as FastAPI writes it).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"


def install_offline_docs(app: FastAPI) -> None:
    """Serve `/docs` (Swagger UI on the app's OpenAPI) and its assets from the package."""
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
