"""Coarse-to-fine visual scoring: embed a tenth of the candidates, rank all of them.

Scoring every 1 fps candidate of an hour with a dual image-text encoder costs 3 to 24 minutes on
a laptop CPU (CLIP-B/32 int8 ... SigLIP-B/16 fp32), far more than decoding the hour. Most of that
work is wasted: the frames of one shot look alike, and most shots have nothing to do with the
question. This module spends the embeddings where they change the ranking.

Published relatives (see ``shared/research/methods.md``):

* **T\\* / TStar** (Ye et al., CVPR 2025, arXiv 2504.02259): iterative temporal search -- score a
  sparse sample, fit a distribution over time, sample more where it is high, until the budget
  (0.1 x the 1 fps frame count) is spent.
* **VideoZoomer** / **LOVE-R1** (slow-fast): look at the whole video cheaply first, then zoom into
  the promising stretches at full rate.
* **VideoTree** (Wang et al., CVPR 2025, arXiv 2405.19209): one representative per cluster of
  visually similar frames, expand only the clusters found relevant.

What is different here: the structure comes for free from signals the foundation computes
anyway (low-level colour/layout features and the event scan), no detector or LLM is in the
loop, and the refinement rule is a level-set acquisition (the *straddle* rule of Bryan et al.,
"Active learning for identifying function threshold boundaries", NIPS 2005): embed the
candidates whose estimated score is closest to the top-K threshold relative to how unsure the
estimate is. That focuses the budget on the question "is this frame among the best K?", which is
the only thing a frame selector needs answered.

The algorithm (pure function of arrays, no I/O; :func:`coarse_to_fine`):

1. **Spans.** Consecutive candidates whose low-level features differ by more than
   ``cut_threshold`` (1 - cosine) or that sit at a non-transient event onset (a cut found by the
   decoded change scan) start a new span; spans longer than ``max_span_s`` are split evenly
   (the sparse uniform grid: no stretch of video goes unlooked-at). If there are more spans
   than the first pass may spend (``coarse_share`` of the budget), the most similar neighbouring
   spans are merged until they fit.
2. **First pass.** Every span without an exact row (embedded now or found in the cache) gets
   one representative: the candidate closest to the span's mean feature.
3. **Estimates.** An unembedded candidate takes the score of the embedded candidates on either
   side of it *within its span*, weighted by feature similarity and time distance. Its
   uncertainty grows with its feature distance and time distance to them, with the
   disagreement of the two neighbours, and when it is an event frame (something happened there
   that its neighbours do not show, e.g. a caption or a flash).
4. **Refinement rounds.** Threshold ``thr`` = the ``stable_k``-th best current score. Each
   round embeds up to ``round_share`` x budget candidates with the largest positive
   ``kappa * sigma_i - |est_i - thr|`` (at most one per ``suppress_s`` seconds of a span per
   round), i.e. spans whose representatives score high, or whose neighbours disagree, or where
   something the representatives do not show happens. It stops when the budget is spent, when
   no candidate straddles the threshold any more, or when the top-``stable_k`` set has not
   changed for ``patience`` rounds.

Output: a score for every candidate (exact where embedded, estimated elsewhere and marked so),
the embedded mask, the new rows (for the index to store) and a per-round log for the manifest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "CoarseToFineConfig",
    "CoarseToFineResult",
    "RoundLog",
    "EmbedFn",
    "coarse_to_fine",
    "find_spans",
]

#: ``embed(positions) -> (k, D)`` float32 unit rows for the candidates at those positions.
EmbedFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class CoarseToFineConfig:
    """Parameters of :func:`coarse_to_fine` (defaults tuned on ``benchmarks/bench_coarse_to_fine.py``)."""

    cut_threshold: float = 0.4  # 1 - cos of low-level features that starts a new span
    max_span_s: float = 30.0  # no span longer than this (the sparse uniform grid)
    coarse_share: float = 0.8  # at most this share of the budget on the first pass
    round_share: float = 0.1  # each refinement round spends up to this share of the budget
    kappa: float = 3.0  # straddle rule: kappa * sigma - |est - thr|
    sigma_floor: float = 0.1  # uncertainty of an estimate that looks exactly like its neighbour (x spread)
    event_uncertainty: float = 1.0  # extra uncertainty of an event frame (x spread); transient events 1.5x that
    suppress_s: float = 2.0  # within one round, picks in one span at least this far apart
    stable_k: int = 32  # the ranking that must stop changing: the top stable_k set
    patience: int = 3  # rounds without change of that set before stopping (0: never)
    max_rounds: int = 50


@dataclass(frozen=True)
class RoundLog:
    """What one round embedded and why (one entry of the manifest's ``visual.rounds``)."""

    round: int
    why: str
    embedded: int
    reused: int
    spans: int
    seconds: float
    top_changed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "round": self.round,
            "why": self.why,
            "embedded": self.embedded,
            "reused_from_cache": self.reused,
            "spans": self.spans,
            "seconds": round(self.seconds, 4),
        }
        if self.top_changed is not None:
            d["top_changed"] = self.top_changed
        return d


