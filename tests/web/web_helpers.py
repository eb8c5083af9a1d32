"""Helpers of the browser tests: the root conftest's ``skip_or_fail``, console-error collection, screenshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prerequisites import REPO_ROOT, SHARED, skip_or_fail  # noqa: F401 - re-exported for the browser tests

SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


# -- pages: console errors and screenshots --------------------------------------------------------------------


@dataclass
class ConsoleWatch:
    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                self.errors.append(f"console: {message.text} @ {message.location}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))


def screenshot(page: Any, name: str) -> Path:
    """Saves the page (a test artefact) after checking its accessibility basics."""
    problems = accessibility_problems(page)
    assert problems == [], f"{name}: {problems}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# Checked on every page the tests visit: the basics a screen-reader or keyboard user needs.
_A11Y_PROBLEMS = """() => {
  const problems = [];
  const name = (el) => (el.getAttribute('aria-label') || el.textContent || '').trim();
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt: ' + img.src.slice(0, 80));
  }
  for (const control of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!control.labels?.length && !control.getAttribute('aria-label')) {
      problems.push('unlabelled ' + control.outerHTML.slice(0, 80));
    }
  }
  for (const button of document.querySelectorAll('button, a[href]')) {
    if (!name(button) && !button.querySelector('img[alt]:not([alt=""])')) {
      problems.push('nameless ' + button.outerHTML.slice(0, 80));
    }
  }
  for (const video of document.querySelectorAll('video')) {
    if (!video.getAttribute('aria-label') && !video.closest('button')) problems.push('video without a name');
  }
  if (!document.querySelector('main h1')) problems.push('no h1 in main');
  if (!['es', 'en'].includes(document.documentElement.lang)) problems.push('lang attribute missing');
  return problems;
}"""


def accessibility_problems(page: Any) -> list[str]:
    problems: list[str] = page.evaluate(_A11Y_PROBLEMS)
    return problems
