"""Load an embedder from a user's spec, and list what is known and what is on this machine.

Specs (``--model``):

* ``./dir`` or ``/abs/dir``: a ``framesift export-onnx`` directory (ONNX Runtime), or a
  ``transformers`` checkpoint directory (``config.json`` of a SigLIP / SigLIP2 / CLIP model);
* ``owner/name``: a Hugging Face hub id, taken from the local HF cache when there, downloaded
  otherwise; if neither works (offline, not cached), one InputError line says how to pass a
  local directory instead;
* ``open_clip:NAME/PRETRAINED`` or ``open_clip:NAME@CHECKPOINT``: an open_clip model.

``model_id`` keys caches, so it names the exact weights: ``hub/id@commit`` for the HF cache, and
``dirname@<hash of config + weight file sizes and heads>`` for a local directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...devices import check_device
from ...errors import InputError
from .base import Embedder

__all__ = ["KNOWN_MODELS", "ModelEntry", "list_models", "load_embedder", "local_model_id"]

#: Published checkpoints that work with framesift (spec -> one-line description).
KNOWN_MODELS: dict[str, str] = {
    "google/siglip-base-patch16-224": "SigLIP B/16, 224 px, 768-d (203M params)",
    "google/siglip-base-patch16-384": "SigLIP B/16, 384 px, 768-d",
    "google/siglip-so400m-patch14-384": "SigLIP So400m/14, 384 px, 1152-d (878M params; slow on CPU)",
    "google/siglip2-base-patch16-224": "SigLIP2 B/16, 224 px, 768-d (fixed resolution)",
    "google/siglip2-base-patch16-256": "SigLIP2 B/16, 256 px, 768-d (fixed resolution)",
    "google/siglip2-so400m-patch14-384": "SigLIP2 So400m/14, 384 px, 1152-d (slow on CPU)",
    "openai/clip-vit-base-patch32": "CLIP ViT-B/32, 224 px, 512-d (151M params; fastest)",
    "openai/clip-vit-base-patch16": "CLIP ViT-B/16, 224 px, 512-d",
    "openai/clip-vit-large-patch14": "CLIP ViT-L/14, 224 px, 768-d (slow on CPU)",
    "open_clip:ViT-B-32/laion2b_s34b_b79k": "open_clip ViT-B/32 trained on LAION-2B",
    "open_clip:ViT-B-16-SigLIP/webli": "open_clip SigLIP B/16 (WebLI)",
}

#: Files a checkpoint needs (downloads skip everything else, e.g. other frameworks' weights).
_HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt"]


@dataclass(frozen=True)
class ModelEntry:
    """One row of ``framesift models``."""

    spec: str
    description: str
    local: bool
    path: str | None
    backend: str


def _looks_like_path(spec: str) -> bool:
    return spec.startswith((".", "/", "~")) or os.sep in spec and Path(spec).exists() or Path(spec).is_dir()


def local_model_id(path: Path) -> str:
    """``dirname@hash``: the hash covers config.json and each weight file's name, size and first MiB."""
    h = hashlib.sha256()
    for name in sorted(os.listdir(path)):
        f = path / name
        if not f.is_file():
            continue
        if name.endswith(".json") or name.endswith((".safetensors", ".bin", ".onnx", ".model", ".pt")):
            h.update(name.encode())
            h.update(str(f.stat().st_size).encode())
            with open(f, "rb") as fh:
                h.update(fh.read(1 << 20))
    return f"{path.name}@{h.hexdigest()[:12]}"


