"""Subtitles from a sidecar file (.srt / .vtt / .ass) or a subtitle stream inside the container.

FFmpeg (through PyAV) already parses SubRip, WebVTT, ASS and the text subtitle codecs that
containers carry (mov_text, subrip in Matroska), so one code path reads them all and framesift
does not maintain its own subtitle parsers. Bitmap subtitles (DVD/PGS) carry no text and are
reported as unusable.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

import av

from ..errors import SubtitleError
from .probe import VideoInfo
from .remote import is_url, open_url

__all__ = ["SubtitleLine", "Subtitles", "find_sidecar", "read_subtitle_file", "read_embedded", "load_subtitles"]

SIDECAR_SUFFIXES = (".srt", ".vtt", ".ass", ".ssa")
_ASS_TAG = re.compile(r"\{[^}]*\}")
_HTML_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class SubtitleLine:
    """One cue: ``start``/``end`` in seconds on the video's timeline, and its plain text."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Subtitles:
    """The cues of one subtitle track and where they came from (a path or ``stream #N``)."""

    lines: tuple[SubtitleLine, ...]
    source: str

    def __len__(self) -> int:
        return len(self.lines)


def _clean(raw: bytes | str) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text.replace("\\N", "\n").replace("\\n", "\n")
    text = _HTML_TAG.sub("", _ASS_TAG.sub("", text))
    lines = [_SPACE.sub(" ", ln).strip() for ln in text.splitlines()]
    return " ".join(ln for ln in lines if ln)


def _read_stream(container: av.container.InputContainer, stream, label: str) -> list[SubtitleLine]:
    tb = float(stream.time_base or 0.001)
    out: list[SubtitleLine] = []
    for packet in container.demux(stream):
        if packet.pts is None or packet.size == 0:
            continue
        start = packet.pts * tb
        end = start + (packet.duration or 0) * tb
        for sub in packet.decode():
            text = _clean(getattr(sub, "dialogue", None) or getattr(sub, "text", b"") or b"")
            if not text:
                continue
            if end <= start:
                end = start + 2.0  # no duration stored: assume a typical cue length
            out.append(SubtitleLine(start=start, end=end, text=text))
    if (
        not out
        and stream.codec_context
        and stream.codec_context.name in {"dvd_subtitle", "hdmv_pgs_subtitle", "dvb_subtitle"}
    ):
        raise SubtitleError(f"{label}: bitmap subtitles ({stream.codec_context.name}) carry no text")
    out.sort(key=lambda ln: (ln.start, ln.end))
    return out


def read_subtitle_file(path: str | os.PathLike) -> Subtitles:
    """Read a subtitle file; :class:`SubtitleError` with one readable line if it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise SubtitleError(f"{p}: no such subtitle file")
    if p.stat().st_size == 0:
        raise SubtitleError(f"{p}: subtitle file is empty")
    lines = None
    for charenc in (None, "cp1252"):  # UTF-8 first, then the usual legacy encoding of .srt files
        try:
            container = av.open(str(p), metadata_errors="ignore")
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            raise SubtitleError(f"{p}: not a readable subtitle file (.srt, .vtt or .ass expected)") from exc
        try:
            if not container.streams.subtitles:
                raise SubtitleError(f"{p}: not a subtitle file (no subtitle stream found)")
            stream = container.streams.subtitles[0]
            if charenc:
                stream.codec_context.options = {"sub_charenc": charenc}
            lines = _read_stream(container, stream, str(p))
            break
        except av.error.FFmpegError as exc:
            if charenc is None:
                continue
            raise SubtitleError(f"{p}: subtitle file is damaged ({exc.strerror or exc})") from exc
        finally:
            container.close()
    if not lines:
        raise SubtitleError(f"{p}: subtitle file holds no cues")
    return Subtitles(lines=tuple(lines), source=str(p))


def read_embedded(video_path: str | os.PathLike, stream_index: int) -> Subtitles:
    """Read the text subtitle stream ``stream_index`` (container-wide index) of a video."""
    container = open_url(str(video_path)) if is_url(video_path) else av.open(str(video_path), metadata_errors="ignore")
    try:
        stream = next(s for s in container.streams.subtitles if s.index == stream_index)
        lines = _read_stream(container, stream, f"{video_path} stream #{stream_index}")
    finally:
        container.close()
    return Subtitles(lines=tuple(lines), source=f"stream #{stream_index}")


def find_sidecar(video_path: str | os.PathLike) -> Path | None:
    """A subtitle file beside the video with the same stem (``talk.srt``, ``talk.en.vtt``, ...)."""
    if is_url(video_path):
        return None  # no folder to look in; pass subtitles= explicitly for a URL
    p = Path(video_path)
    for suffix in SIDECAR_SUFFIXES:
        exact = p.with_suffix(suffix)
        if exact.is_file():
            return exact
    for suffix in SIDECAR_SUFFIXES:  # language-tagged: talk.en.srt
        found = sorted(q for q in p.parent.glob(f"{glob.escape(p.stem)}.*{suffix}") if q.is_file())
        if found:
            return found[0]
    return None


def load_subtitles(
    video_path: str | os.PathLike, info: VideoInfo, explicit: str | os.PathLike | None = None
) -> Subtitles | None:
    """The subtitles framesift uses: ``explicit`` if given, else a sidecar, else the first text stream.

    An explicitly given file that cannot be read is an error; a broken sidecar or stream found
    on our own is skipped (the caller records it in the manifest's notes).
    """
    if explicit is not None:
        return read_subtitle_file(explicit)
    sidecar = find_sidecar(video_path)
    if sidecar is not None:
        return read_subtitle_file(sidecar)
    for s in info.subtitle_streams:
        try:
            subs = read_embedded(video_path, s.index)
        except (SubtitleError, av.error.FFmpegError):
            continue
        if subs.lines:
            return subs
    return None
