"""``context``: the most relevant (or most anomalous) moments, each with the moments just before
and just after it.

A frame that matches the question often cannot answer it alone: "what happened after the
goal", "why did the car stop" need the cause and the consequence around the peak. T* (Ye et
al., "Re-thinking Temporal Search for Long-Form Video Understanding", CVPR 2025,
arXiv 2504.02259) spreads each strong detection to its +-5 s neighbours for the same reason;
A.I.R. (Adaptive, Iterative, Reasoning-based frame selection) samples frames around each
detected event. Steps:

1. peak strength per candidate: the min-max normalised relevance, or ``anomaly_weight`` times
   the normalised event strength (``events``; only the ``transient`` ones when any are flagged:
   a shot cut is a change, not an anomaly; a flash that comes and goes is), whichever is larger;
2. peaks: candidates whose strength is an outlier for this video (``>= median + outlier_k *
   MAD``; at least the strongest one when the curve is not flat), visited strongest first, at
   most one per ``(max(before, after) + 1) * offset_s`` seconds so contexts do not overlap;
3. for each peak: the peak, then the candidates nearest ``t - i * offset_s`` (``i = 1 ..
   before``) and ``t + i * offset_s`` (``i = 1 .. after``), until the budget is spent;
4. budget left when the peaks run out (a flat curve has none): evenly spaced coverage.

Default ``offset_s = 5`` is T*'s neighbourhood radius.
"""

from __future__ import annotations

import numpy as np

from ._util import fill_uniform, minmax, nearest_free
from .base import Picks, register


@register(
    "context",
    summary="peaks of relevance or events, each with the moments just before and after",
    paper="context idea: T* (Ye et al., CVPR 2025, arXiv 2504.02259) +-5 s neighbourhood",
)
def context(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    events: np.ndarray | None = None,
    transient: np.ndarray | None = None,
    offset_s: float = 5.0,
    before: int = 1,
    after: int = 1,
    anomaly_weight: float = 0.8,
    outlier_k: float = 3.0,
) -> Picks:
    n = len(scores)
    k = min(budget, n)
    strength = minmax(scores)
    if events is not None and len(events) == n:
        ev = np.nan_to_num(np.asarray(events, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0).clip(0)
        tr = np.asarray(transient, dtype=bool) if transient is not None and len(transient) == n else None
        if tr is not None and tr.any():
            # Lasting changes (every shot cut) are not anomalies; momentary events are.
            ev = np.where(tr, ev, 0.0)
        if ev.max() > 0:
            strength = np.maximum(strength, anomaly_weight * ev / ev.max())
    med = float(np.median(strength))
    mad = 1.4826 * float(np.median(np.abs(strength - med)))
    thr = med + outlier_k * max(mad, 0.02)

    taken = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    roles: list[str] = []
    sep = (max(before, after, 0) + 1) * max(offset_s, 0.0)
    peaks: list[int] = []
    for j in np.lexsort((np.arange(n), -strength)):
        if len(chosen) >= k:
            break
        if strength[j] < thr and peaks or strength[j] <= 0:
            break
        if any(abs(times[j] - times[p]) < sep for p in peaks) or taken[j]:
            continue
        peaks.append(int(j))
        group = [(float(times[j]), "peak")]
        for i in range(1, max(before, after) + 1):
            if i <= before:
                group.append((float(times[j]) - i * offset_s, "just before a peak"))
            if i <= after:
                group.append((float(times[j]) + i * offset_s, "just after a peak"))
        for t, role in group:
            if len(chosen) >= k:
                break
            c = int(j) if role == "peak" else nearest_free(times, taken, t)
            if c < 0:
                break
            taken[c] = True
            chosen.append(c)
            roles.append(role)
    extra = fill_uniform(times, taken, k - len(chosen))
    return Picks.of(chosen + extra, roles + ["coverage"] * len(extra))
