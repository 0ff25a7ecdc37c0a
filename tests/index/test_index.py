"""The per-video index: keys, round trips, safety (locks, kill -9, truncated files), the
select fast path, search and the cache commands. Real videos, real decoders, real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import framesift
from framesift.api import analyze, select_from
from framesift.bench.needle_video import Needle, make_video
from framesift.errors import InputError
from framesift.index import IndexStore, content_hash
from framesift.library import index_video, search

SRC = str(Path(framesift.__file__).resolve().parents[1])


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="100")
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(*args, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "framesift.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


VAULT = "The vault code is nine three seven one."


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> list[Path]:
    """Three 10 s 320x180 videos with sidecar subtitles; only the second says the vault code (at 5-7 s)."""
    folder = tmp_path_factory.mktemp("library")
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(3):
            needles = (Needle("subtitle", 5.0, 7.0, VAULT, "What is the vault code?"),) if k == 1 else ()
            out.append(
                make_video(
                    folder / f"talk{k}.mp4",
                    duration=10.0,
                    fps=24,
                    width=320,
                    height=180,
                    gop=48,
                    needles=needles,
                    seed=20 + k,
                ).path
            )
    return out


@pytest.fixture(scope="module")
def silent(tmp_path_factory) -> list[Path]:
    """Three 6 s 320x180 videos without subtitles or on-screen text: indexing them in a subprocess
    needs no text model, which keeps the process tests fast."""
    folder = tmp_path_factory.mktemp("silent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            make_video(
                folder / f"clip{k}.mp4",
                duration=6.0,
                fps=24,
                width=320,
                height=180,
                gop=48,
                subtitles=False,
                distractor_text=False,
                seed=40 + k,
            ).path
            for k in range(3)
        ]


# -- keys -------------------------------------------------------------------------------------


def test_content_hash_follows_content_not_path(tmp_path, library):
    src = library[0]
    renamed = tmp_path / "renamed.mp4"
    shutil.copy(src, renamed)
    assert content_hash(renamed) == content_hash(src)
    data = bytearray(src.read_bytes())
    data[len(data) // 2] ^= 0xFF  # small file: every byte is hashed
    edited = tmp_path / "edited.mp4"
    edited.write_bytes(bytes(data))
    assert content_hash(edited) != content_hash(src)
    grown = tmp_path / "grown.mp4"
    grown.write_bytes(src.read_bytes() + b"\0")
    assert content_hash(grown) != content_hash(src)


def test_content_hash_of_a_large_file_samples_ranges(tmp_path):
    big = tmp_path / "big.bin"
    rng = np.random.default_rng(0)
    big.write_bytes(rng.bytes(8 << 20))
    h = content_hash(big)
    data = bytearray(big.read_bytes())
    data[0] ^= 1  # the first range is always sampled
    big.write_bytes(bytes(data))
    assert content_hash(big) != h


def test_settings_and_sidecar_are_part_of_the_key(tmp_path, library):
    store = IndexStore(tmp_path / "c")
    e1 = store.entry(library[1], fps=1.0)
    assert store.entry(library[1], fps=2.0).dir != e1.dir
    assert store.entry(library[1], ocr=False).dir != e1.dir
    # the same video with an edited sidecar is another entry
    copy = tmp_path / "same.mp4"
    shutil.copy(library[1], copy)
    shutil.copy(library[1].with_suffix(".srt"), copy.with_suffix(".srt"))
    assert store.entry(copy).dir == e1.dir
    copy.with_suffix(".srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nsomething else\n", encoding="utf-8")
    assert store.entry(copy).dir != e1.dir


# -- round trip and the select fast path -----------------------------------------------------


def test_round_trip_gives_the_same_selection(tmp_path, needle_video):
    cold = analyze(needle_video.path, cache=tmp_path)
    assert "index_write" in cold.timings
    warm = analyze(needle_video.path, cache=tmp_path)
    assert "index_load" in warm.timings and "decode" not in warm.timings
    assert warm.info == cold.info
    for name in ("index", "time", "source", "thumbs", "change", "transient"):
        assert np.array_equal(getattr(warm.candidates, name), getattr(cold.candidates, name)), name
    assert np.array_equal(warm.features, cold.features)
    assert np.array_equal(warm.table.pts, cold.table.pts) and warm.table.time_base == cold.table.time_base
    assert warm.subtitles == cold.subtitles and warm.ocr_reads == cold.ocr_reads
    assert len(cold.ocr_reads) > 0  # the fixture has on-screen text: the OCR rows really round-trip
    for q in [n.question for n in needle_video.needles]:
        a = select_from(cold, q, 6, fetch=False).to_manifest()
        b = select_from(warm, q, 6, fetch=False).to_manifest()
        # the one intended difference: the warm speech report says it came from the index
        assert a["signals"]["speech"].pop("from_index") is False and b["signals"]["speech"].pop("from_index") is True
        assert a["frames"] == b["frames"] and a["signals"] == b["signals"]


def test_select_on_an_indexed_video_only_fetches_frames(tmp_path, library, monkeypatch):
    import framesift.analysis as analysis_mod
    import framesift.selection as selection_mod
    import framesift.video.fetch as fetch_mod

    video = library[1]
    cold = framesift.select(video, "What is the vault code?", 4, cache=tmp_path, ocr=False)
    calls = {"iter_decoded": 0}
    real_iter = fetch_mod.iter_decoded

    def forbidden(*a, **k):
        raise AssertionError("the video was probed or decoded although it is indexed")

    def counting(*a, **k):
        calls["iter_decoded"] += 1
        yield from real_iter(*a, **k)

    monkeypatch.setattr(analysis_mod, "probe", forbidden)
    monkeypatch.setattr(selection_mod, "probe", forbidden)
    monkeypatch.setattr(analysis_mod, "extract_candidates", forbidden)
    monkeypatch.setattr(analysis_mod, "load_subtitles", forbidden)
    monkeypatch.setattr(fetch_mod, "iter_decoded", counting)
    warm = framesift.select(video, "What is the vault code?", 4, cache=tmp_path, ocr=False, fetch=True)
    assert warm.indices == cold.indices
    assert all(f.image is not None and f.image.size == (320, 180) for f in warm.frames)
    assert calls["iter_decoded"] == 1  # one read, of the chosen frames
    assert any("loaded from the index" in n for n in warm.notes)


# -- damaged, old and foreign entries ---------------------------------------------------------


def test_truncated_file_is_detected_and_rebuilt(tmp_path, library):
    video = library[0]
    a = analyze(video, cache=tmp_path, ocr=False)
    target = a.entry.dir / "analysis" / "candidates.parquet"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    assert a.entry.load_analysis(video) is None and a.entry.last_miss.startswith("corrupt")
    b = analyze(video, cache=tmp_path, ocr=False)
    assert "index_write" in b.timings and any("rebuilt" in n for n in b.notes)
    c = analyze(video, cache=tmp_path, ocr=False)
    assert "index_load" in c.timings and np.array_equal(c.candidates.thumbs, a.candidates.thumbs)


@pytest.mark.parametrize(
    "change", [{"schema_version": 0}, {"kind": "something-else"}, {"settings": {"fps": 5.0}}, {"video_hash": "0" * 32}]
)
def test_old_or_foreign_entry_is_rebuilt_not_misread(tmp_path, library, change):
    video = library[0]
    a = analyze(video, cache=tmp_path, ocr=False)
    meta_path = a.entry.dir / "analysis" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update(change)
    meta["candidates"]["count"] = -1  # if this were trusted, loading would go wrong
    meta_path.write_text(json.dumps(meta))
    assert a.entry.load_analysis(video) is None
    b = analyze(video, cache=tmp_path, ocr=False)
    assert "index_write" in b.timings
    assert json.loads(meta_path.read_text())["candidates"]["count"] == len(a.candidates)


def test_leftovers_of_a_killed_write_are_ignored_and_swept(tmp_path, library):
    store = IndexStore(tmp_path)
    entry = store.entry(library[0], ocr=False)
    tmp = entry.dir / ".tmp-deadbeef"
    tmp.mkdir(parents=True)
    (tmp / "candidates.parquet").write_bytes(b"PAR1 half written")
    assert entry.load_analysis(library[0]) is None and [e.valid for e in store.entries()] == [False]
    a = analyze(library[0], cache=store, ocr=False)
    assert "index_write" in a.timings
    old = time.time() - 7200
    os.utime(tmp, (old, old))
    store.prune(older_than_s=10 * 86400)
    assert not tmp.exists() and entry.load_analysis(library[0]) is not None


# -- partial embeddings -------------------------------------------------------------------------


def test_partial_embeddings_accumulate_and_damaged_parts_drop(tmp_path, library):
    store = IndexStore(tmp_path)
    e = store.entry(library[0])
    rng = np.random.default_rng(0)
    v = rng.standard_normal((10, 8)).astype(np.float32)
    assert e.get_embeddings("m@1")[0].size == 0
    e.put_embeddings("m@1", [7, 2, 5], v[[7, 2, 5]])
    e.put_embeddings("m@1", [0, 9], v[[0, 9]])
    e.put_embeddings("other@1", [1], v[[1]])
    pos, vec = e.get_embeddings("m@1")
    assert pos.tolist() == [0, 2, 5, 7, 9] and np.array_equal(vec, v[[0, 2, 5, 7, 9]])
    time.sleep(0.01)
    e.put_embeddings("m@1", [5], v[[3]])  # re-embedded: the last write wins
    pos, vec = e.get_embeddings("m@1")
    assert pos.tolist() == [0, 2, 5, 7, 9] and np.array_equal(vec[2], v[3])
    assert e.get_embeddings("other@1")[0].tolist() == [1]
    parts = sorted((e.dir / "models").glob("*/emb-*.parquet"))
    victim = next(
        p for p in parts if b"m@1" in p.read_bytes() and len(__import__("pyarrow.parquet").parquet.read_table(p)) == 2
    )
    victim.write_bytes(victim.read_bytes()[:-20])
    pos, _ = e.get_embeddings("m@1")
    assert pos.tolist() == [2, 5, 7]  # rows 0 and 9 are missing again (and will be re-embedded)
    with pytest.raises(ValueError):
        e.put_embeddings("m@1", [1, 2], v[:1])
    e.put_images("siglip-224", [3, 1], [b"\xff\xd8a", b"\xff\xd8b"])
    assert e.get_images("siglip-224")[0].tolist() == [1, 3]
    assert e.get_images("siglip-224", positions=[3])[1] == [b"\xff\xd8a"]


def test_vector_search_across_videos_matches_brute_force(tmp_path, library):
    store = IndexStore(tmp_path)
    rng = np.random.default_rng(1)
    all_rows = []
    for v in library:
        e = store.entry(v)
        vec = rng.standard_normal((30, 16)).astype(np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        e.put_embeddings("m", np.arange(15), vec[:15])
        e.put_embeddings("m", np.arange(15, 30), vec[15:])
        all_rows += [(e.video_hash, p, vec[p]) for p in range(30)]
    q = rng.standard_normal(16).astype(np.float32)
    hits = store.vector_search("m", q, 5)
    ref = sorted(all_rows, key=lambda r: -float(r[2] @ q))[:5]
    assert [(h[0], h[2]) for h in hits] == [(r[0], r[1]) for r in ref]
    assert np.allclose([h[3] for h in hits], [float(r[2] @ q) for r in ref], atol=1e-5)


# -- processes: concurrent indexing, kill -9, resume ----------------------------------------------


def test_two_processes_indexing_the_same_video_give_one_entry(tmp_path, silent):
    library = silent
    cache = tmp_path / "c"
    args = [
        sys.executable,
        "-m",
        "framesift.cli",
        "index",
        str(library[2]),
        "--cache",
        str(cache),
        "--ocr",
        "off",
        "--json",
    ]
    procs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()) for _ in range(2)
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    statuses = sorted(json.loads(o)["videos"][0]["status"] for o, _ in outs)
    assert statuses == ["cached", "indexed"]  # the second waited for the first and reused its entry
    entries = IndexStore(cache).entries()
    assert len(entries) == 1 and entries[0].valid
    assert not list(entries[0].path.glob(".tmp-*"))
    assert IndexStore(cache).entry(library[2], ocr=False).load_analysis(library[2]) is not None


def test_kill_during_indexing_leaves_no_corrupt_entry_and_resumes(tmp_path, silent):
    library = silent
    cache = tmp_path / "c"
    args = [sys.executable, "-m", "framesift.cli", "index", *map(str, library), "--cache", str(cache), "--ocr", "off"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    deadline = time.time() + 120
    first = None
    while time.time() < deadline and first is None:
        found = list(cache.glob("framesift-index-v1/entries/*/*/analysis/meta.json"))
        first = found[0] if found else None
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert first is not None, "no entry was written before the deadline"
    store = IndexStore(cache)
    done = [e for e in store.entries() if e.valid]
    for s in done:  # whatever was committed is complete
        v = next(p for p in library if content_hash(p) == s.video_hash)
        assert store.entry(v, ocr=False).load_analysis(v) is not None
    r = run_cli("index", *library, "--cache", cache, "--ocr", "off", "--json")
    assert r.returncode == 0, r.stderr
    status = {Path(v["video"]).name: v["status"] for v in json.loads(r.stdout)["videos"]}
    done_hashes = {s.video_hash for s in done}
    for p in library:
        assert status[p.name] == ("cached" if content_hash(p) in done_hashes else "indexed")
    assert len(IndexStore(cache).entries()) == 3


# -- the visual channel: real backends (tiny random checkpoints, conftest) -------------------------


@pytest.fixture(scope="module")
def quiet_clip(tmp_path_factory) -> Path:
    """A 10 s video without subtitles or on-screen text: the visual channel is the only one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_video(
            tmp_path_factory.mktemp("visual") / "silent.mp4",
            duration=10.0,
            fps=24,
            width=320,
            height=180,
            gop=48,
            subtitles=False,
            distractor_text=False,
            seed=5,
        ).path


