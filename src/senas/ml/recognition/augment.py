"""Other people and other cameras, imitated on one signer's landmarks.

The alphabet data are one signer, filmed one way. A learner differs in ways that can be written down: the hand is
turned (the wrist turns about ±40° either way comfortably, and rolls in the picture), its bones have other
lengths (phalanges differ between adults by ~15–20 %, palms in width), the same letter is made a little
differently at every joint, and the camera adds its own errors (landmark jitter; a depth that is noisy, scaled
differently or missing). Each of those is one function here, applied to image-normalised landmarks exactly as
MediaPipe gives them, so that everything downstream (mirroring, the palm frame, the descriptor) runs unchanged.

Every function takes a ``numpy.random.Generator``: given a seed, the result is fixed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from senas.ml.recognition.handframe import DEPTH_SCALE, FINGERS, WRIST, camera_points, palm_frame

KNUCKLES = tuple(finger[0] for finger in FINGERS)  # thumb CMC and the four MCPs: the palm's outline


@dataclass(frozen=True)
class Hands:
    """Image-normalised landmarks (N, 21, 3), the frame's aspect (width / height) and which are left hands."""

    points: np.ndarray
    aspect: np.ndarray  # (N,)
    left: np.ndarray  # (N,) bool

    @staticmethod
    def of(points: np.ndarray, aspect: float | np.ndarray, left: bool | np.ndarray) -> Hands:
        pts = np.asarray(points, np.float64)
        count = pts.shape[0]
        return Hands(
            pts.copy(),
            np.broadcast_to(np.asarray(aspect, np.float64), (count,)).copy(),
            np.broadcast_to(np.asarray(left, bool), (count,)).copy(),
        )

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def take(self, rows: np.ndarray) -> Hands:
        return Hands(self.points[rows], self.aspect[rows], self.left[rows])


@dataclass(frozen=True)
class Ranges:
    """How far each change goes (uniform within ±, unless said otherwise). Defaults: see the module docstring."""

    yaw_pitch_degrees: float = 40.0
    roll_degrees: float = 30.0
    phalanx_scale: float = 0.18  # each phalanx's length
    palm_length_scale: float = 0.10
    palm_width_scale: float = 0.15
    joint_degrees: float = 10.0  # each joint's bend (and the knuckles' sideways spread)
    landmark_noise: float = 0.03  # Gaussian σ, palm sizes, x and y
    depth_noise: float = 0.06  # Gaussian σ, palm sizes, z
    depth_scale: tuple[float, float] = (0.7, 1.4)  # log-uniform factor on every depth
    depth_dropout: float = 0.15  # share of hands whose depth is lost (set to 0: 2-D data)


DEFAULT = Ranges()


def _to_camera(hands: Hands) -> tuple[np.ndarray, np.ndarray]:
    """Camera space (right-hand form, wrist at the origin) and the wrist in image coordinates, to come back."""
    return camera_points(hands.points, hands.aspect, hands.left), hands.points[:, WRIST].copy()


def _from_camera(cam: np.ndarray, wrist: np.ndarray, hands: Hands) -> Hands:
    pts = cam.copy()
    pts[hands.left, :, 0] *= -1.0
    pts[..., 0] /= hands.aspect[:, None]
    pts[..., 2] /= hands.aspect[:, None] * DEPTH_SCALE
    pts += wrist[:, None, :]
    return replace(hands, points=pts)


