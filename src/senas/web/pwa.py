"""The installable app: the service worker at ``/sw.js`` with the list of files it keeps for offline use.

The worker is served from the root (not ``/static/``) so that its scope is the whole app without a
``Service-Worker-Allowed`` header. Its text is ``sw.js`` beside this module with two values filled in by the server:
the *app shell* to precache and a cache version derived from the content of those files and of the worker itself,
so any change to the shell gives a new version, the browser installs the new worker, and the old cache is deleted.

The shell is computed from the static folder rather than listed by hand (new modules appear without anyone
remembering to list them) but restricted to the page's own kinds of files and to small ones: other features serve
large files (model weights, ``.wasm``) from their own routes or may drop big assets here, and precaching those would
make installing the app slow or fail on a phone."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WEB_ROOT = Path(__file__).resolve().parent
STATIC_ROOT = WEB_ROOT / "static"
WORKER_NAME = "sw.js"
WORKER_SOURCE = WEB_ROOT / WORKER_NAME
# What the shell is made of: the page, its modules and styles, its images and the manifest.
SHELL_SUFFIXES = frozenset({".html", ".js", ".css", ".svg", ".png", ".ico", ".webmanifest"})
# Above this a file is not part of the shell (a phone on a slow connection installs the app in seconds).
SHELL_MAX_BYTES = 1_000_000
SHELL_PLACEHOLDER = '"__SENAS_SHELL__"'


@dataclass(frozen=True)
class Shell:
    version: str
    files: tuple[str, ...]


def shell_files(web_root: Path = WEB_ROOT) -> list[Path]:
    """The static files the worker precaches: known small types, no hidden files or folders, nothing big."""
    static_root = web_root / "static"
    chosen = []
    root = static_root.resolve()
    for path in sorted(static_root.rglob("*")):
        relative = path.relative_to(static_root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):  # a link out of the folder: the server would not serve it
            continue
        if path.suffix in SHELL_SUFFIXES and path.stat().st_size <= SHELL_MAX_BYTES:
            chosen.append(path)
    return chosen


def shell(web_root: Path = WEB_ROOT) -> Shell:
    """The URLs to precache and their version: a hash over the page, each file's name and content, and the
    worker's code."""
    static_root = web_root / "static"
    digest = hashlib.sha256((web_root / WORKER_NAME).read_bytes())
    digest.update((web_root / "index.html").read_bytes())
    urls = ["/"]
    for path in shell_files(web_root):
        relative = path.relative_to(static_root).as_posix()
        digest.update(relative.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        urls.append(f"/static/{relative}")
    return Shell(version=digest.hexdigest()[:16], files=tuple(urls))


def worker_script(web_root: Path = WEB_ROOT) -> bytes:
    """The worker's code with its shell filled in (JSON is a valid JavaScript expression); read again only when a
    file of the shell (or the worker) changed."""
    watched = [web_root / WORKER_NAME, web_root / "index.html", *shell_files(web_root)]
    signature = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in watched)
    return _worker_script(web_root, signature)


@lru_cache(maxsize=8)
def _worker_script(web_root: Path, signature: tuple[tuple[str, int, int], ...]) -> bytes:
    current = shell(web_root)
    config = json.dumps({"version": current.version, "files": list(current.files)}, separators=(",", ":"))
    worker = web_root / WORKER_NAME
    source = worker.read_text(encoding="utf-8")
    if SHELL_PLACEHOLDER not in source:
        raise RuntimeError(f"{worker} lost its {SHELL_PLACEHOLDER} placeholder")
    return source.replace(SHELL_PLACEHOLDER, config, 1).encode()
