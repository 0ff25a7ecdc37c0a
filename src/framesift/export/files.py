"""Write a selection to a directory: JPEGs at full resolution, manifest.json, contact_sheet.png.

The directory is assembled under a temporary name beside the target and renamed into place, so a
failed or interrupted run never leaves a half-written output directory. An existing target is
replaced only if it is empty or was written by framesift (holds a manifest.json); anything else
is refused rather than overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .._atomic import atomic_dir
from .._imaging import clock, encode_jpeg
from ..errors import InputError
from ..frame import SelectedFrame

__all__ = ["write_output_dir", "contact_sheet", "format_time"]


def format_time(seconds: float) -> str:
    """``75.25`` -> ``"01:15.25"``; hours when needed (``"1:02:03.00"``)."""
    return clock(seconds, 2, signed=True)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def contact_sheet(
    images: list[Image.Image], labels: list[str], *, tile_width: int = 320, columns: int = 4
) -> Image.Image:
    """Frames in a grid, each with its label (time, index) in a bar under it."""
    if not images:
        return Image.new("RGB", (tile_width, 40), "white")
    columns = max(1, min(columns, len(images)))
    ratio = max(im.height / im.width for im in images)
    tile_h = int(round(tile_width * ratio))
    bar = 26
    rows = (len(images) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * tile_width, rows * (tile_h + bar)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    font = _font(16)
    for k, (im, label) in enumerate(zip(images, labels)):
        r, c = divmod(k, columns)
        x, y = c * tile_width, r * (tile_h + bar)
        thumb = im.copy()
        thumb.thumbnail((tile_width, tile_h))
        sheet.paste(thumb, (x + (tile_width - thumb.width) // 2, y + (tile_h - thumb.height) // 2))
        draw.text((x + 6, y + tile_h + 4), label, fill=(255, 255, 255), font=font)
    return sheet


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not _written_by_framesift(out):
        raise InputError(
            f"{out}: directory is not empty and was not written by framesift; choose another out", param="out"
        )


def _written_by_framesift(out: Path) -> bool:
    try:
        m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and "framesift_version" in m and "schema_version" in m


def write_output_dir(
    out: Path, frames: Sequence[SelectedFrame], manifest_for: Callable[[list[str]], dict[str, Any]]
) -> Path:
    """Write the frames' JPEGs, the contact sheet and the manifest to ``out`` atomically. Returns ``out``.

    ``manifest_for(image_files)`` builds the manifest once the file names are known.
    """
    out = Path(out)
    _check_target(out)
    images = [f.image for f in frames]
    if any(img is None for img in images):
        raise ValueError("selection has no images: call select(..., fetch=True)")
    with atomic_dir(out) as tmp:
        names = []
        for k, (f, img) in enumerate(zip(frames, images)):
            name = f"frame_{k:03d}_{f.index:07d}_{f.time:010.3f}s.jpg"
            assert img is not None
            (tmp / name).write_bytes(encode_jpeg(img, 92))
            names.append(name)
        labels = [f"{format_time(f.time)}  #{f.index}" for f in frames]
        contact_sheet([img for img in images if img is not None], labels).save(tmp / "contact_sheet.png")
        manifest = manifest_for(names)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
