"""``framesift transcribe VIDEO``: what is said in a video, with times (SRT, WebVTT, JSON or text)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ._shared import CliProgress, app, err


@app.command("transcribe")
def transcribe_cmd(
    video: Path = typer.Argument(..., help="The video (or audio) file.", show_default=False),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the transcript here: .srt, .vtt, .json (words with times) or .txt."
    ),
    asr: str = typer.Option(
        "default", "--asr", help="faster-whisper model: default (tiny.en, offline), small, large-v3, or a directory."
    ),
    asr_device: str = typer.Option("cpu", "--asr-device", help="cpu, cuda or auto."),
    vad: bool = typer.Option(True, "--vad/--no-vad", help="Skip non-speech with Silero VAD first."),
    batched: bool = typer.Option(True, "--batched/--sequential", help="faster-whisper's batched pipeline."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar or summary."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Transcribe the speech of VIDEO (printed as SRT on stdout without --out)."""
    from .._atomic import write_text_atomic
    from ..errors import InputError
    from ..export.transcript import render_transcript, transcript_format
    from ..signals.speech import load_speech_model, normalise_asr, transcribe_chunks
    from ..video.audio import AudioScan, iter_audio
    from ..video.probe import open_container

    fmt = transcript_format(out) if out is not None else "srt"
    spec = normalise_asr(asr)
    if spec in ("off", "auto"):
        spec = "default"
    container = open_container(video)  # missing / unreadable file: one line, before the model loads
    try:
        if not container.streams.audio:
            raise InputError(f"{video}: has no audio stream, nothing to transcribe")
        duration = float(container.duration or 0) / 1e6
    finally:
        container.close()
    model = load_speech_model(spec, device=asr_device)
    scan = AudioScan()
    total = max(1, int(round(duration)))
    with CliProgress(enabled=not quiet) as progress:
        tr = transcribe_chunks(
            iter_audio(video, scan),
            model,
            vad=vad,
            batched=batched,
            progress=lambda s: progress("transcribe", min(int(s), total), total),
        )
    tr.decode_seconds = max(0.0, scan.decode_seconds - tr.seconds)
    tr.notes = scan.notes + tr.notes
    text = render_transcript(tr, fmt, video=str(video))
    if out is not None:
        write_text_atomic(out, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if not quiet:
        for note in tr.notes:
            err.print(f"[yellow]note:[/] {note}", highlight=False)
        err.print(
            f"{len(tr.cues)} cues, {tr.speech_seconds:.0f} s of speech in {tr.audio_seconds:.0f} s of audio "
            f"({tr.model}, {tr.realtime_factor:.0f}x real time)" + (f"; wrote {out}" if out else ""),
            highlight=False,
            markup=False,
        )
