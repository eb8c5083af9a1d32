"""The author studio in a real browser (issue 17), with a fake camera showing a real hand (a clip made from the
shared fixture photos):

- a teacher (an admin, signed in with two-step verification) creates a level and a lesson, creates a sign and
  records its video with the camera (countdown, review, use), follows it until the template is ready and sees the
  landmarks drawn over the video, tries the sign against the new template and gets a score, calibrates its
  threshold, adds two exercises (perform the sign; watch and choose its meaning), previews the lesson as a
  learner with the real lesson player, publishes with the checklist shown, moves the level first, and round-trips
  the level through a bundle archive (and sees a hostile archive refused with its problems located);
- a learner then finds the lesson on their course page, practises the new sign on camera and gets a score, with
  their hand drawn over their recording beside the reference's; the learner cannot open the studio, in the page
  or through the API.

Every step is screenshotted into test-artifacts/screenshots/ (studio-*.png)."""

from __future__ import annotations

import io
import re
import secrets
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import LEARNER_PASSWORD, enrolled_admin, log_in, new_page, screenshot, sign_up_learner, wait_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PROCESSING_MS = 150_000  # a reference video through the ML worker on a loaded 2-core machine


@pytest.fixture(scope="module")
def teacher(server: str, grant_admin: Callable[[str], None]) -> dict[str, Any]:
    """An author: signed up, made admin by the operator, with TOTP enrolled (admins must have it)."""
    email = f"studio-{secrets.token_hex(4)}@example.com"
    admin = enrolled_admin(server, grant_admin, email, LEARNER_PASSWORD)
    # the enrolment's own session, resumed by a later browser from its refresh token (a TOTP code is spent once)
    return {"email": email, "headers": admin.headers, "totp": admin.totp, "refresh": admin.tokens["refresh_token"]}


@pytest.fixture(scope="module")
def built(server: str) -> Iterator[dict[str, Any]]:
    """What the teacher's scenario made, for the learner's; afterwards the level and the sign are deleted and the
    demo course's level order is put back, so the browser tests that run later see the demo course as it was."""
    made: dict[str, Any] = {}
    levels = httpx.get(f"{server}/content/languages/ase/levels").json()["levels"]
    original = [level["id"] for level in sorted(levels, key=lambda level: level["position"])]
    yield made
    if "headers" in made:
        current = [level["id"] for level in httpx.get(f"{server}/content/languages/ase/levels").json()["levels"]]
        order = [level for level in original if level in current] + [
            level for level in current if level not in original
        ]
        httpx.put(f"{server}/content/author/languages/ase/levels/order", json={"ids": order}, headers=made["headers"])
        for level in set(current) - set(original):
            deleted = httpx.delete(f"{server}/content/author/levels/{level}", headers=made["headers"])
            assert deleted.status_code == 204, deleted.text
        if "sign_id" in made:
            deleted = httpx.delete(f"{server}/content/author/signs/{made['sign_id']}", headers=made["headers"])
            assert deleted.status_code == 204, deleted.text


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"studio-{name}")


def _log_in_author(page: Any, server: str, teacher: dict[str, Any]) -> None:
    log_in(page, server, teacher["email"], next_path="/studio")
    code = page.get_by_label("Código de 6 dígitos de tu app de autenticación")
    code.wait_for()
    # the next 30-second step's code (accepted as clock drift): the current one was spent on enrolment
    code.fill(teacher["totp"].at(time.time() + 30))
    page.get_by_role("button", name="Verificar").click()
    wait_page(page, "studio")


def _create(form: Any, es: str, en: str) -> None:
    form.get_by_label("Título (español)").fill(es)
    form.get_by_label("Título (inglés)").fill(en)
    form.get_by_role("button", name="Crear").click()


def _confirm_dialog(page: Any) -> Any:
    dialog = page.locator("dialog.studio-dialog")
    dialog.wait_for()
    return dialog


def _bad_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bundle.yaml", "format: senas-bundle/1\nlanguages: []\n")
        archive.writestr("../../escape.txt", "x")
    return buffer.getvalue()


