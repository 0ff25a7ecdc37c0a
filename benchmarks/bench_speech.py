"""Spoken facts: does a budget of 8 frames land inside the sentence that answers, and what does hearing cost?

Builds (and caches under bench-data/speech/) synthetic videos with **no subtitles** whose facts
are only spoken: espeak-ng sentences mixed into an AAC track of filler talk every few seconds and
low noise (``framesift bench make-needles --speech`` makes the same kind of video). Videos are
given as ``MINUTES:SEED:FACTS``; the ``--dev`` ones are where the speech channel's settings were
chosen (:data:`framesift.signals.speech.UNSURE_PROB`), the ``--test`` ones are held out. In one run:

* **hit@8**: a question is hit when a selected frame lies inside the answering sentence (+-1 s);
  framesift (default ``select``: ``asr="auto"``, OCR off so the speech channel is what is measured)
  with the sure-words view (the default) and without it (``UNSURE_PROB = 0``: the channel as it
  was), against ``uniform`` (8 frames evenly over the whole video);
* **text carried**: the adapters' words (:func:`framesift.export.context.frame_context`, default
  600-token cap) include the speech cue heard over the answering sentence;
* **word error rate** of the default model (tiny.en, greedy) on everything said (filler + facts);
* **the analysis, one pass against two**: the default (audio demuxed in the video decode,
  transcribed in a background thread) against ``FRAMESIFT_AUDIO_PASS=separate`` (the audio read
  and transcribed in a pass of its own before the video pass), each in a fresh process (wall time
  and peak RSS: memory against video length);
* **transcription speed** as x real time on the same decoded audio: VAD + batched pipeline
  with two chunks at once (framesift's default) and with one (the default before) against
  sequential decoding without VAD, one chunk at a time (and sequential with VAD on the shorter
  videos). ``benchmarks/bench_transcribe.py`` times the same on its own, and where it goes.

    python benchmarks/bench_speech.py --dev 10:100:8 --test 10:301:10,60:300:24
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data" / "speech"
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import peak_rss_mb, write_result  # noqa: E402

TOL = 1.0


def video_for(minutes: float, seed: int, per_kind: int):
    from framesift.bench.needle_video import make_video, needle_suite

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


def child(mode: str, path: str, index: str) -> None:
    """One analysis in this fresh process; prints a JSON line (wall, stages, RSS, hearing)."""
    if mode == "separate":
        os.environ["FRAMESIFT_AUDIO_PASS"] = "separate"
    from framesift.api import analyze

    t0 = time.perf_counter()
    a = analyze(path, ocr=False, cache=index)  # both modes write an index: the same work timed
    wall = time.perf_counter() - t0
    h = a.hearing
    print(
        json.dumps(
            {
                "wall": wall,
                "timings": a.timings,
                "rss_mb": peak_rss_mb(),
                "audio_s": h.audio_seconds,
                "audio_decode_s": h.decode_seconds,
                "asr_s": h.transcript.seconds if h.transcript else 0.0,
                "with_video": h.with_video,
                "words": len(h.transcript.words) if h.transcript else 0,
            }
        )
    )


def run_child(mode: str, path: Path, index: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), index], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_videos(spec: str) -> list[tuple[float, int, int]]:
    out = []
    for part in filter(None, spec.split(",")):
        m, s, f = part.split(":")
        out.append((float(m), int(s), int(f)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default="10:100:8", help="MINUTES:SEED:FACTS,... (settings chosen here)")
    ap.add_argument("--test", default="10:301:10,60:300:24", help="held-out videos, same form")
    ap.add_argument("--budget", type=int, default=8)
    ap.add_argument("--no-speed", action="store_true", help="skip the pass and transcription timings")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "INDEX"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return

    import framesift.signals.speech as speech
    from framesift.api import analyze, select_from
    from framesift.bench.speech_synth import word_error_rate
    from framesift.export.context import frame_context
    from framesift.signals.speech import load_speech_model, transcribe_chunks
    from framesift.video.audio import AudioScan, iter_audio

    load_before = os.getloadavg()
    sets = [("dev", v) for v in parse_videos(args.dev)] + [("test", v) for v in parse_videos(args.test)]
    index = tempfile.mkdtemp(prefix="bench_speech_idx_")
    rows: list[dict] = []
    wers: list[tuple[str, float, float]] = []
    passes: list[tuple[str, float, dict, dict | None]] = []
    speed: list[tuple[str, float, dict[str, float]]] = []
    unsure = speech.UNSURE_PROB
    for split, (minutes, seed, facts) in sets:
        path, truth = video_for(minutes, seed, facts)
        print(f"  {path.name}: analysing (one pass) ... load {os.getloadavg()[0]:.2f}", file=sys.stderr)
        joint = run_child("joint", path, index)
        separate = None
        if not args.no_speed and split == "test":
            print(f"  {path.name}: analysing (separate audio pass) ... load {os.getloadavg()[0]:.2f}", file=sys.stderr)
            separate = run_child("separate", path, tempfile.mkdtemp(prefix="bench_speech_sep_"))
        passes.append((path.name, minutes, joint, separate))
        analysis = analyze(path, ocr=False, cache=index)  # from the index the joint child wrote
        tr = analysis.hearing.transcript
        n = len(analysis.table)
        uniform_times = analysis.table.time[np.linspace(0, n - 1, args.budget).round().astype(int)]
        for nd in truth["needles"]:
            row = {"split": split, "video": path.name, "fact": nd["content"]}
            for name, p in (("before", 0.0), ("after", unsure)):
                speech.UNSURE_PROB = p
                sel = select_from(analysis, nd["question"], args.budget, fetch=False)
                row[name] = hit(sel.times, nd["start"], nd["end"])
                if name == "after":
                    span = nd["end"] - nd["start"]
                    row["carried"] = any(
                        d["channel"] == "speech"
                        and min(d["end"], nd["end"]) - max(d["start"], nd["start"]) >= 0.5 * span
                        for items in frame_context(sel.frames, "auto")
                        for d in items
                    )
            speech.UNSURE_PROB = unsure
            row["uniform"] = hit(uniform_times, nd["start"], nd["end"])
            row["heard"] = " ".join(w.text for w in tr.words_between(nd["start"], nd["end"]))
            rows.append(row)
        said = " ".join(s["text"] for s in truth["speech"])
        facts_said = " ".join(nd["content"] for nd in truth["needles"])
        facts_heard = " ".join(
            " ".join(w.text for w in tr.words_between(nd["start"], nd["end"])) for nd in truth["needles"]
        )
        wers.append((path.name, word_error_rate(said, tr.text), word_error_rate(facts_said, facts_heard)))
        if args.no_speed or split != "test":
            continue
        chunks = list(iter_audio(path, AudioScan()))
        audio_s = sum(c.duration for c in chunks)
        # workers None: framesift's default (two chunks at once); 1: all cores on one chunk (before)
        ways: list[tuple[str, dict[str, bool], int | None]] = [
            ("VAD + batched, 2 workers (default)", {"batched": True, "vad": True}, None),
            ("VAD + batched, 1 worker (the default before)", {"batched": True, "vad": True}, 1),
        ]
        if minutes <= 15:
            ways.append(("sequential + VAD, 1 worker", {"batched": False, "vad": True}, 1))
        ways.append(("sequential, no VAD (baseline)", {"batched": False, "vad": False}, 1))
        got: dict[str, float] = {}
        for name, kw, workers in ways:
            print(f"  {path.name}: transcribing, {name} ... load {os.getloadavg()[0]:.2f}", file=sys.stderr)
            way_model = load_speech_model("default", workers=workers)
            t1 = time.perf_counter()
            transcribe_chunks(chunks, way_model, **kw)
            got[name] = audio_s / (time.perf_counter() - t1)
        speed.append((path.name, audio_s, got))
        del chunks

    def count(split: str | None, key: str) -> tuple[int, int]:
        rs = [r for r in rows if split is None or r["split"] == split]
        return sum(bool(r[key]) for r in rs), len(rs)

    lines = [
        f"uptime load before: {' '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        f"budget {args.budget}, no subtitles, OCR off; dev = {args.dev} (settings chosen here), "
        f"test = {args.test} (held out); UNSURE_PROB = {unsure}",
        "",
        "| questions | framesift, sure-words view (default) | framesift without it | uniform | text carried |",
        "|---|---|---|---|---|",
    ]
    for split in ("dev", "test", None):
        a, q = count(split, "after")
        b, _ = count(split, "before")
        u, _ = count(split, "uniform")
        c, _ = count(split, "carried")
        if q:
            lines.append(
                f"| {split or 'all'} ({q}) | {a}/{q} ({a / q:.0%}) | {b}/{q} ({b / q:.0%}) | {u}/{q} ({u / q:.0%}) | "
                f"{c}/{q} ({c / q:.0%}) |"
            )
    lines += ["", "Per video (default):"]
    for name in dict.fromkeys(r["video"] for r in rows):
        rs = [r for r in rows if r["video"] == name]
        lines.append(f"- {name}: hit {sum(r['after'] for r in rs)}/{len(rs)}")
    lines += ["", "Misses (default), with what was heard:"]
    lines += [f"- [{r['split']}] {r['fact']!r} heard as {r['heard']!r}" for r in rows if not r["after"]] or ["- none"]
    lines += ["", "Changed by the sure-words view:"]
    lines += [
        f"- [{r['split']}] {r['fact']!r}: {'miss -> hit' if r['after'] else 'hit -> miss'}"
        for r in rows
        if r["after"] != r["before"]
    ] or ["- none"]
    lines += ["", "| video | WER, everything said | WER, the fact sentences |", "|---|---|---|"]
    lines += [f"| {n} | {w:.1%} | {f:.1%} |" for n, w, f in wers]
    if passes:
        lines += [
            "",
            "| analysis (fresh process) | wall s | x real time | audio decode s | recognition s | peak RSS MB |",
            "|---|---|---|---|---|---|",
        ]
        for name, minutes, j, s in passes:
            for label, r in (("one pass", j), ("separate audio pass", s)):
                if r is None:
                    continue
                lines.append(
                    f"| {name}, {label} | {r['wall']:.1f} | {minutes * 60 / r['wall']:.1f}x | {r['audio_decode_s']:.1f} | "
                    f"{r['asr_s']:.1f} | {r['rss_mb']:.0f} |"
                )
            if s is not None:
                lines.append(f"| {name}: separate / one pass | {s['wall'] / j['wall']:.2f}x | | | | |")
        lines += ["", "Stage timings (one pass): " + "; ".join(f"{n}: {j['timings']}" for n, _, j, _ in passes)]
    if speed:
        lines += ["", "| transcription of the decoded track | x real time | vs sequential, no VAD |", "|---|---|---|"]
        for name, audio_s, got in speed:
            base = got["sequential, no VAD (baseline)"]
            for way, x in got.items():
                lines.append(f"| {name} ({audio_s / 60:.0f} min), {way} | {x:.1f}x | {x / base:.2f}x |")
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
