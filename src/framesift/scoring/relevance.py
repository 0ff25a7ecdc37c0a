"""Relevance of every candidate to a question: one score per channel, fused, with the evidence.

Channels: ``subtitle`` (cue text), ``ocr`` (on-screen text), ``visual`` (an image-text model,
coarse-to-fine). Each is a per-candidate score in [0, 1]; they are fused by taking the maximum
(a frame is relevant when any channel says so: the answer is either said, written or shown).
:class:`Evidence` keeps which text or phrase group gave each candidate its score, for the
per-frame reasons (:mod:`framesift.explain`) and search results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._timer import StageTimer
from ..analysis import Analysis
from ..progress import ProgressFn, report_to
from ..signals.ocr import OcrText
from ..video.subtitles import SubtitleLine
from .coarse_to_fine import CoarseToFineConfig, find_spans
from .query import QueryPlan
from .text_relevance import TextItem, content_words, ocr_channel, score_heard, score_items, score_ocr, subtitle_channel
from .visual_relevance import VisualScores, visual_channel_budgeted

__all__ = ["Evidence", "fuse", "score_text", "score_visual"]

TEXT_CHANNELS = ("subtitle", "ocr", "speech")


@dataclass
class Evidence:
    """Which text item gave each candidate its channel score (for reasons and the manifest)."""

    sub_which: np.ndarray | None = None
    sub_items: list[TextItem] = field(default_factory=list)
    sub_lines: list[SubtitleLine] = field(default_factory=list)
    ocr_which: np.ndarray | None = None
    ocr_items: list[TextItem] = field(default_factory=list)
    ocr_reads: list[OcrText] = field(default_factory=list)
    speech_which: np.ndarray | None = None
    speech_items: list[TextItem] = field(default_factory=list)
    speech_lines: list[SubtitleLine] = field(default_factory=list)
    #: the recognised words (for "heard X at 12.3s" in reasons) and the query's content words
    speech_words: tuple = ()
    query_words: list[str] = field(default_factory=list)
    visual: VisualScores | None = None
    plan: QueryPlan | None = None

    def best_text(self, channels: dict[str, np.ndarray], n: int) -> list[str | None]:
        """Per candidate (``n`` of them), the text of the channel item that scored it highest (None: no text)."""
        evidence: list[str | None] = [None] * n
        best = np.zeros(n, np.float32)
        for name, which, texts in (
            ("subtitle", self.sub_which, [ln.text for ln in self.sub_lines]),
            ("ocr", self.ocr_which, [it.text for it in self.ocr_items]),
            ("speech", self.speech_which, [ln.text for ln in self.speech_lines]),
        ):
            if which is None:
                continue
            for j in np.flatnonzero((which >= 0) & (channels[name] > best)):
                evidence[j], best[j] = texts[int(which[j])], channels[name][j]
        return evidence


def score_text(
    query: str, analysis: Analysis, timer: StageTimer | None = None
) -> tuple[dict[str, np.ndarray], Evidence]:
    """The subtitle and on-screen-text channels of ``analysis`` for ``query`` (empty when there is no text)."""
    timer = timer or StageTimer()
    channels: dict[str, np.ndarray] = {}
    ev = Evidence()
    subs, reads, cands = analysis.subtitles, analysis.ocr_reads, analysis.candidates
    hearing = analysis.hearing
    transcript = hearing.transcript if hearing is not None else None
    cues = transcript.cues if transcript is not None else ()
    has_text = bool((subs and subs.lines) or reads or cues)
    if not query.strip() or not has_text:
        return channels, ev
    with timer.stage("text_embed"):
        if subs and subs.lines:
            ev.sub_lines = list(subs.lines)
            ev.sub_items = score_items(query, [ln.text for ln in subs.lines], analysis.embed)
        if reads:
            ev.ocr_reads = reads
            ev.ocr_items = score_ocr(query, reads, analysis.embed)
        if cues:
            # what is said: scored like subtitle cues (MiniLM + keyword match), its own channel
            ev.speech_lines = list(cues)
            # (and without the words the recogniser was unsure of, which may carry a wrong meaning)
            sure = transcript.sure_texts()  # type: ignore[union-attr]
            ev.speech_items = score_heard(query, [c.text for c in cues], sure, analysis.embed)
            ev.speech_words = transcript.words  # type: ignore[union-attr]
            ev.query_words = content_words(query)
    with timer.stage("score"):
        if ev.sub_items:
            channels["subtitle"], ev.sub_which = subtitle_channel(cands.time, ev.sub_lines, ev.sub_items)
        if ev.speech_items:
            channels["speech"], ev.speech_which = subtitle_channel(cands.time, ev.speech_lines, ev.speech_items)
        if ev.ocr_items:
            channels["ocr"], ev.ocr_which = ocr_channel(cands.index, analysis.features, reads, ev.ocr_items)
    return channels, ev


def score_visual(
    analysis: Analysis,
    plan: QueryPlan,
    embed_budget: int | str,
    timer: StageTimer,
    progress: ProgressFn | None = None,
) -> tuple[VisualScores, dict[str, Any]]:
    """The visual channel, coarse-to-fine under ``embed_budget``; new rows stay in ``analysis.visual``.

    Returns the scores and the manifest's embedding report. Image embedding happens inside the
    coarse-to-fine rounds; it is timed as its own stage (``embed_images``).
    """
    visual = analysis.visual
    if visual is None or visual.embedder is None:
        raise ValueError("score_visual needs an analysis with a visual model")
    report = report_to(progress)
    cands = analysis.candidates
    spent_before = visual.embed_seconds
    with timer.stage("visual_score"):
        result = visual_channel_budgeted(
            visual,
            plan,
            visual.embedder,
            cands.time,
            analysis.features,
            duration_s=analysis.info.duration,
            embed_budget=embed_budget,
            events=cands.change,
            transient=cands.transient,
            progress=lambda d, t: report("embed", d, t),
            spans=analysis_spans(analysis),
        )
    embed_s = round(visual.embed_seconds - spent_before, 4)
    timer.timings["embed_images"] = embed_s
    timer.timings["visual_score"] = round(max(timer.timings["visual_score"] - embed_s, 0.0), 4)
    return result


def analysis_spans(analysis: Analysis, config: CoarseToFineConfig | None = None) -> np.ndarray:
    """The coarse-to-fine spans of the analysis's candidates, computed once and kept in ``analysis.memo``.

    They depend only on the candidates' times, features and events (no question), so every
    question on one analysis shares them.
    """
    cfg = config or CoarseToFineConfig()
    key = f"spans:{cfg.cut_threshold}:{cfg.max_span_s}"
    spans = analysis.memo.get(key)
    if spans is None:
        c = analysis.candidates
        spans = find_spans(
            c.time,
            analysis.features,
            events=c.change,
            transient=c.transient,
            cut_threshold=cfg.cut_threshold,
            max_span_s=cfg.max_span_s,
        )
        analysis.memo[key] = spans
    return spans


def fuse(channels: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The fused relevance: the best channel per candidate (zeros without any channel)."""
    if not channels:
        return np.zeros(n, np.float32)
    return np.max(np.stack(list(channels.values())), axis=0)


def best_text_channel(channels: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The best of the text channels per candidate (search's text score; zeros without text)."""
    text = [channels[c] for c in TEXT_CHANNELS if c in channels]
    return np.max(np.stack(text), axis=0) if text else np.zeros(n, np.float32)
