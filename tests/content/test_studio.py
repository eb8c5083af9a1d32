"""The content side of the author studio (issue 17): a draft sign's reference upload names the sign (so its
template is built before publishing), a sign as its author sees it, the check of what is missing before publishing,
and bundles as ZIP archives over HTTP — exported, imported back all or nothing, and hostile archives refused with
every problem located."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from typing import Any

import httpx
import pytest
from content_helpers import build_course, ok
from test_media import received, upload_reference

from senas.content.studio import archive
from senas.contracts.media import VideoUploaded
from senas.platform import catalog
from senas.wiring import Platform

ZIP = {"Content-Type": "application/zip"}


def _zip(members: dict[str, bytes], *, links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            out.writestr(info, "/etc/passwd")
    return buffer.getvalue()


async def test_a_draft_signs_reference_upload_names_the_sign(
    client: httpx.AsyncClient, platform: Platform, author_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers, publish=False)
    sign_id = course.signs["MAMÁ"]
    asset_id = await upload_reference(client, platform, author_headers, sign_id, b"\x1a\x45\xdf\xa3" + b"v" * 500)
    await ok(await client.post(f"/content/author/media/{asset_id}/confirm", headers=author_headers))
    [message] = await received(platform, catalog.VIDEO_PROCESSING)
    uploaded = VideoUploaded.from_envelope(message)
    assert (uploaded.language, uploaded.slug, uploaded.gloss) == ("lsm", "mama", "MAMÁ")

    sign = await ok(await client.get(f"/content/author/signs/{sign_id}", headers=author_headers))
    assert sign["status"] == "draft"
    assert sign["reference_asset_id"] == asset_id
    assert sign["template_status"] == "pending"
    assert sign["may_change"] is True


async def test_a_sign_as_authors_see_it_says_who_may_change_it(
    client: httpx.AsyncClient,
    author_headers: dict[str, str],
    admin_headers: dict[str, str],
    learner_headers: dict[str, str],
    mint_token: Any,
) -> None:
    course = await build_course(client, author_headers, publish=False)
    path = f"/content/author/signs/{course.signs['CAFÉ']}"
    other = {"Authorization": f"Bearer {mint_token('teacher-2', roles=('teacher',))}"}
    assert (await ok(await client.get(path, headers=other)))["may_change"] is False
    assert (await ok(await client.get(path, headers=admin_headers)))["may_change"] is True
    refused = await client.get(path, headers=learner_headers)
    assert refused.status_code == 403
    assert set(refused.json()) >= {"error", "detail"}
    missing = await client.get("/content/author/signs/nope", headers=author_headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "sign_not_found"


async def test_the_checklist_names_what_is_missing_before_publishing(
    client: httpx.AsyncClient, author_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers, publish=False)
    lesson, empty_lesson = course.lessons[0], course.lessons[1]
    checklist = await ok(await client.get(f"/content/author/lessons/{lesson}/checklist", headers=author_headers))
    assert checklist["ready"] is False
    codes = {(p["code"], p["where"].rsplit(" › ", 1)[-1]) for p in checklist["problems"]}
    # every sign the lesson uses is a draft without a video; the level is a draft too (a warning, not blocking)
    assert {("sign_draft", "SEÑAS"), ("sign_no_video", "MAMÁ"), ("sign_draft", "PAPÁ")} <= codes
    parent = [p for p in checklist["problems"] if p["code"] == "parent_draft"]
    assert len(parent) == 1
    assert parent[0]["blocking"] is False
    assert all(p["message_es"] and p["message_en"] for p in checklist["problems"])

    empty = await ok(await client.get(f"/content/author/lessons/{empty_lesson}/checklist", headers=author_headers))
    assert "no_exercises" in {p["code"] for p in empty["problems"]}
    level = await ok(await client.get(f"/content/author/levels/{course.levels[1]}/checklist", headers=author_headers))
    assert [p["code"] for p in level["problems"]] == ["no_lessons"]
    wrong_kind = await client.get(f"/content/author/signs/{lesson}/checklist", headers=author_headers)
    assert wrong_kind.status_code == 422


async def test_a_level_round_trips_through_a_bundle_archive(
    client: httpx.AsyncClient, author_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers)
    exported = await client.get(
        "/content/author/bundles/lsm", params={"level": course.levels[0]}, headers=author_headers
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "application/zip"
    assert "senas-lsm-" in exported.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(exported.content)) as bundle:
        text = bundle.read("bundle.yaml").decode()
    assert "Primeros pasos" in text
    assert "Familia" not in text  # the other level is left out ...
    assert "MAMÁ" in text  # ... but the signs this one uses are in

    # importing it back changes nothing: every row is found unchanged
    again = await ok(
        await client.post("/content/author/bundles", content=exported.content, headers={**ZIP, **admin_headers})
    )
    assert again["created"] == 0
    assert again["updated"] == 0
    assert again["unchanged"] > 0

    # a changed title comes back as an update
    changed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported.content)) as source, zipfile.ZipFile(changed, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "bundle.yaml":
                data = data.replace(b"Saludos", b"Saludos y despedidas", 1)
            out.writestr(info, data)
    report = await ok(
        await client.post("/content/author/bundles", content=changed.getvalue(), headers={**ZIP, **admin_headers})
    )
    assert report["updated"] == 1
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert lesson["title_es"] == "Saludos y despedidas"


async def test_only_admins_import_and_only_zip_archives(
    client: httpx.AsyncClient, author_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    teacher = await client.post(
        "/content/author/bundles", content=_zip({"bundle.yaml": b""}), headers={**ZIP, **author_headers}
    )
    assert teacher.status_code == 403
    not_zip = await client.post("/content/author/bundles", content=b"hello", headers={**ZIP, **admin_headers})
    assert not_zip.status_code == 422
    assert not_zip.json()["error"] == "bundle_invalid"
    assert not_zip.json()["problems"] == ["archivo / archive: no es un ZIP válido / not a valid ZIP archive"]
    wrong_type = await client.post(
        "/content/author/bundles", content=b"x", headers={"Content-Type": "text/plain", **admin_headers}
    )
    assert wrong_type.status_code == 415
    assert set(wrong_type.json()) >= {"error", "detail"}


@pytest.mark.parametrize(
    ("members", "links", "expected"),
    [
        ({"../evil.txt": b"x", "bundle.yaml": b""}, (), "'../evil.txt': la ruta sale del paquete"),
        ({"/etc/cron.d/x": b"x"}, (), "'/etc/cron.d/x': la ruta sale del paquete"),
        ({"media\\x.mp4": b"x"}, (), "'media\\\\x.mp4': nombre de archivo no válido"),
        ({"bundle.yaml": b""}, ("media/link.mp4",), "'media/link.mp4': los enlaces no se admiten"),
        ({"readme.txt": b"x"}, (), "falta / missing bundle.yaml"),
        ({"bundle.yaml": b"", "media": b"x", "media/a.mp4": b"y"}, (), "'media/a.mp4': choca con otro miembro"),
        ({"bundle.yaml": b"", "m" * 300: b"y"}, (), "nombre demasiado largo / name too long"),
        ({"bundle.yaml": b"a: &a [1, 2]\nb: *a\n"}, (), "anchors and aliases are not allowed"),
    ],
)
async def test_archive_tricks_are_refused_with_their_member_named(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    members: dict[str, bytes],
    links: tuple[str, ...],
    expected: str,
) -> None:
    refused = await client.post(
        "/content/author/bundles", content=_zip(members, links=links), headers={**ZIP, **admin_headers}
    )
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "bundle_invalid"
    assert "nothing changed" in body["detail"]
    assert any(expected in problem for problem in body["problems"]), body["problems"]


async def test_a_member_named_twice_is_refused(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as out:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        out.writestr("bundle.yaml", b"format: senas-bundle/1\nlanguages: []\n")
        out.writestr("bundle.yaml", b"format: senas-bundle/1\nlanguages: [oops]\n")
    refused = await client.post("/content/author/bundles", content=buffer.getvalue(), headers={**ZIP, **admin_headers})
    assert refused.status_code == 422, refused.text
    assert "'bundle.yaml': aparece dos veces / appears twice" in refused.json()["problems"]


async def test_too_many_members_and_a_zip_bomb_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    many = _zip({f"media/{i}.txt": b"x" for i in range(archive.MAX_MEMBERS + 1)})
    refused = await client.post("/content/author/bundles", content=many, headers={**ZIP, **admin_headers})
    assert refused.status_code == 422
    assert f"at most {archive.MAX_MEMBERS}" in refused.json()["problems"][0]
    # a member that unpacks past the limit, whatever its header says: counted while reading
    monkeypatch.setattr(archive, "MAX_UNPACKED_BYTES", 1_000_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("bundle.yaml", b"format: senas-bundle/1\nlanguages: []\n")
        out.writestr("media/zeros.bin", b"\0" * 2_000_000)
    bomb = buffer.getvalue()
    assert len(bomb) < 10_000
    refused = await client.post("/content/author/bundles", content=bomb, headers={**ZIP, **admin_headers})
    assert refused.status_code == 422
    assert "unpacks to too many bytes" in refused.json()["problems"][0]


async def test_an_invalid_bundle_lists_every_problem_located_and_changes_nothing(
    client: httpx.AsyncClient, author_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers)
    exported = await client.get("/content/author/bundles/lsm", headers=author_headers)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported.content)) as source, zipfile.ZipFile(broken, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "bundle.yaml":
                # a new title (which must not land) and an exercise naming a sign that does not exist
                data = data.replace(b"Saludos", b"Cambiado", 1).replace(b"sign: papa", b"sign: nadie", 1)
            out.writestr(info, data)
    refused = await client.post("/content/author/bundles", content=broken.getvalue(), headers={**ZIP, **admin_headers})
    assert refused.status_code == 422, refused.text
    problems = refused.json()["problems"]
    assert any(p.startswith("bundle.yaml: languages[0]") and "nadie" in p for p in problems), problems
    assert all("/tmp" not in p for p in problems)
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert lesson["title_es"] == "Saludos"
