"""``clips``: short, temporally coherent key clips around relevant scenes (F2C / K-frames).

Sun et al., "From Frames to Clips: Efficient Key Clip Selection for Long-Form Video
Understanding" (F2C), arXiv 2510.02262, with the scene-driven clip idea of Yao et al.,
"K-frames: Scene-Driven Any-k Keyframe Selection", arXiv 2510.13891 (K-frames trains a clip
predictor; we follow F2C's training-free procedure). Steps (F2C, supplement D.2/D.3):

1. **Anchors** (watershed + K-means): local minima of the score curve (and both ends) are
   valleys; the best candidate of each basin between two valleys is a peak. More peaks than
   ``K_anchor``: cluster their times with 1-D K-means into ``K_anchor`` groups and keep the best
   peak of each; fewer: pad with the best remaining candidates.
2. **Clip length** per anchor: for ``l = 1 .. l_max`` (``l_max = s_max^2 K / K_anchor``) the window of
   ``l`` candidates centred on the anchor scores ``mean relevance - lambda_r * redundancy
   + lambda_l * l / l_max``; the best ``l`` wins (defaults ``s_max = 2``, ``lambda_r = 0.5``,
   ``lambda_l = 0.05``). Redundancy is the mean pairwise cosine in the window; here it is counted
   above the video's median cosine of neighbouring candidates (a deviation: F2C's lambdas suit
   SigLIP2 embeddings, and on framesift's low-level features every pair of neighbours is so alike
   that the absolute penalty would keep every clip at one frame). A shot that stays more static
   than the video around it keeps short clips; a relevant scene that keeps changing gets long ones.
3. **Resolution** per clip: downscale factor ``s = sqrt(K_anchor * l / K)`` clipped to
   ``[1, s_max]``, so a clip of 4 frames at half size costs about one full frame and the total
   stays near ``K`` full frames: the token count is constant, whatever the clip lengths.
4. Merge: a frame in two clips keeps the higher resolution; output in time order.

Budget semantics here. With a token budget, ``K`` is the number of default-size frames the tokens
buy and ``K_anchor = K`` (the paper's default): up to ``s_max^2 K`` frames at reduced size. With
a frame budget only, frames cannot be shrunk, so ``K_anchor = ceil(K / s_max^2)`` anchors get clips
of up to ``s_max^2`` full-size frames, never more than ``K`` frames in all. Relevance is min-max
normalised so the lambdas weigh comparable terms. If rounding to the model's pixel grid makes the
clips cost more than the budget, the clips of the weakest anchors are shortened first.
"""

from __future__ import annotations

import math

import numpy as np

from ..budget.plan import TokenBudget
from .base import Picks, register


def _peaks(s: np.ndarray) -> np.ndarray:
    """The best position in each basin between consecutive local minima (watershed peaks)."""
    n = len(s)
    if n <= 2:
        return np.arange(n)
    interior = np.flatnonzero((s[1:-1] <= s[:-2]) & (s[1:-1] <= s[2:])) + 1
    valleys = np.unique(np.concatenate([[0], interior]))
    basin = np.searchsorted(valleys, np.arange(n), side="right") - 1
    # Best of each basin (earliest on a tie): sort by basin, then score descending, then position.
    order = np.lexsort((np.arange(n), -s, basin))
    _, first = np.unique(basin[order], return_index=True)
    return np.sort(order[first])


def _kmeans_1d(x: np.ndarray, k: int, iters: int = 20) -> np.ndarray:
    """Group labels of sorted 1-D values ``x`` into ``k`` contiguous clusters (Lloyd, quantile init)."""
    centres = np.quantile(x, (np.arange(k) + 0.5) / k)
    labels = np.zeros(len(x), dtype=np.int64)
    for _ in range(iters):
        # In 1-D the nearest centre is found by the midpoints between sorted centres.
        centres = np.sort(centres)
        labels = np.searchsorted((centres[1:] + centres[:-1]) / 2, x)
        sums = np.bincount(labels, weights=x, minlength=k)
        counts = np.bincount(labels, minlength=k)
        new = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
        if np.allclose(new, centres):
            break
        centres = new
    return labels


def select_anchors(s: np.ndarray, times: np.ndarray, k_anchor: int) -> np.ndarray:
    """F2C anchors: watershed peaks, reduced by 1-D K-means on time or padded by score."""
    peaks = _peaks(s)
    if len(peaks) > k_anchor:
        labels = _kmeans_1d(times[peaks], k_anchor)
        best: dict[int, int] = {}
        for p, g in zip(peaks.tolist(), labels.tolist()):
            if g not in best or s[p] > s[best[g]]:
                best[g] = p
        anchors = np.array(sorted(best.values()), dtype=np.int64)
    else:
        anchors = peaks
    if len(anchors) < k_anchor:
        rest = np.setdiff1d(np.lexsort((np.arange(len(s)), -s)), anchors, assume_unique=False)
        ranked = rest[np.argsort(-s[rest], kind="stable")]
        anchors = np.unique(np.concatenate([anchors, ranked[: k_anchor - len(anchors)]]))
    return anchors


