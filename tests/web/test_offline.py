"""The installable app with the network cut (Playwright's offline mode), in real Chromium at 390×844 with touch
(issue 20): the service worker precaches the app shell and the page keeps each opened lesson (JSON + media), so a
reload with no connection still opens the app and that lesson, with a clear offline state; a lesson played offline
is queued with its idempotency keys and sent when the connection returns — once: a reply lost on the way back makes
the queue send it again, and the server's XP and completed lessons count it one time."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from mobile_helpers import (
    QUEUED,
    WORKER_READY,
    first_lesson,
    phone_page,
    play_lesson_by_touch,
    queued,
    signed_in_learner,
    wait_js,
    wait_until_kept,
)
from web_helpers import complete_lesson, level_lessons, log_in, right_answers, screenshot, sign_up_learner, wait_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _open_lesson_online(page: Any, server: str, lesson_id: str) -> None:
    page.goto(f"{server}/#/lesson/{lesson_id}")
    wait_page(page, "lesson")
    ready = page.evaluate(WORKER_READY)
    assert ready["controlled"], ready
    assert any(name.startswith("senas-shell-") for name in ready["caches"]), ready
    wait_until_kept(page, lesson_id)


def _progress(server: str, headers: dict[str, str]) -> dict[str, Any]:
    summary: dict[str, Any] = httpx.get(f"{server}/users/me/progress", headers=headers).json()
    return summary


def test_the_shell_and_an_opened_lesson_load_with_the_network_cut(chromium: Any, server: str) -> None:
    context, page, console = phone_page(chromium)
    signed_in_learner(page, server)
    lesson = first_lesson(server)
    _open_lesson_online(page, server, lesson["id"])

    context.set_offline(True)
    page.reload()
    wait_page(page, "lesson")
    assert lesson["title_es"] in page.inner_text("main h1")
    banner = page.get_by_test_id("offline-banner")
    assert banner.is_visible()
    assert "Sin conexión" in banner.inner_text()
    assert page.locator("html").get_attribute("data-connection") == "offline"
    # the lesson's media came from the offline cache: every sign is drawn (inline SVG or a loaded image)
    figures = page.locator(".sign-grid .sign-media")
    assert figures.count() == len(lesson["signs"])
    wait_js(
        page,
        """() => [...document.querySelectorAll('.sign-grid .media-box')].every((box) => {
          const frame = box.querySelector('svg.media-frame, img.media-frame, video.media-frame');
          return frame && (frame.tagName !== 'IMG' || (frame.complete && frame.naturalWidth > 0));
        })""",
    )
    screenshot(page, "mobile-10-phone-offline-lesson")

    # a page that needs the server says so, and lists the lessons kept offline, which open
    page.get_by_test_id("bottom-nav").get_by_role("link", name="Diccionario").tap()
    wait_page(page, "offline")  # the dictionary searches the server
    page.goto(f"{server}/#/course")
    wait_page(page, "offline")
    assert page.get_by_test_id("offline-page").is_visible()
    kept = page.get_by_test_id("offline-lessons").get_by_role("link")
    assert kept.all_inner_texts() == [lesson["title_es"]]
    screenshot(page, "mobile-11-phone-offline-course")
    kept.first.tap()
    wait_page(page, "lesson")
    assert lesson["title_es"] in page.inner_text("main h1")

    # a new tab with no connection: the app shell opens (no session in it: the landing page)
    other = context.new_page()
    other.goto(server)
    other.wait_for_selector("main[data-page='home'] h1")
    assert other.get_by_test_id("offline-banner").is_visible()
    screenshot(other, "mobile-11b-phone-offline-home")
    other.close()

    # back online on the offline page: the session is renewed and the page asked for appears
    page.goto(f"{server}/#/achievements")
    wait_page(page, "offline")
    context.set_offline(False)
    page.wait_for_selector("[data-testid='offline-banner']", state="hidden")
    wait_page(page, "achievements")
    context.close()
    # The failed requests of the offline reload (the session renewal, the header's numbers) are the browser's own
    # network errors, not the app's: only script errors count here.
    assert [error for error in console.errors if error.startswith("pageerror")] == []


def test_a_lesson_played_offline_is_sent_once_when_back_online(chromium: Any, server: str) -> None:
    context, page, console = phone_page(chromium)
    learner = signed_in_learner(page, server, "Offline")
    lesson = first_lesson(server)
    answers = right_answers(server, learner.headers, lesson["id"])  # an unfinished probe attempt: counts nothing
    _open_lesson_online(page, server, lesson["id"])
    before = _progress(server, learner.headers)
    assert before["xp_total"] == 0

    # no connection, and the tab reloaded: the session cannot be renewed, the lesson still plays
    context.set_offline(True)
    page.reload()
    wait_page(page, "lesson")
    page.get_by_test_id("begin").tap()
    feedback = play_lesson_by_touch(page, lesson, answers)
    kinds = [exercise["kind"] for exercise in lesson["exercises"]]
    graded = [text for kind, text in zip(kinds, feedback, strict=True) if kind != "perform_sign"]
    assert graded
    assert all("Guardado sin conexión" in text for text in graded), feedback
    result = page.get_by_test_id("lesson-result")
    result.wait_for()
    assert result.get_attribute("data-state") == "saved-offline"
    rows = queued(page)
    answered = sum(1 for exercise in lesson["exercises"] if exercise["kind"] != "perform_sign")
    assert len(rows) == 1 + answered + 1, rows  # the start, each answer, the completion
    assert rows[0]["start"] is True
    assert rows[-1]["path"].endswith("/:attempt/complete")
    assert len({row["key"] for row in rows}) == len(rows)  # one idempotency key per write
    assert {row["user"] for row in rows} == {learner.user_id}
    assert "Pendientes de enviar" in page.get_by_test_id("offline-banner").inner_text()
    screenshot(page, "mobile-12-phone-saved-offline")
    assert _progress(server, learner.headers)["xp_total"] == 0  # nothing reached the server

    # back online; the completion reaches the server but its reply is lost on the way back
    lost: list[str] = []

    def lose_the_reply(route: Any) -> None:
        if lost:
            route.continue_()
            return
        response = route.fetch()
        lost.append(f"{response.status} {route.request.headers.get('idempotency-key')}")
        route.abort("internetdisconnected")

    context.route("**/attempts/*/complete", lose_the_reply)
    context.set_offline(False)
    deadline = time.monotonic() + 30
    while not lost:
        assert time.monotonic() < deadline, "the queue was not sent when the connection returned"
        page.wait_for_timeout(100)
    assert lost[0].startswith("200 "), lost
    counted = _progress(server, learner.headers)
    assert counted["xp_total"] > 0
    assert counted["lessons_completed"] == 1
    wait_js(page, "() => document.documentElement.dataset.queued === '1'")  # that flush is over
    remaining = queued(page)
    assert [row["path"].rsplit("/", 1)[-1] for row in remaining] == ["complete"]  # kept: its reply never came
    assert remaining[0]["key"] == rows[-1]["key"]

    # the next flush sends it again with the same key: the server answers with the first outcome, counts nothing
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_js(page, "() => document.documentElement.dataset.queued === '0'")
    assert queued(page) == []
    after = _progress(server, learner.headers)
    assert after["xp_total"] == counted["xp_total"]
    assert after["lessons_completed"] == 1
    page.get_by_test_id("toast").filter(has_text="Resultados enviados").first.wait_for()
    # the saved-offline card now shows what the server made of the lesson
    assert result.get_attribute("data-state") == "sent"
    assert f"{counted['xp_total']} XP" in result.inner_text()
    header_xp = "(xp) => document.querySelector('#stats [data-testid=xp]')?.textContent.includes(xp + ' XP')"
    wait_js(page, header_xp, after["xp_total"])
    screenshot(page, "mobile-13-phone-sent")
    context.close()
    assert [error for error in console.errors if error.startswith("pageerror")] == []


def test_signing_out_forgets_the_queued_writes_and_the_kept_lessons(chromium: Any, server: str) -> None:
    context, page, console = phone_page(chromium)
    learner = signed_in_learner(page, server, "Shared phone")
    lesson = first_lesson(server)
    _open_lesson_online(page, server, lesson["id"])
    # the progress service unreachable (the rest answers): the lesson's writes are queued
    context.route("**/users/me/lessons/**", lambda route: route.abort("internetdisconnected"))
    page.get_by_test_id("begin").tap()
    stage = page.locator(".lesson-stage")
    stage.locator(".choice").first.tap()
    page.get_by_test_id("feedback").filter(has_text="Guardado sin conexión").wait_for()
    rows = queued(page)
    assert len(rows) == 2, rows  # the start and one answer
    assert {row["user"] for row in rows} == {learner.user_id}

    page.get_by_test_id("nav-more").tap()
    page.locator("#more-menu").get_by_role("button", name="Salir").tap()
    page.wait_for_selector("main[data-page='home'] h1")
    wait_js(page, "async () => !(await caches.keys()).includes('senas-lessons')")
    assert queued(page) == []
    assert _progress(server, learner.headers)["xp_total"] == 0
    context.close()
    assert [error for error in console.errors if error.startswith("pageerror")] == []


def test_a_review_rating_made_without_a_connection_is_sent_later(chromium: Any, server: str) -> None:
    learner = sign_up_learner(server, "Repaso sin red")
    complete_lesson(server, learner, level_lessons(server)[0])
    due = httpx.get(f"{server}/users/me/reviews/due", params={"limit": 100}, headers=learner.headers).json()["cards"]
    assert len(due) > 1
    context, page, console = phone_page(chromium)
    log_in(page, server, learner.email, next_path="/review")
    wait_page(page, "review")
    xp_before = _progress(server, learner.headers)["xp_total"]

    # the connection drops as the first card is rated
    context.route("**/users/me/reviews/*/answer", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="Mostrar la respuesta").tap()
    page.get_by_role("button", name="Bien", exact=True).tap()
    page.get_by_text(f"Seña 2 de {min(len(due), 20)}", exact=True).wait_for()  # the review goes on
    rows = queued(page)
    assert len(rows) == 1, rows
    assert rows[0]["path"].endswith("/answer")
    assert page.locator(".review-stage .error").count() == 0
    assert _progress(server, learner.headers)["xp_total"] == xp_before

    context.unroute("**/users/me/reviews/*/answer")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_js(page, "async () => (" + QUEUED + ")().then((rows) => rows.length === 0)")
    remaining = httpx.get(f"{server}/users/me/reviews/due", params={"limit": 100}, headers=learner.headers).json()
    assert len(remaining["cards"]) == len(due) - 1  # the first card was answered, once
    assert _progress(server, learner.headers)["xp_total"] > xp_before
    context.close()
    assert [error for error in console.errors if error.startswith("pageerror")] == []
