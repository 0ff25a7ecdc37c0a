"""``tass``: Temporal-Aware Similarity Sampling from DATE.

Yuan et al., "DATE: Dynamic Absolute Time Enhancement for Long Video Understanding",
arXiv 2509.09263 (2025). Steps (paper, section "TASS"): keep the candidates scoring above the
mean (at most ``pool_factor * budget``), visit them by descending score and accept one when it is
at least ``gap`` seconds from every accepted frame; if the budget is not filled after a pass,
halve the gap and pass again. The paper uses a 20 s gap at 2-4 fps candidates.

Differences from the released code, on purpose: the released candidate filter is inverted (see
shared/research/methods.md 2.10); we implement the paper's intent. When the gap has shrunk below
the candidate spacing and the pool is exhausted, the remaining budget is filled from all
candidates by score so the budget is always used.
"""

from __future__ import annotations

import numpy as np

from .base import Picks, register


@register(
    "tass",
    summary="DATE's temporally regularised greedy: best scores at least a gap apart",
    paper="Yuan et al., DATE, arXiv 2509.09263",
)
def tass(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    gap: float = 20.0,
    pool_factor: float = 4.0,
) -> Picks:
    n = len(scores)
    k = min(budget, n)
    by_score = np.lexsort((np.arange(n), -scores))
    above = by_score[scores[by_score] > scores.mean()]
    pool = list(above[: max(k, int(pool_factor * budget))])
    if len(pool) < k:  # flat scores: nothing is above the mean
        pool = list(by_score)
    accepted: list[int] = []
    min_step = float(np.median(np.diff(times))) if n > 1 else 0.0
    g = gap
    while len(accepted) < k:
        for j in pool:
            if len(accepted) >= k:
                break
            if j in accepted:
                continue
            if all(abs(times[j] - times[a]) >= g for a in accepted):
                accepted.append(int(j))
        if g <= min_step / 2 or g < 1e-6:
            if len(accepted) < k and len(pool) < n:
                pool = list(by_score)  # widen to all candidates
                continue
            if len(accepted) < k:  # candidates closer than any gap (equal / irregular times)
                taken = set(accepted)
                accepted += [int(j) for j in by_score if int(j) not in taken][: k - len(accepted)]
            break
        g /= 2.0
    return Picks.of(accepted[:k], "relevance, temporally spread")
