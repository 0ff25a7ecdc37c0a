"""Sizes for the chosen frames under a token budget: per-frame scales, or a layout plan.

``apply_scales`` gives each frame the size its strategy planned (a scale of the family's default
size); ``apply_layout`` turns the picks into stills, small frames, crops of the matched text and
storyboards (:mod:`framesift.budget.layouts`). Both return what the selection spent.
"""

from __future__ import annotations

import numpy as np

from .analysis import Analysis
from .budget import TokenBudget
from .budget.layouts import Box, LayoutSpec, Pick, VisualPlan, plan_layout
from .frame import SelectedFrame, TokenSpend
from .regions import event_region_box, matched_text_boxes, visual_roi_box
from .selectors import Picks

__all__ = ["apply_layout", "apply_scales", "crop_boxes"]


def crop_boxes(
    analysis: Analysis, query: str, frame: SelectedFrame, native: tuple[int, int]
) -> tuple[tuple[Box, ...], tuple[str, ...]]:
    """The boxes ``crops=auto`` cuts from a chosen frame and what each came from: the OCR lines
    matching the question, else the changed region of its event, else (with a visual model
    exposing patch embeddings) the patches most similar to the question (:mod:`.regions`)."""
    boxes = matched_text_boxes(analysis.ocr_reads, analysis.embed, query, frame.time, native)
    if boxes:
        return boxes, ("text",) * len(boxes)
    box = event_region_box(analysis.candidates, frame.index, native)
    if box is not None:
        return (box,), ("event",)
    vis = analysis.visual
    emb = vis.embedder if vis is not None else None
    if vis is not None and emb is not None and hasattr(emb, "patch_embeddings") and query.strip():
        pos = int(np.searchsorted(analysis.candidates.index, frame.index))
        if pos < len(analysis.candidates) and int(analysis.candidates.index[pos]) == frame.index:
            patches = emb.patch_embeddings(vis.images.get([pos]))[0]
            return (visual_roi_box(patches, emb.encode_texts([query])[0], native),), ("visual",)
    return (), ()


def apply_layout(
    analysis: Analysis, query: str, frames: list[SelectedFrame], tokens: TokenBudget, spec: LayoutSpec
) -> tuple[VisualPlan, list[SelectedFrame], TokenSpend]:
    """Plan the chosen frames as stills / small frames / crops / storyboards under ``tokens``."""
    native = (analysis.info.width, analysis.info.height)
    picks = [
        Pick(f.index, f.time, float(f.scores.get("fused", 0.0)), *crop_boxes(analysis, query, f, native))
        if spec.crops == "auto"
        else Pick(f.index, f.time, float(f.scores.get("fused", 0.0)))
        for f in frames
    ]
    vplan = plan_layout(tokens, picks, spec)
    # A whole frame's record gets the size it is sent at; a frame only in a storyboard keeps its
    # record (the manifest's layout says which grid cell it is); picks dropped to fit are left out.
    size_of = {im.indices[0]: im.size for im in vplan.images if im.kind in ("frame", "still")}
    in_plan = {i for im in vplan.images for i in im.indices}
    kept = [f for f in frames if f.index in in_plan]
    for f in kept:
        if f.index in size_of:
            f.width, f.height = size_of[f.index]
            f.scale = f.width / tokens.size(1.0)[0]
    frame_sizes = [im.size for im in vplan.images if im.kind == "frame"]
    spend = TokenSpend(
        limit=tokens.limit,
        spent=vplan.tokens,
        model_family=tokens.family.name,
        overhead_estimate=tokens.family.overhead(frame_sizes) if frame_sizes else 0,
    )
    return vplan, kept, spend


def apply_scales(frames: list[SelectedFrame], picks: Picks, tokens: TokenBudget) -> TokenSpend:
    """Give each frame its planned size and say what the selection spent (manifest ``budget``)."""
    scale_of = dict(zip(picks.indices.tolist(), picks.scales or ()))
    sizes = []
    for f, pos in zip(frames, sorted(scale_of)):  # both in time order
        f.scale = float(scale_of[pos])
        f.width, f.height = tokens.size(f.scale)
        sizes.append((f.width, f.height))
    return TokenSpend(
        limit=tokens.limit,
        spent=tokens.family.count(sizes),
        model_family=tokens.family.name,
        overhead_estimate=tokens.family.overhead(sizes),
    )
