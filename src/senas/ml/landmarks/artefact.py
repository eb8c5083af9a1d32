"""The landmark artefact written to the processed store: a compressed, versioned ``.npz``.

``landmarks/<session or asset id>/v2.npz`` holds the arrays of a :class:`HandTrack` plus a JSON ``meta`` string
(format version, frame rate and size, source key, model versions). Loaded with ``allow_pickle=False``.

Format 2 adds the upper body (``body``, ``body_present``) when a pose model ran; format 1 artefacts (hands only,
``v1.npz``, written before) still load, as tracks without a body.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from senas.ml.landmarks.sequence import HandTrack

ARTEFACT_FORMAT = 2
READABLE_FORMATS = (1, 2)


def artefact_key(owner_id: str) -> str:
    return f"landmarks/{owner_id}/v{ARTEFACT_FORMAT}.npz"


def dump(track: HandTrack, **meta: Any) -> bytes:
    header = {"format": ARTEFACT_FORMAT, "fps": track.fps, "width": track.width, "height": track.height, **meta}
    arrays = {
        "points": track.points.astype(np.float32),
        "present": track.present,
        "handedness": track.handedness.astype(np.int8),
        "scores": track.scores.astype(np.float32),
    }
    if track.body is not None and track.body_present is not None:
        arrays["body"] = track.body.astype(np.float32)
        arrays["body_present"] = track.body_present.astype(bool)
    buffer = io.BytesIO()
    arrays["meta"] = np.array(json.dumps(header))
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def load(raw: bytes) -> tuple[HandTrack, dict[str, Any]]:
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format") not in READABLE_FORMATS:
            raise ValueError(f"unsupported landmark artefact format {meta.get('format')!r}")
        track = HandTrack(
            points=data["points"],
            present=data["present"],
            handedness=data["handedness"],
            scores=data["scores"],
            fps=float(meta["fps"]),
            width=int(meta["width"]),
            height=int(meta["height"]),
            body=data["body"] if "body" in data.files else None,
            body_present=data["body_present"] if "body_present" in data.files else None,
        )
    return track, meta
