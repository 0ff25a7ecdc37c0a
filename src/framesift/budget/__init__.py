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


def __getattr__(name: str):
    # compare imports the selectors, which import this package: load it on first use.
    if name in ("TokenRun", "run_at_tokens", "mixes_resolutions"):
        from . import compare

        return getattr(compare, name)
    raise AttributeError(name)


__all__ = [
    "FixedFamily",
    "InternVLFamily",
    "ModelFamily",
    "Plan",
    "QwenFamily",
    "TokenBudget",
    "TokenRun",
    "allocate_levels",
    "count_tokens",
    "frames_for_tokens",
    "get_family",
    "internvl_tiles",
    "list_families",
    "mixes_resolutions",
    "plan_frames",
    "qwen_smart_resize",
    "run_at_tokens",
]
