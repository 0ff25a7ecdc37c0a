"""``uniform``: evenly spaced in time, the baseline every pipeline uses (e.g. qwen-vl-utils)."""

from __future__ import annotations

import numpy as np

from .base import Picks, register


def uniform_positions(times: np.ndarray, k: int) -> np.ndarray:
    """Candidates nearest to the centres of ``k`` equal time bins (unique; nearest free on clashes)."""
    n = len(times)
    if k >= n:
        return np.arange(n)
    t0, t1 = float(times[0]), float(times[-1])
    targets = t0 + (np.arange(k) + 0.5) * (t1 - t0) / k if t1 > t0 else np.full(k, t0)
    taken = np.zeros(n, dtype=bool)
    out = []
    for t in targets:
        order = np.argsort(np.abs(times - t), kind="stable")
        j = int(next(o for o in order if not taken[o]))
        taken[j] = True
        out.append(j)
    return np.array(out, dtype=np.int64)


@register("uniform", summary="evenly spaced in time (the usual baseline); ignores the query")
def uniform(scores: np.ndarray, features: np.ndarray, times: np.ndarray, budget: int, *, seed: int = 0) -> Picks:
    return Picks.of(uniform_positions(times, budget), "uniform")
