"""Write a selection to a directory: JPEGs at full resolution, manifest.json, contact_sheet.png.

The directory is assembled under a temporary name beside the target and renamed into place, so a
failed or interrupted run never leaves a half-written output directory. An existing target is
replaced only if it is empty or was written by framesift (holds a manifest.json); anything else
is refused rather than overwritten.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .._atomic import atomic_dir
from .._imaging import clock, encode_jpeg
from ..errors import InputError, os_reason
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
    images: list[Image.Image],
    labels: list[str],
    *,
    tile_width: int = 320,
    columns: int = 4,
    title: str | None = None,
    captions: list[str] | None = None,
) -> Image.Image:
    """Frames in a grid, each with its label (time, index, role) and an optional caption (why it
    was chosen) in a bar under it; ``title`` (the question) in a bar across the top."""
    columns = max(1, min(columns, len(images) or 1))
    font, small = _font(16), _font(13)
    head = 30 if title else 0
    if not images:
        sheet = Image.new("RGB", (tile_width * columns, head + 40), (24, 24, 24))
        if title:
            ImageDraw.Draw(sheet).text((6, 6), _fit(title, tile_width * columns, 8), fill=(255, 255, 255), font=font)
        return sheet
    ratio = max(im.height / im.width for im in images)
    tile_h = int(round(tile_width * ratio))
    bar = 44 if captions else 26
    rows = (len(images) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * tile_width, head + rows * (tile_h + bar)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((6, 6), _fit(f"Q: {title}", columns * tile_width, 8), fill=(255, 255, 255), font=font)
    for k, (im, label) in enumerate(zip(images, labels)):
        r, c = divmod(k, columns)
        x, y = c * tile_width, head + r * (tile_h + bar)
        thumb = im.copy()
        thumb.thumbnail((tile_width, tile_h))
        sheet.paste(thumb, (x + (tile_width - thumb.width) // 2, y + (tile_h - thumb.height) // 2))
        draw.text((x + 6, y + tile_h + 4), label, fill=(255, 255, 255), font=font)
        if captions and k < len(captions):
            draw.text((x + 6, y + tile_h + 24), _fit(captions[k], tile_width, 7), fill=(190, 190, 190), font=small)
    return sheet


def _fit(text: str, width_px: int, char_px: int) -> str:
    """``text`` on one line, cut with an ellipsis to about what ``width_px`` holds."""
    text = " ".join(text.split())
    room = max(4, width_px // char_px - 1)
    return text if len(text) <= room else text[: room - 1] + "\u2026"


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
    out: Path,
    frames: Sequence[SelectedFrame],
    manifest_for: Callable[[list[str]], dict[str, Any]],
    *,
    title: str | None = None,
    extra_json: Mapping[str, Any] | None = None,
) -> Path:
    """Write the frames' JPEGs, the contact sheet and the manifest to ``out`` atomically. Returns ``out``.

    ``manifest_for(image_files)`` builds the manifest once the file names are known; ``title``
    (the question) heads the contact sheet; ``extra_json`` (file name -> JSON data, e.g. a
    model-input format) is written into the same folder before it is renamed into place.
    Any :class:`OSError` on the way (a full disk, a read-only folder, a parent that is a file)
    becomes one :class:`InputError` line naming ``out``; nothing half-written is left.
    """
    out = Path(out)
    images = [f.image for f in frames]
    if any(img is None for img in images):
        raise ValueError("selection has no images: call select(..., fetch=True)")
    try:
        _check_target(out)
        with atomic_dir(out) as tmp:
            names = []
            for k, (f, img) in enumerate(zip(frames, images)):
                name = f"frame_{k:03d}_{f.index:07d}_{f.time:010.3f}s.jpg"
                assert img is not None
                (tmp / name).write_bytes(encode_jpeg(img, 92))
                names.append(name)
            labels = [f"{format_time(f.time)}  #{f.index}  {f.role}" for f in frames]
            sheet = contact_sheet(
                [img for img in images if img is not None], labels, title=title, captions=[f.reason for f in frames]
            )
            sheet.save(tmp / "contact_sheet.png")
            manifest = manifest_for(names)
            (tmp / "manifest.json").write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            for fname, data in (extra_json or {}).items():
                (tmp / fname).write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the output folder ({_why(exc)})", param="out") from None
    return out


def _why(exc: OSError) -> str:
    """Why a write under ``out`` failed, in words, naming the path it failed on when that is a
    parent (a regular file where a folder should be) rather than a temporary file."""
    if exc.errno in (errno.EEXIST, errno.ENOTDIR) and exc.filename:
        return f"{exc.filename} is a file, not a folder"
    reason = os_reason(exc)
    name = str(exc.filename or "")
    return f"{reason}: {name}" if name and ".partial" not in name else reason