def _count_image_batches(monkeypatch, emb) -> dict[str, int]:
    """Count the images ``emb`` embeds (the real backend still runs)."""
    seen = {"images": 0}
    real = emb.encode_images

    def counting(images):
        seen["images"] += len(images)
        return real(images)

    monkeypatch.setattr(emb, "encode_images", counting)
    return seen


def test_index_with_a_model_then_visual_search(tmp_path, quiet_clip, tiny_onnx):
    from framesift.signals.embedders import load_embedder

    model = str(tiny_onnx("clip"))
    r = index_video(quiet_clip, cache=tmp_path, model=model, ocr=False)
    assert r.embedded == r.candidates > 0 and r.model_id.endswith("onnx-fp32")
    again = index_video(quiet_clip, cache=tmp_path, model=model, ocr=False)
    assert again.status == "cached" and again.embedded == 0
    pos, vec = again.entry.get_embeddings(r.model_id)
    assert pos.tolist() == list(range(r.candidates)) and vec.shape[0] == r.candidates
    # The stored rows are the model's vectors of the candidate frames, decoded here independently
    # (full size, then resized by PIL): JPEG and the scaler move them only slightly.
    from PIL import Image

    from framesift.video.decode import iter_decoded, to_rgb

    emb = load_embedder(model)
    a = again.analysis
    k = r.candidates // 2
    frame = next(iter(iter_decoded(quiet_clip, a.table, a.candidates.index[k : k + 1])))[1]
    full = Image.fromarray(to_rgb(frame, a.info, None))
    side = emb.image_size
    mine = emb.encode_images([np.asarray(full.resize((round(side * 320 / 180), side), Image.Resampling.BOX))])[0]
    assert float(vec[k] @ mine) > 0.98
    # A query with no text match anywhere: the ranking is the visual channel's, best first.
    moments = search([quiet_clip], "zzqx", top=3, cache=tmp_path, model=model, ocr=False, min_gap_s=0.0)
    sims = vec @ emb.encode_texts(["zzqx"])[0]
    assert [m.index for m in moments] == a.candidates.index[np.argsort(-sims)[:3]].tolist()
    assert all(m.channel == "visual" for m in moments)
    assert [m.scores["visual"] for m in moments] == pytest.approx(np.sort(sims)[::-1][:3].tolist(), abs=1e-4)


