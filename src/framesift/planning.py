"""Sizes for the chosen frames under a token budget: per-frame scales, or a layout plan.

``apply_scales`` gives each frame the size its strategy planned (a scale of the family's default
size); ``apply_layout`` turns the picks into stills, small frames, crops of the matched text and
storyboards (:mod:`framesift.budget.layouts`). Both return what the selection spent.
"""

from __future__ import annotations

from .analysis import Analysis
from .budget import TokenBudget
from .budget.layouts import LayoutSpec, Pick, VisualPlan, plan_layout
from .frame import SelectedFrame, TokenSpend
from .regions import matched_text_boxes
from .selectors import Picks

__all__ = ["apply_layout", "apply_scales"]


def apply_layout(
    analysis: Analysis, query: str, frames: list[SelectedFrame], tokens: TokenBudget, spec: LayoutSpec
) -> tuple[VisualPlan, list[SelectedFrame], TokenSpend]:
    """Plan the chosen frames as stills / small frames / crops / storyboards under ``tokens``."""
    native = (analysis.info.width, analysis.info.height)
    picks = [
        Pick(
            f.index,
            f.time,
            float(f.scores.get("fused", 0.0)),
            matched_text_boxes(analysis.ocr_reads, analysis.embed, query, f.time, native)
            if spec.crops == "auto"
            else (),
        )
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
