"""Subtitle bounds (issue 12): cues beyond the video's end dropped, a cue cap, notes for both."""

from __future__ import annotations

import framesift.video.subtitles as subtitles_mod
from framesift.video.probe import probe
from framesift.video.subtitles import SubtitleLine, Subtitles, _bounded


def test_cues_after_the_end_are_dropped_and_the_rest_capped(odd_video, monkeypatch):
    info, _ = probe(odd_video("cfr").path)  # 3 s
    lines = tuple(SubtitleLine(0.1 * k, 0.1 * k + 0.05, f"cue {k}") for k in range(20))  # 0.0 .. 1.9 s
    lines += tuple(SubtitleLine(100.0 + k, 101.0 + k, "late") for k in range(7))
    subs = Subtitles(lines=lines, source="x.srt")
    monkeypatch.setattr(subtitles_mod, "MAX_SUBTITLE_CUES", 12)
    out = _bounded(subs, info)
    assert [ln.text for ln in out.lines] == [f"cue {k}" for k in range(12)]
    assert out.notes == (
        "x.srt: 7 subtitle cues start after the video ends (3.0 s) and were dropped",
        "x.srt: 20 subtitle cues; only the first 12 are used",
    )


def test_cues_inside_the_video_are_kept_as_they_are(odd_video):
    info, _ = probe(odd_video("cfr").path)
    subs = Subtitles(lines=(SubtitleLine(0.5, 1.0, "a"), SubtitleLine(2.5, 3.4, "b")), source="y.srt")
    assert _bounded(subs, info) is subs
