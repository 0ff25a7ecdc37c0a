"""Transcription cost on one decoded track: where the time goes, and settings against each other.

The audio of each video is decoded once (``iter_audio``, the chunks the analysis hands to the
recogniser) and transcribed several ways back to back, model load excluded, in one process:
framesift's default (:func:`framesift.signals.speech.transcribe_chunks` as it is called by the
analysis), named alternatives, and the baseline of issue 13, Whisper's sequential window without
VAD. Each way prints x real time, its ratio to the baseline, and the word error rate against what
the video's truth JSON says was spoken (``--wer-max-min`` bounds it: the WER alignment is pure
Python, quadratic in the words).

``--profile`` splits each way's wall time into faster-whisper's stages by timing the library's
own calls (a pass-through wrapper around the CTranslate2 model, the feature extractor and the
VAD; nothing is reimplemented): Silero VAD, log-mel features, encoder, decoder (``generate``),
word alignment (``align``, the cross-attention DTW behind word timestamps) and the rest (Python
around them), and how full the 30 s windows the encoder sees are. ``--encoder int8,float32,...``
times only the encoder on full 30 s windows of the first video, the floor under any setting.

    flock /tmp/framesift-bench.lock nice -n 5 python benchmarks/bench_transcribe.py \
        bench-data/speech/spoken_10min_seed301_10facts.mp4 bench-data/speech/spoken_60min_seed300_24facts.mp4
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import peak_rss_mb, publish  # noqa: E402

BASELINE = "sequential, no VAD, 1 worker (baseline)"
#: name -> (transcribe_chunks keyword arguments, AudioChunker chunk seconds (None: the default),
#: the model's CTranslate2 workers (None: framesift's default, CPU_WORKERS; 1: all cores on one chunk))
WAYS: dict[str, tuple[dict[str, Any], float | None, int | None]] = {
    "default": ({}, None, None),
    "VAD + batched, 1 worker (the default before)": ({}, None, 1),
    BASELINE: ({"batched": False, "vad": False}, None, 1),
    "sequential, no VAD, default workers": ({"batched": False, "vad": False}, None, None),
    "batch 4": ({"batch_size": 4}, None, None),
    "batch 8": ({"batch_size": 8}, None, None),
    "batch 16": ({"batch_size": 16}, None, None),
    "120 s chunks": ({}, 120.0, None),
    "180 s chunks": ({}, 180.0, None),
    "480 s chunks": ({}, 480.0, None),
}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


class _Timed:
    """Pass-through proxy: every call of a callable attribute adds its wall time to ``acc[name]``."""

    def __init__(self, inner: Any, acc: dict[str, float], prefix: str = "") -> None:
        self._inner, self._acc, self._prefix = inner, acc, prefix

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr
        key = self._prefix + name

        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return attr(*a, **kw)
            finally:
                self._acc[key] += time.perf_counter() - t0

        return timed

    def __call__(self, *a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self._inner(*a, **kw)
        finally:
            self._acc[self._prefix + "call"] += time.perf_counter() - t0


class Profiler:
    """Times faster-whisper's stages by wrapping the library objects it calls (restored on exit)."""

    def __init__(self, wm: Any) -> None:
        import faster_whisper.transcribe as fwt

        self.fwt, self.wm = fwt, wm
        self.acc: dict[str, float] = defaultdict(float)
        self.windows: list[float] = []

    def __enter__(self) -> Profiler:
        fwt, acc = self.fwt, self.acc
        self._saved = (self.wm.model, self.wm.feature_extractor, fwt.get_speech_timestamps, fwt.collect_chunks)
        self.wm.model = _Timed(self.wm.model, acc, "ct2.")
        self.wm.feature_extractor = _Timed(self.wm.feature_extractor, acc, "mel.")
        vad, collect = fwt.get_speech_timestamps, fwt.collect_chunks

        def timed_vad(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return vad(*a, **kw)
            finally:
                acc["vad"] += time.perf_counter() - t0

        def counted_collect(*a: Any, **kw: Any) -> Any:
            chunks, meta = collect(*a, **kw)
            self.windows += [float(m["duration"]) for m in meta]
            return chunks, meta

        fwt.get_speech_timestamps, fwt.collect_chunks = timed_vad, counted_collect
        return self

    def __exit__(self, *exc: object) -> None:
        self.wm.model, self.wm.feature_extractor, self.fwt.get_speech_timestamps, self.fwt.collect_chunks = self._saved

    def split(self, wall: float, workers: int) -> str:
        """Each stage's seconds; with several workers they are thread-seconds (they overlap in wall time)."""
        a = self.acc
        parts = {
            "VAD": a["vad"],
            "mel": a["mel.call"],
            "encode": a["ct2.encode"],
            "generate": a["ct2.generate"],
            "align": a["ct2.align"],
        }
        if workers == 1:
            parts["other"] = wall - sum(parts.values())
        total = sum(parts.values())
        s = ", ".join(f"{k} {v:.1f}s ({v / total:.0%})" for k, v in parts.items())
        if workers > 1:
            s = f"thread-seconds in {workers} workers: " + s
        if self.windows:
            w = self.windows
            s += f"; {len(w)} windows, mean {sum(w) / len(w):.1f}s of 30 s, {sum(x < 15 for x in w)} under 15 s"
        return s


def encoder_floor(path: Path, compute_types: list[str], seconds: float = 6.0) -> list[str]:
    """The encoder alone on full 30 s windows of the track (its first 8), per compute type and batch size:
    what transcription costs at the least, whatever the decoding around it."""
    import ctranslate2
    import numpy as np
    from faster_whisper import WhisperModel

    from framesift.signals.speech import _default_model_dir
    from framesift.video.audio import AudioScan, iter_audio

    audio = next(iter(iter_audio(path, AudioScan()))).samples
    audio = np.pad(audio, (0, max(0, 8 * 480000 - len(audio))))  # 8 whole 30 s windows
    out = ["| compute type (2 threads, 1 worker) | batch | s per 30 s window | load |", "|---|---|---|---|"]
    for ct in compute_types:
        wm = WhisperModel(str(_default_model_dir()), device="cpu", compute_type=ct, cpu_threads=os.cpu_count() or 1)
        feats = np.stack([wm.feature_extractor(audio[i * 480000 : (i + 1) * 480000])[..., :3000] for i in range(8)])
        for bs in (1, 8):
            x = ctranslate2.StorageView.from_array(np.ascontiguousarray(feats[:bs]))
            wm.model.encode(x)  # warm
            t0, n = time.perf_counter(), 0
            while time.perf_counter() - t0 < seconds:
                wm.model.encode(x)
                n += bs
            out.append(f"| {ct} | {bs} | {(time.perf_counter() - t0) / n:.3f} | {os.getloadavg()[0]:.2f} |")
            print("  " + out[-1], file=sys.stderr)
    return out


def child_rss(path: Path, name: str) -> None:
    """One way in this fresh process: the track decoded, transcribed; prints [peak RSS MB, x real time]."""
    from framesift.signals.speech import load_speech_model, transcribe_chunks
    from framesift.video.audio import CHUNK_S, AudioScan, iter_audio

    kw, chunk_s, workers = WAYS[name]
    model = load_speech_model("default", workers=workers)
    chunks = list(iter_audio(path, AudioScan(), chunk_s=chunk_s or CHUNK_S))
    t0 = time.perf_counter()
    transcribe_chunks(chunks, model, **kw)
    x = sum(c.duration for c in chunks) / (time.perf_counter() - t0)
    print(json.dumps([peak_rss_mb(), x]))


def _publish(out: str, title: str, lines: list[str]) -> None:
    """Print and write the report, with the load at its end."""
    publish(out, title, "\n".join(lines) + f"\n\nuptime at end: {uptime()}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("videos", nargs="+", type=Path)
    ap.add_argument(
        "--ways",
        default=f"default;VAD + batched, 1 worker (the default before);{BASELINE}",
        help="';'-separated names from WAYS",
    )
    ap.add_argument("--profile", action="store_true", help="split each way's time into faster-whisper's stages")
    ap.add_argument("--wer-max-min", type=float, default=15.0, help="compute WER only on tracks up to this long")
    ap.add_argument("--out", default="transcribe.md", help="file name under benchmarks/results/")
    ap.add_argument(
        "--encoder", default="", help="only time the encoder on the first video: comma-separated compute types"
    )
    ap.add_argument("--rss", action="store_true", help="each way in a fresh process: its peak RSS")
    ap.add_argument("--child-rss", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_rss:
        child_rss(args.videos[0], args.child_rss)
        return
    if args.rss:
        lines = [
            f"uptime at start: {uptime()}",
            "",
            "| track | way | peak RSS MB (fresh process) | x real time |",
            "|---|---|---|---|",
        ]
        for path in args.videos:
            for name in [n.strip() for n in args.ways.split(";") if n.strip()]:
                out = subprocess.run(
                    [sys.executable, __file__, str(path), "--child-rss", name],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rss, x = json.loads(out.stdout.strip().splitlines()[-1])
                lines.append(f"| {path.name} | {name} | {rss:.0f} | {x:.1f}x |")
                print("  " + lines[-1], file=sys.stderr)
        _publish(args.out, "Transcription peak memory per way", lines)
        return
    if args.encoder:
        lines = [f"uptime at start: {uptime()}", "", *encoder_floor(args.videos[0], args.encoder.split(","))]
        _publish(args.out, "Whisper encoder alone on full windows", lines)
        return

    from framesift.bench.speech_synth import word_error_rate
    from framesift.signals.speech import load_speech_model, transcribe_chunks
    from framesift.video.audio import CHUNK_S, AudioScan, iter_audio

    names = [n.strip() for n in args.ways.split(";") if n.strip()]
    lines = [f"uptime at start: {uptime()}", ""]
    table = ["| track | way | x real time | vs baseline | WER | words |", "|---|---|---|---|---|---|"]
    profiles: list[str] = []
    for path in args.videos:
        truth_path = path.with_suffix(".truth.json")
        said = (
            " ".join(s["text"] for s in json.loads(truth_path.read_text())["speech"]) if truth_path.exists() else None
        )
        tracks: dict[float, list] = {}
        got: dict[str, float] = {}
        done: list[tuple[str, float, str, int]] = []
        for name in names:
            kw, chunk_s, workers = WAYS[name]
            model = load_speech_model("default", workers=workers)
            chunk_s = chunk_s or CHUNK_S
            if chunk_s not in tracks:
                tracks[chunk_s] = list(iter_audio(path, AudioScan(), chunk_s=chunk_s))
            chunks = tracks[chunk_s]
            audio_s = sum(c.duration for c in chunks)
            print(f"  {path.name}: {name} ... {uptime()}", file=sys.stderr)
            run: Callable[[], Any] = lambda: transcribe_chunks(chunks, model, **kw)  # noqa: E731
            if args.profile:
                with Profiler(model.model) as prof:
                    t0 = time.perf_counter()
                    tr = run()
                    wall = time.perf_counter() - t0
                profiles.append(f"- {path.name}, {name}: wall {wall:.1f}s: {prof.split(wall, model.workers)}")
            else:
                t0 = time.perf_counter()
                tr = run()
                wall = time.perf_counter() - t0
            got[name] = audio_s / wall
            wer = (
                f"{word_error_rate(said, tr.text):.1%}"
                if said is not None and audio_s <= args.wer_max_min * 60
                else "-"
            )
            done.append((name, got[name], wer, len(tr.words)))
            print(f"  {name}: {got[name]:.1f}x, WER {wer}  ({uptime()})", file=sys.stderr)
        base = got.get(BASELINE)  # the baseline may run after the others: the ratios come at the end
        for name, x, wer, n_words in done:
            ratio = f"{x / base:.2f}x" if base else "-"
            table.append(f"| {path.name} ({audio_s / 60:.0f} min) | {name} | {x:.1f}x | {ratio} | {wer} | {n_words} |")
        tracks.clear()
    lines += table
    if profiles:
        lines += ["", "Where the time goes (faster-whisper's own calls, timed):", *profiles]
    _publish(args.out, "Transcription cost on one decoded track", lines)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