def test_a_teacher_builds_a_lesson_with_a_recorded_sign_and_publishes_it(
    camera_browser: Callable[[Path], Any],
    hand_clip: Path,
    server: str,
    teacher: dict[str, Any],
    built: dict[str, Any],
    tmp_path: Path,
) -> None:
    tag = secrets.token_hex(3)
    level_title, lesson_title, gloss = f"Estudio {tag}", f"Saludos {tag}", f"HOLA-{tag.upper()}"
    context, page, console = new_page(camera_browser(hand_clip))
    context.grant_permissions(["camera"])
    _log_in_author(page, server, teacher)
    built["headers"] = teacher["headers"]
    assert page.get_by_role("link", name="Estudio").is_visible()  # the nav shows authors the studio
    _shot(page, "01-tree")
    # Spanish first, with the English switch
    page.locator("#lang-switch").click()
    page.get_by_role("heading", name="Author studio", exact=True).wait_for()
    assert page.get_by_test_id("new-level").get_by_label("Title (Spanish)").is_visible()
    page.locator("#lang-switch").click()
    page.get_by_role("heading", name="Estudio de autor", exact=True).wait_for()

    # a level, then a lesson in it (the lesson's form sits under its level; creating it opens the lesson)
    _create(page.get_by_test_id("new-level"), level_title, f"Studio {tag}")
    level = page.locator(f"[data-testid='studio-level'][data-title='{level_title}']")
    level.wait_for()
    _create(level.get_by_test_id("new-lesson"), lesson_title, f"Greetings {tag}")
    wait_page(page, "studio-lesson")
    lesson_id = page.evaluate("location.hash").rsplit("/", 1)[-1]
    built["lesson_id"], built["lesson_title"] = lesson_id, lesson_title
    _shot(page, "02-lesson-created")

    # a new sign, recorded with the camera: countdown, review, use; then followed until its template is ready
    page.get_by_role("link", name="Volver al estudio").click()
    wait_page(page, "studio")
    form = page.get_by_test_id("new-sign")
    form.get_by_label("Glosa").fill(gloss)
    form.get_by_label("Significado (español)").fill("Hola (estudio)")
    form.get_by_label("Significado (inglés)").fill("Hello (studio)")
    form.get_by_label("Categoría").fill("saludos")
    form.get_by_label("Configuración de la mano").fill("B")
    form.get_by_role("button", name="Crear").click()
    wait_page(page, "studio-sign")
    sign_id = page.evaluate("location.hash").rsplit("/", 1)[-1]
    built["sign_id"], built["gloss"] = sign_id, gloss
    page.get_by_test_id("camera-on").click()
    page.get_by_test_id("record").click()
    page.get_by_test_id("video-status").filter(has_text="Grabando").wait_for()
    page.get_by_test_id("use-recording").wait_for(state="visible")
    assert page.get_by_test_id("retake").is_visible()
    # not happy with it: retake (a new countdown and recording), then review again
    page.get_by_test_id("retake").click()
    page.get_by_test_id("use-recording").wait_for(state="hidden")
    page.get_by_test_id("video-status").filter(has_text="Grabando").wait_for()
    page.get_by_test_id("use-recording").wait_for(state="visible")
    _shot(page, "03-sign-recorded")
    page.get_by_test_id("use-recording").click()
    page.get_by_test_id("video-status").filter(has_text="Plantilla lista").wait_for(timeout=PROCESSING_MS)
    assert page.get_by_test_id("upload-progress").get_attribute("value") == "100"
    overlay = page.get_by_test_id("reference-overlay")
    overlay.wait_for()
    page.wait_for_function(
        "() => Number(document.querySelector(\"[data-testid='reference-overlay']\").dataset.framesDrawn) > 3"
    )
    assert "Mano encontrada en el" in page.get_by_test_id("seen-summary").inner_text()
    _shot(page, "04-sign-template-ready-overlay")

    # try it yourself against the new (draft) template: a score and feedback, as a learner would see them
    page.get_by_test_id("try-it").click()
    page.get_by_role("button", name="Activar la cámara").click()
    page.get_by_role("button", name="Grabar 3 segundos").click()
    score = page.get_by_test_id("practice-score")
    score.wait_for(timeout=PROCESSING_MS)
    assert "Puntuación" in score.inner_text()
    page.get_by_test_id("practice-overlay").wait_for()
    _shot(page, "05-sign-try-it-yourself")

    # calibrate the pass threshold; the figure is shown
    page.get_by_test_id("calibrate").click()
    page.get_by_test_id("calibration").filter(has_text="Umbral para aprobar").wait_for(timeout=60_000)
    _shot(page, "06-sign-calibrated")

    # publish the sign (the dialog says nothing is missing)
    page.get_by_test_id("publish-sign").click()
    _confirm_dialog(page).get_by_test_id("dialog-confirm").click()
    page.get_by_test_id("sign-status").filter(has_text="Publicado").wait_for()

    # two exercises: perform the new sign; watch it and choose its meaning among two demo signs
    page.goto(f"{server}/#/studio/lesson/{lesson_id}")
    wait_page(page, "studio-lesson")
    exercise = page.get_by_test_id("new-exercise")
    exercise.get_by_label("Tipo").select_option("perform_sign")
    exercise.get_by_label("Seña", exact=True).select_option(sign_id)
    exercise.get_by_role("button", name="Añadir ejercicio").click()
    page.get_by_test_id("studio-exercises").filter(has_text="Haz la seña ante la cámara").wait_for()
    exercise = page.get_by_test_id("new-exercise")
    exercise.get_by_label("Tipo").select_option("watch_choose_meaning")
    exercise.get_by_label("Seña", exact=True).select_option(sign_id)
    for box in exercise.locator(".studio-distractors input[type=checkbox]").all()[:2]:
        box.check()
    exercise.get_by_role("button", name="Añadir ejercicio").click()
    page.get_by_test_id("studio-exercises").filter(has_text="Mira la seña y elige el significado").wait_for()
    assert page.get_by_test_id("studio-exercises").locator("li").count() == 2
    _shot(page, "07-lesson-two-exercises")

    # an exercise added meanwhile elsewhere (another tab): a move made on the stale page is refused, and the page is
    # drawn again with every exercise, saying why nothing moved
    extra = httpx.post(
        f"{server}/content/author/lessons/{lesson_id}/exercises",
        json={"kind": "perform_sign", "sign_id": sign_id},
        headers=teacher["headers"],
    )
    assert extra.status_code == 201, extra.text
    exercises = page.get_by_test_id("studio-exercises").locator("li")
    exercises.first.get_by_role("button", name=re.compile("^Bajar")).click()
    page.locator("[role='alert']").filter(has_text="cambiaron mientras tanto").wait_for()
    assert page.get_by_test_id("studio-exercises").locator("li").count() == 3
    _shot(page, "07b-lesson-stale-order-refused")
    removed = httpx.delete(f"{server}/content/author/exercises/{extra.json()['id']}", headers=teacher["headers"])
    assert removed.status_code == 204, removed.text
    page.goto(f"{server}/#/studio")  # and back: the lesson drawn again as it is now, two exercises
    wait_page(page, "studio")
    page.goto(f"{server}/#/studio/lesson/{lesson_id}")
    wait_page(page, "studio-lesson")
    page.wait_for_function("() => document.querySelectorAll(\"[data-testid='studio-exercises'] li\").length === 2")

    # preview as a learner: the real lesson player on the draft, nothing counted
    page.get_by_test_id("preview-lesson").click()
    wait_page(page, "studio-preview")
    page.get_by_test_id("begin").click()
    page.get_by_test_id("skip").click()  # the camera exercise (already tried above)
    page.get_by_test_id("continue").click()
    page.locator(".choices button").first.click()
    page.get_by_test_id("continue").click()
    page.get_by_test_id("preview-result").wait_for()
    _shot(page, "08-lesson-preview")

    # publish the lesson: the checklist warns that its level is still a draft, and lets it through
    page.get_by_role("link", name="Volver a la lección").click()
    wait_page(page, "studio-lesson")
    page.get_by_test_id("publish-lesson").click()
    dialog = _confirm_dialog(page)
    assert "El nivel sigue en borrador" in dialog.get_by_test_id("checklist").inner_text()
    _shot(page, "09-lesson-publish-checklist")
    dialog.get_by_test_id("dialog-confirm").click()
    page.locator("[data-testid='status']").filter(has_text="Publicado").first.wait_for()

    # publish the level, and move it first (so a new learner can open it)
    page.get_by_role("link", name="Volver al estudio").click()
    wait_page(page, "studio")
    level = page.locator(f"[data-testid='studio-level'][data-title='{level_title}']")
    level.get_by_test_id("publish-level").click()
    _confirm_dialog(page).get_by_test_id("dialog-confirm").click()
    level.locator("[data-testid='status']").first.filter(has_text="Publicado").wait_for()
    position = (
        "(title) => [...document.querySelectorAll(\"[data-testid='studio-level']\")]"
        ".findIndex((l) => l.dataset.title === title)"
    )
    at = page.evaluate(position, level_title)
    while at > 0:
        # the keyboard way: focus the level's "up" button and press Enter
        level.get_by_role("button", name=f"Subir «{level_title}»").focus()
        page.keyboard.press("Enter")
        page.wait_for_function(
            f"(title) => {{ const at = ({position})(title); return at >= 0 && at < {at}; }}", arg=level_title
        )
        at = page.evaluate(position, level_title)
        level = page.locator(f"[data-testid='studio-level'][data-title='{level_title}']")
    _shot(page, "10-tree-published-level-first")

    # a level added meanwhile elsewhere (another tab): a move made on the stale tree is refused, and the tree shows
    # the levels as they are now, with why
    other = httpx.post(
        f"{server}/content/author/languages/ase/levels",
        json={"title_es": f"Otro {tag}", "title_en": f"Another {tag}"},
        headers=teacher["headers"],
    )
    assert other.status_code == 201, other.text
    level.get_by_role("button", name=f"Bajar «{level_title}»").click()
    page.locator(f"[data-testid='studio-level'][data-title='Otro {tag}']").wait_for()
    refused = page.locator("#studio-tree-heading + [role='alert']")
    refused.wait_for()
    assert "cambiaron mientras tanto" in refused.inner_text()
    assert page.evaluate(position, level_title) == 0  # nothing moved
    _shot(page, "10b-tree-stale-order-refused")
    level = page.locator(f"[data-testid='studio-level'][data-title='{level_title}']")

    # bundles: export the level, import it back (nothing new), and a hostile archive refused with its member named
    level_id = httpx.get(f"{server}/content/languages/ase/levels").json()["levels"][0]["id"]
    page.get_by_label("Qué exportar").select_option(level_id)
    with page.expect_download() as download:
        page.get_by_test_id("bundle-export").click()
    archive = tmp_path / "level.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as bundle:
        text = bundle.read("bundle.yaml").decode()
    assert gloss in text
    assert lesson_title in text
    page.get_by_label("Paquete ZIP para importar").set_input_files(str(archive))
    page.get_by_test_id("bundle-import").click()
    page.get_by_test_id("bundle-imported").wait_for()
    assert "0 nuevos" in page.get_by_test_id("bundle-imported").inner_text()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_bad_archive())
    page.get_by_label("Paquete ZIP para importar").set_input_files(str(bad))
    page.get_by_test_id("bundle-import").click()
    problems = page.get_by_test_id("bundle-problems")
    problems.wait_for()
    assert "../../escape.txt" in problems.inner_text()
    assert "no se ha cambiado nada" in page.get_by_test_id("bundle-refused").inner_text()
    _shot(page, "11-bundle-round-trip")
    context.close()
    # the hostile archive's 422 and the stale order's 409, as the browser logs refused requests
    assert all("status of 422" in error or "status of 409" in error for error in console.errors), console.errors


