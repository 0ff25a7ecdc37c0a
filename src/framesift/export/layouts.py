"""The pixels of a :class:`~framesift.budget.layouts.VisualPlan`: resized frames, crops, storyboards.

One function makes them, so every adapter that sends a plan sends the same pixels with the same
times. It takes full-resolution images of the chosen frames (``{index: image}``, from
:func:`framesift.video.fetch.fetch_images`) and never decodes. Storyboard cells carry their
source time burned in (``mm:ss.ss``, the clock every manifest and adapter prints), and
:func:`image_caption` lists the same times as text for the prompt beside the image.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .._imaging import clock, encode_jpeg
from ..budget.families import QwenFamily, get_family
from ..budget.layouts import PlannedImage, VisualPlan
from ..video.probe import VideoInfo
from ._frames import TimedFrames, pad_to_pairs, source_timing
from .vllm import video_media_kwargs

__all__ = [
    "PlanImage",
    "gemini_layout_contents",
    "image_caption",
    "openai_layout_messages",
    "plan_manifest",
    "qwen_layout_inputs",
    "render_plan",
    "vllm_layout_request",
]


@dataclass(frozen=True)
class PlanImage:
    """One planned image with its pixels (exactly ``planned.size``)."""

    planned: PlannedImage
    image: Image.Image


def _label_font(px: int) -> Any:
    try:
        return ImageFont.load_default(size=px)  # Pillow >= 10.1: a scalable bundled font
    except TypeError:  # pragma: no cover - older Pillow
        return ImageFont.load_default()


def cell_label_height(cell_h: int) -> int:
    """Font size of a cell's time label: legible to OCR and a model, small beside the picture."""
    return max(12, cell_h // 9)


def _grid(planned: PlannedImage, full: Mapping[int, Image.Image]) -> Image.Image:
    assert planned.grid is not None
    rows, cols = planned.grid
    W, H = planned.size
    canvas = Image.new("RGB", (W, H), (0, 0, 0))
    cw, ch = W // cols, H // rows
    draw = ImageDraw.Draw(canvas)
    font = _label_font(cell_label_height(ch))
    for k, (idx, t) in enumerate(zip(planned.indices, planned.times)):
        r, c = divmod(k, cols)
        x, y = c * cw, r * ch
        canvas.paste(full[idx].convert("RGB").resize((cw, ch), Image.Resampling.BICUBIC), (x, y))
        # The cell's true time, on an opaque box in its top-left corner (never a renumbered index).
        text = clock(t)
        l, tp, rr, b = draw.textbbox((0, 0), text, font=font)
        pad = max(2, (b - tp) // 4)
        draw.rectangle((x, y, x + (rr - l) + 2 * pad, y + (b - tp) + 2 * pad), fill=(0, 0, 0))
        draw.text((x + pad - l, y + pad - tp), text, font=font, fill=(255, 255, 255))
    return canvas


def render_plan(plan: VisualPlan, full: Mapping[int, Image.Image]) -> list[PlanImage]:
    """The images of ``plan`` in its order, from full-resolution frames ``{index: image}``."""
    out = []
    for im in plan.images:
        if im.kind in ("frame", "still"):
            px = full[im.indices[0]].convert("RGB").resize(im.size, Image.Resampling.BICUBIC)
        elif im.kind == "crop":
            assert im.box is not None
            px = full[im.indices[0]].convert("RGB").crop(im.box).resize(im.size, Image.Resampling.BICUBIC)
        else:
            px = _grid(im, full)
        out.append(PlanImage(im, px))
    return out


def image_caption(im: PlannedImage) -> str:
    """The text sent beside an image: its times (a storyboard lists every cell's)."""
    if im.kind == "grid":
        assert im.grid is not None
        cells = ", ".join(f"{k + 1}) {clock(t)}" for k, t in enumerate(im.times))
        return f"Storyboard {im.grid[0]}x{im.grid[1]}, cells left to right, top to bottom: {cells}"
    if im.kind == "crop":
        assert im.box is not None
        return f"Crop of the frame at {clock(im.times[0])}, region x={im.box[0]}-{im.box[2]}, y={im.box[1]}-{im.box[3]}"
    return f"Frame at {clock(im.times[0])}"


def plan_manifest(plan: VisualPlan) -> dict[str, Any]:
    """The manifest's ``layout`` entry: the plan options, tokens and every image with its times/box."""
    return plan.spec.to_dict() | {
        "model_family": plan.family,
        "tokens": plan.limit,
        "tokens_spent": plan.tokens,
        "images": [
            {
                "kind": im.kind,
                "role": im.role,
                "indices": list(im.indices),
                "times": [round(t, 6) for t in im.times],
                "resolution": list(im.size),
            }
            | ({"box": list(im.box)} if im.box is not None else {})
            | ({"region_from": im.region_from} if im.region_from is not None else {})
            | ({"grid": list(im.grid)} if im.grid is not None else {})
            for im in plan.images
        ],
    }


def _b64(img: Image.Image, quality: int) -> str:
    return base64.b64encode(encode_jpeg(img, quality, optimize=True)).decode("ascii")


def openai_layout_messages(
    images: Sequence[PlanImage], question: str, *, jpeg_quality: int = 90
) -> list[dict[str, Any]]:
    """OpenAI-compatible chat messages for a planned selection: each image at exactly its planned
    size (already on the family's grid: a server's processor keeps it), after its caption."""
    parts: list[dict[str, Any]] = []
    for im in images:
        parts.append({"type": "text", "text": image_caption(im.planned)})
        url = "data:image/jpeg;base64," + _b64(im.image, jpeg_quality)
        parts.append({"type": "image_url", "image_url": {"url": url, "detail": "high"}})
    parts.append({"type": "text", "text": question})
    return [{"role": "user", "content": parts}]


def gemini_layout_contents(
    images: Sequence[PlanImage], question: str, *, jpeg_quality: int = 90
) -> list[dict[str, Any]]:
    """Gemini ``contents`` for a planned selection: the same images and captions as inline JPEGs."""
    parts: list[dict[str, Any]] = []
    for im in images:
        parts.append({"text": image_caption(im.planned)})
        parts.append({"inline_data": {"mime_type": "image/jpeg", "data": _b64(im.image, jpeg_quality)}})
    parts.append({"text": question})
    return [{"role": "user", "parts": parts}]


# --- vLLM and transformers / qwen-vl-utils -------------------------------------------------------
# Both send a plan's *whole frames* (kind "frame", one size) as one video, because that is what
# the plan priced: Qwen pairs video frames into 2-frame temporal patches (ModelFamily.count);
# sent as separate images they would cost twice the tokens. Stills, crops and storyboards go as
# images after their caption, as in the OpenAI and Gemini formats: the same JPEG bytes (the
# same pixels) with the same times in every adapter.


def _video_frames(images: Sequence[PlanImage], family: str) -> TimedFrames | None:
    """The plan's whole frames in time order, padded to an even count for Qwen's temporal
    patches by repeating the last one (what the processor would do; recorded as repeated)."""
    frames = [im for im in images if im.planned.kind == "frame"]
    if not frames:
        return None
    out = TimedFrames(
        images=[im.image for im in frames],
        indices=[im.planned.indices[0] for im in frames],
        times=[im.planned.times[0] for im in frames],
    )
    if isinstance(get_family(family), QwenFamily):
        pad_to_pairs(out)
    return out


def _video_caption(frames: TimedFrames) -> str:
    picked = [t for k, t in enumerate(frames.times) if k not in set(frames.repeated)]
    return "Video frames at " + ", ".join(clock(t) for t in picked)


def vllm_layout_request(
    images: Sequence[PlanImage],
    plan: VisualPlan,
    video: VideoInfo,
    question: str,
    *,
    model: str | None = None,
    jpeg_quality: int = 90,
) -> dict[str, Any]:
    """A vLLM ``/v1/chat/completions`` body for a planned selection: the whole frames as one
    ``video_url`` with their true indices and the source fps (see :mod:`framesift.export.vllm`),
    every other image as an ``image_url`` at exactly its planned size, each after its caption."""
    timing = source_timing(video)
    frames = _video_frames(images, plan.family)
    parts: list[dict[str, Any]] = []
    body: dict[str, Any] = {"model": model} if model else {}
    video_done = False
    for im in images:
        if im.planned.kind == "frame":
            if video_done or frames is None:
                continue
            video_done = True
            urls = ",".join(_b64(img, jpeg_quality) for img in frames.images)
            parts.append({"type": "text", "text": _video_caption(frames)})
            parts.append({"type": "video_url", "video_url": {"url": "data:video/jpeg;base64," + urls}})
            body["media_io_kwargs"] = {"video": video_media_kwargs(timing, frames.indices)}
            continue
        parts.append({"type": "text", "text": image_caption(im.planned)})
        url = "data:image/jpeg;base64," + _b64(im.image, jpeg_quality)
        parts.append({"type": "image_url", "image_url": {"url": url}})
    parts.append({"type": "text", "text": question})
    body["messages"] = [{"role": "user", "content": parts}]
    # the images are already on the family's grid: the processor must neither resample nor resize
    body["mm_processor_kwargs"] = {"do_sample_frames": False}
    body["framesift"] = _plan_record(plan, frames)
    return body


def qwen_layout_inputs(
    images: Sequence[PlanImage],
    plan: VisualPlan,
    video: VideoInfo,
    question: str,
    *,
    frames: str = "pil",
    jpeg_quality: int = 90,
) -> dict[str, Any]:
    """transformers / qwen-vl-utils inputs for a planned selection (as
    :func:`framesift.export.qwen.qwen_inputs` returns them): the whole frames as one video
    element with true ``video_metadata``, the other images as image elements with
    ``resized_height`` / ``resized_width`` equal to their planned size, each after its caption.
    ``frames``: ``"pil"`` (PIL images) or ``"base64"`` (JPEG data URLs, for JSON)."""
    from .qwen import _video  # the one place that builds a Qwen video element

    timing = source_timing(video)
    vid = _video_frames(images, plan.family)
    content: list[dict[str, Any]] = []
    metadata: list[dict[str, Any]] = []
    video_done = False
    for im in images:
        if im.planned.kind == "frame":
            if video_done or vid is None:
                continue
            video_done = True
            w, h = im.planned.size
            element, meta, _fps = _video(vid, h, w, timing, frames, jpeg_quality)
            content.append({"type": "text", "text": _video_caption(vid)})
            content.append(element)
            metadata.append(meta)
            continue
        w, h = im.planned.size
        content.append({"type": "text", "text": image_caption(im.planned)})
        content.append(
            {
                "type": "image",
                "image": im.image if frames == "pil" else "data:image/jpeg;base64," + _b64(im.image, jpeg_quality),
                "resized_height": h,
                "resized_width": w,
            }
        )
    content.append({"type": "text", "text": question})
    return {
        "messages": [{"role": "user", "content": content}],
        "video_metadata": metadata,
        "processor_kwargs": {"do_sample_frames": False, "do_resize": False},
        "framesift": _plan_record(plan, vid),
    }


def _plan_record(plan: VisualPlan, frames: TimedFrames | None) -> dict[str, Any]:
    return {
        "model_family": plan.family,
        "planned_tokens": plan.tokens,
        "images": [
            {"kind": im.kind, "size": list(im.size), "times": [round(t, 6) for t in im.times]}
            | ({"box": list(im.box)} if im.box is not None else {})
            for im in plan.images
        ],
        "video_repeated_positions": list(frames.repeated) if frames is not None else [],
    }
