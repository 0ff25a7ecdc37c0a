"""The result of a selection, and its hand-over to models and files.

:class:`Selection` is the record :func:`framesift.select` returns: frames in time order plus
what produced them. Its ``to_*`` methods delegate down to :mod:`framesift.export`, which works on
frames plus :class:`~framesift.video.probe.VideoInfo` and never sees a Selection (the
supervision ``Dataset.as_coco`` habit).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .budget.layouts import VisualPlan
from .export.files import write_output_dir
from .export.formats import check_format
from .export.gemini import gemini_contents
from .export.layouts import (
    PlanImage,
    gemini_layout_contents,
    openai_layout_messages,
    plan_manifest,
    qwen_layout_inputs,
    render_plan,
    vllm_layout_request,
)
from .export.manifest import build_manifest
from .export.openai import openai_messages
from .export.qwen import qwen_inputs
from .export.vllm import vllm_request
from .frame import SelectedFrame, TokenSpend
from .report_data import ReportData
from .video.fetch import fetch_images
from .video.probe import FrameTable, VideoInfo, probe

__all__ = ["Selection"]


@dataclass
class Selection:
    """The result of :func:`framesift.select`: frames in time order plus what produced them."""

    video: VideoInfo
    query: str
    strategy: str
    params: dict[str, Any]
    budget: int
    frames: list[SelectedFrame]
    signals: dict[str, Any]
    timings: dict[str, float]
    notes: list[str]
    num_candidates: int
    #: Under a token budget: what was spent (``sel.tokens["tokens_spent"]`` still works).
    tokens: TokenSpend | None = None
    #: The frame table of ``video`` when known, so missing images are fetched without a re-probe.
    table: FrameTable | None = field(default=None, repr=False)
    #: Under ``plan=slowfast`` / ``layout=grid:RxC`` / ``crops=auto``: the images the model gets
    #: (whole frames, stills, crops, storyboards) and their exact tokens; their pixels once fetched.
    layout: VisualPlan | None = None
    layout_images: list[PlanImage] | None = field(default=None, repr=False)
    #: The per-candidate curves and per-pick words the HTML report draws (manifest key ``report``).
    report: ReportData | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.budget < 1:
            raise ValueError(f"Selection.budget must be >= 1 (got {self.budget})")

    @property
    def indices(self) -> list[int]:
        return [f.index for f in self.frames]

    @property
    def times(self) -> list[float]:
        return [f.time for f in self.frames]

    def to_manifest(self, image_files: list[str] | None = None) -> dict[str, Any]:
        """The versioned JSON manifest (``schema_version``); ``image_files`` when images were written."""
        m = build_manifest(
            self.frames,
            self.video,
            query=self.query,
            strategy=self.strategy,
            params=self.params,
            budget=self.budget,
            tokens=self.tokens,
            num_candidates=self.num_candidates,
            signals=self.signals,
            timings=self.timings,
            notes=self.notes,
            image_files=image_files,
            report=self.report.to_dict() if self.report is not None else None,
        )
        if self.layout is not None:
            m["layout"] = plan_manifest(self.layout)
        return m

    def fetch(self) -> None:
        """Decode the full-resolution images of frames that have none (``select(..., fetch=False)``);
        under a layout plan, also the plan's images (crops and storyboards from full resolution)."""
        missing = [f for f in self.frames if f.image is None]
        need_layout = self.layout is not None and self.layout_images is None
        if not missing and not need_layout:
            return
        table = self.table
        if table is None:
            _, table = probe(self.video.path)
        if missing:
            fetch_images(self.video.path, self.video, table, missing)
        if self.layout is not None and self.layout_images is None:
            wanted = sorted({i for im in self.layout.images for i in im.indices})
            full = [
                SelectedFrame(i, t, "layout", "source", {}, "", 0, 0)
                for i, t in zip(wanted, (float(table.time[i]) for i in wanted))
            ]
            fetch_images(self.video.path, self.video, table, full)
            self.layout_images = render_plan(self.layout, {f.index: f.image for f in full if f.image is not None})

    def to_openai_messages(self, question: str, **options: Any) -> list[dict[str, Any]]:
        """OpenAI-compatible chat messages: JPEG data URLs, each after a text timestamp.

        Frames without images are decoded first (see :mod:`framesift.export.openai` for options).
        """
        self.fetch()
        if self.layout_images is not None:
            return openai_layout_messages(self.layout_images, question, **options)
        return openai_messages(self.frames, self.video, question, **options)

    def to_vllm_request(self, question: str, **options: Any) -> dict[str, Any]:
        """vLLM chat request: one video of the frames, with true ``frames_indices`` and source fps."""
        if self._has_layout():
            self.fetch()
            assert self.layout is not None and self.layout_images is not None
            keep = {k: v for k, v in options.items() if k in ("model", "jpeg_quality")}
            return vllm_layout_request(self.layout_images, self.layout, self.video, question, **keep)
        return vllm_request(self.frames, self.video, question, tokens=self.tokens, **options)

    def to_qwen_messages(self, question: str, **options: Any) -> dict[str, Any]:
        """transformers / qwen-vl-utils inputs: messages, true ``video_metadata``, processor kwargs."""
        if self._has_layout():
            self.fetch()
            assert self.layout is not None and self.layout_images is not None
            keep = {k: v for k, v in options.items() if k in ("frames", "jpeg_quality")}
            return qwen_layout_inputs(self.layout_images, self.layout, self.video, question, **keep)
        return qwen_inputs(self.frames, self.video, question, tokens=self.tokens, **options)

    def to_gemini_contents(self, question: str, **options: Any) -> list[dict[str, Any]]:
        """Gemini ``contents``: contiguous picks as clips (offsets + fps), lone picks as images."""
        if self.layout is not None:
            self.fetch()
            assert self.layout_images is not None
            return gemini_layout_contents(self.layout_images, question, **options)
        return gemini_contents(self.frames, self.video, question, **options)

    def _has_layout(self) -> bool:
        """Whether the selection is a plan with stills, crops or storyboards (not frames alone)."""
        return self.layout is not None and self.layout.spec.to_dict() != {
            "plan": "whole",
            "layout": "frames",
            "crops": "off",
        }

    def to_format(self, name: str, question: str, **context: Any) -> Any:
        """The JSON-serialisable model input of format ``name`` (``framesift select --format``);
        ``context`` / ``context_tokens``: the words near the frames (:mod:`framesift.export.context`)."""
        key = check_format(name)
        if key == "openai":
            return self.to_openai_messages(question, **context)
        if key == "vllm":
            return self.to_vllm_request(question, **context)
        if key == "qwen":
            # JSON cannot hold PIL images: frames travel as JPEG data URLs, which qwen-vl-utils reads.
            # (A token-budgeted selection goes to the Qwen family it was planned for.)
            return self.to_qwen_messages(question, frames="base64", **context)
        return self.to_gemini_contents(question, **context)

    def save(self, out_dir: str | os.PathLike[str], *, extra_json: dict[str, Any] | None = None) -> Path:
        """Write JPEGs, ``manifest.json`` and ``contact_sheet.png`` (with ``extra_json`` files,
        name -> data) to ``out_dir`` atomically; a folder that cannot be written is an
        :class:`~framesift.errors.InputError` naming ``out``."""
        return write_output_dir(
            Path(out_dir),
            self.frames,
            lambda names: self.to_manifest(image_files=names),
            title=self.query or None,
            extra_json=extra_json,
        )
