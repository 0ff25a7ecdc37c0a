"""Build a tiny, randomly initialised Qwen3-VL / Qwen2.5-VL checkpoint (real architecture, real processor).

No model hub here: the checkpoint is made from a config (1-2 layers, hidden size 32) with a
byte-level BPE tokenizer trained offline on a few sentences plus the Qwen vision special tokens,
and a chat template that renders video/image/text content the way Qwen's does. The processors are
transformers' own (``Qwen3VLProcessor`` with ``Qwen3VLVideoProcessor``, ``Qwen2_5_VLProcessor``
with ``Qwen2VLVideoProcessor``), which need torchvision: use in the consumers' environment.
``from_pretrained(folder)`` loads it like a downloaded checkpoint; its answers are noise.
"""

from __future__ import annotations

from pathlib import Path

SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [
        "Answer with the option's letter from the given choices directly.",
        "<0.5 seconds> <12.3 seconds> What is the wifi password? The answer is B.",
        "system user assistant 0123456789",
    ] * 4
    trainer = trainers.BpeTrainer(
        vocab_size=420, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens={
            "image_token": "<|image_pad|>",
            "video_token": "<|video_pad|>",
            "vision_start_token": "<|vision_start|>",
            "vision_end_token": "<|vision_end|>",
        },
    )


def _ids(fast) -> dict[str, int]:
    return {
        "image_token_id": fast.convert_tokens_to_ids("<|image_pad|>"),
        "video_token_id": fast.convert_tokens_to_ids("<|video_pad|>"),
        "vision_start_token_id": fast.convert_tokens_to_ids("<|vision_start|>"),
        "vision_end_token_id": fast.convert_tokens_to_ids("<|vision_end|>"),
    }


def _text_config(fast, **extra) -> dict:
    """The one-layer language model both tiny families share (M-RoPE sections for 16 dims)."""
    return {
        "vocab_size": len(fast),
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "max_position_embeddings": 4096,
        "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [4, 2, 2]},
        **extra,
    }


def _save(folder: Path, model, fast, processor_cls, image_processor, video_processor) -> Path:
    """Save the random model (stopping at the tokenizer's end token) and its processor to ``folder``."""
    model.generation_config.eos_token_id = fast.eos_token_id
    model.generation_config.pad_token_id = fast.pad_token_id
    model.save_pretrained(folder)
    proc = processor_cls(
        image_processor=image_processor, tokenizer=fast, video_processor=video_processor, chat_template=CHAT_TEMPLATE
    )
    proc.save_pretrained(folder)
    return folder


def build_tiny_qwen3_vl(folder: str | Path) -> Path:
    """Write a tiny random Qwen3-VL checkpoint + processor (patch 16, merge 2) to ``folder``."""
    import torch
    from transformers import (
        Qwen2VLImageProcessor,
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
        Qwen3VLProcessor,
        Qwen3VLVideoProcessor,
    )

    fast = _tokenizer()
    torch.manual_seed(0)
    cfg = Qwen3VLConfig(
        vision_config={
            "depth": 1,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "out_hidden_size": 32,
            "num_position_embeddings": 64,
            "deepstack_visual_indexes": [0],
        },
        text_config=_text_config(fast, head_dim=16),
        **_ids(fast),
    )
    return _save(
        Path(folder),
        Qwen3VLForConditionalGeneration(cfg).eval(),
        fast,
        Qwen3VLProcessor,
        Qwen2VLImageProcessor(patch_size=16, merge_size=2),
        Qwen3VLVideoProcessor(patch_size=16, merge_size=2),
    )


def build_tiny_qwen2_5_vl(folder: str | Path) -> Path:
    """Write a tiny random Qwen2.5-VL checkpoint + processor (patch 14, merge 2) to ``folder``."""
    import torch
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2_5_VLProcessor,
        Qwen2VLImageProcessor,
        Qwen2VLVideoProcessor,
    )

    fast = _tokenizer()
    torch.manual_seed(0)
    cfg = Qwen2_5_VLConfig(
        vision_config={
            "depth": 1,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "out_hidden_size": 32,
            "window_size": 56,
            "fullatt_block_indexes": [0],
        },
        text_config=_text_config(fast),
        **_ids(fast),
    )
    return _save(
        Path(folder),
        Qwen2_5_VLForConditionalGeneration(cfg).eval(),
        fast,
        Qwen2_5_VLProcessor,
        Qwen2VLImageProcessor(patch_size=14, merge_size=2),
        Qwen2VLVideoProcessor(patch_size=14, merge_size=2),
    )
