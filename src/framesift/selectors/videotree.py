"""``videotree``: cluster the candidates on what they look like, keep the relevant clusters, and
descend into them (VideoTree-style).

Wang et al., "VideoTree: Adaptive Tree-based Video Representation for LLM Reasoning on Long
Videos", CVPR 2025, arXiv 2405.19209. The released pipeline (EgoSchema):

1. **adaptive breadth**: k-means on the frame features into ``c = 8`` clusters
   (``init_clusters``); each cluster's representative is the frame nearest its centroid; an LLM
   rates every representative's relevance 1, 2 or 3; while fewer than 4 (``iter_threshold``)
   clusters are rated 3 and ``c < 32`` (``max_clusters``), double ``c`` and cluster again;
2. **relevance-guided depth**: relevance 1 keeps only the representative, 2 splits the cluster
   into 4 sub-clusters (``branch``) and keeps each one's representative, 3 splits two levels
   deep (4 x 4);
3. the kept frames, sorted by time, are the selection.

framesift has no LLM in the loop: a cluster's relevance is read off the relevance scores
instead -- its best min-max normalised score, rated 3 at or above ``high`` (0.8), 2 at or above
``mid`` (0.5), else 1 -- which answers the same question ("does this cluster hold what the
question asks about?"). Other differences: sub-clusters come from k-means (spherical, a few
Lloyd steps) instead of Ward agglomeration, to stay within milliseconds; and because the tree's
size is not a budget, frames are taken tier by tier until the budget is spent (representatives
of level-3 clusters, their sub-clusters, level-2 representatives and sub-clusters, the second
level under level 3, level-1 representatives), each tier by relevance; a budget larger than the
tree is filled with the best remaining scores. Features wider than 64 dimensions are randomly
projected to 64 for clustering (see ``_narrow``). For speed on long videos (one hour at 1 fps) the
tree is built over at most ``max_points`` candidates: the best-scoring quarter of them plus the
rest evenly spaced in time (VideoTree's own inputs are 3-minute videos, about 180 frames).
Deterministic: the k-means start is farthest-point
seeding from the frame nearest the mean (no random restarts).
"""

from __future__ import annotations

import numpy as np

from ._util import minmax, one_blas_thread
from .base import Picks, register


