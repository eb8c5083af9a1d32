"""Draws the installable app's PNG icons from the favicon's design (static/favicon.svg), once, by a developer:

    .venv/bin/python -m senas.web.make_icons

The PNGs are committed (static/icons/); nothing runs this at build or run time. Chromium (Debian's, through
Playwright, as the browser tests use it) renders the SVG, so the icons are exactly the favicon at each size:
``icon-192.png`` and ``icon-512.png`` as drawn (rounded square, transparent corners) and ``maskable-512.png``
full-bleed with the hand inside the central 80 % "safe zone" that launchers may crop to a circle or squircle."""

from __future__ import annotations

import os
import re

from senas.web.pwa import STATIC_ROOT

ICONS = STATIC_ROOT / "icons"
CHROMIUM = os.environ.get("SENAS_CHROMIUM", "/usr/bin/chromium")


def _page(svg: str, size: int, maskable: bool) -> str:
    if maskable:
        # The rounded square's colour fills the whole icon; the hand shrinks to the safe zone.
        colour = re.search(r'<rect[^>]*fill="([^"]+)"', svg)
        background = colour.group(1) if colour else "#0b5cad"
        inner = re.sub(r"<rect[^>]*/>", "", svg).replace("<svg ", '<svg width="80%" height="80%" ', 1)
        box = f"width:{size}px;height:{size}px;background:{background};display:grid;place-items:center"
        body = f'<div style="{box}">{inner}</div>'
    else:
        body = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
    return f"<!doctype html><html><body style='margin:0;background:transparent'>{body}</body></html>"


def main() -> None:
    from playwright.sync_api import sync_playwright

    svg = (STATIC_ROOT / "favicon.svg").read_text(encoding="utf-8")
    ICONS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        for name, size, maskable in (
            ("icon-192.png", 192, False),
            ("icon-512.png", 512, False),
            ("maskable-512.png", 512, True),
        ):
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(_page(svg, size, maskable))
            page.screenshot(
                path=str(ICONS / name), omit_background=True, clip={"x": 0, "y": 0, "width": size, "height": size}
            )
            page.close()
        browser.close()
    print(f"icons written to {ICONS}")


if __name__ == "__main__":
    main()
