"""Gemini (``generateContent``): contiguous picks as clips with offsets and fps, lone picks as images.

The Gemini API takes a video part (inline bytes below about 20 MB per request, or a File API
URI) with ``videoMetadata {startOffset, endOffset, fps}``: the model then sees only that span,
sampled at that rate (``fps`` in (0, 24], default 1). That is a first-class way to hand over a
selected segment (ecosystem survey section 2.4). A selection is turned into contents as follows:

* picks closer than ``max_gap`` seconds to the previous pick form a clip; a clip becomes one
  video part over ``[first pick, last pick + its spacing)`` with the fps that makes Gemini
  sample about as many frames as were picked there;
* lone picks become inline JPEG images, each preceded by a text part with its time (MM:SS,
  the format Gemini's docs recommend for referring to times);
* when the video cannot be sent (no ``video_uri``, and the file is too large to inline or of a
  type Gemini does not take), every pick is sent as an image instead (``clips="auto"``).

The output is REST JSON (camelCase), which the ``google-genai`` SDK also accepts as dicts.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from ..frame import SelectedFrame
from ..video.probe import VideoInfo
from ._frames import jpeg_base64, mmss, require_images, scale_to_max_side, source_timing
from .context import DEFAULT_CONTEXT_TOKENS, frame_context, render_item

__all__ = ["GEMINI_VIDEO_TYPES", "gemini_contents", "group_clips"]

#: Video MIME types the Gemini API lists as supported.
GEMINI_VIDEO_TYPES = frozenset(
    {
        "video/mp4",
        "video/mpeg",
        "video/mov",
        "video/quicktime",
        "video/avi",
        "video/x-flv",
        "video/mpg",
        "video/webm",
        "video/wmv",
        "video/3gpp",
    }
)
_MAX_FPS = 24.0
#: Inline data limit of a whole request (bytes), with room for the JSON around it.
INLINE_LIMIT = 20 * 1024 * 1024


def group_clips(times: list[float], max_gap: float) -> list[list[int]]:
    """Positions of ``times`` (sorted) grouped into runs whose consecutive gaps are <= ``max_gap``."""
    groups: list[list[int]] = []
    for k, t in enumerate(times):
        if groups and t - times[groups[-1][-1]] <= max_gap:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def _duration(seconds: float) -> str:
    """Protobuf Duration JSON: ``"12.5s"`` (millisecond precision, no exponent)."""
    text = f"{max(0.0, seconds):.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


def _video_mime(path: str, mime_type: str | None) -> str:
    if mime_type:
        return mime_type
    guess = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return "video/mov" if guess == "video/quicktime" else guess


def gemini_contents(
    selected: Sequence[SelectedFrame],
    video: VideoInfo,
    question: str,
    *,
    video_uri: str | None = None,
    mime_type: str | None = None,
    clips: Literal["auto", "always", "never"] = "auto",
    max_gap: float = 1.5,
    max_side: int | None = 768,
    jpeg_quality: int = 85,
    inline_limit: int = INLINE_LIMIT,
    context: Any = "auto",
    context_tokens: int = DEFAULT_CONTEXT_TOKENS,
) -> list[dict[str, Any]]:
    """``contents`` for ``models.generateContent`` (see the module docstring for the mapping).

    Args:
        selected: the chosen frames, with images (``select(..., fetch=True)``), in time order.
        video: the video they come from (its file is sent for clips).
        question: the user's question, the last part.
        video_uri: a File API URI (``files.upload`` result) of the same video; without it the
            video bytes are sent inline when the request stays under ``inline_limit``.
        mime_type: the video's MIME type (guessed from the file name by default).
        clips: ``"auto"`` (clips where possible), ``"always"`` (fail if the video cannot be sent),
            ``"never"`` (images only).
        max_gap: picks at most this many seconds apart belong to the same clip.
        max_side, jpeg_quality: size and quality of the inline images.
        inline_limit: byte limit of the inline data (base64 video copies plus images) per request.
        context: the subtitle / speech / on-screen text near the frames, with its times
            (:mod:`framesift.export.context`): ``"auto"``, ``"none"`` or a list of channels.
        context_tokens: the most (estimated) text tokens those words may take.
    """
    if clips not in ("auto", "always", "never"):
        raise InputError(f"clips must be auto, always or never (got {clips!r})")
    if not max_gap >= 0:
        raise InputError(f"max_gap must be >= 0 seconds (got {max_gap})")
    timing = source_timing(video)
    images = require_images(selected)
    # Gemini counts offsets from the start of playback: the first frame, not pts 0.
    times = [f.time - timing.start_time for f in selected]
    groups = group_clips(times, max_gap) if clips != "never" else [[k] for k in range(len(times))]
    runs = [g for g in groups if len(g) >= 2]

    encoded_images: dict[int, str] = {}

    def image_b64(k: int) -> str:
        if k not in encoded_images:
            encoded_images[k] = jpeg_base64(scale_to_max_side(images[k], max_side), jpeg_quality)
        return encoded_images[k]

    video_part: dict[str, Any] | None = None
    if runs:
        mime = _video_mime(video.path, mime_type)
        if video_uri:
            video_part = {"fileData": {"fileUri": video_uri, "mimeType": mime}}
        elif mime in GEMINI_VIDEO_TYPES:
            data = Path(video.path).read_bytes()
            encoded = base64.b64encode(data).decode("ascii")
            lone = sum(len(image_b64(g[0])) for g in groups if len(g) == 1)
            if len(encoded) * len(runs) + lone <= inline_limit:
                video_part = {"inlineData": {"mimeType": mime, "data": encoded}}
        if video_part is None:
            if clips == "always":
                raise InputError(
                    f"{video.path}: cannot send the video inline ({mime}, "
                    f"{len(runs)} clip(s), limit {inline_limit} bytes); upload it and pass video_uri"
                )
            groups = [[k] for k in range(len(times))]

    said = frame_context(selected, context, context_tokens)
    parts: list[dict[str, Any]] = []
    for g in groups:
        if len(g) >= 2 and video_part is not None:
            start = times[g[0]]
            step = (times[g[-1]] - times[g[0]]) / (len(g) - 1)
            end = min(times[g[-1]] + max(step, 1.0 / timing.fps), timing.duration)
            end = max(end, start + 1.0 / timing.fps)
            fps = min(_MAX_FPS, len(g) / (end - start))
            parts.append({"text": f"Clip from {mmss(start)} to {mmss(end)} of the video:"})
            parts.append(
                {
                    **video_part,
                    "videoMetadata": {
                        "startOffset": _duration(start),
                        "endOffset": _duration(end),
                        "fps": round(fps, 4),
                    },
                }
            )
        else:
            for k in g:
                parts.append({"text": f"Frame at {mmss(times[k])}:"})
                parts.append({"inlineData": {"mimeType": "image/jpeg", "data": image_b64(k)}})
        words = _words([d for k in g for d in said[k]])
        if words is not None:  # the words near this clip / frame, with their times
            parts.append(words)
    parts.append({"text": question})
    return [{"role": "user", "parts": parts}]


def _words(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    return {"text": "\n".join(render_item(d) for d in items)} if items else None
