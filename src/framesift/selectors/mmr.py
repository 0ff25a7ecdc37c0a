"""``mmr``: Maximal Marginal Relevance over relevance and visual redundancy.

Carbonell & Goldstein, "The use of MMR, diversity-based reranking for reordering documents and
producing summaries", SIGIR 1998, applied to frames: repeatedly take the candidate maximising
``lam * rel - (1 - lam) * max_sim_to_chosen``, with relevance min-max normalised per video and
similarity the cosine of visual features. A small temporal term (``time_weight``) keeps two
visually similar but distant moments (a recurring shot) from both being penalised to zero.
"""

from __future__ import annotations

import numpy as np

from .base import Picks, register


@register("mmr", summary="relevance minus redundancy with frames already chosen (MMR)",
          paper="Carbonell & Goldstein, SIGIR 1998")
def mmr(scores: np.ndarray, features: np.ndarray, times: np.ndarray, budget: int, *, seed: int = 0,
        lam: float = 0.7, time_weight: float = 0.3) -> Picks:
    n = len(scores)
    k = min(budget, n)
    span = max(float(times[-1] - times[0]), 1e-9)
    lo, hi = float(scores.min()), float(scores.max())
    rel = (scores - lo) / (hi - lo) if hi > lo else np.zeros(n)
    chosen: list[int] = []
    max_sim = np.full(n, -np.inf)
    avail = np.ones(n, dtype=bool)
    for _ in range(k):
        red = np.where(np.isfinite(max_sim), max_sim, 0.0)
        gain = lam * rel - (1.0 - lam) * red
        gain = np.where(avail, gain, -np.inf)
        j = int(np.argmax(gain))  # first maximum: deterministic, earliest on ties
        chosen.append(j)
        avail[j] = False
        # Similarity to j: visual cosine, discounted by temporal distance.
        sim = features @ features[j] - time_weight * np.abs(times - times[j]) / span
        max_sim = np.maximum(max_sim, sim)
    return Picks.of(chosen, "relevance vs redundancy")
