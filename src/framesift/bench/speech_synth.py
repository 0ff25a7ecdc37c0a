"""Synthetic speech for tests and the spoken-needle benchmark: espeak-ng voices mixed into a track.

Real speech made by a formant synthesizer (espeak-ng, from Debian) at known times: what each
sentence says and when is the ground truth, so recognition (word error rate) and retrieval
(did a frame land inside the answering sentence) can be scored without any recorded data. A
track is filler talk every few seconds, the needle sentences at their times, and low noise;
it is muxed beside an existing video stream (packets copied, not re-encoded).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.audio.stream import AudioStream

__all__ = ["espeak_available", "speak", "mix_track", "mux_audio", "filler_speech_plan", "word_error_rate"]

RATE = 16_000


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@lru_cache(maxsize=4096)
def _speak_cached(text: str, voice: str, wpm: int, rate: int) -> bytes:
    if not espeak_available():
        raise RuntimeError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "s.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text], check=True, capture_output=True
        )
        with av.open(str(wav)) as c:
            res = av.AudioResampler(format="flt", layout="mono", rate=rate)
            parts = []
            for fr in c.decode(audio=0):
                parts += [f.to_ndarray().reshape(-1) for f in res.resample(fr)]
            parts += [f.to_ndarray().reshape(-1) for f in res.resample(None)]
    return np.concatenate(parts).astype(np.float32).tobytes()


def speak(text: str, *, voice: str = "en-us", wpm: int = 165, rate: int = RATE) -> np.ndarray:
    """``text`` spoken by espeak-ng, float32 mono at ``rate`` (leading/trailing silence trimmed)."""
    a = np.frombuffer(_speak_cached(text, voice, int(wpm), int(rate)), dtype=np.float32)
    loud = np.flatnonzero(np.abs(a) > 0.01)
    return a[loud[0] : loud[-1] + 1].copy() if len(loud) else a.copy()


def filler_speech_plan(
    rng: np.random.Generator, duration: float, busy: Sequence[tuple[float, float]], lines: Sequence[str]
) -> list[tuple[float, str]]:
    """Start times of filler sentences every few seconds, kept clear of ``busy`` spans (±0.6 s)."""
    out: list[tuple[float, str]] = []
    t = float(rng.uniform(0.3, 1.5))
    busy = sorted(busy)
    while t < duration - 4.0:
        if rng.random() < 0.05:
            t += float(rng.uniform(3, 8))
            continue
        line = str(lines[int(rng.integers(len(lines)))])
        est = 0.075 * len(line) + 0.3  # espeak at 165 wpm: ~13 characters a second
        clash = next(((a, b) for a, b in busy if t < b + 0.6 and t + est > a - 0.6), None)
        if clash is not None:
            t = clash[1] + float(rng.uniform(0.6, 1.0))
            continue
        out.append((round(t, 3), line))
        t += est + float(rng.uniform(0.4, 1.4))
    return out


def mix_track(
    duration: float,
    utterances: Sequence[tuple[float, str]],
    *,
    seed: int = 0,
    noise_db: float = -45.0,
    rate: int = RATE,
    voice: str = "en-us",
) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """A mono track of ``duration`` s with each ``(start, text)`` spoken at its start, plus noise.

    Returns the samples and the actual ``(start, end, text)`` of each utterance (an utterance that
    would overrun the next one or the end is cut there, and its end says so).
    """
    n = int(round(duration * rate))
    rng = np.random.default_rng([seed, 77])
    track = (10 ** (noise_db / 20) * rng.standard_normal(n)).astype(np.float32)
    spans = []
    order = sorted(utterances)
    for k, (start, text) in enumerate(order):
        a = speak(text, voice=voice, rate=rate) * 0.5
        i0 = int(round(start * rate))
        limit = int(round(order[k + 1][0] * rate)) if k + 1 < len(order) else n
        a = a[: max(0, min(len(a), limit - i0, n - i0))]
        track[i0 : i0 + len(a)] += a
        spans.append((float(start), float(start + len(a) / rate), text))
    return np.clip(track, -1.0, 1.0), spans


def mux_audio(
    video: str | Path,
    samples: np.ndarray,
    out: str | Path,
    *,
    rate: int = RATE,
    out_rate: int | None = None,
    layout: str = "mono",
    codec: str = "aac",
) -> Path:
    """Copy ``video``'s video stream into ``out`` and add ``samples`` as an audio stream.

    ``out_rate`` / ``layout`` re-sample and up-mix the track (the 96 kHz / 8-channel fixtures).
    """
    out = Path(out)
    out_rate = out_rate or rate
    src = av.open(str(video))
    dst = av.open(str(out), "w")
    try:
        vin = src.streams.video[0]
        vout = dst.add_stream_from_template(vin)
        aout = cast(AudioStream, dst.add_stream(codec, rate=out_rate, layout=layout))
        fmt = aout.codec_context.format
        res = av.AudioResampler(format=fmt.name if fmt is not None else "fltp", layout=layout, rate=out_rate)
        for pkt in src.demux(vin):
            if pkt.dts is None:
                continue
            pkt.stream = vout
            dst.mux(pkt)
        step = 4096
        for s0 in range(0, len(samples), step):
            chunk = np.ascontiguousarray(samples[s0 : s0 + step], dtype=np.float32)[None, :]
            af = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            af.sample_rate, af.pts, af.time_base = rate, s0, Fraction(1, rate)
            for fr in res.resample(af):
                for p in aout.encode(fr):
                    dst.mux(p)
        for fr in res.resample(None):
            for p in aout.encode(fr):
                dst.mux(p)
        for p in aout.encode():
            dst.mux(p)
    finally:
        dst.close()
        src.close()
    return out


def _norm_words(text: str) -> list[str]:
    import re

    nums = {
        "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
        "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    }  # fmt: skip
    out: list[str] = []
    for w in re.findall(r"[a-z0-9']+", text.lower().replace("-", " ")):
        w = nums.get(w, w)
        # a spoken digit string ("four seven two nine") may be written "4729" or "4, 729": digit by digit
        out.extend(list(w) if w.isdigit() and len(w) > 1 else [w])
    return out


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate (substitutions + insertions + deletions) / reference words, after lower-casing,
    dropping punctuation and writing small number words as digits (Whisper writes "4729" or
    "4. 729" for "four seven two nine"; both are right). Digit strings are compared digit by digit."""
    r, h = _norm_words(reference), _norm_words(hypothesis)
    if not r:
        return 0.0 if not h else 1.0
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        cur = [i] + [0] * len(h)
        for j, hw in enumerate(h, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rw != hw))
        prev = cur
    return prev[-1] / len(r)
