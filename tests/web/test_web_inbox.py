"""The notifications inbox in a real browser: a learner with the inbox open completes a level (through the
progress API, as the lesson page does) and the achievement and level notifications arrive live — on the page and
as the header's unread count; older ones page in with "Cargar más"; marking one read, then all, lowers the count
to nothing, on the page and on the server. Keyboard only, no console errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from web_helpers import (
    Learner,
    complete_lesson,
    level_lessons,
    log_in,
    new_page,
    screenshot,
    sign_up_learner,
    tab_to,
    wait_page,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# The queue consumer fills the inbox a moment after the progress write; waiting for it is not a timing assertion.
DELIVERY_TIMEOUT_S = 60
BADGE = "[data-testid='unread-badge']"


def _inbox(server: str, learner: Learner) -> list[dict[str, Any]]:
    response = httpx.get(f"{server}/users/me/notifications", params={"limit": 100}, headers=learner.headers)
    assert response.status_code == 200, response.text
    notifications: list[dict[str, Any]] = response.json()["notifications"]
    return notifications


def _wait_for_inbox(server: str, learner: Learner, wanted: Callable[[list[dict[str, Any]]], bool]) -> list[Any]:
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while True:
        items = _inbox(server, learner)
        if wanted(items):
            return items
        assert time.monotonic() < deadline, f"the inbox never had what was expected: {items}"
        time.sleep(0.5)


def _level_announced(items: list[dict[str, Any]]) -> bool:
    kinds = {item["kind"] for item in items}
    codes = {item["data"].get("code") for item in items if item["kind"] == "achievement"}
    return "level_completed" in kinds and {"first_lesson", "level_completed"} <= codes


def _badge(page: Any) -> str:
    badge = page.locator(BADGE)
    return str(badge.inner_text()) if badge.count() else ""


def _limit_inbox_pages(page: Any, size: int) -> None:
    """The inbox page asks for 20 at a time; the learner here has fewer, so its requests are sent to the real
    server with a smaller page to make it page (the badge's own request, limit=100, is left alone)."""

    def smaller(route: Any) -> None:
        route.continue_(url=route.request.url.replace("limit=20", f"limit={size}"))

    page.route("**/users/me/notifications?limit=20*", smaller)


def test_notifications_arrive_live_page_in_and_are_marked_read_by_keyboard(chromium: Any, server: str) -> None:
    learner = sign_up_learner(server, "Inés del Buzón")
    context, page, console = new_page(chromium)
    log_in(page, server, learner.email, next_path="/notifications")
    wait_page(page, "notifications")
    page.get_by_test_id("inbox-empty").wait_for()
    assert page.locator(BADGE).count() == 0
    assert page.get_by_role("button", name="Cargar más").is_hidden()

    # A whole level, done while the page is open: its notifications come over the live stream.
    for lesson_id in level_lessons(server):
        complete_lesson(server, learner, lesson_id)
    items = _wait_for_inbox(server, learner, _level_announced)
    for item in items:
        page.locator(f"li.notification[data-id='{item['id']}']").wait_for()
    # Everything the inbox has is unread; the header says how many, live.
    page.wait_for_function(
        "n => document.querySelector(\"[data-testid='unread-badge']\")?.textContent === String(n)",
        arg=len(items),
    )
    link_name = page.locator("#nav a[data-nav='notifications']").evaluate("a => a.textContent")
    assert f"{len(items)} sin leer" in link_name
    assert page.get_by_test_id("inbox-empty").is_hidden()
    level = page.locator("li.notification[data-kind='level_completed']")
    assert "¡Nivel completado!" in level.inner_text()
    assert level.get_by_role("link", name="Ir al curso").count() == 1
    first_lesson = page.locator("li.notification[data-kind='achievement']").filter(has_text="Primera lección")
    assert "Sin leer" in first_lesson.inner_text()
    assert page.locator("li.notification.unread").count() == len(items)
    screenshot(page, "23-inbox-live")

    # A fresh visit, two at a time: "Cargar más" pages through the rest, by keyboard, newest first.
    _limit_inbox_pages(page, 2)
    page.reload()
    wait_page(page, "notifications")
    page.locator("li.notification").nth(1).wait_for()
    assert page.locator("li.notification").count() == 2
    tab_to(page, "el => el.textContent === 'Cargar más'")
    while page.get_by_role("button", name="Cargar más").is_visible():
        shown = page.locator("li.notification").count()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('li.notification').length > n || "
            "[...document.querySelectorAll('main button')].every(b => b.hidden || b.textContent !== 'Cargar más')",
            arg=shown,
        )
        # focus went to the first notification just loaded; back to the button for the next page
        if page.get_by_role("button", name="Cargar más").is_visible():
            assert page.evaluate("document.activeElement.dataset.testid") == "notification"
            tab_to(page, "el => el.textContent === 'Cargar más'")
    ids = page.locator("li.notification").evaluate_all("items => items.map(li => li.dataset.id)")
    assert ids == [item["id"] for item in items]  # all of them, once each, in the inbox's order
    assert _badge(page) == str(len(items))

    # One read, with the keyboard: the count goes down by one, here and on the server.
    page.locator("main h1").focus()
    tab_to(page, "el => el.textContent === 'Marcar como leído'")
    marked_id = page.evaluate("document.activeElement.closest('li').dataset.id")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Aviso marcado como leído.").wait_for()
    assert page.evaluate("document.activeElement.dataset.id") == marked_id  # focus stays on that notification
    page.wait_for_function(
        "n => document.querySelector(\"[data-testid='unread-badge']\")?.textContent === String(n)",
        arg=len(items) - 1,
    )
    marked = page.locator(f"li.notification[data-id='{marked_id}']")
    assert "read" in (marked.get_attribute("class") or "").split()
    assert marked.get_by_role("button", name="Marcar como leído").count() == 0
    assert {item["id"]: item["read"] for item in _inbox(server, learner)}[marked_id] is True
    screenshot(page, "24-inbox-one-read")

    # All the rest at once: no badge left, nothing unread on the server.
    tab_to(page, "el => el.textContent === 'Marcar todos como leídos'", backwards=True)
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text=f"Avisos marcados como leídos: {len(items) - 1}.").wait_for()
    page.wait_for_function("sel => !document.querySelector(sel)", arg=BADGE)
    assert page.locator("li.notification.unread").count() == 0
    assert page.get_by_role("button", name="Marcar todos como leídos").is_hidden()
    assert page.evaluate("document.activeElement.tagName") == "H1"
    assert all(item["read"] for item in _inbox(server, learner))
    screenshot(page, "25-inbox-all-read")

    # English: the same page, translated.
    page.get_by_role("button", name="Switch the interface to English").click()
    page.get_by_role("heading", name="Notifications", exact=True).wait_for()
    assert "Level completed" in page.inner_text("main")
    page.get_by_role("button", name="Cambiar la interfaz a español").click()
    page.wait_for_function("document.documentElement.lang === 'es'")
    context.close()
    assert console.errors == []
