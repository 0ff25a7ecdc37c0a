"""Write outputs so that a failed or killed run never leaves a half-written file or folder.

Everything framesift writes (selection folders, exports, benchmark reports, JSON, index
entries) goes through here: the content is written under a temporary name beside the target
(same file system, so the final rename is atomic), flushed to disk, and renamed into place only
once it is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_dir", "fsync_dir", "install_dir", "write_bytes_atomic", "write_text_atomic"]


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Flush a directory's entries (a rename is durable only once its directory is synced)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_dir(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it becomes ``out``, on any error it is removed.

    An existing ``out`` is replaced: moved aside, the new folder renamed in, then the old one
    deleted. Callers decide beforehand whether an existing ``out`` may be replaced (e.g. only a
    folder framesift wrote itself). For folders that readers may open at any moment (index
    entries) use :func:`install_dir`, which never leaves a moment without a complete one.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield tmp
        fsync_dir(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old.{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
        fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def install_dir(complete: Path, target: Path) -> None:
    """Make the finished folder ``complete`` the content of ``target`` in one atomic step.

    ``target`` becomes a symbolic link to a uniquely named version folder beside it, swapped by
    ``os.replace`` (atomic for a link): a reader always finds either the old complete version or
    the new one, never nothing, and a crash at any point leaves one of the two in place. The
    version replaced is kept until the next swap (a reader may still be inside it); older ones
    are removed. A ``target`` that is still a plain folder (written by an
    older framesift) is moved aside first, the only non-atomic moment, once per entry.
    """
    parent = target.parent
    version = parent / f"{target.name}@{uuid.uuid4().hex[:12]}"
    fsync_dir(complete)
    complete.rename(version)
    link = parent / f".{target.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(version.name, link)
    previous = os.readlink(target) if target.is_symlink() else None
    if target.exists() and not target.is_symlink():
        aside = parent / f".trash-{target.name}-{uuid.uuid4().hex[:8]}"
        target.rename(aside)
        shutil.rmtree(aside, ignore_errors=True)
    os.replace(link, target)
    fsync_dir(parent)
    # The version just replaced stays until the next swap: a reader that resolved the old link an
    # instant before the swap can still finish reading it.
    for old in parent.glob(f"{target.name}@*"):
        if old.name not in (version.name, previous):
            shutil.rmtree(old, ignore_errors=True)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file, flushed and renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """:func:`write_bytes_atomic` for UTF-8 text."""
    return write_bytes_atomic(path, text.encode("utf-8"))
