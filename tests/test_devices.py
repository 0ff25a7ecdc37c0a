"""Device selection and fallback (auto / cpu / cuda) for models and decoding.

This machine has no GPU: the CUDA side is simulated by injecting what a GPU machine reports
(ONNX Runtime's provider list, torch's ``cuda.is_available()``, a hardware-decoding container),
which is exactly the input the selection logic decides on. The real CUDA paths are exercised by
``benchmarks/gpu_check.sh`` on a machine with a GPU.
"""

from __future__ import annotations

import types

import pytest

from framesift.devices import check_device, ort_providers, pick_device, torch_device
from framesift.errors import InputError

CPU_ONLY = lambda: ["AzureExecutionProvider", "CPUExecutionProvider"]  # noqa: E731 - what onnxruntime lists here
WITH_CUDA = lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]  # noqa: E731 - onnxruntime-gpu on a GPU box


def test_device_names_are_checked():
    assert check_device("AUTO") == "auto" and check_device("cuda:1") == "cuda:1"
    for bad in ("gpu", "cuda:x", "", "mps"):
        with pytest.raises(InputError, match="auto, cpu or cuda") as e:
            check_device(bad)
        assert e.value.param == "device"


def test_pick_device_rules():
    assert pick_device("cpu", True) == "cpu"
    assert pick_device("auto", True) == "cuda"
    assert pick_device("auto", False) == "cpu"
    assert pick_device("cuda:1", True) == "cuda:1"
    with pytest.raises(InputError, match="no CUDA"):
        pick_device("cuda", False)


def test_onnxruntime_providers():
    assert ort_providers("auto", CPU_ONLY) == (["CPUExecutionProvider"], "cpu")
    providers, dev = ort_providers("auto", WITH_CUDA)
    assert dev == "cuda" and providers[0] == ("CUDAExecutionProvider", {"device_id": 0})
    assert providers[-1] == "CPUExecutionProvider"  # operators CUDA lacks still run
    assert ort_providers("cuda:1", WITH_CUDA)[0][0] == ("CUDAExecutionProvider", {"device_id": 1})
    with pytest.raises(InputError, match="onnxruntime-gpu"):
        ort_providers("cuda", CPU_ONLY)
    assert ort_providers("cpu", WITH_CUDA) == (["CPUExecutionProvider"], "cpu")


def test_torch_device_only_asks_torch_when_cuda_is_a_candidate():
    def explode() -> bool:
        raise AssertionError("torch must not be consulted for device='cpu'")

    assert torch_device("cpu", explode) == "cpu"
    assert torch_device("auto", lambda: True) == "cuda"
    assert torch_device("auto", lambda: False) == "cpu"
    with pytest.raises(InputError, match="torch sees no CUDA"):
        torch_device("cuda", lambda: False)


def test_this_machine_runs_text_and_ocr_on_the_cpu_under_auto():
    from framesift.signals.ocr import ocr_device

    # the real onnxruntime here has no CUDA provider
    assert ocr_device("auto") == "cpu"
    with pytest.raises(InputError):
        ocr_device("cuda")


def test_decoder_falls_back_to_the_cpu_and_says_why(cfr_video, monkeypatch):
    import av

    from framesift.video import decode

    monkeypatch.setattr(decode, "_HW_FAILED", {})
    monkeypatch.setattr(decode, "_nvidia_present", lambda: True)  # pretend a GPU is there

    def no_device(path, device):
        raise av.error.PermissionError(1, "Operation not permitted")  # what FFmpeg says without a GPU

    container, used = decode.open_decoder(cfr_video.path, "cuda", open_hw=no_device)
    container.close()
    assert used.used == "cpu" and "NVDEC unavailable" in used.note
    # remembered: the next file does not try the device again
    calls = []
    container, used = decode.open_decoder(cfr_video.path, "cuda", open_hw=lambda p, d: calls.append(d))
    container.close()
    assert calls == [] and used.used == "cpu"


def test_decoder_uses_nvdec_when_the_container_decodes_on_the_gpu(cfr_video, monkeypatch):
    from framesift.video import decode

    monkeypatch.setattr(decode, "_HW_FAILED", {})
    monkeypatch.setattr(decode, "_nvidia_present", lambda: True)
    seen = []

    def fake_hw(path, device):  # stands in for av.open(..., hwaccel=HWAccel("cuda")) on a GPU
        seen.append(device)
        ctx = types.SimpleNamespace(is_hwaccel=True, name="h264")
        return types.SimpleNamespace(streams=types.SimpleNamespace(video=[types.SimpleNamespace(codec_context=ctx)]))

    _, used = decode.open_decoder(cfr_video.path, "auto", open_hw=fake_hw)
    assert seen == ["cuda"] and used.used == "cuda" and used.note is None
    _, used = decode.open_decoder(cfr_video.path, "cuda:1", open_hw=fake_hw)
    assert seen[-1] == "cuda:1" and used.used == "cuda:1"

    def sw_codec(path, device):  # FFmpeg fell back to software (no NVDEC decoder for the codec)
        ctx = types.SimpleNamespace(is_hwaccel=False, name="vp9")
        return types.SimpleNamespace(streams=types.SimpleNamespace(video=[types.SimpleNamespace(codec_context=ctx)]))

    _, used = decode.open_decoder(cfr_video.path, "cuda", open_hw=sw_codec)
    assert used.used == "cpu" and "vp9" in used.note


def test_auto_on_a_machine_without_nvidia_costs_nothing_and_candidates_are_identical(cfr_video, monkeypatch):
    import numpy as np

    from framesift.video import decode
    from framesift.video.candidates import extract_candidates
    from framesift.video.probe import probe

    monkeypatch.setattr(decode, "_nvidia_present", lambda: False)
    monkeypatch.setattr(decode, "_open_hw", lambda p, d: pytest.fail("no hardware open without a GPU"))
    info, table = probe(cfr_video.path)
    cpu = extract_candidates(cfr_video.path, info, table, device="cpu")
    auto = extract_candidates(cfr_video.path, info, table, device="auto")
    assert auto.decode_device == "cpu" and not auto.notes  # auto on a CPU machine: no note
    assert np.array_equal(cpu.index, auto.index) and np.array_equal(cpu.thumbs, auto.thumbs)


def test_auto_embed_budget_goes_dense_when_the_model_is_fast():
    from framesift.scoring.embed_budget import auto_embed_budget

    # an hour at GPU speed (SigLIP-B/16 ~1,000 img/s): all 3,600 candidates
    assert auto_embed_budget(3600, 3600.0, 1000.0) == 3600
    # the same hour on a CPU (5 img/s): coarse-to-fine
    assert auto_embed_budget(3600, 3600.0, 5.0) == 90
    # a 2-minute clip whose 120 candidates embed in 1.2 s at 100 img/s: dense
    assert auto_embed_budget(120, 120.0, 100.0) == 120
    # ... but not at 10 img/s (12 s)
    assert auto_embed_budget(120, 120.0, 10.0) < 120


def test_ocr_asked_for_cuda_without_a_cuda_provider_runs_on_the_cpu_and_says_so(cfr_video):
    from framesift.signals.ocr import OcrPool
    from framesift.video.probe import probe

    info, _ = probe(cfr_video.path)
    pool = OcrPool(info, 4, device="cuda")
    assert pool.device == "cpu" and "onnxruntime-gpu" in pool.note
    assert OcrPool(info, 4, device="auto").note is None  # auto: no GPU is no news
