"""Per-video on-disk index: decode once, ask many times (see :mod:`framesift.index.store`)."""

from .keys import SIGNALS, content_hash
from .store import SCHEMA_VERSION, EntrySummary, IndexStore, VideoEntry, default_cache_dir, open_store

__all__ = [
    "SCHEMA_VERSION",
    "SIGNALS",
    "EntrySummary",
    "IndexStore",
    "VideoEntry",
    "content_hash",
    "default_cache_dir",
    "open_store",
]
