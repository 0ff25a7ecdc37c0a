"""``framesift select --format NAME``: render a selection as one model-input JSON structure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._atomic import write_text_atomic
from ..errors import InputError

__all__ = ["FORMATS", "check_format", "write_json"]

#: format name -> what it produces (for help and error messages).
FORMATS: dict[str, str] = {
    "openai": "OpenAI-compatible chat messages (JPEG data URLs after text timestamps)",
    "vllm": "vLLM chat request: one video with true frames_indices and source fps",
    "qwen": "transformers / qwen-vl-utils messages, video_metadata and processor kwargs",
    "gemini": "Gemini generateContent contents: clips with offsets and fps, lone frames as images",
}


def check_format(name: str) -> str:
    """The format name, lower-cased, or an :class:`InputError` listing the allowed ones."""
    key = name.strip().lower()
    if key not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)} (got '{name}')", param="format")
    return key


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` through a temporary file renamed into place."""
    return write_text_atomic(path, json.dumps(data, ensure_ascii=False) + "\n")
