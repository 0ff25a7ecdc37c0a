"""Where framesift keeps what it computes once per machine: the index and built model files."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_cache_dir"]


def default_cache_dir() -> Path:
    """``$FRAMESIFT_CACHE`` if set, else the platform's user cache directory (platformdirs)."""
    env = os.environ.get("FRAMESIFT_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("framesift", appauthor=False))
