"""Parquet files of the index: page checksums on write and read, float vectors as fixed-size lists."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["read_parquet", "vectors_column", "vectors_of", "write_parquet"]


def write_parquet(table: Any, path: Path, raw: tuple[str, ...] = ()) -> None:
    """Write with a CRC32 per page (verified on every read, for free) and fsync.

    Columns in ``raw`` stay uncompressed: thumbnails barely compress and are then read with
    one memory map instead of being decompressed on every ``select``."""
    import pyarrow.parquet as pq

    codecs = {name: ("none" if name in raw else "zstd") for name in table.column_names}
    pq.write_table(table, path, compression=codecs, write_page_checksum=True)
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def read_parquet(path: Path) -> Any:
    """Read a file written by :func:`write_parquet`, verifying its page checksums (raises if damaged)."""
    import pyarrow.parquet as pq

    # ParquetFile, not read_table: read_table goes through pyarrow.dataset, ~0.1 s more import
    # on every new process, for a single local file that needs none of it. (Not closed here:
    # the thumbnails are zero-copy views into the mapped file.)
    return pq.ParquetFile(path, memory_map=True, page_checksum_verification=True).read()


def vectors_column(arr: np.ndarray) -> Any:
    import pyarrow as pa

    arr = np.ascontiguousarray(arr, dtype=np.float32)
    return pa.FixedSizeListArray.from_arrays(pa.array(arr.reshape(-1)), int(arr.shape[1]))


def vectors_of(col: Any, dim: int | None = None) -> np.ndarray:
    col = col.combine_chunks() if hasattr(col, "combine_chunks") else col
    n = len(col)
    flat = col.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    d = dim if dim is not None else (col.type.list_size if n else 0)
    return flat.reshape(n, d) if n else np.zeros((0, d), np.float32)
