"""OpenAI-compatible chat messages: each selected frame as a base64 JPEG, preceded by its time.

Chat Completions has no video part, so the common pattern (OpenAI's cookbook "GPT with vision
for video understanding", lmms-eval's ``protocol.to_openai_messages``) is to decode frames on the
client and send ``image_url`` parts with ``data:image/jpeg;base64,...`` URLs. A model then sees
a bag of images with no idea *when* each was taken, and a selection that is not uniform makes
that worse (the model cannot infer the time from the position). So every image is preceded by a
text part with the frame's true time from the selection (pts seconds, never a renumbered index).

Limits, and why these defaults:

* ``max_side=768`` px: OpenAI's "high" detail scales an image to fit 2048 px and then its short
  side to 768 px, so larger frames only cost upload bytes; most open servers (vLLM, SGLang,
  ``transformers serve``) resize to their processor's pixel limits anyway.
* at most :data:`MAX_IMAGES` = 500 images per request (OpenAI's documented per-request limit).
* at most :data:`MAX_IMAGE_BYTES` = 20 MB per image (OpenAI's per-image limit; a 768-px JPEG
  is ~100 KB, so this only guards against a caller asking for ``max_side=0`` on 8K video).
* at most :data:`MAX_PAYLOAD_BYTES` = 20 MB of base64 image data per request, well under OpenAI's
  50 MB total image bytes, because other OpenAI-compatible endpoints are stricter: Gemini's
  OpenAI-compatible endpoint takes inline requests up to 20 MB, and reverse proxies commonly cap
  bodies near that. When the frames would exceed it, the JPEG quality is lowered first (down to
  :data:`MIN_QUALITY`), then the side shrinks, so the frame count -- the thing the selection
  decided -- never changes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Literal

from PIL import Image

from .._imaging import clock, encode_jpeg, fit_within
from ..errors import InputError
from ..frame import SelectedFrame
from ..video.probe import VideoInfo
from ._frames import require_images
from .context import DEFAULT_CONTEXT_TOKENS, frame_context, render_item

__all__ = ["MAX_IMAGES", "MAX_IMAGE_BYTES", "MAX_PAYLOAD_BYTES", "MIN_QUALITY", "openai_messages", "format_timestamp"]

MAX_IMAGES = 500
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024
MIN_QUALITY = 50
_DETAILS = ("auto", "low", "high")


def format_timestamp(seconds: float) -> str:
    """``H:MM:SS.s`` (hours only when needed): the form people and models read as a time."""
    return clock(seconds, 1)


def _resized(img: Image.Image, max_side: int) -> Image.Image:
    img = img.convert("RGB")
    return fit_within(img, max_side) if max_side else img


def _jpeg(img: Image.Image, quality: int) -> bytes:
    return encode_jpeg(img, quality, optimize=True)


def _b64_len(n: int) -> int:
    return 4 * ((n + 2) // 3)


def _encode_all(images: list[Image.Image], max_side: int, quality: int) -> list[bytes]:
    """JPEG bytes for every image, within the per-image and per-request caps."""
    side = max_side or max(max(im.size) for im in images)
    while True:
        small = [_resized(im, side) for im in images]
        q = quality
        while True:
            data = [_jpeg(im, q) for im in small]
            total = sum(_b64_len(len(d)) for d in data)
            if total <= MAX_PAYLOAD_BYTES and max(len(d) for d in data) <= MAX_IMAGE_BYTES:
                return data
            if q <= MIN_QUALITY:
                break
            q = max(MIN_QUALITY, q - 15)
        if side <= 64:
            raise InputError(f"{len(images)} frames do not fit in {MAX_PAYLOAD_BYTES // 2**20} MB even at 64 px")
        side = int(side * 0.75)


def openai_messages(
    selected: Sequence[SelectedFrame],
    video: VideoInfo,
    question: str,
    *,
    max_side: int = 768,
    jpeg_quality: int = 85,
    detail: Literal["auto", "low", "high"] | str = "auto",
    system: str | None = None,
    context: Any = "auto",
    context_tokens: int = DEFAULT_CONTEXT_TOKENS,
) -> list[dict[str, Any]]:
    """Chat messages for an OpenAI-compatible ``/v1/chat/completions`` request.

    One user message: a short preamble (video length, number of frames), then for each frame in
    time order a text part ``"Frame at MM:SS.s (12.3 s):"`` followed by an ``image_url`` part
    holding a base64 JPEG data URL, then ``question``. ``system`` adds a system message first.

    Args:
        selected: the chosen frames, with images (:meth:`framesift.Selection.to_openai_messages`
            decodes missing ones first).
        video: the video they come from (its length goes in the preamble).
        question: the text placed after the frames (question, options, answer instructions).
        max_side: longest image side in pixels (0 keeps the full resolution).
        jpeg_quality: starting JPEG quality (1-95); lowered automatically to fit the payload cap.
        detail: OpenAI's image ``detail`` hint: ``auto``, ``low`` or ``high``.
        system: optional system prompt.
        context: the subtitle / speech / on-screen text near the frames, with its times
            (:mod:`framesift.export.context`): ``"auto"``, ``"none"`` or a list of channels.
        context_tokens: the most (estimated) text tokens those words may take.
    """
    if detail not in _DETAILS:
        raise InputError(f"detail must be one of {', '.join(_DETAILS)} (got {detail!r})")
    if not 1 <= int(jpeg_quality) <= 95:
        raise InputError(f"jpeg_quality must be between 1 and 95 (got {jpeg_quality})")
    if max_side < 0:
        raise InputError(f"max_side must be >= 0 (got {max_side})")
    if len(selected) > MAX_IMAGES:
        raise InputError(f"{len(selected)} frames exceed the {MAX_IMAGES}-image limit of one request")
    frames = sorted(selected, key=lambda f: f.time)
    words = frame_context(frames, context, context_tokens)
    content: list[dict[str, Any]] = []
    if frames:
        data = _encode_all(require_images(frames), int(max_side), int(jpeg_quality))
        content.append(
            {
                "type": "text",
                "text": (
                    f"These are {len(frames)} frames from a video of {video.duration:.1f} seconds, in time order. "
                    "Each frame is preceded by its time in the video."
                ),
            }
        )
        for f, jpg, said in zip(frames, data, words):
            content.append({"type": "text", "text": f"Frame at {format_timestamp(f.time)} ({f.time:.1f} s):"})
            url = "data:image/jpeg;base64," + base64.b64encode(jpg).decode("ascii")
            content.append({"type": "image_url", "image_url": {"url": url, "detail": detail}})
            if said:  # the words heard / shown near this frame, with their own times
                content.append({"type": "text", "text": "\n".join(render_item(d) for d in said)})
    content.append({"type": "text", "text": question})
    messages: list[dict[str, Any]] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": content})
    return messages
