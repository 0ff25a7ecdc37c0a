"""What the synthetic videos paint over their scenes: distractor text and the needles.

Distractor overlays (signs, name tags, tickers, a running clock) stay on screen for a whole shot and
answer no question; a needle patch is the caption of a ``text`` needle; a flash is the 2-4 frames of
a ``flash`` needle.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .corpus import NAMES, SIGNS, SLIDE_TITLES, TICKERS
from .render import _font, _label, _Patch, _wrap


class _Overlay:
    """Persistent text on a shot. ``draw(frame, t)`` paints it; ``texts`` is what it shows."""

    def __init__(self, patch: _Patch | None, x: int, y: int, text: str) -> None:
        self.patch, self.x, self.y, self.text = patch, x, y, text

    def draw(self, frame: np.ndarray, t: float) -> None:
        if self.patch is not None:
            self.patch.draw(frame, self.x, self.y)


class _ClockOverlay(_Overlay):
    """A burned-in date/time stamp (CCTV/dashcam style) that ticks every second."""

    def __init__(self, rng: np.random.Generator, W: int, H: int) -> None:
        self.base = int(rng.integers(6 * 3600, 20 * 3600))
        self.date = f"2024-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
        self.size = max(10, int(18 * H / 360))
        self.W, self.H = W, H
        self._sec = -1
        self._patch: _Patch | None = None
        super().__init__(None, 0, 0, self._text(0))

    def _text(self, sec: int) -> str:
        s = (self.base + sec) % 86400
        return f"{self.date} {s // 3600:02d}:{(s // 60) % 60:02d}:{s % 60:02d}"

    def draw(self, frame: np.ndarray, t: float) -> None:
        sec = int(t)
        if sec != self._sec:  # re-render only when the displayed second changes
            self._sec = sec
            self._patch = _label([self._text(sec)], self.size, (255, 255, 255), (0, 0, 0), 150, mono=True, radius=2)
        assert self._patch is not None
        self._patch.draw(frame, self.W - self._patch.w - 8, 8)


def _make_overlays(rng: np.random.Generator, kind: str, W: int, H: int) -> list[_Overlay]:
    """Zero to two distractor overlays for one shot, in layout regions a needle never uses:
    the top band, the corners, the sign band (upper third) and the lower third."""
    s = H / 360
    p_any = 0.45 if kind == "render:slide" else 0.75
    if rng.random() > p_any:
        return []
    options = ["clock", "ticker"] if kind == "render:slide" else ["sign", "lower_third", "title", "clock", "ticker"]
    picked = list(rng.choice(options, size=min(len(options), int(rng.integers(1, 3))), replace=False))
    if "title" in picked and "clock" in picked:  # both want the top-right corner
        picked.remove("clock")
    out: list[_Overlay] = []
    for what in picked:
        if what == "sign":
            text = str(rng.choice(SIGNS))
            bg = [(0, 110, 60), (20, 60, 160), (180, 30, 30), (240, 240, 240), (30, 30, 30)][int(rng.integers(5))]
            fg = (20, 20, 20) if sum(bg) > 500 else (255, 255, 255)
            p = _label([text], int(rng.integers(22, 29) * s), fg, bg, 255, radius=4)
            x = int(rng.uniform(8, max(9, W - p.w - 8)))
            y = int(rng.uniform(0.17 * H, max(0.17 * H + 1, 0.35 * H - p.h)))
            out.append(_Overlay(p, x, y, text))
        elif what == "lower_third":
            name, role = NAMES[int(rng.integers(len(NAMES)))]
            p = _label(
                [name],
                int(24 * s),
                (255, 255, 255),
                (15, 35, 80),
                220,
                radius=3,
                sub=(role, int(17 * s), (255, 210, 90)),
            )
            out.append(_Overlay(p, int(20 * s), int(0.73 * H), f"{name} {role}"))
        elif what == "title":
            text = str(rng.choice(SLIDE_TITLES))
            p = _label([text], int(24 * s), (255, 255, 255), (0, 0, 0), 140, radius=0, pad=int(9 * s))
            out.append(_Overlay(p, int((W - p.w) / 2), 0, text))
        elif what == "ticker":
            text = str(rng.choice(TICKERS))
            p = _label([text], int(17 * s), (255, 255, 255), (200, 20, 20), 230, radius=3)
            out.append(_Overlay(p, 8, int(0.92 * H) - p.h, text))
        else:
            out.append(_ClockOverlay(rng, W, H))
    return out


def _needle_patch(
    rng: np.random.Generator, text: str, W: int, H: int, text_px: tuple[float, float] | None = None
) -> tuple[_Patch, int, int]:
    """A readable caption box (26-34 px at 360p) placed in the middle band of the frame.

    ``text_px`` fixes the font size range in on-screen pixels instead (e.g. 16-28 px on a 1080p
    source: the size of slide bullets and UI labels, which vanish when a frame is shrunk)."""
    s = H / 360
    lo, hi = text_px if text_px is not None else (26 * s, 34 * s)
    size = int(round(rng.uniform(lo, hi)))
    styles = [
        ((255, 255, 255), (0, 0, 0), 200),
        ((0, 0, 0), (255, 220, 40), 255),
        ((20, 20, 20), (250, 250, 250), 235),
        ((255, 255, 255), (150, 20, 40), 230),
    ]
    fg, bg, alpha = styles[int(rng.integers(len(styles)))]
    while True:
        lines = _wrap(text, _font(size), W * 0.88)
        if len(lines) <= 2 or size <= 14 or text_px is not None:
            break
        size -= 2
    p = _label(lines, size, fg, bg, alpha, radius=8)
    x = int(rng.uniform(max(4, 0.04 * W), max(5, W - p.w - 0.04 * W)))
    y_lo, y_hi = 0.37 * H, 0.71 * H - p.h
    y = int(rng.uniform(y_lo, max(y_lo + 1, y_hi)))
    return p, x, y


_COLOURS = {
    "white": (255, 255, 255),
    "yellow": (255, 235, 40),
    "red": (235, 30, 30),
    "green": (40, 220, 60),
    "blue": (40, 80, 255),
    "magenta": (240, 40, 220),
    "pink": (255, 80, 200),
    "cyan": (40, 230, 240),
    "orange": (255, 140, 20),
}
_SHAPES = ("circle", "square", "triangle", "star")


def _parse_flash(content: str) -> tuple[str | None, tuple[int, int, int]]:
    """(shape or None for a full-frame flash, colour) from a flash needle's description."""
    low = content.lower()
    colour = next((c for name, c in _COLOURS.items() if name in low), _COLOURS["white"])
    shape = next((sh for sh in _SHAPES if sh in low), None)
    return shape, colour


