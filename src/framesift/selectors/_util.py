"""Small helpers shared by the literature strategies (no registry entries here)."""

from __future__ import annotations

import numpy as np


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores scaled to [0, 1] over the video; all zeros when the curve is flat."""
    lo, hi = float(scores.min()), float(scores.max())
    return (scores - lo) / (hi - lo) if hi > lo else np.zeros(len(scores))


def nearest_free(times: np.ndarray, taken: np.ndarray, t: float, lo: int = 0, hi: int | None = None) -> int:
    """The untaken candidate in ``[lo, hi)`` closest in time to ``t`` (earlier on ties), or -1.

    Scans outwards from the insertion point, so it costs the distance to the answer, not N.
    """
    hi = len(times) if hi is None else hi
    if lo >= hi:
        return -1
    right = int(np.searchsorted(times, t, side="left", sorter=None))
    right = min(max(right, lo), hi)
    left = right - 1
    while left >= lo or right < hi:
        while left >= lo and taken[left]:
            left -= 1
        while right < hi and taken[right]:
            right += 1
        if left >= lo and right < hi:
            return left if t - times[left] <= times[right] - t else right
        if left >= lo:
            return left
        if right < hi:
            return right
    return -1


def fill_uniform(times: np.ndarray, taken: np.ndarray, count: int) -> list[int]:
    """``count`` untaken candidates nearest to evenly spaced times (marks them taken)."""
    out: list[int] = []
    t0, t1 = float(times[0]), float(times[-1])
    for i in range(count):
        j = nearest_free(times, taken, t0 + (i + 0.5) * (t1 - t0) / count)
        if j < 0:
            break
        taken[j] = True
        out.append(j)
    return out


def stratified_best(scores: np.ndarray, times: np.ndarray, bins: int) -> list[int]:
    """The best candidate of each of ``bins`` equal time bins (ties: nearest the bin centre);
    empty bins are skipped. The per-bucket argmax of PEEK and TSPO's ``bin-max``."""
    t0, t1 = float(times[0]), float(times[-1])
    if t1 <= t0:
        order = np.lexsort((np.arange(len(scores)), -scores))
        return order[:bins].tolist()
    edges = t0 + (t1 - t0) * np.arange(bins + 1) / bins
    cuts = np.searchsorted(times, edges, side="left")
    cuts[-1] = len(times)
    out = []
    for b in range(bins):
        a, z = int(cuts[b]), int(cuts[b + 1])
        if z <= a:
            continue
        seg = scores[a:z]
        centre = 0.5 * (edges[b] + edges[b + 1])
        j = np.lexsort((np.abs(times[a:z] - centre), -seg))[0]
        out.append(a + int(j))
    return out


_CONTROLLER = None


def one_blas_thread():
    """A context in which BLAS runs on one thread (a no-op without threadpoolctl).

    The matrices here are small (at most a few hundred rows): splitting them over BLAS threads
    costs more than it saves, and on a busy machine the threads wait for each other. Measured on
    the 2-core build VM at load 9.6: videotree 9 ms on one thread, 69 ms on two.
    """
    global _CONTROLLER
    try:
        if _CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        return _CONTROLLER.limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - threadpoolctl missing or unusable: run as is
        import contextlib

        return contextlib.nullcontext()


def candidate_pool(scores: np.ndarray, times: np.ndarray, size: int) -> np.ndarray:
    """Sorted positions of at most ~``size`` candidates worth comparing pairwise: the ``size/2``
    most relevant plus the best of each of ``size/2`` equal time bins (all of them when
    ``n <= size``).

    Greedy rules that compare every pick with every candidate (MMR, farthest-point coverage)
    cost ``O(k * n * D)``; on an hour at 1 fps with 768-d features that is ~180 M multiply-adds
    for k = 64, over the 20 ms a selector may take. Carbonell & Goldstein's MMR reranks a
    retrieved list rather than the whole collection; the time bins keep every part of the video
    in that list even when relevance is flat, so coverage is not lost.
    """
    n = len(scores)
    if n <= size:
        return np.arange(n)
    half = size // 2
    top = np.lexsort((np.arange(n), -scores))[:half]
    return np.unique(np.concatenate([top, np.asarray(stratified_best(scores, times, half), dtype=np.int64)]))
