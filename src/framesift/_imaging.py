"""Small image and time helpers every exporter shares: JPEG bytes, shrink-to-fit, clock strings.

One implementation each, so a JPEG sent to a model, written to a folder or stored in the index
is encoded the same way, and every time a person reads is formatted the same way.
"""

from __future__ import annotations

import io
import math

from PIL import Image

__all__ = ["clock", "encode_jpeg", "fit_within", "padded_box"]


def encode_jpeg(img: Image.Image, quality: int, *, optimize: bool = False) -> bytes:
    """Baseline JPEG bytes of ``img`` (converted to RGB first: JPEG has no alpha or palette)."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=int(quality), optimize=optimize)
    return buf.getvalue()


def fit_within(img: Image.Image, max_side: int) -> Image.Image:
    """Shrink (never enlarge) so the longer side is at most ``max_side`` pixels (bicubic)."""
    if max(img.size) <= max_side:
        return img
    s = max_side / max(img.size)
    return img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.Resampling.BICUBIC)


def clock(seconds: float, decimals: int = 2, *, truncate: bool = False, signed: bool = False) -> str:
    """``75.25`` -> ``"01:15.25"``; hours when needed (``"1:02:03.00"``).

    ``truncate`` cuts the last digit instead of rounding (so 59.97 never prints as 60.0 at one
    decimal); ``signed`` keeps a minus sign, otherwise negative times print as 0.
    """
    sign = "-" if signed and seconds < 0 else ""
    s = abs(float(seconds)) if signed else max(0.0, float(seconds))
    if not truncate:
        s = round(s, decimals)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if truncate:
        sec = math.floor(sec * 10**decimals) / 10**decimals
    body = f"{int(m):02d}:{sec:0{3 + decimals if decimals else 2}.{decimals}f}"
    return f"{sign}{int(h)}:{body}" if h >= 1 else sign + body


def padded_box(
    region: tuple[float, float, float, float], pad_x: float, pad_y: float, size: tuple[int, int]
) -> tuple[tuple[float, float, float, float], tuple[int, int, int, int]]:
    """``region`` (``x0, y0, x1, y1`` in [0, 1]) grown by ``pad_x`` / ``pad_y`` and clipped to the
    frame, both in [0, 1] and as a pixel box of a ``size = (width, height)`` image (outward)."""
    x0, y0 = max(0.0, region[0] - pad_x), max(0.0, region[1] - pad_y)
    x1, y1 = min(1.0, region[2] + pad_x), min(1.0, region[3] + pad_y)
    w, h = size
    return (x0, y0, x1, y1), (int(x0 * w), int(y0 * h), min(w, math.ceil(x1 * w)), min(h, math.ceil(y1 * h)))
