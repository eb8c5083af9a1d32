"""How two handshapes are compared: a metric on the hand-frame descriptor (``handframe``, 35 numbers) learned from
the CC0 alphabet data and imitations of other people making the same letters (``augment.other_people``).

The descriptor is whitened by the pooled within-letter covariance (so a difference as large as the way people
differ in making one letter — proportions, looser or tighter bends, a little more spread, camera noise — counts 1
whatever its direction), then turned onto the directions that separate letters (the between-letter covariance's
eigenvectors in that space), each weighted by ``(λ / λ_max) ** METRIC_POWER``, at least ``METRIC_FLOOR``: the
directions in which letters differ count most, and none counts zero, so a handshape that is no letter (a template
from a reference video) still differs where it does.

Hands without depth (2-D data, a camera without it) have their own branch (``flat``), fitted on such hands: a
template is then compared with its depth dropped and lifted as the attempt's was (``handframe.lift_flat``).

``d50``: the distance that ``D50_QUANTILE`` (95 %) of the imitated performances of a letter stay within from that
letter's mean — where the scorer's curve gives 50, the edge of how differently people make a letter.
``tolerance``: per descriptor column, how much it varies among performances of one letter: the unit of the
per-finger feedback ("bend your ring finger" only beyond ``FINGER_TOLERANCE`` of them).

The fitted metric ships as a versioned artefact (``senas/ml/artefacts/handshape-metric-v<N>.npz``, built by
``senas ml train handshape-metric``); the scorer, the prefilter and the per-sign thresholds all use it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from senas.ml.npz import npz_bytes, read_npz
from senas.ml.recognition.augment import Hands, Ranges, imitated
from senas.ml.recognition.handframe import DEPTH_SCALE, FLEXION, REACH, SHAPE_DIMS, SHAPE_NAMES, SPREAD, THUMB_PLACE
from senas.ml.recognition.handframe import describe as describe_hands

ARTEFACT_KIND = "handshape-metric"
ARTEFACT_FORMAT = 1
GROUPS = (FLEXION, SPREAD, THUMB_PLACE, REACH)

# Imitated other people for fitting the metric: everything ``augment.other_people`` does, with or without depth
# (each branch its own), the rows themselves too.
METRIC_COPIES = 4
METRIC_POWER = 0.1
METRIC_FLOOR = 0.2
# Shrinkage of the within-letter covariance towards its diagonal (35 columns, some nearly collinear).
SHRINKAGE = 0.1
D50_QUANTILE = 0.95


@dataclass(frozen=True)
class HandshapeMetric:
    """``tolerance`` (SHAPE_DIMS,), ``d50``, ``projection`` (SHAPE_DIMS, k) — without it, the columns are divided by
    their tolerance and averaged per group —, and ``flat``: the same for hands without depth (None: those use this
    one). ``meta``: how it was made (seed, rows, source); ``sha256``: the artefact's bytes it was read from."""

    tolerance: np.ndarray
    d50: float
    projection: np.ndarray | None = None
    flat: HandshapeMetric | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    sha256: str = field(default="", compare=False)

    def weights(self) -> np.ndarray:
        """Per column, 1 / (tolerance · √(columns in its group · groups)): the Euclidean distance of weighted
        vectors is then the RMS over groups of each group's RMS z-score."""
        weight = np.zeros(SHAPE_DIMS)
        for group in GROUPS:
            columns = range(SHAPE_DIMS)[group]
            weight[group] = 1.0 / (self.tolerance[group] * np.sqrt(len(columns) * len(GROUPS)))
        return weight

    def embed(self, shape: np.ndarray) -> np.ndarray:
        """Descriptors (..., SHAPE_DIMS) into the space whose Euclidean distance is the handshape distance."""
        if self.projection is not None:
            out: np.ndarray = shape @ self.projection
            return out
        weighted: np.ndarray = shape * self.weights()
        return weighted

    def branch(self, has_depth: bool) -> HandshapeMetric:
        """The metric for an attempt with / without depth."""
        return self if has_depth or self.flat is None else self.flat

    @property
    def label(self) -> str:
        """A short identity for responses and reports: the artefact's name and the start of its sha256."""
        name = str(self.meta.get("name", ARTEFACT_KIND))
        return f"{name}.{self.sha256[:8]}" if self.sha256 else name

    # --- the artefact ---------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        if self.projection is None or self.flat is None or self.flat.projection is None:
            raise ValueError("only a fitted metric (projection, both branches) is an artefact")
        return npz_bytes(
            {
                "kind": np.array(ARTEFACT_KIND),
                "format": np.array(ARTEFACT_FORMAT),
                "depth_scale": np.array(DEPTH_SCALE),
                "descriptor": np.array(",".join(SHAPE_NAMES)),
                "tolerance": self.tolerance.astype(np.float64),
                "d50": np.array(self.d50),
                "projection": self.projection.astype(np.float64),
                "flat_tolerance": self.flat.tolerance.astype(np.float64),
                "flat_d50": np.array(self.flat.d50),
                "flat_projection": self.flat.projection.astype(np.float64),
                "meta": np.array(json.dumps(self.meta, sort_keys=True)),
            }
        )

    @staticmethod
    def from_bytes(raw: bytes) -> HandshapeMetric:
        data = read_npz(raw)
        if "kind" not in data or str(data["kind"]) != ARTEFACT_KIND:
            raise ValueError("not a handshape-metric artefact")
        if int(data["format"]) != ARTEFACT_FORMAT:
            raise ValueError(f"unsupported handshape-metric format {int(data['format'])} (this code reads 1)")
        if float(data["depth_scale"]) != DEPTH_SCALE or str(data["descriptor"]) != ",".join(SHAPE_NAMES):
            raise ValueError("the metric was fitted on another hand descriptor: rebuild it")
        meta = json.loads(str(data["meta"]))
        digest = hashlib.sha256(raw).hexdigest()
        flat = HandshapeMetric(data["flat_tolerance"], float(data["flat_d50"]), data["flat_projection"], meta=meta)
        return HandshapeMetric(
            data["tolerance"], float(data["d50"]), data["projection"], flat=flat, meta=meta, sha256=digest
        )


