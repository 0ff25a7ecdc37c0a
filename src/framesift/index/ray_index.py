"""Index a corpus on a Ray cluster with Ray Data: one task per video, into the same index.

Each video becomes one row of a Ray Dataset split into one block per row, so ``map`` runs one
task per video, with the CPUs / GPUs per task the caller asks for (``num_cpus`` /
``num_gpus``). The task runs exactly :func:`framesift.index.library.index_video`, the
single-machine path, against the same index directory, so the entries it writes are the ones a
serial ``framesift index`` writes, byte for byte in meaning. On a multi-node cluster that
directory must be on a filesystem every node sees (NFS, a shared volume).

Safety comes from the index itself, not from Ray: an entry is built under its inter-process
lock and committed by one directory rename (:mod:`framesift.index.store`), so two workers given
the same video (a duplicate in the list, or a task Ray re-runs after a worker died) never both
write it and never leave half an entry; the second finds it and reports ``cached``. A worker
killed mid-task holds no lock any more (the OS drops it with the process) and leaves only a
temporary directory, which the retried task ignores. Ray re-runs a task whose worker died up
to ``max_retries`` times (Ray's system-failure retries).

Errors that are the video's fault (not a video, unreadable) are not retried: the task returns
them and :func:`index_videos_ray` raises one :class:`~framesift.errors.InputError` naming them
after every other video is stored.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["FAULT_ENV", "index_videos_ray", "ray_available"]

#: Fault injection for the tests: a directory; the first task of each video kills its own worker
#: process (SIGKILL) once decoding has started, leaving a marker file so the retry runs through.
FAULT_ENV = "FRAMESIFT_RAY_KILL_ONCE_DIR"


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def _index_row(index_video: Callable[..., Any], row: dict[str, Any]) -> dict[str, Any]:
    """The per-video task (runs on a Ray worker). ``index_video`` is
    :func:`framesift.library.index_video`, passed in (Ray pickles it by reference, and the worker
    imports it) so this module, below the library, never imports upward."""
    from .store import IndexStore

    video = row["video"]
    progress = None
    fault_dir = row.get("fault_dir")
    if fault_dir:
        marker = Path(fault_dir) / (Path(video).name + ".killed")

        def progress(stage: str, done: int, total: int) -> None:  # noqa: F811 - the fault hook
            if stage == "decode" and done > 0 and not marker.exists():
                marker.write_text(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGKILL)

    t0 = time.perf_counter()
    try:
        r = index_video(
            video,
            cache=IndexStore(row["cache"]),
            model=row.get("model") or None,
            subtitles=None,
            fps=float(row["fps"]),
            events=bool(row["events"]),
            ocr=row["ocr"],
            progress=progress,
        )
    except InputError as exc:  # the video's fault: report, do not retry
        return {"video": video, "status": "failed", "error": str(exc), "seconds": time.perf_counter() - t0}
    d = r.to_dict()
    d["worker_pid"] = os.getpid()
    d["error"] = ""
    return d


def _init_ray(address: str | None) -> bool:
    """Connect to ``address`` (``"auto"``, ``ray://host:port``) or start a local cluster (None /
    ``"local"``). Returns whether this call started Ray (then the caller shuts it down)."""
    import ray

    if ray.is_initialized():
        return False
    # Workers must import the same framesift as the driver (an uninstalled checkout included).
    env = {k: os.environ[k] for k in ("PYTHONPATH", "FRAMESIFT_CACHE", FAULT_ENV) if k in os.environ}
    kwargs: dict[str, Any] = {"runtime_env": {"env_vars": env}, "log_to_driver": False}
    if address in (None, "", "local"):
        kwargs["include_dashboard"] = False
        num_cpus = os.environ.get("FRAMESIFT_RAY_NUM_CPUS")
        if num_cpus:
            kwargs["num_cpus"] = int(num_cpus)
        ray.init(**kwargs)
    else:
        ray.init(address=address, **kwargs)
    return True


def index_videos_ray(
    videos: Sequence[str | os.PathLike],
    index_video: Callable[..., Any],
    *,
    cache_root: str | os.PathLike,
    address: str | None = None,
    model: str | None = None,
    fps: float = 1.0,
    events: bool = True,
    ocr: Any = "auto",
    num_cpus: float = 1.0,
    num_gpus: float = 0.0,
    max_retries: int = 3,
) -> list[dict[str, Any]]:
    """Index ``videos`` with one Ray task each; returns one result dict per video, in input order.

    ``index_video`` is the per-video function the tasks run (:func:`framesift.library.index_video`).

    ``model`` must be a spec string (each worker loads it; an in-memory Embedder cannot travel).
    """
    if not ray_available():
        raise InputError("Ray is not installed: pip install 'framesift[ray]'", param="ray")
    if model is not None and not isinstance(model, str):
        raise InputError("with ray, model must be a spec string (each worker loads its own copy)", param="model")
    if num_cpus <= 0 or num_gpus < 0:
        raise InputError(f"ray tasks need num_cpus > 0 and num_gpus >= 0 (got {num_cpus}, {num_gpus})", param="ray")
    import ray
    import ray.data

    started = _init_ray(address)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.verbose_stats_logs = False
        fault_dir = os.environ.get(FAULT_ENV, "")
        rows = [
            {
                "video": str(Path(v)),
                "cache": str(Path(cache_root)),
                "model": model or "",
                "fps": float(fps),
                "events": bool(events),
                "ocr": ocr if isinstance(ocr, (bool, int)) else str(ocr),
                "fault_dir": fault_dir,
                "order": k,
            }
            for k, v in enumerate(videos)
        ]
        if not rows:
            return []
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        out = ds.map(
            partial(_index_row_keep_order, index_video),
            num_cpus=num_cpus,
            num_gpus=num_gpus or None,
            max_retries=max_retries,
            # one video per task: never fuse two rows' work into one worker call
            concurrency=None,
        ).take_all()
    finally:
        if started:
            ray.shutdown()
    out.sort(key=lambda r: r["order"])
    failed = [r for r in out if r["status"] == "failed"]
    if failed:
        first = failed[0]["error"]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise InputError(f"{first}{more}; the other videos are in the index")
    return out


def _index_row_keep_order(index_video: Callable[..., Any], row: dict[str, Any]) -> dict[str, Any]:
    d = _index_row(index_video, row)
    d["order"] = row["order"]
    return d
