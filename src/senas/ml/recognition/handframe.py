"""A hand described in its own 3-D frame: its *shape* (what a signer means by a handshape) apart from how it is
turned and how long its bones are, and its *orientation* (where the palm faces, where the fingers point) apart from
its shape.

Coordinates: MediaPipe gives x, y in 0..1 of the frame width/height and z, a relative depth, on roughly the x
scale. Everything here first goes to *camera space* in frame-height units — x right, y down, z away from the
camera (a right-handed system) — with a left hand mirrored into a right hand, so one template serves both.

MediaPipe's depth is compressed: measured on the alphabet data and on the fixture photos of other people, the
lengths of a hand's bones relative to its palm vary least across poses when z is multiplied by about 2
(coefficient of variation 0.21 → 0.17 on the alphabet rows, 0.15 → 0.12 on the photos; 1.5 and 2.5 are both
worse). ``DEPTH_SCALE`` applies that, so bending a finger towards the camera does not look like shortening it.

The palm frame (per hand): origin at the wrist; ``palmar`` = the normal out of the palm (from the cross product
wrist→index knuckle × wrist→little knuckle, which for a right hand points out of the palm side); ``distal`` = wrist
→ middle knuckle, made perpendicular to the normal; ``radial`` = distal × palmar, towards the thumb side. In it:

* flexion (16): for index, middle, ring and little fingers the MCP, PIP and DIP angles (radians, bending
  towards the palm positive); for the thumb the direction of its metacarpal (elevation out of the palm plane and
  azimuth away from the index) and its MCP and IP bends;
* spread (4): between adjacent fingers (thumb–index too), the sine of the angle between their proximal phalanges
  seen on the palm plane, times how flat each one lies in it — so a curled finger, whose "spread" means nothing,
  fades to 0 instead of adding noise; crossed fingers (R) come out negative;
* thumb (10): the thumb tip's position in the palm frame (3, in palm sizes: across the palm is radial < 0, in
  front of the palm is palmar > 0), its distance to each fingertip (4, touching ≈ 0) and to the index, middle and
  ring PIP joints (3: beside the index, between fingers as in T/N/M);
* reach (5): each fingertip's distance from the wrist in palm sizes — depends mildly on bone proportions, but
  survives the loss of depth (2-D data), where the angles do not.

Angles are invariant to any rotation and to every bone length; the distances are invariant to rotation and scale
and change with proportions only at second order.

Without depth (z all 0, as in 2-D data) every bone would lie in the image plane and a finger bent towards the camera
would look merely short: the angles would say nothing. Such a hand is *lifted* (``lift_flat``) with what anatomy
says instead: its palm is taken to face the camera (a 2-D picture cannot tell a right palm from a left back, so
the side is chosen that makes it so), and each phalanx whose picture is shorter than its typical length
(``BONE_RATIOS``, in palm sizes) is given the missing length as depth, towards the palm. ``has_depth`` keeps which
hands had real depth; a classifier trained with depth dropped (and lifted) for some samples learns how far to trust
the angles then.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

WRIST = 0
THUMB = (1, 2, 3, 4)
INDEX = (5, 6, 7, 8)
MIDDLE = (9, 10, 11, 12)
RING = (13, 14, 15, 16)
LITTLE = (17, 18, 19, 20)
FINGERS = (THUMB, INDEX, MIDDLE, RING, LITTLE)
FINGER_NAMES = ("thumb", "index", "middle", "ring", "little")
TIPS = (4, 8, 12, 16, 20)
# Joint names per finger, in the order of the flexion block.
JOINTS = {
    "thumb": ("cmc_elevation", "cmc_azimuth", "mcp", "ip"),
    "index": ("mcp", "pip", "dip"),
    "middle": ("mcp", "pip", "dip"),
    "ring": ("mcp", "pip", "dip"),
    "little": ("mcp", "pip", "dip"),
}
DEPTH_SCALE = 2.0
# Median length of each phalanx (thumb: metacarpal, proximal, distal) in palm sizes, per finger, measured on the
# alphabet data in camera space (``bone_ratios``). The fixture photos of other people give the same within ~8 %.
BONE_RATIOS = (
    (0.445, 0.367, 0.295),
    (0.503, 0.333, 0.263),
    (0.545, 0.348, 0.257),
    (0.503, 0.323, 0.254),
    (0.370, 0.245, 0.202),
)
# A hand whose depth spans less than this (frame-height units) is taken to have none (2-D data, depth dropped).
NO_DEPTH = 1e-6


def _names() -> tuple[str, ...]:
    flexion = [f"flex_{finger}_{joint}" for finger in FINGER_NAMES for joint in JOINTS[finger]]
    spread = [f"spread_{a}_{b}" for a, b in itertools.pairwise(FINGER_NAMES)]
    thumb = ["thumb_radial", "thumb_distal", "thumb_palmar"]
    thumb += [f"thumb_to_{name}_tip" for name in FINGER_NAMES[1:]]
    thumb += [f"thumb_to_{name}_pip" for name in FINGER_NAMES[1:4]]
    reach = [f"reach_{name}" for name in FINGER_NAMES]
    return tuple(flexion + spread + thumb + reach)


SHAPE_NAMES = _names()
SHAPE_DIMS = len(SHAPE_NAMES)  # 35
FLEXION = slice(0, 16)
SPREAD = slice(16, 20)
THUMB_PLACE = slice(20, 30)
REACH = slice(30, 35)
# Camera-space directions, named from the signer's side (the camera faces the signer, so the image's +x is the
# signer's left when the frame is not mirrored).
ORIENTATION_NAMES = ("palm_x", "palm_y", "palm_z", "fingers_x", "fingers_y", "fingers_z")


@dataclass(frozen=True)
class PalmFrame:
    """Per hand: the camera-space points (wrist at the origin) and the palm's axes as rows of ``axes``."""

    points: np.ndarray  # (N, 21, 3) camera space, frame-height units, right hand, wrist at origin
    axes: np.ndarray  # (N, 3, 3): rows radial, distal, palmar (unit vectors in camera space)
    size: np.ndarray  # (N,) palm size (mean knuckle distance from the wrist and across), same units
    has_depth: np.ndarray  # (N,) bool

    @property
    def local(self) -> np.ndarray:
        """(N, 21, 3) the points in the palm frame (radial, distal, palmar), in palm sizes."""
        out: np.ndarray = np.einsum("nij,nkj->nik", self.points, self.axes) / self.size[:, None, None]
        return out

    @property
    def palm_normal(self) -> np.ndarray:
        out: np.ndarray = self.axes[:, 2]
        return out

    @property
    def pointing(self) -> np.ndarray:
        """Where the fingers point: wrist → middle knuckle, unit, camera space (the hand's own "up")."""
        vector = self.points[:, MIDDLE[0]]
        out: np.ndarray = vector / np.maximum(_norm(vector)[..., None], 1e-9)
        return out


