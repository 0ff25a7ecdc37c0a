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
from ..budget.layouts import PlannedImage, VisualPlan

__all__ = [
    "PlanImage",
    "gemini_layout_contents",
    "image_caption",
    "openai_layout_messages",
    "plan_manifest",
    "render_plan",
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