def _hub_path(repo: str) -> tuple[Path, str]:
    """Local snapshot of ``repo`` (cache first, then download) and its ``repo@commit`` id."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:  # pragma: no cover - a dependency of transformers
        raise InputError(f"model '{repo}': huggingface_hub is not installed") from exc
    try:
        path = Path(snapshot_download(repo, allow_patterns=_HUB_PATTERNS, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached (any flavour of "not found locally")
        try:
            path = Path(snapshot_download(repo, allow_patterns=_HUB_PATTERNS))
        except Exception as exc:  # noqa: BLE001 - offline, unknown repo, gated, ...
            reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            raise InputError(
                f"model '{repo}' is not in the Hugging Face cache and could not be downloaded ({reason}); "
                f"download it where the hub is reachable (huggingface-cli download {repo} --local-dir DIR) "
                "and pass that folder as model (--model DIR)",
                param="model",
            ) from exc
    if not (path / "config.json").is_file():
        raise InputError(f"model '{repo}': the hub snapshot has no config.json (not a transformers checkpoint)")
    return path, f"{repo}@{path.name[:12]}"


def load_embedder(
    spec: str | Embedder, *, threads: int | None = None, batch_size: int = 16, device: str = "auto"
) -> Embedder:
    """An :class:`Embedder` for ``spec`` (see module docstring); embedders are cached per process.

    ``device``: ``auto`` (a GPU when the backend can use one: torch CUDA for transformers and
    open_clip, ``onnxruntime-gpu``'s CUDA provider for ONNX exports), ``cpu`` or ``cuda[:N]``
    (an InputError when there is no usable GPU). The embedder's ``device`` says where it runs.
    """
    device = check_device(device)
    if not isinstance(spec, str):
        if isinstance(spec, Embedder):
            return spec
        raise InputError(f"model must be a spec string or an Embedder (got {type(spec).__name__})")
    return _load(spec.strip(), threads, batch_size, device)


@lru_cache(maxsize=4)
def _load(spec: str, threads: int | None, batch_size: int, device: str = "auto") -> Embedder:
    from .onnx import OnnxEmbedder, is_onnx_export

    if not spec:
        raise InputError("model is empty", param="model")
    if spec.startswith("open_clip:"):
        from .openclip import OpenClipEmbedder

        return OpenClipEmbedder(spec, batch_size=batch_size, threads=threads, device=device)
    if _looks_like_path(spec):
        path = Path(spec).expanduser()
        if not path.is_dir():
            raise InputError(f"model directory '{spec}' does not exist")
        if is_onnx_export(path):
            return OnnxEmbedder(path, batch_size=batch_size, threads=threads, device=device)
        if not (path / "config.json").is_file():
            raise InputError(
                f"model directory '{spec}' has neither config.json (transformers) nor "
                "framesift-onnx.json (framesift export-onnx)"
            )
        model_id = local_model_id(path.resolve())
    elif spec.count("/") == 1 and " " not in spec:
        path, model_id = _hub_path(spec)
    else:
        raise InputError(
            f"model '{spec}' is neither a directory, a hub id (owner/name) nor open_clip:NAME/TAG; "
            "see `framesift models`"
        )
    from .hf import TransformersEmbedder

    try:
        return TransformersEmbedder(path, model_id, batch_size=batch_size, threads=threads, device=device)
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"model '{spec}' could not be loaded: {str(exc).splitlines()[0][:200]}") from exc


def _describe_dir(path: Path) -> tuple[str, str] | None:
    """(backend, description) for a model directory, None if it is not one."""
    try:
        if (path / "framesift-onnx.json").is_file():
            meta = json.loads((path / "framesift-onnx.json").read_text())
            return "onnxruntime", f"ONNX {meta.get('precision')} export of {meta.get('source_id')}"
        if (path / "config.json").is_file():
            cfg = json.loads((path / "config.json").read_text())
            mt = cfg.get("model_type")
            if mt in ("siglip", "clip", "siglip2"):
                note = " (NaFlex: not supported)" if mt == "siglip2" else ""
                size = (cfg.get("vision_config") or {}).get("image_size", "?")
                return "transformers", f"{mt} checkpoint, {size} px{note}"
    except (OSError, ValueError):
        return None
    return None


def list_models(dirs: list[str | os.PathLike] | tuple = ()) -> list[ModelEntry]:
    """Known models (local or not), HF-cache models, and model directories in/under ``dirs``."""
    cached: dict[str, str] = {}
    try:
        from huggingface_hub import scan_cache_dir

        for repo in scan_cache_dir().repos:
            if repo.repo_type != "model":
                continue
            for rev in repo.revisions:
                if _describe_dir(Path(rev.snapshot_path)):
                    cached[repo.repo_id] = str(rev.snapshot_path)
    except Exception:  # noqa: BLE001 - no cache directory yet, or an unreadable one
        pass
    entries = [
        ModelEntry(
            spec,
            desc,
            spec in cached,
            cached.get(spec),
            "open_clip" if spec.startswith("open_clip:") else "transformers",
        )
        for spec, desc in KNOWN_MODELS.items()
    ]
    for repo_id, p in sorted(cached.items()):
        if repo_id not in KNOWN_MODELS:
            backend, desc = _describe_dir(Path(p)) or ("transformers", "")
            entries.append(ModelEntry(repo_id, desc, True, p, backend))
    for d in dirs:
        base = Path(d).expanduser()
        candidates = [base] + (sorted(c for c in base.iterdir() if c.is_dir()) if base.is_dir() else [])
        for c in candidates:
            got = _describe_dir(c)
            if got:
                entries.append(ModelEntry(str(c), got[1], True, str(c), got[0]))
    return entries
