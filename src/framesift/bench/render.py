"""Fonts and text labels for the synthetic videos: bold DejaVu text on rounded, translucent boxes.

Pillow draws the label once into an RGBA patch; :class:`_Patch` alpha-blends it onto each frame, so a
label that stays on screen for a whole shot costs one render, not one per frame.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont


def _font_candidates(mono: bool) -> list[Path]:
    name = "DejaVuSansMono-Bold.ttf" if mono else "DejaVuSans-Bold.ttf"
    out: list[Path] = []
    # find_spec on a top-level name locates the package without importing it (matplotlib is
    # slow to import and only its bundled fonts are wanted here).
    spec = importlib.util.find_spec("matplotlib")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        out.append(Path(loc) / "mpl-data" / "fonts" / "ttf" / name)
    for folder in (
        "/usr/share/fonts/truetype/dejavu",
        "/usr/share/fonts/dejavu",
        "/usr/share/fonts/TTF",
        "/Library/Fonts",
        "C:/Windows/Fonts",
    ):
        out.append(Path(folder) / name)
    return out


@lru_cache(maxsize=64)
def _font(size: int, mono: bool = False) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A bold TrueType font of ``size`` px: DejaVu if found, else Pillow's scalable default."""
    for cand in _font_candidates(mono) + (_font_candidates(False) if mono else []):
        if cand.is_file():
            return ImageFont.truetype(str(cand), size)
    try:
        return ImageFont.load_default(size=size)  # Pillow >= 10.1 ships a scalable font
    except TypeError:  # older Pillow: tiny bitmap font, still better than failing
        return ImageFont.load_default()


def _text_width(font: Any, text: str) -> float:
    return float(font.getlength(text))


def _wrap(text: str, font: Any, max_width: float) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels."""
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if cur and _text_width(font, trial) > max_width:
            lines.append(cur)
            cur = w
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines or [""]


@dataclass
class _Patch:
    """A pre-rendered RGBA sprite, stored premultiplied so per-frame blending is two multiplies."""

    rgb_a: np.ndarray  # uint16, rgb * alpha
    inv_a: np.ndarray  # uint16, 255 - alpha, shape (h, w, 1)
    w: int
    h: int

    @classmethod
    def from_rgba(cls, img: Image.Image) -> _Patch:
        arr = np.asarray(img.convert("RGBA"), dtype=np.uint16)
        a = arr[..., 3:4]
        return cls(rgb_a=arr[..., :3] * a, inv_a=255 - a, w=arr.shape[1], h=arr.shape[0])

    def draw(self, frame: np.ndarray, x: int, y: int) -> None:
        """Alpha-blend onto ``frame`` (H, W, 3 uint8) in place with the top-left corner at (x, y)."""
        H, W = frame.shape[:2]
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + self.w, W), min(y + self.h, H)
        if x1 <= x0 or y1 <= y0:
            return
        px, py = x0 - x, y0 - y
        region = frame[y0:y1, x0:x1]
        blended = region.astype(np.uint16) * self.inv_a[py : py + y1 - y0, px : px + x1 - x0]
        blended += self.rgb_a[py : py + y1 - y0, px : px + x1 - x0]
        region[...] = (blended // 255).astype(np.uint8)


def _label(
    lines: Sequence[str],
    size: int,
    fg: tuple[int, int, int],
    bg: tuple[int, int, int] | None,
    bg_alpha: int = 255,
    pad: int | None = None,
    radius: int = 6,
    mono: bool = False,
    sub: tuple[str, int, tuple[int, int, int]] | None = None,
) -> _Patch:
    """Render text lines in a (rounded, optionally translucent) box as a sprite.

    ``sub`` adds a smaller second style line (a lower-third's role under the name).
    """
    font = _font(size, mono)
    pad = pad if pad is not None else max(4, size // 3)
    rows: list[tuple[str, Any, tuple[int, int, int]]] = [(ln, font, fg) for ln in lines]
    if sub is not None:
        rows.append((sub[0], _font(sub[1]), sub[2]))
    widths, heights = [], []
    for text, f, _ in rows:
        l, t, r, b = f.getbbox(text or " ")
        widths.append(r - l)
        heights.append(max(b, int(getattr(f, "size", size) * 1.0)))
    w = int(max(widths)) + 2 * pad
    gap = max(2, size // 6)
    h = int(sum(heights) + gap * (len(rows) - 1)) + 2 * pad
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if bg is not None:
        d.rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=(*bg, bg_alpha))
    y = pad
    for (text, f, col), hh in zip(rows, heights):
        d.text((pad, y), text, font=f, fill=(*col, 255))
        y += hh + gap
    return _Patch.from_rgba(img)
