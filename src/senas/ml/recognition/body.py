"""Where the hand is relative to the signer's body: the *location* parameter, when body landmarks are known.

Body coordinates: origin midway between the shoulders, x along the shoulder line, y perpendicular to it pointing
down, unit = shoulder width. So a location does not depend on how far the learner sits from the camera, where in
the picture they are, or a slight lean. x is oriented so that negative is the signer's *dominant* side: a right
hand is taken as is (on an un-mirrored frame the person's right shoulder is on the picture's left), a left hand is
mirrored — a left-handed learner's sign on their left cheek matches a right-handed template on the right cheek.

The hand's location in a frame is the hand point nearest the centre of the face (what touches or points at the
face when the sign is made there; the top of the hand for signs at the chest), and the clip's location the
median over its frames. Regions (forehead, eyes, nose, mouth, chin, cheek, side of the head, shoulder, chest,
neutral space) are named from anchors placed on the signer's own face points, so feedback can say where to go
("a la barbilla / to your chin").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from senas.ml.landmarks.sequence import BODY_NAMES

_I = {name: i for i, name in enumerate(BODY_NAMES)}
MIN_BODY_FRAMES = 3

REGIONS = ("forehead", "eyes", "nose", "mouth", "chin", "cheek", "side", "shoulder", "chest", "neutral")
# (Spanish "to", Spanish "at", English "to/at" object) of each region.
REGION_NAMES = {
    "forehead": ("a la frente", "en la frente", "your forehead"),
    "eyes": ("a la altura de los ojos", "a la altura de los ojos", "your eyes"),
    "nose": ("a la nariz", "en la nariz", "your nose"),
    "mouth": ("a la boca", "en la boca", "your mouth"),
    "chin": ("a la barbilla", "en la barbilla", "your chin"),
    "cheek": ("a la mejilla", "en la mejilla", "your cheek"),
    "side": ("al lado de la cabeza", "al lado de la cabeza", "the side of your head"),
    "shoulder": ("al hombro", "en el hombro", "your shoulder"),
    "chest": ("al pecho", "en el pecho", "your chest"),
    "neutral": (
        "al espacio neutro, delante del cuerpo",
        "en el espacio neutro, delante del cuerpo",
        "the neutral space in front of your body",
    ),
}
# Fixed anchors in body units for the places below the face: the dominant shoulder, the chest just under the
# shoulder line, the neutral signing space in front of the lower chest.
SHOULDER = (-0.5, 0.0)
CHEST = (0.0, 0.5)
NEUTRAL = (0.0, 1.0)
# A hand farther than this (shoulder widths) from every anchor is in the neutral space.
NEUTRAL_REACH = 0.4


@dataclass(frozen=True)
class BodyLocation:
    location: np.ndarray  # (2,) the hand, body units
    anchors: np.ndarray  # (len(REGIONS), 2) the regions' centres on this signer, body units


def body_axes(body: np.ndarray, aspect: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(origin, x axis, y axis, shoulder width) per frame, in frame-height units, of body points (T, BODY, 3)."""
    xy = body[..., :2].astype(np.float64) * np.array([aspect, 1.0])
    left, right = xy[:, _I["left_shoulder"]], xy[:, _I["right_shoulder"]]
    origin = (left + right) / 2
    span = left - right
    width = np.maximum(np.linalg.norm(span, axis=1), 1e-6)
    x_axis = span / width[:, None]
    y_axis = np.stack([-x_axis[:, 1], x_axis[:, 0]], axis=1)  # x rotated a quarter turn: down in the picture
    return origin, x_axis, y_axis, width


def shoulder_roll(body: np.ndarray, aspect: float, left: np.ndarray) -> float:
    """The shoulder line's tilt in the picture (radians, median over the frames), in the hand's right-hand form: a
    left hand's frames are mirrored, so is the tilt. Orientation is judged relative to it (``orientation.unroll``)."""
    _, x_axis, _, _ = body_axes(body, aspect)
    roll = np.arctan2(x_axis[:, 1], x_axis[:, 0])
    roll = np.where(np.asarray(left, bool), -roll, roll)
    return float(np.median(roll))


def to_body(points: np.ndarray, body: np.ndarray, aspect: float, mirror: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image-normalised ``points`` (T, K, ≥2) and the body's own points into body units: ((T, K, 2), (T, BODY, 2)).
    ``mirror`` (T,) flips x where the hand used is a left hand."""
    origin, x_axis, y_axis, width = body_axes(body, aspect)

    def convert(xy: np.ndarray) -> np.ndarray:
        rel = xy[..., :2].astype(np.float64) * np.array([aspect, 1.0]) - origin[:, None, :]
        out = np.stack([(rel * x_axis[:, None]).sum(-1), (rel * y_axis[:, None]).sum(-1)], axis=-1)
        out /= width[:, None, None]
        out[mirror, :, 0] *= -1.0
        return out

    return convert(points), convert(body)


def anchors_of(body_units: np.ndarray) -> np.ndarray:
    """Regions' centres (len(REGIONS), 2) from the body's points in body units (T, BODY, 2), averaged over time."""
    mean = body_units.mean(axis=0)
    nose = mean[_I["nose"]]
    eyes = (mean[_I["left_eye"]] + mean[_I["right_eye"]]) / 2
    mouth = (mean[_I["mouth_left"]] + mean[_I["mouth_right"]]) / 2
    # The dominant side is negative x (see the module's docstring): that side's ear and mouth corner.
    ear = min(mean[_I["left_ear"]], mean[_I["right_ear"]], key=lambda p: float(p[0]))
    corner = min(mean[_I["mouth_left"]], mean[_I["mouth_right"]], key=lambda p: float(p[0]))
    anchors = {
        "forehead": eyes + 0.8 * (eyes - mouth),
        "eyes": eyes,
        "nose": nose,
        "mouth": mouth,
        "chin": mouth + 1.0 * (mouth - nose),
        "cheek": (ear + corner) / 2,
        # Beside the head: as far out from the ear as the ear is from the nose.
        "side": ear + (ear - nose) * np.array([1.0, 0.0]),
        "shoulder": np.array(SHOULDER),
        "chest": np.array(CHEST),
        "neutral": np.array(NEUTRAL),
    }
    return np.stack([anchors[name] for name in REGIONS])


def body_location(hand_points: np.ndarray, body: np.ndarray, left: np.ndarray, aspect: float) -> BodyLocation:
    """``hand_points`` (T, 21, 3) and ``body`` (T, BODY, 3) image-normalised, of the frames where both were seen;
    ``left`` (T,) where the hand is a left hand."""
    hand, points = to_body(hand_points, body, aspect, np.asarray(left, bool))
    face = points[:, [_I["left_eye"], _I["right_eye"], _I["mouth_left"], _I["mouth_right"]]].mean(axis=1)
    nearest = np.linalg.norm(hand - face[:, None, :], axis=2).argmin(axis=1)
    where = hand[np.arange(hand.shape[0]), nearest]
    return BodyLocation(location=np.median(where, axis=0), anchors=anchors_of(points))


def region_of(location: np.ndarray, anchors: np.ndarray) -> str:
    distances = np.linalg.norm(anchors - location, axis=1)
    nearest = int(distances.argmin())
    return "neutral" if distances[nearest] > NEUTRAL_REACH else REGIONS[nearest]