def test_a_learner_finds_the_lesson_practises_the_sign_and_cannot_open_the_studio(
    camera_browser: Callable[[Path], Any], hand_clip: Path, server: str, built: dict[str, Any]
) -> None:
    if "sign_id" not in built:
        pytest.skip("the teacher's scenario did not get as far as the sign")
    learner = sign_up_learner(server, "Lucía Estudio")
    context, page, console = new_page(camera_browser(hand_clip))
    context.grant_permissions(["camera"])
    log_in(page, server, learner.email)
    wait_page(page, "course")
    assert page.get_by_role("link", name="Estudio").count() == 0  # no studio in a learner's navigation
    link = page.get_by_role("link", name=built["lesson_title"])
    link.wait_for()
    _shot(page, "12-learner-course-finds-lesson")
    link.click()
    wait_page(page, "lesson")
    assert built["gloss"] in page.locator("main").inner_text()
    page.get_by_test_id("begin").click()
    page.get_by_role("button", name="Activar la cámara").click()
    page.get_by_role("button", name="Grabar 3 segundos").click()
    score = page.get_by_test_id("practice-score")
    score.wait_for(timeout=PROCESSING_MS)
    assert "Puntuación" in score.inner_text()
    overlay = page.get_by_test_id("practice-overlay")
    overlay.wait_for()
    assert overlay.get_by_test_id("overlay-attempt").is_visible()
    assert overlay.get_by_test_id("overlay-reference").is_visible()
    page.get_by_test_id("feedback").filter(has_text=re.compile("Correcto|No es correcto")).wait_for()
    _shot(page, "13-learner-practice-score-overlay")

    # the studio is closed to a learner: in the page ...
    page.goto(f"{server}/#/studio")
    page.get_by_test_id("studio-forbidden").wait_for()
    assert page.get_by_test_id("new-level").count() == 0
    _shot(page, "14-learner-studio-refused")
    # ... and in the API
    refused = httpx.get(f"{server}/content/author/signs/{built['sign_id']}", headers=learner.headers)
    assert refused.status_code == 403
    assert set(refused.json()) >= {"error", "detail"}
    refused = httpx.post(
        f"{server}/content/author/languages/ase/levels",
        json={"title_es": "x", "title_en": "x"},
        headers=learner.headers,
    )
    assert refused.status_code == 403
    context.close()
    assert console.errors == []


