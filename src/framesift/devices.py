"""Which device a model runs on: ``"auto"``, ``"cpu"`` or ``"cuda"`` (``"cuda:N"``).

One rule for every model framesift loads (visual embedders, the text embedder, OCR, speech):

* ``cpu``: always the CPU;
* ``cuda``: a GPU, or one :class:`~framesift.errors.InputError` line saying why there is none
  (asked for explicitly, silently running on the CPU would hide a broken install);
* ``auto``: a GPU when the backend can use one, else the CPU, and the caller reports which.

Backends differ in how they see a GPU: torch through ``torch.cuda.is_available()`` (only asked
when torch is imported anyway, never to decide for ONNX Runtime), ONNX Runtime through its
execution providers (``onnxruntime-gpu`` lists ``CUDAExecutionProvider``). The probes are
injectable so the selection and fallback logic is tested on machines without a GPU.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .errors import InputError

__all__ = ["DEVICES", "check_device", "ort_providers", "pick_device", "torch_device"]

DEVICES = ("auto", "cpu", "cuda")
_CUDA = re.compile(r"^cuda(:\d+)?$")


def check_device(device: str, param: str = "device") -> str:
    """``device`` normalised (lower case), or an InputError naming the allowed values."""
    d = str(device).strip().lower() if isinstance(device, str) else ""
    if d in ("auto", "cpu") or _CUDA.match(d):
        return d
    raise InputError(f"{param} must be auto, cpu or cuda[:N] (got {device!r})", param=param)


def pick_device(device: str, cuda_available: bool, why_not: str = "no CUDA device is available") -> str:
    """``"cpu"`` or the CUDA device to use for ``device``, given whether CUDA is usable."""
    d = check_device(device)
    if d == "cpu":
        return "cpu"
    if d == "auto":
        return "cuda" if cuda_available else "cpu"
    if not cuda_available:
        raise InputError(f"device {d!r} requested but {why_not}", param="device")
    return d


def _ort_available() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


def ort_providers(
    device: str, available: Callable[[], Sequence[str]] = _ort_available
) -> tuple[list[str | tuple[str, dict]], str]:
    """ONNX Runtime providers for ``device`` and the device they mean (``"cpu"`` / ``"cuda[:N]"``).

    CUDA is the ``CUDAExecutionProvider`` of ``onnxruntime-gpu``, with the CPU provider after it
    for the operators it does not implement.
    """
    have = set(available())
    ok = "CUDAExecutionProvider" in have
    d = pick_device(device, ok, "onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu)")
    if d == "cpu":
        return ["CPUExecutionProvider"], "cpu"
    index = int(d.split(":")[1]) if ":" in d else 0
    return [("CUDAExecutionProvider", {"device_id": index}), "CPUExecutionProvider"], d


def _torch_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def torch_device(device: str, cuda_available: Callable[[], bool] = _torch_cuda) -> str:
    """The torch device string for ``device`` (torch is imported only when CUDA is a candidate)."""
    d = check_device(device)
    if d == "cpu":
        return "cpu"
    return pick_device(d, cuda_available(), "torch sees no CUDA device (a CPU build of torch, or no driver)")
