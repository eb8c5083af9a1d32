"""Bundles as one ZIP archive: packing an exported bundle folder, and unpacking an uploaded one safely.

An uploaded archive is hostile until proven otherwise. Unpacking refuses — before anything is written to the
catalogue — members whose path leaves the bundle (absolute, ``..``, a drive or backslashes), links of any kind,
more than ``MAX_MEMBERS`` members, a member larger than the largest media file allowed, and more than
``MAX_UNPACKED_BYTES`` in all; sizes are counted while reading, not taken from the headers, which can lie (a ZIP
bomb). Every refusal is listed with the member it is about."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path, PurePosixPath

from senas.content.bundles import format as fmt
from senas.content.media import rules

MAX_ARCHIVE_MB = 40
MAX_ARCHIVE_BYTES = MAX_ARCHIVE_MB * rules.MB  # what the import route accepts as its body
MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = rules.VIDEO_LIMIT  # the largest file a bundle may hold
MAX_UNPACKED_BYTES = 200 * rules.MB
CHUNK = 1 << 16


def pack(root: Path) -> bytes:
    """The folder as a ZIP archive (paths relative to it; videos are stored, they do not compress)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            compress = zipfile.ZIP_DEFLATED if path.suffix in (".yaml", ".yml", ".json", ".svg") else zipfile.ZIP_STORED
            archive.write(path, name, compress_type=compress)
    return buffer.getvalue()


MAX_NAME_PART = 200  # characters in one folder or file name (file systems stop at 255 bytes)
MAX_NAME = 1000


def _path_problem(name: str) -> str | None:
    if not name or "\\" in name or "\x00" in name:
        return "nombre de archivo no válido / invalid file name"
    path = PurePosixPath(name)
    if path.is_absolute() or ":" in path.parts[0] or ".." in path.parts:
        return "la ruta sale del paquete / the path leads outside the bundle"
    if len(name) > MAX_NAME or any(len(part) > MAX_NAME_PART for part in path.parts):
        return "nombre demasiado largo / name too long"
    return None


def _is_link(info: zipfile.ZipInfo) -> bool:
    # Unix file type bits, when the archiver wrote any (many leave them 0): anything but a file or a folder.
    kind = stat.S_IFMT(info.external_attr >> 16)
    return kind not in (0, stat.S_IFREG, stat.S_IFDIR)


def unpack(data: bytes, destination: Path) -> Path:
    """Unpack ``data`` into ``destination`` and return the bundle's folder (the archive's root, or its one top
    folder); raises ``BundleInvalid`` listing every problem, having written nothing outside ``destination``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise fmt.BundleInvalid(["archivo / archive: no es un ZIP válido / not a valid ZIP archive"]) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise fmt.BundleInvalid(
                [f"archivo / archive: {len(members)} miembros, máximo / members, at most {MAX_MEMBERS}"]
            )
        problems: list[str] = []
        seen: set[str] = set()
        for info in members:
            problem = _path_problem(info.filename)
            place = PurePosixPath(info.filename).as_posix()
            if problem is None and place in seen:
                problem = "aparece dos veces / appears twice"  # which copy would count is anyone's guess
            seen.add(place)
            if problem is None and _is_link(info):
                problem = "los enlaces no se admiten / links are not allowed"
            if problem is None and info.file_size > MAX_MEMBER_BYTES:
                problem = f"{info.file_size} bytes, máximo / at most {MAX_MEMBER_BYTES}"
            if problem is not None:
                problems.append(f"{info.filename!r}: {problem}")
        if problems:
            raise fmt.BundleInvalid(problems)
        total = 0
        root = destination.resolve()
        for info in members:
            target = (root / info.filename).resolve()
            if not target.is_relative_to(root):  # a last guard: _path_problem already refused such names
                raise fmt.BundleInvalid([f"{info.filename!r}: la ruta sale del paquete / leads outside the bundle"])
            written = 0
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, target.open("wb") as sink:
                    while chunk := source.read(CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if written > MAX_MEMBER_BYTES or total > MAX_UNPACKED_BYTES:
                            raise fmt.BundleInvalid(
                                [
                                    f"{info.filename!r}: se descomprime en demasiados bytes / unpacks to too many "
                                    f"bytes (at most {MAX_MEMBER_BYTES} a file, {MAX_UNPACKED_BYTES} in all)"
                                ]
                            )
                        sink.write(chunk)
            except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
                raise fmt.BundleInvalid([f"{info.filename!r}: no se puede leer / cannot be read: {exc}"]) from None
            except OSError:
                # e.g. a file "a" and a file "a/b": one name used as both a file and a folder
                raise fmt.BundleInvalid(
                    [f"{info.filename!r}: choca con otro miembro / clashes with another member (file and folder)"]
                ) from None
    return bundle_folder(root)


def bundle_folder(root: Path) -> Path:
    """The folder holding the bundle file: the archive's root, or the one folder an archive of a folder has."""
    if any((root / name).is_file() for name in fmt.BUNDLE_FILES):
        return root
    children = [child for child in root.iterdir()]
    if len(children) == 1 and children[0].is_dir() and any((children[0] / n).is_file() for n in fmt.BUNDLE_FILES):
        return children[0]
    raise fmt.BundleInvalid([f"archivo / archive: falta / missing {' / '.join(fmt.BUNDLE_FILES)}"])