@register(
    "clips",
    summary="short coherent clips around relevant scenes; longer clips at lower resolution",
    paper="F2C, arXiv 2510.02262; K-frames, arXiv 2510.13891",
)
def clips(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    tokens: TokenBudget | None = None,
    s_max: float = 2.0,
    lambda_r: float = 0.5,
    lambda_l: float = 0.05,
    anchors: int = 0,
) -> Picks:
    n = len(scores)
    s_max = max(1.0, float(s_max))
    scalable = tokens is not None and tokens.scalable
    if tokens is not None:
        k = min(tokens.max_frames(1.0), budget) if not scalable else tokens.max_frames(1.0)
    else:
        k = budget
    k = max(1, k)
    if scalable:
        k_anchor = anchors if anchors > 0 else k
    else:
        k_anchor = anchors if anchors > 0 else max(1, math.ceil(k / (s_max * s_max)))
    k_anchor = min(k_anchor, n, budget)
    lo, hi = float(scores.min()), float(scores.max())
    rel = (scores - lo) / (hi - lo) if hi > lo else np.zeros(n)
    anchor_pos = select_anchors(rel, times, k_anchor)

    l_max = max(1, int(math.floor(s_max * s_max * k / k_anchor)))
    if not scalable:
        l_max = max(1, min(l_max, int(s_max * s_max)))
    csum_rel = np.concatenate([[0.0], np.cumsum(rel)])
    # Redundancy is counted above the video's usual similarity of neighbouring candidates: F2C's
    # lambdas were set on SigLIP2 embeddings; framesift's colour/layout features make every pair of
    # neighbours look alike, and an absolute penalty would then forbid every clip.
    adjacent = np.einsum("ij,ij->i", features[1:], features[:-1]) if n > 1 else np.ones(1)
    baseline = float(np.median(adjacent))

    clips_: list[tuple[int, int, float, int]] = []  # (start, length, downscale, anchor)
    for a in anchor_pos.tolist():
        # Every window of up to l_max around the anchor lies in this block; its Gram matrix gives
        # each window's pairwise cosines without touching the rest of the video.
        b0, b1 = max(0, a - l_max), min(n, a + l_max + 1)
        block = features[b0:b1].astype(np.float64)
        gram = block @ block.T
        best_l, best_obj = 1, -np.inf
        for l in range(1, min(l_max, n) + 1):
            start = min(max(0, a - (l - 1) // 2), n - l)
            mean_rel = (csum_rel[start + l] - csum_rel[start]) / l
            if l > 1:
                w = start - b0
                # sum over ordered pairs of cosines = window Gram sum - its diagonal, so the mean is:
                sub = gram[w : w + l, w : w + l]
                red = (float(sub.sum()) - float(np.trace(sub))) / (l * (l - 1)) - baseline
            else:
                red = 0.0
            obj = mean_rel - lambda_r * red + lambda_l * l / l_max
            if obj > best_obj + 1e-12:
                best_l, best_obj = l, obj
        start = min(max(0, a - (best_l - 1) // 2), n - best_l)
        down = min(s_max, max(1.0, math.sqrt(k_anchor * best_l / k))) if scalable else 1.0
        clips_.append((start, best_l, down, a))

    def assemble(cl):
        scale_of: dict[int, float] = {}
        role_of: dict[int, str] = {}
        for start, length, down, a in cl:
            for j in range(start, start + length):
                sc = 1.0 / down
                if sc > scale_of.get(j, 0.0):  # a frame in two clips keeps the higher resolution
                    scale_of[j] = sc
                    role_of[j] = "clip anchor" if j == a else f"clip of {length} around {times[a]:.1f}s"
        pos = sorted(scale_of)
        return pos, [role_of[j] for j in pos], [scale_of[j] for j in pos]

    # Weakest anchors give way first when the frame cap or the token budget is exceeded.
    order = sorted(range(len(clips_)), key=lambda i: (rel[clips_[i][3]], -clips_[i][3]))
    while True:
        pos, roles, scales = assemble(clips_)
        over_frames = len(pos) > budget
        over_tokens = tokens is not None and tokens.cost(scales) > tokens.limit
        if not (over_frames or over_tokens) or not clips_:
            break
        victim = next(i for i in order if clips_[i][1] > 0)
        start, length, down, a = clips_[victim]
        if length > 1:  # shorten from the end farther from the anchor
            if a - start >= start + length - 1 - a:
                start += 1
            clips_[victim] = (start, length - 1, down, a)
        else:
            clips_[victim] = (start, 0, down, a)
            order.remove(victim)
    # Budget left over (clips came out short, or anchors coincide): grow the clips of the best
    # anchors by one neighbour at a time, round robin, while frames and tokens allow. More context
    # around the relevant moments is what clips are for; isolated fill frames are not.
    taken = set(pos)
    total = len(pos)
    cap = min(budget, n)
    best_first = sorted(range(len(clips_)), key=lambda i: (-rel[clips_[i][3]], clips_[i][3]))
    grew = True
    while grew and total < cap:
        grew = False
        for i in best_first:
            if total >= cap:
                break
            start, length, down, a = clips_[i]
            if length == 0:
                continue
            left, right = start - 1, start + length
            options = [j for j in (left, right) if 0 <= j < n and j not in taken]
            if not options:
                continue
            j = max(options, key=lambda x: (rel[x], -x))
            if tokens is not None:
                trial = tokens.cost(list(scales) + [1.0 / down])
                if trial > tokens.limit:
                    continue
            scales = list(scales) + [1.0 / down]
            pos = list(pos) + [j]
            roles = list(roles) + [f"clip of {length + 1} around {times[a]:.1f}s"]
            clips_[i] = (min(start, j), length + 1, down, a)
            taken.add(j)
            total += 1
            grew = True
    return Picks.of(pos, roles, scales if tokens is not None else None)
