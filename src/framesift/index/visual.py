"""The visual channel on top of the index: stored candidate images and embedding rows.

An analysis loaded from the index gets its :class:`~framesift.signals.visual.VisualEmbeddings`
for the configured model from the entry: every row embedded before (by ``framesift index
--model``, or by an earlier question that embedded only some candidates) is restored, and the
candidates' model-size JPEGs come from the entry too, so a new question embeds only rows never
embedded before and never decodes the video (only the final fetch of the chosen frames does).

* Images are keyed by their size (``image_kind``): models with the same input size share them.
  An entry without them (indexed without a model, or for a model of another size) gets them
  with one read of the candidates (:func:`~framesift.video.images.decode_candidate_images`,
  the same conversion as the decode pass), stored once.
* Rows are keyed by ``model_id``; rows set while answering a question are written back by
  :func:`persist_visual` (``select_from`` calls it once at the end), so they survive the process.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..analysis import Analysis
from ..progress import ProgressFn
from ..signals.embedders import Embedder
from ..signals.visual import VisualEmbeddings
from ..video.images import JPEG_QUALITY, CandidateImages, decode_candidate_images
from .store import VideoEntry

__all__ = ["StoredImages", "attach_visual", "embed_all", "image_kind", "persist_visual"]


def image_kind(side: int) -> str:
    """The entry's key for candidate JPEGs whose shorter side is ``side`` (see video/images.py)."""
    return f"jpeg-q{JPEG_QUALITY}-short{int(side)}"


class StoredImages(CandidateImages):
    """Candidate images read from an entry on first use (and completed from the video if needed).

    Reading them costs ~30 KB per candidate (about 0.1 GB, 0.2-0.3 s for an hour at 1 fps), which a
    question that needs no new row does not need: so nothing is read until :meth:`get` or
    :meth:`load`. ``nbytes`` counts what is held in memory.
    """

    def __init__(self, entry: VideoEntry, analysis: Analysis, side: int) -> None:
        super().__init__(analysis.info, side)
        self.entry = entry
        self.kind = image_kind(side)
        self._video = analysis.path
        self._table = analysis.table
        self._want = [int(i) for i in analysis.candidates.index]
        self.loaded = False
        #: candidates decoded from the video by :meth:`load` (0: all came from the index)
        self.decoded = 0
        #: True when the index could not take the decoded images (kept in memory only)
        self.unstored = False

    def __len__(self) -> int:
        return len(self._want)

    def get(self, positions: Sequence[int] | np.ndarray) -> list[np.ndarray]:
        self.load()
        return super().get(positions)

    def to_buffers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.load()
        return super().to_buffers()

    def load(self, progress: ProgressFn | None = None) -> None:
        """Read the stored JPEGs; decode and store (once, under the entry's lock) any missing."""
        if self.loaded:
            return
        have = self._read()
        if len(have) < len(self._want):
            try:
                with self.entry.lock():  # another process may be completing the same images
                    have = self._read()
                    self._complete(have, progress, store=True)
            except OSError:  # a read-only or full index: decode what is missing, keep it in memory
                self._complete(have, progress, store=False)
                self.unstored = True
        self.jpegs = [have[k] for k in range(len(self._want))]
        self.frame_index = list(self._want)
        self.loaded = True

    def _complete(self, have: dict[int, bytes], progress: ProgressFn | None, *, store: bool) -> None:
        """Decode the candidates missing from ``have`` into it (and into the entry if ``store``)."""
        todo = [k for k in range(len(self._want)) if k not in have]
        if not todo:
            return
        report = progress or (lambda stage, done, total: None)
        assert self.info is not None  # set by __init__ from the analysis
        blobs = decode_candidate_images(
            self._video,
            self.info,
            self._table,
            [self._want[k] for k in todo],
            self.side,
            progress=lambda d, t: report("decode", d, t),
        )
        have.update(zip(todo, blobs))  # before the write: a failed write must not cost a second decode
        self.decoded = len(todo)
        if store:
            self.entry.put_images(self.kind, np.asarray(todo), blobs)

    def _read(self) -> dict[int, bytes]:
        pos, blobs = self.entry.get_images(self.kind)
        return {int(p): b for p, b in zip(pos, blobs) if 0 <= int(p) < len(self._want)}


def attach_visual(
    analysis: Analysis,
    entry: VideoEntry,
    embedder: Embedder,
    *,
    decoded: CandidateImages | None = None,
    progress: ProgressFn | None = None,
) -> VisualEmbeddings:
    """Set ``analysis.visual`` for ``embedder`` from ``entry`` (rows and images; see module docstring).

    ``decoded``: the images the decode pass just kept (a cold run): they are stored in the entry.
    Otherwise the stored images are used, read on first use; if some row is missing and the entry
    lacks images for some candidates, they are decoded here (once), so the query-free work stays
    in the query-free part.
    """
    n = len(analysis.candidates)
    images: CandidateImages
    if decoded is not None:
        if len(decoded) != n or list(decoded.frame_index) != [int(i) for i in analysis.candidates.index]:
            raise RuntimeError("candidate images are not aligned with the candidates")
        entry.put_images(image_kind(decoded.side), np.arange(n), decoded.jpegs)
        images = decoded
    else:
        images = StoredImages(entry, analysis, int(embedder.image_size))
    visual = VisualEmbeddings.empty(embedder, images)
    pos, vec = entry.get_embeddings(embedder.model_id)
    if pos.size and vec.shape[1] == visual.dim:
        ok = pos < n
        visual.set(pos[ok], vec[ok], stored=True)
    if isinstance(images, StoredImages) and visual.missing().size:
        # Rows are missing, so this question will embed some: the images must be there. Reading
        # them waits for the first use; only completing them from the video happens now.
        stored = entry.image_positions(images.kind)
        if np.setdiff1d(np.arange(n), stored).size:
            images.load(progress)
    analysis.visual = visual
    return visual


def persist_visual(analysis: Analysis) -> int:
    """Write the rows embedded since the analysis was loaded to its entry; returns how many."""
    visual, entry = analysis.visual, analysis.entry
    if visual is None or not isinstance(entry, VideoEntry):
        return 0
    pos = visual.unsaved()
    if pos.size:
        entry.put_embeddings(visual.model_id, pos, visual.vectors[pos])
        visual.mark_saved(pos)
    return int(pos.size)


def embed_all(analysis: Analysis, *, chunk: int = 64, progress: ProgressFn | None = None) -> int:
    """Embed every candidate not embedded yet (what indexing a library for search means).

    Rows are written every ``chunk`` candidates, so a run killed half way (even with kill -9)
    keeps what it finished and the next run embeds only the rest. Returns how many were embedded.
    """
    visual = analysis.visual
    if visual is None:
        raise ValueError("the analysis has no visual model")
    todo = visual.missing()
    for start in range(0, todo.size, chunk):
        visual.ensure(todo[start : start + chunk])
        persist_visual(analysis)
        if progress is not None:
            progress("embed", min(start + chunk, int(todo.size)), int(todo.size))
    return int(todo.size)
