"""Subtitle files: SubRip, WebVTT and ASS read through FFmpeg, sidecar discovery, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from framesift.errors import InputError, SubtitleError
from framesift.video.subtitles import find_sidecar, read_subtitle_file

SRT = (
    "1\r\n00:00:01,500 --> 00:00:03,250\r\nHello <b>world</b>\r\nsecond line\r\n\r\n"
    "2\r\n00:01:02,000 --> 00:01:04,000\r\nCafé at 9\r\n\r\n"
    "3\r\n01:00:00,040 --> 01:00:01,000\r\n<i>after an hour</i>\r\n\r\n"
)

VTT = """WEBVTT

00:00:00.500 --> 00:00:02.000 align:start position:10% line:0
<v Roger Bingham>We are in New York City</v>

NOTE this is a comment and no cue

cue-2
00:00:02.500 --> 00:00:05.000 size:50%
<i>whispering</i> and <c.yellow>coloured</c>
<v.loud Esme>second line</v>

01:02:03.040 --> 01:02:04.000
long timestamp
"""

ASS = r"""[Script Info]
ScriptType: v4.00+
PlayResX: 384
PlayResY: 288

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:10.00,0:00:12.00,Default,,0,0,0,,Plain, with a comma
Dialogue: 0,0:00:01.50,0:00:03.25,Default,,0,0,0,,{\i1}Italic{\i0} text\Nnext line
Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\pos(10,20)\c&H00FFFF&}Positioned
"""


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _check(subs, expected):
    got = [(ln.start, ln.end, ln.text) for ln in subs.lines]
    assert len(got) == len(expected), got
    for (s, e, t), (es, ee, et) in zip(got, expected):
        assert s == pytest.approx(es, abs=1e-3)
        assert e == pytest.approx(ee, abs=1e-3)
        assert t == et


def test_read_srt(tmp_path):
    subs = read_subtitle_file(_write(tmp_path / "talk.srt", SRT))
    _check(
        subs, [(1.5, 3.25, "Hello world second line"), (62.0, 64.0, "Café at 9"), (3600.04, 3601.0, "after an hour")]
    )
    assert subs.source == str(tmp_path / "talk.srt")
    assert len(subs) == 3


def test_read_vtt_with_settings_voice_and_style_tags(tmp_path):
    subs = read_subtitle_file(_write(tmp_path / "talk.vtt", VTT))
    _check(
        subs,
        [
            (0.5, 2.0, "We are in New York City"),
            (2.5, 5.0, "whispering and coloured second line"),
            (3723.04, 3724.0, "long timestamp"),
        ],
    )
    for ln in subs.lines:
        assert "<" not in ln.text and "align" not in ln.text and "position" not in ln.text


def test_read_ass_strips_override_tags_and_sorts_by_time(tmp_path):
    subs = read_subtitle_file(_write(tmp_path / "talk.ass", ASS))
    _check(subs, [(1.5, 3.25, "Italic text next line"), (5.0, 6.0, "Positioned"), (10.0, 12.0, "Plain, with a comma")])


def test_read_srt_with_utf8_bom(tmp_path):
    subs = read_subtitle_file(_write(tmp_path / "bom.srt", "\ufeff" + SRT))
    assert subs.lines[0].text == "Hello world second line"


def test_read_srt_in_a_legacy_encoding(tmp_path):
    """Windows-1252 / Latin-1 .srt files are everywhere (older rips, European TV). The cue must be read
    (FFmpeg decodes them with its ``sub_charenc`` option), not reported as a damaged file."""
    subs = read_subtitle_file(_write(tmp_path / "latin1.srt", SRT, encoding="cp1252"))
    assert [ln.start for ln in subs.lines] == pytest.approx([1.5, 62.0, 3600.04], abs=1e-3)
    assert subs.lines[1].text.startswith("Caf") and subs.lines[1].text.endswith("at 9")


def test_read_srt_with_unordered_cues(tmp_path):
    text = "1\n00:00:09,000 --> 00:00:10,000\nlater\n\n2\n00:00:01,000 --> 00:00:02,000\nearlier\n\n"
    subs = read_subtitle_file(_write(tmp_path / "x.srt", text))
    assert [ln.text for ln in subs.lines] == ["earlier", "later"]


# --------------------------------------------------------------------------- sidecars


def test_find_sidecar_exact_stem(tmp_path):
    video = tmp_path / "video.mp4"
    video.write_bytes(b"")
    assert find_sidecar(video) is None
    (tmp_path / "other.srt").write_text("x")
    (tmp_path / "video2.srt").write_text("x")
    assert find_sidecar(video) is None
    (tmp_path / "video.srt").write_text("x")
    assert find_sidecar(video) == tmp_path / "video.srt"


def test_find_sidecar_language_tagged(tmp_path):
    video = tmp_path / "video.mp4"
    video.write_bytes(b"")
    (tmp_path / "video.en.vtt").write_text("x")
    assert find_sidecar(video) == tmp_path / "video.en.vtt"


def test_find_sidecar_prefers_the_exact_name(tmp_path):
    video = tmp_path / "video.mp4"
    (tmp_path / "video.en.srt").write_text("x")
    (tmp_path / "video.vtt").write_text("x")
    assert find_sidecar(video) == tmp_path / "video.vtt"


def test_find_sidecar_ignores_directories(tmp_path):
    video = tmp_path / "video.mp4"
    (tmp_path / "video.srt").mkdir()
    assert find_sidecar(video) is None


@pytest.mark.parametrize("stem", ["clip [1]", "what?", "a*b"])
def test_find_sidecar_with_glob_characters_in_the_name(tmp_path, stem):
    """File names are not patterns: 'clip [1].mp4' has the sidecar 'clip [1].en.srt'."""
    video = tmp_path / f"{stem}.mp4"
    video.write_bytes(b"")
    side = tmp_path / f"{stem}.en.srt"
    side.write_text("x")
    assert find_sidecar(video) == side


def test_find_sidecar_does_not_take_another_videos_subtitles(tmp_path):
    """'clip [1].mp4' must not pick 'clip 1.en.srt' (what the pattern 'clip [1].*.srt' matches)."""
    video = tmp_path / "clip [1].mp4"
    video.write_bytes(b"")
    (tmp_path / "clip 1.en.srt").write_text("x")
    assert find_sidecar(video) is None


# --------------------------------------------------------------------------- errors


def _assert_subtitle_error(path: Path):
    with pytest.raises(SubtitleError) as ei:
        read_subtitle_file(path)
    assert isinstance(ei.value, InputError)  # the CLI maps InputError to exit code 2
    msg = str(ei.value)
    assert path.name in msg
    assert "\n" not in msg
    return msg


def test_missing_subtitle_file(tmp_path):
    msg = _assert_subtitle_error(tmp_path / "nope.srt")
    assert "no such" in msg


def test_empty_subtitle_file(tmp_path):
    p = tmp_path / "empty.srt"
    p.write_bytes(b"")
    assert "empty" in _assert_subtitle_error(p)


def test_directory_is_not_a_subtitle_file(tmp_path):
    p = tmp_path / "dir.srt"
    p.mkdir()
    _assert_subtitle_error(p)


@pytest.mark.parametrize(
    "name, content",
    [
        ("garbage.srt", bytes(range(256)) * 20),
        ("prose.srt", b"just some prose, no cues at all\nand another line\n"),
        ("header_only.vtt", b"WEBVTT\n\n"),
        ("zeros.ass", b"\x00" * 4096),
        ("broken_times.srt", b"1\n00:00:xx,000 --> yesterday\nhello\n\n"),
    ],
)
def test_unreadable_subtitle_files(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    _assert_subtitle_error(p)


def test_a_video_file_given_as_subtitles(tmp_path):
    import av
    import numpy as np

    p = tmp_path / "movie.mp4"
    with av.open(str(p), "w") as c:
        s = c.add_stream("mpeg4", rate=5)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for k in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 40 * k, np.uint8), format="rgb24")
            for pkt in s.encode(frame):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    msg = _assert_subtitle_error(p)
    assert "subtitle" in msg
