"""Build ``pose_landmarker.task`` (MediaPipe Tasks PoseLandmarker) offline, at install time.

Run it as a script with the project's Python (``make install`` and the Docker ML build stage do)::

    python src/senas/ml/registry/pose_build.py --out .venv/share/senas/pose_landmarker.task

Why a build: MediaPipe >= 0.10.30 (the project runs 1.2.3) ships no model files, and 1.2.3's metadata writer is
broken. ``mediapipe==0.10.21`` ships Google's pose models (``pose_detection.tflite``, ``pose_landmark_full.tflite``,
Apache-2.0) without the Tasks metadata a ``.task`` needs, and its own metadata writer works. So the script

1. makes a throw-away virtual environment (in a temporary folder, deleted afterwards) with the pinned
   ``mediapipe==0.10.21`` and the numpy < 2 / protobuf < 5 it needs, installed ``--no-deps`` from the package
   registry (never beside the project's MediaPipe 1.2.3: they share the ``mediapipe`` import name);
2. re-runs itself inside it (``--assemble``) to add image-input metadata to both models — the detector takes
   [-1, 1] pixels (mean/std 127.5), the landmark model [0, 1] (mean 0, std 255) — and one feature output per
   output tensor, as MediaPipe's own pose task files are described;
3. zips them uncompressed and 64-byte aligned (MediaPipe maps the members in place) as ``pose_detector.tflite``
   and ``pose_landmarks_detector.tflite`` with fixed timestamps, so the same inputs always give the same bytes (and
   the registry sees the same sha256).

Idempotent: an existing output that holds both members is kept (``--force`` rebuilds). Only the standard library
is imported outside the build environment: the project's own packages are not needed to run this.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

# Pinned: the only release line that ships the pose tflite files *and* a working metadata writer, and what it
# needs to import that writer (not its full dependency set: no jax, OpenCV or matplotlib).
BUILD_REQUIREMENTS = (
    "mediapipe==0.10.21",
    "numpy==1.26.4",
    "protobuf==4.25.9",
    "flatbuffers==25.12.19",
    "absl-py==2.5.1",
)
DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"
MEMBERS = (DETECTOR_MEMBER, LANDMARKS_MEMBER)
FIXED_TIME = (2025, 1, 1, 0, 0, 0)
ALIGN = 64
ZIPALIGN_EXTRA = 0xD935  # the extra-field id Android's zipalign uses for alignment padding


def is_complete(path: Path) -> bool:
    """An existing task file with both models in it (a half-written or foreign file is rebuilt)."""
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            return set(MEMBERS) <= names and all(bundle.getinfo(m).file_size > 0 for m in MEMBERS)
    except (OSError, zipfile.BadZipFile):
        return False


def _installed_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def assemble(out: Path) -> None:
    """Inside the build environment: add the metadata and write the bundle."""
    import importlib.util
    import types

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("mediapipe is not installed in the build environment")
    package = Path(next(iter(spec.submodule_search_locations)))
    # The package's __init__ imports OpenCV and the legacy solutions API, neither needed to write metadata: an
    # empty package object over the same folder lets the metadata writer's modules import without them.
    shell = types.ModuleType("mediapipe")
    shell.__path__ = [str(package)]
    sys.modules["mediapipe"] = shell
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    version = _installed_version("mediapipe")
    modules = package / "modules"
    sources = {
        DETECTOR_MEMBER: (modules / "pose_detection" / "pose_detection.tflite", 127.5, 127.5, "pose detector"),
        LANDMARKS_MEMBER: (modules / "pose_landmark" / "pose_landmark_full.tflite", 0.0, 255.0, "pose landmarks"),
    }
    described: dict[str, bytes] = {}
    for member, (source, mean, std, name) in sources.items():
        model = bytearray(source.read_bytes())
        writer = metadata_writer.MetadataWriter.create(model)
        writer.add_general_info(name, f"MediaPipe {source.name} (Apache-2.0) from mediapipe=={version}")
        writer.add_image_input(norm_mean=[mean], norm_std=[std])
        for _ in writer_utils.get_output_tensor_types(model):
            writer.add_feature_output()
        content, _ = writer.populate()
        described[member] = bytes(content)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Per process: two builds at once (make -j) never write into each other's file.
    partial = out.with_name(f"{out.name}.{os.getpid()}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member in MEMBERS:
            info = zipfile.ZipInfo(member, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            # Start each model on an ALIGN-byte boundary of the file (as Android's zipalign does) so TFLite can
            # use its tensors in place instead of copying unaligned ones: padding in an extra field of the
            # local header (30 bytes + name + extra).
            start = bundle.fp.tell() + 30 + len(member.encode()) + 4 if bundle.fp else 0
            padding = -start % ALIGN
            info.extra = struct.pack("<HH", ZIPALIGN_EXTRA, padding) + bytes(padding)
            bundle.writestr(info, described[member])
    os.replace(partial, out)  # never a half-written file where the service looks


def build(out: Path, requirements: Path | None = None) -> None:
    """Make the throw-away environment, install the pinned packages (from ``requirements``, a hashed lock, when
    given), assemble inside it, delete it."""
    with tempfile.TemporaryDirectory(prefix="senas-pose-build-") as folder:
        env_dir = Path(folder) / "venv"
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        quiet = ["--quiet", "--disable-pip-version-check", "--no-input"]
        # Fixed argument lists: the interpreter this function just created, pinned requirements, this file.
        packages = ["--require-hashes", "-r", str(requirements)] if requirements else list(BUILD_REQUIREMENTS)
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", *quiet, "--no-deps", *packages],
            check=True,
        )
        subprocess.run([str(python), __file__, "--assemble", "--out", str(out)], check=True)  # noqa: S603


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build MediaPipe's pose_landmarker.task offline.")
    parser.add_argument("--out", type=Path, required=True, help="where the .task file goes")
    parser.add_argument("--force", action="store_true", help="rebuild even if a complete file is there")
    parser.add_argument("--requirements", type=Path, help="a hashed lock of BUILD_REQUIREMENTS to install from")
    parser.add_argument("--assemble", action="store_true", help=argparse.SUPPRESS)  # inside the build venv
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if args.assemble:
        assemble(out)
        return 0
    if is_complete(out) and not args.force:
        print(f"pose model already built: {out}")
        return 0
    build(out, args.requirements.resolve() if args.requirements else None)
    if not is_complete(out):
        print(f"pose model build produced no usable file at {out}", file=sys.stderr)
        return 1
    print(f"pose model built: {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
