"""Visual-token budgets: how model families count tokens, and frames x resolution plans."""

from .families import (
    FixedFamily,
    InternVLFamily,
    ModelFamily,
    QwenFamily,
    get_family,
    internvl_tiles,
    list_families,
    qwen_smart_resize,
)
from .plan import Plan, TokenBudget, allocate_levels, count_tokens, frames_for_tokens, plan_frames

__all__ = [
    "FixedFamily",
    "InternVLFamily",
    "ModelFamily",
    "Plan",
    "QwenFamily",
    "TokenBudget",
    "allocate_levels",
    "count_tokens",
    "frames_for_tokens",
    "get_family",
    "internvl_tiles",
    "list_families",
    "plan_frames",
    "qwen_smart_resize",
]
