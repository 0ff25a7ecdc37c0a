"""``codec``: codec-style keyframes with token shares by new content (KFFocus).

Nie et al., "KFFocus: Highlighting Keyframes for Enhanced Video Understanding", arXiv 2508.08989.
KFFocus borrows from video compression: frames that cannot be predicted from what came before
(I-frames) are kept, redundant ones are dropped or condensed harder, and each kept frame gets a
token share by how much it carries. KFFocus learns its condensation inside the model; this is the
training-free selection half, in our own formulation (the paper gives no released code):

1. **Prediction error.** Change from the previous candidate ``d_i = 1 - cos(f_i, f_{i-1})`` on
   visual features; the first candidate has nothing to be predicted from and always opens a GOP.
2. **Rate control.** Content accumulates as ``C = (1 - time_weight) * cumsum(d) / sum(d) +
   time_weight * elapsed / span`` (the time term is a codec's maximum GOP length: even a static
   shot gets a refresh now and then). The video is cut into ``m`` GOPs of equal content, and each
   GOP's keyframe is the candidate in it that was least predictable (the largest step of ``C``).
   A cut jumps ``C`` at once, so it becomes a keyframe exactly there; a slow pan gets keyframes
   at the rate it drifts; a static shot only the time term's share. A keyframe several times more
   predictable than a cut left inside some GOP gives its place to that cut.
3. **Shares.** Each keyframe's new content is its prediction error from the previous keyframe
   ``e = 1 - cos(f_k, f_prev_key)`` (the first: 1), raised by relevance (``1 + relevance_weight *
   rel``). Under a token budget its tokens are proportional to that (``scale = sqrt(e / e_max)``,
   rounded up to the levels 1, 1/sqrt 2, 1/2, ... down to ``min_scale``), and the number of
   keyframes is the largest that fits. With a frame budget only, all keyframes are full size.
"""

from __future__ import annotations

import math

import numpy as np

from ..budget.plan import TokenBudget
from .base import Picks, register


def content_curve(features: np.ndarray, times: np.ndarray, time_weight: float) -> np.ndarray:
    """Accumulated prediction error mixed with elapsed time, rising from 0 to 1 (step 2)."""
    n = len(times)
    d = np.zeros(n)
    if n > 1:
        d[1:] = np.clip(1.0 - np.einsum("ij,ij->i", features[1:], features[:-1]), 0.0, 2.0)
    span = float(times[-1] - times[0])
    tw = float(np.clip(time_weight, 0.0, 1.0))
    elapsed = (times - times[0]) / span if span > 0 else np.arange(n) / max(n - 1, 1)
    cum = (1.0 - tw) * np.cumsum(d) / d.sum() + tw * elapsed if d.sum() > 0 else elapsed
    return np.maximum.accumulate(cum + np.arange(n) * 1e-12)  # strictly rising: ties cannot stall


class KeyframeIndex:
    """Keyframes for any count ``m`` on one content curve ``cum`` (see the module docstring).

    GOP ``j`` ends where the content reaches ``j / m`` of the total; its keyframe is the candidate
    in it where prediction failed most (the largest single step, the latest on a tie), so a cut
    is taken exactly, and a steady drift or a static shot gets the GOP's end. A cut larger than
    one step swallows several GOPs; their slots go to the largest steps not yet taken. What does
    not depend on ``m`` (steps and their ranking) is computed once, so trying many counts is cheap.
    """

    def __init__(self, cum: np.ndarray) -> None:
        self.cum = cum
        n = len(cum)
        self.step = np.diff(cum, prepend=cum[0] - 1.0)  # the first candidate always opens a GOP
        # Rank by step, descending, latest first on a tie (rounded: float noise in equal steps ties).
        self.order = np.lexsort((-np.arange(n), -np.round(self.step, 12)))
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[self.order] = np.arange(n)

    def keys(self, m: int) -> np.ndarray:
        cum, n = self.cum, len(self.cum)
        if m >= n:
            return np.arange(n)
        levels = cum[0] + (cum[-1] - cum[0]) * np.arange(m) / m
        cross = np.searchsorted(cum, levels, side="left")
        # GOP j (1..m-1) holds positions cross[j-1] < i <= cross[j]: contiguous, so the best rank
        # in each is one reduceat over the non-empty ones.
        starts, ends = cross[:-1] + 1, cross[1:]
        keep = ends >= starts
        heads = [0]
        if keep.any():
            st, en = starts[keep], ends[keep]
            seg_rank = np.minimum.reduceat(self.rank[: int(en[-1]) + 1], st)
            heads += self.order[seg_rank].tolist()
        best = np.unique(np.asarray(heads, dtype=np.int64))
        # A GOP boundary can fall just short of a cut and leave it inside a GOP whose keyframe is
        # a drift step: a cut always outranks a keyframe that was several times more predictable.
        chosen = np.zeros(n, dtype=bool)
        chosen[best] = True
        free = self.order[~chosen[self.order]]
        weak = best[1:][np.argsort(self.step[best[1:]], kind="stable")]
        swaps = 0
        while swaps < min(len(weak), len(free)) and self.step[free[swaps]] > 4.0 * self.step[weak[swaps]]:
            swaps += 1
        if swaps:
            best = np.sort(np.concatenate([np.setdiff1d(best, weak[:swaps]), free[:swaps]]))
            chosen[:] = False
            chosen[best] = True
            free = self.order[~chosen[self.order]]
        if len(best) < m:  # top up with the largest steps not taken
            best = np.sort(np.concatenate([best, free[: m - len(best)]]))
        return best


