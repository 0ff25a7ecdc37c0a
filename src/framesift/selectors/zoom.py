"""``zoom``: look once, then look closer -- a coarse pick over the whole video, and the rest of
the budget spent densely around the best moments it found.

The idea of "select less, reason more": Li et al., "Select Less, Reason More: Prioritizing
Evidence Purity for Video Reasoning" (EARL, 2025) let the model pick a few frames and then
re-sample locally around the key ones for fine temporal detail instead of spreading more frames
evenly; T* (arXiv 2504.02259) likewise zooms into promising regions. Here without a model in the
loop, the relevance curve plays the model:

1. **first look**: ``ceil(first_share * budget)`` frames, the best candidate of each of as many
   equal time bins (stratified argmax, as in PEEK and TSPO's ``bin-max``), so every part of the
   video is seen once;
2. **zoom**: the ``moments`` best first-look frames (0 = one per four first-look frames) each
   get an equal share of the remaining budget (remainder to the better ones), placed evenly
   inside ``+- radius_s`` seconds around the moment, on the nearest free candidates;
3. a flat curve has no best moment: the rest of the budget then goes to even coverage.
"""

from __future__ import annotations

import math

import numpy as np

from ._util import fill_uniform, nearest_free, stratified_best
from .base import Picks, register


@register(
    "zoom",
    summary="a coarse look over the whole video, then dense frames around the best moments",
    paper="Li et al., 'Select Less, Reason More' (EARL, 2025); T* zoom, arXiv 2504.02259",
)
def zoom(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    first_share: float = 0.5,
    moments: int = 0,
    radius_s: float = 10.0,
) -> Picks:
    n = len(scores)
    k = min(budget, n)
    k1 = min(k, max(1, math.ceil(first_share * k)))
    first = stratified_best(scores, times, k1)
    taken = np.zeros(n, dtype=bool)
    taken[first] = True
    chosen = list(first)
    roles = ["first look"] * len(first)
    rest = k - len(chosen)
    if rest > 0 and float(scores.max()) > float(scores.min()):
        nm = moments if moments > 0 else max(1, round(len(first) / 4))
        fa = np.asarray(first, dtype=np.int64)
        best = fa[np.lexsort((fa, -scores[fa]))][: min(nm, len(fa), rest)]
        share = [rest // len(best) + (1 if i < rest % len(best) else 0) for i in range(len(best))]
        for m, q in zip(best, share):
            t = float(times[m])
            lo = int(np.searchsorted(times, t - radius_s, side="left"))
            hi = int(np.searchsorted(times, t + radius_s, side="right"))
            # q frames evenly inside the window, skipping its centre (the moment itself is taken).
            offsets = radius_s * (2.0 * (np.arange(q + 1) + 0.5) / (q + 1) - 1.0)
            offsets = offsets[np.argsort(np.abs(offsets), kind="stable")][1:] if q + 1 > 1 else offsets[:0]
            for off in offsets[:q]:
                j = nearest_free(times, taken, t + off, lo, hi)
                if j < 0:
                    break
                taken[j] = True
                chosen.append(j)
                roles.append("zoom around a best moment")
    extra = fill_uniform(times, taken, k - len(chosen))
    return Picks.of(chosen + extra, roles + ["coverage"] * len(extra))