def test_select_with_model_and_cache_twice_decodes_and_embeds_nothing_new(tmp_path, quiet_clip, tiny_onnx, monkeypatch):
    import framesift.analysis as analysis_mod
    import framesift.selection as selection_mod
    import framesift.video.decode as decode
    import framesift.video.fetch as fetch_mod
    from framesift.signals.embedders import load_embedder

    emb = load_embedder(str(tiny_onnx("clip")))
    seen = _count_image_batches(monkeypatch, emb)
    q = "a bright red square on a dark background"
    # Dense on the cold run, so every row is stored; the warm run (default coarse-to-fine budget)
    # then finds all of them in the index and must embed nothing.
    cold = framesift.select(quiet_clip, q, 4, cache=tmp_path, ocr=False, model=emb, fetch=False, embed_budget="all")
    assert seen["images"] == cold.num_candidates > 0
    assert cold.signals["visual_model"]["used"]

    def forbidden(*a, **k):
        raise AssertionError("the video was probed or decoded although it is indexed")

    fetches = {"n": 0}
    real_iter = decode.iter_decoded

    def counting(*a, **k):
        fetches["n"] += 1
        yield from real_iter(*a, **k)

    for name in ("probe", "extract_candidates", "load_subtitles"):
        monkeypatch.setattr(analysis_mod, name, forbidden)
    monkeypatch.setattr(selection_mod, "probe", forbidden)
    monkeypatch.setattr(decode, "iter_decoded", forbidden)  # what the image completion would use
    monkeypatch.setattr(fetch_mod, "iter_decoded", counting)  # the final fetch
    seen["images"] = 0
    warm = framesift.select(quiet_clip, q, 4, cache=tmp_path, ocr=False, model=emb, fetch=True)
    assert seen["images"] == 0 and fetches["n"] == 1
    assert warm.indices == cold.indices
    assert [f.scores for f in warm.frames] == [f.scores for f in cold.frames]
    assert warm.signals["visual_model"]["embedded"] == warm.num_candidates


