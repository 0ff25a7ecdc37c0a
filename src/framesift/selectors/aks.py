"""``aks``: Adaptive Keyframe Sampling, the judge-and-split recursion with per-segment quotas.

Tang et al., "Adaptive Keyframe Sampling for Long Video Understanding", CVPR 2025,
arXiv 2502.21271. The objective is relevance of the chosen frames plus coverage of the timeline;
the paper approximates it by recursion over temporal segments (Algorithm 1):

1. min-max normalise the scores over the whole video;
2. start with one segment (all candidates) and quota ``M`` (the budget);
3. judge a segment with quota ``m``: ``s_top`` = mean of its ``m`` best scores, ``s_all`` = its
   mean, ``sigma`` = its standard deviation. If ``s_top - s_all > t1`` and ``sigma > t2`` the
   relevance is concentrated here: leaf, take its ``m`` best ("TOP" mode);
4. otherwise, while ``depth < L``, split it into two halves and give each half a quota
   proportional to its length ("BIN" mode), then judge each half; at depth ``L`` take the top
   ``m``.

Defaults are the released ones: ``t1 = 0.8`` (s_thr), ``t2 = -100`` (the sigma test off),
``L = 5`` (``all_depth``).

Where the released code (ncTimTang/AKS ``frame_select.py``) differs, and why we follow the paper:
it compares ``s_top`` of the top ``M`` (the *global* budget) at every depth and gives a leaf at
depth ``d`` the quota ``floor(M / 2**d)``. Once a segment holds no more than ``M`` candidates,
``s_top == s_all`` and the TOP test can never fire, so with the defaults the code splits to depth
5 and returns the top ``floor(M/32)`` of each of 32 equal bins: stratified top-k, often with
fewer than ``M`` frames (``M = 8`` gives zero-quota leaves). Here quotas are split by length with
largest remainders (a tied remainder goes to the half holding the higher score), so they always
sum to the budget, and ``s_top`` uses the segment's own quota.
"""

from __future__ import annotations

import numpy as np

from .base import Picks, register


def aks_quotas(
    scores: np.ndarray, budget: int, *, t1: float = 0.8, t2: float = -100.0, depth: int = 5
) -> list[tuple[int, int, int, str]]:
    """The leaves of the recursion: ``(start, stop, quota, mode)`` with quotas summing to
    ``min(budget, len(scores))`` (``mode`` is "TOP", "BIN" or "ALL")."""
    n = len(scores)
    lo, hi = float(scores.min()), float(scores.max())
    s = (scores - lo) / (hi - lo) if hi > lo else np.zeros(n)
    leaves: list[tuple[int, int, int, str]] = []

    def judge(a: int, b: int, m: int, d: int) -> None:
        if m <= 0:
            return
        seg = s[a:b]
        if m >= b - a:  # everything in the segment is taken anyway
            leaves.append((a, b, b - a, "ALL"))
            return
        top = np.partition(seg, len(seg) - m)[len(seg) - m :]
        if float(top.mean()) - float(seg.mean()) > t1 and float(seg.std()) > t2:
            leaves.append((a, b, m, "TOP"))
            return
        if d >= depth or b - a < 2:
            leaves.append((a, b, m, "BIN"))
            return
        mid = (a + b) // 2
        exact = m * (mid - a) / (b - a)
        left = int(np.floor(exact))
        if m - left > b - mid:  # the right half cannot hold its share
            left = m - (b - mid)
        elif exact - left > 0.5 or (exact - left == 0.5 and s[a:mid].max() >= s[mid:b].max()):
            left += 1
        left = min(left, mid - a)
        judge(a, mid, left, d + 1)
        judge(mid, b, m - left, d + 1)

    judge(0, n, min(budget, n), 0)
    return leaves


@register(
    "aks",
    summary="AKS: judge-and-split bins, each with a length-proportional quota of its best frames",
    paper="Tang et al., AKS, CVPR 2025, arXiv 2502.21271",
)
def aks(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    t1: float = 0.8,
    t2: float = -100.0,
    depth: int = 5,
) -> Picks:
    chosen: list[int] = []
    roles: list[str] = []
    for a, b, m, mode in aks_quotas(scores, budget, t1=t1, t2=t2, depth=depth):
        seg = scores[a:b]
        # Best first; ties (a flat segment) go to the frame nearest the segment's centre, so flat
        # scores come out evenly spread instead of bunched at each segment's start.
        pos = np.arange(b - a)
        order = np.lexsort((pos, np.abs(2 * pos - (b - a - 1)), -seg))[:m]
        chosen += (a + order).tolist()
        roles += [f"aks {mode.lower()} segment"] * len(order)
    return Picks.of(chosen, roles)
