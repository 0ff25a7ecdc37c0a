"""``framesift report MANIFEST``: the HTML report of a selection made earlier (CLI, Python or service).

Images come from the frame files beside the manifest (``select --out DIR``); failing that, the
chosen frames are decoded from the video the manifest names (only those frames, by seeking);
failing that too, the page shows the picks without pictures and says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ..errors import FramesiftError, InputError
from ._shared import app, err


def load_manifest(path: Path) -> dict[str, Any]:
    """Read a framesift manifest, or raise an :class:`InputError` naming the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        if (path / "manifest.json").is_file():
            return load_manifest(path / "manifest.json")
        raise InputError(f"{path}: is a directory without a manifest.json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    try:
        m = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(m, dict) or "schema_version" not in m or not isinstance(m.get("frames"), list):
        raise InputError(f"{path}: not a framesift manifest (no schema_version / frames)")
    return m


def manifest_images(manifest: dict[str, Any], base: Path) -> tuple[list[Any], str | None]:
    """One PIL image (or None) per manifest frame, and a note when some could not be found."""
    from PIL import Image

    frames = manifest["frames"]
    images: list[Any] = [None] * len(frames)
    for k, f in enumerate(frames):
        name = f.get("file") if isinstance(f, dict) else None
        if isinstance(name, str) and (base / name).is_file():
            try:
                with Image.open(base / name) as im:
                    images[k] = im.convert("RGB")
            except OSError:
                images[k] = None
    missing = [k for k, im in enumerate(images) if im is None]
    video = (manifest.get("video") or {}).get("path")
    if missing and isinstance(video, str) and Path(video).is_file():
        try:
            for k, im in decode_frames(Path(video), [int(frames[k]["index"]) for k in missing]).items():
                images[missing[k]] = im
        except (FramesiftError, OSError, KeyError, TypeError, ValueError) as exc:
            return images, f"could not decode the frames from {video}: {exc}"
    if any(im is None for im in images):
        return images, "some frames have no picture: neither frame files nor the video were found"
    return images, None


def decode_frames(video: Path, indices: list[int]) -> dict[int, Any]:
    """Full-resolution upright frames at original ``indices``: ``{position in indices: PIL image}``."""
    import numpy as np
    from PIL import Image

    from ..video.decode import iter_decoded, to_rgb
    from ..video.probe import probe

    info, table = probe(video)
    where: dict[int, list[int]] = {}
    for k, idx in enumerate(indices):
        where.setdefault(idx, []).append(k)
    out: dict[int, Any] = {}
    for idx, frame in iter_decoded(video, table, np.array(sorted(where), dtype=np.int64)):
        im = Image.fromarray(to_rgb(frame, info, None))
        for k in where.get(idx, []):
            out[k] = im
    return out


@app.command("report")
def report_cmd(
    manifest: Path = typer.Argument(..., help="A manifest.json (or the --out folder holding one).", show_default=False),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="The HTML file to write (default: report.html beside the manifest)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Write a self-contained HTML report of a selection: timeline, relevance curves, picks and reasons."""
    from ..export.report import write_report

    path = manifest / "manifest.json" if manifest.is_dir() else manifest
    m = load_manifest(path)
    images, note = manifest_images(m, path.parent)
    target = out if out is not None else path.parent / "report.html"
    write_report(target, m, images)
    if not quiet:
        if note:
            err.print(f"[yellow]note:[/] {note}", highlight=False)
        if "report" not in m:
            err.print(
                "[yellow]note:[/] this manifest has no per-candidate curves (schema < 1.3): only the picks are drawn",
                highlight=False,
            )
        err.print(f"wrote {target}", highlight=False, markup=False)
