"""Randomly initialised SigLIP / SigLIP2 / CLIP checkpoints of the real architectures, built offline.

This build environment cannot reach a model hub, so tests and benchmarks exercise the real
loading code (``transformers`` ``from_pretrained`` on a directory, ``framesift export-onnx``) on
checkpoints written here with ``save_pretrained``. Random weights give the same speed as trained
ones (the arithmetic is identical) but meaningless similarities, so they serve for throughput,
preprocessing and backend-agreement checks, never for quality claims.

``tiny=True`` gives 32-px, 2-layer models that load in well under a second (tests);
``tiny=False`` gives the published configurations (SigLIP-B/16 at 224 px, CLIP ViT-B/32).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

__all__ = ["ARCHS", "save_random_model"]

Arch = Literal["siglip", "siglip2", "clip"]
ARCHS: tuple[str, ...] = ("siglip", "siglip2", "clip")

_CORPUS = [
    "a photo of a cat sitting on a sofa",
    "a dog running on green grass",
    "when is the goal scored",
    "the red car turns left at the crossing",
    "a man writes on a whiteboard",
    "people cheer in a stadium",
    "a slide with a chart and a title",
    "what colour is the bus",
    "a close up of a hand holding a phone",
]


def _clip_tokenizer():
    """A byte-level BPE CLIP tokenizer with a character vocabulary (no merges)."""
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": i + len(chars) for i, c in enumerate(chars)})
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[])


def _siglip_tokenizer(directory: Path):
    """A SentencePiece SigLIP tokenizer trained on a few sentences (pad = eos = 1, as in SigLIP)."""
    import sentencepiece as spm
    from transformers import SiglipTokenizer

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS * 20),
        model_writer=buf,
        vocab_size=80,
        model_type="bpe",
        character_coverage=1.0,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    path = directory / "_train_spiece.model"
    path.write_bytes(buf.getvalue())
    tok = SiglipTokenizer(str(path))
    return tok, path


def _gemma_style_tokenizer():
    """SigLIP2's tokenizer class (Gemma BPE with lower-casing) over a character vocabulary."""
    from transformers import Siglip2Tokenizer

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4}
    for c in sorted(set("".join(_CORPUS)) | set("abcdefghijklmnopqrstuvwxyz0123456789?.,'▁")):
        vocab.setdefault(c.replace(" ", "▁"), len(vocab))
    for b in range(256):  # byte fallback for anything else
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    return Siglip2Tokenizer(vocab=vocab, merges=[])


def save_random_model(
    arch: Arch, out_dir: str | Path, *, tiny: bool = True, seed: int = 0, text_context: int | None = None
) -> Path:
    """Write a random-weight ``arch`` checkpoint (model, tokenizer, processor) to ``out_dir``.

    ``siglip2`` is the fixed-resolution SigLIP2 layout (``google/siglip2-base-patch16-224``): the
    SigLIP architecture with SigLIP2's Gemma tokenizer. ``text_context`` overrides the text
    encoder's context length (tests use a short one to exercise chunking).
    """
    import torch
    from transformers import (
        CLIPConfig,
        CLIPImageProcessorPil,
        CLIPModel,
        CLIPProcessor,
        PretrainedConfig,
        PreTrainedModel,
        ProcessorMixin,
        SiglipConfig,
        SiglipImageProcessorPil,
        SiglipModel,
        SiglipProcessor,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    spiece = None
    if tiny:
        vis = dict(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=32,
            patch_size=8,
        )
        txt = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
    # One name for either architecture: what follows only needs the base classes.
    cfg: PretrainedConfig
    model: PreTrainedModel
    proc: ProcessorMixin
    if arch == "clip":
        tok = _clip_tokenizer()
        if not tiny:  # ViT-B/32 (openai/clip-vit-base-patch32)
            vis = dict(
                hidden_size=768,
                intermediate_size=3072,
                num_hidden_layers=12,
                num_attention_heads=12,
                image_size=224,
                patch_size=32,
            )
            txt = dict(hidden_size=512, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=8)
        txt.update(
            vocab_size=len(tok),
            max_position_embeddings=text_context or 77,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
        )
        cfg = CLIPConfig(text_config=txt, vision_config=vis, projection_dim=16 if tiny else 512)
        model = CLIPModel(cfg)
        size = vis["image_size"]
        proc = CLIPProcessor(
            image_processor=CLIPImageProcessorPil(
                size={"shortest_edge": size}, crop_size={"height": size, "width": size}
            ),
            tokenizer=tok,
        )
    elif arch in ("siglip", "siglip2"):
        if arch == "siglip":
            tok, spiece = _siglip_tokenizer(out)
        else:
            tok = _gemma_style_tokenizer()
        if not tiny:  # SigLIP-B/16 at 224 px (google/siglip-base-patch16-224)
            vis = dict(
                hidden_size=768,
                intermediate_size=3072,
                num_hidden_layers=12,
                num_attention_heads=12,
                image_size=224,
                patch_size=16,
            )
            txt = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12)
        txt.update(
            vocab_size=len(tok),
            max_position_embeddings=text_context or 64,
            pad_token_id=tok.pad_token_id,
            eos_token_id=tok.eos_token_id,
            bos_token_id=tok.bos_token_id,
        )
        cfg = SiglipConfig(text_config=txt, vision_config=vis)
        model = SiglipModel(cfg)
        size = vis["image_size"]
        proc = SiglipProcessor(
            image_processor=SiglipImageProcessorPil(size={"height": size, "width": size}), tokenizer=tok
        )
    else:
        raise ValueError(f"unknown architecture {arch!r}; expected one of {ARCHS}")
    model.eval()
    model.save_pretrained(out)
    proc.save_pretrained(out)
    if spiece is not None:
        spiece.unlink()
    return out
