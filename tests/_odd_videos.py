"""Odd little fixture videos for the container corner cases, and the frame ids painted into them.

:func:`make_odd_video` writes small fixture files that exercise container corner cases
(variable frame rate, rotation, non-square pixels, delayed start, truncation, corruption,
embedded subtitles, non-video files); :func:`frame_id_from_pixels` reads back the frame index
that the ``cfr``/``vfr``/``rotated``/``sar``/``delayed``/``with_subs`` fixtures paint into
every frame.

Every video fixture paints its frame index into every frame (:func:`frame_id_from_pixels` reads it
back), so a test can tell exactly which frame a reader returned.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw

from _encode import _encode_frames
from framesift.bench.needle_video import _rate
from framesift.bench.render import _font
from framesift.bench.transcript import write_srt

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
    "faststart",
    "one_frame",
    "text",
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
    if kind == "faststart":  # moov before mdat (the other mp4 fixtures keep FFmpeg's default: moov at the end)
        _encode_frames(p, plain(range(n)), W=W, H=H, rate=rate, container_options={"movflags": "+faststart"})
        return OddVideo(
            p, kind, {**base, "num_frames": n, "ids": list(range(n)), "times": [float(i / rate) for i in range(n)]}
        )
    if kind == "one_frame":
        _encode_frames(p, plain([0]), W=W, H=H, rate=rate)
        return OddVideo(p, kind, {**base, "num_frames": 1, "ids": [0], "times": [0.0]})
    if kind == "text":  # on-screen words (OCR and the text model run on them), moov first, 10 fps
        rate = _rate(10)
        m = max(int(round(seconds * 10)), 2)
        words = ["GATE 4417", "EXIT NORTH"]
        frames = ((_id_frame(i, W, H, label=words[(2 * i) // m]), i) for i in range(m))
        _encode_frames(p, frames, W=W, H=H, rate=rate, container_options={"movflags": "+faststart"})
        return OddVideo(p, kind, {**base, "fps": 10.0, "num_frames": m, "words": words})
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
