"""framesift: pick the frames of a video that answer a question, under a frame budget.

>>> import framesift
>>> sel = framesift.select("talk.mp4", "What is written on the whiteboard?", budget=8)
>>> sel.frames[0].index, sel.frames[0].time, sel.frames[0].image

The public names below load on first use (PEP 562): ``import framesift.cli`` for
``framesift --help`` must not pay for numpy, PyAV and OpenCV, which the pipeline needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import FramesiftError, InputError, SubtitleError, VideoError

if TYPE_CHECKING:
    from .analysis import Analysis
    from .api import analyze, select, select_from
    from .frame import SelectedFrame
    from .library import Moment, index_video, index_videos, search
    from .selection import Selection
    from .selectors import list_strategies
    from .session import Session, Words
    from .signals.embedders import Embedder, list_models, load_embedder
    from .stream import Stream
    from .video import VideoInfo, probe

#: public name -> the module that defines it
_LAZY = {
    "Analysis": ".analysis",
    "SelectedFrame": ".frame",
    "Selection": ".selection",
    "analyze": ".api",
    "select": ".api",
    "select_from": ".api",
    "Moment": ".library",
    "index_video": ".library",
    "index_videos": ".library",
    "search": ".library",
    "list_strategies": ".selectors",
    "Session": ".session",
    "Words": ".session",
    "Embedder": ".signals.embedders",
    "list_models": ".signals.embedders",
    "load_embedder": ".signals.embedders",
    "VideoInfo": ".video",
    "probe": ".video",
    "Stream": ".stream",
}

__all__ = [
    "FramesiftError",
    "InputError",
    "Analysis",
    "Embedder",
    "Moment",
    "SelectedFrame",
    "Selection",
    "Session",
    "SubtitleError",
    "VideoError",
    "VideoInfo",
    "Words",
    "__version__",
    "list_strategies",
    "list_models",
    "load_embedder",
    "analyze",
    "index_video",
    "index_videos",
    "search",
    "probe",
    "select",
    "select_from",
    "Stream",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'framesift' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
