"""Request bodies of the HTTP service (pydantic models; they are also its OpenAPI schema).

Every bound is explicit so that a fuzzer (or a careless client) gets a 422 naming the field, not
a long decode or an internal error: budgets, rates and sizes are capped at values far above
what a model can take, strings are length-limited, unknown fields are refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FORMATS", "FramesRequest", "IndexRequest", "SearchRequest", "SelectRequest"]

FORMATS = ("manifest", "openai", "vllm", "qwen", "gemini")

Path_ = Annotated[str, Field(min_length=1, max_length=4096, description="A path inside the server's --root dirs.")]
Ocr = Literal["auto", "off"] | Annotated[int, Field(ge=0, le=2000)]
ParamValue = Annotated[str, Field(max_length=200)] | int | float | bool


class _Analysis(BaseModel):
    """How a video is analysed (the per-video index is keyed by these, as on the CLI)."""

    model_config = ConfigDict(extra="forbid")

    candidate_fps: float = Field(1.0, gt=0, le=30, allow_inf_nan=False, description="Candidate rate (CLI --fps).")
    events: bool = Field(True, description="Scan every frame for momentary events.")
    ocr: Ocr = Field("auto", description="On-screen text: auto, off, or a number of frames to read.")


class SelectRequest(_Analysis):
    """``POST /select``: the frames a model should see to answer ``query`` about ``video``."""

    video: Path_
    query: str = Field("", max_length=4000, description="The question (empty: query-agnostic).")
    budget: int | None = Field(None, ge=1, le=1024, description="At most this many frames (default 8).")
    budget_tokens: int | None = Field(None, ge=1, le=10_000_000, description="Visual-token budget.")
    model_family: str = Field("qwen2.5-vl", min_length=1, max_length=64)
    strategy: str = Field("auto", min_length=1, max_length=64)
    params: dict[Annotated[str, Field(max_length=64)], ParamValue] = Field(default_factory=dict, max_length=32)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    format: Literal["manifest", "openai", "vllm", "qwen", "gemini"] = "manifest"
    visual: bool = Field(True, description="Use the server's vision-language model (when it has one).")
    embed_budget: Literal["auto", "all"] | Annotated[int, Field(ge=1, le=100_000)] = "auto"
    curves: bool = Field(False, description="Include the per-candidate curves (manifest key 'report').")


class FramesRequest(_Analysis):
    """``POST /frames``: dense frames of a span, as a session's zoom (budget shared across calls)."""

    video: Path_
    start: float = Field(..., ge=0, le=1e7, allow_inf_nan=False)
    end: float = Field(..., ge=0, le=1e7, allow_inf_nan=False)
    fps: float | None = Field(None, gt=0, le=120, allow_inf_nan=False, description="Sample the span at this rate.")
    k: int | None = Field(None, ge=1, le=256, description="This many frames spread over the span.")
    max_side: int | None = Field(None, ge=16, le=8192)
    session: str | None = Field(None, max_length=64, description="Continue this session (its budget and history).")
    budget: int = Field(64, ge=1, le=4096, description="Total frames of a new session.")
    words: bool = Field(True, description="Also return subtitle cues and on-screen text inside the span.")


class SearchRequest(_Analysis):
    """``POST /search``: moments across indexed videos (default: every indexed video under the roots)."""

    query: str = Field(..., min_length=1, max_length=4000)
    videos: list[Path_] | None = Field(None, max_length=512)
    top: int = Field(10, ge=1, le=200)
    min_gap_s: float = Field(5.0, ge=0, le=3600, allow_inf_nan=False)
    thumbnails: bool = Field(True, description="Return a JPEG data URL per moment.")


class IndexRequest(_Analysis):
    """``POST /index``: analyse videos in the background (``GET /jobs/{id}`` for progress)."""

    videos: list[Path_] = Field(..., min_length=1, max_length=10_000)
    visual: bool = Field(True, description="Also embed every candidate with the server's model (when it has one).")
