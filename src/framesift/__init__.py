"""framesift: pick the frames of a video that answer a question, under a frame budget.

>>> import framesift
>>> sel = framesift.select("talk.mp4", "What is written on the whiteboard?", budget=8)
>>> sel.frames[0].index, sel.frames[0].time, sel.frames[0].image
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import Analysis, SelectedFrame, Selection, analyze, select, select_from
from .errors import FramesiftError, InputError, SubtitleError, VideoError
from .index.library import Moment, index_video, search
from .selectors import list_strategies
from .session import Session, Words
from .signals.embedders import Embedder, list_models, load_embedder
from .video import VideoInfo, probe

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
    "search",
    "probe",
    "select",
    "select_from",
]
