"""Fingerspelling in front of the camera, in a real browser with a fake camera: the learner signs each letter, the
app photographs it, shows what the recogniser saw (letter, confidence, top 3) and moves on when it is the right
letter; with no hand in view it says so; without a camera it falls back to choosing the signs. All by keyboard,
with no console errors.

Which letter the recogniser gives for a photo is found out here, through the API, on exactly the frame the fake
camera will show; the test then authors (through the author API, as the bootstrap admin) a lesson whose
fingerspelling word is made of that letter, so the success path is known in advance without hard-coding what a
model answers. The shared ``none`` photos cannot serve as "no hand": each shows a hand at rest, and the
recogniser finds one in every one of them; the no-hand camera shows an empty grey scene instead (the
``empty_clip`` of conftest.py), as the camera-practice tests do.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import (
    AUTHOR_EMAIL,
    CLIP_FPS,
    CLIP_SECONDS,
    HANDS,
    ConsoleWatch,
    enrolled_admin,
    jpeg,
    letterbox,
    screenshot,
    skip_or_fail,
    spelling_lesson,
    write_y4m,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PASSWORD = "Manos-Que-Hablan-42"
TIMEOUT_MS = 30_000
# Clearly above the app's MIN_LETTER_CONFIDENCE (0.6, lesson.js), so that the browser's own JPEG of the frame
# lands on the same side of it.
CLEAR_CONFIDENCE = 0.9
RECOGNISE = "/ml/fingerspelling/recognise"
XP_ABOVE = """before => {
  const stat = document.querySelector("#stats [data-testid='xp']");
  const match = stat && stat.textContent.match(/(\\d+) XP/);
  return Boolean(match) && Number(match[1]) > before;
}"""


def _email() -> str:
    return f"web-fs-{secrets.token_hex(5)}@example.com"


def _learner(server: str) -> tuple[str, dict[str, str]]:
    email = _email()
    response = httpx.post(f"{server}/users/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    login = httpx.post(f"{server}/users/auth/login", json={"email": email, "password": PASSWORD}).json()
    return email, {"Authorization": f"Bearer {login['tokens']['access_token']}"}


@pytest.fixture(scope="module")
def author(server: str, grant_admin: Callable[[str], None]) -> dict[str, str]:
    """An admin's headers: signed up, made admin by the operator, enrolling MFA on its first sign-in (admins must)."""
    return enrolled_admin(server, grant_admin, AUTHOR_EMAIL, PASSWORD).headers