def _draw_flash(frame: np.ndarray, shape: str | None, colour: tuple[int, int, int], cx: int, cy: int, r: int) -> None:
    if shape is None:
        # 88% toward the colour: unmistakably a flash, with a ghost of the scene left in it.
        frame[...] = (frame.astype(np.uint16) * 30 // 255 + np.array(colour, np.uint16) * 225 // 255).astype(np.uint8)
        return
    if shape == "circle":
        cv2.circle(frame, (cx, cy), r, (0, 0, 0), -1, cv2.LINE_AA)
        cv2.circle(frame, (cx, cy), r - 4, colour, -1, cv2.LINE_AA)
        return
    if shape == "square":
        m, th0 = 4, math.pi / 4
    elif shape == "triangle":
        m, th0 = 3, -math.pi / 2
    else:
        m, th0 = 10, -math.pi / 2
    th = th0 + np.arange(m) * 2 * np.pi / m
    rad = np.full(m, float(r))
    if shape == "star":
        rad[1::2] = r * 0.45
    pts = np.stack([cx + rad * np.cos(th), cy + rad * np.sin(th)], axis=1).astype(np.int32)
    cv2.fillPoly(frame, [pts], (0, 0, 0), cv2.LINE_AA)
    inner = np.stack([cx + (rad - 5) * np.cos(th), cy + (rad - 5) * np.sin(th)], axis=1).astype(np.int32)
    cv2.fillPoly(frame, [inner], colour, cv2.LINE_AA)
