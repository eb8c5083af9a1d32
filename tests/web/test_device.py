"""Respecting the device (issue 20), in real Chromium at 390×844 with touch: ``prefers-reduced-motion`` starts the
sign animations paused (the learner plays them) and stops transitions; ``prefers-color-scheme: dark`` gives the dark
colours; text follows the system font size (Chromium's default font size raised through the DevTools protocol) without
anything spilling sideways; the Spanish/English choice is remembered in new tabs and after a reload."""

from __future__ import annotations

from typing import Any

import pytest
from mobile_helpers import first_lesson, phone_page, signed_in_learner, wait_js
from web_helpers import screenshot, wait_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TIMELINE = "(svg) => svg.getCurrentTime()"


def _first_animation(page: Any, server: str, lesson_id: str) -> Any:
    page.goto(f"{server}/#/lesson/{lesson_id}")
    wait_page(page, "lesson")
    figure = page.locator(".sign-grid .sign-media").first
    svg = figure.locator("svg.media-frame")
    svg.wait_for()
    return figure, svg


def test_reduced_motion_starts_animations_paused(chromium: Any, server: str) -> None:
    lesson = first_lesson(server)
    context, page, console = phone_page(chromium, reduced_motion="reduce")
    signed_in_learner(page, server)
    figure, svg = _first_animation(page, server, lesson["id"])
    page.wait_for_timeout(800)
    assert svg.evaluate(TIMELINE) == 0  # not moving
    play = figure.get_by_role("button", name="Reproducir")
    assert play.is_visible()
    transition = page.evaluate("() => getComputedStyle(document.querySelector('.media-frame')).transitionDuration")
    assert transition == "0s"
    screenshot(page, "mobile-20-phone-reduced-motion")
    play.tap()
    wait_js(page, "() => document.querySelector('.sign-grid svg.media-frame').getCurrentTime() > 0.2")
    assert figure.get_by_role("button", name="Pausar").is_visible()

    # the animated signs offered as choices hold still too, and play while the learner points at one
    kinds = [exercise["kind"] for exercise in lesson["exercises"]]
    target = kinds.index("meaning_choose_video")
    page.get_by_test_id("begin").tap()
    for exercise in lesson["exercises"][:target]:
        page.locator(f".lesson-stage[data-kind='{exercise['kind']}']").wait_for()
        if exercise["kind"] == "perform_sign":
            page.get_by_test_id("skip").tap()
        else:
            assert exercise["choices"], f"no simple way through a {exercise['kind']} exercise here"
            page.locator(".lesson-stage .choice").first.tap()
        page.get_by_test_id("continue").tap()
    stage = page.locator(".lesson-stage[data-kind='meaning_choose_video']")
    stage.wait_for()
    choices = len(lesson["exercises"][target]["choices"])
    wait_js(page, "(n) => document.querySelectorAll('.lesson-stage svg.choice-frame.still').length === n", choices)
    assert stage.locator("img.choice-frame").count() == 0
    still = (
        "() => [...document.querySelectorAll('.lesson-stage svg.choice-frame.still')].map((s) => s.getCurrentTime())"
    )
    held = page.evaluate(still)
    page.wait_for_timeout(600)
    assert page.evaluate(still) == held
    screenshot(page, "mobile-20b-phone-reduced-motion-choices")
    stage.locator(".choice").first.hover()
    wait_js(
        page, "(t0) => document.querySelector('.lesson-stage svg.choice-frame.still').getCurrentTime() !== t0", held[0]
    )
    context.close()

    # without the preference, the same animation plays on its own
    context, page, _ = phone_page(chromium, reduced_motion="no-preference")
    signed_in_learner(page, server)
    figure, svg = _first_animation(page, server, lesson["id"])
    wait_js(page, "() => document.querySelector('.sign-grid svg.media-frame').getCurrentTime() > 0.2")
    assert figure.get_by_role("button", name="Pausar").is_visible()
    context.close()
    assert console.errors == []