@dataclass
class CoarseToFineResult:
    """Scores of every candidate and the accounting of how they were obtained.

    ``scores``: ``(N,)`` float32, exact (cosine with the query, max over query rows) where
    ``embedded``, estimated elsewhere; ``estimated`` = ``~embedded``. ``new_positions`` /
    ``new_rows``: what was embedded in this call (for the index to store; cached rows are not
    repeated). ``spans``: ``(N,)`` span id after merging.
    """

    scores: np.ndarray
    embedded: np.ndarray
    spans: np.ndarray
    new_positions: np.ndarray
    new_rows: np.ndarray
    reused: int
    budget: int
    rounds: list[RoundLog] = field(default_factory=list)
    stopped: str = ""

    @property
    def estimated(self) -> np.ndarray:
        return ~self.embedded

    @property
    def spent(self) -> int:
        """Embeddings computed (charged against the budget); cached rows are not counted."""
        return int(len(self.new_positions))

    def to_manifest(self) -> dict[str, Any]:
        """The manifest's account of the visual channel's spending (proposed ``signals.visual_model.embedding``)."""
        return {
            "method": "coarse-to-fine",
            "embed_budget": self.budget,
            "frames_embedded": self.spent,
            "frames_reused_from_cache": self.reused,
            "frames_estimated": int(self.estimated.sum()),
            "candidates": int(len(self.scores)),
            "spans": int(self.spans.max() + 1) if len(self.spans) else 0,
            "stopped": self.stopped,
            "rounds": [r.to_dict() for r in self.rounds],
        }


# --------------------------------------------------------------------------------------------
# Spans
# --------------------------------------------------------------------------------------------


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-8)


def find_spans(
    times: np.ndarray,
    features: np.ndarray,
    *,
    events: np.ndarray | None = None,
    transient: np.ndarray | None = None,
    cut_threshold: float = 0.4,
    max_span_s: float = 30.0,
) -> np.ndarray:
    """Split candidates into visually homogeneous spans; returns ``(N,)`` int span ids, 0-based, in time order.

    A new span starts where the low-level features change by more than ``cut_threshold`` from the
    previous candidate, or at a non-transient event onset (``events > 0`` and not ``transient``:
    a cut the change scan found) that also changes the features by at least half the threshold.
    Transient events (flashes, captions that come and go) do not start spans: they are a moment
    *inside* a shot, handled by the refinement's event uncertainty. Spans longer than
    ``max_span_s`` seconds are split into equal-time pieces.
    """
    n = len(times)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    f = _unit(np.asarray(features, dtype=np.float32).reshape(n, -1))
    change = np.zeros(n, dtype=np.float32)
    change[1:] = 1.0 - np.einsum("ij,ij->i", f[1:], f[:-1])
    cut = change > cut_threshold
    if events is not None:
        ev = np.asarray(events) > 0
        tr = np.zeros(n, bool) if transient is None else np.asarray(transient, dtype=bool)
        cut |= ev & ~tr & (change > 0.5 * cut_threshold)
    cut[0] = False
    starts = np.concatenate([[0], np.flatnonzero(cut), [n]])
    ids = np.zeros(n, dtype=np.int64)
    t = np.asarray(times, dtype=np.float64)
    next_id = 0
    for a, b in zip(starts[:-1], starts[1:]):
        length = float(t[b - 1] - t[a])
        pieces = max(1, math.ceil(length / max_span_s)) if max_span_s > 0 else 1
        if pieces == 1:
            ids[a:b] = next_id
        else:
            edges = t[a] + (t[b - 1] - t[a]) * np.arange(1, pieces) / pieces
            ids[a:b] = next_id + np.searchsorted(edges, t[a:b], side="right")
        next_id = int(ids[b - 1]) + 1
    # Renumber densely (an equal-time piece can be empty when candidates are irregular).
    _, dense = np.unique(ids, return_inverse=True)
    return dense.astype(np.int64)


