"""A small two-layer network in plain NumPy (ReLU hidden layer, softmax output), trained by mini-batch SGD with
momentum on cross-entropy in float32 — about a second per ~8,000 rows; it predicts in ~0.1 ms.

Deterministic given its seed: one generator draws the initial weights and every epoch's order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Network:
    labels: np.ndarray  # (K,) str, sorted
    mean: np.ndarray  # input standardisation
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum(((x - self.mean) / self.std) @ self.w1 + self.b1, 0.0)
        out: np.ndarray = hidden @ self.w2 + self.b2
        return out


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    out: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return out


def train_network(
    features: np.ndarray,
    labels: np.ndarray,
    *,
    hidden: int = 64,
    epochs: int = 40,
    batch_size: int = 128,
    learning_rate: float = 0.05,
    weight_decay: float = 1e-4,
    seed: int = 7,
) -> Network:
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
    return Network(classes, mean, std, *final)
