"""The one curve that turns a parameter's distance into 0–100: ``100 / (1 + (d / d50)³)`` — flat near a perfect
match, 50 at ``d50``, falling fast beyond. Every component uses it, each with its own ``d50``."""

from __future__ import annotations

import numpy as np


def curve(distance: np.ndarray | float, d50: float) -> np.ndarray:
    return np.asarray(100.0 / (1.0 + (np.asarray(distance) / d50) ** 3))
