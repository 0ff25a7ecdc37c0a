"""framesift: pick the frames of a video that answer a question, under a frame budget.

>>> import framesift
>>> sel = framesift.select("talk.mp4", "What is written on the whiteboard?", budget=8)
>>> sel.frames[0].index, sel.frames[0].time, sel.frames[0].image
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

# Public names resolve on first use (PEP 562): ``import framesift`` and ``framesift --help``
# must not pay for numpy, PyAV, pyarrow and the model code they do not touch.
_LAZY = {
    "Analysis": ".api",
    "SelectedFrame": ".api",
    "Selection": ".api",
    "analyze": ".api",
    "select": ".api",
    "select_from": ".api",
    "FramesiftError": ".errors",
    "InputError": ".errors",
    "SubtitleError": ".errors",
    "VideoError": ".errors",
    "Moment": ".index.library",
    "index_video": ".index.library",
    "index_videos": ".index.library",
    "search": ".index.library",
    "list_strategies": ".selectors",
    "Embedder": ".signals.embedders",
    "list_models": ".signals.embedders",
    "load_embedder": ".signals.embedders",
    "VideoInfo": ".video",
    "probe": ".video",
}

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from .api import Analysis, SelectedFrame, Selection, analyze, select, select_from
    from .errors import FramesiftError, InputError, SubtitleError, VideoError
    from .index.library import Moment, index_video, index_videos, search
    from .selectors import list_strategies
    from .signals.embedders import Embedder, list_models, load_embedder
    from .video import VideoInfo, probe


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'framesift' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "FramesiftError",
    "InputError",
    "Analysis",
    "Embedder",
    "Moment",
    "SelectedFrame",
    "Selection",
    "SubtitleError",
    "VideoError",
    "VideoInfo",
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
]
