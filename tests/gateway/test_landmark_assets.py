"""The in-browser landmark engine's files (issue 19): how ``make`` installs @mediapipe/tasks-vision (the pinned
sha512, unsafe tarball members refused, an all-or-nothing install) and how the app serves it and the models (types,
revalidation, the CSP headers, a clear 404 when something is not installed) — no browser, no network."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from senas.web import tasks_vision
from senas.web.landmark_assets import LandmarkAssets, landmark_routes
from senas.web.serving import security_headers, web_routes

BASE = "http://127.0.0.1:8080"


def _tarball(members: dict[str, bytes], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if link is not None:
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            archive.addfile(info)
    return buffer.getvalue()


def _package() -> dict[str, bytes]:
    return {f"package/{name}": f"// {name}".encode() for name in tasks_vision.FILES}


def test_the_pinned_sha512_is_checked() -> None:
    data = _tarball(_package())
    good = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    tasks_vision.check_integrity(data, good)
    with pytest.raises(tasks_vision.InstallError, match="sha512 mismatch"):
        tasks_vision.check_integrity(data + b"x", good)
    with pytest.raises(tasks_vision.InstallError, match="sha512 mismatch"):
        tasks_vision.check_integrity(data)  # not the real release


def test_extract_keeps_only_the_served_files(tmp_path: Path) -> None:
    members = {**_package(), "package/vision_bundle.cjs": b"not wanted", "package/wasm/x_module.wasm": b"nor this"}
    folder = tmp_path / "tasks-vision" / tasks_vision.VERSION
    tasks_vision.extract(_tarball(members), folder)
    assert tasks_vision.is_installed(folder)
    kept = {path.name for path in folder.iterdir()} - {tasks_vision.COMPLETE_MARK}
    assert kept == set(tasks_vision.FILES.values())
    assert (folder / "vision_wasm_internal.wasm").read_bytes() == b"// wasm/vision_wasm_internal.wasm"


@pytest.mark.parametrize("bad", ["../evil.js", "/etc/evil", "package/../../evil"])
def test_unsafe_paths_are_refused_and_nothing_is_installed(tmp_path: Path, bad: str) -> None:
    folder = tmp_path / "engine"
    with pytest.raises(tasks_vision.InstallError, match="unsafe path"):
        tasks_vision.extract(_tarball({**_package(), bad: b"x"}), folder)
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind


def test_a_link_in_place_of_a_wanted_file_is_refused(tmp_path: Path) -> None:
    members = _package()
    del members["package/vision_bundle.mjs"]
    with pytest.raises(tasks_vision.InstallError, match="not a regular file"):
        tasks_vision.extract(_tarball(members, link="package/vision_bundle.mjs"), tmp_path / "engine")


def test_a_tarball_missing_files_installs_nothing(tmp_path: Path) -> None:
    members = _package()
    del members["package/wasm/vision_wasm_internal.wasm"]
    with pytest.raises(tasks_vision.InstallError, match="lacks"):
        tasks_vision.extract(_tarball(members), tmp_path / "engine")
    assert not (tmp_path / "engine").exists()


def test_only_https_is_downloaded() -> None:
    with pytest.raises(tasks_vision.InstallError, match="non-https"):
        tasks_vision.download("file:///etc/passwd")


@pytest.fixture
def installed(tmp_path: Path) -> LandmarkAssets:
    engine = tmp_path / "engine"
    tasks_vision.extract(_tarball(_package()), engine)
    hand = tmp_path / "hand_landmarker.task"
    hand.write_bytes(b"hand model")
    return LandmarkAssets(engine_dir=engine, hand_model=lambda: hand, pose_model=lambda: None)


@pytest.fixture
async def client(installed: LandmarkAssets) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=landmark_routes(security_headers(BASE), installed))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http


async def test_engine_files_have_their_types_and_revalidate(client: httpx.AsyncClient) -> None:
    wasm = await client.get("/static/landmarks/engine/vision_wasm_internal.wasm")
    assert wasm.status_code == 200
    assert wasm.headers["content-type"] == "application/wasm"  # instantiateStreaming needs it
    assert wasm.headers["cache-control"] == "no-cache"
    assert "'wasm-unsafe-eval'" in wasm.headers["content-security-policy"]
    again = await client.get(
        "/static/landmarks/engine/vision_wasm_internal.wasm", headers={"If-None-Match": wasm.headers["etag"]}
    )
    assert again.status_code == 304
    bundle = await client.get("/static/landmarks/engine/vision_bundle.mjs")
    assert bundle.headers["content-type"].startswith("text/javascript")
    head = await client.head("/static/landmarks/engine/vision_wasm_internal.js")
    assert head.status_code == 200
    assert head.content == b""


async def test_only_the_engine_code_is_served(client: httpx.AsyncClient) -> None:
    for name in ("README.md", "package.json", ".complete", "vision_bundle.cjs", "other.wasm"):
        response = await client.get(f"/static/landmarks/engine/{name}")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    assert (await client.get("/static/landmarks/engine/..%2F..%2Fetc%2Fpasswd")).status_code == 404


async def test_models_are_served_and_a_missing_one_says_so(client: httpx.AsyncClient) -> None:
    hand = await client.get("/static/landmarks/models/hand_landmarker.task")
    assert hand.status_code == 200
    assert hand.content == b"hand model"
    pose = await client.get("/static/landmarks/models/pose_landmarker.task")
    assert pose.status_code == 404
    assert "pose_landmarker.task" in pose.json()["detail"]
    assert (await client.get("/static/landmarks/models/other.task")).status_code == 404


async def test_an_engine_not_installed_is_a_clear_404(tmp_path: Path) -> None:
    assets = LandmarkAssets(engine_dir=tmp_path / "absent", hand_model=lambda: None, pose_model=lambda: None)
    app = Starlette(routes=landmark_routes({}, assets))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        response = await http.get("/static/landmarks/engine/vision_bundle.mjs")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert "make" in response.json()["detail"]


def test_the_routes_come_before_the_generic_static_route() -> None:
    paths = [getattr(route, "path", "") for route in web_routes(BASE)]
    assert paths.index("/static/landmarks/engine/{name}") < paths.index("/static/{path:path}")
    assert paths.index("/static/landmarks/models/{name}") < paths.index("/static/{path:path}")
