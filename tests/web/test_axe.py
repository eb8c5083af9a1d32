"""Accessibility of the main pages, checked by axe-core run in the page (issue 20): the vendored release in
tests/web/vendor/axe-core (MPL-2.0, no CDN, nothing downloaded) is injected with Playwright's ``add_script_tag``
and run against WCAG 2.1 A/AA and axe's best practices, at phone size with touch and at desktop size, in the light
and the dark colour scheme. No serious or critical violation may remain.

The page's CSP (``script-src 'self'``) refuses any injected script, as it should; the audit's context bypasses it
(Playwright's ``bypass_csp``) — the CSP itself is checked by tests/gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mobile_helpers import PHONE, first_lesson, wait_until_kept
from web_helpers import DESKTOP, TIMEOUT_MS, log_in, sign_up_learner, wait_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').slice(0, 160)),
  }));
}"""


def _audit(page: Any, name: str) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    # Media and toasts settle first: the audit reads what the learner would see.
    page.wait_for_timeout(300)
    violations = page.evaluate(RUN_AXE, TAGS)
    return [
        f"{name}: {v['impact']} {v['id']} ({v['help']}): {v['nodes']}" for v in violations if v["impact"] in BLOCKING
    ]


def _visit(page: Any, server: str, hash_path: str, name: str) -> None:
    page.goto(f"{server}/{hash_path}")
    wait_page(page, name)


@pytest.mark.parametrize(
    ("size", "scheme"),
    [("phone", "light"), ("phone", "dark"), ("desktop", "light")],
)
def test_the_main_pages_have_no_serious_accessibility_violations(
    chromium: Any, server: str, size: str, scheme: str
) -> None:
    if not AXE.is_file():
        pytest.fail(f"the vendored axe-core is missing: {AXE}")
    phone = size == "phone"
    context = chromium.new_context(
        viewport=PHONE if phone else DESKTOP,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        locale="es-ES",
        color_scheme=scheme,
        bypass_csp=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []

    _visit(page, server, "#/", "home")
    problems += _audit(page, "home")
    _visit(page, server, "#/signup", "signup")
    problems += _audit(page, "signup")
    _visit(page, server, "#/login", "login")
    problems += _audit(page, "login")
    _visit(page, server, "#/dictionary", "dictionary")
    problems += _audit(page, "dictionary")

    learner = sign_up_learner(server, "Axe")
    log_in(page, server, learner.email)
    wait_page(page, "course")
    problems += _audit(page, "course")
    if phone:
        page.get_by_test_id("nav-more").click()
        problems += _audit(page, "course with the menu open")
        page.get_by_test_id("nav-more").click()
    lesson = first_lesson(server)
    _visit(page, server, f"#/lesson/{lesson['id']}", "lesson")
    problems += _audit(page, "lesson")
    page.get_by_test_id("begin").click()
    page.locator(".lesson-stage .choice").first.wait_for()
    problems += _audit(page, "exercise")
    page.locator(".lesson-stage .choice").first.click()
    page.get_by_test_id("continue").wait_for()
    problems += _audit(page, "exercise answered")
    for hash_path, name in [
        ("#/review", "review"),
        ("#/profile", "profile"),
        ("#/achievements", "achievements"),
        ("#/leaderboard", "leaderboard"),
        ("#/notifications", "notifications"),
    ]:
        _visit(page, server, hash_path, name)
        problems += _audit(page, name)
    # offline: the banner and the page that lists the lessons kept offline
    _visit(page, server, f"#/lesson/{lesson['id']}", "lesson")
    wait_until_kept(page, lesson["id"])
    context.set_offline(True)
    page.reload()
    wait_page(page, "lesson")
    problems += _audit(page, "lesson offline")
    _visit(page, server, "#/course", "offline")
    problems += _audit(page, "offline page")
    # The audit can fail: a nameless button added to the page is reported as critical.
    page.evaluate("() => document.querySelector('main').append(document.createElement('button'))")
    assert any("critical button-name" in problem for problem in _audit(page, "self-check")), "axe did not run"
    context.close()
    assert problems == [], "\n".join(problems)
