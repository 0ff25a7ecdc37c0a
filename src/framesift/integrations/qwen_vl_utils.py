"""``process_vision_info`` as in qwen-vl-utils, with frames chosen by framesift for the question.

Change one import line and a Qwen2-VL / Qwen2.5-VL / Qwen3-VL pipeline gets query-aware frames
with their true times::

    # from qwen_vl_utils import process_vision_info
    from framesift.integrations.qwen_vl_utils import process_vision_info

    images, videos, video_kwargs = process_vision_info(
        messages, return_video_kwargs=True, return_video_metadata=True, image_patch_size=16
    )
    videos, metadata = zip(*videos)
    inputs = processor(text=text, images=images, videos=list(videos), video_metadata=list(metadata),
                       do_resize=False, return_tensors="pt", **video_kwargs)

The contract is qwen-vl-utils 0.0.14's ``process_vision_info(conversations,
return_video_kwargs=False, return_video_metadata=False, image_patch_size=14)``:

* per image element, an RGB ``PIL.Image`` resized to multiples of ``2 * image_patch_size``
  (``min_pixels``/``max_pixels``/``resized_height``/``resized_width`` honoured);
* per video element, in message order, a float ``(T, C, H, W)`` tensor (0-255, bicubic
  antialiased resize, sides multiples of ``2 * image_patch_size``, ``T`` even: the last frame
  is repeated when the selection is odd), or with ``return_video_metadata=True`` the pair
  ``(tensor, {"fps", "frames_indices", "total_num_frames", "video_backend"})``;
* ``video_kwargs = {"do_sample_frames": False}`` plus, without metadata (Qwen2.5-VL's path),
  ``"fps": [...]``, one per video.

What differs is which frames: qwen-vl-utils spaces ``nframes`` uniformly; here the same budget
(``nframes``, or ``fps`` with ``min_frames``/``max_frames``, computed the way qwen-vl-utils
computes it) goes to :func:`framesift.select` with the question read from the conversation's text,
and the metadata carries the chosen frames' *original* indices and the source fps, so Qwen3-VL's
``<t seconds>`` markers are the frames' true times (qwen-vl-utils' frame-list path numbers frames
``0..T-1`` instead: QwenLM/Qwen3-VL #1761, PR #2117). Frame size follows qwen-vl-utils' budget
(``min_pixels``, ``max_pixels``, ``total_pixels``; :func:`framesift.export.qwen.qwen_frame_size`).

It never falls back: an element it cannot serve (a pre-extracted frame list, ``video_start`` /
``video_end``, an unreadable file) raises :class:`~framesift.errors.InputError` with the reason.
qwen-vl-utils itself silently re-reads a failing video with torchvision and uniform sampling,
which would hide exactly the frames this module exists to choose.
"""

from __future__ import annotations

import base64
import io
import math
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..api import Analysis, Selection, analyze, select_from
from ..budget.families import qwen_smart_resize
from ..errors import InputError
from ..export.qwen import qwen_frame_size
from ..video.probe import probe

__all__ = ["FrameSifter", "process_vision_info", "question_of", "smart_nframes"]

# qwen-vl-utils' constants (vision_process.py), so budgets mean the same thing.
_MERGE = 2
_FRAME_FACTOR = 2
_FPS = 2.0
_FPS_MIN_FRAMES = 4
_FPS_MAX_FRAMES = 768
_IMAGE_MIN_TOKENS = 4
_IMAGE_MAX_TOKENS = 16384
_MAX_RATIO = 200

Conversations = list[dict[str, Any]] | list[list[dict[str, Any]]]


def smart_nframes(ele: dict[str, Any], total_frames: int, video_fps: float) -> int:
    """How many frames qwen-vl-utils would sample for this element (its ``smart_nframes`` rule).

    ``nframes`` (rounded to an even number) wins; otherwise ``fps`` (default 2) times the
    duration, clamped to ``[min_frames, max_frames]`` (defaults 4 and ``min(768, total)``) and to
    the frame count, rounded down to an even number.
    """
    if "fps" in ele and "nframes" in ele:
        raise InputError("a video element takes either 'fps' or 'nframes', not both", param="conversations")
    n: float
    if "nframes" in ele:
        n = round(float(ele["nframes"]) / _FRAME_FACTOR) * _FRAME_FACTOR
    else:
        fps = float(ele.get("fps", _FPS))
        lo = math.ceil(float(ele.get("min_frames", _FPS_MIN_FRAMES)) / _FRAME_FACTOR) * _FRAME_FACTOR
        hi_default = min(_FPS_MAX_FRAMES, total_frames)
        hi = math.floor(float(ele.get("max_frames", hi_default)) / _FRAME_FACTOR) * _FRAME_FACTOR
        wanted = total_frames / video_fps * fps
        n = min(min(max(wanted, lo), hi), total_frames)
        n = math.floor(n / _FRAME_FACTOR) * _FRAME_FACTOR
    if not (_FRAME_FACTOR <= n <= total_frames):
        raise InputError(
            f"nframes should be in [{_FRAME_FACTOR}, {total_frames}] for this video, got {n}", param="conversations"
        )
    return int(n)


