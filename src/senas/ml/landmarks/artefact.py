"""The landmark artefact written to the processed store: a compressed, versioned ``.npz``.

``landmarks/<session or asset id>/v1.npz`` holds the arrays of a :class:`HandTrack` plus a JSON ``meta`` string
(format version, frame rate and size, source key, model version). Loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from senas.ml.landmarks.sequence import HandTrack

ARTEFACT_FORMAT = 1


def artefact_key(owner_id: str) -> str:
    return f"landmarks/{owner_id}/v{ARTEFACT_FORMAT}.npz"


def dump(track: HandTrack, **meta: Any) -> bytes:
    header = {"format": ARTEFACT_FORMAT, "fps": track.fps, "width": track.width, "height": track.height, **meta}
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        meta=np.array(json.dumps(header)),
        points=track.points.astype(np.float32),
        present=track.present,
        handedness=track.handedness.astype(np.int8),
        scores=track.scores.astype(np.float32),
    )
    return buffer.getvalue()


def load(raw: bytes) -> tuple[HandTrack, dict[str, Any]]:
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != ARTEFACT_FORMAT:
            raise ValueError(f"unsupported landmark artefact format {meta.get('format')!r}")
        track = HandTrack(
            points=data["points"],
            present=data["present"],
            handedness=data["handedness"],
            scores=data["scores"],
            fps=float(meta["fps"]),
            width=int(meta["width"]),
            height=int(meta["height"]),
        )
    return track, meta
