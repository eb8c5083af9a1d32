"""The API docs pages in a real browser: Swagger UI renders each service's OpenAPI from this origin's own files,
under the page's Content-Security-Policy, with no console errors (a CSP violation is one) and no request leaving
the origin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from web_helpers import new_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.mark.parametrize("service", ["content", "users", "ml"])
def test_swagger_ui_renders_from_this_origin_only(chromium: Any, server: str, service: str) -> None:
    context, page, watch = new_page(chromium)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(f"{server}/{service}/docs")
        page.wait_for_selector(".swagger-ui .info .title")
        page.wait_for_selector(".swagger-ui .opblock")
        assert "Señas" in page.locator(".swagger-ui .info .title").inner_text()
    finally:
        context.close()
    origin = urlsplit(server).netloc
    foreign = [url for url in requested if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin]
    assert foreign == [], foreign
    assert watch.errors == [], watch.errors