def test_rows_embedded_by_a_question_persist_but_not_for_another_model(tmp_path, quiet_clip, tiny_onnx, tiny_models):
    from framesift.index.visual import persist_visual
    from framesift.signals.embedders import load_embedder

    cache = tmp_path / "c"
    plain = analyze(quiet_clip, cache=cache, ocr=False)  # indexed without a model: no images yet
    assert plain.visual is None
    model = str(tiny_onnx("clip"))
    a = analyze(quiet_clip, cache=cache, ocr=False, model=model)
    assert any("for the visual model" in n for n in a.notes)  # images completed once, from the video
    n = len(a.candidates)
    assert not a.visual.mask.any()
    a.visual.ensure([1, 3])  # what a coarse-to-fine pass does: a subset
    assert persist_visual(a) == 2 and persist_visual(a) == 0
    b = analyze(quiet_clip, cache=cache, ocr=False, model=model)
    assert not any("for the visual model" in n for n in b.notes)
    assert np.flatnonzero(b.visual.mask).tolist() == [1, 3]
    assert np.array_equal(b.visual.vectors[[1, 3]], a.visual.vectors[[1, 3]])
    # another model sees none of them (same input size: it shares the stored images)
    other = analyze(quiet_clip, cache=cache, ocr=False, model=str(tiny_models["siglip"]))
    assert other.visual.model_id != a.visual.model_id and not other.visual.mask.any()
    # a question in another process embeds the rest, and select_from writes them back
    r = run_cli(
        "select",
        quiet_clip,
        "--query",
        "a red square",
        "--budget",
        "3",
        "--model",
        model,
        "--ocr",
        "off",
        "--cache",
        cache,
        "--embed-budget",
        "all",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["signals"]["visual_model"]["embedded"] == n
    c = analyze(quiet_clip, cache=cache, ocr=False, model=model)
    assert c.visual.mask.all() and c.visual.unsaved().size == 0
    emb = load_embedder(model)
    assert np.allclose(c.visual.vectors, emb.encode_images(c.visual.images.get(range(n))), atol=1e-5)
    assert not load_embedder(str(tiny_models["siglip"])).model_id == emb.model_id
    other = analyze(quiet_clip, cache=cache, ocr=False, model=str(tiny_models["siglip"]))
    assert not other.visual.mask.any()


def test_damaged_stored_images_are_decoded_again(tmp_path, quiet_clip, tiny_onnx):
    model = str(tiny_onnx("clip"))
    a = analyze(quiet_clip, cache=tmp_path, ocr=False, model=model)  # cold: images stored, no rows yet
    parts = list(a.entry.dir.glob("models/*/img-*.parquet"))
    assert len(parts) == 1
    parts[0].write_bytes(parts[0].read_bytes()[:100])
    b = analyze(quiet_clip, cache=tmp_path, ocr=False, model=model)
    assert any(f"decoded {len(a.candidates)} candidates" in n for n in b.notes)
    assert b.visual.images.jpegs == a.visual.images.jpegs  # the same conversion as the decode pass
    assert np.allclose(b.visual.ensure([0, 2]), a.visual.ensure([0, 2]), atol=1e-6)


def test_embedding_resumes_after_kill(tmp_path, silent, tiny_onnx):
    library = silent
    model = str(tiny_onnx("clip"))
    script = textwrap.dedent(f"""
        import time
        from framesift.api import analyze
        from framesift.index.visual import embed_all
        from framesift.signals.embedders import load_embedder
        emb = load_embedder({model!r})
        slow = type("Slow", (), dict(model_id=emb.model_id, dim=emb.dim, image_size=emb.image_size,
                    encode_texts=lambda self, t: emb.encode_texts(t),
                    encode_images=lambda self, ims: (time.sleep(0.3), emb.encode_images(ims))[1]))()
        a = analyze({str(library[1])!r}, cache={str(tmp_path)!r}, ocr=False, model=slow)
        print("ready", flush=True)
        embed_all(a, chunk=2)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    from framesift.signals.embedders import load_embedder

    model_id = load_embedder(model).model_id
    entry = IndexStore(tmp_path).entry(library[1], ocr=False)
    deadline = time.time() + 60
    while time.time() < deadline and entry.embedded_positions(model_id).size < 4:
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    have = entry.embedded_positions(model_id)
    r = index_video(library[1], cache=tmp_path, model=model, ocr=False)
    assert 4 <= have.size < r.candidates
    assert r.embedded == r.candidates - have.size  # only what was missing
    assert entry.embedded_positions(model_id).tolist() == list(range(r.candidates))


def test_cli_index_with_model_then_search(tmp_path, silent, tiny_onnx):
    from framesift.signals.embedders import load_embedder

    model = str(tiny_onnx("clip"))
    cache = tmp_path / "c"
    r = run_cli("index", *silent[:2], "--model", model, "--cache", cache, "--ocr", "off", "--json")
    assert r.returncode == 0, r.stderr
    videos = json.loads(r.stdout)["videos"]
    assert all(v["embedded_now"] == v["candidates"] > 0 for v in videos)
    r = run_cli("search", "--model", model, "--cache", cache, "--query", "zzqx", "--top", "3", "--no-index", "--json")
    assert r.returncode == 0, r.stderr
    moments = json.loads(r.stdout)["moments"]
    # brute force over every stored row of both videos
    emb = load_embedder(model)
    qv = emb.encode_texts(["zzqx"])[0]
    store = IndexStore(cache)
    best = max(
        ((float(vec @ qv), v) for v in silent[:2] for vec in store.entry(v, ocr=False).get_embeddings(emb.model_id)[1]),
        key=lambda t: t[0],
    )
    assert moments[0]["channel"] == "visual" and moments[0]["scores"]["visual"] == pytest.approx(best[0], abs=1e-4)
    assert Path(moments[0]["video"]).name == best[1].name
    ls = json.loads(run_cli("cache", "ls", "--cache", cache, "--json").stdout)["entries"]
    assert [list(e["models"]) for e in ls] == [[emb.model_id]] * 2 and all(e["models"][emb.model_id] > 0 for e in ls)
    bad = run_cli("index", silent[0], "--model", tmp_path / "no-such-model", "--cache", cache)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


# -- search and the CLI ------------------------------------------------------------------------------


def test_search_finds_the_spoken_fact_across_videos(tmp_path, library):
    moments = framesift.search(library[0].parent, "What is the vault code?", top=3, cache=tmp_path, ocr=False)
    best = moments[0]
    assert Path(best.video) == library[1] and 5.0 <= best.time <= 7.0 and best.channel == "subtitle"
    assert best.text == VAULT
    assert Path(best.thumbnail).read_bytes()[:2] == b"\xff\xd8"
    from PIL import Image

    assert Image.open(best.thumbnail).size == (320, 180)
    # neighbouring candidates of the same moment are merged
    same = [m for m in moments if m.video == best.video]
    assert all(abs(m.time - best.time) >= 5.0 for m in same if m is not best)


def test_cli_search(tmp_path, library):
    cache = tmp_path / "c"
    for v in library:
        index_video(v, cache=cache, ocr=False)
    r = run_cli("search", "--cache", cache, "--query", "the vault code", "--top", "2", "--json")  # all indexed videos
    assert r.returncode == 0, r.stderr
    moments = json.loads(r.stdout)["moments"]
    assert len(moments) == 2 and Path(moments[0]["video"]).name == "talk1.mp4"
    assert Path(moments[0]["thumbnail"]).is_file() and 5.0 <= moments[0]["time"] <= 7.0


def test_cli_index_and_cache(tmp_path, silent):
    cache = tmp_path / "c"
    r = run_cli("index", silent[0].parent, "--cache", cache, "--ocr", "off", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [v["status"] for v in data["videos"]] == ["indexed"] * 3
    ls = json.loads(run_cli("cache", "ls", "--cache", cache, "--json").stdout)
    assert len(ls["entries"]) == 3 and all(e["valid"] for e in ls["entries"])
    old = time.time() - 40 * 86400
    stale = Path(ls["entries"][0]["path"]) / "used"
    os.utime(stale, (old, old))
    pr = json.loads(run_cli("cache", "prune", "--older-than", "30d", "--cache", cache, "--json").stdout)
    assert [e["path"] for e in pr["removed"]] == [ls["entries"][0]["path"]]
    bad = run_cli("cache", "prune", "--older-than", "soon", "--cache", cache)
    assert bad.returncode == 2 and "--older-than" in bad.stderr and "Traceback" not in bad.stderr
    (cache / "keep.txt").write_text("not ours")
    cl = json.loads(run_cli("cache", "clear", "--cache", cache, "--json").stdout)
    assert cl["removed"] == 2 and (cache / "keep.txt").exists()
    assert json.loads(run_cli("cache", "ls", "--cache", cache, "--json").stdout)["entries"] == []


def test_cli_select_uses_the_cache_unless_told_not_to(tmp_path, silent):
    cache = tmp_path / "c"
    r = run_cli("select", silent[1], "--query", "", "--ocr", "off", "--no-cache", "--cache", cache, "--json")
    assert r.returncode == 0 and not cache.exists()
    r1 = run_cli("select", silent[1], "--ocr", "off", "--cache", cache, "--json")
    r2 = run_cli("select", silent[1], "--ocr", "off", "--cache", cache, "--json")
    m1, m2 = json.loads(r1.stdout), json.loads(r2.stdout)
    assert m1["frames"] == m2["frames"]
    assert "index_load" in json.dumps(m2) and "index_load" not in json.dumps(m1)


def test_bad_inputs(tmp_path):
    r = run_cli("index", tmp_path / "missing.mp4", "--cache", tmp_path / "c")
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "empty").mkdir()
    r = run_cli("search", tmp_path / "empty", "--query", "x", "--cache", tmp_path / "c")
    assert r.returncode == 2 and "no video files" in r.stderr
    with pytest.raises(InputError):
        search(None, "  ", cache=tmp_path)


def test_vectorised_subtitle_channel_matches_the_per_candidate_rule():
    """Against a plain loop over candidates (the rule as documented): overlapping and padded cues."""
    from framesift.scoring.text_relevance import PAD_DISCOUNT, SUBTITLE_PAD_S, TextItem, subtitle_channel
    from framesift.video.subtitles import SubtitleLine

    rng = np.random.default_rng(3)
    starts = np.sort(rng.uniform(0, 100, 60))
    lines = [SubtitleLine(float(a), float(a + rng.uniform(0.2, 4)), f"l{k}") for k, a in enumerate(starts)]
    items = [TextItem("x", float(v), 0.0) for v in rng.choice([0.2, 0.5, 0.5, 0.9], len(lines))]
    times = np.sort(np.concatenate([rng.uniform(-1, 105, 400), [ln.end + SUBTITLE_PAD_S / 2 for ln in lines[:5]]]))
    score, which = subtitle_channel(times, lines, items)
    for k, t in enumerate(times):
        best, arg = 0.0, -1
        for j, (ln, it) in enumerate(zip(lines, items)):
            if ln.start - SUBTITLE_PAD_S <= t <= ln.end + SUBTITLE_PAD_S:
                eff = it.score * (1.0 if ln.start <= t <= ln.end else PAD_DISCOUNT)
                if arg < 0 or eff > best:
                    best, arg = eff, j
        assert which[k] == arg and score[k] == pytest.approx(best, abs=1e-6)


def test_damage_inside_an_analysis_file_is_caught_by_page_checksums(tmp_path, library):
    video = library[0]
    a = analyze(video, cache=tmp_path, ocr=False)
    target = a.entry.dir / "analysis" / "candidates.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the page CRC can tell
    target.write_bytes(bytes(data))
    assert a.entry.load_analysis(video) is None and a.entry.last_miss.startswith("corrupt")
    b = analyze(video, cache=tmp_path, ocr=False)
    assert "index_write" in b.timings and np.array_equal(b.candidates.thumbs, a.candidates.thumbs)
