"""The phone layout in real Chromium at 390×844 with touch (issue 20): a new learner signs up, opens the first
lesson and answers its first exercise without ever scrolling (sign media and every choice inside the screen), with a
compact header and a bottom navigation bar whose targets are at least 44 px; the desktop layout keeps its header
navigation. Screenshots at phone and desktop sizes go to test-artifacts/."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from mobile_helpers import PHONE, phone_page, signed_in_learner, wait_js
from web_helpers import DESKTOP, LEARNER_PASSWORD, SCREENSHOTS, TIMEOUT_MS, ConsoleWatch, screenshot, wait_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def sign_up_by_touch(page: Any, server: str) -> str:
    email = f"web-{secrets.token_hex(5)}@example.com"
    page.goto(f"{server}/#/signup")
    wait_page(page, "signup")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(LEARNER_PASSWORD)
    page.get_by_label("Nombre visible").fill("Ana")
    page.get_by_label("Lengua de señas").select_option("ase")
    page.get_by_label("Derecha").tap()
    page.get_by_role("button", name="Crear cuenta").tap()
    wait_page(page, "course")
    return email


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, locator
    return dict(box)


def _inside_screen(page: Any, locator: Any, what: str) -> None:
    """Wholly visible without scrolling: above the bottom bar, inside the 390×844 screen."""
    box = _box(locator)
    bar_top = page.evaluate("document.getElementById('bottom-nav').getBoundingClientRect().top")
    assert box["y"] >= 0, (what, box)
    assert box["x"] >= 0, (what, box)
    assert box["x"] + box["width"] <= PHONE["width"] + 0.5, (what, box)
    bottom = box["y"] + box["height"]
    assert bottom <= bar_top + 0.5, f"{what} ends at {bottom:.0f} px, under the bar at {bar_top:.0f}"


def _small_targets(page: Any, selector: str) -> list[str]:
    small: list[str] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
          .filter((el) => el.offsetParent !== null)
          .map((el) => [el, el.getBoundingClientRect()])
          .filter(([, r]) => r.width < 44 || r.height < 44)
          .map(([el, r]) => `${el.textContent.trim().slice(0, 30)} ${Math.round(r.width)}×${Math.round(r.height)}`)""",
        selector,
    )
    return small


def test_phone_sign_up_to_first_exercise_answered_without_scrolling(chromium: Any, server: str) -> None:
    context, page, console = phone_page(chromium)
    page.goto(server)
    page.wait_for_selector("main[data-page='home'] h1")
    screenshot(page, "mobile-01-phone-home")
    sign_up_by_touch(page, server)

    # compact header: one line; the sections are in the bottom bar (the header's list is hidden)
    header = _box(page.locator(".site-header"))
    assert header["height"] <= 64, header
    assert page.locator("#nav").is_hidden()
    bar = page.get_by_test_id("bottom-nav")
    assert bar.is_visible()
    assert _box(bar)["y"] + _box(bar)["height"] <= PHONE["height"] + 0.5
    assert bar.get_by_role("link", name="Curso").get_attribute("aria-current") == "page"
    assert _small_targets(page, "#bottom-nav a, #bottom-nav button, .site-header a, .site-header button") == []
    screenshot(page, "mobile-02-phone-course")

    # the rest of the sections in the "More" menu
    more = page.get_by_test_id("nav-more")
    more.tap()
    assert more.get_attribute("aria-expanded") == "true"
    menu = page.locator("#more-menu")
    assert menu.get_by_role("link", name="Logros").is_visible()
    assert menu.get_by_role("button", name="Salir").is_visible()
    assert _small_targets(page, "#more-menu a, #more-menu button") == []
    screenshot(page, "mobile-03-phone-more-menu")
    more.tap()
    assert menu.is_hidden()

    page.locator("li.lesson a").first.tap()
    wait_page(page, "lesson")
    # "Begin" is reachable without scrolling (it sticks above the bottom bar)
    begin = page.get_by_test_id("begin")
    assert page.evaluate("window.scrollY") == 0
    _inside_screen(page, begin, "the begin button")
    begin.tap()
    stage = page.locator(".lesson-stage[data-kind='watch_choose_meaning']")
    stage.locator(".choice").first.wait_for()
    assert page.evaluate("window.scrollY") == 0
    # everything the exercise needs is on the first screen: the question, the sign, every choice
    _inside_screen(page, stage.locator(".prompt"), "the question")
    _inside_screen(page, stage.locator(".media-frame"), "the sign's media")
    choices = stage.locator(".choice")
    assert choices.count() >= 2
    for index in range(choices.count()):
        _inside_screen(page, choices.nth(index), f"choice {index + 1}")
    assert _small_targets(page, ".lesson-stage button") == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "mobile-04-phone-exercise")
    last = _box(choices.nth(choices.count() - 1))
    figures = {
        "viewport": PHONE,
        "header_height_px": round(header["height"]),
        "bottom_bar_top_px": round(page.evaluate("document.getElementById('bottom-nav').getBoundingClientRect().top")),
        "media_bottom_px": round(
            _box(stage.locator(".media-frame"))["y"] + _box(stage.locator(".media-frame"))["height"]
        ),
        "last_choice_bottom_px": round(last["y"] + last["height"]),
        "choices": choices.count(),
    }
    (SCREENSHOTS.parent / "mobile-layout-figures.json").write_text(json.dumps(figures, indent=2))

    choices.first.tap()
    feedback = page.get_by_test_id("feedback")
    page.wait_for_function("(el) => el.textContent.trim().length > 0", arg=feedback.element_handle())
    assert page.evaluate("window.scrollY") == 0  # answered where it was asked
    _inside_screen(page, feedback, "the verdict")
    page.get_by_test_id("continue").wait_for()
    screenshot(page, "mobile-05-phone-answered")
    context.close()
    assert console.errors == []


