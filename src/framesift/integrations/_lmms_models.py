"""The lmms-eval model classes behind :mod:`framesift.integrations.lmms_eval` (imports lmms-eval).

Each class is lmms-eval's stock Qwen chat wrapper; ``generate_until`` runs the stock code with
the module-level ``process_vision_info`` it calls swapped for a configured
:class:`~framesift.integrations.qwen_vl_utils.FrameSifter` for the duration of the call (the
wrappers look that name up at call time), so nothing of lmms-eval is copied or forked.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from lmms_eval.models.chat import qwen2_5_vl as _chat_qwen2_5_vl
from lmms_eval.models.chat import qwen3_vl as _chat_qwen3_vl

from ..errors import InputError
from .qwen_vl_utils import FrameSifter

__all__ = ["FramesiftQwen2_5_VL", "FramesiftQwen3VL", "sifter_from_model_args"]

_SWAP_LOCK = threading.Lock()
#: the module-level name the stock wrappers call
_NAME = "process_vision_info"


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise InputError(f"--model_args {name}={value!r}: expected true or false", param=name)


def _ocr(value: Any) -> bool | int | str:
    if isinstance(value, bool) or isinstance(value, int):
        return value
    text = str(value).strip().lower()
    if text == "auto":
        return "auto"
    if text in ("off", "false", "no", "0"):
        return False
    if text.isdigit():
        return int(text)
    raise InputError(f"--model_args ocr={value!r}: expected auto, off or a number", param="ocr")


def _params(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    out: dict[str, Any] = {}
    for part in str(value).split(";"):
        if not part.strip():
            continue
        if ":" not in part:
            raise InputError(f"--model_args strategy_params: '{part}' is not name:value", param="strategy_params")
        k, v = part.split(":", 1)
        try:
            out[k.strip()] = float(v) if "." in v else int(v)
        except ValueError:
            out[k.strip()] = v.strip()
    return out


def sifter_from_model_args(kwargs: dict[str, Any]) -> FrameSifter:
    """Pop framesift's keys (``FRAMESIFT_ARGS``) from lmms-eval model kwargs into a FrameSifter."""
    cache = kwargs.pop("framesift_cache", None)
    return FrameSifter(
        strategy=str(kwargs.pop("strategy", "auto")),
        params=_params(kwargs.pop("strategy_params", None)),
        model=kwargs.pop("visual_model", None) or None,
        embed_budget=_embed_budget(kwargs.pop("embed_budget", "auto")),
        fps=float(kwargs.pop("candidate_fps", 1.0)),
        ocr=_ocr(kwargs.pop("ocr", "auto")),
        events=_flag(kwargs.pop("events", True), "events"),
        cache=cache if cache not in (None, "", False) else False,
    )


def _embed_budget(value: Any) -> int | str:
    text = str(value).strip().lower()
    return int(text) if text.isdigit() else text


@contextlib.contextmanager
def _swapped(module: ModuleType, sifter: FrameSifter) -> Iterator[None]:
    # one generate_until at a time per process: the swap is of a module global
    with _SWAP_LOCK:
        saved = getattr(module, _NAME)
        setattr(module, _NAME, sifter)
        try:
            yield
        finally:
            setattr(module, _NAME, saved)


class FramesiftQwen3VL(_chat_qwen3_vl.Qwen3_VL):
    """``qwen3_vl_chat`` with framesift choosing the frames (``--model framesift_qwen3_vl``)."""

    is_simple = False

    def __init__(self, **kwargs: Any) -> None:
        self.framesift = sifter_from_model_args(kwargs)
        super().__init__(**kwargs)

    def generate_until(self, requests):
        with _swapped(_chat_qwen3_vl, self.framesift):
            return super().generate_until(requests)


class FramesiftQwen2_5_VL(_chat_qwen2_5_vl.Qwen2_5_VL):
    """``qwen2_5_vl_chat`` with framesift choosing the frames (``--model framesift_qwen2_5_vl``)."""

    is_simple = False

    def __init__(self, **kwargs: Any) -> None:
        self.framesift = sifter_from_model_args(kwargs)
        super().__init__(**kwargs)

    def generate_until(self, requests):
        with _swapped(_chat_qwen2_5_vl, self.framesift):
            return super().generate_until(requests)