def rotation_matrices(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations (radians): yaw about the camera's vertical axis, pitch about its horizontal axis, roll
    in the picture plane, applied in that order."""
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    zeros, ones = np.zeros_like(yaw), np.ones_like(yaw)
    ry = np.stack([cy, zeros, sy, zeros, ones, zeros, -sy, zeros, cy], -1).reshape(-1, 3, 3)
    rx = np.stack([ones, zeros, zeros, zeros, cp, -sp, zeros, sp, cp], -1).reshape(-1, 3, 3)
    rz = np.stack([cr, -sr, zeros, sr, cr, zeros, zeros, zeros, ones], -1).reshape(-1, 3, 3)
    out: np.ndarray = rz @ rx @ ry
    return out


def rotate(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT) -> Hands:
    """The whole hand turned about the wrist (yaw, pitch, roll, each uniform within its range)."""
    count = len(hands)
    limit = np.radians(ranges.yaw_pitch_degrees)
    yaw, pitch = rng.uniform(-limit, limit, count), rng.uniform(-limit, limit, count)
    roll = rng.uniform(-np.radians(ranges.roll_degrees), np.radians(ranges.roll_degrees), count)
    return turn(hands, yaw, pitch, roll)


def turn(hands: Hands, yaw: np.ndarray | float, pitch: np.ndarray | float, roll: np.ndarray | float) -> Hands:
    """The hands turned about the wrist by the given angles (radians; see ``rotation_matrices``)."""
    count = len(hands)
    angles = [np.broadcast_to(np.asarray(a, np.float64), (count,)) for a in (yaw, pitch, roll)]
    cam, wrist = _to_camera(hands)
    turned = np.einsum("nij,nkj->nki", rotation_matrices(*angles), cam)
    return _from_camera(turned, wrist, hands)


def _chains() -> list[tuple[int, ...]]:
    return [(WRIST, *finger) for finger in FINGERS]


def reshape_bones(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT) -> Hands:
    """Another person's proportions: the palm longer/shorter and wider/narrower (in the palm's own frame), every
    phalanx longer or shorter on its own; the joint angles are kept (each bone keeps its direction)."""
    count = len(hands)
    cam, wrist = _to_camera(hands)
    axes = palm_frame(cam).axes  # rows radial, distal, palmar
    local = np.einsum("nij,nkj->nik", cam, axes)
    out = local.copy()
    width = 1.0 + rng.uniform(-ranges.palm_width_scale, ranges.palm_width_scale, count)
    length = 1.0 + rng.uniform(-ranges.palm_length_scale, ranges.palm_length_scale, count)
    for chain in _chains():
        knuckle = chain[1]
        out[:, knuckle, 0] = local[:, knuckle, 0] * width
        out[:, knuckle, 1] = local[:, knuckle, 1] * length
        for parent, child in itertools.pairwise(chain[1:]):
            scale = 1.0 + rng.uniform(-ranges.phalanx_scale, ranges.phalanx_scale, count)
            out[:, child] = out[:, parent] + (local[:, child] - local[:, parent]) * scale[:, None]
    back = np.einsum("nik,nkj->nij", out, axes)
    return _from_camera(back, wrist, hands)


def _axis_rotation(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations about unit axes (N, 3) by angles (N,) (Rodrigues)."""
    x, y, z = axis[:, 0], axis[:, 1], axis[:, 2]
    c, s = np.cos(angle), np.sin(angle)
    t = 1.0 - c
    out: np.ndarray = np.stack(
        [
            t * x * x + c,
            t * x * y - s * z,
            t * x * z + s * y,
            t * x * y + s * z,
            t * y * y + c,
            t * y * z - s * x,
            t * x * z - s * y,
            t * y * z + s * x,
            t * z * z + c,
        ],
        -1,
    ).reshape(-1, 3, 3)
    return out


def bend_joints(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT) -> Hands:
    """The same letter made a little differently: every finger joint bent a few degrees more or less (and each
    knuckle spread a little), the thumb's joints turned a few degrees about random axes; bone lengths kept."""
    count = len(hands)
    limit = np.radians(ranges.joint_degrees)
    cam, wrist = _to_camera(hands)
    axes = palm_frame(cam).axes
    local = np.einsum("nij,nkj->nik", cam, axes)
    out = local.copy()
    radial = np.broadcast_to(np.array([1.0, 0.0, 0.0]), (count, 3))
    palmar = np.broadcast_to(np.array([0.0, 0.0, 1.0]), (count, 3))
    for number, chain in enumerate(_chains()):
        turn = np.broadcast_to(np.eye(3), (count, 3, 3)).copy()
        for parent, child in itertools.pairwise(chain[1:]):
            if number == 0:
                axis = rng.normal(size=(count, 3))
                axis /= np.linalg.norm(axis, axis=1, keepdims=True)
                step = _axis_rotation(axis, rng.uniform(-limit, limit, count))
            else:
                step = _axis_rotation(radial, rng.uniform(-limit, limit, count))
                if parent == chain[1]:
                    step = _axis_rotation(palmar, rng.uniform(-limit, limit, count) * 0.5) @ step
            turn = turn @ step
            bone = local[:, child] - local[:, parent]
            out[:, child] = out[:, parent] + np.einsum("nij,nj->ni", turn, bone)
    back = np.einsum("nik,nkj->nij", out, axes)
    return _from_camera(back, wrist, hands)