def _kmeans(x: np.ndarray, c: int, iters: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means: (labels, representative row of each cluster), clusters never empty."""
    n = len(x)
    c = min(c, n)
    mean = x.mean(axis=0)
    first = int(np.argmax(x @ mean))
    centres = [first]
    closest = x @ x[first]
    for _ in range(1, c):  # farthest-point seeding: each new seed least similar to all seeds so far
        j = int(np.argmin(closest))
        centres.append(j)
        closest = np.maximum(closest, x @ x[j])
    cent = x[centres].copy()
    labels = np.argmax(x @ cent.T, axis=1)
    for _ in range(iters):
        onehot = np.zeros((c, n), dtype=x.dtype)
        onehot[labels, np.arange(n)] = 1.0
        sums = onehot @ x
        counts = np.bincount(labels, minlength=c)
        empty = counts == 0
        sums[empty] = cent[empty]  # an emptied cluster keeps its old centre
        norm = np.linalg.norm(sums, axis=1, keepdims=True)
        cent = sums / np.maximum(norm, 1e-12)
        new = np.argmax(x @ cent.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    sims = np.sum(x * cent[labels], axis=1)
    reps = np.full(c, -1, dtype=np.int64)
    for k in range(c):  # representative: the member nearest its centroid (earliest on ties)
        members = np.flatnonzero(labels == k)
        if len(members):
            reps[k] = members[int(np.argmax(sims[members]))]
    keep = reps >= 0
    remap = np.cumsum(keep) - 1
    return remap[labels], reps[keep]


def _select(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    init_clusters: int,
    max_clusters: int,
    iter_threshold: int,
    branch: int,
    high: float,
    mid: float,
    max_points: int,
) -> Picks:
    k = min(budget, len(scores))
    sub = _subsample(scores, times, max(max_points, 2 * k))
    scores, times = scores[sub], times[sub]
    n = len(scores)
    rel = minmax(scores)
    x = _narrow(features[sub].astype(np.float32))

    c = max(1, init_clusters)
    while True:
        labels, reps = _kmeans(x, c)
        nc = len(reps)
        cl_rel = np.full(nc, -1.0)
        np.maximum.at(cl_rel, labels, rel)
        level = np.where(cl_rel >= high, 3, np.where(cl_rel >= mid, 2, 1))
        if (level == 3).sum() >= iter_threshold or c >= max_clusters or nc < c:
            break
        c *= 2

    chosen: list[int] = []
    roles: list[str] = []
    taken = np.zeros(n, dtype=bool)

    def add(js, role: str) -> None:
        for j in js:
            if len(chosen) < k and not taken[j]:
                taken[j] = True
                chosen.append(int(j))
                roles.append(role)

    def by_score(js) -> list[int]:
        js = np.asarray(js, dtype=np.int64)
        return js[np.lexsort((js, -scores[js]))].tolist()

    def subclusters(members: np.ndarray) -> tuple[list[np.ndarray], list[int]]:
        """Sub-groups of ``members`` and each one's representative (nearest its centroid)."""
        sub_labels, sub_rep = _kmeans(x[members], branch)
        groups = [members[sub_labels == g] for g in range(len(sub_rep))]
        return groups, by_score(members[sub_rep])

    order = np.lexsort((np.arange(nc), -cl_rel))  # most relevant cluster first
    members_of = {int(ci): np.flatnonzero(labels == ci) for ci in order}
    lvl3 = [int(ci) for ci in order if level[ci] == 3]
    lvl2 = [int(ci) for ci in order if level[ci] == 2]
    lvl1 = [int(ci) for ci in order if level[ci] == 1]

    add([reps[ci] for ci in lvl3], "relevant cluster")
    groups3 = {}
    for ci in lvl3:
        if len(chosen) >= k:
            break
        groups3[ci], reps3 = subclusters(members_of[ci])
        add(reps3, "relevant cluster, sub-cluster")
    add([reps[ci] for ci in lvl2], "related cluster")
    for ci in lvl2:
        if len(chosen) >= k:
            break
        add(subclusters(members_of[ci])[1], "related cluster, sub-cluster")
    for ci in lvl3:
        for g in groups3.get(ci, []):
            if len(chosen) >= k:
                break
            add(subclusters(g)[1], "relevant cluster, second level")
    add([reps[ci] for ci in lvl1], "other cluster")
    if len(chosen) < k:
        rest = np.flatnonzero(~taken)
        add(by_score(rest), "best remaining score")
    return Picks.of(sub[chosen], roles)


_PROJECTIONS: dict[int, np.ndarray] = {}
_CLUSTER_DIM = 64


def _narrow(x: np.ndarray) -> np.ndarray:
    """Features wider than 64 dimensions, randomly projected to 64 for clustering.

    A fixed orthonormal projection (Johnson-Lindenstrauss) keeps cosines within about +-0.1,
    well inside the gap between one scene and another, and makes k-means on 768-d SigLIP
    features as cheap as on 64-d ones. Deterministic: the projection depends only on the width.
    """
    d = x.shape[1]
    if d <= _CLUSTER_DIM:
        return x
    if d not in _PROJECTIONS:
        q, _ = np.linalg.qr(np.random.default_rng(d).normal(size=(d, _CLUSTER_DIM)))
        _PROJECTIONS[d] = (q * np.sqrt(d / _CLUSTER_DIM)).astype(np.float32)
    y = x @ _PROJECTIONS[d]
    return y / np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-12)


def _subsample(scores: np.ndarray, times: np.ndarray, size: int) -> np.ndarray:
    """Sorted positions: everything if ``size >= N``, else the best ``size // 4`` scores plus
    candidates nearest to evenly spaced times."""
    n = len(scores)
    if size >= n:
        return np.arange(n)
    taken = np.zeros(n, dtype=bool)
    taken[np.lexsort((np.arange(n), -scores))[: size // 4]] = True
    grid = np.searchsorted(times, np.linspace(times[0], times[-1], size - size // 4), side="left")
    taken[np.minimum(grid, n - 1)] = True
    short = size - int(taken.sum())
    if short > 0:  # grid points collided (irregular or equal times): top up with the next best scores
        rest = np.flatnonzero(~taken)
        taken[rest[np.lexsort((rest, -scores[rest]))[:short]]] = True
    return np.flatnonzero(taken)


@register(
    "videotree",
    summary="VideoTree-style: k-means on visuals, expand relevant clusters into sub-clusters",
    paper="Wang et al., VideoTree, CVPR 2025, arXiv 2405.19209",
)
def videotree(
    scores: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    init_clusters: int = 8,
    max_clusters: int = 32,
    iter_threshold: int = 4,
    branch: int = 4,
    high: float = 0.8,
    mid: float = 0.5,
    max_points: int = 512,
) -> Picks:
    with one_blas_thread():
        return _select(
            scores, features, times, budget, init_clusters, max_clusters, iter_threshold, branch, high, mid, max_points
        )