def test_a_recording_without_a_hand_is_refused_with_its_reason(
    camera_browser: Callable[[Path], Any], empty_clip: Path, server: str, teacher: dict[str, Any]
) -> None:
    created = httpx.post(
        f"{server}/content/author/languages/ase/signs",
        json={"gloss": f"VACIO-{secrets.token_hex(3).upper()}", "meaning_es": "Vacío", "meaning_en": "Empty"},
        headers=teacher["headers"],
    )
    assert created.status_code == 201, created.text
    sign_id = created.json()["id"]
    try:
        context, page, console = new_page(camera_browser(empty_clip))
        context.grant_permissions(["camera"])
        page.goto(f"{server}/#/")
        wait_page(page, "home")
        page.evaluate("(token) => sessionStorage.setItem('senas.refresh', token)", teacher["refresh"])
        # a full load (not a hash change), so the app starts and resumes the session from the refresh token
        page.goto(f"{server}/?resume=1#/studio/sign/{sign_id}")
        wait_page(page, "studio-sign")
        page.get_by_test_id("camera-on").click()
        page.get_by_test_id("record").click()
        page.get_by_test_id("use-recording").click()
        status = page.get_by_test_id("video-status").filter(has_text="No se pudo usar el vídeo")
        status.wait_for(timeout=PROCESSING_MS)
        assert "mano" in status.inner_text().lower()  # the reason names the missing hand
        page.get_by_test_id("sign-status").filter(has_text="Vídeo rechazado").wait_for()
        _shot(page, "15-sign-video-refused-reason")
        # publishing is refused while the sign has no usable video
        page.get_by_test_id("publish-sign").click()
        dialog = _confirm_dialog(page)
        assert dialog.get_by_test_id("dialog-confirm").is_disabled()
        dialog.get_by_test_id("dialog-cancel").click()
        context.close()
        assert console.errors == []
    finally:
        httpx.delete(f"{server}/content/author/signs/{sign_id}", headers=teacher["headers"])
