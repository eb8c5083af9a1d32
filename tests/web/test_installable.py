"""Chromium's own verdict on installing the app (issue 20): in a normal (not incognito) profile — Chromium refuses
to install anything from an incognito window, which every Playwright ``new_context`` is — the manifest parses
without errors and ``Page.getInstallabilityErrors`` finds nothing missing (a service worker with a fetch handler
controlling the page, icons of the required sizes, ``display: standalone``, a start URL in scope)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mobile_helpers import PHONE, WORKER_READY
from web_helpers import TIMEOUT_MS, skip_or_fail

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def test_chromium_finds_the_app_installable(
    browser_type_launch_args: dict[str, Any], server: str, tmp_path: Path
) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            **browser_type_launch_args,
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            locale="es-ES",
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(server)
            page.wait_for_selector("main[data-page='home'] h1")
            ready = page.evaluate(WORKER_READY)
            assert ready["controlled"], ready
            session = context.new_cdp_session(page)
            manifest = session.send("Page.getAppManifest")
            assert manifest["url"].endswith("/static/manifest.webmanifest")
            assert manifest["errors"] == [], manifest["errors"]
            errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
            assert errors == [], errors
        finally:
            context.close()
