"""The audio track: decoded once to 16 kHz mono, in chunks cut at quiet points, plus its loudness.

Speech recognition (Whisper) wants 16 kHz mono float samples; FFmpeg's resampler (through
PyAV) downmixes any layout (8-channel, 5.1) and resamples any rate (96 kHz) in one step, so no
channel or rate needs a special case here. An hour of 16 kHz float32 is 230 MB, so the track is
handed out in chunks of about :data:`CHUNK_S` seconds, each cut at the quietest 10 ms of its last
:data:`CUT_SEARCH_S` seconds (a cut in a pause does not split a word), and nothing but the
10 ms loudness envelope (100 floats a second) is kept for the whole track: memory stays flat
with the length of the video.

Samples are placed by their timestamps, on the video's timeline (the same seconds as frame
times and subtitle cues): a gap left by a damaged packet is filled with silence, so everything
after it keeps its true time.

Audio events (:func:`audio_onsets`) come from the loudness envelope: a *sudden onset* is a 10 ms
level that rises at least :data:`ONSET_RISE_DB` above the median of the previous 2 s *and* above
the loudest level of the previous 10 s. The second condition is what keeps speech from firing:
each sentence after a pause rises well above the pause, but not above the sentences before it,
while a bang, applause or music starting does. This is the audio counterpart of the visual
event scan (:mod:`framesift.video.candidates`): an outlier against the recent past of the same
scene, marked *transient* when the level falls back within 1.5 s (a bang, not music starting).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import av
import numpy as np

from .probe import open_container

__all__ = [
    "SAMPLE_RATE",
    "AudioChunk",
    "AudioChunker",
    "AudioOnset",
    "AudioScan",
    "audio_onsets",
    "iter_audio",
    "has_audio_stream",
]

SAMPLE_RATE = 16_000
HOP = 160  # 10 ms at 16 kHz: the envelope's resolution
CHUNK_S = 240.0
CUT_SEARCH_S = 15.0
ONSET_RISE_DB = 15.0
ONSET_ABOVE_MAX_DB = 6.0
ONSET_FLOOR_DBFS = -45.0
_SILENCE_DB = -100.0
_MAX_GAP_FILL_S = 30.0  # a timestamp jump larger than this is a broken clock, not a gap


@dataclass(frozen=True)
class AudioChunk:
    """``samples`` (float32 mono at :data:`SAMPLE_RATE`) starting at ``start`` seconds on the video timeline."""

    start: float
    samples: np.ndarray

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True)
class AudioOnset:
    """A sudden loudness onset: time (s), rise above the recent median (dB), whether it fell back soon."""

    time: float
    rise_db: float
    transient: bool


@dataclass
class AudioScan:
    """What one pass over the audio learned: where it starts, its loudness envelope, what went wrong."""

    start: float = 0.0
    #: 10 ms RMS levels in dBFS (one float per hop), for the whole track
    levels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    seconds: float = 0.0
    source_rate: int = 0
    source_channels: int = 0
    damaged_packets: int = 0
    decode_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def peak_dbfs(self) -> float:
        return float(self.levels.max()) if len(self.levels) else _SILENCE_DB


def has_audio_stream(path: str | os.PathLike) -> bool:
    container = open_container(path)
    try:
        return bool(container.streams.audio)
    finally:
        container.close()


def _levels(samples: np.ndarray) -> np.ndarray:
    n = len(samples) // HOP
    if n == 0:
        return np.zeros(0, np.float32)
    frames = samples[: n * HOP].reshape(n, HOP).astype(np.float64)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    return (20.0 * np.log10(np.maximum(rms, 1e-5))).astype(np.float32)


def _quiet_cut(buf: np.ndarray) -> int:
    """Sample index (a multiple of :data:`HOP`) of the quietest 0.3 s in the last seconds of ``buf``."""
    search = min(len(buf), int(CUT_SEARCH_S * SAMPLE_RATE))
    base = ((len(buf) - search) // HOP) * HOP
    lv = _levels(buf[base:])
    if len(lv) < 3:
        return (len(buf) // HOP) * HOP
    smooth = np.convolve(lv, np.ones(30) / 30, mode="same")
    return base + int(np.argmin(smooth)) * HOP


class AudioChunker:
    """Decoded audio in, :class:`AudioChunk` s of about ``chunk_s`` seconds out, cut in pauses.

    The part of :func:`iter_audio` that does not read the file, so the video decode pass can feed
    it the audio packets it demuxes anyway (:func:`~framesift.video.decode.iter_decoded`'s
    ``audio_sink``): ``packet`` decodes one packet (a damaged one is counted and heard as
    silence), resamples it to 16 kHz mono and places the samples by their timestamps;
    ``ready()`` hands out the chunks completed so far and ``finish()`` the rest. ``scan`` is filled
    as it goes (start time, loudness envelope on :meth:`finish`, damage).
    """

    def __init__(self, scan: AudioScan, *, chunk_s: float = CHUNK_S) -> None:
        self.scan = scan
        self.limit = int(chunk_s * SAMPLE_RATE)
        self.resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        self.pending: list[np.ndarray] = []
        self.pending_len = 0
        self.clock: float | None = None  # time of the next sample to be appended
        self.chunk_start = 0.0
        self.levels: list[np.ndarray] = []
        self.out: list[AudioChunk] = []
        self.started = False
        self.finished = False

    def start(self, stream: av.audio.stream.AudioStream) -> None:
        self.started = True
        self.scan.source_rate = int(stream.rate or 0)
        self.scan.source_channels = int(getattr(stream, "channels", 0) or 0)

    def packet(self, packet: av.Packet) -> None:
        """Decode one demuxed audio packet into the pending samples."""
        if not self.started:
            self.start(packet.stream)
        try:
            decoded = packet.decode()
        except (av.error.FFmpegError, ValueError):
            self.scan.damaged_packets += 1
            return
        for fr in decoded:
            try:
                for out in self.resampler.resample(fr):  # type: ignore[arg-type]
                    self._append(out)
            except (av.error.FFmpegError, ValueError):
                self.scan.damaged_packets += 1

    def _append(self, fr: av.AudioFrame) -> None:
        arr = fr.to_ndarray().reshape(-1).astype(np.float32, copy=False)
        if not len(arr):
            return
        t = float(fr.time) if fr.time is not None else None
        if self.clock is None:
            self.clock = t if t is not None and np.isfinite(t) else 0.0
            self.scan.start = self.chunk_start = self.clock
        elif t is not None and np.isfinite(t):
            gap = t - self.clock
            if 0.02 < gap <= _MAX_GAP_FILL_S:  # a skipped packet: keep later samples at their true time
                silence = np.zeros(int(round(gap * SAMPLE_RATE)), np.float32)
                self.pending.append(silence)
                self.pending_len += len(silence)
                self.clock += len(silence) / SAMPLE_RATE
        self.pending.append(arr)
        self.pending_len += len(arr)
        self.clock += len(arr) / SAMPLE_RATE
        if self.pending_len >= self.limit + SAMPLE_RATE:
            self._flush(False)

    def _flush(self, final: bool) -> None:
        if not self.pending_len:
            return
        buf = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
        while len(buf) >= self.limit or (final and len(buf)):
            cut = len(buf) if (final and len(buf) < self.limit) else _quiet_cut(buf[: self.limit + int(SAMPLE_RATE)])
            cut = max(cut, HOP) if len(buf) >= HOP else len(buf)
            piece, buf = buf[:cut], buf[cut:]
            self.levels.append(_levels(piece))
            self.out.append(AudioChunk(self.chunk_start, np.ascontiguousarray(piece, dtype=np.float32)))
            self.chunk_start += cut / SAMPLE_RATE
            self.scan.seconds = self.chunk_start - self.scan.start
        self.pending, self.pending_len = ([buf], len(buf)) if len(buf) else ([], 0)

    def ready(self) -> list[AudioChunk]:
        """The chunks completed since the last call."""
        out, self.out = self.out, []
        return out

    def finish(self) -> list[AudioChunk]:
        """Flush the resampler and the pending samples; the last chunks. Fills ``scan.levels``."""
        if self.finished:
            return self.ready()
        self.finished = True
        if self.started:
            try:
                for out in self.resampler.resample(None):
                    self._append(out)
            except (av.error.FFmpegError, ValueError):
                pass
        self._flush(True)
        self.scan.levels = np.concatenate(self.levels) if self.levels else np.zeros(0, np.float32)
        if self.scan.damaged_packets:
            self.scan.notes.append(f"{self.scan.damaged_packets} damaged audio packets skipped (heard as silence)")
        return self.ready()


def iter_audio(
    path: str | os.PathLike,
    scan: AudioScan,
    *,
    chunk_s: float = CHUNK_S,
    stream_index: int = 0,
    progress: Callable[[float], None] | None = None,
) -> Iterator[AudioChunk]:
    """Yield the audio track as :class:`AudioChunk` s of about ``chunk_s`` seconds, cut in pauses.

    A pass of its own over the file (the analysis decodes audio inside the video pass instead,
    through :class:`AudioChunker`; this is for ``framesift transcribe`` and seeking analyses).
    ``scan`` is filled while iterating (start time, loudness envelope, damage). Damaged packets
    are skipped (their span becomes silence); a file without an audio stream yields nothing and
    says so in ``scan.notes``. ``progress(seconds_done)`` is called once per chunk.
    """
    import time as _time

    t0 = _time.perf_counter()
    container = open_container(path)
    chunker = AudioChunker(scan, chunk_s=chunk_s)
    try:
        if not container.streams.audio:
            scan.notes.append("no audio stream")
            return
        stream = container.streams.audio[stream_index]
        chunker.start(stream)
        demux = container.demux(stream)
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                break
            except av.error.FFmpegError:
                scan.notes.append("audio stream ends early (damaged or truncated)")
                break
            chunker.packet(packet)
            for chunk in chunker.ready():
                yield chunk
                if progress is not None:
                    progress(chunk.start + chunk.duration - scan.start)
        for chunk in chunker.finish():
            yield chunk
            if progress is not None:
                progress(chunk.start + chunk.duration - scan.start)
    finally:
        container.close()
        if not chunker.finished:  # the consumer stopped early: keep the envelope of what was read
            scan.levels = np.concatenate(chunker.levels) if chunker.levels else np.zeros(0, np.float32)
        scan.decode_seconds += _time.perf_counter() - t0


def audio_onsets(scan: AudioScan, *, min_gap_s: float = 1.0, max_count: int | None = None) -> list[AudioOnset]:
    """Sudden loudness onsets in the envelope of ``scan`` (see the module docstring).

    ``max_count`` keeps the strongest (default: one per 10 s of audio, at least 4), so a noisy
    track cannot flood the candidates.
    """
    lv = scan.levels.astype(np.float64)
    n = len(lv)
    if n < 20:
        return []
    block = 10  # 100 ms blocks for the baselines (medians over 10 ms hops would cost 20x more)
    nb = n // block
    blocks = lv[: nb * block].reshape(nb, block)
    bmed = np.median(blocks, axis=1)
    bmax = blocks.max(axis=1)
    med_w, max_w = 20, 100  # 2 s and 10 s of history
    pad_med = np.concatenate([np.full(med_w, _SILENCE_DB), bmed])
    pad_max = np.concatenate([np.full(max_w, _SILENCE_DB), bmax])
    base = np.median(np.lib.stride_tricks.sliding_window_view(pad_med, med_w)[:nb], axis=1)
    recent_max = np.lib.stride_tricks.sliding_window_view(pad_max, max_w)[:nb].max(axis=1)
    hit = (bmax >= ONSET_FLOOR_DBFS) & (bmax - base >= ONSET_RISE_DB) & (bmax - recent_max >= ONSET_ABOVE_MAX_DB)
    out: list[AudioOnset] = []
    last = -1e9
    for b in np.flatnonzero(hit):
        hop0 = b * block
        # the first 10 ms hop of the block that clears the bar is the onset
        k = hop0 + int(np.argmax(lv[hop0 : hop0 + block] - base[b] >= ONSET_RISE_DB))
        t = scan.start + k * HOP / SAMPLE_RATE
        if t - last < min_gap_s:
            continue
        last = t
        after = lv[k + 10 : k + 150]  # 0.1-1.5 s later
        transient = bool(len(after) and after.min() <= base[b] + ONSET_ABOVE_MAX_DB)
        out.append(AudioOnset(time=float(t), rise_db=float(bmax[b] - base[b]), transient=transient))
    cap = max_count if max_count is not None else max(4, int(n * HOP / SAMPLE_RATE / 10))
    if len(out) > cap:
        out = sorted(sorted(out, key=lambda o: -o.rise_db)[:cap], key=lambda o: o.time)
    return out
