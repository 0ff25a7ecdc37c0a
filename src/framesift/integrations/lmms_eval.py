"""lmms-eval plugin: ``framesift_qwen3_vl`` and ``framesift_qwen2_5_vl``.

Registered through the ``lmms_eval.models`` entry point (``pyproject.toml``), which lmms-eval
loads at import (``lmms_eval/models/registry_v2.py``: a ``ModelManifest`` per model), so after
``pip install 'framesift[lmms-eval]'`` a run needs no fork and no ``--include_path``::

    python -m lmms_eval --model framesift_qwen3_vl \\
        --model_args pretrained=Qwen/Qwen3-VL-8B-Instruct,max_num_frames=32,strategy=auto \\
        --tasks videomme --batch_size 1

The models are lmms-eval's own Qwen chat wrappers (``qwen3_vl_chat``, ``qwen2_5_vl_chat``)
with their ``process_vision_info`` replaced by :mod:`framesift.integrations.qwen_vl_utils`: the
tasks, prompts, budgets (``max_num_frames`` / ``fps`` / ``max_pixels`` / ``total_pixels``) and
generation stay as lmms-eval has them; only which frames are seen, and their true times, change.
framesift's own settings come through ``--model_args`` too (see :data:`FRAMESIFT_ARGS`).

This module imports nothing from lmms-eval, so the entry point costs nothing until a framesift
model is asked for; the classes live in :mod:`framesift.integrations._lmms_models`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FRAMESIFT_ARGS", "MODELS", "manifests"]

#: model id -> (class path, the stock lmms-eval model it wraps)
MODELS: dict[str, tuple[str, str]] = {
    "framesift_qwen3_vl": ("framesift.integrations._lmms_models.FramesiftQwen3VL", "qwen3_vl_chat"),
    "framesift_qwen2_5_vl": ("framesift.integrations._lmms_models.FramesiftQwen2_5_VL", "qwen2_5_vl_chat"),
}

#: ``--model_args`` keys read by framesift (the rest go to the stock wrapper).
FRAMESIFT_ARGS: dict[str, str] = {
    "strategy": "selection strategy (framesift strategies), default auto",
    "strategy_params": "strategy parameters as name:value;name:value",
    "visual_model": "a SigLIP/CLIP model for the visual channel (hub id, local dir, ONNX export)",
    "embed_budget": "with visual_model: number, auto or all",
    "candidate_fps": "least candidate rate (default 1; raised to twice the frame budget)",
    "ocr": "auto, off or a number of frames",
    "events": "scan every frame for momentary events (default true)",
    "framesift_cache": "a directory for framesift's per-video index (default: none)",
}


def manifests() -> list[Any]:
    """The entry point's payload: one ``ModelManifest`` per framesift model (chat classes)."""
    from lmms_eval.models.registry_v2 import ModelManifest

    return [ModelManifest(model_id=mid, chat_class_path=path) for mid, (path, _) in MODELS.items()]
