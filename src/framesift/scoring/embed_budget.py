"""How many candidates the visual channel may embed: the embedding-budget policy.

:mod:`framesift.scoring.coarse_to_fine` spends a number of embeddings well; this module decides
that number. ``embed_budget`` is one of:

* a whole number ``>= 0``: that many embeddings for one question (never more than the candidates);
* ``"all"``: dense, every candidate (what scoring without a budget does);
* ``"auto"``: embeddings worth a fixed share of model time per minute of video, from the model's
  speed measured once per process on this machine (:func:`measure_embed_rate`), with a floor of
  one first-pass representative per span (:func:`auto_embed_budget`).

Rows already embedded (an earlier question, the on-disk index) are credited against a question's
budget up to the first pass's share (:func:`question_budget`). The value is parsed once, by
:func:`parse_embed_budget`, wherever it enters (the Python API or the CLI); its errors name the
Python parameter (``embed_budget``) and the CLI swaps in its flag.

The time rule follows T* (Ye et al., CVPR 2025, arXiv 2504.02259), which spends about a tenth of
the 1 fps frames on its search; here the tenth is derived from the model's measured speed
instead of fixed, so a slow model on a loaded laptop gets fewer embeddings and a fast one more.
"""

from __future__ import annotations

import math
import time
from typing import Any, Literal

import numpy as np

from ..errors import InputError

__all__ = [
    "AUTO_MINIMUM",
    "EmbedBudgetSpec",
    "auto_embed_budget",
    "measure_embed_rate",
    "parse_embed_budget",
    "plan_question_budget",
    "question_budget",
    "resolve_embed_budget",
]

#: A parsed ``embed_budget``: a number of embeddings, ``"auto"`` or ``"all"``.
EmbedBudgetSpec = int | Literal["auto", "all"]

#: ``auto`` never embeds fewer rows than this (enough for a first pass over a short video).
AUTO_MINIMUM = 32

_RATE_CACHE: dict[str, float] = {}


