"""Live-stream test material: encode frames to MPEG-TS in memory and send them at a paced rate.

Used by the stream tests and ``benchmarks/bench_stream.py`` to play real encoded video into a
pipe, a growing file or a loopback socket "live" (optionally sped up), the way an encoder or a
camera would, with knobs for what live sources do: timestamps that restart, resolution changes,
stalls, lost packets.
"""

from __future__ import annotations

import io
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..video.subtitles import read_subtitle_file
from .transcript import write_srt

__all__ = ["TsClip", "encode_ts", "paced_send", "TcpSender", "send_udp"]

TS_PACKET = 188


@dataclass
class TsClip:
    """MPEG-TS bytes and, per frame, the byte offset where its data ends (for pacing)."""

    data: bytes
    frame_ends: list[int]
    fps: float

    @property
    def duration(self) -> float:
        return len(self.frame_ends) / self.fps


def encode_ts(
    frames: Iterable[np.ndarray],
    *,
    fps: float,
    pts0: int = 0,
    gop: int = 24,
    crf: int = 23,
    subtitles: Iterable[tuple[float, float, str]] = (),
) -> TsClip:
    """H.264 in MPEG-TS (what encoders and cameras send), ``pts0`` the first frame's pts in frames.

    ``subtitles`` (start, end, text) in seconds from the clip start are muxed as a SubRip track
    into the same stream when given (Matroska then, since MPEG-TS carries no text subtitles).
    """
    cues = sorted(subtitles)
    fmt = "matroska" if cues else "mpegts"
    rate = Fraction(fps).limit_denominator(1001)
    bio = io.BytesIO()
    ends: list[int] = []
    srt_src = None
    sub_packets: list[av.Packet] = []
    with tempfile.TemporaryDirectory() as tmp:
        if cues:
            # FFmpeg's SubRip encoder wants a parsed template: write the cues, read them back.
            srt_src = av.open(str(write_srt(Path(tmp) / "cues.srt", cues)))
            sub_packets = [pk for pk in srt_src.demux(srt_src.streams.subtitles[0]) if pk.size]
        container = av.open(bio, "w", format=fmt)
        try:
            stream = container.add_stream("libx264", rate=rate, options={"preset": "ultrafast", "crf": str(crf)})
            stream.codec_context.gop_size = gop
            # No B-frames: frames leave the encoder in order, as a low-latency live encoder sends them.
            stream.codec_context.options = {"bf": "0", "tune": "zerolatency"}
            sub_stream = container.add_stream_from_template(srt_src.streams.subtitles[0]) if srt_src else None
            first = True
            k = 0
            for img in frames:
                if first:
                    stream.height, stream.width = img.shape[:2]
                    stream.pix_fmt = "yuv420p"
                    first = False
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
                vf.pts, vf.time_base = pts0 + k, 1 / rate
                for p in stream.encode(vf):
                    container.mux(p)
                t = k / float(rate)
                while (
                    sub_stream is not None
                    and sub_packets
                    and float((sub_packets[0].pts or 0) * sub_packets[0].time_base) <= t
                ):
                    pk = sub_packets.pop(0)
                    pk.stream = sub_stream
                    container.mux(pk)
                ends.append(bio.tell())
                k += 1
            for p in stream.encode():
                container.mux(p)
        finally:
            container.close()
            if srt_src is not None:
                srt_src.close()
    data = bio.getvalue()
    if ends:
        ends[-1] = len(data)
    return TsClip(data=data, frame_ends=ends, fps=float(rate))


def paced_send(
    write: Callable[[bytes], object],
    clip: TsClip,
    *,
    speed: float = 1.0,
    chunk: int = 7 * TS_PACKET,
    stall_at: float | None = None,
    stall_s: float = 0.0,
    start_wall: float | None = None,
) -> None:
    """Write ``clip`` so that frame ``k`` is complete at ``k / fps / speed`` wall seconds.

    With ``stall_at`` the sender stops for ``stall_s`` wall seconds at that clip time (a source
    that hangs, then comes back with the rest).
    """
    t0 = start_wall if start_wall is not None else time.monotonic()
    sent = 0
    stalled = stall_at is None
    for k, end in enumerate(clip.frame_ends):
        due = t0 + k / clip.fps / speed
        if not stalled and stall_at is not None and k / clip.fps >= stall_at:
            time.sleep(stall_s)
            t0 += stall_s
            due += stall_s
            stalled = True
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        while sent < end:
            write(clip.data[sent : min(end, sent + chunk)])
            sent = min(end, sent + chunk)
    if sent < len(clip.data):
        write(clip.data[sent:])


class TcpSender:
    """A one-client MPEG-TS server on loopback: the stream connects to ``url`` and gets ``clips``."""

    def __init__(self, clips: list[TsClip], *, speed: float = 1.0, **pace) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.url = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.clips, self.speed, self.pace = clips, speed, pace
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
            with conn:
                for clip in self.clips:
                    paced_send(conn.sendall, clip, speed=self.speed, **self.pace)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            self.error = exc
        finally:
            self.sock.close()


def _udp_bound(port: int) -> bool:
    """Whether some socket on this machine listens on UDP ``port`` (Linux /proc)."""
    hexport = f":{port:04X}"
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as fh:
                if any(line.split()[1].endswith(hexport) for line in fh.readlines()[1:]):
                    return True
        except OSError:
            continue
    return False


def send_udp(
    port: int,
    clip: TsClip,
    *,
    speed: float = 1.0,
    drop: Callable[[int], bool] | None = None,
    wait_s: float = 10.0,
) -> int:
    """Send ``clip`` as 7-packet datagrams to 127.0.0.1:``port`` once it is listened on.

    ``drop(k)`` true skips datagram ``k`` (lost packets). Returns the number sent.
    """
    deadline = time.monotonic() + wait_s
    while not _udp_bound(port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on udp port {port}")
        time.sleep(0.02)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    counter = {"k": 0, "sent": 0}

    def write(data: bytes) -> None:
        for a in range(0, len(data), 7 * TS_PACKET):
            k = counter["k"]
            counter["k"] += 1
            if drop is not None and drop(k):
                continue
            sock.sendto(data[a : a + 7 * TS_PACKET], ("127.0.0.1", port))
            counter["sent"] += 1

    try:
        paced_send(write, clip, speed=speed)
    finally:
        sock.close()
    return counter["sent"]


def clip_of_file(path: str, *, subtitles: str | None = None, max_side: int | None = None, gop: int = 24) -> TsClip:
    """Re-encode a video file (e.g. :func:`framesift.bench.synth.make_video` output) as a live clip.

    With ``subtitles`` (an .srt) the cues travel inside the stream, as a broadcast carries them.
    """
    cues = [(ln.start, ln.end, ln.text) for ln in read_subtitle_file(subtitles).lines] if subtitles else []
    with av.open(path) as c:
        s = c.streams.video[0]
        fps = float(s.average_rate or 24)

        def frames():
            for fr in c.decode(s):
                if max_side is not None and max(fr.width, fr.height) > max_side:
                    k = max_side / max(fr.width, fr.height)
                    w, h = int(fr.width * k) // 2 * 2, int(fr.height * k) // 2 * 2
                    yield fr.reformat(width=w, height=h, format="rgb24").to_ndarray()
                else:
                    yield fr.to_ndarray(format="rgb24")

        return encode_ts(frames(), fps=fps, gop=gop, subtitles=cues)