def _as_conversations(conversations: Conversations) -> list[list[dict[str, Any]]]:
    if not isinstance(conversations, (list, tuple)) or not conversations:
        raise InputError("conversations must be a non-empty list of messages", param="conversations")
    if isinstance(conversations[0], dict):
        return [list(conversations)]  # one conversation
    return [list(c) for c in conversations]


def _is_vision(ele: Any) -> bool:
    # the same test as qwen-vl-utils' extract_vision_info
    return isinstance(ele, dict) and (
        "image" in ele
        or "image_url" in ele
        or "video" in ele
        or ele.get("type", "text") in ("image", "image_url", "video")
    )


def question_of(conversation: Sequence[dict[str, Any]]) -> str:
    """The question a conversation asks: the text of its user turns, in order.

    System turns (lmms-eval prepends its system prompt) and assistant turns are left out: they
    say how to answer, not what to look for.
    """
    parts: list[str] = []
    for message in conversation:
        if message.get("role", "user") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            for ele in content:
                if isinstance(ele, dict) and not _is_vision(ele) and isinstance(ele.get("text"), str):
                    parts.append(ele["text"])
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _video_path(ele: dict[str, Any]) -> str:
    video = ele.get("video")
    if isinstance(video, (list, tuple)):
        raise InputError(
            "a video given as a list of frames is already sampled: framesift selects from a video "
            "file (pass its path), or use qwen_vl_utils.process_vision_info for frame lists",
            param="conversations",
        )
    if not isinstance(video, (str, os.PathLike)):
        raise InputError(f"video element has no path (got {type(video).__name__})", param="conversations")
    path = os.fspath(video)
    if path.startswith("file://"):
        path = path[len("file://") :]
    for key in ("video_start", "video_end"):
        if ele.get(key) is not None:
            raise InputError(
                f"'{key}' is not supported by framesift's process_vision_info (it would select "
                "from the whole video); cut the clip first",
                param="conversations",
            )
    return path


def _load_image(ele: dict[str, Any]) -> Image.Image:
    src = ele["image"] if "image" in ele else ele.get("image_url")
    if isinstance(src, dict):  # OpenAI style {"image_url": {"url": ...}}
        src = src.get("url")
    if isinstance(src, Image.Image):
        img = src
    elif isinstance(src, str) and src.startswith("data:image") and "base64," in src:
        img = Image.open(io.BytesIO(base64.b64decode(src.split("base64,", 1)[1])))
    elif isinstance(src, (str, os.PathLike)):
        path = os.fspath(src)
        if path.startswith(("http://", "https://")):
            raise InputError(f"{path}: images by URL are not fetched by framesift; download it first")
        path = path[len("file://") :] if path.startswith("file://") else path
        try:
            img = Image.open(path)
            img.load()
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read image ({exc})") from exc
    else:
        raise InputError(f"unrecognised image input: {type(src).__name__}", param="conversations")
    if img.mode == "RGBA":  # composite on white, as qwen-vl-utils does
        bg = Image.new("RGB", img.size, (255, 255, 255))
        bg.paste(img, mask=img.split()[3])
        return bg
    return img.convert("RGB")


def _check_ratio(h: int, w: int) -> None:
    if max(h, w) / max(min(h, w), 1) > _MAX_RATIO:
        raise InputError(f"aspect ratio {w}x{h} is beyond what Qwen processors accept ({_MAX_RATIO}:1)")


def fetch_image(ele: dict[str, Any], image_patch_size: int = 14) -> Image.Image:
    """An image element resized the way qwen-vl-utils' ``fetch_image`` does."""
    img = _load_image(ele)
    factor = image_patch_size * _MERGE
    if "resized_height" in ele and "resized_width" in ele:
        h0, w0 = int(ele["resized_height"]), int(ele["resized_width"])
        lo, hi = _IMAGE_MIN_TOKENS * factor**2, _IMAGE_MAX_TOKENS * factor**2
    else:
        w0, h0 = img.size
        lo = int(ele.get("min_pixels", _IMAGE_MIN_TOKENS * factor**2))
        hi = int(ele.get("max_pixels", _IMAGE_MAX_TOKENS * factor**2))
    _check_ratio(h0, w0)
    h, w = qwen_smart_resize(h0, w0, factor, lo, hi)
    return img.resize((w, h))  # qwen-vl-utils resizes images with PIL's default (bicubic)