def _span_starts(spans: np.ndarray) -> np.ndarray:
    """First position of each span (span ids are contiguous runs numbered in time order)."""
    return np.concatenate([[0], np.flatnonzero(np.diff(spans)) + 1])


def _merge_spans(spans: np.ndarray, features: np.ndarray, has_exact: np.ndarray, cap: int) -> np.ndarray:
    """Merge the most similar neighbouring spans until at most ``cap`` spans lack an exact row.

    Similarity of two spans = cosine of their mean features. Deterministic: ties merge the earlier pair.
    """
    n_spans = int(spans.max()) + 1
    starts = _span_starts(spans)
    sums = np.add.reduceat(features.astype(np.float64), starts, axis=0)
    exact = np.logical_or.reduceat(has_exact, starts)
    # Doubly linked list of live spans in time order.
    members = list(range(n_spans))  # representative id of each original span after merging
    live = list(range(n_spans))
    need = int((~exact).sum())
    if need <= cap:
        return spans
    means = _unit(sums)
    sim = np.einsum("ij,ij->i", means[:-1], means[1:]) if n_spans > 1 else np.zeros(0)
    sums_l = [sums[i] for i in range(n_spans)]
    exact_l = exact.tolist()
    sim_l = sim.tolist()  # sim_l[k] = similarity of live[k] and live[k+1]
    while need > cap and len(live) > 1:
        k = int(np.argmax(sim_l))
        a, b = live[k], live[k + 1]
        need -= int(not exact_l[a]) + int(not exact_l[b]) - int(not (exact_l[a] or exact_l[b]))
        sums_l[a] = sums_l[a] + sums_l[b]
        exact_l[a] = exact_l[a] or exact_l[b]
        members[b] = a
        del live[k + 1]
        del sim_l[k]
        ma = sums_l[a] / max(np.linalg.norm(sums_l[a]), 1e-8)
        if k > 0:
            p = live[k - 1]
            sim_l[k - 1] = float(ma @ (sums_l[p] / max(np.linalg.norm(sums_l[p]), 1e-8)))
        if k < len(live) - 1:
            q = live[k + 1]
            sim_l[k] = float(ma @ (sums_l[q] / max(np.linalg.norm(sums_l[q]), 1e-8)))
    # Resolve chains of merges, then renumber in time order.
    root = np.arange(n_spans)
    for i in range(n_spans):
        r = i
        while members[r] != r:
            r = members[r]
        root[i] = r
    _, dense = np.unique(root[spans], return_inverse=True)
    return dense.astype(np.int64)


