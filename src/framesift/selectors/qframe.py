"""``qframe``: Q-Frame's query-aware frame selection with multi-resolution adaptation.

Zhang et al., "Q-Frame: Query-aware Frame Selection and Multi-Resolution Adaptation for
Video-LLMs", ICCV 2025, arXiv 2506.22139 (code: xiaomi-research/q-frame). Steps:

1. **QFS** (Gumbel-max): ``pi = softmax(scores / tau)`` with ``tau = 0.8``; every candidate gets
   the key ``log pi + g`` with ``g = -log(-log u)``, ``u ~ U(0, 1)``; the candidates ranked by key
   are a sample without replacement proportional to ``pi`` (stochastic: a different ``seed``
   gives another draw; the same seed the same one).
2. **MRA** (multi-resolution adaptation): rank 1..K at high resolution, the next M at medium, the
   next N at low, with sides 1, 1/2, 1/4 of the high size (tokens 1 : 1/4 : 1/16). The paper's
   default ``(K, M, N) = (4, 8, 32)`` for a budget of 8 high-resolution frames spends 4/8 of the
   tokens on high, 2/8 on medium and 2/8 on low: those are the default ``*_share`` values, applied
   to any token budget and model family here. Without a token budget (or for a family with one
   frame size) it is the paper's fixed-frames setting ``K = budget, M = N = 0``.

Deviation, on purpose: Q-Frame applies ``tau`` to raw Long-CLIP dot products; framesift's fused
scores live in [0, 1] with a video-dependent spread, so they are standardised (z-scores) first
(``standardize=False`` restores the raw behaviour). Constant or NaN scores give a flat ``pi``:
a seeded uniform random draw, as in the paper. Ties in the key are broken by position.
"""

from __future__ import annotations

import numpy as np

from ..budget.plan import TokenBudget, allocate_levels
from .base import Picks, register


def gumbel_order(scores: np.ndarray, tau: float, seed: int, standardize: bool = True) -> np.ndarray:
    """Candidate positions in Gumbel-max key order (a sample without replacement from softmax)."""
    s = scores.astype(np.float64)
    if standardize:
        sd = float(s.std())
        s = (s - s.mean()) / sd if sd > 0 else np.zeros_like(s)
    logits = s / max(float(tau), 1e-6)
    log_pi = logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))
    u = np.random.default_rng(seed).random(len(s))
    keys = log_pi - np.log(-np.log(np.clip(u, 1e-300, 1.0 - 1e-16)))
    return np.lexsort((np.arange(len(s)), -keys))


@register(
    "qframe",
    summary="Gumbel-max sampling of relevance; few frames high, more medium, many low resolution",
    paper="Q-Frame, arXiv 2506.22139",
)
def qframe(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    tokens: TokenBudget | None = None,
    tau: float = 0.8,
    high_share: float = 0.5,
    medium_share: float = 0.25,
    low_share: float = 0.25,
    medium_scale: float = 0.5,
    low_scale: float = 0.25,
    standardize: bool = True,
) -> Picks:
    n = len(scores)
    order = gumbel_order(scores, tau, seed, standardize)
    available = min(budget, n)
    if tokens is None:
        k = available
        return Picks.of(order[:k], "qframe sample")
    levels = [1.0, float(medium_scale), float(low_scale)]
    shares = [max(0.0, high_share), max(0.0, medium_share), max(0.0, low_share)]
    if sum(shares) <= 0:
        shares = [1.0, 0.0, 0.0]
    counts = allocate_levels(tokens, levels, shares, available)
    picks, roles, scales = [], [], []
    start = 0
    for name, scale, c in zip(("high", "medium", "low"), levels, counts):
        chosen = order[start : start + c]
        picks.extend(chosen.tolist())
        roles.extend([f"qframe sample ({name} resolution)"] * c)
        scales.extend([scale if tokens.scalable else 1.0] * c)
        start += c
    return Picks.of(picks, roles, scales)
