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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..signals.embedders.base import Embedder
from ..signals.embedders.text import normalize
from ..signals.visual import VisualEmbeddings
from .query import QueryPlan

__all__ = ["MAD_FLOOR", "VisualScores", "Z_FULL", "normalise_per_video", "visual_channel"]

Z_FULL = 6.0
MAD_FLOOR = 0.003


@dataclass
class VisualScores:
    """Per candidate: raw cosine (best group), normalised channel score, and which group won."""

    cosine: np.ndarray   # (N,) float32, NaN where not embedded
    score: np.ndarray    # (N,) float32 in [0, 1], 0 where not embedded
    which: np.ndarray    # (N,) int64 index into plan.groups, -1 where not embedded


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


def visual_channel(visual: VisualEmbeddings, plan: QueryPlan, embedder: Embedder) -> VisualScores:
    """Score the embedded candidates of ``visual`` against the phrase groups of ``plan``."""
    n = len(visual)
    if not plan.groups:
        return VisualScores(np.full(n, np.nan, np.float32), np.zeros(n, np.float32), np.full(n, -1, np.int64))
    phrases = [p for _, ps in plan.groups for p in ps]
    owner = np.repeat(np.arange(len(plan.groups)), [len(ps) for _, ps in plan.groups])
    vecs = embedder.encode_texts(phrases)
    group_vecs = np.zeros((len(plan.groups), vecs.shape[1]), dtype=np.float32)
    np.add.at(group_vecs, owner, vecs)
    sims = visual.similarity(normalize(group_vecs))  # (N, G), NaN rows where not embedded
    ok = visual.mask
    which = np.full(n, -1, dtype=np.int64)
    cosine = np.full(n, np.nan, dtype=np.float32)
    if ok.any():
        which[ok] = np.argmax(sims[ok], axis=1)
        cosine[ok] = sims[ok, which[ok]]
    return VisualScores(cosine=cosine, score=normalise_per_video(cosine), which=which)
