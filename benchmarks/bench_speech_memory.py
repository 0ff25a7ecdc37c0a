"""Peak memory against video length: transcription alone, and the video analysis without speech.

Each measurement is a fresh process's max RSS (``ru_maxrss``): ``transcribe`` = the audio track
decoded and transcribed in chunks (:func:`~framesift.video.audio.iter_audio` +
:func:`~framesift.signals.speech.transcribe_chunks`); ``video only`` = ``analyze(asr="off",
events=True, ocr=False)``, what the rest of the analysis holds. Videos as in bench_speech.py.

    python benchmarks/bench_speech_memory.py bench-data/speech/spoken_10min_seed301_10facts.mp4 \
        bench-data/speech/spoken_60min_seed300_24facts.mp4
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_result  # noqa: E402

CODE = {
    "transcribe": (
        "import sys, resource; from framesift.signals.speech import load_speech_model, transcribe_chunks;"
        "from framesift.video.audio import AudioScan, iter_audio;"
        "m = load_speech_model('default'); transcribe_chunks(iter_audio(sys.argv[1], AudioScan()), m);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    ),
    "video only": (
        "import sys, resource; from framesift.api import analyze;"
        "analyze(sys.argv[1], asr='off', ocr=False, cache=False);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    ),
}


def main() -> None:
    videos = sys.argv[1:]
    load = os.getloadavg()
    lines = [
        f"uptime load before: {' '.join(f'{x:.2f}' for x in load)}",
        "",
        "| what | " + " | ".join(Path(v).name for v in videos) + " |",
    ]
    lines.append("|---|" + "---|" * len(videos))
    for name, code in CODE.items():
        mbs = []
        for v in videos:
            out = subprocess.run([sys.executable, "-c", code, v], capture_output=True, text=True, check=True)
            mbs.append(int(out.stdout.strip().splitlines()[-1]) / 1024)
            print(f"  {name} {Path(v).name}: {mbs[-1]:.0f} MB", file=sys.stderr)
        lines.append(f"| {name}: peak RSS MB | " + " | ".join(f"{m:.0f}" for m in mbs) + " |")
    lines.append(f"\nuptime load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report = "\n".join(lines)
    print(report)
    write_result(
        "speech-memory.md",
        "Peak memory against length",
        "python benchmarks/bench_speech_memory.py " + " ".join(videos),
        report,
    )


if __name__ == "__main__":
    main()
