"""Two flows in a real browser, keyboard first and with no console errors:

- Spaced review with cards actually due. No clock is moved: finishing a lesson adds each of its signs to the
  review deck in every direction as *new* cards, and a new FSRS card is due at once (``ReviewCard.new``); so a
  learner who has just completed a lesson has due cards, exactly as the server schedules them. The page shows
  them, each answer leaves the server's queue, and the end shows the summary.
- Turning on two-step verification from the profile page (the text secret and the otpauth link), confirming
  it with a TOTP code computed here — the profile's status line goes from "desactivada" to "activada" without a
  reload — then logging out and in again: the MFA challenge appears and passes, and the profile still says on.
"""

from __future__ import annotations

import re
import time
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

from prerequisites import skip_or_fail

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REVIEW_BATCH = 20  # the review page asks for this many due cards at a time (review.js)


def _due(server: str, learner: Learner) -> list[dict[str, Any]]:
    response = httpx.get(f"{server}/users/me/reviews/due", params={"limit": 100}, headers=learner.headers)
    assert response.status_code == 200, response.text
    cards: list[dict[str, Any]] = response.json()["cards"]
    return cards


def _xp(page: Any) -> int:
    return int(re.sub(r"\D", "", page.locator("#stats [data-testid='xp']").inner_text()))


def test_due_cards_are_reviewed_by_keyboard_and_summarised(chromium: Any, server: str) -> None:
    learner = sign_up_learner(server, "Rosa Repaso")
    complete_lesson(server, learner, level_lessons(server)[0])
    due = _due(server, learner)
    assert due, "a finished lesson's signs are due for review at once"
    assert {card["state"] for card in due} == {"learning"}
    assert {card["reviews"] for card in due} == {0}
    total = min(len(due), REVIEW_BATCH)

    context, page, console = new_page(chromium)
    log_in(page, server, learner.email, next_path="/review")
    wait_page(page, "review")
    page.locator("#stats [data-testid='xp']").wait_for()
    xp_before = _xp(page)
    for number in range(1, total + 1):
        page.get_by_text(f"Seña {number} de {total}", exact=True).wait_for()
        # the new page (first card), then each next question, has the focus; the learner tabs to the answer
        assert page.evaluate("document.activeElement.tagName") == ("MAIN" if number == 1 else "H2")
        tab_to(page, "el => el.textContent === 'Mostrar la respuesta'")
        if number == 1:
            screenshot(page, "28-review-due")
        page.keyboard.press("Enter")
        # after the answer is shown, the focus is on "Bien"; the first card is rated "Difícil" instead
        assert page.evaluate("document.activeElement.textContent") == "Bien"
        if number == 1:
            page.keyboard.press("Shift+Tab")
            assert page.evaluate("document.activeElement.textContent") == "Difícil"
        page.keyboard.press("Enter")
        if number == 1:
            # the answer left the server's queue before the page moved on
            if total > 1:
                page.get_by_text(f"Seña 2 de {total}", exact=True).wait_for()
            remaining = {card["card_id"] for card in _due(server, learner)}
            assert remaining == {card["card_id"] for card in due[1:]}

    summary = page.get_by_test_id("review-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.textContent") == "¡Repaso terminado!"
    text = summary.inner_text()
    assert f"Señas repasadas: {total}" in text
    assert "Difícil: 1" in text
    assert f"Bien: {total - 1}" in text
    assert "Otra vez: 0" in text
    gained = int(re.search(r"\+(\d+) XP en este repaso", text).group(1))  # type: ignore[union-attr]
    assert gained > 0  # due cards earn XP
    page.wait_for_function(
        "n => Number(document.querySelector(\"#stats [data-testid='xp']\").textContent.replace(/\\D/g, '')) === n",
        arg=xp_before + gained,
    )
    assert _due(server, learner) == []  # nothing left: the page offers no "keep reviewing"
    assert page.get_by_role("button", name="Seguir repasando").count() == 0
    screenshot(page, "29-review-summary")
    context.close()
    assert console.errors == []


def test_turn_on_mfa_from_the_profile_then_log_in_with_it(chromium: Any, server: str) -> None:
    try:
        import pyotp
    except ImportError:
        skip_or_fail("pyotp is not installed (the users extra: pip install -e '.[dev]')")
    learner = sign_up_learner(server, "Marta Dos Pasos")
    context, page, console = new_page(chromium)
    log_in(page, server, learner.email, next_path="/profile")
    wait_page(page, "profile")
    page.get_by_role("heading", name="Verificación en dos pasos (MFA)").wait_for()
    mfa_status = page.get_by_test_id("mfa-status")
    assert mfa_status.inner_text() == "Verificación en dos pasos: desactivada"  # in words, not a colour
    assert mfa_status.get_attribute("role") == "status"
    page.get_by_role("button", name="Activar la verificación en dos pasos").focus()
    page.keyboard.press("Enter")
    secret_box = page.locator(".mfa-secret code")
    secret_box.wait_for()
    secret = secret_box.inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    uri = page.locator(".mfa-secret a").get_attribute("href") or ""
    assert uri.startswith("otpauth://totp/"), uri
    assert f"secret={secret}" in uri
    code = page.get_by_label("Código de 6 dígitos de tu app de autenticación")
    assert page.evaluate("document.activeElement.name") == "code"  # the code field has the focus
    screenshot(page, "30-profile-mfa-enrol")
    code.type(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    # the page says so at once (no reload), moves the focus there, and offers no second enrolment
    page.get_by_role("status").filter(has_text="Verificación en dos pasos: activada").wait_for()
    assert page.evaluate("document.activeElement.dataset.testid") == "mfa-status"
    assert page.get_by_role("button", name="Activar la verificación en dos pasos").count() == 0
    me = httpx.get(f"{server}/users/me", headers=learner.headers)
    assert (me.json()["mfa_enabled"], me.json()["mfa_required"]) == (True, False), me.text

    page.get_by_role("button", name="Salir").click()
    wait_page(page, "home")
    log_in(page, server, learner.email)
    challenge = page.get_by_label("Código de 6 dígitos de tu app de autenticación")
    challenge.wait_for()
    assert page.evaluate("document.activeElement.name") == "code"
    # a wrong code is refused, with the reason, and the step stays
    near = {pyotp.TOTP(secret).at(time.time() + drift) for drift in (-30, 0, 30, 60)}
    challenge.fill(next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in near))
    page.keyboard.press("Enter")
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("heading", name="Verificación en dos pasos").is_visible()
    screenshot(page, "31-login-mfa-after-setup")
    # the code of the next 30-second step (accepted as clock drift): the current one was spent confirming
    challenge.fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.keyboard.press("Enter")
    wait_page(page, "course")
    # a fresh visit to the profile reads the status from the server: still on, nothing to enrol
    page.goto(f"{server}/#/profile")
    wait_page(page, "profile")
    page.get_by_test_id("mfa-status").filter(has_text="Verificación en dos pasos: activada").wait_for()
    assert page.get_by_role("button", name="Activar la verificación en dos pasos").count() == 0
    # the API agrees: a password alone no longer signs this learner in
    login = httpx.post(f"{server}/users/auth/login", json={"email": learner.email, "password": "Manos-Que-Hablan-42"})
    assert login.json().get("challenge") == "totp", login.json()
    context.close()
    # The browser logs the refused wrong code's 401 itself; that one is expected, nothing else is.
    refused = [e for e in console.errors if "status of 401" in e and "/users/auth/mfa/challenge" in e]
    assert len(refused) == 1, console.errors
    assert [e for e in console.errors if e not in refused] == []
