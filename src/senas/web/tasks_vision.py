"""Install MediaPipe Tasks for the web (``@mediapipe/tasks-vision``) from the npm registry, at ``make`` time.

The browser computes hand and body landmarks itself (live overlay, live fingerspelling, privacy mode), with
Google's WebAssembly build of MediaPipe. The page may load nothing from a CDN and the server downloads nothing at
run time, so ``make`` runs this script once: it fetches the pinned release's tarball, checks it against the
registry's published sha512 (``dist.integrity``), and extracts only the files the page uses — the ES module
bundle, the WebAssembly loaders and binaries (SIMD and no-SIMD), the package's ``package.json`` (its Apache-2.0
licence) and ``README.md`` (its privacy notice) — into ``<prefix>/share/senas/tasks-vision/<version>/``, beside
the pose model. ``senas.web.landmark_assets`` serves them from there.

Standard library only: it runs before anything else is importable, and in container build stages.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

PACKAGE = "@mediapipe/tasks-vision"
VERSION = "1.1.0"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/tasks-vision-{VERSION}.tgz"
# `npm view @mediapipe/tasks-vision@1.1.0 dist.integrity`
INTEGRITY = "sha512-ZJqh0wMKOINorfSffvDAxzyO1//c+FiG3IkzOdNDnLqvBB3DbMfj0bB/tys2SNf9S914sgoIbIpF4HTOi336cg=="
# Tarball member (under package/) → file name in the install folder. The "module" wasm variant is left out: the
# page loads the classic loader (FilesetResolver.forVisionTasks without useModule).
FILES = {
    "vision_bundle.mjs": "vision_bundle.mjs",
    "wasm/vision_wasm_internal.js": "vision_wasm_internal.js",
    "wasm/vision_wasm_internal.wasm": "vision_wasm_internal.wasm",
    "wasm/vision_wasm_nosimd_internal.js": "vision_wasm_nosimd_internal.js",
    "wasm/vision_wasm_nosimd_internal.wasm": "vision_wasm_nosimd_internal.wasm",
    "package.json": "package.json",
    "README.md": "README.md",
}
MAX_TARBALL_BYTES = 100 * 1024 * 1024
MAX_MEMBER_BYTES = 40 * 1024 * 1024
COMPLETE_MARK = ".complete"


class InstallError(Exception):
    pass


def install_dir(prefix: str | None = None) -> Path:
    """Where the files go (and where the server looks for them): beside the environment's packages."""
    return Path(prefix or sys.prefix) / "share" / "senas" / "tasks-vision" / VERSION


def is_installed(folder: Path) -> bool:
    return (folder / COMPLETE_MARK).is_file() and all((folder / name).is_file() for name in FILES.values())


def check_integrity(data: bytes, integrity: str = INTEGRITY) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise InstallError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise InstallError(f"{PACKAGE}@{VERSION}: sha512 mismatch (expected {expected}, got {actual})")


def download(url: str = TARBALL_URL, timeout: float = 120.0) -> bytes:
    if not url.startswith("https://"):
        raise InstallError(f"refusing a non-https URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "senas-make"})  # noqa: S310 - https only
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https only
        data: bytes = response.read(MAX_TARBALL_BYTES + 1)
    if len(data) > MAX_TARBALL_BYTES:
        raise InstallError(f"{url} is larger than {MAX_TARBALL_BYTES} bytes")
    return data


def _safe_member(member: tarfile.TarInfo) -> str | None:
    """The member's path under ``package/`` if it is a plain file we want; refuses anything that could write
    outside the folder (absolute paths, ``..``, links, devices) by never extracting it."""
    name = member.name
    if name.startswith("/") or "\\" in name or any(part in ("", "..") for part in name.split("/")):
        raise InstallError(f"unsafe path in the tarball: {name!r}")
    if not name.startswith("package/"):
        return None
    relative = name.removeprefix("package/")
    if relative not in FILES:
        return None
    if not member.isreg():
        raise InstallError(f"{name!r} is not a regular file in the tarball")
    if member.size > MAX_MEMBER_BYTES:
        raise InstallError(f"{name!r} is larger than {MAX_MEMBER_BYTES} bytes")
    return relative


def extract(data: bytes, folder: Path) -> None:
    """Writes the wanted files into a temporary folder next to ``folder`` and renames it into place, so an
    interrupted run never leaves a half-installed engine the server would serve."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        found: set[str] = set()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive:
                relative = _safe_member(member)
                if relative is None:
                    continue
                source = archive.extractfile(member)
                if source is None:
                    raise InstallError(f"cannot read {member.name!r}")
                (staging / FILES[relative]).write_bytes(source.read())
                found.add(relative)
        missing = set(FILES) - found
        if missing:
            raise InstallError(f"{PACKAGE}@{VERSION} lacks {sorted(missing)}")
        (staging / COMPLETE_MARK).write_text(f"{PACKAGE}@{VERSION} {INTEGRITY}\n", encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private; the server may run as another user (a container)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def install(folder: Path, *, force: bool = False, url: str = TARBALL_URL) -> bool:
    """True when it installed, False when the folder already held this release."""
    if is_installed(folder) and not force:
        return False
    data = download(url)
    check_integrity(data)
    extract(data, folder)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="install folder (default: beside the packages)")
    parser.add_argument("--force", action="store_true", help="install again even if present")
    args = parser.parse_args(argv)
    folder = args.out or install_dir()
    try:
        installed = install(folder, force=args.force)
    except (InstallError, OSError, tarfile.TarError) as exc:
        print(f"tasks-vision: {exc}", file=sys.stderr)
        return 1
    print(f"tasks-vision {VERSION}: {'installed in' if installed else 'already in'} {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
