"""The *orientation* component: how far the palm and the fingers are turned from the template's.

Per step, the larger of the angle between the palm normals and the angle between the finger directions
(``handframe.orientation_descriptor``), averaged over the steps: a palm turned 60° with the fingers still pointing
up is 60° off, not 30° (an average of the two would call it nearly right). 0–100 by the scorer's curve with
``ORIENTATION_D50`` = 45°: the named directions (forward, up, to your left…) are 90° apart, so halfway to the next
one scores 50; ``ORIENTATION_TOLERANCE`` (~31°) is where that curve leaves "ok" (75).

A hand without depth (2-D landmarks) has no measured palm normal — the palm is *assumed* to face the camera to
lift it (``handframe.lift_flat``) — so only where the fingers point in the picture is judged then.

With body landmarks on both sides the directions are taken relative to the shoulder line (turned about the
camera's axis by its tilt): a camera held crooked, or a learner leaning, does not count as a turned hand.
"""

from __future__ import annotations

import numpy as np

from senas.ml.recognition.handframe import angle_between

ORIENTATION_D50 = 45.0
ORIENTATION_TOLERANCE = ORIENTATION_D50 * (1.0 / 3.0) ** (1.0 / 3.0)
PALM = slice(0, 3)
FINGERS = slice(3, 6)


def _flat(vectors: np.ndarray) -> np.ndarray:
    """Directions seen in the picture: x and y, z dropped (then renormalised by ``angle_between``)."""
    out = np.array(vectors, np.float64, copy=True)
    out[..., 2] = 0.0
    return out


def orientation_degrees(attempt: np.ndarray, templates: np.ndarray, *, palm_known: bool = True) -> np.ndarray:
    """``attempt`` (steps, 6) against ``templates`` (M, steps, 6) — orientation descriptors in right-hand form,
    step by step — → (M,) degrees (see the module docstring)."""
    if templates.shape[0] == 0:
        return np.zeros(0)
    if not palm_known:
        fingers = angle_between(_flat(attempt[None, :, FINGERS]), _flat(templates[..., FINGERS]))
        out: np.ndarray = fingers.mean(axis=1)
        return out
    palm = angle_between(attempt[None, :, PALM], templates[..., PALM])
    fingers = angle_between(attempt[None, :, FINGERS], templates[..., FINGERS])
    out = np.maximum(palm, fingers).mean(axis=1)
    return out


def unroll(facing: np.ndarray, roll: float) -> np.ndarray:
    """Orientation descriptors (..., 6) turned about the camera's axis by ``-roll`` radians: relative to a shoulder
    line tilted by ``roll`` in the picture."""
    cos, sin = np.cos(-roll), np.sin(-roll)
    out = np.array(facing, np.float64, copy=True)
    for part in (PALM, FINGERS):
        x, y = facing[..., part][..., 0], facing[..., part][..., 1]
        out[..., part.start] = cos * x - sin * y
        out[..., part.start + 1] = sin * x + cos * y
    return out
