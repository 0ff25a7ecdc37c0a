"""``framesift models`` (what is known, what is on this machine) and ``framesift export-onnx``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from ..errors import InputError
from ._shared import app, err


@app.command("models")
def models_cmd(
    dirs: list[Path] = typer.Argument(
        None, help="Directories to look in for model folders (besides the HF cache).", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """List known vision-language models and the ones available locally."""
    from ..signals.embedders import list_models

    entries = list_models(list(dirs or []))
    if as_json:
        sys.stdout.write(json.dumps({"models": [e.__dict__ for e in entries]}) + "\n")
        return
    for e in entries:
        mark = "local " if e.local else "      "
        typer.echo(
            f"{mark} {e.spec:42s} {e.backend:12s} {e.description}"
            + (f"  [{e.path}]" if e.path and e.path != e.spec else "")
        )
    if not any(e.local for e in entries):
        err.print(
            "no model is available locally: without --model, relevance comes from subtitles and on-screen "
            "text only (see README, 'Visual models')",
            highlight=False,
        )


@app.command("export-onnx")
def export_onnx_cmd(
    model: str = typer.Argument(
        ..., help="Hub id or local transformers directory (SigLIP / SigLIP2 / CLIP).", show_default=False
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory (must not exist or be empty)."),
    int8: bool = typer.Option(
        False, "--int8", help="Dynamic int8 quantisation (faster on CPU, slightly different vectors)."
    ),
    opset: int = typer.Option(17, "--opset", help="ONNX opset."),
    debug: bool | None = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Export both towers of MODEL to ONNX (for `--model OUT`, run by onnxruntime)."""
    from ..signals.embedders import load_embedder
    from ..signals.embedders.hf import TransformersEmbedder
    from ..signals.embedders.onnx import export_onnx

    emb = load_embedder(model)
    if not isinstance(emb, TransformersEmbedder):
        raise InputError(
            f"model '{model}' is not a transformers checkpoint; export-onnx takes a hub id or a transformers directory"
        )
    path = export_onnx(emb, out, int8=int8, opset=opset)
    typer.echo(f"wrote {path} ({'int8' if int8 else 'fp32'}; use --model {path})")