def _representatives(spans: np.ndarray, features: np.ndarray, needs: np.ndarray, is_event: np.ndarray) -> np.ndarray:
    """For each span id in ``needs``: the candidate closest to the span's mean feature (earliest on ties).

    Event frames are passed over when the span has other candidates: a representative stands
    for the span, and a flash does not.
    """
    out = []
    order = np.argsort(spans, kind="stable")
    bounds = np.searchsorted(spans[order], np.arange(int(spans.max()) + 2))
    for s in needs.tolist():
        idx = order[bounds[s] : bounds[s + 1]]
        if (~is_event[idx]).any():
            idx = idx[~is_event[idx]]
        mean = _unit(features[idx].mean(axis=0, keepdims=True))[0]
        out.append(int(idx[int(np.argmax(features[idx] @ mean))]))
    return np.asarray(sorted(out), dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Estimates of unembedded candidates
# --------------------------------------------------------------------------------------------


def _estimate(
    exact: np.ndarray,
    scores: np.ndarray,
    spans: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    event_u: np.ndarray,
    cfg: CoarseToFineConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Estimates from non-event exact rows where a span has them, else from any exact row.

    An event frame (a flash, a caption that comes and goes) describes only itself: its score
    must not spread to the ordinary frames of its shot.
    """
    is_event = event_u > 0
    est_all, unc_all = _estimate_from(exact, exact, scores, spans, features, times, event_u, cfg)
    plain = exact & ~is_event
    if not plain.any() or plain.sum() == exact.sum():
        return est_all, unc_all
    est_p, unc_p = _estimate_from(exact, plain, scores, spans, features, times, event_u, cfg)
    use = np.isfinite(unc_p) & (unc_p < 3.0)  # a plain neighbour exists in the span
    return np.where(use, est_p, est_all), np.where(use, unc_p, unc_all)


def _estimate_from(
    exact: np.ndarray,
    source: np.ndarray,
    scores: np.ndarray,
    spans: np.ndarray,
    features: np.ndarray,
    times: np.ndarray,
    event_u: np.ndarray,
    cfg: CoarseToFineConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Estimated score and uncertainty (in units of the score spread) of every candidate.

    Exact rows: their score, uncertainty 0. Others: a weighted mean of the nearest exact rows on
    either side within the same span (weight = feature similarity kernel / time distance);
    uncertainty = distance to the closest of them (features in units of the cut threshold plus
    time in units of the longest span) + half the disagreement of the two sides + the event term.
    """
    n = len(scores)
    pos = np.flatnonzero(source)
    est = scores.astype(np.float64).copy()
    unc = np.zeros(n, dtype=np.float64)
    if len(pos) == 0:
        return np.zeros(n), np.full(n, 10.0)
    idx = np.arange(n)
    k = np.searchsorted(pos, idx)  # first exact position >= i
    left = pos[np.clip(k - 1, 0, len(pos) - 1)]
    right = pos[np.clip(k, 0, len(pos) - 1)]
    has_l = (k - 1 >= 0) & (spans[left] == spans)
    has_r = (k < len(pos)) & (spans[right] == spans)
    spread = _spread(scores[exact])
    hf, ht = cfg.cut_threshold / 2.0, cfg.max_span_s / 4.0

    def side(j: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d_f = 1.0 - np.einsum("ij,ij->i", features, features[j])
        d_t = np.abs(times - times[j])
        w = np.exp(-np.maximum(d_f, 0.0) / hf) / (1.0 + d_t / ht)
        u = np.maximum(d_f, 0.0) / cfg.cut_threshold + d_t / cfg.max_span_s
        return np.where(ok, w, 0.0), np.where(ok, u, np.inf)

    wl, ul = side(left, has_l)
    wr, ur = side(right, has_r)
    sl, sr = scores[left].astype(np.float64), scores[right].astype(np.float64)
    wsum = wl + wr
    both = has_l & has_r
    mean = np.where(wsum > 0, (wl * sl + wr * sr) / np.maximum(wsum, 1e-12), np.where(has_l, sl, sr))
    u = np.minimum(ul, ur) + np.where(both, 0.5 * np.abs(sl - sr) / spread, 0.0)
    # A span with no exact row (only when the budget could not cover every span): fall back to
    # the nearest exact row anywhere, with a large uncertainty.
    lonely = ~(has_l | has_r)
    if lonely.any():
        near = np.where(np.abs(times - times[left]) <= np.abs(times - times[right]), left, right)
        mean = np.where(lonely, scores[near], mean)
        u = np.where(lonely, 3.0, u)
    todo = ~exact
    est[todo] = mean[todo]
    unc[todo] = u[todo] + event_u[todo]
    return est, unc


def _spread(s: np.ndarray) -> float:
    """Robust spread of the exact scores (MAD x 1.4826, falling back to the std), never 0."""
    if len(s) < 2:
        return 1e-3
    med = float(np.median(s))
    mad = float(np.median(np.abs(s - med))) * 1.4826
    return max(mad, 0.25 * float(np.std(s)), 1e-4)


def _span_threshold(est: np.ndarray, spans: np.ndarray, k: int) -> float:
    """The k-th best *span* maximum of the estimates (the bar a candidate must clear to matter).

    Frame-level top-k would put the bar inside the best shot, and refinement would then be spent
    ordering frames of one shot that look alike; selectors pick distinct moments, so the ranking
    that matters is which spans hold the best frames.
    """
    best = np.sort(np.maximum.reduceat(est, _span_starts(spans)))[::-1]
    return float(best[min(k, len(best)) - 1])


def _top_set(scores: np.ndarray, k: int) -> np.ndarray:
    order = np.lexsort((np.arange(len(scores)), -scores))
    return np.sort(order[:k])


# --------------------------------------------------------------------------------------------
# The algorithm
# --------------------------------------------------------------------------------------------


def coarse_to_fine(
    times: np.ndarray,
    features: np.ndarray,
    query: np.ndarray,
    embed: EmbedFn,
    budget: int,
    *,
    events: np.ndarray | None = None,
    transient: np.ndarray | None = None,
    cached_positions: np.ndarray | None = None,
    cached_rows: np.ndarray | None = None,
    config: CoarseToFineConfig | None = None,
    spans: np.ndarray | None = None,
) -> CoarseToFineResult:
    """Score all ``N`` candidates against ``query`` while embedding at most ``budget`` of them.

    Args:
        times: ``(N,)`` candidate times in seconds, non-decreasing (``analysis.candidates.time``).
        features: ``(N, F)`` low-level unit features (``analysis.features``): visual sameness.
        query: ``(D,)`` or ``(M, D)`` unit text embedding(s) of the query; a candidate's score is
            its best cosine over the ``M`` rows (phrases of an expanded prompt).
        embed: ``embed(positions) -> (k, D)`` unit image embeddings of the candidates at those
            positions (the visual embedder applied to their images); called once per round with
            sorted, new positions.
        budget: embeddings this call may compute. Rows in the cache do not count.
        events, transient: ``analysis.candidates.change`` / ``.transient`` (event strength and
            momentary events); optional.
        cached_positions, cached_rows: rows already embedded (from the index): reused, never
            recomputed or charged.
        config: tuning; see :class:`CoarseToFineConfig`.
        spans: :func:`find_spans` of these candidates with ``config``'s settings, when the caller
            keeps them (they are query-free: computed once per analysis, not per question).

    Returns:
        :class:`CoarseToFineResult`; deterministic for the same inputs.
    """
    cfg = config or CoarseToFineConfig()
    t = np.asarray(times, dtype=np.float64)
    n = len(t)
    if budget < 0:
        raise InputError(f"embedding budget must be >= 0 (got {budget})")
    f = _unit(np.asarray(features, dtype=np.float32).reshape(n, -1)) if n else np.zeros((0, 1), np.float32)
    q = np.atleast_2d(np.asarray(query, dtype=np.float32))
    dim = q.shape[1]
    ev = np.zeros(n, np.float32) if events is None else np.asarray(events, dtype=np.float32)
    tr = np.zeros(n, bool) if transient is None else np.asarray(transient, dtype=bool)
    event_u = np.where(ev > 0, cfg.event_uncertainty * np.where(tr, 1.5, 1.0), 0.0)

    exact = np.zeros(n, dtype=bool)
    scores = np.zeros(n, dtype=np.float64)
    reused = 0
    if cached_positions is not None and len(cached_positions):
        cp = np.asarray(cached_positions, dtype=np.int64)
        rows = np.asarray(cached_rows, dtype=np.float32).reshape(len(cp), -1)
        if rows.shape[1] != dim:
            raise ValueError(f"cached rows have dimension {rows.shape[1]}, the query {dim}")
        exact[cp] = True
        scores[cp] = (rows @ q.T).max(axis=1)
        reused = int(exact.sum())

    new_pos: list[np.ndarray] = []
    new_rows: list[np.ndarray] = []
    rounds: list[RoundLog] = []
    spent = 0

    def run_embed(positions: np.ndarray) -> None:
        nonlocal spent
        positions = np.asarray(
            sorted(set(int(p) for p in positions) - set(np.flatnonzero(exact).tolist())), dtype=np.int64
        )[: budget - spent]
        if len(positions) == 0:
            return
        rows = np.asarray(embed(positions), dtype=np.float32).reshape(len(positions), -1)
        if rows.shape[1] != dim:
            raise ValueError(f"embed returned dimension {rows.shape[1]}, the query has {dim}")
        scores[positions] = (rows @ q.T).max(axis=1)
        exact[positions] = True
        new_pos.append(positions)
        new_rows.append(rows)
        spent += len(positions)

    def result(spans: np.ndarray, stopped: str) -> CoarseToFineResult:
        est, _ = _estimate(exact, scores, spans, f, t, event_u, cfg)
        return CoarseToFineResult(
            scores=est.astype(np.float32),
            embedded=exact.copy(),
            spans=spans,
            new_positions=np.concatenate(new_pos) if new_pos else np.zeros(0, np.int64),
            new_rows=np.concatenate(new_rows) if new_rows else np.zeros((0, dim), np.float32),
            reused=reused,
            budget=int(budget),
            rounds=rounds,
            stopped=stopped,
        )

    if n == 0:
        return result(np.zeros(0, np.int64), "no candidates")
    todo = int((~exact).sum())
    if todo == 0:
        rounds.append(RoundLog(0, "every candidate was in the cache", 0, reused, 0, 0.0))
        return result(np.zeros(n, np.int64), "all cached")
    if budget >= todo:
        # Dense is affordable: nothing to be clever about.
        t0 = time.perf_counter()
        run_embed(np.flatnonzero(~exact))
        rounds.append(RoundLog(0, "budget covers every candidate: dense", spent, reused, 1, time.perf_counter() - t0))
        return result(np.zeros(n, np.int64), "all embedded")
    if budget == 0:
        rounds.append(RoundLog(0, "embedding budget 0: no visual scores", 0, reused, 0, 0.0))
        spans0 = (
            spans
            if spans is not None
            else find_spans(t, f, events=ev, transient=tr, cut_threshold=cfg.cut_threshold, max_span_s=cfg.max_span_s)
        )
        return result(spans0, "budget 0")

    # 1-2. Spans and the first pass.
    t0 = time.perf_counter()
    if spans is None:
        spans = find_spans(t, f, events=ev, transient=tr, cut_threshold=cfg.cut_threshold, max_span_s=cfg.max_span_s)
    found = int(spans.max()) + 1
    cap = max(1, min(budget, int(math.floor(cfg.coarse_share * budget))))
    spans = _merge_spans(spans, f, exact, cap)
    n_spans = int(spans.max()) + 1
    covered = np.logical_or.reduceat(exact, _span_starts(spans))
    needs = np.flatnonzero(~covered)
    run_embed(_representatives(spans, f, needs, ev > 0))
    why = f"first pass: one representative per span ({found} spans of <= {cfg.max_span_s:g} s"
    why += f", merged to {n_spans} to fit {cap} embeddings)" if n_spans < found else ")"
    if covered.any():
        why += f"; {int(covered.sum())} spans already had a cached row"
    rounds.append(RoundLog(0, why, spent, reused, n_spans, time.perf_counter() - t0))

    # 4. Refinement rounds.
    k_top = max(1, min(cfg.stable_k, n))
    per_round = max(1, int(math.ceil(cfg.round_share * budget)))
    est, unc = _estimate(exact, scores, spans, f, t, event_u, cfg)
    top = _top_set(est, k_top)
    unchanged = 0
    stopped = "budget used"
    for r in range(1, cfg.max_rounds + 1):
        if spent >= budget:
            stopped = "budget used"
            break
        if (~exact).sum() == 0:
            stopped = "all embedded"
            break
        t0 = time.perf_counter()
        spread = _spread(scores[exact])
        thr = _span_threshold(est, spans, k_top)
        sigma = spread * (cfg.sigma_floor + unc)
        acq = cfg.kappa * sigma - np.abs(est - thr)
        acq[exact] = -np.inf
        cand = np.flatnonzero(acq > 0)
        if len(cand) == 0:
            stopped = "ranking settled: no estimate straddles the top-k threshold"
            break
        order = cand[np.lexsort((cand, -acq[cand]))]
        take = min(per_round, budget - spent)
        picked: list[int] = []
        last_in_span: dict[int, list[float]] = {}
        for i in order.tolist():
            s = int(spans[i])
            if any(abs(t[i] - u) < cfg.suppress_s for u in last_in_span.get(s, ())):
                continue
            picked.append(i)
            last_in_span.setdefault(s, []).append(float(t[i]))
            if len(picked) >= take:
                break
        high = int(np.sum(est[picked] >= thr))
        n_ev = int(np.sum(ev[picked] > 0))
        before = spent
        run_embed(np.asarray(picked, dtype=np.int64))
        est, unc = _estimate(exact, scores, spans, f, t, event_u, cfg)
        new_top = _top_set(est, k_top)
        changed = int(k_top - len(np.intersect1d(new_top, top)))
        top = new_top
        why = (
            f"refine: {len(picked)} frames in {len(last_in_span)} spans whose estimate straddles the top-{k_top} "
            f"threshold ({high} estimated above it, {len(picked) - high} uncertain below; {n_ev} event frames)"
        )
        rounds.append(RoundLog(r, why, spent - before, 0, len(last_in_span), time.perf_counter() - t0, changed))
        unchanged = unchanged + 1 if changed == 0 else 0
        if cfg.patience and unchanged >= cfg.patience:
            stopped = f"ranking stable: top-{k_top} unchanged for {cfg.patience} rounds"
            break
    else:
        stopped = "round limit"
    if spent >= budget and not stopped.startswith("ranking"):
        stopped = "budget used"
    return result(spans, stopped)
