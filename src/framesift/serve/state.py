"""The service's warm state: models, analyses, reports, sessions, background jobs and worker pools.

Models load once per process (MiniLM, PP-OCR, the visual model) in :meth:`ServiceState.warm_up`.
Analyses (the query-free part of a video) stay in memory in a small LRU above the on-disk
index, so a question on a video asked about before only scores and selects (milliseconds);
a video the index holds costs one load (a fraction of a second); a new video is decoded in the
*index* pool, never in the pool that answers warm questions, so one long video cannot hold up
short requests. Every submission passes :class:`Admission`, the bounded queue.

The pools are threads: decoding (PyAV / FFmpeg), OCR and embedding (ONNX Runtime, torch)
release the GIL for their heavy loops, and threads share the warm models (processes could not).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from .config import ServeConfig

__all__ = ["Admission", "Busy", "Job", "LRU", "ServiceState"]

log = logging.getLogger("framesift.serve")
T = TypeVar("T")


class Busy(Exception):
    """The bounded queue is full (HTTP 503 with ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"server busy: {retry_after} s")
        self.retry_after = retry_after


class Admission:
    """At most ``limit`` pieces of work waiting or running; beyond that, :class:`Busy`."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, int(limit))
        self.active = 0
        self.rejected = 0
        self._lock = threading.Lock()
        self._mean_s = 1.0  # running mean of service times: the Retry-After estimate

    def enter(self) -> float:
        with self._lock:
            if self.active >= self.limit:
                self.rejected += 1
                raise Busy(max(1, min(60, round(self._mean_s))))
            self.active += 1
        return time.perf_counter()

    def leave(self, started: float) -> None:
        with self._lock:
            self.active -= 1
            self._mean_s = 0.8 * self._mean_s + 0.2 * (time.perf_counter() - started)


class LRU(Generic[T]):
    """A thread-safe least-recently-used map with a size cap."""

    def __init__(self, cap: int) -> None:
        self.cap = max(1, int(cap))
        self._d: OrderedDict[Any, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> T | None:
        with self._lock:
            if key not in self._d:
                return None
            self._d.move_to_end(key)
            return self._d[key]

    def put(self, key: Any, value: T) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.cap:
                self._d.popitem(last=False)

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return key in self._d

    def __len__(self) -> int:
        with self._lock:
            return len(self._d)


@dataclass
class WarmAnalysis:
    """An analysis in memory plus the lock that serialises questions on it (scoring mutates its memos)."""

    analysis: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Job:
    """A background ``/index`` job and its progress (what ``GET /jobs/{id}`` returns)."""

    id: str
    videos: list[str]
    state: str = "queued"
    done: int = 0
    current: str | None = None
    stage: str | None = None
    stage_done: int = 0
    stage_total: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    error_id: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "videos_total": len(self.videos),
            "videos_done": self.done,
            "current": self.current,
            "stage": self.stage,
            "stage_done": self.stage_done,
            "stage_total": self.stage_total,
            "results": self.results,
            "error": self.error,
            "error_id": self.error_id,
            "created": self.created,
            "finished": self.finished,
        }


@dataclass
class StoredReport:
    """A selection kept for ``GET /report/{id}``; images are fetched on the first report request."""

    selection: Any
    video: str
    images_fetched: bool = False
    #: the warm analysis it was made from (the report decodes its frames through it)
    warm: WarmAnalysis | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class ServiceState:
    """Everything one service process holds (see the module docstring)."""

    def __init__(self, config: ServeConfig) -> None:
        from ..index import IndexStore

        self.config = config
        self.store = IndexStore(config.cache)
        self.upload_dir = config.upload_dir or (self.store.root / "uploads")
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.upload_dir = Path(self.upload_dir).resolve()
        self.roots = (*config.roots, self.upload_dir)
        self.questions = ThreadPoolExecutor(max_workers=max(1, config.workers), thread_name_prefix="fs-question")
        self.indexing = ThreadPoolExecutor(max_workers=max(1, config.index_workers), thread_name_prefix="fs-index")
        self.admission = Admission(config.max_queue)
        self.job_slots = Admission(config.max_jobs)
        self.analyses: LRU[WarmAnalysis] = LRU(config.max_analyses)
        self.reports: LRU[StoredReport] = LRU(config.max_reports)
        self.sessions: LRU[Any] = LRU(config.max_sessions)
        self.jobs: LRU[Job] = LRU(256)
        self._building: dict[Any, threading.Lock] = {}
        self._building_lock = threading.Lock()
        self.embedder: Any = None
        self.models: dict[str, Any] = {}
        self.warmed = False
        self.started = time.time()
        self.requests = 0

    # ------------------------------------------------------------------ models
    def warm_up(self) -> None:
        """Load every model now, so the first request pays nothing (seconds, once per process)."""
        t0 = time.perf_counter()
        if self.config.model:
            from ..signals.embedders import load_embedder

            self.embedder = load_embedder(self.config.model)
            self.models["visual"] = getattr(self.embedder, "model_id", self.config.model)
        if self.config.warm:
            from ..signals.ocr import get_ocr_engine
            from ..signals.text_embedder import get_text_embedder

            get_text_embedder().encode(["warm up"])
            self.models["text"] = get_text_embedder().model_id
            get_ocr_engine("read")
            get_ocr_engine("screen")
            self.models["ocr"] = "PP-OCR (rapidocr-onnxruntime)"
        self.models["load_seconds"] = round(time.perf_counter() - t0, 3)
        self.warmed = True

    # ------------------------------------------------------------------ work
    def submit(
        self, pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any, slots: Admission | None = None
    ) -> Future:
        """Run ``fn(*args)`` in ``pool`` once admitted (raises :class:`Busy` when the queue is full).

        The slot is released when the work ends, not when the client stops waiting, so the bound
        holds even for requests that timed out."""
        gate = slots or self.admission
        started = gate.enter()
        try:
            fut = pool.submit(fn, *args)
        except BaseException:
            gate.leave(started)
            raise
        fut.add_done_callback(lambda _f: gate.leave(started))
        return fut

    # ------------------------------------------------------------------ analyses
    @staticmethod
    def analysis_key(path: Path, settings: dict[str, Any], visual: bool) -> tuple:
        st = path.stat()
        return (
            str(path),
            st.st_size,
            st.st_mtime_ns,
            settings["fps"],
            settings["events"],
            str(settings["ocr"]),
            visual,
        )

    def is_warm(self, key: tuple) -> bool:
        return key in self.analyses

    def is_indexed(self, path: Path, settings: dict[str, Any]) -> bool:
        """True when the on-disk index holds this video's analysis (a load, not a decode)."""
        try:
            return bool(self.store.entry(path, **settings).has_analysis())
        except Exception:  # noqa: BLE001 - unreadable file etc.: the analysis itself will say why
            return False

    def get_analysis(self, path: Path, settings: dict[str, Any], visual: bool) -> WarmAnalysis:
        """The warm analysis of ``path`` (loaded from the index or built, once, whatever the concurrency)."""
        from ..api import analyze

        key = self.analysis_key(path, settings, visual)
        hit = self.analyses.get(key)
        if hit is not None:
            return hit
        with self._building_lock:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            hit = self.analyses.get(key)
            if hit is None:
                model = self.embedder if visual else None
                analysis = analyze(path, model=model, cache=self.store, **settings)
                hit = WarmAnalysis(analysis)
                self.analyses.put(key, hit)
        with self._building_lock:
            self._building.pop(key, None)
        return hit

    # ------------------------------------------------------------------ reports / jobs
    def keep_report(self, selection: Any, video: str, warm: WarmAnalysis | None = None) -> str:
        rid = uuid.uuid4().hex[:16]
        fetched = all(f.image is not None for f in selection.frames)
        self.reports.put(rid, StoredReport(selection, video, images_fetched=fetched, warm=warm))
        return rid

    def new_job(self, videos: list[str]) -> Job:
        job = Job(id=uuid.uuid4().hex[:16], videos=videos)
        self.jobs.put(job.id, job)
        return job

    def close(self) -> None:
        self.questions.shutdown(wait=False, cancel_futures=True)
        self.indexing.shutdown(wait=False, cancel_futures=True)
