"""The ``visual`` channel: cosine of candidate images with the query's phrases, normalised per video.

Pooling over phrases (documented contract):

* within a group (the question's paraphrases, or one option's phrasings) the phrase embeddings are
  averaged and renormalised: the prompt-ensemble of CLIP (Radford et al. 2021, arXiv 2103.00020,
  sec. 3.1.4), which treats paraphrases as noisy views of one meaning;
* across groups (the question, option A, option B, ...) a candidate takes its **maximum**: a frame
  showing any one option is evidence for answering a multiple-choice question.

Normalisation per video: raw cosines of dual encoders live on a narrow, model-specific band
(SigLIP ~ -0.1..0.2, CLIP ~ 0.15..0.35) and differ between videos, so they cannot be fused with
the subtitle/OCR scores (absolute, in [0, 1]) as they are. A candidate's channel score is its
robust z-score within the video, ``z = (s - median) / max(1.4826 * MAD, MAD_FLOOR)``, mapped to
``clip(z / Z_FULL, 0, 1)``: typical frames score near 0 and a frame ``Z_FULL`` robust standard
deviations above the rest scores 1, the scale on which ``auto``'s outlier test and the text
channels' scores operate. ``MAD_FLOOR`` keeps a nearly static video (all cosines equal) from
turning noise into evidence.

With an embedding budget (:func:`visual_channel_budgeted`, issue 7) only some candidates are
embedded and the others get a coarse-to-fine estimate
(:mod:`framesift.scoring.coarse_to_fine`). Choices, documented here because they shape fusion:

* the per-video median and MAD are taken over **every** candidate's score, estimated ones
  included: dense scoring normalises over all candidates, the estimates stand in for the ones
  not embedded (interpolated from their own span, so they follow the video's make-up of shots),
  whereas the embedded rows alone are a biased sample -- refinement spends its embeddings near
  the top, which would pull the median up and every score down;
* an estimated score counts (a frame in a span whose representative matches is evidence even
  if it was never embedded: selectors need it to spread picks over a relevant shot), but at
  ``ESTIMATE_WEIGHT`` (0.95) of its normalised value, so that between a frame that was
  embedded and one only estimated at the same level the embedded one wins. Estimates are
  weighted means of their embedded neighbours, so they never exceed the best of them anyway;
* estimated rows have no cosine (``cosine`` is NaN there, as for frames never scored) and no
  winning phrase group (``which`` = -1); ``estimated`` marks them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..signals.embedders.base import Embedder
from ..signals.embedders.text import normalize
from ..signals.visual import VisualEmbeddings
from .coarse_to_fine import CoarseToFineConfig, coarse_to_fine, find_spans
from .embed_budget import parse_embed_budget, plan_question_budget
from .query import QueryPlan

__all__ = [
    "ESTIMATE_WEIGHT",
    "MAD_FLOOR",
    "VisualScores",
    "Z_FULL",
    "group_vectors",
    "normalise_per_video",
    "visual_channel_budgeted",
]

Z_FULL = 6.0
MAD_FLOOR = 0.003
ESTIMATE_WEIGHT = 0.95


@dataclass
class VisualScores:
    """Per candidate: raw cosine (best group), normalised channel score, and which group won."""

    cosine: np.ndarray  # (N,) float32, NaN where not embedded
    score: np.ndarray  # (N,) float32 in [0, 1], 0 where not embedded
    which: np.ndarray  # (N,) int64 index into plan.groups, -1 where not embedded
    estimated: np.ndarray | None = None  # (N,) bool: score estimated, not embedded (None: dense)


def normalise_per_video(raw: np.ndarray) -> np.ndarray:
    """``clip(robust_z / Z_FULL, 0, 1)`` over the finite entries; NaN -> 0."""
    out = np.zeros(raw.shape, dtype=np.float32)
    ok = np.isfinite(raw)
    if not ok.any():
        return out
    vals = raw[ok]
    med = float(np.median(vals))
    mad = float(np.median(np.abs(vals - med))) * 1.4826
    z = (vals - med) / max(mad, MAD_FLOOR)
    out[ok] = np.clip(z / Z_FULL, 0.0, 1.0)
    return out


def group_vectors(plan: QueryPlan, embedder: Embedder) -> np.ndarray:
    """``(G, D)`` unit text rows, one per phrase group: the renormalised mean of its phrases."""
    phrases = [p for _, ps in plan.groups for p in ps]
    owner = np.repeat(np.arange(len(plan.groups)), [len(ps) for _, ps in plan.groups])
    vecs = embedder.encode_texts(phrases)
    group_vecs = np.zeros((len(plan.groups), vecs.shape[1]), dtype=np.float32)
    np.add.at(group_vecs, owner, vecs)
    return normalize(group_vecs)


def visual_channel_budgeted(
    visual: VisualEmbeddings,
    plan: QueryPlan,
    embedder: Embedder,
    times: np.ndarray,
    features: np.ndarray,
    *,
    duration_s: float,
    embed_budget: int | str = "auto",
    events: np.ndarray | None = None,
    transient: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    config: CoarseToFineConfig | None = None,
    spans: np.ndarray | None = None,
) -> tuple[VisualScores, dict[str, Any]]:
    """The visual channel under an embedding budget; returns the scores and the manifest's ``embedding``.

    Rows already in ``visual`` (an earlier question, or the on-disk index) are reused and never
    embedded again; they are credited against the question's budget up to the first pass's
    share (:func:`~framesift.scoring.embed_budget.question_budget`), so a follow-up question
    computes at most a fifth of ``embed_budget`` anew. Rows embedded here are written into
    ``visual`` (through :meth:`VisualEmbeddings.ensure`), the one place the index saves them
    from. ``embed_budget``: embeddings this question may use (a number), ``"auto"`` (model speed and video length, with the span floor
    of :func:`~framesift.scoring.embed_budget.auto_embed_budget`) or ``"all"`` (dense: every
    candidate, as without a budget). ``spans``: the candidates' :func:`find_spans` (query-free,
    kept per analysis by the caller; computed here when None). The score of a candidate is its best cosine over the
    plan's phrase groups (each the renormalised mean of its phrases, :func:`group_vectors`).
    """
    spec = parse_embed_budget(embed_budget)
    cfg = config or CoarseToFineConfig()
    n = len(visual)
    cached = np.flatnonzero(visual.mask)
    todo = n - len(cached)
    t0 = time.perf_counter()
    n_spans = None
    if spec == "auto" and todo > 0 and spans is None:  # the span floor of auto
        spans = find_spans(
            times,
            features,
            events=events,
            transient=transient,
            cut_threshold=cfg.cut_threshold,
            max_span_s=cfg.max_span_s,
        )
    if spec == "auto" and todo > 0 and spans is not None:
        n_spans = int(spans.max()) + 1 if len(spans) else 0
    budget, asked, extra = plan_question_budget(
        spec, todo, len(cached), duration_s, embedder=embedder, spans=n_spans, coarse_share=cfg.coarse_share
    )
    if not plan.groups:
        empty = VisualScores(
            np.full(n, np.nan, np.float32), np.zeros(n, np.float32), np.full(n, -1, np.int64), ~visual.mask
        )
        return empty, {
            "method": "none",
            "note": "no phrases to score",
            "embed_budget": asked,
            "frames_embedded": 0,
            "frames_reused_from_cache": len(cached),
            "frames_estimated": 0,
            "candidates": n,
        } | extra
    query = group_vectors(plan, embedder)
    done = 0

    def embed(positions: np.ndarray) -> np.ndarray:
        nonlocal done
        base = done
        rows = visual.ensure(
            positions, progress=None if progress is None else (lambda d, t: progress(base + d, max(budget, base + t)))
        )
        done += len(positions)
        return rows

    res = coarse_to_fine(
        times,
        features,
        query,
        embed,
        budget,
        events=events,
        transient=transient,
        cached_positions=cached,
        cached_rows=visual.vectors[cached],
        config=cfg,
        spans=spans,
    )
    exact = res.embedded
    raw = res.scores.astype(np.float32)
    score = normalise_per_video(raw)
    score[~exact] *= ESTIMATE_WEIGHT
    which = np.full(n, -1, dtype=np.int64)
    cosine = np.full(n, np.nan, dtype=np.float32)
    if exact.any():
        which[exact] = np.argmax(visual.vectors[exact] @ query.T, axis=1)
        cosine[exact] = raw[exact]
    manifest = (
        res.to_manifest()
        | extra
        | {"embed_budget": asked, "seconds": round(time.perf_counter() - t0, 4), "estimate_weight": ESTIMATE_WEIGHT}
    )
    if spec == "all":
        manifest["method"] = "dense"
    return VisualScores(cosine=cosine, score=score, which=which, estimated=~exact), manifest
