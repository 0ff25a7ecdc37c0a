"""The on-disk index: one directory of Parquet files per (video content, decode settings).

Why Parquet files (queried with pyarrow, and DuckDB across videos) rather than LanceDB: both
were measured on this workload (``benchmarks/bench_store.py``, BENCHMARKS.md). LanceDB writes
and searches faster, Parquet reads one video faster (what every ``select`` does), and a
directory of immutable files per entry makes the safety rules simple: an entry is committed by
one directory rename, a partial append is one more file renamed into place, a corrupt file
affects one entry only and is found by its checksum, and pruning is deleting a directory. A
shared Lance table would need version cleanup and compaction, and one damaged fragment would
break reads for every video.

Layout (``ROOT`` is ``--cache`` / ``$FRAMESIFT_CACHE`` / the user cache directory)::

    ROOT/framesift-index-v1/
      entries/<content hash>/<settings key>/
        analysis/            committed as a whole by renaming a finished temporary directory
          meta.json          schema version, keys, video info, small fields, file sizes
          frames.parquet     frame table (pts, time, keyframe, packet size)
          candidates.parquet index, time, source, change, transient, 64-px thumbnail, features
          subtitles.parquet  cues (start, end, text)
          ocr.parquet        on-screen text reads (index, time, lines, confidence)
          texts.parquet      MiniLM vectors of every subtitle / OCR text (search embeds only the query)
        models/<model key>/  per visual model: rows added over time, any subset of candidates
          emb-<uuid>.<blake2b>.parquet   (position int32, vector float32[D]); model id in metadata
          img-<kind>-<uuid>.<blake2b>.parquet  (position int32, image binary)
        used                 touched on every hit (``cache prune`` goes by it)
      locks/<content hash>-<settings key>.lock

Every file is written under a temporary name and renamed. Analysis files carry a CRC32 per
Parquet page, verified while they are read, and their sizes are in meta.json; part files carry a
BLAKE2 checksum of the whole file in their name. A truncated or damaged file is a miss (the
analysis is rebuilt; a damaged part file is dropped and its rows are embedded again), never misread.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import fsync_dir, install_dir
from .._cache import default_cache_dir
from ..analysis import Analysis
from ..errors import InputError
from .keys import content_hash, model_key, settings_key, subtitles_hash
from .parquet import vectors_column, vectors_of, write_parquet
from .serialize import load_analysis, write_analysis

__all__ = ["SCHEMA_VERSION", "IndexStore", "VideoEntry", "EntrySummary", "default_cache_dir", "open_store"]

#: Bump when the files of an entry change meaning; older entries are then rebuilt.
SCHEMA_VERSION = 1
LAYOUT = "framesift-index-v1"
_KIND = "framesift-analysis"
_LOCK_TIMEOUT_S = 3600.0


def open_store(cache: bool | str | os.PathLike | IndexStore | None) -> IndexStore | None:
    """``False``/``None``: no store; ``True``: the default directory; a path or a store: that one."""
    if cache is None or cache is False:
        return None
    if isinstance(cache, IndexStore):
        return cache
    return IndexStore(None if cache is True else cache)


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class EntrySummary:
    """One stored entry, for ``cache ls``: where it is, what it is, how big and how recently used."""

    path: Path
    video_hash: str
    settings_key: str
    video: str | None
    duration: float | None
    candidates: int | None
    settings: dict[str, Any]
    models: dict[str, int]
    size_bytes: int
    created: float | None
    last_used: float
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "video_hash": self.video_hash,
            "settings_key": self.settings_key,
            "video": self.video,
            "duration": self.duration,
            "candidates": self.candidates,
            "settings": self.settings,
            "models": self.models,
            "size_bytes": self.size_bytes,
            "created": self.created,
            "last_used": self.last_used,
            "valid": self.valid,
        }


class IndexStore:
    """A directory of per-video entries (see module docstring). Safe for concurrent processes."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"{self.root}: cache location exists and is not a directory")
        self.base = self.root / LAYOUT

    def entry(
        self,
        video: str | os.PathLike,
        *,
        fps: float = 1.0,
        events: bool = True,
        ocr: Any = "auto",
        subtitles: str | os.PathLike | None = None,
    ) -> VideoEntry:
        """The entry for this video's content and these settings (it may not exist yet)."""
        vhash = content_hash(video)
        skey, settings = settings_key(fps=fps, events=events, ocr=ocr, subtitles_hash=subtitles_hash(video, subtitles))
        return VideoEntry(self, vhash, skey, settings)

    def _entry_dirs(self) -> Iterator[Path]:
        entries = self.base / "entries"
        if not entries.is_dir():
            return
        for vdir in sorted(entries.iterdir()):
            if vdir.is_dir():
                for sdir in sorted(vdir.iterdir()):
                    if sdir.is_dir() and not sdir.name.startswith("."):
                        yield sdir

    def entries(self) -> list[EntrySummary]:
        """Every entry with its summary (cheap: reads meta.json files, verifies no checksums)."""
        return [self._summary(d) for d in self._entry_dirs()]

    def _summary(self, d: Path) -> EntrySummary:
        meta = _read_meta(d / "analysis")
        ok = meta is not None and meta.get("kind") == _KIND and meta.get("schema_version") == SCHEMA_VERSION
        models: dict[str, int] = {}
        mroot = d / "models"
        if mroot.is_dir():
            for m in mroot.iterdir():
                info = _read_meta(m, "model.json")
                if info and not str(info.get("model_id")).startswith("images:"):  # images: shared by size
                    models[str(info.get("model_id"))] = len(list(m.glob("emb-*.parquet")))
        size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        used = d / "used"
        last = used.stat().st_mtime if used.exists() else d.stat().st_mtime
        return EntrySummary(
            path=d,
            video_hash=d.parent.name,
            settings_key=d.name,
            video=(meta or {}).get("path"),
            duration=((meta or {}).get("info") or {}).get("duration"),
            candidates=((meta or {}).get("candidates") or {}).get("count"),
            settings=(meta or {}).get("settings") or {},
            models=models,
            size_bytes=size,
            created=(meta or {}).get("created"),
            last_used=last,
            valid=ok,
        )

    def prune(self, older_than_s: float) -> list[EntrySummary]:
        """Delete entries not used for ``older_than_s`` seconds (and leftovers of killed runs)."""
        now = time.time()
        removed = []
        for s in self.entries():
            if now - s.last_used > older_than_s:
                with self._lock(s.video_hash, s.settings_key):
                    _remove_tree(s.path)
                removed.append(s)
        self._sweep_partials(older_than_s=min(older_than_s, 3600.0))
        return removed

    def clear(self) -> int:
        """Delete every entry; returns how many there were. Only framesift's own layout is touched."""
        n = sum(1 for _ in self._entry_dirs())
        for ours in (self.base, self.root / "thumbs"):  # search's thumbnails live beside the entries
            if ours.exists():
                _remove_tree(ours)
        return n

    def _sweep_partials(self, older_than_s: float) -> None:
        """Temporary directories of killed runs (never committed) older than this are removed."""
        now = time.time()
        for d in self._entry_dirs():
            for tmp in d.glob(".tmp-*"):
                if now - tmp.stat().st_mtime > older_than_s:
                    _remove_tree(tmp)

    @contextmanager
    def _lock(self, vhash: str, skey: str) -> Iterator[None]:
        from filelock import FileLock

        locks = self.base / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        with FileLock(str(locks / f"{vhash}-{skey}.lock"), timeout=_LOCK_TIMEOUT_S):
            yield

    def vector_search(
        self, model_id: str, query: np.ndarray, k: int, entries: Sequence[VideoEntry] | None = None
    ) -> list[tuple[str, str, int, float]]:
        """Top ``k`` candidates by dot product with ``query`` over every stored vector of ``model_id``.

        One DuckDB query over the Parquet part files of all entries (or of ``entries``). Returns
        ``(video_hash, settings_key, position, score)``. Part files are trusted here (a damaged
        one is skipped with the others it came with); the per-entry reads verify checksums.
        """
        import duckdb

        mkey = model_key(model_id)
        if entries is not None:
            files = [str(p) for e in entries for p in e._part_files(mkey, "emb")]
        else:
            files = [str(p) for p in (self.base / "entries").glob(f"*/*/models/{mkey}/emb-*.parquet")]
        if not files or k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        dim = int(q.shape[0])
        con = duckdb.connect()
        try:
            rows = con.execute(
                f"SELECT filename, position, array_inner_product(vector::FLOAT[{dim}], $q::FLOAT[{dim}]) AS s "
                f"FROM read_parquet($files, filename=true) ORDER BY s DESC LIMIT {int(k)}",
                {"q": q.tolist(), "files": files},
            ).fetchall()
        except duckdb.Error:
            return []
        finally:
            con.close()
        out = []
        for filename, pos, s in rows:
            sdir = Path(filename).parents[2]
            out.append((sdir.parent.name, sdir.name, int(pos), float(s)))
        return out


