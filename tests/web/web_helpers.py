"""Helpers of the browser tests: the root conftest's ``skip_or_fail``, fake-camera clips, console-error collection,
screenshots."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from prerequisites import REPO_ROOT, SHARED, skip_or_fail  # noqa: F401 - re-exported for the browser tests

SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# The server under test makes this account its first admin (SENAS_USERS_BOOTSTRAP_ADMIN_EMAIL), so that tests can
# author the content they need through the author API. With SENAS_WEB_TEST_SERVER (a server already running),
# SENAS_WEB_TEST_AUTHOR_EMAIL names the not yet registered address that server was started with.
AUTHOR_EMAIL = os.environ.get("SENAS_WEB_TEST_AUTHOR_EMAIL", "web-author@example.com")
HANDS = SHARED / "fixtures" / "hands"
CLIP_SIZE = (640, 480)  # even: an odd size makes MediaRecorder.start throw NotSupportedError
CLIP_FPS = 15
CLIP_SECONDS = 2


# -- fake camera clips ----------------------------------------------------------------------------------------


def write_y4m(path: Path, frames: list[Any]) -> Path:
    import av

    with av.open(str(path), "w", format="yuv4mpegpipe") as container:
        stream = container.add_stream("wrapped_avframe", rate=CLIP_FPS)
        stream.width, stream.height = CLIP_SIZE
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, CLIP_FPS)
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def letterbox(photo: Path) -> Any:
    """The photo scaled into the clip's frame, centred on a neutral background, as an RGB array."""
    import av
    import numpy as np

    with av.open(str(photo)) as container:
        image = next(container.decode(video=0))
    width, height = CLIP_SIZE
    scale = min(width / image.width, height / image.height)
    # even sizes keep the chroma planes aligned
    new_w, new_h = int(image.width * scale) // 2 * 2, int(image.height * scale) // 2 * 2
    rgb = image.reformat(width=new_w, height=new_h, format="rgb24").to_ndarray()
    canvas = np.full((height, width, 3), 128, dtype=np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = rgb
    return canvas


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
