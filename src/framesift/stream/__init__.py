"""Live video: a constant-memory, query-ready memory of a stream (``framesift.Stream``).

``source`` (where frames come from) -> ``clock`` (true stream time) -> ``sampler`` (online
candidates, the offline rules) -> ``memory`` (recent window + elastic event spans) ->
``select`` (registered strategies over the memory) / ``watch`` (standing questions);
``stream`` wires them on a reader thread.
"""

from __future__ import annotations

from .memory import MemoryConfig
from .records import StreamEvent, StreamFrame, StreamSelection, Words
from .stream import AudioTap, Stream
from .watch import Watch, WatchHit

__all__ = [
    "AudioTap",
    "MemoryConfig",
    "Stream",
    "StreamEvent",
    "StreamFrame",
    "StreamSelection",
    "Watch",
    "WatchHit",
    "Words",
]
