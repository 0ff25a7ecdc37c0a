"""``mmr``: Maximal Marginal Relevance over relevance and visual redundancy.

Carbonell & Goldstein, "The use of MMR, diversity-based reranking for reordering documents and
producing summaries", SIGIR 1998, applied to frames: repeatedly take the candidate maximising
``lam * rel - (1 - lam) * max_sim_to_chosen``, with relevance min-max normalised per video and
similarity the cosine of visual features. A small temporal term (``time_weight``) keeps two
visually similar but distant moments (a recurring shot) from both being penalised to zero.

As in the paper, MMR reranks a retrieved list: on long videos (more than ``pool`` candidates) the
list is the most relevant half plus the best frame of each time bin (``_util.candidate_pool``),
which keeps the cost under 20 ms for an hour at 1 fps without losing coverage.
"""

from __future__ import annotations

import numpy as np

from ._util import candidate_pool, minmax, one_blas_thread
from .base import Picks, register


@register(
    "mmr",
    summary="relevance minus redundancy with frames already chosen (MMR)",
    paper="Carbonell & Goldstein, SIGIR 1998",
)
def mmr(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    lam: float = 0.7,
    time_weight: float = 0.3,
) -> Picks:
    pool = candidate_pool(scores, times, 1024)
    with one_blas_thread():
        chosen = _greedy(minmax(scores)[pool], features[pool], times[pool], min(budget, len(pool)), lam, time_weight)
    return Picks.of(pool[chosen], "relevance vs redundancy")


def _greedy(
    rel: np.ndarray, features: np.ndarray, times: np.ndarray, k: int, lam: float, time_weight: float
) -> list[int]:
    n = len(rel)
    span = max(float(times[-1] - times[0]), 1e-9)
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
    return chosen
