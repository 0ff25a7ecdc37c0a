"""Selection strategies: pure functions of arrays, registered by name.

:mod:`.base` holds the contract and the registry and imports no strategy; this package imports
each built-in strategy module once, and each registers itself with ``@register`` on import (the
way timm's ``models/__init__`` and PySceneDetect's ``detectors/__init__`` gather their members).
A new strategy is one new module plus one import line here.
"""

from . import (  # noqa: F401  (imported to register each strategy)
    aks,
    auto,
    bolt,
    clips,
    codec,
    context,
    fps,
    mdp3,
    mmr,
    qframe,
    tass,
    topk,
    uniform,
    videotree,
    zoom,
)
from .base import Picks, Strategy, get_strategy, list_strategies, register, run_strategy

__all__ = ["Picks", "Strategy", "get_strategy", "list_strategies", "register", "run_strategy"]
