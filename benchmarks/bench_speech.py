"""Spoken facts: does a budget of 8 frames land inside the sentence that answers, and what does hearing cost?

Builds (and caches under bench-data/speech/) synthetic videos with **no subtitles** whose facts
are only spoken: espeak-ng sentences mixed into an AAC track of filler talk every few seconds and
low noise (``framesift bench make-needles --speech`` makes the same kind of video). Then, in one run:

* **hit@8**: a question is hit when a selected frame lies inside the answering sentence (+-1 s);
  framesift (default ``select``: ``asr="auto"``, OCR off so the speech channel is what is measured)
  against ``uniform`` (8 frames evenly over the whole video, what pipelines do today);
* **text carried**: the adapters' words (:func:`framesift.export.context.frame_context`, default
  600-token cap) include the speech cue heard over the answering sentence (it overlaps at least
  half of the sentence's span), and, stricter, one whose transcription is within 50% WER of it;
* **word error rate** of the default model (tiny.en, greedy) on everything said (filler + facts);
* **transcription speed** as x real time on the same decoded audio: VAD + batched pipeline
  (framesift's default) against sequential decoding without VAD (and sequential with VAD);
* **audio decode** cost of the separate audio pass against the video candidate pass;
* **peak memory** (max RSS of a ``framesift transcribe`` child process) on a short and a long video.

    python benchmarks/bench_speech.py                  # 2 x 10 min, 6 spoken facts each
    python benchmarks/bench_speech.py --minutes 60 --videos 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from framesift.api import analyze, select_from
from framesift.bench.needle_video import make_video, needle_suite
from framesift.bench.speech_synth import word_error_rate
from framesift.export.context import frame_context
from framesift.signals.speech import load_speech_model, transcribe_chunks
from framesift.video.audio import AudioChunk, AudioScan, iter_audio

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data" / "speech"
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import write_result  # noqa: E402

TOL = 1.0


def video_for(minutes: float, seed: int, per_kind: int):
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"spoken_{minutes:g}min_seed{seed}_{per_kind}facts.mp4"
    truth = path.with_suffix(".truth.json")
    if path.exists() and truth.exists():
        return path, json.loads(truth.read_text())
    needles = needle_suite(seed, minutes * 60.0, ("speech",), per_kind=per_kind, min_gap=20.0)
    t0 = time.perf_counter()
    sv = make_video(
        path, duration=minutes * 60.0, needles=needles, seed=seed, subtitles=False, width=320, height=180, footage=False
    )
    print(f"  made {path.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return path, sv.to_json()


def hit(times, start: float, end: float) -> bool:
    return any(start - TOL <= t <= end + TOL for t in times)


def peak_rss_mb(video: Path) -> float:
    """Max RSS of a fresh process that transcribes ``video`` (as it reports itself)."""
    code = (
        "import sys, resource; from framesift.signals.speech import load_speech_model, transcribe_chunks;"
        "from framesift.video.audio import AudioScan, iter_audio;"
        "m = load_speech_model('default'); transcribe_chunks(iter_audio(sys.argv[1], AudioScan()), m);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(video)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--videos", type=int, default=2)
    ap.add_argument("--facts", type=int, default=6, help="spoken facts per video")
    ap.add_argument("--budget", type=int, default=8)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--no-speed", action="store_true", help="skip the three-way transcription timing")
    ap.add_argument("--index", default=None, help="reuse / fill this index (the transcript is then computed once)")
    args = ap.parse_args()
    load_before = os.getloadavg()
    rows = []
    said_ref, said_hyp = [], []
    speed = {"batched+vad": [0.0, 0.0], "sequential+vad": [0.0, 0.0], "sequential, no vad": [0.0, 0.0]}
    decode = {"audio": 0.0, "video": 0.0}
    model = load_speech_model("default")
    for v in range(args.videos):
        path, truth = video_for(args.minutes, 100 + v, args.facts)
        t0 = time.perf_counter()
        analysis = analyze(path, ocr=False, cache=args.index or False)  # asr="auto": the default
        print(f"  analysed {path.name} in {time.perf_counter() - t0:.0f}s {analysis.timings}", file=sys.stderr)
        tr = analysis.hearing.transcript
        decode["audio"] += analysis.hearing.decode_seconds
        decode["video"] += analysis.timings.get("decode", float("nan"))  # nan: loaded from the index
        n = len(analysis.table)
        uniform_idx = np.linspace(0, n - 1, args.budget).round().astype(int)
        uniform_times = analysis.table.time[uniform_idx]
        for nd in truth["needles"]:
            sel = select_from(analysis, nd["question"], args.budget, fetch=False)
            words = frame_context(sel.frames, "auto")
            span = nd["end"] - nd["start"]
            carried = [
                d
                for items in words
                for d in items
                if d["channel"] == "speech" and min(d["end"], nd["end"]) - max(d["start"], nd["start"]) >= 0.5 * span
            ]
            best = min((word_error_rate(nd["content"], d["text"]) for d in carried), default=1.0)
            rows.append(
                {
                    "video": path.name,
                    "fact": nd["content"],
                    "framesift": hit(sel.times, nd["start"], nd["end"]),
                    "uniform": hit(uniform_times, nd["start"], nd["end"]),
                    "carried": bool(carried),
                    "carried_close": best <= 0.5,
                }
            )
        said_ref.append(" ".join(s["text"] for s in truth["speech"]))
        said_hyp.append(tr.text)
        if args.no_speed:
            continue
        # Transcription speed on the same decoded audio, three ways, back to back.
        chunks = [AudioChunk(c.start, c.samples) for c in iter_audio(path, AudioScan())]
        audio_s = sum(c.duration for c in chunks)
        for name, kw in (
            ("batched+vad", {"batched": True, "vad": True}),
            ("sequential+vad", {"batched": False, "vad": True}),
            ("sequential, no vad", {"batched": False, "vad": False}),
        ):
            t1 = time.perf_counter()
            transcribe_chunks(chunks, model, **kw)
            speed[name][0] += audio_s
            speed[name][1] += time.perf_counter() - t1
            print(f"  {name}: {audio_s / (time.perf_counter() - t1):.1f}x real time", file=sys.stderr)
    q = len(rows)
    fs = sum(r["framesift"] for r in rows)
    un = sum(r["uniform"] for r in rows)
    ca = sum(r["carried"] for r in rows)
    cc = sum(r["carried_close"] for r in rows)
    wer = float(np.mean([word_error_rate(r, h) for r, h in zip(said_ref, said_hyp)]))
    lines = [
        f"uptime load before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
        f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        f"{args.videos} video(s) x {args.minutes:g} min, {q} spoken-fact questions, budget {args.budget}, no subtitles",
        "",
        "| measure | framesift | uniform | ratio |",
        "|---|---|---|---|",
        f"| hit@{args.budget} (frame inside the answering sentence +-{TOL:g} s) | {fs}/{q} ({fs / q:.0%}) | "
        f"{un}/{q} ({un / q:.0%}) | {fs / max(un, 1):.1f}x |",
        f"| adapter text carries the cue heard over the answering sentence | {ca}/{q} ({ca / q:.0%}) | - | - |",
        f"| ... and that cue is within 50% WER of the sentence | {cc}/{q} ({cc / q:.0%}) | - | - |",
        "",
        "Misses: "
        + (
            "; ".join(
                f"{r['fact']!r} (hit {r['framesift']}, carried {r['carried']})"
                for r in rows
                if not (r["framesift"] and r["carried"])
            )
            or "none"
        ),
        "",
        f"Word error rate of tiny.en (greedy, int8) on everything said: {wer:.1%}",
        "",
        "| transcription | x real time | vs sequential, no VAD |",
        "|---|---|---|",
    ]
    if not args.no_speed:
        base = speed["sequential, no vad"][0] / speed["sequential, no vad"][1]
        for name, (a, s) in speed.items():
            lines.append(f"| {name} | {a / s:.1f}x | {a / s / base:.2f}x |")
    lines += [
        "",
        f"Audio decode (separate pass, 16 kHz mono): {decode['audio']:.1f} s; video candidate pass: "
        f"{decode['video']:.1f} s ({decode['audio'] / max(decode['video'], 1e-9):.2f}x of it)",
    ]
    if not args.no_memory:
        short, _ = video_for(2.0, 99, 1)
        m_short = peak_rss_mb(short)
        m_long = peak_rss_mb(video_for(args.minutes, 100, args.facts)[0])
        lines.append(
            f"Peak RSS of `transcribe`: {m_short:.0f} MB on 2 min, {m_long:.0f} MB on {args.minutes:g} min "
            f"({m_long / m_short:.2f}x for {args.minutes / 2:.0f}x the audio)"
        )
    report = "\n".join(lines)
    print(report)
    write_result(
        "speech-quality.md" if args.no_speed else "speech.md",
        "Spoken facts and transcription cost",
        "python benchmarks/bench_speech.py " + " ".join(sys.argv[1:]),
        report,
    )


if __name__ == "__main__":
    main()