def test_desktop_keeps_the_header_navigation(chromium: Any, server: str) -> None:
    context = chromium.new_context(viewport=DESKTOP, locale="es-ES")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    console = ConsoleWatch()
    console.attach(page)
    sign_up_by_touch_free(page, server)
    assert page.locator("#nav").get_by_role("link", name="Repaso").is_visible()
    assert page.locator("#nav").get_by_role("link", name="Logros").is_visible()
    assert page.get_by_test_id("bottom-nav").is_hidden()
    assert page.locator(".stat-goal").is_visible()
    screenshot(page, "mobile-06-desktop-course")
    page.locator("li.lesson a").first.click()
    wait_page(page, "lesson")
    page.get_by_test_id("begin").click()
    page.locator(".lesson-stage .choice").first.wait_for()
    screenshot(page, "mobile-07-desktop-exercise")
    context.close()
    assert console.errors == []


def sign_up_by_touch_free(page: Any, server: str) -> None:
    page.goto(f"{server}/#/signup")
    wait_page(page, "signup")
    page.get_by_label("Correo electrónico").fill(f"web-{secrets.token_hex(5)}@example.com")
    page.get_by_label("Contraseña").fill(LEARNER_PASSWORD)
    page.get_by_label("Nombre visible").fill("Ana")
    page.get_by_label("Lengua de señas").select_option("ase")
    page.get_by_role("button", name="Crear cuenta").click()
    wait_page(page, "course")


def test_phone_camera_view_and_controls_fit_in_portrait(camera_browser: Any, hand_clip: Path, server: str) -> None:
    """Camera practice held upright: the self-view fills the width without being cropped, and with its controls it
    fits one screen above the bottom bar."""
    browser = camera_browser(hand_clip)
    context, page, console = phone_page(browser)
    signed_in_learner(page, server)
    items = httpx.get(f"{server}/content/languages/ase/dictionary", params={"q": "letra b"}).json()["items"]
    sign_id = next(item["id"] for item in items if item["gloss"] == "B")
    page.goto(f"{server}/#/practice/{sign_id}")
    wait_page(page, "practice")
    page.get_by_role("button", name="Activar la cámara").tap()
    page.get_by_test_id("camera-status").filter(has_text="Cámara lista").wait_for()
    video = page.locator("video.selfview")
    wait_js(page, "() => document.querySelector('video.selfview').videoWidth > 0")
    camera = page.locator(".camera.card")
    camera.evaluate("(el) => el.scrollIntoView({ block: 'start' })")
    record = page.get_by_role("button", name="Grabar 3 segundos")
    _inside_screen(page, video, "the self-view")
    _inside_screen(page, record, "the record button")
    # not cropped: the preview shows the whole frame the camera records
    shown = page.evaluate(
        """() => {
          const v = document.querySelector('video.selfview');
          const r = v.getBoundingClientRect();
          return { fit: getComputedStyle(v).objectFit, box: r.width / r.height, frame: v.videoWidth / v.videoHeight };
        }"""
    )
    assert shown["fit"] == "contain"
    assert shown["box"] == pytest.approx(shown["frame"], rel=0.03), shown
    assert _small_targets(page, ".camera-buttons button") == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "mobile-08-phone-camera")
    context.close()
    assert console.errors == []
