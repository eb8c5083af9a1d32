"""Helpers of the browser tests: the root conftest's ``skip_or_fail``, fake-camera clips, console-error collection,
screenshots."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

from prerequisites import REPO_ROOT, SHARED, skip_or_fail

SCREENSHOTS: Path = REPO_ROOT / "test-artifacts" / "screenshots"
# This account signs up and is made admin by the operator's `senas users grant-admin` (the `grant_admin` fixture),
# so that tests can author the content they need through the author API. With SENAS_WEB_TEST_SERVER (a server
# already running), SENAS_WEB_TEST_AUTHOR_EMAIL names an account granted admin there by hand.
AUTHOR_EMAIL = os.environ.get("SENAS_WEB_TEST_AUTHOR_EMAIL", "web-author@example.com")
HANDS = SHARED / "fixtures" / "hands"
# Debian's Chromium, never a downloaded browser; the flags keep it off this closed network's outside hosts.
CHROMIUM = Path(os.environ.get("SENAS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


def jpeg(frame: Any) -> bytes:
    """An RGB frame as the JPEG a phone would send."""
    try:
        import cv2
    except ImportError:
        skip_or_fail("opencv is not installed (the ml extra: pip install -e '.[dev]')")
    ok, encoded = cv2.imencode(".jpg", frame[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return bytes(encoded.tobytes())


# -- accounts and content made through the API ----------------------------------------------------------------


@dataclass
class Admin:
    headers: dict[str, str]
    tokens: dict[str, Any]
    totp: Any  # pyotp.TOTP of the enrolled second factor


def enrolled_admin(server: str, grant_admin: Any, email: str, password: str) -> Admin:
    """``email`` signed up, made admin by the operator, and through the two-step set-up its first sign-in asks
    for (admins must have it)."""
    try:
        import pyotp
    except ImportError:
        skip_or_fail("pyotp is not installed (the users extra: pip install -e '.[dev]')")
    signup = httpx.post(f"{server}/users/auth/signup", json={"email": email, "password": password})
    if signup.status_code == 409:
        skip_or_fail(f"{email} already exists on this server: these tests need a fresh one")
    assert signup.status_code == 201, signup.text
    assert signup.json()["roles"] == ["learner"]  # signing up never makes an admin
    grant_admin(email)
    first = httpx.post(f"{server}/users/auth/login", json={"email": email, "password": password}).json()
    assert first.get("challenge") == "mfa_setup", first
    secret = httpx.post(f"{server}/users/auth/mfa/enrol", json={"session": first["session"]}).json()["secret"]
    done = httpx.post(
        f"{server}/users/auth/mfa/confirm", json={"code": pyotp.TOTP(secret).now(), "session": first["session"]}
    )
    assert done.status_code == 200, done.text
    tokens = done.json()["tokens"]
    return Admin({"Authorization": f"Bearer {tokens['access_token']}"}, tokens, pyotp.TOTP(secret))


def spelling_lesson(server: str, author: dict[str, str], word: str, title: str = "Deletreo") -> dict[str, Any]:
    """A published lesson (at the end of the course) whose one exercise is fingerspelling ``word``."""
    levels = httpx.get(f"{server}/content/languages/ase/levels").json()["levels"]
    level_id = sorted(levels, key=lambda level: level["position"])[-1]["id"]
    title = f"{title} {secrets.token_hex(3)}"
    created = httpx.post(
        f"{server}/content/author/levels/{level_id}/lessons",
        json={"title_es": title, "title_en": title},
        headers=author,
    )
    assert created.status_code == 201, created.text
    lesson_id = created.json()["id"]
    exercise = httpx.post(
        f"{server}/content/author/lessons/{lesson_id}/exercises",
        json={"kind": "fingerspell", "word": word},
        headers=author,
    )
    assert exercise.status_code == 201, exercise.text
    published = httpx.post(f"{server}/content/author/lessons/{lesson_id}/publish", headers=author)
    assert published.status_code == 200, published.text
    lesson: dict[str, Any] = httpx.get(f"{server}/content/lessons/{lesson_id}").json()
    assert [letter["letter"].upper() for letter in lesson["exercises"][0]["letters"]] == list(word.upper())
    return lesson


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


# -- learners and pages shared by the inbox, leaderboard and review/MFA tests ---------------------------------

LEARNER_PASSWORD = "Manos-Que-Hablan-42"
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000


@dataclass
class Learner:
    email: str
    display_name: str
    user_id: str
    headers: dict[str, str]


def sign_up_learner(server: str, display_name: str, sign_language: str = "ase") -> Learner:
    """A new learner signed up and logged in through the API (the browser logs in on its own)."""
    email = f"web-{secrets.token_hex(5)}@example.com"
    body = {"email": email, "password": LEARNER_PASSWORD, "display_name": display_name, "sign_language": sign_language}
    signup = httpx.post(f"{server}/users/auth/signup", json=body)
    assert signup.status_code == 201, signup.text
    login = httpx.post(f"{server}/users/auth/login", json={"email": email, "password": LEARNER_PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['tokens']['access_token']}"}
    return Learner(email, display_name, str(signup.json()["user_id"]), headers)


def level_lessons(server: str, language: str = "ase", index: int = 0) -> list[str]:
    """The lesson ids of a level of the demo course, in order."""
    levels = httpx.get(f"{server}/content/languages/{language}/levels").json()["levels"]
    level = httpx.get(f"{server}/content/levels/{levels[index]['id']}").json()
    return [item["id"] for item in sorted(level["lessons"], key=lambda item: item["position"])]


def right_answers(server: str, headers: dict[str, str], lesson_id: str) -> dict[str, dict[str, Any]]:
    """Each exercise's right answer (exercise id → the answer body), learned as a learner can learn them: an attempt
    answered blindly, whose verdicts name the right choices, and left unfinished (it counts for nothing). The
    camera exercise has none here (it is skipped)."""
    lesson = httpx.get(f"{server}/content/lessons/{lesson_id}").json()
    probe = _attempt(server, headers, lesson_id)
    answers: dict[str, dict[str, Any]] = {}
    for exercise in lesson["exercises"]:
        if exercise["choices"]:
            verdict = _answer(server, headers, lesson_id, probe, exercise["id"], option_id=exercise["choices"][0]["id"])
            answers[exercise["id"]] = {"option_id": verdict["correct_answer"]["option_id"]}
        elif exercise["kind"] == "fingerspell":
            answers[exercise["id"]] = {"letters": [letter["letter"] for letter in exercise["letters"]]}
    return answers


def complete_lesson(server: str, learner: Learner, lesson_id: str) -> int:
    """Plays the lesson through the attempts API as the lesson page does, every answer right (the camera exercise
    skipped), and waits for its follow-ups (review cards, level, achievements, leaderboard); the XP it gave."""
    answers = right_answers(server, learner.headers, lesson_id)
    attempt = _attempt(server, learner.headers, lesson_id)
    for exercise_id, answer in answers.items():
        assert _answer(server, learner.headers, lesson_id, attempt, exercise_id, **answer)["correct"]
    response = httpx.post(
        f"{server}/users/me/lessons/{lesson_id}/attempts/{attempt}/complete",
        headers={**learner.headers, "Idempotency-Key": secrets.token_hex(16)},
    )
    assert response.status_code == 200, response.text
    wait_for_followups(server, learner.headers)
    return int(response.json()["xp_awarded"])


def wait_for_followups(server: str, headers: dict[str, str], timeout: float = 30.0) -> None:
    """Until the learner's weekly leaderboard entry has caught up with their XP: the last step of a completion's
    follow-ups but the achievements (the cards and the level come before it). Waiting for the server, not timing
    it."""
    language = httpx.get(f"{server}/users/me", headers=headers).json()["sign_language"]
    deadline = time.monotonic() + timeout
    while True:
        total = httpx.get(f"{server}/users/me/progress", headers=headers).json()["xp_total"]
        board = httpx.get(f"{server}/users/leaderboard", params={"language": language}, headers=headers).json()
        if board["me"]["xp"] >= total:
            return
        assert time.monotonic() < deadline, f"the follow-ups did not catch up: {board['me']} < {total}"
        time.sleep(0.1)


def _attempt(server: str, headers: dict[str, str], lesson_id: str) -> str:
    started = httpx.post(
        f"{server}/users/me/lessons/{lesson_id}/attempts",
        headers={**headers, "Idempotency-Key": secrets.token_hex(16)},
    )
    assert started.status_code == 201, started.text
    return str(started.json()["attempt_id"])


def _answer(server: str, headers: dict[str, str], lesson_id: str, attempt: str, exercise_id: str, **answer: Any) -> Any:
    response = httpx.post(
        f"{server}/users/me/lessons/{lesson_id}/attempts/{attempt}/answers",
        json={"exercise_id": exercise_id, **answer},
        headers={**headers, "Idempotency-Key": secrets.token_hex(16)},
    )
    assert response.status_code == 200, response.text
    return response.json()


def new_page(browser: Any, viewport: dict[str, int] | None = None) -> tuple[Any, Any, ConsoleWatch]:
    context = browser.new_context(viewport=viewport or DESKTOP, locale="es-ES")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = ConsoleWatch()
    watch.attach(page)
    return context, page, watch


def wait_page(page: Any, name: str) -> None:
    page.wait_for_selector(f"main[data-page='{name}'] h1")


def log_in(page: Any, server: str, email: str, next_path: str = "") -> None:
    """Fills and sends the login form (the caller waits for what comes next: a page, or the MFA step)."""
    suffix = f"?next={next_path}" if next_path else ""
    page.goto(f"{server}/#/login{suffix}")
    wait_page(page, "login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(LEARNER_PASSWORD)
    page.get_by_role("button", name="Entrar", exact=True).click()


def tab_to(page: Any, predicate: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Presses Tab (Shift+Tab) until ``predicate`` — a JS function of the focused element — holds: how a
    keyboard user reaches a control."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"({predicate})(document.activeElement)"):
            return
    raise AssertionError(f"{predicate} never got the focus in {limit} presses of {key}")