def _colours(page: Any) -> dict[str, str]:
    colours: dict[str, str] = page.evaluate(
        """() => ({
          page: getComputedStyle(document.documentElement).backgroundColor,
          text: getComputedStyle(document.body).color,
          bar: getComputedStyle(document.getElementById('bottom-nav')).backgroundColor,
        })"""
    )
    return colours


def test_dark_colour_scheme_follows_the_device(chromium: Any, server: str) -> None:
    context, page, console = phone_page(chromium, color_scheme="dark")
    signed_in_learner(page, server)
    dark = _colours(page)
    assert dark["page"] == "rgb(18, 23, 29)"
    assert dark["text"] == "rgb(232, 237, 242)"
    assert dark["bar"] == "rgb(28, 35, 43)"
    screenshot(page, "mobile-21-phone-dark-course")
    page.locator("li.lesson a").first.tap()
    wait_page(page, "lesson")
    page.get_by_test_id("begin").tap()
    page.locator(".lesson-stage .choice").first.wait_for()
    screenshot(page, "mobile-22-phone-dark-exercise")
    context.close()

    context, page, _ = phone_page(chromium, color_scheme="light")
    page.goto(server)
    page.wait_for_selector("main[data-page='home'] h1")
    light = _colours(page)
    assert light["page"] == "rgb(244, 246, 248)"
    assert light["text"] == "rgb(27, 31, 36)"
    context.close()
    assert console.errors == []


def test_text_scales_with_the_system_font_size(chromium: Any, server: str) -> None:
    context, page, console = phone_page(chromium)
    page.goto(server)
    page.wait_for_selector("main[data-page='home'] h1")
    sizes = "() => [document.documentElement, document.querySelector('main h1'), document.querySelector('main p')]"
    normal = page.evaluate(f"() => ({sizes})().map((el) => parseFloat(getComputedStyle(el).fontSize))")
    assert normal[0] == 16

    # The system's larger text: Chromium's default font size, as a phone's accessibility setting sets it.
    session = context.new_cdp_session(page)
    session.send("Page.setFontSizes", {"fontSizes": {"standard": 24, "fixed": 20}})
    page.reload()
    page.wait_for_selector("main[data-page='home'] h1")
    large = page.evaluate(f"() => ({sizes})().map((el) => parseFloat(getComputedStyle(el).fontSize))")
    assert large[0] == 24
    for before, after in zip(normal, large, strict=True):
        assert after == pytest.approx(before * 1.5, rel=0.02), (normal, large)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    signed_in_learner(page, server)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert page.get_by_test_id("bottom-nav").is_visible()
    screenshot(page, "mobile-23-phone-large-text")
    context.close()
    assert console.errors == []


def test_the_language_choice_is_remembered(chromium: Any, server: str) -> None:
    context, page, console = phone_page(chromium)
    page.goto(server)
    page.wait_for_selector("main[data-page='home'] h1")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("button", name="Switch the interface to English").tap()
    wait_js(page, "() => document.documentElement.lang === 'en'")
    assert page.get_by_test_id("bottom-nav").get_by_role("link", name="Dictionary").is_visible()

    page.reload()
    page.wait_for_selector("main[data-page='home'] h1")
    assert page.locator("html").get_attribute("lang") == "en"
    other = context.new_page()
    other.goto(f"{server}/#/dictionary")
    wait_page(other, "dictionary")
    assert other.locator("html").get_attribute("lang") == "en"
    assert other.get_by_test_id("bottom-nav").get_by_role("link", name="Dictionary").is_visible()
    other.get_by_role("button", name="Cambiar la interfaz a español").tap()
    wait_js(other, "() => document.documentElement.lang === 'es'")
    other.reload()
    wait_page(other, "dictionary")
    assert other.locator("html").get_attribute("lang") == "es"
    context.close()
    assert console.errors == []
