"""LanceDB against Parquet + DuckDB for the index's workload (the choice behind framesift.index).

Simulated library: ``--videos`` videos of ``--rows`` candidates each (an hour at 1 fps = 3,600),
with what the index keeps per candidate (index, time, a 64-px JPEG thumbnail of ~2 KB, 64
low-level features) and ``--dim``-d visual embeddings that arrive in ``--parts`` partial batches
(coarse-to-fine embeds some candidates first, more later). Measured per backend, in one run:

* write: one video's candidate table, written once;
* append: the embeddings of one video in ``--parts`` partial appends;
* read: one video's candidate table and its embedding rows (what ``select`` loads);
* search: top-10 cosine over the embeddings of every video (what ``search`` does).

Parquet: one directory per video, one file per append (each written to a temporary name and
renamed), read with pyarrow; cross-video search with DuckDB over a glob of all files.
LanceDB: one table for candidates and one for embeddings, a ``video`` column, ``table.add`` per
append, reads filtered by ``video``, brute-force ``table.search`` (no ANN index: exact like the
other side).

    python benchmarks/bench_store.py [--videos 40 --rows 3600 --dim 512 --parts 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _cand_table(rng: np.random.Generator, rows: int) -> pa.Table:
    thumbs = [rng.bytes(2000) for _ in range(rows)]
    feats = rng.random((rows, 64), dtype=np.float32)
    return pa.table(
        {
            "index": pa.array(np.arange(rows, dtype=np.int64) * 24),
            "time": pa.array(np.arange(rows, dtype=np.float64)),
            "thumb": pa.array(thumbs, type=pa.binary()),
            "features": pa.FixedSizeListArray.from_arrays(pa.array(feats.ravel()), 64),
        }
    )


def _emb_table(pos: np.ndarray, vecs: np.ndarray, video: str | None = None) -> pa.Table:
    cols = {
        "position": pa.array(pos.astype(np.int32)),
        "vector": pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel()), vecs.shape[1]),
    }
    if video is not None:
        cols = {"video": pa.array([video] * len(pos)), **cols}
    return pa.table(cols)


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


class ParquetStore:
    name = "parquet+duckdb"

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, video: str, table: pa.Table) -> None:
        d = self.root / video
        (d / "emb").mkdir(parents=True, exist_ok=True)
        _atomic_parquet(table, d / "candidates.parquet")

    def append(self, video: str, part: int, pos: np.ndarray, vecs: np.ndarray) -> None:
        _atomic_parquet(_emb_table(pos, vecs), self.root / video / "emb" / f"part-{part:05d}.parquet")

    def read(self, video: str) -> tuple[pa.Table, np.ndarray, np.ndarray]:
        d = self.root / video
        cands = pq.read_table(d / "candidates.parquet")
        emb = pa.concat_tables([pq.read_table(p) for p in sorted((d / "emb").glob("*.parquet"))])
        vec = emb.column("vector").combine_chunks().values.to_numpy().reshape(emb.num_rows, -1)
        return cands, emb.column("position").to_numpy(), vec

    def search(self, q: np.ndarray, k: int) -> list[tuple[str, int, float]]:
        import duckdb

        con = duckdb.connect()
        dim = q.shape[0]
        rows = con.execute(
            f"SELECT regexp_extract(filename, '([^/]+)/emb/', 1) AS video, position, "
            f"array_inner_product(vector::FLOAT[{dim}], $q::FLOAT[{dim}]) AS s "
            f"FROM read_parquet($glob, filename=true) ORDER BY s DESC LIMIT {k}",
            {"q": q.tolist(), "glob": str(self.root / "*" / "emb" / "*.parquet")},
        ).fetchall()
        con.close()
        return rows


class LanceStore:
    name = "lancedb"

    def __init__(self, root: Path) -> None:
        import lancedb

        self.db = lancedb.connect(str(root))
        self.cands = None
        self.emb = None

    def write(self, video: str, table: pa.Table) -> None:
        t = table.add_column(0, "video", pa.array([video] * table.num_rows))
        if self.cands is None:
            self.cands = self.db.create_table("candidates", data=t)
        else:
            self.cands.add(t)

    def append(self, video: str, part: int, pos: np.ndarray, vecs: np.ndarray) -> None:
        t = _emb_table(pos, vecs, video)
        if self.emb is None:
            self.emb = self.db.create_table("embeddings", data=t)
        else:
            self.emb.add(t)

    def read(self, video: str) -> tuple[pa.Table, np.ndarray, np.ndarray]:
        cands = self.cands.search().where(f"video = '{video}'").limit(None).to_arrow()
        emb = self.emb.search().where(f"video = '{video}'").limit(None).to_arrow()
        vec = emb.column("vector").combine_chunks().values.to_numpy().reshape(emb.num_rows, -1)
        return cands, emb.column("position").to_numpy(), vec

    def search(self, q: np.ndarray, k: int) -> list[tuple[str, int, float]]:
        res = self.emb.search(q, vector_column_name="vector").metric("dot").limit(k).to_arrow()
        return list(
            zip(
                res.column("video").to_pylist(),
                res.column("position").to_pylist(),
                (1.0 - np.asarray(res.column("_distance"))).tolist(),
            )
        )


def _dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def run(store_cls, root: Path, args: argparse.Namespace) -> dict[str, float]:
    rng = np.random.default_rng(0)
    store = store_cls(root)
    cand = _cand_table(rng, args.rows)
    vecs = {f"v{k:03d}": _unit(np.random.default_rng(k), args.rows, args.dim) for k in range(args.videos)}
    t_write, t_append = [], []
    for video, v in vecs.items():
        t0 = time.perf_counter()
        store.write(video, cand)
        t_write.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for part, chunk in enumerate(np.array_split(np.arange(args.rows), args.parts)):
            store.append(video, part, chunk, v[chunk])
        t_append.append(time.perf_counter() - t0)
    t_read = []
    for video in list(vecs)[:: max(1, args.videos // 10)]:
        t0 = time.perf_counter()
        _, pos, vec = store.read(video)
        t_read.append(time.perf_counter() - t0)
        assert len(pos) == args.rows and np.allclose(vec[np.argsort(pos)], vecs[video], atol=1e-6)
    target = min(1234, args.rows - 1)
    q = vecs["v001"][target]
    t_search = []
    for _ in range(5):
        t0 = time.perf_counter()
        hits = store.search(q, 10)
        t_search.append(time.perf_counter() - t0)
    assert hits[0][0] == "v001" and hits[0][1] == target, hits[0]
    return {
        "write": statistics.median(t_write),
        "append": statistics.median(t_append),
        "read": statistics.median(t_read),
        "search": statistics.median(t_search[1:]),
        "disk_mb": _dir_size(root) / 1e6,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=40)
    ap.add_argument("--rows", type=int, default=3600)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--parts", type=int, default=4)
    args = ap.parse_args()
    results = {}
    for cls in (ParquetStore, LanceStore):
        root = Path(tempfile.mkdtemp(prefix="fs-bench-store-"))
        try:
            results[cls.name] = run(cls, root, args)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    pqr, lr = results["parquet+duckdb"], results["lancedb"]
    lines = [
        f"{args.videos} videos x {args.rows} candidates, {args.dim}-d embeddings in {args.parts} partial appends "
        f"(medians; load: {os.getloadavg()[0]:.2f})",
        "",
        "| operation | parquet+duckdb | lancedb | lancedb / parquet |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("write", "write one video's candidates (s)"),
        ("append", f"append its embeddings, {args.parts} parts (s)"),
        ("read", "read one video: candidates + embeddings (s)"),
        ("search", f"top-10 over all {args.videos * args.rows} vectors (s)"),
        ("disk_mb", "disk (MB)"),
    ):
        lines.append(f"| {label} | {pqr[key]:.4f} | {lr[key]:.4f} | {lr[key] / pqr[key]:.2f}x |")
    report = "\n".join(lines)
    print(report)
    from _report import write_result

    cmd = "python benchmarks/bench_store.py " + " ".join(sys.argv[1:])
    write_result("bench_store.md", "Index store: LanceDB vs Parquet + DuckDB", cmd.strip(), report)


if __name__ == "__main__":
    main()