def codec_keyframes(cum: np.ndarray, m: int) -> np.ndarray:
    """At most ``m`` keyframe positions on the content curve ``cum`` (see :class:`KeyframeIndex`)."""
    return KeyframeIndex(cum).keys(m)


def _levels(min_scale: float) -> np.ndarray:
    k = max(0, int(math.floor(math.log(max(min_scale, 1e-3)) / math.log(2**-0.5) + 1e-9)))
    return np.array([2 ** (-i / 2) for i in range(k + 1)])


@register(
    "codec",
    summary="keyframes where content stops being predictable; more tokens for more new content",
    paper="KFFocus, arXiv 2508.08989",
)
def codec(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    tokens: TokenBudget | None = None,
    time_weight: float = 0.1,
    relevance_weight: float = 1.0,
    min_scale: float = 0.25,
) -> Picks:
    n = len(scores)
    lo, hi = float(scores.min()), float(scores.max())
    rel = (scores - lo) / (hi - lo) if hi > lo else np.zeros(n)

    index = KeyframeIndex(content_curve(features, times, time_weight))

    def plan(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys = index.keys(m)
        e = np.ones(len(keys))
        if len(keys) > 1:
            e[1:] = np.clip(1.0 - np.einsum("ij,ij->i", features[keys[1:]], features[keys[:-1]]), 0.0, 2.0)
        weight = e * (1.0 + relevance_weight * rel[keys])
        roles = e  # turned into text once, for the final plan only
        if tokens is None or not tokens.scalable:
            return keys, np.ones(len(keys)), roles
        top = float(weight.max()) if len(weight) and weight.max() > 0 else 1.0
        want = np.sqrt(np.clip(weight / top, 0.0, 1.0))
        lv = _levels(min_scale)
        # Round up to the next level: a handful of sizes keeps frames paired within each size.
        idx = np.searchsorted(-lv, -want, side="right") - 1
        return keys, lv[np.clip(idx, 0, len(lv) - 1)], roles

    def text(keys: np.ndarray, e: np.ndarray) -> list[str]:
        return ["keyframe: first" if k == 0 else f"keyframe: new content {float(x):.2f}" for k, x in zip(keys, e)]

    cap = min(budget, n)
    if tokens is None:
        keys, _, e = plan(cap)
        return Picks.of(keys, text(keys, e))
    # The largest number of keyframes whose shares fit the tokens (cost grows with the count):
    # between all-full-size frames (always fits) and all at the smallest level.
    lo_m = min(cap, tokens.max_frames(1.0))
    hi_m = min(cap, max(lo_m, tokens.max_frames(float(_levels(min_scale)[-1]))))
    best = plan(lo_m) if lo_m > 0 else None
    if best is not None and tokens.cost(best[1]) > tokens.limit:
        best, lo_m = None, 0
    while lo_m < hi_m:
        mid = (lo_m + hi_m + 1) // 2
        keys, scales, roles = plan(mid)
        if tokens.cost(scales) <= tokens.limit:
            lo_m, best = mid, (keys, scales, roles)
        else:
            hi_m = mid - 1
    if best is None:
        return Picks.of([], "keyframe", [])
    keys, scales, e = best
    return Picks.of(keys, text(keys, e), scales)
