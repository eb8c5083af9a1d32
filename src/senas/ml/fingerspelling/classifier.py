"""A handshape classifier for the ASL manual alphabet: a small two-layer network in plain NumPy.

Input: one hand's canonical shape (the same normalisation as the sign scorer). The artefact is a ``.npz`` of
weights and label names (loaded with ``allow_pickle=False``: no code runs on load), ~30 kB.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from senas.ml.recognition.normalise import canonicalise

ARTEFACT_FORMAT = 1


def shape_features(points: np.ndarray, left: np.ndarray, aspect: float) -> np.ndarray:
    """(N, 62): the canonical hand without its wrist, and its orientation."""
    aligned, orientation, _, _ = canonicalise(points, left, aspect)
    flat = aligned[:, 1:, :].reshape(aligned.shape[0], -1)
    return np.concatenate([flat, np.sin(orientation)[:, None], np.cos(orientation)[:, None]], axis=1)


@dataclass
class LetterClassifier:
    labels: np.ndarray  # (K,) str
    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        hidden = np.maximum(((features - self.mean) / self.std) @ self.w1 + self.b1, 0.0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    def predict(self, features: np.ndarray) -> np.ndarray:
        letters: np.ndarray = self.labels[np.argmax(self.probabilities(features), axis=1)]
        return letters

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            format=np.array(ARTEFACT_FORMAT),
            labels=self.labels.astype("U8"),
            mean=self.mean.astype(np.float32),
            std=self.std.astype(np.float32),
            w1=self.w1.astype(np.float32),
            b1=self.b1.astype(np.float32),
            w2=self.w2.astype(np.float32),
            b2=self.b2.astype(np.float32),
        )
        return buffer.getvalue()

    @staticmethod
    def from_bytes(raw: bytes) -> LetterClassifier:
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            if int(data["format"]) != ARTEFACT_FORMAT:
                raise ValueError(f"unsupported fingerspelling artefact format {int(data['format'])}")
            return LetterClassifier(
                labels=data["labels"],
                mean=data["mean"].astype(np.float64),
                std=data["std"].astype(np.float64),
                w1=data["w1"].astype(np.float64),
                b1=data["b1"].astype(np.float64),
                w2=data["w2"].astype(np.float64),
                b2=data["b2"].astype(np.float64),
            )


def train(
    features: np.ndarray,
    labels: np.ndarray,
    *,
    hidden: int = 64,
    epochs: int = 40,
    batch_size: int = 128,
    learning_rate: float = 0.05,
    weight_decay: float = 1e-4,
    seed: int = 7,
) -> LetterClassifier:
    """Mini-batch SGD with momentum on cross-entropy, in float32 (about a second on ~8,000 rows)."""
    rng = np.random.default_rng(seed)
    classes = np.array(sorted(set(labels.tolist())))
    target = np.searchsorted(classes, labels)
    mean = features.mean(axis=0)
    std = features.std(axis=0) + 1e-6
    x = ((features - mean) / std).astype(np.float32)
    n, d = x.shape
    k = classes.size
    params = [
        rng.normal(0, np.sqrt(2 / d), (d, hidden)).astype(np.float32),
        np.zeros(hidden, np.float32),
        rng.normal(0, np.sqrt(1 / hidden), (hidden, k)).astype(np.float32),
        np.zeros(k, np.float32),
    ]
    onehot = np.eye(k, dtype=np.float32)[target]
    velocity = [np.zeros_like(p) for p in params]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            w1, b1, w2, b2 = params
            xb = x[rows]
            h_in = xb @ w1 + b1
            h = np.maximum(h_in, 0.0)
            logits = h @ w2 + b2
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            grad_logits = (p - onehot[rows]) / rows.size
            grad_h = (grad_logits @ w2.T) * (h_in > 0)
            grads = [
                xb.T @ grad_h + weight_decay * w1,
                grad_h.sum(axis=0),
                h.T @ grad_logits + weight_decay * w2,
                grad_logits.sum(axis=0),
            ]
            for v, param, g in zip(velocity, params, grads, strict=True):
                v *= 0.9
                v -= learning_rate * g
                param += v
    final = [p.astype(np.float64) for p in params]
    return LetterClassifier(classes, mean, std, *final)
