"""Features of one attempt or template: what the hand looks like (its handshape in its own frame, and its
orientation), where it is (location) and how it moves (movement), each resampled to a fixed number of steps so
clips of any length and frame rate compare.

* ``handshape`` (steps, 35): the hand-frame descriptor (``handframe``: flexion, spread, thumb, reach) per step —
  independent of how the hand is turned and of its bone lengths; ``handshape_flat`` the same with the depth
  dropped and lifted (``handframe.lift_flat``), what an attempt *without* depth is compared with; ``has_depth``
  whether most frames had depth.
* ``facing`` (steps, 6): palm normal and finger direction in camera space, right-hand form (a left hand mirrored).
* ``shape`` (steps, 21, 3) and ``orientation`` (steps,): the canonical hand (``normalise``) and its turn in the
  picture — kept so that a template can be performed again as landmarks (``calibration.track_from_features``).
* ``trajectory``, ``location``: the palm centre's path and mean place; ``body_location``/``body_anchors`` the place
  relative to the body, and ``body_roll`` the shoulder line's tilt, when body landmarks were seen.

Features written before the hand-frame descriptor existed (template format 1: ``shape`` and ``orientation`` only)
are completed on reading: the canonical hand is a turned and scaled copy of the hand as seen, and the descriptor
ignores both, so nothing is lost (``from_json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from senas.ml.recognition.body import MIN_BODY_FRAMES, body_location, shoulder_roll
from senas.ml.recognition.handframe import describe
from senas.ml.recognition.normalise import DEPTH_WEIGHT, CanonicalHands, resample

STEPS = 16


@dataclass(frozen=True)
class HandDescription:
    handshape: np.ndarray  # (steps, SHAPE_DIMS)
    handshape_flat: np.ndarray  # (steps, SHAPE_DIMS)
    facing: np.ndarray  # (steps, 6)
    has_depth: bool


def describe_clip(
    points: np.ndarray, aspect: float, left: np.ndarray | bool, steps: int = STEPS, *, with_flat: bool = True
) -> HandDescription:
    """``points`` (T, 21, 3) one hand per frame, image-normalised; ``left`` per frame (or one for all).
    ``with_flat`` False: ``handshape_flat`` is the hand's own descriptor — an attempt is never compared on its
    depth-dropped version (only templates are), and describing the hand twice is most of the time scoring takes."""
    shape, facing, has_depth = describe(points, aspect, left)
    if with_flat:
        flat_points = np.array(points, np.float64, copy=True)
        flat_points[..., 2] = 0.0
        flat, _, _ = describe(flat_points, aspect, left)
    else:
        flat = shape
    return HandDescription(
        resample(shape, steps), resample(flat, steps), resample(facing, steps), bool(has_depth.mean() >= 0.5)
    )


def uncanonical(shape: np.ndarray, orientation: np.ndarray) -> np.ndarray:
    """Canonical hands (``normalise.canonicalise``) turned back by their in-picture orientation and with their
    depth unweighted: the hand as seen (right-hand form, aspect 1, wrist at the origin, palm length 1)."""
    cos, sin = np.cos(orientation)[:, None], np.sin(orientation)[:, None]
    rx, ry, rz = shape[..., 0], shape[..., 1], shape[..., 2] / DEPTH_WEIGHT
    out: np.ndarray = np.stack([cos * rx - sin * ry, sin * rx + cos * ry, rz], axis=-1)
    return out


@dataclass
class SignFeatures:
    shape: np.ndarray  # (STEPS, 21, 3) canonical hand
    orientation: np.ndarray  # (STEPS,) radians
    trajectory: np.ndarray  # (STEPS, 2) palm centre relative to its mean, in palm lengths
    location: np.ndarray  # (2,) mean palm centre in frame coordinates (0..1)
    body_location: np.ndarray | None = None  # (2,) the hand relative to the body, shoulder widths
    body_anchors: np.ndarray | None = None  # (regions, 2) where this signer's regions are, same units
    handshape: np.ndarray | None = None  # (STEPS, SHAPE_DIMS); None: derived from shape/orientation
    handshape_flat: np.ndarray | None = None
    facing: np.ndarray | None = None  # (STEPS, 6)
    has_depth: bool = True
    body_roll: float | None = None  # radians, the shoulder line's tilt in the picture (right-hand form)

    def __post_init__(self) -> None:
        if self.handshape is None or self.handshape_flat is None or self.facing is None:
            described = describe_clip(uncanonical(self.shape, self.orientation), 1.0, False, self.shape.shape[0])
            self.handshape = described.handshape
            self.handshape_flat = described.handshape_flat
            self.facing = described.facing
            self.has_depth = described.has_depth

    @property
    def has_body(self) -> bool:
        return self.body_location is not None and self.body_anchors is not None

    def described(self) -> HandDescription:
        if self.handshape is None or self.handshape_flat is None or self.facing is None:
            raise ValueError("features without a hand description")  # __post_init__ always makes one
        return HandDescription(self.handshape, self.handshape_flat, self.facing, self.has_depth)

    def to_json(self) -> dict[str, Any]:
        hand = self.described()
        data: dict[str, Any] = {
            "shape": np.round(self.shape, 4).tolist(),
            "orientation": np.round(self.orientation, 4).tolist(),
            "trajectory": np.round(self.trajectory, 4).tolist(),
            "location": np.round(self.location, 4).tolist(),
            "handshape": np.round(hand.handshape, 5).tolist(),
            "handshape_flat": np.round(hand.handshape_flat, 5).tolist(),
            "facing": np.round(hand.facing, 5).tolist(),
            "has_depth": hand.has_depth,
        }
        if self.body_location is not None and self.body_anchors is not None:
            data["body_location"] = np.round(self.body_location, 4).tolist()
            data["body_anchors"] = np.round(self.body_anchors, 4).tolist()
        if self.body_roll is not None:
            data["body_roll"] = round(self.body_roll, 5)
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> SignFeatures:
        described = "handshape" in data and "handshape_flat" in data and "facing" in data
        return SignFeatures(
            shape=np.asarray(data["shape"], np.float64).reshape(-1, 21, 3),
            orientation=np.asarray(data["orientation"], np.float64),
            trajectory=np.asarray(data["trajectory"], np.float64).reshape(-1, 2),
            location=np.asarray(data["location"], np.float64).reshape(2),
            # Templates written before body landmarks (and demo templates) have none.
            body_location=(
                np.asarray(data["body_location"], np.float64).reshape(2) if "body_location" in data else None
            ),
            body_anchors=(
                np.asarray(data["body_anchors"], np.float64).reshape(-1, 2) if "body_anchors" in data else None
            ),
            # Format 1 (before the hand-frame descriptor): derived in __post_init__.
            handshape=np.asarray(data["handshape"], np.float64) if described else None,
            handshape_flat=np.asarray(data["handshape_flat"], np.float64) if described else None,
            facing=np.asarray(data["facing"], np.float64).reshape(-1, 6) if described else None,
            has_depth=bool(data.get("has_depth", True)),
            body_roll=float(data["body_roll"]) if "body_roll" in data else None,
        )


def features_from_hands(
    hands: CanonicalHands,
    aspect: float,
    steps: int = STEPS,
    *,
    body: np.ndarray | None = None,
    body_present: np.ndarray | None = None,
    template: bool = True,
) -> SignFeatures:
    """``body`` (T, BODY, 3) and ``body_present`` (T,) are the whole clip's (``hands.frame_index`` picks the
    frames with a hand). ``template`` False (an attempt): no depth-dropped descriptor (``describe_clip``)."""
    if hands.count == 0:
        raise ValueError("no hand to describe")
    located = None
    roll = None
    if body is not None and body_present is not None and hands.points is not None:
        seen = body_present[hands.frame_index]
        if int(seen.sum()) >= MIN_BODY_FRAMES:
            located = body_location(hands.points[seen], body[hands.frame_index][seen], hands.left[seen], aspect)
            roll = shoulder_roll(body[hands.frame_index][seen], aspect, hands.left[seen])
    scale = float(np.median(hands.size))
    centre = hands.centre.copy()
    centre_units = centre * np.array([aspect, 1.0])
    path = (centre_units - centre_units.mean(axis=0)) / max(scale, 1e-6)
    shape = resample(hands.aligned, steps)
    orientation = resample(np.unwrap(hands.orientation), steps)
    if hands.points is not None:
        hand = describe_clip(hands.points, aspect, hands.left, steps, with_flat=template)
    else:
        hand = describe_clip(uncanonical(shape, orientation), 1.0, False, steps, with_flat=template)
    return SignFeatures(
        shape=shape,
        orientation=orientation,
        trajectory=resample(path, steps),
        location=centre.mean(axis=0),
        body_location=None if located is None else located.location,
        body_anchors=None if located is None else located.anchors,
        handshape=hand.handshape,
        handshape_flat=hand.handshape_flat,
        facing=hand.facing,
        has_depth=hand.has_depth,
        body_roll=roll,
    )
