"""``auto``: the default. Evidence first, then momentary events, then coverage of distinct scenes.

No single published selector fits every signal mix framesift can have (sometimes only subtitles,
sometimes nothing query-related at all), so ``auto`` splits the budget by role:

1. **relevance** (up to ``relevance_share`` of the budget): candidates whose score is an outlier
   for this video (``>= max(min_score, median + outlier_k * MAD)``), best first, one per moment
   (a temporal exclusion window as in DATE's TASS, arXiv 2509.09263). If nothing stands out, no
   budget is wasted here: a flat score curve carries no evidence.
2. **momentary events** (up to ``event_share``): *transient* changes (a flash, a caption that
   comes and goes), which 1 fps sampling and coverage would both miss, ranked by strength times
   uniqueness: a blinking indicator that fires every few seconds looks the same each time and
   ranks low; a one-off event does not.
3. **coverage** (the rest): farthest-point sampling in a joint space of visual dissimilarity and
   temporal distance, tilted towards relevance, so the remaining frames land on scenes not yet
   seen rather than on another copy of one shot (the coverage argument of the research notes:
   top-k alone is the weakest query-aware choice).
"""

from __future__ import annotations

import math

import numpy as np

from ._util import candidate_pool, minmax, one_blas_thread
from .base import Picks, register


def _robust_threshold(scores: np.ndarray, min_score: float, k: float) -> float:
    med = float(np.median(scores))
    mad = float(np.median(np.abs(scores - med))) * 1.4826
    return max(min_score, med + k * max(mad, 0.02))


@register("auto", summary="default: relevant evidence, then momentary events, then distinct scenes")
def auto(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    events: np.ndarray | None = None,
    transient: np.ndarray | None = None,
    relevance_share: float = 0.5,
    event_share: float = 0.125,
    min_score: float = 0.3,
    outlier_k: float = 3.0,
    time_weight: float = 1.0,
    moment_s: float = 3.0,
) -> Picks:
    n = len(scores)
    k = min(budget, n)
    span = max(float(times[-1] - times[0]), 1e-9)
    chosen: list[int] = []
    roles: list[str] = []

    def far_from_chosen(j: int, gap: float) -> bool:
        return all(abs(times[j] - times[c]) >= gap for c in chosen)

    # 1. relevance
    if n and float(scores.max()) > 0:
        thr = _robust_threshold(scores, min_score, outlier_k)
        quota = min(k, max(1, math.ceil(relevance_share * k)))
        # One pick per moment (a subtitle cue, a caption). A wider window, as in TASS, would let
        # a strong wrong match veto the right one a minute away.
        gap = moment_s
        for j in np.lexsort((np.arange(n), -scores)):
            if len(chosen) >= quota or scores[j] < thr:
                break
            if far_from_chosen(int(j), gap):
                chosen.append(int(j))
                roles.append("relevance")

    # 2. momentary events
    if events is not None and transient is not None and len(chosen) < k:
        quota = min(k - len(chosen), max(1, round(event_share * k))) if k >= 4 else 0
        cand = np.flatnonzero(transient & (events > 0))
        rank = events[cand] * _uniqueness(features, times, cand)
        taken = 0
        for j in cand[np.lexsort((cand, -rank))]:
            if taken >= quota:
                break
            if far_from_chosen(int(j), 1.0):
                chosen.append(int(j))
                roles.append("momentary event")
                taken += 1

    # 3. coverage: farthest point in (visual, time) space, tilted to relevance, over a pool of
    # the most relevant candidates and the best of each time bin (all of them unless the video
    # is long), so an hour at 1 fps stays within the 20 ms a selector may take.
    if len(chosen) < k:
        with one_blas_thread():
            _coverage(scores, features, times, k, span, time_weight, chosen, roles)
    return Picks.of(chosen, roles)


def _coverage(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    k: int,
    span: float,
    time_weight: float,
    chosen: list[int],
    roles: list[str],
) -> None:
    """Append farthest-point coverage picks to ``chosen`` / ``roles`` until there are ``k``."""
    pool = np.union1d(candidate_pool(scores, times, 1024), np.asarray(chosen, dtype=np.int64))
    feats, ts = features[pool], times[pool]
    tilt = 1.0 + 0.5 * minmax(scores[pool])
    dist = np.full(len(pool), np.inf)
    taken = np.zeros(len(pool), dtype=bool)
    if not chosen:
        first = int(np.argmin(np.abs(ts - (times[0] + span / 2))))
        chosen.append(int(pool[first]))
        roles.append("coverage")
    for c in np.searchsorted(pool, chosen):
        dist = np.minimum(dist, _distance(feats, ts, int(c), span, time_weight))
        taken[c] = True
    while len(chosen) < k and not taken.all():
        j = int(np.argmax(np.where(taken, -1.0, dist * tilt)))
        chosen.append(int(pool[j]))
        roles.append("coverage")
        taken[j] = True
        dist = np.minimum(dist, _distance(feats, ts, j, span, time_weight))


def _distance(features: np.ndarray, times: np.ndarray, j: int, span: float, time_weight: float) -> np.ndarray:
    visual = 0.5 * (1.0 - features @ features[j])
    return visual + time_weight * np.abs(times - times[j]) / span


def _uniqueness(features: np.ndarray, times: np.ndarray, positions: np.ndarray, min_sep_s: float = 2.0) -> np.ndarray:
    """1 - the highest cosine to another event frame at least ``min_sep_s`` away (floor 0.05)."""
    if len(positions) < 2:
        return np.ones(len(positions))
    f = features[positions]
    sims = f @ f.T
    far = np.abs(times[positions][:, None] - times[positions][None, :]) >= min_sep_s
    sims = np.where(far, sims, -1.0)
    return np.clip(1.0 - sims.max(axis=1), 0.05, 1.0)
