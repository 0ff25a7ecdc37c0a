"""The service's settings: one frozen record built by ``framesift serve`` (or a test) and read by the app."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ServeConfig"]


@dataclass(frozen=True)
class ServeConfig:
    """Everything the HTTP service needs to know before it answers its first request.

    ``roots``: directories whose files (symlinks resolved) requests may name; uploads are kept
    under ``upload_dir`` and are always readable. ``token``: when set, every endpoint but
    ``/healthz`` wants ``Authorization: Bearer <token>``. ``workers`` threads answer questions on
    videos that are analysed already; ``index_workers`` threads decode new videos and run
    ``/index`` jobs, so a long video never blocks short requests. At most ``max_queue`` requests
    wait or run at once (beyond that: 503 with ``Retry-After``); each waits at most ``timeout_s``
    (then 504; the work finishes in the background and the next request finds it warm).
    """

    roots: tuple[Path, ...]
    token: str | None = None
    cache: Path | None = None
    model: str | None = None
    upload_dir: Path | None = None
    max_upload_bytes: int = 512 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    timeout_s: float = 120.0
    workers: int = 4
    index_workers: int = 1
    max_queue: int = 32
    max_jobs: int = 8
    max_analyses: int = 16
    max_reports: int = 128
    max_sessions: int = 64
    warm: bool = True

    def __post_init__(self) -> None:
        roots = tuple(Path(os.path.realpath(r)) for r in self.roots)
        object.__setattr__(self, "roots", roots)
        if self.upload_dir is not None:
            object.__setattr__(self, "upload_dir", Path(os.path.realpath(self.upload_dir)))