def _palm_size(hands: Hands) -> np.ndarray:
    size: np.ndarray = palm_frame(camera_points(hands.points, hands.aspect, hands.left)).size
    return size


def jitter(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT) -> Hands:
    """Landmark noise in the picture (x, y), Gaussian, in palm sizes (so a small hand gets small noise)."""
    size = _palm_size(hands)
    pts = hands.points.copy()
    noise = rng.normal(0.0, ranges.landmark_noise, (*pts.shape[:2], 2)) * size[:, None, None]
    pts[..., 0] += noise[..., 0] / hands.aspect[:, None]
    pts[..., 1] += noise[..., 1]
    return replace(hands, points=pts)


def depth_noise(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT) -> Hands:
    """A depth scaled differently (another camera, another hand size to the model) and noisier."""
    size = _palm_size(hands)
    pts = hands.points.copy()
    low, high = np.log(ranges.depth_scale[0]), np.log(ranges.depth_scale[1])
    factor = np.exp(rng.uniform(low, high, len(hands)))
    relative = pts[..., 2] - pts[:, WRIST : WRIST + 1, 2]
    noise = rng.normal(0.0, ranges.depth_noise, pts.shape[:2]) * size[:, None]
    pts[..., 2] = pts[:, WRIST : WRIST + 1, 2] + relative * factor[:, None]
    pts[..., 2] += noise / (hands.aspect[:, None] * DEPTH_SCALE)
    return replace(hands, points=pts)


def drop_depth(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT, share: float | None = None) -> Hands:
    """Depth lost for a share of the hands (every z set to 0), as in 2-D data."""
    lost = rng.random(len(hands)) < (ranges.depth_dropout if share is None else share)
    pts = hands.points.copy()
    pts[lost, :, 2] = 0.0
    return replace(hands, points=pts)


def mirror(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT, share: float = 1.0) -> Hands:
    """The other hand: the picture flipped left–right and the hand's side with it (a left-handed learner)."""
    flip = rng.random(len(hands)) < share
    pts = hands.points.copy()
    pts[flip, :, 0] = 1.0 - pts[flip, :, 0]
    return Hands(pts, hands.aspect.copy(), np.where(flip, ~hands.left, hands.left))


Transform = Callable[[Hands, np.random.Generator, Ranges], Hands]

# One transform at a time, by name (the evaluation reports each separately).
TRANSFORMS: dict[str, Transform] = {
    "rotation_3d": rotate,
    "bone_lengths": reshape_bones,
    "joint_bends": bend_joints,
    "landmark_noise": jitter,
    "depth_noise": depth_noise,
    "depth_dropout": lambda hands, rng, ranges: drop_depth(hands, rng, ranges, share=1.0),
    "mirroring": mirror,
}


def other_people(hands: Hands, rng: np.random.Generator, ranges: Ranges = DEFAULT) -> Hands:
    """All of it at once, in the order it happens: a differently built hand, making the letter its own way,
    turned, seen by another camera; half of them as the other hand."""
    hands = reshape_bones(hands, rng, ranges)
    hands = bend_joints(hands, rng, ranges)
    hands = rotate(hands, rng, ranges)
    hands = jitter(hands, rng, ranges)
    hands = depth_noise(hands, rng, ranges)
    hands = drop_depth(hands, rng, ranges)
    return mirror(hands, rng, ranges, share=0.5)


def imitated(
    hands: Hands, labels: np.ndarray, copies: int, seed: int, ranges: Ranges = DEFAULT, *, originals: bool = True
) -> tuple[Hands, np.ndarray]:
    """``copies`` imitations of other people making each row (``other_people``), after the rows themselves unless
    ``originals`` is False, with their labels; one generator, so the same ``seed`` gives the same rows."""
    rng = np.random.default_rng(seed)
    sets = [hands] if originals else []
    sets += [other_people(hands, rng, ranges) for _ in range(copies)]
    joined = Hands(
        np.concatenate([s.points for s in sets]),
        np.concatenate([s.aspect for s in sets]),
        np.concatenate([s.left for s in sets]),
    )
    return joined, np.tile(labels, len(sets))
