"""Cache keys: what a stored analysis depends on, and nothing else.

* The video's *content*, not its path: a fast hash of the file size and 16 sampled 64 KiB byte
  ranges (first, last and evenly spaced between). A renamed or moved file hits; an edit anywhere
  near a sampled range, or any change of length (re-encode, trim, append), misses. Reading ~1 MiB
  takes milliseconds even for multi-GB files, where hashing every byte would take seconds.
* The decode settings (candidate fps, event scan, OCR budget, the speech model ``asr`` resolves to) and the subtitle file actually used
  (a sidecar or an explicit file, hashed in full: it is small and edits must miss).
* The signal set: :data:`SIGNALS` names the versions of the query-free signals; bump it when a
  stage changes what it computes, and every older entry becomes a miss (and is rebuilt).
* For embeddings, the embedder's ``model_id`` (weights + revision + backend + precision).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..errors import InputError, VideoError
from ..limits import MAX_SUBTITLE_BYTES, check_regular_file
from ..video.remote import is_url, remote_key
from ..video.subtitles import find_sidecar

__all__ = ["SIGNALS", "content_hash", "settings_key", "model_key", "normalise_ocr"]

#: Versions of the query-independent signals an analysis holds.
SIGNALS = "probe1;candidates3(grid,event,subtitle,audio;text-scan;region;thumb64);lowlevel1(hsv+16x9);ocr2(ppocr-res-aware;lines);text1(all-MiniLM-L6-v2);audio1(16k-mono,onsets)"

_SAMPLES = 16
_CHUNK = 64 * 1024


def content_hash(path: str | os.PathLike) -> str:
    """Hex digest of a file's size and sampled byte ranges (see module docstring).

    A URL is keyed by its HTTP validators and size instead (:func:`framesift.video.remote.remote_key`).
    Only a regular file is read (a FIFO would block, ``/dev/zero`` never ends), and never more
    than the size it had when it was checked: at most ``_SAMPLES * _CHUNK`` bytes in all.
    """
    if is_url(path):
        return remote_key(str(path))
    p = Path(path)
    try:
        size = check_regular_file(p, "video file").st_size
    except InputError as exc:
        raise VideoError(str(exc)) from None
    h = hashlib.blake2b(digest_size=16)
    h.update(f"framesift-content-v1:{size}".encode())
    try:
        with open(p, "rb") as f:
            if size <= _SAMPLES * _CHUNK:
                h.update(f.read(size))
            else:
                step = (size - _CHUNK) / (_SAMPLES - 1)
                for k in range(_SAMPLES):
                    f.seek(int(round(k * step)))
                    h.update(f.read(_CHUNK))
    except OSError as exc:
        raise VideoError(f"{p}: cannot be read ({exc.strerror or exc})") from exc
    return h.hexdigest()


def normalise_ocr(ocr: Any) -> str:
    """``"auto"``/``True`` -> ``"auto"``, ``False``/``0`` -> ``"off"``, ``n`` -> ``"n"``."""
    if ocr in ("auto", True):
        return "auto"
    if ocr is False or ocr == 0:
        return "off"
    return str(int(ocr))


def settings_key(
    *, fps: float, events: bool, ocr: Any, subtitles_hash: str | None, asr: str = "off"
) -> tuple[str, dict[str, Any]]:
    """A short key for the decode settings + signal set, and the settings themselves (stored in the entry)."""
    settings = {
        "fps": float(fps),
        "events": bool(events),
        "ocr": normalise_ocr(ocr),
        "subtitles": subtitles_hash,
        "asr": asr,
        "signals": SIGNALS,
    }
    blob = json.dumps(settings, sort_keys=True).encode()
    return hashlib.blake2b(blob, digest_size=8).hexdigest(), settings


def subtitles_hash(video: str | os.PathLike, explicit: str | os.PathLike | None) -> str | None:
    """Hash of the subtitle file :func:`~framesift.video.subtitles.load_subtitles` would read first
    (embedded streams are part of the video's content hash already)."""

    path = Path(explicit) if explicit is not None else find_sidecar(video)
    if path is None:
        return None
    size = check_regular_file(path, "subtitle file").st_size
    if size > MAX_SUBTITLE_BYTES:
        raise InputError(
            f"{path}: subtitle file is {size / 1e6:.1f} MB; the limit is {MAX_SUBTITLE_BYTES / 1e6:.0f} MB"
        )
    try:
        with open(path, "rb") as f:
            return hashlib.blake2b(f.read(size), digest_size=16).hexdigest()
    except OSError as exc:
        raise InputError(f"{path}: subtitle file cannot be read ({exc.strerror or exc})") from exc


def model_key(model_id: str) -> str:
    """Directory-safe key of an embedder's ``model_id`` (the id itself is stored beside the rows)."""
    return hashlib.blake2b(model_id.encode(), digest_size=8).hexdigest()
