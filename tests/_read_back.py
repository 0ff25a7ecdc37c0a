"""Read what a test video really holds, straight from PyAV (not through framesift's readers)."""

from __future__ import annotations

import av


def subtitle_cues(path) -> list[tuple[float, float, str]]:
    """(start, end, text) of every cue of the first subtitle stream, read directly with PyAV."""
    cues = []
    with av.open(str(path)) as c:
        stream = c.streams.subtitles[0]
        for packet in c.demux(stream):
            if not packet.size:
                continue
            for sub in packet.decode():
                cues.append(
                    (
                        float(packet.pts * stream.time_base),
                        float((packet.pts + packet.duration) * stream.time_base),
                        sub.dialogue.decode(),
                    )
                )
    return cues
