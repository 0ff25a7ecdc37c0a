"""Hugging Face ``transformers`` backend: SigLIP, SigLIP2 (fixed resolution) and CLIP in torch fp32.

SigLIP2's fixed-resolution checkpoints (``google/siglip2-base-patch16-224`` and friends) use the
SigLIP architecture with a Gemma tokenizer, so they load here as ``model_type == "siglip"``.
The NaFlex variants (``*-naflex``, ``model_type == "siglip2"``) take variable-size patch
sequences; they are refused with a clear message rather than fed a square crop they were not
trained on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ...devices import torch_device
from ...errors import InputError
from .base import BatchedImageEncoder
from .preprocess import ImagePrep
from .text import TextSpec, normalize, pool_chunks, tokenize

__all__ = ["TransformersEmbedder", "family_of"]


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """No weight-loading progress bars or config chatter on stderr (the CLI owns stderr)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


DEFAULT_BATCH = 16


def family_of(model_type: str, where: str) -> str:
    """``"siglip"`` or ``"clip"`` for a ``config.json`` ``model_type``; InputError otherwise."""
    if model_type == "siglip":
        return "siglip"
    if model_type == "clip":
        return "clip"
    if model_type == "siglip2":
        raise InputError(
            f"{where}: SigLIP2 NaFlex checkpoints (variable resolution) are not supported; use a "
            "fixed-resolution one such as google/siglip2-base-patch16-224"
        )
    raise InputError(f"{where}: model type '{model_type}' is not a supported dual encoder (siglip, siglip2, clip)")


class TransformersEmbedder(BatchedImageEncoder):
    """A SigLIP / CLIP checkpoint directory run with ``transformers`` (fp32) on ``device``
    (``auto``: CUDA when torch sees a GPU; :mod:`framesift.signals.devices`)."""

    backend = "transformers"

    def __init__(
        self,
        path: str | Path,
        model_id: str,
        *,
        batch_size: int = DEFAULT_BATCH,
        threads: int | None = None,
        device: str = "auto",
    ) -> None:
        import torch
        from transformers import AutoConfig, AutoImageProcessor, AutoModel, AutoTokenizer

        self.device = torch_device(device)

        if threads:
            torch.set_num_threads(int(threads))
        with _quiet_transformers():
            cfg = AutoConfig.from_pretrained(path)
            self.family = family_of(cfg.model_type, str(path))
            self.model: Any = AutoModel.from_pretrained(path, dtype=torch.float32).eval().to(self.device)
            self.tokenizer: Any = AutoTokenizer.from_pretrained(path)
            self.prep = ImagePrep.from_hf(AutoImageProcessor.from_pretrained(path))
        self.text_spec = TextSpec.for_family(self.family, int(cfg.text_config.max_position_embeddings))
        self.dim = int(cfg.projection_dim) if self.family == "clip" else int(cfg.vision_config.hidden_size)
        self.image_size = self.prep.image_size
        self.model_id = f"{model_id}|torch-fp32"
        self.batch_size = int(batch_size)
        self.path = Path(path)

    def pixel_values(self, images: Sequence[np.ndarray]) -> np.ndarray:
        return self.prep(images)

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Unit embeddings of already preprocessed ``(N, 3, S, S)`` float32 input."""
        import torch

        with torch.inference_mode():
            px = torch.from_numpy(pixels).to(self.device)
            out = self.model.get_image_features(pixel_values=px).pooler_output
        return normalize(out.float().cpu().numpy())

    def patch_embeddings(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``(N, g, g, D)`` unit vectors of the image tower's patch tokens, in the text space.

        For prompt-guided regions of interest (Free Video-LLM, Han et al. 2024): SigLIP's patch
        tokens after the final layer norm live in the width the text tower projects to; CLIP's
        go through the same ``visual_projection`` as its pooled token (the MaskCLIP reading,
        Zhou et al. 2022). Each image is squashed to the model's square input first, so patch
        ``(r, c)`` covers rows ``r/g..(r+1)/g`` and columns ``c/g..(c+1)/g`` of the whole image.
        """
        import torch
        from PIL import Image

        S = self.image_size
        sq = [
            np.asarray(Image.fromarray(np.asarray(im, dtype=np.uint8)).resize((S, S), Image.Resampling.BICUBIC))
            for im in images
        ]
        if not sq:
            return np.zeros((0, 0, 0, self.dim), dtype=np.float32)
        with torch.inference_mode():
            px = torch.from_numpy(self.prep(sq)).to(self.device)
            hidden = self.model.vision_model(pixel_values=px).last_hidden_state
            if self.family == "clip":
                tokens = self.model.visual_projection(self.model.vision_model.post_layernorm(hidden[:, 1:]))
            else:
                tokens = hidden
        arr = tokens.float().cpu().numpy()
        g = int(round(arr.shape[1] ** 0.5))
        arr = arr[:, : g * g].reshape(arr.shape[0], g, g, arr.shape[-1])
        return arr / np.maximum(np.linalg.norm(arr, axis=-1, keepdims=True), 1e-9)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        batch = tokenize(self.tokenizer, texts, self.text_spec)
        kwargs: dict[str, Any] = {"input_ids": torch.from_numpy(batch.input_ids).to(self.device)}
        if self.text_spec.use_mask:
            kwargs["attention_mask"] = torch.from_numpy(batch.attention_mask).to(self.device)
        with torch.inference_mode():
            out = self.model.get_text_features(**kwargs).pooler_output.float().cpu().numpy()
        return pool_chunks(out, batch.owner, len(texts))
