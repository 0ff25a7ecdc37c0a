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

from ..errors import InputError, SubtitleError
from ..limits import MAX_SUBTITLE_BYTES, MAX_SUBTITLE_CUES, check_regular_file
from .probe import VideoInfo
from .remote import is_url, open_url

__all__ = ["SubtitleLine", "Subtitles", "find_sidecar", "read_subtitle_file", "read_embedded", "load_subtitles"]

SIDECAR_SUFFIXES = (".srt", ".vtt", ".ass", ".ssa")
_ASS_TAG = re.compile(r"\{[^}]*\}")
_HTML_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t]+")
#: Reading stops a little past the cue cap (later cues could still be dropped as beyond the end).
_READ_CAP = 4 * MAX_SUBTITLE_CUES


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
    #: What was dropped or repaired while reading (the analysis adds these to its notes).
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.lines)


def _clean(raw: bytes | str) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text.replace("\\N", "\n").replace("\\n", "\n")
    text = _HTML_TAG.sub("", _ASS_TAG.sub("", text))
    lines = [_SPACE.sub(" ", ln).strip() for ln in text.splitlines()]
    return " ".join(ln for ln in lines if ln)


def _read_stream(
    container: av.container.InputContainer, stream, label: str, notes: list[str] | None = None
) -> list[SubtitleLine]:
    tb = float(stream.time_base or 0.001)
    out: list[SubtitleLine] = []
    no_length = 0
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
                no_length += 1
            out.append(SubtitleLine(start=start, end=end, text=text))
            if len(out) > _READ_CAP:  # a damaged or hostile track: stop reading, say so below
                break
        if len(out) > _READ_CAP:
            break
    if no_length and notes is not None:
        notes.append(f"{label}: {no_length} subtitle cues have no length (or end before they start); given 2 s each")
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
    try:
        size = check_regular_file(p, "subtitle file").st_size
    except InputError as exc:
        raise SubtitleError(str(exc).replace("no such file", "no such subtitle file")) from None
    if size == 0:
        raise SubtitleError(f"{p}: subtitle file is empty")
    if size > MAX_SUBTITLE_BYTES:
        raise SubtitleError(
            f"{p}: subtitle file is {size / 1e6:.1f} MB; the limit is {MAX_SUBTITLE_BYTES / 1e6:.0f} MB"
        )
    notes = _negative_time_notes(p)
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
            read_notes: list[str] = []
            lines = _read_stream(container, stream, str(p), read_notes)
            notes.extend(read_notes)
            break
        except av.error.FFmpegError as exc:
            if charenc is None:
                continue
            raise SubtitleError(f"{p}: subtitle file is damaged ({exc.strerror or exc})") from exc
        finally:
            container.close()
    if not lines:
        raise SubtitleError(f"{p}: subtitle file holds no cues")
    return Subtitles(lines=tuple(lines), source=str(p), notes=tuple(notes))


# A cue timing that starts with a minus sign ("-00:00:05,000 --> ..."): FFmpeg drops the sign
# and reads it as +5 s, so the cue would land at a time nothing was said.
_NEGATIVE_TIME = re.compile(rb"(?m)^[ \t]*-\d+:\d\d|-->[ \t]*-\d+:\d\d")


def _negative_time_notes(path: Path) -> list[str]:
    """A warning when a text subtitle file holds negative cue times (the file is size-capped)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SUBTITLE_BYTES)
    except OSError:
        return []
    n = len(_NEGATIVE_TIME.findall(data))
    if not n:
        return []
    return [f"{path}: {n} cue times are negative; FFmpeg reads them without the sign, so those cues' times are wrong"]


def _bounded(subs: Subtitles, info: VideoInfo) -> Subtitles:
    """Drop cues that start after the video ends and keep at most :data:`MAX_SUBTITLE_CUES`, with notes."""
    end = info.start_time + info.duration
    kept = [ln for ln in subs.lines if ln.start < end + 1.0]
    notes = list(subs.notes)
    dropped = len(subs.lines) - len(kept)
    if dropped:
        notes.append(
            f"{subs.source}: {dropped} subtitle cues start after the video ends ({end:.1f} s) and were dropped"
        )
    if len(kept) > MAX_SUBTITLE_CUES:
        notes.append(f"{subs.source}: {len(kept):,} subtitle cues; only the first {MAX_SUBTITLE_CUES:,} are used")
        kept = kept[:MAX_SUBTITLE_CUES]
    if not dropped and len(kept) == len(subs.lines) and notes == list(subs.notes):
        return subs
    return Subtitles(lines=tuple(kept), source=subs.source, notes=tuple(notes))


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
        return _bounded(read_subtitle_file(explicit), info)
    sidecar = find_sidecar(video_path)
    if sidecar is not None:
        return _bounded(read_subtitle_file(sidecar), info)
    for s in info.subtitle_streams:
        try:
            subs = read_embedded(video_path, s.index)
        except (SubtitleError, av.error.FFmpegError):
            continue
        if subs.lines:
            return _bounded(subs, info)
    return None