def parse_embed_budget(value: str | int) -> EmbedBudgetSpec:
    """``embed_budget`` as a whole number >= 0, ``"auto"`` or ``"all"``; one clear error otherwise.

    Accepts the CLI's text (``" 120 "``, ``"ALL"``) and Python ints; raises
    :class:`~framesift.errors.InputError` with ``param="embed_budget"``.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        number = int(value)
    else:
        s = str(value).strip().lower()
        if s == "auto":
            return "auto"
        if s == "all":
            return "all"
        try:
            number = int(s)
        except ValueError:
            raise InputError(
                f"embed_budget must be a whole number, 'auto' or 'all' (got {value!r})", param="embed_budget"
            ) from None
    if number < 0:
        raise InputError(f"embed_budget must be >= 0 (got {number})", param="embed_budget")
    return number


def measure_embed_rate(embedder: Any, *, images: int = 8, refresh: bool = False) -> float:
    """Images per second of ``embedder`` (an :class:`~framesift.signals.embedders.Embedder`) on this machine.

    One warm-up call (first-call graph optimisation would otherwise count) and one timed batch of
    ``images`` noise images at the model's own size. Cached per process by ``model_id``: the
    measurement costs about one batch (0.4 s for CLIP-B/32 int8, 2 s for SigLIP-B/16 fp32 here).
    """
    key = str(getattr(embedder, "model_id", id(embedder)))
    if not refresh and key in _RATE_CACHE:
        return _RATE_CACHE[key]
    side = int(getattr(embedder, "image_size", 224))
    rng = np.random.default_rng(0)
    batch = [rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8) for _ in range(max(1, images))]
    embedder.encode_images(batch[:1])
    t0 = time.perf_counter()
    embedder.encode_images(batch)
    rate = len(batch) / max(time.perf_counter() - t0, 1e-6)
    _RATE_CACHE[key] = rate
    return rate


def auto_embed_budget(
    n_candidates: int,
    duration_s: float,
    images_per_s: float,
    *,
    seconds_per_minute: float = 0.3,
    minimum: int = AUTO_MINIMUM,
    spans: int | None = None,
    coarse_share: float = 0.8,
    floor_per_minute: float = 6.0,
    dense_below_s: float = 2.0,
) -> int:
    """``embed_budget="auto"``: embeddings worth ``seconds_per_minute`` of model time per minute of video.

    The goal is an hour selected in about a minute; decoding and the event scan take about half
    of that for 360p, so the visual channel gets 0.3 s of model time per minute of video (18 s
    for an hour): 360 embeddings for CLIP-B/32 int8 at 20 images/s (a tenth of the hour's 3,600
    candidates), 90 for SigLIP-B/16 fp32 at 5 images/s. Never fewer than ``minimum`` (enough for
    a first pass over a short video), never more than the candidates.

    **Span floor** (``spans`` given: the number of spans
    :func:`~framesift.scoring.coarse_to_fine.find_spans` cuts the video into): the time rule
    follows the machine's load, and under load it bought too few embeddings to look at every shot
    once (107 for an hour at 5.9 images/s: 26% shot recall, BENCHMARKS.md). So the budget is at
    least enough for one first-pass representative per span (``spans / coarse_share``, the first
    pass's share of the budget), capped at ``floor_per_minute`` embeddings per minute of video (6:
    one per 10 s, a tenth of the 1 fps grid, the budget at which the benchmark's recall met the
    target). Under load the floor costs time (360 embeddings for an hour at 6 images/s: 60 s)
    instead of recall.

    **Dense when cheap**: when embedding every candidate takes at most ``dense_below_s`` at
    the measured speed, or fits the time rule anyway (a GPU: SigLIP-B/16 at ~1,000 images/s
    embeds an hour's 3,600 candidates in ~4 s, within the hour's 18 s), the budget is all
    candidates: coarse-to-fine only pays off when the model is the bottleneck.
    """
    if n_candidates <= 0:
        return 0
    if images_per_s > 0 and n_candidates / images_per_s <= dense_below_s:
        return int(n_candidates)
    minutes = max(duration_s, 0.0) / 60.0
    by_time = int(round(images_per_s * seconds_per_minute * minutes))
    floor = 0
    if spans is not None and spans > 0:
        floor = min(int(math.ceil(spans / max(coarse_share, 1e-6))), int(math.ceil(floor_per_minute * minutes)))
    return int(min(n_candidates, max(minimum, by_time, floor)))


def question_budget(budget: int, reused: int, *, coarse_share: float = 0.8) -> int:
    """New embeddings a question may compute when ``reused`` rows are already embedded (cache credit).

    ``budget`` is what one question gets to look at. Rows embedded for earlier questions (or
    restored from the index) are free and stand in for the first pass -- one representative per
    span, the query-independent part of the work -- so they are credited up to that share
    (``coarse_share`` x ``budget``); what is left pays for new spans and the refinement. A repeated
    or follow-up question on the same video therefore costs at most a fifth of the first one
    (with the default share), while every question still gets fresh refinement near its own top.
    Rows refined for another question are not credited beyond the first pass's share: they say
    little about where this question's evidence is.
    """
    if budget <= 0:
        return 0
    credit = min(int(reused), int(math.floor(coarse_share * budget)))
    return int(budget - credit)


def resolve_embed_budget(
    spec: int | str | None,
    n_candidates: int,
    duration_s: float,
    *,
    embedder: Any = None,
    images_per_s: float | None = None,
    spans: int | None = None,
) -> int:
    """Turn ``embed_budget`` (``None`` or ``"all"`` = dense, a number, or ``"auto"``) into a number of embeddings.

    ``auto`` needs the model's speed: ``images_per_s`` if given, else measured once per process
    on ``embedder`` (:func:`measure_embed_rate`); ``spans`` turns on the span floor of
    :func:`auto_embed_budget`.
    """
    if spec is None:
        return int(n_candidates)
    parsed = parse_embed_budget(spec)
    if parsed == "all":
        return int(n_candidates)
    if parsed == "auto":
        if images_per_s is None:
            if embedder is None:
                raise InputError("embed_budget 'auto' needs a visual model", param="embed_budget")
            images_per_s = measure_embed_rate(embedder)
        return auto_embed_budget(n_candidates, duration_s, images_per_s, spans=spans)
    return int(min(parsed, n_candidates))


def plan_question_budget(
    spec: EmbedBudgetSpec,
    todo: int,
    cached: int,
    duration_s: float,
    *,
    embedder: Any = None,
    spans: int | None = None,
    coarse_share: float = 0.8,
) -> tuple[int, int, dict[str, Any]]:
    """The embeddings one question may compute: ``(budget, asked, account)``.

    ``todo`` candidates lack a row, ``cached`` have one. ``asked`` is what the question gets to
    look at (:func:`resolve_embed_budget` over the ``todo`` candidates), ``budget`` what is left
    to compute after the cache credit (:func:`question_budget`; none for ``"all"``, which is
    dense). ``account`` holds the manifest's notes on the decision: the spec, the measured speed
    and the span count for ``"auto"``, the cache credit.

    ``"auto"`` skips the speed probe (a batch of noise images, more than a short video's own
    embeddings) when ``todo <= AUTO_MINIMUM``: the minimum decides the budget then, whatever the
    model's speed.
    """
    account: dict[str, Any] = {"embed_budget_spec": spec}
    if spec == "auto" and todo > 0:
        if todo <= AUTO_MINIMUM:
            asked = todo
            account |= {"images_per_s": None, "spans_found": spans}
        else:
            rate = measure_embed_rate(embedder)
            asked = resolve_embed_budget("auto", todo, duration_s, images_per_s=rate, spans=spans)
            account |= {"images_per_s": round(rate, 2), "spans_found": spans}
    else:
        asked = resolve_embed_budget(spec if spec != "auto" else 0, todo, duration_s)
    budget = asked
    if spec != "all":  # cached rows stand in for (part of) the first pass: the question costs less
        budget = question_budget(asked, cached, coarse_share=coarse_share)
        account["cache_credit"] = asked - budget
    return budget, asked, account