@dataclass
class FrameSifter:
    """A configured ``process_vision_info``: how framesift picks the frames of each video.

    Calling an instance is the drop-in (same signature as qwen-vl-utils'); the module-level
    :func:`process_vision_info` is ``FrameSifter()`` with the defaults. A video element may
    override any field with a ``"framesift": {...}`` dict (e.g. ``{"strategy": "tass"}``).

    Fields are :func:`framesift.select`'s: ``strategy`` / ``params`` choose the selector,
    ``model`` (a SigLIP/CLIP spec or embedder) adds the visual channel with ``embed_budget``,
    ``fps`` is the *least* candidate rate (raised when the budget needs more candidates, see
    :meth:`candidate_fps`), ``events`` / ``ocr`` / ``subtitles`` the offline signals, ``cache``
    the per-video index. Analyses are kept in memory for the last ``keep`` videos, so the
    several questions a benchmark asks about one video decode it once.

    ``last`` holds the :class:`~framesift.api.Selection` of each video of the latest call (times,
    reasons, notes), for logging.
    """

    strategy: str = "auto"
    params: dict[str, Any] | None = None
    model: Any = None
    embed_budget: int | str = "auto"
    fps: float = 1.0
    events: bool = True
    ocr: bool | int | str = "auto"
    subtitles: str | os.PathLike | None = None
    cache: Any = False
    keep: int = 8
    last: list[Selection] = field(default_factory=list, repr=False)
    _analyses: OrderedDict = field(default_factory=OrderedDict, repr=False)

    def __call__(
        self,
        conversations: Conversations,
        return_video_kwargs: bool = False,
        return_video_metadata: bool = False,
        image_patch_size: int = 14,
    ) -> tuple[Any, ...]:
        convs = _as_conversations(conversations)
        images: list[Image.Image] = []
        videos: list[Any] = []
        sample_fps: list[float] = []
        self.last = []
        for conversation in convs:
            question = question_of(conversation)
            for message in conversation:
                content = message.get("content")
                if not isinstance(content, list):
                    continue
                for ele in content:
                    if not _is_vision(ele):
                        continue
                    if "image" in ele or "image_url" in ele:
                        images.append(fetch_image(ele, image_patch_size))
                    elif "video" in ele:
                        tensor, meta, fps = self._video(ele, question, image_patch_size)
                        videos.append((tensor, meta) if return_video_metadata else tensor)
                        sample_fps.append(fps)
                    else:
                        raise InputError("image, image_url or video should be in content", param="conversations")
        video_kwargs: dict[str, Any] = {"do_sample_frames": False}
        if not return_video_metadata:  # Qwen2.5-VL reads one time step per video from this
            video_kwargs["fps"] = sample_fps
        out: tuple[Any, ...] = (images or None, videos or None)
        return (*out, video_kwargs) if return_video_kwargs else out

    # -- one video ---------------------------------------------------------------------------

    def candidate_fps(self, budget: int, duration: float, source_fps: float) -> float:
        """Candidate rate: at least ``fps``, and enough for twice ``budget`` candidates (capped at the source rate).

        A budget as large as the candidate set leaves nothing to choose; qwen-vl-utils' default
        (2 fps) asks for more frames than framesift's 1 fps grid holds.
        """
        need = 2.0 * budget / max(duration, 1e-6)
        return float(min(max(self.fps, need), max(source_fps, self.fps)))

    def _config(self, ele: dict[str, Any]) -> FrameSifter:
        extra = ele.get("framesift")
        if extra is None:
            return self
        if not isinstance(extra, dict):
            raise InputError("a video element's 'framesift' must be a dict of settings", param="conversations")
        allowed = {"strategy", "params", "model", "embed_budget", "fps", "events", "ocr", "subtitles", "cache"}
        unknown = sorted(set(extra) - allowed)
        if unknown:
            raise InputError(f"unknown framesift setting(s): {', '.join(unknown)}", param="conversations")
        return replace(self, **extra, last=[], _analyses=self._analyses)

    def _analysis(self, path: str, fps: float) -> Analysis:
        st = os.stat(path)
        key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, fps, self.events, self.ocr, str(self.model))
        found = self._analyses.get(key)
        if found is not None:
            self._analyses.move_to_end(key)
            return found
        analysis = analyze(
            path,
            subtitles=self.subtitles,
            fps=fps,
            events=self.events,
            ocr=self.ocr,  # type: ignore[arg-type]
            model=self.model,
            cache=self.cache,
        )
        self._analyses[key] = analysis
        while len(self._analyses) > max(self.keep, 1):
            self._analyses.popitem(last=False)
        return analysis

    def _video(self, ele: dict[str, Any], question: str, image_patch_size: int) -> tuple[Any, dict[str, Any], float]:
        import torch  # the return type is a tensor; torch is a core dependency

        cfg = self._config(ele)
        path = _video_path(ele)
        if not os.path.isfile(path):
            raise InputError(f"{path}: no such video file", param="conversations")
        info, _ = probe(path)  # one demux pass: frame count and rate decide the budget
        if not (math.isfinite(info.fps) and info.fps > 0) or info.num_frames < 1:
            raise InputError(f"{path}: no usable frame rate or frame count", param="conversations")
        budget = smart_nframes(ele, info.num_frames, info.fps)
        analysis = cfg._analysis(path, cfg.candidate_fps(budget, info.duration, info.fps))
        sel = select_from(
            analysis,
            question,
            budget,
            strategy=cfg.strategy,
            params=cfg.params,
            fetch=True,
            embed_budget=cfg.embed_budget,
        )
        if not sel.frames:
            raise InputError(f"{path}: framesift selected no frame", param="conversations")
        self.last.append(sel)
        frames = list(sel.frames)
        if len(frames) % _FRAME_FACTOR:
            frames.append(frames[-1])  # even T, as qwen-vl-utils pads frame lists
        factor = image_patch_size * _MERGE
        w0, h0 = frames[0].image.size  # type: ignore[union-attr]
        if "resized_height" in ele and "resized_width" in ele:
            rh, rw = int(ele["resized_height"]), int(ele["resized_width"])
            _check_ratio(rh, rw)
            h, w = qwen_smart_resize(rh, rw, factor, _IMAGE_MIN_TOKENS * factor**2, _IMAGE_MAX_TOKENS * factor**2)
        else:
            h, w = qwen_frame_size(
                h0,
                w0,
                len(frames),
                factor=factor,
                min_pixels=ele.get("min_pixels"),
                max_pixels=ele.get("max_pixels"),
                total_pixels=ele.get("total_pixels"),
            )
        resized: dict[int, np.ndarray] = {}
        arrays = []
        for f in frames:
            if f.index not in resized:
                # PIL's bicubic filter widens with the scale factor: antialiased, like
                # torchvision's resize(antialias=True) that qwen-vl-utils applies
                img = f.image.convert("RGB").resize((w, h), Image.Resampling.BICUBIC)  # type: ignore[union-attr]
                resized[f.index] = np.asarray(img)
            arrays.append(resized[f.index])
        tensor = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float().contiguous()
        meta = {
            "fps": float(info.fps),
            "frames_indices": [int(f.index) for f in frames],
            "total_num_frames": int(info.num_frames),
            "video_backend": "framesift",
        }
        return tensor, meta, _patch_fps([f.time for f in frames])


def _patch_fps(times: Sequence[float]) -> float:
    """Qwen2.5-VL's ``fps``: one time step per 2-frame patch, the mean spacing of the patches."""
    patches = [(times[i] + times[i + 1]) / 2 for i in range(0, len(times) - 1, 2)]
    if len(patches) < 2 or patches[-1] <= patches[0]:
        return _FPS
    return _FRAME_FACTOR * (len(patches) - 1) / (patches[-1] - patches[0])


_default = FrameSifter()


def process_vision_info(
    conversations: Conversations,
    return_video_kwargs: bool = False,
    return_video_metadata: bool = False,
    image_patch_size: int = 14,
) -> tuple[Any, ...]:
    """qwen-vl-utils' ``process_vision_info``, with query-aware frames (module docstring).

    Returns ``(image_inputs, video_inputs)`` or, with ``return_video_kwargs``,
    ``(image_inputs, video_inputs, video_kwargs)``; each is None when the conversation has none.
    """
    return _default(conversations, return_video_kwargs, return_video_metadata, image_patch_size)


#: For code that wants the callable type (lmms-eval's wrappers store it as a module global).
ProcessVisionInfo = Callable[..., tuple[Any, ...]]
