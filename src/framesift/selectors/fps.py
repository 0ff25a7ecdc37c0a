"""``fps``: a fixed sampling rate capped by the budget (what ``fps=`` means in qwen-vl-utils/vLLM)."""

from __future__ import annotations

import math

import numpy as np

from .base import Picks, register
from .uniform import uniform_positions


@register("fps", summary="a fixed rate (frames per second of video), never more than the budget")
def fps(
    scores: np.ndarray, features: np.ndarray, times: np.ndarray, budget: int, *, seed: int = 0, rate: float = 0.5
) -> Picks:
    span = float(times[-1] - times[0]) if len(times) else 0.0
    k = max(1, min(budget, int(math.floor(span * rate)) + 1))
    return Picks.of(uniform_positions(times, k), f"fps {rate:g}")
