"""Keep glibc from hoarding memory while decoding and running ONNX models in one process.

glibc raises its mmap threshold every time a large block is freed (the "dynamic mmap
threshold"), after which decoder frames and ONNX Runtime's temporary tensors are carved from the
main heap instead of being mapped and unmapped. Interleaved with the long-lived arrays framesift
keeps, that heap cannot shrink: peak RSS grew by ~3-6 GB per 10 minutes of video with OCR
screening on (measured in benchmarks/bench_select.py; 20 GB for an hour). Pinning the threshold at
its default (128 KiB) turns the dynamic adjustment off, and RSS stays flat (~200 MB).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_MMAP_THRESHOLD = -3
_done = False


def pin_mmap_threshold(nbytes: int = 128 * 1024) -> bool:
    """Pin glibc's mmap threshold (once per process). Returns False where that is not possible."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _done = bool(libc.mallopt(_M_MMAP_THRESHOLD, nbytes))
    except (OSError, AttributeError):  # musl or another libc without mallopt
        return False
    return _done
