"""The interactive API docs (``/<service>/docs``), served from the installed Swagger UI package, never a CDN.

The docs page lives on the app's own origin, where the web app keeps the learner's refresh token, so nothing on it
may come from elsewhere: the assets are the pinned ``swagger-ui-bundle-v2`` files, the page's own start-up code is
a file too (no inline script), and a Content-Security-Policy allows only this origin — and forbids framing.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

# Only these files of the package are served (not its index.html, maps or other builds).
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
START = """window.addEventListener("load", () => {
  const holder = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: holder.dataset.openapi, domNode: holder, deepLinking: true });
});
"""
# Swagger UI sets style attributes and injects a few <style> rules at run time; everything else is this origin's.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def swagger_ui_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


def add_docs_routes(app: FastAPI, *, docs_url: str, openapi_url: str, title: str) -> None:
    assets_url = f"{docs_url}/assets"
    page = f"""<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} — API</title>
<link rel="stylesheet" href="{assets_url}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets_url}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{html.escape(openapi_url)}"></div>
<script src="{assets_url}/swagger-ui-bundle.js"></script>
<script src="{assets_url}/start.js"></script>
</body>
</html>
"""

    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=SECURITY_HEADERS)

    async def start() -> Response:
        return PlainTextResponse(START, media_type="text/javascript; charset=utf-8", headers=SECURITY_HEADERS)

    async def asset(name: str) -> Response:
        media_type = ASSETS.get(name)
        if media_type is None:
            return PlainTextResponse("not found", status_code=404, headers=SECURITY_HEADERS)
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}
        return FileResponse(swagger_ui_dir() / name, media_type=media_type, headers=headers)

    app.add_api_route(docs_url, docs, methods=["GET"], include_in_schema=False)
    app.add_api_route(f"{assets_url}/start.js", start, methods=["GET"], include_in_schema=False)
    app.add_api_route(f"{assets_url}/{{name}}", asset, methods=["GET"], include_in_schema=False)