def _unit(vectors: np.ndarray) -> np.ndarray:
    out: np.ndarray = vectors / np.maximum(_norm(vectors)[..., None], 1e-9)
    return out


def _norm(vectors: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.sqrt(np.einsum("...i,...i->...", vectors, vectors))
    return out


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The cross product along the last axis (``numpy.cross`` costs ten times more on these small arrays, which
    dominates scoring an attempt)."""
    a, b = np.broadcast_arrays(a, b)
    out: np.ndarray = np.stack(
        [
            a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
            a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
            a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0],
        ],
        axis=-1,
    )
    return out


def camera_points(
    points: np.ndarray, aspect: float | np.ndarray, left: np.ndarray | bool, depth_scale: float = DEPTH_SCALE
) -> np.ndarray:
    """(N, 21, 3) image-normalised landmarks → camera space in frame-height units, wrist at the origin, a left
    hand mirrored into a right one."""
    pts = np.array(points, np.float64, copy=True)
    if pts.ndim == 2:
        pts = pts[None]
    count = pts.shape[0]
    widths = np.broadcast_to(np.asarray(aspect, np.float64), (count,))
    flip = np.broadcast_to(np.asarray(left, bool), (count,))
    pts[..., 0] *= widths[:, None]
    pts[..., 2] *= widths[:, None] * depth_scale
    pts -= pts[:, WRIST : WRIST + 1]
    pts[flip, :, 0] *= -1.0
    return pts


def palm_frame(cam: np.ndarray, has_depth: np.ndarray | None = None) -> PalmFrame:
    """The palm frame of camera-space hands (``camera_points``); ``has_depth`` defaults to "z varies"."""
    pts = cam - cam[:, WRIST : WRIST + 1]
    index, middle, little = pts[:, INDEX[0]], pts[:, MIDDLE[0]], pts[:, LITTLE[0]]
    palmar = _unit(_cross(index, little))
    distal = middle - np.sum(middle * palmar, axis=-1, keepdims=True) * palmar
    distal = _unit(distal)
    radial = _cross(distal, palmar)
    axes = np.stack([radial, distal, palmar], axis=1)
    size = (_norm(index) + _norm(middle) + _norm(little) + _norm(index - little)) / 4.0
    if has_depth is None:
        has_depth = ~is_flat(pts)
    return PalmFrame(pts, axes, np.maximum(size, 1e-9), np.asarray(has_depth, bool))


def is_flat(cam: np.ndarray) -> np.ndarray:
    """(N,) True for hands without depth (every z equal)."""
    out: np.ndarray = (cam[..., 2].max(axis=1) - cam[..., 2].min(axis=1)) <= NO_DEPTH
    return out


def bone_ratios(cam: np.ndarray) -> np.ndarray:
    """(5, 3) median phalanx lengths in palm sizes of camera-space hands (how ``BONE_RATIOS`` was measured)."""
    frame = palm_frame(cam)
    out = np.zeros((5, 3))
    for number, finger in enumerate(FINGERS):
        for bone, (parent, child) in enumerate(itertools.pairwise(finger)):
            out[number, bone] = np.median(_norm(cam[:, child] - cam[:, parent]) / frame.size)
    return out


def lift_flat(cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(points, has_depth): hands without depth get the depth their typical bone lengths imply (see the module
    docstring), the others are returned unchanged."""
    flat = is_flat(cam)
    if not flat.any():
        return cam, ~flat
    pts = cam.copy()
    lifted = pts[flat]
    lifted[..., 2] = 0.0
    # Palm towards the camera (-z): if the palm normal points away, the picture is read as the other hand.
    normal_z = _cross(lifted[:, INDEX[0]], lifted[:, LITTLE[0]])[:, 2]
    lifted[normal_z > 0, :, 0] *= -1.0
    size = palm_frame(lifted, np.zeros(lifted.shape[0], bool)).size
    for ratios, finger in zip(BONE_RATIOS, FINGERS, strict=True):
        for ratio, parent, child in zip(ratios, finger[:-1], finger[1:], strict=True):
            seen = _norm(lifted[:, child, :2] - lifted[:, parent, :2])
            missing = np.sqrt(np.maximum((ratio * size) ** 2 - seen**2, 0.0))
            lifted[:, child, 2] = lifted[:, parent, 2] - missing
    pts[flat] = lifted
    return pts, ~flat


def _signed_angle(a: np.ndarray, b: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Angle from direction a to direction b, positive when turning about ``axis`` (all (..., 3))."""
    cross = _cross(a, b)
    out: np.ndarray = np.arctan2(np.sum(cross * axis, axis=-1), np.sum(a * b, axis=-1))
    return out


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.arctan2(_norm(_cross(a, b)), np.sum(a * b, axis=-1))
    return out


def shape_descriptor(frame: PalmFrame) -> np.ndarray:
    """(N, SHAPE_DIMS): see the module's docstring for what each column is (``SHAPE_NAMES``)."""
    local = frame.local
    count = local.shape[0]
    radial = np.broadcast_to(np.array([1.0, 0.0, 0.0]), (count, 3))
    columns: list[np.ndarray] = []

    # Thumb: its metacarpal (CMC → MCP) direction in the palm frame, then the bends at MCP and IP.
    thumb_bones = _unit(np.diff(local[:, [WRIST, *THUMB]], axis=1))  # (N, 4, 3): 0→1, 1→2, 2→3, 3→4
    metacarpal = thumb_bones[:, 1]
    columns.append(np.arcsin(np.clip(metacarpal[:, 2], -1.0, 1.0)))
    # Azimuth from the index metacarpal's direction, towards the radial side: 0 when the thumb lies along the
    # index, ~90° when it sticks out sideways.
    index_dir = _unit(local[:, INDEX[0], :2])
    columns.append(
        np.arctan2(
            metacarpal[:, 0] * index_dir[:, 1] - metacarpal[:, 1] * index_dir[:, 0],
            metacarpal[:, 0] * index_dir[:, 0] + metacarpal[:, 1] * index_dir[:, 1],
        )
    )
    columns.append(_angle(thumb_bones[:, 1], thumb_bones[:, 2]))
    columns.append(_angle(thumb_bones[:, 2], thumb_bones[:, 3]))

    # Fingers: MCP flexion against the finger's metacarpal laid on the palm plane, then PIP and DIP hinges, all
    # signed about the radial axis (bending towards the palm positive).
    directions = []
    for finger in FINGERS[1:]:
        bones = _unit(np.diff(local[:, [WRIST, *finger]], axis=1))  # (N, 4, 3)
        metacarpal_flat = bones[:, 0].copy()
        metacarpal_flat[:, 2] = 0.0
        metacarpal_flat = _unit(metacarpal_flat)
        for joint in range(3):
            before = metacarpal_flat if joint == 0 else bones[:, joint]
            bend = _signed_angle(before, bones[:, joint + 1], radial)
            # No joint bends backwards by more than 90°, but a fully curled one can measure past 180°: keep the
            # range continuous there instead of jumping from +π to -π.
            columns.append(np.where(bend < -np.pi / 2, bend + 2 * np.pi, bend))
        directions.append(bones[:, 1])
    directions.insert(0, thumb_bones[:, 2])

    # Spread between neighbours on the palm plane; the 2-D cross product of the unit directions' projections is
    # |a_xy||b_xy| sin θ, i.e. it fades out as either finger curls out of the plane. Positive when the ulnar
    # finger of the pair lies further towards the little-finger side (fingers apart).
    for a, b in itertools.pairwise(directions):
        columns.append(b[:, 1] * a[:, 0] - b[:, 0] * a[:, 1])

    tip = local[:, THUMB[3]]
    columns.extend(tip.T)
    for finger in FINGERS[1:]:
        columns.append(_norm(local[:, finger[3]] - tip))
    for finger in FINGERS[1:4]:
        columns.append(_norm(local[:, finger[1]] - tip))
    for finger in FINGERS:
        columns.append(_norm(local[:, finger[3]]))
    return np.stack(columns, axis=1)


def orientation_descriptor(frame: PalmFrame) -> np.ndarray:
    """(N, 6): palm normal and finger direction, unit vectors in camera space (right-hand form)."""
    return np.concatenate([frame.palm_normal, frame.pointing], axis=1)


def describe(
    points: np.ndarray, aspect: float | np.ndarray, left: np.ndarray | bool, depth_scale: float = DEPTH_SCALE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shape (N, SHAPE_DIMS), orientation (N, 6), has_depth (N,)) of image-normalised hands."""
    cam, has_depth = lift_flat(camera_points(points, aspect, left, depth_scale))
    frame = palm_frame(cam, has_depth)
    return shape_descriptor(frame), orientation_descriptor(frame), frame.has_depth


# --- which hand it is ----------------------------------------------------------------------------------------

# Weight of the thumb tip's place in front of the palm (palm sizes) against the fingers' bends (degrees).
THUMB_EVIDENCE_WEIGHT = 40.0


def right_hand_evidence(points: np.ndarray, aspect: float | np.ndarray) -> np.ndarray:
    """(N,) how much each image-normalised hand looks like a *right* hand (degrees; negative: a left hand; 0: no
    depth, nothing to tell by).

    A hand and its mirror image differ in 3-D: taken as the wrong side, the palm frame's normal points out of the
    back of the hand, so every finger that bends seems to bend backwards and the thumb lies behind the palm. The
    evidence is the mean bend of the PIP and DIP joints of the four fingers as a right hand (fingers bend towards
    the palm; those joints barely over-extend) plus ``THUMB_EVIDENCE_WEIGHT`` times the thumb tip's distance in
    front of the palm. Measured with MediaPipe's own labels: on the fixture photos of other people every hand
    scores positive with its label (4 to 114); on the alphabet rows 99 % do, the rest (O, whose depth MediaPipe
    sometimes inverts) reach -80. A flat open hand (B, 5) scores near 0: it cannot tell."""
    cam = camera_points(points, aspect, False)
    flat = is_flat(cam)
    local = palm_frame(cam).local
    radial = np.broadcast_to(np.array([1.0, 0.0, 0.0]), (local.shape[0], 3))
    bends = []
    for finger in FINGERS[1:]:
        bones = _unit(np.diff(local[:, [WRIST, *finger]], axis=1))
        for joint in (1, 2):
            bends.append(_signed_angle(bones[:, joint], bones[:, joint + 1], radial))
    evidence = np.degrees(np.mean(bends, axis=0)) + THUMB_EVIDENCE_WEIGHT * local[:, THUMB[3], 2]
    # A degenerate hand (every point in one place) tells nothing either.
    out: np.ndarray = np.where(flat | ~np.isfinite(evidence), 0.0, evidence)
    return out


# --- orientation in words -------------------------------------------------------------------------------------

# The six directions from the signer's point of view, in *un-mirrored* camera space (x right in the image = the
# signer's left, y down, z away from the camera).
DIRECTIONS: dict[str, tuple[tuple[float, float, float], str, str]] = {
    "forward": ((0.0, 0.0, -1.0), "hacia delante", "forward"),
    "back": ((0.0, 0.0, 1.0), "hacia ti", "towards you"),
    "up": ((0.0, -1.0, 0.0), "hacia arriba", "up"),
    "down": ((0.0, 1.0, 0.0), "hacia abajo", "down"),
    "left": ((1.0, 0.0, 0.0), "hacia tu izquierda", "to your left"),
    "right": ((-1.0, 0.0, 0.0), "hacia tu derecha", "to your right"),
}
_DIRECTION_KEYS = tuple(DIRECTIONS)
# Half-way between two named directions (90° apart): beyond it, "a little more" would understate the turn.
SLIGHT_LIMIT_DEGREES = 45.0
_DIRECTION_VECTORS = np.array([DIRECTIONS[k][0] for k in _DIRECTION_KEYS])


def signer_view(vectors: np.ndarray, left: np.ndarray | bool) -> np.ndarray:
    """Right-hand-form camera vectors back into the learner's own (un-mirrored) space: for a left hand, x flips
    back, so "towards the thumb side" becomes the learner's right for a left hand, as it is."""
    out = np.array(vectors, np.float64, copy=True)
    flip = np.broadcast_to(np.asarray(left, bool), out.shape[:-1])
    out[flip, 0] *= -1.0
    return out


def direction_name(vector: np.ndarray) -> str:
    """The nearest of the six named directions to one un-mirrored camera-space vector."""
    return _DIRECTION_KEYS[int(np.argmax(_DIRECTION_VECTORS @ np.asarray(vector, np.float64)))]


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees between unit vectors along the last axis."""
    out: np.ndarray = np.degrees(_angle(_unit(np.asarray(a, np.float64)), _unit(np.asarray(b, np.float64))))
    return out


@dataclass(frozen=True)
class OrientationChange:
    part: str  # "palm" or "fingers"
    degrees: float
    direction: str  # a DIRECTIONS key: where the palm should face / the fingers should point
    slightly: bool  # already facing/pointing that way roughly; needs only a little more turn

    def message(self) -> tuple[str, str]:
        _, es, en = DIRECTIONS[self.direction]
        if self.part == "palm":
            if self.slightly:
                return f"Gira un poco más la palma {es}.", f"Turn your palm a little more {en}."
            return f"Gira la palma {es}.", f"Turn your palm to face {en}."
        if self.slightly:
            return f"Apunta los dedos un poco más {es}.", f"Point your fingers a little more {en}."
        return f"Apunta los dedos {es}.", f"Point your fingers {en}."


def orientation_changes(
    attempt: np.ndarray, template: np.ndarray, left: bool, tolerance_degrees: float, *, palm_known: bool = True
) -> list[OrientationChange]:
    """What to turn, largest first: ``attempt``/``template`` are orientation descriptors (6,) in right-hand form
    (``orientation_descriptor``), ``left`` the learner's hand. A part within tolerance is not mentioned.
    ``palm_known`` False (a hand without depth): the palm is not judged, and the fingers only as seen in the
    picture (their depth is not known either).

    The direction named is the template's own (palm facing forward…) when the attempt faces another of the six
    ways or is at least half-way (45°) to the next one; only a smaller turn within the same named way is said as
    "a little more" towards the largest component of the difference across the attempt's direction."""
    changes = []
    parts = (("palm", slice(0, 3)), ("fingers", slice(3, 6))) if palm_known else (("fingers", slice(3, 6)),)
    for part, cols in parts:
        seen_attempt, seen_template = np.array(attempt[cols], np.float64), np.array(template[cols], np.float64)
        if not palm_known:
            seen_attempt[2] = seen_template[2] = 0.0
        now = signer_view(_unit(seen_attempt), left)
        goal = signer_view(_unit(seen_template), left)
        degrees = float(angle_between(now, goal))
        if degrees < tolerance_degrees:
            continue
        goal_name = direction_name(goal)
        if direction_name(now) != goal_name or degrees >= SLIGHT_LIMIT_DEGREES:
            changes.append(OrientationChange(part, degrees, goal_name, slightly=False))
            continue
        across = goal - np.dot(goal, now) * now
        changes.append(OrientationChange(part, degrees, direction_name(across), slightly=True))
    return sorted(changes, key=lambda c: -c.degrees)
