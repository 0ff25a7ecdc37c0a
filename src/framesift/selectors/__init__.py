"""Selection strategies: pure functions of arrays, registered by name (see :mod:`.base`)."""

from .base import Picks, Strategy, get_strategy, list_strategies, register, run_strategy

__all__ = ["Picks", "Strategy", "get_strategy", "list_strategies", "register", "run_strategy"]