def _remove_tree(path: Path) -> None:
    """Remove a directory by first renaming it aside, so no reader ever sees a half-deleted entry."""
    if not path.exists():
        return
    aside = path.with_name(f".trash-{path.name}-{uuid.uuid4().hex[:8]}")
    try:
        path.rename(aside)
    except OSError:
        aside = path
    shutil.rmtree(aside, ignore_errors=True)


def _read_meta(d: Path, name: str = "meta.json") -> dict[str, Any] | None:
    try:
        data = json.loads((d / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class VideoEntry:
    """One video's entry under one set of decode settings.

    The visual stream's API (the lead wires ``Analysis``'s visual object to it):

    * ``put_embeddings(model_id, positions, vectors)``: add rows for some candidate positions
      (``int`` array ``(K,)``, positions into ``analysis.candidates``; ``float32 (K, D)``). Each
      call is one atomic file; calls from several processes may interleave. Cheap to call often.
    * ``get_embeddings(model_id) -> (positions, vectors)``: every stored row of that model, sorted
      by position, duplicates resolved (the last write wins); ``(0,)`` / ``(0, 0)`` when none.
    * ``embedded_positions(model_id)``: just the positions (what is left to embed is the rest).
    * ``put_images(kind, positions, blobs)`` / ``get_images(kind, positions=None)``: compact
      per-candidate images (any bytes, e.g. JPEG at the model's input size) under a free-form
      ``kind`` such as ``"siglip-224"``; same atomicity and merging rules.
    """

    def __init__(self, store: IndexStore, video_hash: str, skey: str, settings: dict[str, Any]) -> None:
        self.store = store
        self.video_hash = video_hash
        self.settings_key = skey
        self.settings = settings
        self.dir = store.base / "entries" / video_hash / skey
        #: why the last :meth:`load_analysis` missed ("absent", "schema", "corrupt: ...")
        self.last_miss: str | None = None

    def __repr__(self) -> str:
        return f"VideoEntry({self.video_hash}/{self.settings_key})"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """An inter-process lock on this entry (builders hold it while analysing)."""
        with self.store._lock(self.video_hash, self.settings_key):
            yield

    # -- analysis -------------------------------------------------------------------------

    def has_analysis(self) -> bool:
        meta = _read_meta(self.dir / "analysis")
        return meta is not None and meta.get("kind") == _KIND and meta.get("schema_version") == SCHEMA_VERSION

    def load_analysis(self, video: str | os.PathLike) -> Analysis | None:
        """The stored analysis with ``path`` set to ``video``, or None (absent, older, foreign or corrupt)."""
        adir = self.dir / "analysis"
        meta = _read_meta(adir)
        if meta is None:
            self.last_miss = "absent" if not adir.exists() else "corrupt: meta.json unreadable"
            return None
        if meta.get("kind") != _KIND or meta.get("schema_version") != SCHEMA_VERSION:
            self.last_miss = f"schema {meta.get('schema_version')!r} (want {SCHEMA_VERSION})"
            return None
        if meta.get("video_hash") != self.video_hash or meta.get("settings") != self.settings:
            self.last_miss = "foreign entry (keys differ)"
            return None
        # Truncation shows in the size; damage inside a file fails its page checksums while it is read.
        for name, size in (meta.get("files") or {}).items():
            p = adir / name
            if not p.is_file() or p.stat().st_size != size:
                self.last_miss = f"corrupt: {name} is missing or has the wrong size"
                return None
        try:
            analysis = load_analysis(adir, meta, str(video))
        except Exception as exc:  # noqa: BLE001 - any unreadable file is a miss, then a rebuild
            self.last_miss = f"corrupt: {type(exc).__name__}: {exc}"
            return None
        self.touch()
        self.last_miss = None
        return analysis

    def put_analysis(self, analysis: Analysis) -> None:
        """Write the analysis atomically (replacing an older, foreign or corrupt one)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            write_analysis(
                analysis,
                tmp,
                {
                    "kind": _KIND,
                    "schema_version": SCHEMA_VERSION,
                    "video_hash": self.video_hash,
                    "settings": self.settings,
                },
            )
            # A symlink swap: readers see the old analysis or the new one, never none.
            install_dir(tmp, self.dir / "analysis")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.touch()

    def touch(self) -> None:
        try:
            (self.dir / "used").touch()
        except OSError:
            pass

    # -- per-model rows -------------------------------------------------------------------

    def _model_dir(self, model_id: str, create: bool) -> Path | None:
        mdir = self.dir / "models" / model_key(model_id)
        info = _read_meta(mdir, "model.json")
        if info is not None and info.get("model_id") == model_id and info.get("schema_version") == SCHEMA_VERSION:
            return mdir
        if not create:
            return None
        mdir.mkdir(parents=True, exist_ok=True)
        if info is not None:  # an older schema or a hash collision: start over
            for p in mdir.glob("*.parquet"):
                p.unlink(missing_ok=True)
        tmp = mdir / f".model.json.{uuid.uuid4().hex}"
        tmp.write_text(json.dumps({"model_id": model_id, "schema_version": SCHEMA_VERSION}), encoding="utf-8")
        os.replace(tmp, mdir / "model.json")
        return mdir

    def _part_files(self, mkey: str, prefix: str) -> list[Path]:
        mdir = self.dir / "models" / mkey
        return (
            sorted(mdir.glob(f"{prefix}-*.parquet"), key=lambda p: (p.stat().st_mtime_ns, p.name))
            if mdir.is_dir()
            else []
        )

    def _put_part(self, model_id: str, prefix: str, table: Any) -> None:
        mdir = self._model_dir(model_id, create=True)
        assert mdir is not None  # create=True always gives a folder
        tmp = mdir / f".{prefix}-{uuid.uuid4().hex}.tmp"
        try:
            write_parquet(table, tmp)
            final = mdir / f"{prefix}-{uuid.uuid4().hex[:12]}.{_digest(tmp)}.parquet"
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(mdir)

    def _read_parts(self, model_id: str, prefix: str) -> list:
        import pyarrow.parquet as pq

        mdir = self._model_dir(model_id, create=False)
        if mdir is None:
            return []
        tables = []
        for p in self._part_files(mdir.name, prefix):
            want = p.name.rsplit(".", 2)[-2]
            try:
                ok = _digest(p) == want
                table = pq.read_table(p) if ok else None
            except Exception:  # noqa: BLE001 - unreadable part: dropped below
                table = None
            if table is None or (table.schema.metadata or {}).get(b"model_id", b"").decode() != model_id:
                p.unlink(missing_ok=True)  # damaged or foreign: its rows are simply missing now
                continue
            tables.append(table)
        return tables

    def put_embeddings(self, model_id: str, positions: np.ndarray, vectors: np.ndarray) -> None:
        """Add embedding rows for candidate ``positions`` (see the class docstring)."""
        import pyarrow as pa

        pos = np.asarray(positions, dtype=np.int64).reshape(-1)
        vec = np.asarray(vectors, dtype=np.float32)
        if vec.ndim != 2 or vec.shape[0] != pos.shape[0]:
            raise ValueError(
                f"vectors must be (K, D) with K = len(positions); got {vec.shape} for {pos.shape[0]} positions"
            )
        if pos.size == 0:
            return
        table = pa.table({"position": pa.array(pos.astype(np.int32)), "vector": vectors_column(vec)})
        table = table.replace_schema_metadata(
            {"model_id": model_id, "dim": str(vec.shape[1]), "schema_version": str(SCHEMA_VERSION)}
        )
        self._put_part(model_id, "emb", table)

    def get_embeddings(self, model_id: str) -> tuple[np.ndarray, np.ndarray]:
        """``(positions (K,) int64 sorted, vectors (K, D) float32)`` of every stored row of ``model_id``."""
        tables = self._read_parts(model_id, "emb")
        if not tables:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        dims = {t.schema.field("vector").type.list_size for t in tables}
        if len(dims) != 1:  # a model id reused with another dimension: keep the newest
            tables = [
                t
                for t in tables
                if t.schema.field("vector").type.list_size == tables[-1].schema.field("vector").type.list_size
            ]
        pos = np.concatenate([t.column("position").to_numpy() for t in tables]).astype(np.int64)
        vec = np.concatenate([vectors_of(t.column("vector")) for t in tables])
        # last write wins for positions written twice (two processes embedding the same frames)
        order = np.arange(len(pos))[::-1]
        _, first = np.unique(pos[order], return_index=True)
        keep = np.sort(order[first])
        keep = keep[np.argsort(pos[keep], kind="stable")]
        return pos[keep], vec[keep]

    def embedded_positions(self, model_id: str) -> np.ndarray:
        return self.get_embeddings(model_id)[0]

    def put_images(self, kind: str, positions: np.ndarray, blobs: Sequence[bytes]) -> None:
        """Store compact per-candidate images (bytes) of one ``kind`` for some positions."""
        import pyarrow as pa

        pos = np.asarray(positions, dtype=np.int64).reshape(-1)
        if len(blobs) != pos.size:
            raise ValueError("one blob per position")
        if pos.size == 0:
            return
        table = pa.table({"position": pa.array(pos.astype(np.int32)), "image": pa.array(list(blobs), type=pa.binary())})
        table = table.replace_schema_metadata({"model_id": f"images:{kind}", "schema_version": str(SCHEMA_VERSION)})
        self._put_part(f"images:{kind}", "img", table)

    def image_positions(self, kind: str) -> np.ndarray:
        """Positions stored for ``kind``, read from the position column only (cheap; the blobs and
        checksums are read and verified by :meth:`get_images`, which drops damaged parts)."""
        import pyarrow.parquet as pq

        mdir = self._model_dir(f"images:{kind}", create=False)
        if mdir is None:
            return np.zeros(0, np.int64)
        found: list[np.ndarray] = []
        for p in self._part_files(mdir.name, "img"):
            try:
                found.append(pq.read_table(p, columns=["position"]).column("position").to_numpy().astype(np.int64))
            except Exception:  # noqa: BLE001 - unreadable part: its rows count as missing
                continue
        return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)

    def get_images(self, kind: str, positions: Sequence[int] | None = None) -> tuple[np.ndarray, list[bytes]]:
        """``(positions, blobs)`` stored for ``kind`` (only those in ``positions`` when given)."""
        tables = self._read_parts(f"images:{kind}", "img")
        latest: dict[int, bytes] = {}
        wanted = None if positions is None else {int(p) for p in positions}
        for t in tables:
            for p, b in zip(t.column("position").to_pylist(), t.column("image").to_pylist()):
                if wanted is None or p in wanted:
                    latest[int(p)] = b
        keys = sorted(latest)
        return np.asarray(keys, dtype=np.int64), [latest[k] for k in keys]
