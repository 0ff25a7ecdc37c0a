"""``bolt``: inverse transform sampling of the power-sharpened relevance curve.

Liu et al., "BOLT: Boost Large VLMs Without Training for Long-form Video Understanding",
CVPR 2025, arXiv 2503.21483. Steps (released ``select_frames.py``): min-max normalise the scores
to [0, 1], raise them to a power ``alpha`` (``power``; 3 for Video-MME and MLVU, 2.5 for
LongVideoBench in the released scripts), turn them into a distribution ``p = s / sum(s)`` and
take the candidates where the cumulative distribution first reaches ``k`` evenly spaced
quantiles. ``alpha -> 0`` tends to uniform sampling, large ``alpha`` to piling every frame on the
best moment; the quantiles are deterministic (no random draw).

Differences from the released code, on purpose:

* **no duplicates.** Where the mass is concentrated, several quantiles land on the same
  candidate and the released code returns it twice (the budget is silently under-spent). Here
  the quantile positions are made strictly increasing with the least total displacement
  (isotonic regression of ``position - rank``, pool-adjacent-violators), so a peak that "wants"
  five frames gets the five candidates centred on it.
* quantiles sit at the bin centres ``(i + 1/2) / k``; the released ``linspace(1/k, 1 - 1/k, k)``
  degenerates for ``k = 1`` (it asks for the 100 % quantile, the last frame with mass).
* a flat curve (all scores equal, or all unknown) has no mass to follow after min-max
  normalisation; it is sampled uniformly, the ``alpha -> 0`` limit.
"""

from __future__ import annotations

import numpy as np

from .base import Picks, register


def _increasing_nearest(targets: np.ndarray, n: int) -> np.ndarray:
    """Strictly increasing integers in ``[0, n)`` as close as possible (least squares) to the
    non-decreasing ``targets`` (needs ``len(targets) <= n``)."""
    k = len(targets)
    y = targets.astype(np.float64) - np.arange(k)  # strictly increasing x  <=>  x - rank non-decreasing
    # Pool adjacent violators: blocks of (sum, count), merged while a block's mean drops.
    sums: list[float] = []
    counts: list[int] = []
    for v in y:
        sums.append(float(v))
        counts.append(1)
        while len(sums) > 1 and sums[-2] * counts[-1] > sums[-1] * counts[-2]:
            s_last, c_last = sums.pop(), counts.pop()
            sums[-1] += s_last
            counts[-1] += c_last
    fit = np.repeat(np.array(sums) / np.array(counts), counts)
    shifted = np.clip(np.round(fit), 0, n - k).astype(np.int64)  # rounding and clipping keep the order
    return shifted + np.arange(k)


@register(
    "bolt",
    summary="BOLT: inverse-CDF sampling of score**power, duplicates spread to neighbours",
    paper="Liu et al., BOLT, CVPR 2025, arXiv 2503.21483",
)
def bolt(
    scores: np.ndarray, features: np.ndarray, times: np.ndarray, budget: int, *, seed: int = 0, power: float = 3.0
) -> Picks:
    n = len(scores)
    k = min(budget, n)
    lo, hi = float(scores.min()), float(scores.max())
    if hi > lo:
        s = (scores - lo) / (hi - lo)
        w = s**power if power > 0 else s  # the released code: power <= 0 means "no power"
    else:
        w = np.ones(n)
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    quantiles = (np.arange(k) + 0.5) / k
    raw = np.minimum(np.searchsorted(cdf, quantiles, side="left"), n - 1)
    return Picks.of(_increasing_nearest(raw, n), "inverse-CDF of relevance")
