"""``topk``: the k most relevant candidates. The research notes' weakest query-aware baseline:
it piles frames onto one moment (Q-Frame and MDP3 ablations, see shared/research/methods.md)."""

from __future__ import annotations

import numpy as np

from .base import Picks, register


@register("topk", summary="the k highest-scoring candidates, ties broken by time")
def topk(scores: np.ndarray, features: np.ndarray, times: np.ndarray, budget: int, *, seed: int = 0) -> Picks:
    order = np.lexsort((np.arange(len(scores)), -scores))
    return Picks.of(order[:budget], "top-k relevance")