# --- fitting ------------------------------------------------------------------------------------------------------


def fit_metric(
    hands: Hands, labels: np.ndarray, *, seed: int = 7, copies: int = METRIC_COPIES, meta: dict[str, Any] | None = None
) -> HandshapeMetric:
    """The metric (module docstring) from labelled hands — training rows, never a held-out block — with depth and,
    as ``flat``, without."""
    with_depth = _fit_branch(hands, labels, seed, copies, Ranges(depth_dropout=0.0))
    flat = _fit_branch(hands, labels, seed + 1, copies, Ranges(depth_dropout=1.0), drop_all=True)
    details = {"seed": seed, "copies": copies, "rows": int(labels.size), **(meta or {})}
    return replace(with_depth, flat=replace(flat, meta=details), meta=details)


def _fit_branch(
    hands: Hands, labels: np.ndarray, seed: int, copies: int, ranges: Ranges, *, drop_all: bool = False
) -> HandshapeMetric:
    changed, tiled = imitated(hands, labels, copies, seed, ranges)
    points = changed.points.copy()
    if drop_all:
        points[..., 2] = 0.0  # the originals too
    shape, _, _ = describe_hands(points, changed.aspect, changed.left)
    letters = sorted(set(tiled.tolist()))
    own = np.searchsorted(letters, tiled)
    means = np.stack([shape[own == k].mean(axis=0) for k in range(len(letters))])
    residual = shape - means[own]
    tolerance = np.sqrt(np.mean(residual**2, axis=0)) + 1e-3
    within = np.cov(residual.T)
    within = (1.0 - SHRINKAGE) * within + SHRINKAGE * np.diag(np.diag(within))
    values, vectors = np.linalg.eigh(within)
    whiten = vectors / np.sqrt(np.maximum(values, 1e-12))
    between = np.cov(((means - means.mean(axis=0)) @ whiten).T)
    spread, directions = np.linalg.eigh(between)
    spread = np.maximum(spread, 0.0)
    weight = np.maximum((spread / spread.max()) ** METRIC_POWER, METRIC_FLOOR)
    weight /= np.sqrt(np.mean(weight**2))
    # Divided by √dims: a performance as far from its letter as people typically are lies at distance ~1.
    projection = whiten @ directions * weight / np.sqrt(SHAPE_DIMS)
    # Eigenvectors are defined up to sign; fixing it makes the artefact's bytes depend on the data only.
    projection *= np.where(projection[np.argmax(np.abs(projection), axis=0), np.arange(projection.shape[1])] < 0, -1, 1)
    genuine = np.linalg.norm((shape - means[own]) @ projection, axis=1)
    return HandshapeMetric(tolerance, float(np.quantile(genuine, D50_QUANTILE)), projection)
