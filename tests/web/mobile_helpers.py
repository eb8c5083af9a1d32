"""Helpers of the phone, offline, device and accessibility browser tests (issue 20): a phone-like page, a learner
signed in in the browser, the offline cache and queue as the page sees them, a lesson played by touch."""

from __future__ import annotations

import time
from typing import Any

import httpx
from web_helpers import TIMEOUT_MS, ConsoleWatch, Learner, log_in, sign_up_learner, wait_page

PHONE = {"width": 390, "height": 844}


def phone_page(browser: Any, **options: Any) -> tuple[Any, Any, ConsoleWatch]:
    """A page as on a phone: 390×844 CSS px, 3× pixels, touch, the mobile viewport meta honoured."""
    settings = {"viewport": PHONE, "device_scale_factor": 3, "is_mobile": True, "has_touch": True, "locale": "es-ES"}
    context = browser.new_context(**{**settings, **options})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = ConsoleWatch()
    watch.attach(page)
    return context, page, watch


def signed_in_learner(page: Any, server: str, name: str = "Ana") -> Learner:
    """A new learner (signed up through the API) logged in in the browser, on the course page."""
    learner = sign_up_learner(server, name)
    log_in(page, server, learner.email)
    wait_page(page, "course")
    return learner


def first_lesson(server: str) -> dict[str, Any]:
    levels = httpx.get(f"{server}/content/languages/ase/levels").json()["levels"]
    level = httpx.get(f"{server}/content/levels/{levels[0]['id']}").json()
    lesson_id = sorted(level["lessons"], key=lambda item: item["position"])[0]["id"]
    lesson: dict[str, Any] = httpx.get(f"{server}/content/lessons/{lesson_id}").json()
    return lesson


# Resolves once the service worker controls the page and has precached the shell.
WORKER_READY = """async () => {
  await navigator.serviceWorker.ready;
  const deadline = Date.now() + 15000;
  while (!navigator.serviceWorker.controller && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const names = await caches.keys();
  return { controlled: Boolean(navigator.serviceWorker.controller), caches: names };
}"""

# Whether the page put the lesson (JSON + every same-origin media URL it names) in the offline cache.
LESSON_KEPT = """async (path) => {
  const cache = await caches.open('senas-lessons');
  const kept = await cache.match(new URL(path, location.href).href);
  if (!kept) return false;
  const lesson = await kept.json();
  const urls = [];
  for (const sign of lesson.signs) if (sign.media) urls.push(sign.media.url);
  for (const url of urls) if (!(await cache.match(new URL(url, location.href).href))) return false;
  return true;
}"""

# The writes waiting in the offline queue (IndexedDB), oldest first.
QUEUED = """async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('senas-offline', 1);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  if (!db.objectStoreNames.contains('writes')) return [];
  const rows = await new Promise((resolve, reject) => {
    const req = db.transaction('writes').objectStore('writes').getAll();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  db.close();
  return rows.map((row) => ({ path: row.path, key: row.key, user: row.user, start: row.start }));
}"""


def wait_js(page: Any, function: str, arg: Any = None, timeout: float = TIMEOUT_MS / 1000) -> Any:
    """Polls ``function(arg)`` in the page until it returns something truthy, and returns it. (Playwright's
    wait_for_function evaluates its predicate with eval, which this app's CSP rightly refuses.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(function, arg)
        if value:
            return value
        assert time.monotonic() < deadline, f"still false after {timeout} s: {function[:80]}"
        page.wait_for_timeout(100)


def wait_until_kept(page: Any, lesson_id: str) -> None:
    wait_js(page, LESSON_KEPT, f"/content/lessons/{lesson_id}")


def queued(page: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = page.evaluate(QUEUED)
    return rows


COUNTER_AT = "(n) => document.querySelector('#exercise-counter')?.textContent.startsWith('Ejercicio ' + n)"


def play_lesson_by_touch(page: Any, lesson: dict[str, Any], answers: dict[str, dict[str, Any]]) -> list[str]:
    """Plays every exercise of the lesson as a learner does on a phone: the right choice where ``answers`` names it,
    the right sign for each letter, the camera exercise skipped; each answer's feedback text, in order."""
    seen: list[str] = []
    for index, exercise in enumerate(lesson["exercises"]):
        stage = page.locator(f".lesson-stage[data-kind='{exercise['kind']}']")
        stage.wait_for()
        wait_js(page, COUNTER_AT, index + 1)
        feedback = page.get_by_test_id("feedback")
        if exercise["kind"] == "perform_sign":
            page.get_by_test_id("skip").tap()
        elif exercise["kind"] == "fingerspell":
            for done, letter in enumerate(exercise["letters"]):
                # the step is drawn anew for each letter (the same sign may come again): wait for enabled choices
                sign = letter["sign_id"]
                button = stage.locator(f".fingerspell-step .choice[data-choice-id='{sign}']:not(:disabled)")
                button.wait_for()
                button.tap()
                wait_js(page, "(n) => document.querySelectorAll('.spelled span').length === n", done + 1)
        else:
            option = answers.get(exercise["id"], {}).get("option_id") or exercise["choices"][0]["id"]
            stage.locator(f".choice[data-choice-id='{option}']").tap()
        continue_button = page.get_by_test_id("continue")
        continue_button.wait_for()
        seen.append(str(feedback.inner_text()))
        continue_button.tap()
    return seen
