"""Read OCR frames in background threads while the decode pass goes on.

:class:`~framesift.signals.ocr.OcrPool` keeps the frames most worth reading in fixed slots and
used to read them only after the whole video was decoded, so reading added its full cost to the
cold select. The decode pass does not keep two cores busy (FFmpeg's frame threads wait on the
Python loop that scans every frame, measured ~1.4-1.7 cores of 2), and ONNX Runtime releases the
GIL while it runs, so a reader thread next to the decoder soaks up the idle core: most kept
frames are read by the time decoding ends, and the rest are read by ``threads`` workers at once
(one ONNX thread each: frame-level parallelism wastes less than splitting small operators across
cores).

A kept frame can still be evicted from the pool later (a frame with more new text displaced
it). The worker therefore reads the highest-priority unread frame first (the least likely to be
evicted), and only once the pool's ``ready`` says it is unlikely to be evicted at all (else the
read waits for :meth:`~SlotReader.finish`; before that test, 95 early reads on an hour of video
were of frames evicted later: wasted work). It copies the pixels under the lock (the pool may
overwrite the slot while it is read), and a result counts only if its slot still holds the same
frame at the end. Memory stays bounded by the pool's slots: one copied image per worker, at most
one result per slot.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["SlotReader"]

#: ``read(image, index, time) -> result or None``
ReadFn = Callable[[np.ndarray, int, float], Any]


class SlotReader:
    """Reads images of a pool's slots in the background; see the module docstring.

    The pool writes a frame into a slot and calls :meth:`kept` with :attr:`lock` held, and calls
    :meth:`finish` once at the end. ``background=False`` reads nothing before :meth:`finish`
    (the serial path; same results).
    """

    def __init__(
        self,
        read: ReadFn,
        *,
        threads: int = 1,
        background: bool = True,
        max_jobs: int = 8,
        ready: Callable[[float], bool] | None = None,
    ) -> None:
        #: the pool's slot images (set by the pool when it allocates them, under :attr:`lock`)
        self.slots: np.ndarray | None = None
        self.lock = threading.Lock()
        self._read = read
        self._threads = max(1, int(threads))
        self._background = background
        #: ``ready(priority)``: whether a kept frame of this priority is worth reading before
        #: :meth:`finish` (called with :attr:`lock` held); None: any is
        self._ready = ready
        self._wake = threading.Condition(self.lock)
        self._jobs: deque[Callable[[], None]] = deque()  # screening work, run in order
        self._max_jobs = max_jobs
        self._job_running = False
        self._job_error: BaseException | None = None
        self._todo: list[tuple[float, int, int]] = []  # (-priority, index, slot): best first
        self._holder: dict[int, tuple[int, float]] = {}  # slot -> (frame index, time) it holds now
        self._done: dict[int, tuple[int, Any]] = {}  # slot -> (frame index, result)
        self._busy = 0  # reads in progress
        self._closing = False  # finish() or stop() was called: workers end when nothing is left
        self._workers: list[threading.Thread] = []
        #: frames read whose slot was given to another frame afterwards (wasted work)
        self.discarded = 0
        #: frames read while decoding went on (before :meth:`finish`)
        self.early = 0

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` in the worker, after the jobs submitted before it (waits while
        ``max_jobs`` are queued: the decoder must not run ahead with unbounded images)."""
        with self.lock:
            while len(self._jobs) >= self._max_jobs and self._job_error is None:
                self._wake.wait()
            self._raise_job_error()
            self._jobs.append(job)
            if not self._workers:
                self._start(1)
            self._wake.notify_all()

    def drain(self) -> None:
        """Wait until every submitted job has run (re-raising a job's exception)."""
        with self.lock:
            while (self._jobs or self._job_running) and self._job_error is None:
                self._wake.wait()
            self._raise_job_error()

    def _raise_job_error(self) -> None:
        if self._job_error is not None:
            exc, self._job_error = self._job_error, None
            self._jobs.clear()
            raise exc

    def kept(self, slot: int, index: int, time: float, priority: float) -> None:
        """``slot`` now holds frame ``index`` (call with :attr:`lock` held, after writing it)."""
        if self._done.pop(slot, None) is not None:
            self.discarded += 1
        self._holder[slot] = (index, time)
        heapq.heappush(self._todo, (-priority, index, slot))
        if self._background:
            if not self._workers:
                self._start(1)
            self._wake.notify()

    def _start(self, n: int) -> None:
        for _ in range(n):
            w = threading.Thread(target=self._work, name="framesift-ocr", daemon=True)
            w.start()
            self._workers.append(w)

    def _next(self) -> Callable[[], None] | tuple[int, int, float, np.ndarray] | None:
        """The next job, or the next frame to read and a copy of its pixels (lock held);
        None: nothing left. Jobs come first, one at a time (screening is sequential)."""
        while True:
            if self._jobs and not self._job_running:
                self._job_running = True
                return self._jobs.popleft()
            while self._todo and self.slots is not None:
                neg, index, slot = self._todo[0]
                held = self._holder.get(slot)
                if held is None or held[0] != index or self._done.get(slot, (None,))[0] == index:
                    heapq.heappop(self._todo)
                    continue  # evicted since, or already read
                if not self._closing and self._ready is not None and not self._ready(-neg):
                    break  # the best unread frame may still be evicted: wait (finish() reads it)
                heapq.heappop(self._todo)
                self._busy += 1
                return slot, index, held[1], self.slots[slot].copy()
            if self._closing and not self._jobs and not self._job_running:
                return None
            self._wake.wait()

    def _work(self) -> None:
        while True:
            with self.lock:
                job = self._next()
            if job is None:
                return
            if callable(job):
                try:
                    job()
                except BaseException as exc:  # re-raised by submit() / drain() in the pool's thread
                    with self.lock:
                        self._job_error = exc
                finally:
                    with self.lock:
                        self._job_running = False
                        self._wake.notify_all()
                continue
            slot, index, time, image = job
            try:
                result = self._read(image, index, time)
            except BaseException as exc:  # re-raised by finish(), never lost in a thread
                result = _Failed(exc)
            with self.lock:
                self._busy -= 1
                held = self._holder.get(slot)
                if held is not None and held[0] == index:
                    self._done[slot] = (index, result)
                    self.early += 0 if self._closing else 1
                else:
                    self.discarded += 1
                self._wake.notify_all()

    def finish(self, items: list[tuple[int, int]], progress: Callable[[int, int], None] | None = None) -> list[Any]:
        """Results for ``items`` (``(slot, index)`` pairs, in the order wanted), reading what is left.

        ``threads`` workers (the background one included) read the remaining frames in parallel;
        all have ended when this returns. A read that raised re-raises here.
        """
        with self.lock:
            self._raise_job_error()
            self._closing = True
            self._start(self._threads - len(self._workers))
            self._wake.notify_all()
            if progress is not None:
                while True:
                    progress(sum(1 for s, i in items if self._done.get(s, (None,))[0] == i), len(items))
                    if not self._todo and not self._busy:
                        break
                    self._wake.wait()
        for w in self._workers:
            w.join()
        self._workers = []
        out = []
        for slot, index in items:
            got = self._done.get(slot)
            result = got[1] if got is not None and got[0] == index else None
            if isinstance(result, _Failed):
                raise result.exc
            out.append(result)
        return out

    def stop(self) -> None:
        """End the workers without reading the rest (the pool was dropped unread)."""
        with self.lock:
            self._closing = True
            self._todo.clear()
            self._jobs.clear()
            self._wake.notify_all()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