@pytest.fixture(scope="module")
def clear_letter(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """(a photo's letter, a fake-camera clip of that photo): the first shared hand
    photo that the recogniser, shown the very frame the camera will show, names with a clear confidence."""
    _, learner = _learner(server)
    photos = sorted((HANDS / "four").glob("*.jpg")) + sorted((HANDS / "rock").glob("*.jpg"))
    if not photos:
        skip_or_fail(f"hand photos not found under {HANDS} (the shared fixtures)")
    for photo in photos:
        frame = letterbox(photo)
        response = httpx.post(
            f"{server}{RECOGNISE}",
            content=jpeg(frame),
            headers={**learner, "Content-Type": "image/jpeg"},
            timeout=60,
        )
        if (
            response.status_code == 200
            and response.json()["sure"]
            and response.json()["confidence"] >= CLEAR_CONFIDENCE
        ):
            clip = tmp_path_factory.mktemp("clips") / f"{photo.stem}.y4m"
            return str(response.json()["letter"]), write_y4m(clip, [frame] * (CLIP_FPS * CLIP_SECONDS))
    pytest.fail(f"no shared hand photo is recognised with confidence ≥ {CLEAR_CONFIDENCE}")


@pytest.fixture
def pages() -> Iterator[Callable[[Any], tuple[Any, Any, ConsoleWatch]]]:
    contexts: list[Any] = []

    def open_page(browser: Any) -> tuple[Any, Any, ConsoleWatch]:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        return context, page, watch

    yield open_page
    for context in contexts:
        context.close()


def _open_lesson(page: Any, server: str, email: str, lesson_id: str) -> None:
    """Signs in and opens the lesson's exercise — by keyboard from the lesson's page on."""
    page.goto(f"{server}/#/login?next=/lesson/{lesson_id}")
    page.wait_for_selector("main[data-page='login'] h1")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Contraseña").press("Enter")
    page.wait_for_selector("main[data-page='lesson'] h1")
    page.get_by_test_id("begin").focus()
    page.keyboard.press("Enter")
    page.locator(".lesson-stage[data-kind='fingerspell']").wait_for()


def _tab_to(page: Any, testid: str) -> None:
    _tab_to_selector(page, f"[data-testid='{testid}']")


def _tab_to_selector(page: Any, selector: str, limit: int = 25) -> None:
    """Presses Tab until the element matching ``selector`` has the focus (keyboard-only navigation)."""
    for _ in range(limit):
        if page.evaluate("s => Boolean(document.activeElement && document.activeElement.matches(s))", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def _focused(page: Any) -> str | None:
    focused: str | None = page.evaluate("document.activeElement && document.activeElement.dataset.testid")
    return focused


def _start_camera_mode(page: Any) -> None:
    _tab_to(page, "fingerspell-use-camera")
    page.keyboard.press("Enter")
    page.get_by_test_id("fingerspell-mode").filter(has_text="Cámara lista").wait_for()
    # the self-view is mirrored for display only
    transform = page.eval_on_selector(".fingerspell-camera video.selfview", "v => getComputedStyle(v).transform")
    assert transform.startswith("matrix(-1")
    assert _focused(page) == "fingerspell-capture"


def _capture_outcome(page: Any, expected: str) -> Any:
    """Waits for the answer to a capture — a verdict, no hand, or an error — and insists on the expected one
    (failing at once, with the page's message, when another came)."""
    outcome = page.locator(
        "[data-testid='fingerspell-verdict'], [data-testid='fingerspell-no-hand'], [data-testid='fingerspell-error']"
    )
    outcome.first.wait_for()
    wanted = page.get_by_test_id(expected)
    assert wanted.count() == 1, (
        f"expected {expected}, the page says: {page.get_by_test_id('fingerspell-result').inner_text()}"
    )
    return wanted


def _unexpected(console: ConsoleWatch, allowed_status: int | None = None) -> list[str]:
    """Console errors, less the browser's own log line for an API answer the test provoked on purpose."""
    if allowed_status is None:
        return console.errors
    expected = f"status of {allowed_status}"
    return [error for error in console.errors if not (expected in error and RECOGNISE in error)]


def _xp(page: Any) -> int:
    text = page.locator("#stats [data-testid='xp']").inner_text()
    match = re.search(r"(\d+) XP", text)
    assert match, text
    return int(match.group(1))


def test_spelling_on_camera_recognises_each_letter_and_records_the_result(
    camera_browser: Any,
    pages: Any,
    server: str,
    author: dict[str, str],
    clear_letter: tuple[str, Path],
) -> None:
    letter, clip = clear_letter
    lesson = spelling_lesson(server, author, (letter * 2).lower())
    email, _ = _learner(server)
    context, page, console = pages(camera_browser(clip))
    _open_lesson(page, server, email, lesson["id"])
    page.wait_for_selector("#stats [data-testid='xp']")
    xp_before = _xp(page)
    _start_camera_mode(page)

    for number in (1, 2):
        page.locator(".fingerspell-step h3").filter(has_text=f"Letra {number} de 2").wait_for()
        _tab_to(page, "fingerspell-capture")
        page.keyboard.press("Enter")
        verdict = _capture_outcome(page, "fingerspell-verdict")
        recognised = page.get_by_test_id("fingerspell-recognised")
        assert page.get_by_test_id("fingerspell-letter").inner_text() == letter
        assert "confianza" in recognised.inner_text()
        top3 = recognised.locator("ol.fs-top3 li")
        assert top3.count() == 3
        assert top3.first.inner_text().startswith(f"{letter} — ")
        assert f"¡Bien! Es la «{letter}»" in verdict.inner_text(), verdict.inner_text()
        if number == 1:
            screenshot(page, "19-fingerspell-camera-recognised")

    feedback = page.get_by_test_id("feedback")
    feedback.filter(has_text="Deletreo completo. ¡Correcto!").wait_for()
    assert page.locator(".spelled .right").count() == 2
    continue_button = page.get_by_test_id("continue")
    continue_button.wait_for()
    assert _focused(page) == "continue"
    assert page.locator(".fingerspell-camera video").count() == 0  # the camera is off once spelled
    screenshot(page, "20-fingerspell-camera-done")
    page.keyboard.press("Enter")
    page.get_by_test_id("lesson-result").wait_for()
    # graded by the server as with the choices: completing the lesson earned XP for it
    page.wait_for_function(XP_ABOVE, arg=xp_before)
    context.close()
    assert _unexpected(console) == []


def test_spelling_on_camera_without_a_hand_says_so(
    camera_browser: Any,
    pages: Any,
    server: str,
    author: dict[str, str],
    clear_letter: tuple[str, Path],
    empty_clip: Path,
) -> None:
    letter, _ = clear_letter
    lesson = spelling_lesson(server, author, (letter * 2).lower())
    email, _ = _learner(server)
    context, page, console = pages(camera_browser(empty_clip))
    _open_lesson(page, server, email, lesson["id"])
    _start_camera_mode(page)

    page.keyboard.press("Enter")
    no_hand = _capture_outcome(page, "fingerspell-no-hand")
    assert "No se ve ninguna mano" in no_hand.inner_text()
    assert no_hand.get_attribute("role") == "alert"
    assert page.get_by_test_id("fingerspell-letter").count() == 0  # nothing claimed as recognised
    capture = page.get_by_test_id("fingerspell-capture")
    assert capture.inner_text() == "Intentar de nuevo"
    assert _focused(page) == "fingerspell-capture"  # a retry is one key away
    screenshot(page, "21-fingerspell-camera-no-hand")

    # skip both letters by keyboard: the exercise ends, recorded as not right
    for number in (1, 2):
        page.locator(".fingerspell-step h3").filter(has_text=f"Letra {number} de 2").wait_for()
        _tab_to(page, "fingerspell-skip-letter")
        page.keyboard.press("Enter")
    page.get_by_test_id("feedback").filter(has_text="Deletreo completo.").wait_for()
    assert page.locator(".spelled .wrong").count() == 2
    page.get_by_test_id("continue").wait_for()
    context.close()
    # The browser logs every 4xx answer itself; the 422 "no_hands" answer is the one expected here.
    assert _unexpected(console, allowed_status=422) == []


def test_without_a_camera_the_exercise_falls_back_to_choosing(
    launch_chromium: Callable[..., Any], pages: Any, server: str, author: dict[str, str]
) -> None:
    lesson = spelling_lesson(server, author, "hola")
    email, _ = _learner(server)
    browser = launch_chromium()  # no fake camera: there is no camera at all
    context, page, console = pages(browser)
    _open_lesson(page, server, email, lesson["id"])
    _tab_to(page, "fingerspell-use-camera")
    page.keyboard.press("Enter")
    mode = page.get_by_test_id("fingerspell-mode").filter(has_text="No se pudo usar la cámara")
    mode.wait_for()
    assert "no se encontró ninguna cámara" in mode.inner_text()  # the reason, in words
    assert "sigue eligiendo la seña" in mode.inner_text()
    assert page.get_by_test_id("fingerspell-capture").count() == 0
    screenshot(page, "22-fingerspell-camera-fallback")
    # the choices are still there and answer the exercise, keyboard only
    for number, item in enumerate(lesson["exercises"][0]["letters"], start=1):
        page.locator(".fingerspell-step h3").filter(has_text=f"Letra {number} de 4").wait_for()
        _tab_to_selector(page, f".fingerspell-step button.choice[data-choice-id='{item['sign_id']}']")
        page.keyboard.press("Enter")
    page.get_by_test_id("feedback").filter(has_text="Deletreo completo. ¡Correcto!").wait_for()
    context.close()
    browser.close()
    assert console.errors == []
