"""Dynamic time warping, vectorised over many templates at once (one attempt against a whole vocabulary).

Measured on this machine (bench/ml_pipeline.py): 500 templates × 16 steps × 62 features in a few milliseconds
with NumPy, so a C extension (dtaidistance) is not needed at this sequence length.
"""

from __future__ import annotations

import numpy as np

# Sakoe–Chiba band: an attempt may run ahead of or behind the template by at most this many steps.
BAND = 4


def step_costs(attempt: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """Euclidean distance of every attempt step to every template step, laid out (n, m, M) so each DTW cell is
    one contiguous vector over the templates. Computed as |a|² + |b|² − 2a·b with one matrix product (BLAS),
    never materialising an (M, n, m, D) difference array."""
    count, m, dims = templates.shape
    flat = templates.reshape(count * m, dims)
    cross = (attempt @ flat.T).reshape(attempt.shape[0], count, m)
    a2 = (attempt * attempt).sum(axis=1)
    b2 = (flat * flat).sum(axis=1).reshape(count, m)
    squared = a2[:, None, None] + b2[None, :, :] - 2.0 * cross
    distances: np.ndarray = np.sqrt(np.maximum(squared, 0.0)).transpose(0, 2, 1)
    return distances


def pairwise_costs(attempt: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """(M, n, m) distances of every attempt step to every step of each template."""
    costs: np.ndarray = step_costs(attempt, templates).transpose(2, 0, 1)
    return costs


def batch_dtw(attempt: np.ndarray, templates: np.ndarray, band: int = BAND) -> np.ndarray:
    """Mean cost per step of the best warping path between ``attempt`` (n, D) and each of ``templates``
    (M, m, D); returns (M,).

    Symmetric step pattern: a diagonal step costs twice the cell, a horizontal or vertical one once, and the
    total is divided by n + m — so a perfectly aligned pair scores the mean distance of its steps, and
    stretching a performance in time is neither rewarded nor punished."""
    if templates.shape[0] == 0:
        return np.zeros(0)
    cells = np.ascontiguousarray(step_costs(attempt, templates))  # (n, m, M)
    n, m, count = cells.shape
    acc = np.full((n + 1, m + 1, count), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        centre = round(i * m / n)
        for j in range(max(1, centre - band), min(m, centre + band) + 1):
            c = cells[i - 1, j - 1]
            acc[i, j] = np.minimum(np.minimum(acc[i - 1, j - 1] + 2 * c, acc[i - 1, j] + c), acc[i, j - 1] + c)
    mean_cost: np.ndarray = acc[n, m] / (n + m)
    return mean_cost


def dtw_path(attempt: np.ndarray, template: np.ndarray, band: int = BAND) -> tuple[float, list[tuple[int, int]]]:
    """Mean cost (as :func:`batch_dtw`) and the warping path (pairs of step indices) of one pair."""
    cost = pairwise_costs(attempt, template[None])[0]
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        centre = round(i * m / n)
        for j in range(max(1, centre - band), min(m, centre + band) + 1):
            c = cost[i - 1, j - 1]
            acc[i, j] = min(acc[i - 1, j - 1] + 2 * c, acc[i - 1, j] + c, acc[i, j - 1] + c)
    path = []
    i, j = n, m
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        c = cost[i - 1, j - 1]
        moves = {
            (i - 1, j - 1): acc[i - 1, j - 1] + 2 * c,
            (i - 1, j): acc[i - 1, j] + c,
            (i, j - 1): acc[i, j - 1] + c,
        }
        i, j = min(moves, key=lambda key: moves[key])
    path.reverse()
    return float(acc[n, m] / (n + m)), path
